#include "core/report.h"
#include "core/rowsets.h"
#include "core/settings.h"
#include "util/array.h"
#include "util/err.h"
#include "util/timeutil.h"
#include "wfm/adherence.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const wl_report_volume_cols[] = {
  "queue_id", "queue_name", "interval_start", "entered:n", "accepted:n", "abandoned:n",
  "handle_time_s:n", "aht_s:n", "wait_time_s:n", "final:n", NULL};
const char *const wl_report_states_cols[] = {
  "agent_id", "state", "vendor_code", "start", "end", "duration_s:n", NULL};
const char *const wl_report_adherence_cols[] = {
  "agent_id", "agent_name", "date", "scheduled_s:n", "in_adherence_s:n",
  "out_of_adherence_s:n", "neutral_s:n", "unknown_s:n", "adherence_pct:n",
  "conformance_pct:n", "worked_s:n", "scheduled_work_s:n", NULL};
const char *const wl_report_rta_cols[] = {
  "agent_id", "agent_name", "state", "vendor_code", "since", "activity", "adherence",
  "out_for_s:n", "alerting", NULL};
const char *const wl_report_exceptions_cols[] = {
  "agent_id", "agent_name", "start", "end", "activity", "state", "duration_s:n", NULL};

void wl_fmt_ratio1(char *buf, size_t n, int64_t num, int64_t den)
{
  int64_t q;
  int neg;
  if (den == 0) {
    snprintf(buf, n, "%s", "");
    return;
  }
  neg = (num < 0) != (den < 0);
  num = num < 0 ? -num : num;
  den = den < 0 ? -den : den;
  q = (num * 20 + den) / (den * 2); /* tenths, half away from zero */
  snprintf(buf, n, "%s%lld.%lld", neg && q ? "-" : "", (long long)(q / 10), (long long)(q % 10));
}

static void fmt_i64(char *buf, size_t n, int64_t v)
{
  snprintf(buf, n, "%lld", (long long)v);
}

/* ---- volume ---- */

typedef struct vol_acc {
  wl_report_row_cb cb;
  void *payload;
  const wl_tz *tz;
  enum wl_volume_by by;
  wl_rowset_names *queues;
  /* the period being summed, per queue (rows come by start, then queue) */
  int64_t period;
  struct vol_sum {
    char queue_id[64];
    int64_t entered, accepted, abandoned, handle, wait;
    int final;
  } *sums;
  size_t nsums, capsums;
  struct vol_sum *totals;
  size_t ntotals, captotals;
  int rc;
} vol_acc;

static int emit_sum(vol_acc *a, const struct vol_sum *s, const char *start)
{
  char e[24], ac[24], ab[24], h[24], aht[32], w[24];
  const char *v[10];
  fmt_i64(e, sizeof(e), s->entered);
  fmt_i64(ac, sizeof(ac), s->accepted);
  fmt_i64(ab, sizeof(ab), s->abandoned);
  fmt_i64(h, sizeof(h), s->handle);
  fmt_i64(w, sizeof(w), s->wait);
  wl_fmt_ratio1(aht, sizeof(aht), s->handle, s->accepted);
  v[0] = s->queue_id;
  v[1] = wl_rowset_name(a->queues, s->queue_id);
  v[2] = start;
  v[3] = e;
  v[4] = ac;
  v[5] = ab;
  v[6] = h;
  v[7] = aht;
  v[8] = w;
  v[9] = s->final ? "1" : "0";
  return a->cb(a->payload, v);
}

static struct vol_sum *sum_slot(struct vol_sum **arr, size_t *n, size_t *cap, const char *q)
{
  for (size_t i = 0; i < *n; i++)
    if (strcmp((*arr)[i].queue_id, q) == 0)
      return &(*arr)[i];
  if (wl_array_reserve(arr, cap, *n, sizeof(**arr), 16))
    return NULL;
  memset(&(*arr)[*n], 0, sizeof(**arr));
  snprintf((*arr)[*n].queue_id, sizeof((*arr)[*n].queue_id), "%s", q);
  (*arr)[*n].final = 1;
  return &(*arr)[(*n)++];
}

static int cmp_sum(const void *a, const void *b)
{
  return strcmp(((const struct vol_sum *)a)->queue_id, ((const struct vol_sum *)b)->queue_id);
}

static int flush_period(vol_acc *a)
{
  char start[WL_ISO_LEN];
  wl_time_format(start, sizeof(start), a->period, a->tz);
  if (a->nsums > 1)
    qsort(a->sums, a->nsums, sizeof(*a->sums), cmp_sum);
  for (size_t i = 0; i < a->nsums; i++) {
    int rc = emit_sum(a, &a->sums[i], start);
    if (rc)
      return rc;
  }
  a->nsums = 0;
  return 0;
}

static void add_to(struct vol_sum *s, const wl_interval_row *r)
{
  s->entered += r->entered;
  s->accepted += r->accepted;
  s->abandoned += r->abandoned;
  s->handle += r->handle_time_s;
  s->wait += r->wait_time_s;
  s->final = s->final && r->final;
}

static int vol_row(void *payload, const wl_interval_row *r)
{
  vol_acc *a = payload;
  int64_t period = a->by == WL_BY_INTERVAL ? r->start_utc
                   : a->by == WL_BY_DAY    ? wl_tz_day_start(a->tz, r->start_utc)
                                           : wl_tz_week_start(a->tz, r->start_utc);
  struct vol_sum *s, *t;
  int rc;
  if (a->nsums && period != a->period && (rc = flush_period(a)) != 0)
    return rc;
  a->period = period;
  s = sum_slot(&a->sums, &a->nsums, &a->capsums, r->queue_id);
  t = sum_slot(&a->totals, &a->ntotals, &a->captotals, r->queue_id);
  if (!s || !t)
    return wl_err(WL_ENOMEM, "out of memory");
  add_to(s, r);
  add_to(t, r);
  return 0;
}

int wl_report_volume(wl_app *app, const wl_source *src, const wl_report_range *r,
                     enum wl_volume_by by, wl_report_row_cb cb, void *payload)
{
  vol_acc a = {.cb = cb, .payload = payload, .by = by};
  wl_tz *tz = NULL;
  int rc;
  if ((rc = wl_tz_load(&tz, src->timezone)) != 0 ||
      (rc = wl_rowset_queue_names(&a.queues, app->st, src->id)) != 0)
    goto out;
  a.tz = tz;
  rc = wl_store_intervals_query(app->st, src->id, r->filter, wl_interval_ceil(r->from), r->to,
                                vol_row, &a);
  if (rc == 0 && a.nsums)
    rc = flush_period(&a);
  if (rc == 0 && r->totals) {
    if (a.ntotals > 1)
      qsort(a.totals, a.ntotals, sizeof(*a.totals), cmp_sum);
    for (size_t i = 0; i < a.ntotals && rc == 0; i++)
      rc = emit_sum(&a, &a.totals[i], "total");
  }
out:
  free(a.sums);
  free(a.totals);
  wl_rowset_names_free(a.queues);
  wl_tz_free(tz);
  return rc;
}

/* ---- states ---- */

typedef struct states_acc {
  wl_report_row_cb cb;
  void *payload;
  const wl_tz *tz;
  int64_t from, to, now;
} states_acc;

static int state_row(void *payload, const wl_state_row *s)
{
  states_acc *a = payload;
  char start[WL_ISO_LEN], end[WL_ISO_LEN] = "", dur[24];
  const char *v[6];
  int64_t b = s->start_utc > a->from ? s->start_utc : a->from;
  int64_t e = s->end_utc == WL_OPEN_END ? a->now : s->end_utc;
  int open_now = s->end_utc == WL_OPEN_END && a->to > a->now;
  if (e > a->to)
    e = a->to;
  if (e <= b && !(open_now && e == b))
    return 0;
  wl_time_format(start, sizeof(start), b, a->tz);
  if (!open_now)
    wl_time_format(end, sizeof(end), e, a->tz);
  fmt_i64(dur, sizeof(dur), e - b);
  v[0] = s->agent_id;
  v[1] = s->state;
  v[2] = s->vendor_code;
  v[3] = start;
  v[4] = end;
  v[5] = dur;
  return a->cb(a->payload, v);
}

int wl_report_states(wl_app *app, const wl_source *src, const wl_report_range *r,
                     wl_report_row_cb cb, void *payload)
{
  states_acc a = {cb, payload, NULL, r->from, r->to, wl_now()};
  wl_tz *tz = NULL;
  int rc = wl_tz_load(&tz, src->timezone);
  if (rc)
    return rc;
  a.tz = tz;
  rc = wl_store_states_query(app->st, src->id, r->filter, r->from, r->to, state_row, &a);
  wl_tz_free(tz);
  return rc;
}

/* ---- adherence ---- */

typedef struct adh_inputs {
  wl_rowset_sched sched;
  wl_rowset_states states;
  wl_adh_rules *rules;
  wl_adh_settings set;
  wl_rowset_names *agents;
  wl_tz *tz;
} adh_inputs;

static void adh_inputs_free(adh_inputs *in)
{
  wl_rowset_sched_free(&in->sched);
  wl_rowset_states_free(&in->states);
  wl_adh_rules_free(in->rules);
  wl_rowset_names_free(in->agents);
  wl_tz_free(in->tz);
}

/* Loads the schedule and states around the range: grace stretches that
 * cross its edges must be seen whole to be judged (wfm-definitions.md). */
static int adh_load(adh_inputs *in, wl_app *app, const wl_source *src, const wl_report_range *r)
{
  int64_t margin;
  int rc;
  memset(in, 0, sizeof(*in));
  in->set.grace_s = wl_source_setting_int(app->st, src, "adherence-grace-s");
  in->set.count_unscheduled_work = wl_source_setting_bool(app->st, src, "count-unscheduled-work");
  margin = in->set.grace_s + 1;
  if ((rc = wl_tz_load(&in->tz, src->timezone)) != 0 ||
      (rc = wl_rowset_load_rules(&in->rules, app->st, src->id)) != 0 ||
      (rc = wl_rowset_agent_names(&in->agents, app->st, src->id)) != 0 ||
      (rc = wl_rowset_load_sched(&in->sched, app->st, src->id, r->filter, r->from - margin,
                                 r->to + margin)) != 0 ||
      (rc = wl_rowset_load_states(&in->states, app->st, src->id, r->filter, r->from - margin,
                                  r->to + margin)) != 0)
    adh_inputs_free(in);
  return rc;
}

static int emit_day(const adh_inputs *in, const wl_adh_day *d, const char *date,
                    wl_report_row_cb cb, void *payload)
{
  char n[7][24], ap[24], cp[24];
  const char *v[12];
  int64_t vals[7] = {d->scheduled_s, d->in_s, d->out_s, d->neutral_s, d->unknown_s,
                     d->worked_s, d->scheduled_work_s};
  for (int i = 0; i < 7; i++)
    fmt_i64(n[i], sizeof(n[i]), vals[i]);
  wl_adh_adherence_pct(ap, sizeof(ap), d);
  wl_adh_conformance_pct(cp, sizeof(cp), d);
  v[0] = d->agent_id;
  v[1] = wl_rowset_name(in->agents, d->agent_id);
  v[2] = date;
  for (int i = 0; i < 5; i++)
    v[3 + i] = n[i];
  v[8] = ap;
  v[9] = cp;
  v[10] = n[5];
  v[11] = n[6];
  return cb(payload, v);
}

static void add_day(wl_adh_day *t, const wl_adh_day *d)
{
  t->scheduled_s += d->scheduled_s;
  t->in_s += d->in_s;
  t->out_s += d->out_s;
  t->neutral_s += d->neutral_s;
  t->unknown_s += d->unknown_s;
  t->worked_s += d->worked_s;
  t->scheduled_work_s += d->scheduled_work_s;
  t->unscheduled_s += d->unscheduled_s;
}

int wl_report_adherence(wl_app *app, const wl_source *src, const wl_report_range *r,
                        wl_report_row_cb cb, void *payload)
{
  adh_inputs in;
  wl_adh_day *days = NULL, total;
  size_t n = 0;
  int rc = adh_load(&in, app, src, r);
  if (rc)
    return rc;
  rc = wl_adh_compute(&days, &n, in.sched.rows, in.sched.n, in.states.rows, in.states.n,
                      in.rules, &in.set, in.tz, r->from, r->to, wl_now());
  memset(&total, 0, sizeof(total));
  for (size_t i = 0; i < n && rc == 0; i++) {
    rc = emit_day(&in, &days[i], days[i].date, cb, payload);
    add_day(&total, &days[i]);
    if (r->totals && (i + 1 == n || strcmp(days[i + 1].agent_id, days[i].agent_id))) {
      snprintf(total.agent_id, sizeof(total.agent_id), "%s", days[i].agent_id);
      if (rc == 0)
        rc = emit_day(&in, &total, "total", cb, payload);
      memset(&total, 0, sizeof(total));
    }
  }
  free(days);
  adh_inputs_free(&in);
  return rc;
}

int wl_report_exceptions(wl_app *app, const wl_source *src, const wl_report_range *r,
                         wl_report_row_cb cb, void *payload)
{
  adh_inputs in;
  wl_adh_exception *ex = NULL;
  size_t n = 0;
  int rc = adh_load(&in, app, src, r);
  if (rc)
    return rc;
  rc = wl_adh_exceptions(&ex, &n, in.sched.rows, in.sched.n, in.states.rows, in.states.n,
                         in.rules, &in.set, r->from, r->to, wl_now());
  for (size_t i = 0; i < n && rc == 0; i++) {
    char a[WL_ISO_LEN], b[WL_ISO_LEN], d[24];
    const char *v[7];
    wl_time_format(a, sizeof(a), ex[i].start_utc, in.tz);
    wl_time_format(b, sizeof(b), ex[i].end_utc, in.tz);
    fmt_i64(d, sizeof(d), ex[i].end_utc - ex[i].start_utc);
    v[0] = ex[i].agent_id;
    v[1] = wl_rowset_name(in.agents, ex[i].agent_id);
    v[2] = a;
    v[3] = b;
    v[4] = ex[i].activity[0] ? ex[i].activity : "(unscheduled)";
    v[5] = ex[i].state;
    v[6] = d;
    rc = cb(payload, v);
  }
  free(ex);
  adh_inputs_free(&in);
  return rc;
}

/* ---- real-time adherence ---- */

int wl_report_feed_healthy(wl_app *app, const wl_source *src, int64_t now, int64_t *last_ok)
{
  int64_t max_gap = wl_source_setting_int(app->st, src, "rt-max-gap-s");
  wl_last_poll_get(last_ok, app->st, src->id);
  return *last_ok > 0 && now - *last_ok <= max_gap;
}

static int rta_agent(const adh_inputs *in, const char *agent, int64_t now, int64_t alert,
                     int healthy, int64_t last_ok, wl_report_row_cb cb, void *payload)
{
  wl_adh_rta_row row;
  size_t s0, s1, t0, t1;
  char since[WL_ISO_LEN] = "", outfor[24];
  const char *v[9];
  int rc;
  wl_rowset_sched_range(&in->sched, agent, &s0, &s1);
  wl_rowset_states_range(&in->states, agent, &t0, &t1);
  rc = wl_adh_rta(&row, in->sched.rows + s0, s1 - s0, in->states.rows + t0, t1 - t0, in->rules,
                  &in->set, now, alert, healthy, last_ok);
  if (rc)
    return rc;
  if (row.since > 0)
    wl_time_format(since, sizeof(since), row.since, in->tz);
  fmt_i64(outfor, sizeof(outfor), row.out_for_s);
  v[0] = agent;
  v[1] = wl_rowset_name(in->agents, agent);
  v[2] = row.state;
  v[3] = row.vendor_code;
  v[4] = since;
  v[5] = row.activity;
  v[6] = wl_adh_verdict_name(row.verdict);
  v[7] = outfor;
  v[8] = row.alerting ? "yes" : "no";
  return cb(payload, v);
}

int wl_report_rta(wl_app *app, const wl_source *src, wl_report_row_cb cb, void *payload)
{
  adh_inputs in;
  int64_t now = wl_now(), last_ok;
  wl_report_range r = {now - 12 * 3600, now + 1, NULL, 0};
  int64_t alert = wl_source_setting_int(app->st, src, "rta-alert-after-s");
  int rc = adh_load(&in, app, src, &r), healthy;
  if (rc)
    return rc;
  healthy = wl_report_feed_healthy(app, src, now, &last_ok);
  for (size_t i = 0; i < wl_rowset_names_count(in.agents) && rc == 0; i++)
    rc = rta_agent(&in, wl_rowset_names_key(in.agents, i), now, alert, healthy, last_ok, cb,
                   payload);
  adh_inputs_free(&in);
  return rc;
}
