/*
 * The collector-thread side of the event stream (core/stream.h): queued
 * events become state changes, one transaction per source and batch with
 * the last message id; the poll reconciles while the stream is live.
 *
 * Status rows (setting table, per source), read by `source show` and the
 * source page: stream-message-id, stream-status, stream-events (changes
 * applied), stream-ignored (already stored: repeats, catch-up overlap),
 * stream-other (other event types), stream-bad (frames skipped),
 * stream-agree / stream-mismatch (polled agents that agreed or not).
 */
#include "core/stream.h"
#include "core/metrics.h"
#include "core/settings.h"
#include "util/err.h"
#include "util/log.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A polled state that differs from the stream's and began less than this
 * long ago is not judged yet: its event may still be on its way. Nor is
 * one older than the stream's current segment: the stream is newer. */
#define RECONCILE_GRACE_S 5
/* Events further in the future than this (by our clock) are bad data. */
#define FUTURE_SLACK_S 300

int wl_stream_host_for(char *out, size_t cap, const wl_source *src, const char *host)
{
  const wl_source_driver *drv = wl_source_driver_find(src->vendor);
  char derived[300];
  int rc;
  if (!drv)
    return WL_EUSAGE;
  if (!drv->stream)
    return wl_err(WL_EUSAGE, "%s sources have no event stream", src->vendor);
  if (host && host[0])
    return drv->stream->host_check(out, cap, host);
  if ((rc = drv->stream->host_default(derived, sizeof(derived), src->base_url)) != 0)
    return rc;
  return drv->stream->host_check(out, cap, derived);
}

int wl_stream_host(char *out, size_t cap, wl_store *st, const wl_source *src)
{
  char v[300] = "";
  if (wl_setting_get(v, sizeof(v), st, src->id, "stream-host") != 0)
    v[0] = '\0';
  return wl_stream_host_for(out, cap, src, v);
}

/* ---- one change -------------------------------------------------------- */

typedef struct seg_copy {
  int found;
  wl_state_row row;
  char agent[128], state[16], code[16];
} seg_copy;

static int first_seg(void *payload, const wl_state_row *r)
{
  seg_copy *c = payload;
  if (c->found)
    return 0;
  c->found = 1;
  c->row = *r;
  snprintf(c->agent, sizeof(c->agent), "%s", r->agent_id);
  snprintf(c->state, sizeof(c->state), "%s", r->state);
  snprintf(c->code, sizeof(c->code), "%s", r->vendor_code);
  c->row.agent_id = c->agent;
  c->row.state = c->state;
  c->row.vendor_code = c->code;
  return 0;
}

/* The following segment (same state, at plan->close_start) starts at
 * plan->from instead. An open one is closed one second later first, so
 * that states_replace (which keeps open segments) can remove it, and then
 * opened again at from. */
static int merge_into_next(wl_store *st, int64_t source_id, const char *agent,
                           const wl_change_plan *plan, const char *state, const char *code)
{
  int64_t ns = plan->close_start;
  if (plan->to != WL_OPEN_END) {
    wl_state_row row = {agent, plan->from, plan->to, state, code};
    return wl_store_states_replace(st, source_id, agent, plan->from, plan->to, &row, 1);
  }
  wl_state_op close = {WL_STATE_CLOSE, {agent, ns, ns + 1, NULL, NULL}};
  wl_state_op open = {WL_STATE_INSERT, {agent, plan->from, WL_OPEN_END, state, code}};
  int rc = wl_store_states_apply(st, source_id, &close, 1);
  if (rc == 0)
    rc = wl_store_states_replace(st, source_id, agent, plan->from, ns + 1, NULL, 0);
  if (rc == 0)
    rc = wl_store_states_apply(st, source_id, &open, 1);
  return rc;
}

int wl_stream_apply_change(wl_change_plan *plan, wl_store *st, int64_t source_id,
                           const char *agent, int64_t t, const char *state, const char *code)
{
  seg_copy cur = {0}, next = {0};
  int rc;
  if ((rc = wl_store_states_query(st, source_id, agent, t, t + 1, first_seg, &cur)) != 0)
    return rc;
  if (!cur.found &&
      (rc = wl_store_states_query(st, source_id, agent, t, t + 31 * 86400, first_seg, &next)) != 0)
    return rc;
  if (cur.found && cur.row.end_utc != WL_OPEN_END &&
      (rc = wl_store_states_query(st, source_id, agent, cur.row.end_utc, cur.row.end_utc + 1, first_seg,
                             &next)) != 0)
    return rc;
  wl_timeline_change(plan, cur.found ? &cur.row : NULL, next.found ? &next.row : NULL, t, state,
                     code);
  switch (plan->kind) {
  case WL_CHANGE_APPEND: {
    wl_state_op ops[2] = {
      {WL_STATE_CLOSE, {agent, plan->close_start, plan->from, NULL, NULL}},
      {WL_STATE_INSERT, {agent, plan->from, WL_OPEN_END, state, code}},
    };
    return wl_store_states_apply(st, source_id, ops, 2);
  }
  case WL_CHANGE_NEW: {
    wl_state_op op = {WL_STATE_INSERT, {agent, plan->from, WL_OPEN_END, state, code}};
    return wl_store_states_apply(st, source_id, &op, 1);
  }
  case WL_CHANGE_SPLIT: {
    wl_state_row row = {agent, plan->from, plan->to, state, code};
    return wl_store_states_replace(st, source_id, agent, plan->from, plan->to, &row, 1);
  }
  case WL_CHANGE_MERGE:
    return merge_into_next(st, source_id, agent, plan, state, code);
  default:
    return 0;
  }
}

/* ---- counters in setting rows ------------------------------------------ */

static int64_t get_count(wl_store *st, int64_t sid, const char *key)
{
  char buf[32];
  return wl_setting_get(buf, sizeof(buf), st, sid, key) == 0 ? strtoll(buf, NULL, 10) : 0;
}

static int add_count(wl_store *st, int64_t sid, const char *key, int64_t add)
{
  char buf[32];
  if (add == 0)
    return 0;
  snprintf(buf, sizeof(buf), "%lld", (long long)(get_count(st, sid, key) + add));
  return wl_setting_set(st, sid, key, buf);
}

/* ---- draining the queue ------------------------------------------------ */

typedef struct batch_counts {
  int64_t applied, ignored, other, bad;
} batch_counts;

static void note_bad(const char *src, const wl_stream_item *it, int64_t total)
{
  /* the first few, then every 100th: a broken feed must not flood the log */
  if (total < 5 || total % 100 == 0)
    wl_warn(src, "event stream: skipped a frame (%lld so far): %s", (long long)total + 1,
            it->why[0] ? it->why : "bad frame");
}

static int apply_item(batch_counts *bc, wl_store *st, const wl_source *src,
                      const wl_stream_item *it, int64_t now, int64_t bad_before)
{
  wl_change_plan plan;
  int rc;
  if (it->kind == WL_SRC_FRAME_OTHER) {
    bc->other++;
    return 0;
  }
  if (it->kind == WL_SRC_FRAME_AGENT && it->ev.start > now + FUTURE_SLACK_S) {
    wl_stream_item copy = *it;
    snprintf(copy.why, sizeof(copy.why), "event of %.64s is %lld s in the future", it->ev.agent_id,
             (long long)(it->ev.start - now));
    note_bad(src->name, &copy, bad_before + bc->bad);
    bc->bad++;
    return 0;
  }
  if (it->kind != WL_SRC_FRAME_AGENT) {
    note_bad(src->name, it, bad_before + bc->bad);
    bc->bad++;
    return 0;
  }
  rc = wl_stream_apply_change(&plan, st, src->id, it->ev.agent_id, it->ev.start, it->ev.state,
                              it->ev.vendor_code);
  if (rc)
    return rc;
  if (plan.kind == WL_CHANGE_IGNORE) {
    bc->ignored++;
    wl_debug(src->name, "stream event of %s at %lld ignored (%s)", it->ev.agent_id,
             (long long)it->ev.start, plan.why);
  } else {
    bc->applied++;
  }
  return 0;
}

/* The items of one source, in arrival order, as one transaction. */
static void drain_source(wl_streams *s, wl_app *app, int64_t sid, const wl_stream_item *items,
                         size_t n)
{
  wl_store *st = app->st;
  wl_source src;
  batch_counts bc = {0};
  const char *last_id = NULL;
  int64_t now = wl_now();
  int rc;
  if (wl_store_source_get_by_id(st, &src, sid) != 0)
    return;
  if ((rc = wl_store_begin(st)) != 0)
    goto failed;
  int64_t bad_before = get_count(st, sid, "stream-bad");
  for (size_t i = 0; i < n && rc == 0; i++) {
    if (items[i].source_id != sid)
      continue;
    rc = apply_item(&bc, st, &src, &items[i], now, bad_before);
    if (items[i].ev.message_id[0])
      last_id = items[i].ev.message_id;
  }
  if (rc == 0 && last_id)
    rc = wl_setting_set(st, sid, "stream-message-id", last_id);
  if (rc == 0)
    rc = add_count(st, sid, "stream-events", bc.applied);
  if (rc == 0)
    rc = add_count(st, sid, "stream-ignored", bc.ignored);
  if (rc == 0)
    rc = add_count(st, sid, "stream-other", bc.other);
  if (rc == 0)
    rc = add_count(st, sid, "stream-bad", bc.bad);
  if (rc == 0 && (rc = wl_store_commit(st)) == 0) {
    wl_metrics_stream(src.name, WL_MS_APPLIED, bc.applied);
    wl_metrics_stream(src.name, WL_MS_DUPLICATE, bc.ignored);
    wl_metrics_stream(src.name, WL_MS_BAD, bc.bad);
    return;
  }
  if (rc)
    wl_store_rollback(st);
failed:
  wl_error(src.name, "event stream: storing events failed (%s); resuming from the last stored "
                     "message", wl_errmsg());
  {
    char id[128] = "";
    wl_setting_get(id, sizeof(id), st, sid, "stream-message-id");
    wl_streams_restart(s, sid, id);
  }
}

void wl_streams_drain(wl_streams *s)
{
  wl_stream_item *items;
  size_t n;
  wl_streams_take(s, &items, &n);
  for (size_t i = 0; i < n; i++) {
    int first = 1;
    for (size_t j = 0; j < i && first; j++)
      first = items[j].source_id != items[i].source_id;
    if (first)
      drain_source(s, wl_streams_app(s), items[i].source_id, items, n);
  }
  free(items);
}

/* ---- modes and status -------------------------------------------------- */

enum wl_stream_mode wl_streams_mode(wl_streams *s, const wl_source *src, int64_t max_gap,
                                    int *last)
{
  wl_stream_info in;
  enum wl_stream_mode m;
  int64_t now = wl_now();
  if (wl_streams_info(s, src->id, &in) != 0)
    m = WL_STREAM_OFF;
  else if (in.live)
    m = WL_STREAM_LIVE;
  else
    m = now - in.since > max_gap ? WL_STREAM_POLL_ONLY : WL_STREAM_WAIT;
  if (last && (int)m != *last) {
    wl_store *st = wl_streams_app(s)->st;
    char when[WL_ISO_LEN], text[512];
    static const char *const names[] = {"off", "live", "reconnecting", "down; polling only"};
    wl_time_format(when, sizeof(when), m == WL_STREAM_OFF ? now : in.since, NULL);
    if (m == WL_STREAM_OFF)
      snprintf(text, sizeof(text), "off");
    else if (m == WL_STREAM_LIVE || !in.last_error[0])
      snprintf(text, sizeof(text), "%s since %s", names[m], when);
    else
      snprintf(text, sizeof(text), "%s since %s (%.300s)", names[m], when, in.last_error);
    if (m == WL_STREAM_POLL_ONLY)
      wl_warn(src->name, "event stream down for more than %lld s: the timeline comes from the "
                         "poll until it is back", (long long)max_gap);
    else if (m == WL_STREAM_LIVE && *last == WL_STREAM_POLL_ONLY)
      wl_info(src->name, "event stream back: catching up");
    wl_setting_set(st, src->id, "stream-status", text);
    wl_metrics_stream_mode(src->name, (int)m);
    *last = (int)m;
  }
  return m;
}

/* ---- reconciliation ---------------------------------------------------- */

static const wl_state_row *open_of(const wl_state_row *open, size_t n, const char *agent)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp(open[i].agent_id, agent) == 0)
      return &open[i];
  return NULL;
}

/* An agent the stream has not mentioned is seeded as without a stream: not
 * before the previous poll, which did not list it, nor before the source's
 * first poll (docs/DECISIONS.md, "What was observed"). */
static void seed_floor(wl_rt_agent *a, int64_t last_ok, int64_t now)
{
  int64_t floor = last_ok ? last_ok : now;
  if (a->time_in_status > now - floor)
    a->time_in_status = now - floor > 0 ? now - floor : 0;
}

int wl_stream_reconcile(wl_timeline_ops *ops, wl_store *st, const wl_source *src,
                        const wl_state_row *open, size_t nopen, const wl_rt_agent *snap,
                        size_t nsnap, int64_t last_ok, int64_t now)
{
  wl_rt_agent *sel = calloc(nsnap ? nsnap : 1, sizeof(*sel));
  size_t k = 0;
  int64_t agree = 0, mismatch = 0;
  int rc;
  memset(ops, 0, sizeof(*ops));
  if (!sel)
    return wl_err(WL_ENOMEM, "out of memory");
  for (size_t i = 0; i < nsnap; i++) {
    const wl_rt_agent *a = &snap[i];
    const wl_state_row *o = open_of(open, nopen, a->agent_id);
    if (!o) {
      sel[k] = *a; /* not seen by the stream yet: the poll seeds it */
      seed_floor(&sel[k++], last_ok, now);
    } else if (strcmp(o->state, a->state) == 0 && strcmp(o->vendor_code, a->vendor_code) == 0) {
      agree++;
    } else if (a->time_in_status >= RECONCILE_GRACE_S &&
               o->start_utc < now - a->time_in_status) {
      /* (a stream segment that began after the polled state did is newer
       * news than the poll: the agent moved on after the answer was made) */
      char since[WL_ISO_LEN];
      wl_time_format(since, sizeof(since), o->start_utc, NULL);
      wl_warn(src->name, "reconcile: agent %s is %s (code %s) for %lld s by the poll, %s since %s "
                         "by the stream; taking the poll's",
              a->agent_id, a->state, a->vendor_code, (long long)a->time_in_status, o->state,
              since);
      mismatch++;
      sel[k++] = *a;
    }
  }
  /* no observed floor for the mismatches: the stream watched the agent
   * since its segment began, so the poll's estimate stands (never before
   * that segment: timeline.c keeps segments apart); seeds are floored above */
  rc = wl_timeline_step(ops, open, nopen, 1, sel, k, now, INT64_MAX / 4);
  if (rc == 0)
    rc = add_count(st, src->id, "stream-agree", agree);
  if (rc == 0)
    rc = add_count(st, src->id, "stream-mismatch", mismatch);
  wl_metrics_stream(src->name, WL_MS_MISMATCH, mismatch); /* found, whether stored or not */
  free(sel);
  return rc;
}

void wl_stream_summarize(wl_stream_summary *out, wl_store *st, const wl_source *src)
{
  int64_t agree = get_count(st, src->id, "stream-agree");
  int64_t mismatch = get_count(st, src->id, "stream-mismatch");
  memset(out, 0, sizeof(*out));
  if (wl_setting_get(out->status, sizeof(out->status), st, src->id, "stream-status") != 0)
    out->status[0] = '\0';
  if (agree + mismatch > 0)
    snprintf(out->agreement, sizeof(out->agreement),
             "%.1f %% (%lld of %lld polled agent states agreed; %lld mismatch%s)",
             /* floor to one decimal: 99.96 must not read as 100.0 */
             (double)(agree * 1000 / (agree + mismatch)) / 10.0, (long long)agree,
             (long long)(agree + mismatch), (long long)mismatch, mismatch == 1 ? "" : "es");
  if (out->status[0] || agree + mismatch > 0)
    snprintf(out->events, sizeof(out->events),
             "%lld changes applied, %lld already stored, %lld bad frames skipped, %lld other events",
             (long long)get_count(st, src->id, "stream-events"),
             (long long)get_count(st, src->id, "stream-ignored"),
             (long long)get_count(st, src->id, "stream-bad"),
             (long long)get_count(st, src->id, "stream-other"));
}
