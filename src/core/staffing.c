#include "core/staffing.h"
#include "core/forecast_days.h"
#include "core/settings.h"
#include "util/array.h"
#include "util/err.h"
#include "util/timeutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const wl_staffing_cols[] = {
  "queue_id", "interval_start", "volume:n", "aht_s:n", "traffic_erl:n", "agents:n",
  "positions:n", "service_level_pct:n", "asa_s:n", "occupancy_pct:n", "abandon_pct:n",
  "scheduled:n", NULL};

/* ---- parameters ------------------------------------------------------------ */

static int setting_text(char *out, size_t n, wl_app *app, const wl_source *src, const char *key)
{
  const wl_setting_def *d = wl_setting_find(key);
  int rc = wl_setting_get(out, n, app->st, src->id, key);
  if (rc == WL_ENOTFOUND && d) {
    snprintf(out, n, "%s", d->def);
    return 0;
  }
  return rc;
}

int wl_staffing_defaults(wl_staffing_params *out, wl_app *app, const wl_source *src)
{
  char target[64], model[32], shr[32], occ[32];
  int rc;
  memset(out, 0, sizeof(*out));
  if ((rc = setting_text(target, sizeof(target), app, src, "staffing-target")) != 0 ||
      (rc = setting_text(model, sizeof(model), app, src, "staffing-model")) != 0 ||
      (rc = setting_text(shr, sizeof(shr), app, src, "staffing-shrinkage")) != 0 ||
      (rc = setting_text(occ, sizeof(occ), app, src, "staffing-max-occupancy")) != 0)
    return rc;
  if (wl_erlang_parse_target(&out->target_sl, &out->target_t_s, target) != 0)
    return wl_err(WL_EFAIL, "source %s: the stored staffing-target '%s' is not valid", src->name,
                  target);
  out->model = strcmp(model, "erlang-a") == 0 ? WL_ERLANG_A : WL_ERLANG_C;
  out->shrinkage = strtod(shr, NULL);
  out->max_occupancy = strtod(occ, NULL);
  out->patience_s = (double)wl_source_setting_int(app->st, src, "staffing-patience-s");
  return 0;
}

const char *const wl_staffing_setting_keys[] = {
  "staffing-target", "staffing-model", "staffing-patience-s", "staffing-shrinkage",
  "staffing-max-occupancy", NULL};

int wl_staffing_settings_get(char (*out)[64], wl_app *app, const wl_source *src)
{
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < WL_STAFFING_NSET; i++)
    rc = setting_text(out[i], sizeof(out[i]), app, src, wl_staffing_setting_keys[i]);
  return rc;
}

int wl_staffing_settings_save(wl_app *app, const wl_source *src, const char *const *values)
{
  char canon[WL_STAFFING_NSET][64];
  const char *vals[WL_STAFFING_NSET];
  int rc = 0;
  for (size_t i = 0; i < WL_STAFFING_NSET; i++) {
    vals[i] = canon[i];
    if ((rc = wl_setting_check(canon[i], sizeof(canon[i]),
                               wl_setting_find(wl_staffing_setting_keys[i]),
                               values[i] ? values[i] : "", 0)) != 0)
      return rc;
  }
  /* all or none, like the adherence settings */
  return wl_setting_set_all(app->st, src->id, wl_staffing_setting_keys, vals, WL_STAFFING_NSET);
}

int wl_staffing_check(const wl_staffing_params *p)
{
  wl_erlang_in in = {.model = p->model, .calls = 0, .aht_s = 1, .interval_s = WL_INTERVAL_S,
                     .target_sl = p->target_sl, .target_t_s = p->target_t_s,
                     .patience_s = p->patience_s, .shrinkage = p->shrinkage,
                     .max_occupancy = p->max_occupancy};
  return wl_erlang_check(&in);
}

/* ---- scheduled agents ------------------------------------------------------ */

typedef struct sched_grid {
  int64_t from;
  size_t n;
  double *agents;            /* per interval of [from, to) */
  int any;
  char (*rest)[64];          /* activities of kind rest */
  size_t nrest, restcap;
} sched_grid;

static int collect_rest(void *payload, const wl_rule_row *r)
{
  sched_grid *g = payload;
  if (strcmp(r->kind, "rest") != 0)
    return 0;
  for (size_t i = 0; i < g->nrest; i++)
    if (strcmp(g->rest[i], r->activity) == 0)
      return 0;
  if (wl_array_reserve(&g->rest, &g->restcap, g->nrest, sizeof(*g->rest), 8) != 0)
    return WL_ENOMEM;
  snprintf(g->rest[g->nrest++], sizeof(g->rest[0]), "%s", r->activity);
  return 0;
}

static int is_rest(const sched_grid *g, const char *activity)
{
  for (size_t i = 0; i < g->nrest; i++)
    if (strcmp(g->rest[i], activity) == 0)
      return 1;
  /* the built-in rest activities, even without stored rules */
  return strcmp(activity, "break") == 0 || strcmp(activity, "lunch") == 0;
}

/* A segment covering part of an interval counts that part. */
static int add_segment(void *payload, const wl_schedule_row *r)
{
  sched_grid *g = payload;
  int64_t end = g->from + (int64_t)g->n * WL_INTERVAL_S;
  int64_t a = r->start_utc > g->from ? r->start_utc : g->from;
  int64_t z = r->end_utc < end ? r->end_utc : end;
  g->any = 1;
  if (is_rest(g, r->activity))
    return 0;
  for (int64_t t = wl_interval_floor(a); t < z; t += WL_INTERVAL_S) {
    int64_t lo = t > a ? t : a, hi = t + WL_INTERVAL_S < z ? t + WL_INTERVAL_S : z;
    if (hi > lo)
      g->agents[(t - g->from) / WL_INTERVAL_S] += (double)(hi - lo) / WL_INTERVAL_S;
  }
  return 0;
}

static int sched_load(sched_grid *g, wl_app *app, const wl_source *src, int64_t from, int64_t to)
{
  int rc;
  memset(g, 0, sizeof(*g));
  g->from = wl_interval_floor(from);
  g->n = (size_t)((wl_interval_ceil(to) - g->from) / WL_INTERVAL_S);
  if (!(g->agents = calloc(g->n ? g->n : 1, sizeof(*g->agents))))
    return wl_err(WL_ENOMEM, "out of memory");
  rc = wl_store_rules_list(app->st, src->id, collect_rest, g);
  if (rc == 0)
    rc = wl_store_schedule_query(app->st, src->id, NULL, from, to, add_segment, g);
  return rc;
}

static void sched_free(sched_grid *g)
{
  free(g->agents);
  free(g->rest);
}

/* ---- recorded volume (--actual) -------------------------------------------- */

typedef struct actual_row {
  char queue[64];
  int64_t start, entered, accepted, handle_s;
} actual_row;

typedef struct actuals {
  actual_row *v;
  size_t n, cap;
} actuals;

static int keep_actual(void *payload, const wl_interval_row *r)
{
  actuals *a = payload;
  actual_row *x;
  if (wl_array_reserve(&a->v, &a->cap, a->n, sizeof(*a->v), 1024) != 0)
    return WL_ENOMEM;
  x = &a->v[a->n++];
  snprintf(x->queue, sizeof(x->queue), "%s", r->queue_id);
  x->start = r->start_utc;
  x->entered = r->entered;
  x->accepted = r->accepted;
  x->handle_s = r->handle_time_s;
  return 0;
}

static int cmp_actual(const void *a, const void *b)
{
  const actual_row *x = a, *y = b;
  int c = strcmp(x->queue, y->queue);
  if (c)
    return c;
  return x->start < y->start ? -1 : x->start > y->start;
}

static const actual_row *find_actual(const actuals *a, const char *queue, int64_t start)
{
  actual_row key;
  snprintf(key.queue, sizeof(key.queue), "%s", queue);
  key.start = start;
  return a->n ? bsearch(&key, a->v, a->n, sizeof(*a->v), cmp_actual) : NULL;
}

/* ---- the rows ------------------------------------------------------------- */

typedef struct st_run {
  const wl_staffing_req *req;
  sched_grid sched;
  actuals act;
  wl_forecast_row *q;        /* the current queue's forecast rows */
  size_t nq, qcap;
  char qid[64], qname[256];
  wl_staffing_cb cb;
  wl_forecast_note_cb note;
  void *payload;
} st_run;

/* The queue's forecast AHT over the range, weighted by forecast volume. */
static double queue_aht(const st_run *r)
{
  double h = 0, w = 0;
  for (size_t i = 0; i < r->nq; i++)
    if (r->q[i].aht_s > 0 && r->q[i].volume > 0) {
      h += r->q[i].aht_s * r->q[i].volume;
      w += r->q[i].volume;
    }
  if (w > 0)
    return h / w;
  for (size_t i = 0; i < r->nq; i++)
    if (r->q[i].aht_s > 0)
      return r->q[i].aht_s;
  return -1;
}

static void fill_volume(wl_staffing_row *row, const st_run *r, const wl_forecast_row *f,
                        double qaht)
{
  double own = f->aht_s;
  row->volume = f->volume;
  if (r->req->actual) {
    const actual_row *a = find_actual(&r->act, f->queue_id, f->start_utc);
    row->volume = a ? (double)a->entered : 0;
    own = a && a->accepted > 0 ? (double)a->handle_s / (double)a->accepted : -1;
  }
  row->aht_s = own;
  if (own <= 0 && row->volume > 0) {
    /* no AHT of its own: the interval's forecast AHT, else the queue's */
    row->aht_s = r->req->actual && f->aht_s > 0 ? f->aht_s : qaht;
    row->aht_fallback = row->aht_s > 0;
  }
}

static void fill_erlang(wl_staffing_row *row, const wl_staffing_params *p)
{
  wl_erlang_in in = {.model = p->model, .calls = row->volume, .aht_s = row->aht_s,
                     .interval_s = WL_INTERVAL_S, .target_sl = p->target_sl,
                     .target_t_s = p->target_t_s, .patience_s = p->patience_s,
                     .shrinkage = p->shrinkage, .max_occupancy = p->max_occupancy};
  memset(&row->erl, 0, sizeof(row->erl));
  if (row->volume <= 0)
    return; /* no volume needs no agents */
  if (row->aht_s <= 0 || wl_erlang_required(&row->erl, &in) != 0)
    row->erl.agents = -1;
}

static int flush_queue(st_run *r)
{
  double qaht = queue_aht(r);
  size_t fallback = 0, missing = 0;
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < r->nq; i++) {
    const wl_forecast_row *f = &r->q[i];
    wl_staffing_row row = {.queue_id = r->qid, .queue_name = r->qname,
                           .start_utc = f->start_utc};
    int64_t k = (f->start_utc - r->sched.from) / WL_INTERVAL_S;
    fill_volume(&row, r, f, qaht);
    fill_erlang(&row, &r->req->params);
    fallback += row.aht_fallback;
    missing += row.erl.agents < 0;
    row.has_scheduled = r->sched.any;
    row.scheduled = k >= 0 && (size_t)k < r->sched.n ? r->sched.agents[k] : 0;
    rc = r->cb(r->payload, &row);
  }
  if (rc == 0 && fallback && r->note) {
    char msg[200];
    snprintf(msg, sizeof(msg), "%zu interval%s with volume but no AHT of %s own use%s the "
             "queue's forecast AHT", fallback, fallback == 1 ? "" : "s",
             fallback == 1 ? "its" : "their", fallback == 1 ? "s" : "");
    rc = r->note(r->payload, r->qid, msg);
  }
  if (rc == 0 && missing && r->note)
    rc = r->note(r->payload, r->qid, "no handle time to staff with (no accepted contacts in "
                                     "the history): agents left empty");
  r->nq = 0;
  return rc;
}

/* The engine's notes reach the caller's payload, not the run's. */
static int run_note(void *payload, const char *queue_id, const char *text)
{
  const st_run *r = payload;
  return r->note(r->payload, queue_id, text);
}

static int take_forecast(void *payload, const wl_forecast_row *f)
{
  st_run *r = payload;
  int rc = 0;
  if (r->nq > 0 && strcmp(r->qid, f->queue_id) != 0)
    rc = flush_queue(r);
  if (rc != 0)
    return rc;
  if (r->nq == 0) {
    snprintf(r->qid, sizeof(r->qid), "%s", f->queue_id);
    snprintf(r->qname, sizeof(r->qname), "%s", f->queue_name ? f->queue_name : "");
  }
  if (wl_array_reserve(&r->q, &r->qcap, r->nq, sizeof(*r->q), 1024) != 0)
    return WL_ENOMEM;
  r->q[r->nq] = *f;
  r->q[r->nq].queue_id = r->qid; /* the engine's strings live only during the call */
  r->q[r->nq].queue_name = r->qname;
  r->nq++;
  return 0;
}

int wl_staffing(wl_app *app, const wl_source *src, const wl_staffing_req *req,
                wl_staffing_cb cb, wl_forecast_note_cb note, void *payload)
{
  st_run r = {.req = req, .cb = cb, .note = note, .payload = payload};
  int rc;
  if ((rc = wl_staffing_check(&req->params)) != 0 || (rc = wl_forecast_check(&req->fc)) != 0)
    return rc;
  rc = sched_load(&r.sched, app, src, req->fc.from, req->fc.to);
  if (rc == 0 && req->actual) {
    rc = wl_store_intervals_query(app->st, src->id, NULL, req->fc.from, req->fc.to,
                                  keep_actual, &r.act);
    if (rc == 0 && r.act.n > 1)
      qsort(r.act.v, r.act.n, sizeof(*r.act.v), cmp_actual);
  }
  if (rc == 0)
    rc = wl_forecast(app, src, &req->fc, take_forecast, note ? run_note : NULL, &r);
  if (rc == 0 && r.nq > 0)
    rc = flush_queue(&r);
  sched_free(&r.sched);
  free(r.act.v);
  free(r.q);
  return rc;
}

/* ---- text ------------------------------------------------------------------ */

static int text_row(void *payload, const wl_staffing_row *row)
{
  wl_fc_text *c = payload;
  char when[WL_ISO_LEN], vol[32], aht[32], erl[32], ag[16], pos[16], sl[32], asa[32], occ[32];
  char ab[32], sch[32];
  const wl_erlang_out *e = &row->erl;
  int staffed = row->volume > 0 && e->agents > 0;
  const char *v[12] = {row->queue_id, when, vol, row->aht_s > 0 ? aht : "", erl,
                       e->agents >= 0 ? ag : "", e->agents >= 0 ? pos : "",
                       staffed ? sl : "", staffed ? asa : "", staffed ? occ : "",
                       staffed ? ab : "",
                       row->has_scheduled ? sch : ""};
  wl_time_format(when, sizeof(when), row->start_utc, c->tz);
  wl_fc_fmt(vol, sizeof(vol), 1, row->volume);
  wl_fc_fmt(aht, sizeof(aht), 1, row->aht_s);
  wl_fc_fmt(erl, sizeof(erl), 2, e->traffic_erl);
  snprintf(ag, sizeof(ag), "%d", e->agents);
  snprintf(pos, sizeof(pos), "%d", e->positions);
  wl_fc_fmt(sl, sizeof(sl), 2, e->service_level * 100);
  wl_fc_fmt(asa, sizeof(asa), 1, e->asa_s);
  wl_fc_fmt(occ, sizeof(occ), 2, e->occupancy * 100);
  wl_fc_fmt(ab, sizeof(ab), 2, e->p_abandon * 100);
  wl_fc_fmt(sch, sizeof(sch), 2, row->scheduled);
  return c->cb(c->payload, v);
}

int wl_staffing_report(wl_app *app, const wl_source *src, const wl_staffing_req *req,
                       wl_report_row_cb cb, wl_forecast_note_cb note, void *payload)
{
  wl_fc_text c = {cb, payload, NULL, note};
  wl_tz *tz = NULL;
  int rc = wl_tz_load(&tz, src->timezone);
  if (rc != 0)
    return rc;
  c.tz = tz;
  rc = wl_staffing(app, src, req, text_row, note ? wl_fc_text_note : NULL, &c);
  wl_tz_free(tz);
  return rc;
}
