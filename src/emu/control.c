/*
 * /_emu/: what 8x8 would not have. Ground truth, the schedule, fault
 * injection, quirk switches, the clock and request counts, for tests.
 * No authentication (loopback only unless --allow-remote).
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "emu/emu_int.h"
#include "emu/render.h"
#include "util/err.h"
#include "util/timeutil.h"

#define MAX_RANGE_S (93 * 86400)

static const char *arg(const emu_req *q, const char *key)
{
  const char *v = q->arg(q->conn, key);
  return v && *v ? v : NULL;
}

static int text(emu_resp *r, int status, const char *msg)
{
  wl_buf_reset(&r->body);
  wl_buf_puts(&r->body, msg);
  wl_buf_puts(&r->body, "\n");
  r->status = status;
  r->ctype = "text/plain; charset=utf-8";
  return 0;
}

static int bad(emu_resp *r)
{
  return text(r, 400, wl_errmsg());
}

static int csv_ok(emu_resp *r, int rc)
{
  if (rc)
    return text(r, 500, wl_errmsg());
  r->status = 200;
  r->ctype = "text/csv; charset=utf-8";
  return 0;
}

static int tenant_of(int *out, wl_emu *e, const emu_req *q)
{
  const char *t = arg(q, "tenant");
  *out = 0;
  if (!t)
    return 0;
  for (int i = 0; i < e->ntenants; i++) {
    if (strcmp(e->tenants[i].name, t) == 0) {
      *out = i;
      return 0;
    }
  }
  return wl_err(WL_EUSAGE, "unknown tenant '%.64s'", t);
}

/* tenant, from, to (default: the current local day so far) and tz. */
static int range_params(wl_emu *e, const emu_req *q, int *tenant, int64_t *from, int64_t *to,
                        const wl_tz **tz, int whole_day)
{
  int64_t now = emu_now(e);
  const char *f = arg(q, "from"), *t = arg(q, "to");
  int64_t day = emu_sim_day_start(e->sim, emu_sim_day_of(e->sim, now));
  int rc = tenant_of(tenant, e, q);
  if (rc == 0)
    rc = emu_zone(tz, e, arg(q, "tz"));
  *from = day;
  *to = whole_day ? emu_sim_day_start(e->sim, emu_sim_day_of(e->sim, now) + 1) : now;
  if (rc == 0 && f)
    rc = emu_parse_instant(from, f, e->tz);
  if (rc == 0 && t)
    rc = emu_parse_instant(to, t, e->tz);
  if (rc == 0 && (*to < *from || *to - *from > MAX_RANGE_S))
    rc = wl_err(WL_EUSAGE, "from/to: an empty, reversed or over-93-day range");
  return rc;
}

static int truth(wl_emu *e, const emu_req *q, emu_resp *r, int which)
{
  int tenant;
  int64_t from, to;
  const wl_tz *tz;
  if (range_params(e, q, &tenant, &from, &to, &tz, which == 2))
    return bad(r);
  if (which == 0)
    return csv_ok(r, emu_truth_intervals(e->sim, tenant, from, to, emu_now(e), tz, &r->body));
  if (which == 1)
    return csv_ok(r, emu_truth_states(e->sim, tenant, from, to, emu_now(e), &r->body));
  return csv_ok(r, emu_schedule_csv(e->sim, tenant, from, to, tz, &r->body));
}

static int fault(wl_emu *e, const emu_req *q, emu_resp *r)
{
  const char *kind = arg(q, "kind"), *count = arg(q, "count");
  const char *ra = arg(q, "retry_after") ? arg(q, "retry_after") : arg(q, "seconds");
  char *end;
  long n = 1, secs = 0;
  if (strcmp(q->method, "DELETE") == 0) {
    wl_emu_clear_faults(e);
    return text(r, 200, "ok");
  }
  if (count && ((n = strtol(count, &end, 10)) < 1 || *end))
    return text(r, 400, "count must be a positive integer");
  if (ra && ((secs = strtol(ra, &end, 10)) < 0 || *end || secs > 3600))
    return text(r, 400, "retry_after / seconds must be 0..3600");
  if (!kind)
    return text(r, 400, "kind is required (500, 503, 429, hang, truncate, badjson, 401, "
                        "reset, none)");
  if (wl_emu_add_fault(e, kind, (int)n, arg(q, "path"), (int)secs))
    return bad(r);
  return text(r, 200, "ok");
}

static void quirk_list(wl_buf *b, unsigned qk)
{
  static const char *const names[] = {"single-object", "empty-string", "numbers-as-strings",
                                      "extra-fields", "durations-as-text"};
  int any = 0;
  for (int i = 0; i < 5; i++) {
    if (qk & (1u << i)) {
      wl_buf_printf(b, "%s%s", any ? "," : "", names[i]);
      any = 1;
    }
  }
  wl_buf_puts(b, any ? "\n" : "none\n");
}

static int quirks(wl_emu *e, const emu_req *q, emu_resp *r)
{
  const char *set = q->arg(q->conn, "set");
  unsigned qk;
  if (set) {
    if (wl_emu_parse_quirks(&qk, set))
      return bad(r);
    wl_emu_set_quirks(e, qk);
  } else if (strcmp(q->method, "DELETE") == 0) {
    wl_emu_set_quirks(e, 0);
  }
  wl_buf_reset(&r->body);
  quirk_list(&r->body, emu_quirks(e));
  r->status = 200;
  r->ctype = "text/plain; charset=utf-8";
  return 0;
}

static int clock_(wl_emu *e, const emu_req *q, emu_resp *r)
{
  const char *now = arg(q, "now"), *adv = arg(q, "advance");
  char iso[WL_ISO_LEN];
  int64_t t;
  if (now && strcmp(now, "run") == 0) {
    wl_emu_set_now(e, 0);
  } else if (now) {
    if (emu_parse_instant(&t, now, e->tz))
      return bad(r);
    wl_emu_set_now(e, t);
  }
  if (adv) {
    char *end;
    long long s = strtoll(adv, &end, 10);
    if (*end)
      return text(r, 400, "advance must be whole seconds");
    wl_emu_set_now(e, emu_now(e) + s);
  }
  t = emu_now(e);
  wl_buf_reset(&r->body);
  wl_buf_printf(&r->body, "%" PRId64 " %s\n", t, wl_time_format(iso, sizeof(iso), t, e->tz));
  r->status = 200;
  r->ctype = "text/plain; charset=utf-8";
  return 0;
}

static int info(wl_emu *e, emu_resp *r)
{
  const emu_sim_config *c = emu_sim_cfg(e->sim);
  wl_buf *b = &r->body;
  wl_buf_printf(b, "{\"tenants\":[");
  for (int i = 0; i < e->ntenants; i++) {
    wl_buf_printf(b, "%s\"", i ? "," : "");
    emu_json_escape(b, e->tenants[i].name, strlen(e->tenants[i].name));
    wl_buf_puts(b, "\"");
  }
  wl_buf_printf(b, "],\"agents\":%d,\"queues\":%d,\"seed\":%" PRIu64 ",\"timezone\":\"%s\","
                   "\"now\":%" PRId64 ",\"late_seconds\":%" PRId64 ",\"speed\":%g,"
                   "\"dwell_scale\":%g}\n",
                c->agents, c->queues, c->seed, e->tzname, emu_now(e), e->cfg.late_seconds,
                e->cfg.speed, c->dwell_scale);
  r->status = 200;
  r->ctype = "application/json";
  return 0;
}

/* /_emu/stream-fault?kind=K[&count=N][&seconds=S]: the event stream's
 * faults (docs/EMULATOR.md); kind=none clears them. */
static int stream_fault(wl_emu *e, const emu_req *q, emu_resp *r)
{
  const char *k = arg(q, "kind"), *n = arg(q, "count"), *sec = arg(q, "seconds");
  int kind = k ? emu_stream_fault_kind(k) : -1;
  long count = n ? strtol(n, NULL, 10) : 1, seconds = sec ? strtol(sec, NULL, 10) : 30;
  if (kind < 0)
    return text(r, 400, "kind must be drop, lose, repeat, reorder, stall, refuse, garbage or none");
  if (count < 1 || count > 1000 || seconds < 1 || seconds > 3600)
    return text(r, 400, "count must be 1..1000 and seconds 1..3600");
  if (emu_stream_add_fault(e, kind, (int)count, (int)seconds) != 0)
    return bad(r);
  return text(r, 200, "ok");
}

int emu_control(wl_emu *e, const emu_req *q, emu_resp *r)
{
  const char *p = q->path + 6; /* after "/_emu/" */
  int get = strcmp(q->method, "GET") == 0 || strcmp(q->method, "HEAD") == 0;
  int del = strcmp(q->method, "DELETE") == 0;
  if (get && strcmp(p, "truth/intervals") == 0)
    return truth(e, q, r, 0);
  if (get && strcmp(p, "truth/states") == 0)
    return truth(e, q, r, 1);
  if (get && strcmp(p, "schedule") == 0)
    return truth(e, q, r, 2);
  if (strcmp(p, "fault") == 0 || (del && strcmp(p, "faults") == 0))
    return fault(e, q, r);
  if (strcmp(p, "stream-fault") == 0)
    return stream_fault(e, q, r);
  if (get && strcmp(p, "stream") == 0) {
    emu_stream_status(e, &r->body);
    return csv_ok(r, 0);
  }
  if (get && strcmp(p, "faults") == 0) {
    emu_faults_csv(e, &r->body);
    return csv_ok(r, 0);
  }
  if (strcmp(p, "quirks") == 0)
    return quirks(e, q, r);
  if (strcmp(p, "clock") == 0)
    return clock_(e, q, r);
  if (strcmp(p, "requests") == 0 && del) {
    wl_emu_reset_requests(e);
    return text(r, 200, "ok");
  }
  if (get && strcmp(p, "requests") == 0) {
    emu_requests_csv(e, &r->body);
    return csv_ok(r, 0);
  }
  if (get && (strcmp(p, "info") == 0 || *p == '\0'))
    return info(e, r);
  return text(r, 404, "no such control endpoint (see docs/EMULATOR.md)");
}
