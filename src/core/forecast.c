#include "core/forecast.h"
#include "core/forecast_days.h"
#include "util/array.h"
#include "util/err.h"
#include "util/timeutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DAY_S 86400
#define YEAR_S (366 * (int64_t)DAY_S)

const char *const wl_forecast_cols[] = {
  "queue_id", "queue_name", "interval_start", "volume:n", "aht_s:n", "method", NULL};
const char *const wl_accuracy_cols[] = {
  "queue_id", "method", "intervals:n", "wmape_pct:n", "mape_pct:n", "bias_pct:n",
  "day_mape_pct:n", "vs_seasonal_naive_pct:n", NULL};

int wl_forecast_check(const wl_forecast_req *req)
{
  if (req->to <= req->from)
    return wl_err(WL_EUSAGE, "--to must be after --from");
  if (req->to - req->from > WL_FC_MAX_RANGE_DAYS * (int64_t)DAY_S + 3600)
    return wl_err(WL_EUSAGE, "--to: the horizon is longer than %d days", WL_FC_MAX_RANGE_DAYS);
  if (req->as_of_given && req->as_of - req->to > YEAR_S)
    return wl_err(WL_EUSAGE, "--as-of is more than a year after --to");
  if (req->nqueues > WL_FC_MAX_QUEUES)
    return wl_err(WL_EUSAGE, "--queue: more than %d queues", WL_FC_MAX_QUEUES);
  for (size_t i = 0; i < req->nqueues; i++)
    if (!req->queues[i] || !*req->queues[i])
      return wl_err(WL_EUSAGE, "--queue: an empty queue id");
  return 0;
}

/* ---- the queues of a request -------------------------------------------- */

typedef struct qinfo {
  char id[64];
  char name[256];
} qinfo;

typedef struct qlist {
  qinfo *v;
  size_t n, cap;
} qlist;

static int add_queue(qlist *l, const char *id, const char *name)
{
  if (wl_array_reserve(&l->v, &l->cap, l->n, sizeof(*l->v), 16) != 0)
    return WL_ENOMEM;
  snprintf(l->v[l->n].id, sizeof(l->v[0].id), "%s", id);
  snprintf(l->v[l->n].name, sizeof(l->v[0].name), "%s", name ? name : "");
  l->n++;
  return 0;
}

static int collect_queue(void *payload, const wl_queue_row *q)
{
  return add_queue(payload, q->queue_id, q->name);
}

static int name_queue(void *payload, const wl_queue_row *q)
{
  qlist *l = payload;
  for (size_t i = 0; i < l->n; i++)
    if (strcmp(l->v[i].id, q->queue_id) == 0)
      snprintf(l->v[i].name, sizeof(l->v[i].name), "%s", q->name);
  return 0;
}

/* The requested queues (names from the queue table), or every known one. */
static int queues_of(qlist *l, wl_app *app, const wl_source *src, const char *const *ids,
                     size_t n)
{
  int rc = 0;
  memset(l, 0, sizeof(*l));
  if (n == 0)
    return wl_store_queues_list(app->st, src->id, collect_queue, l);
  for (size_t i = 0; rc == 0 && i < n; i++) {
    size_t j = 0;
    while (j < i && strcmp(ids[j], ids[i]) != 0)
      j++;
    if (j == i) /* a queue named twice is forecast once */
      rc = add_queue(l, ids[i], "");
  }
  return rc == 0 ? wl_store_queues_list(app->st, src->id, name_queue, l) : rc;
}

int wl_forecast_queues(wl_app *app, const wl_source *src, wl_queue_cb cb, void *payload)
{
  return wl_store_queues_list(app->st, src->id, cb, payload);
}

/* ---- one forecast run ----------------------------------------------------- */

/* Where the history ends, and whether the engine gets the partial as-of
 * day (only when it is the first target day); see forecast.h. */
typedef struct plan {
  int64_t eff;             /* effective as-of */
  int64_t hist_day0, hist_day1; /* history days [hist_day0, hist_day1) */
  int64_t tgt_day0, tgt_day1;   /* target days */
} plan;

static void make_plan(plan *p, const wl_tz *tz, const wl_forecast_req *req)
{
  int64_t first_day = wl_fc_local_day(tz, req->from);
  int64_t next = wl_tz_next_day_start(tz, req->from);
  int64_t eff_day;
  if (req->as_of <= req->from || req->as_of < next)
    p->eff = req->as_of;
  else
    p->eff = req->from;
  eff_day = wl_fc_local_day(tz, p->eff);
  p->hist_day1 = eff_day;
  if (eff_day == first_day && p->eff > wl_tz_day_start(tz, p->eff))
    p->hist_day1 = eff_day + 1; /* the partial first target day, for intraday */
  p->hist_day0 = eff_day - WL_FC_HISTORY_DAYS;
  p->tgt_day0 = first_day;
  p->tgt_day1 = wl_fc_local_day(tz, req->to - 1) + 1;
}

/* The target days, each cut to [from, to). Views into g. */
static int cut_targets(wl_fc_day **out, size_t *n, const wl_fc_grid *g, int64_t from, int64_t to)
{
  wl_fc_day *v = calloc(g->ndays ? g->ndays : 1, sizeof(*v));
  size_t k = 0;
  if (!v)
    return wl_err(WL_ENOMEM, "out of memory");
  for (size_t d = 0; d < g->ndays; d++) {
    wl_fc_day day = g->days[d];
    size_t a = 0, z = day.n;
    while (a < z && day.iv[a].start_utc < from)
      a++;
    while (z > a && day.iv[z - 1].start_utc >= to)
      z--;
    if (a == z)
      continue;
    day.iv += a;
    day.n = z - a;
    v[k++] = day;
  }
  *out = v;
  *n = k;
  return 0;
}

typedef struct fc_run {
  wl_app *app;
  const wl_source *src;
  const wl_forecast_req *req;
  wl_tz *tz;
  plan p;
  wl_fc_grid hist, tgt;
  wl_fc_day *tdays;
  size_t ntdays;
  wl_forecast_cb cb;
  wl_forecast_note_cb note;
  void *payload;
} fc_run;

static void fc_run_free(fc_run *r)
{
  wl_fc_grid_free(&r->hist);
  wl_fc_grid_free(&r->tgt);
  free(r->tdays);
  wl_tz_free(r->tz);
}

static int fc_run_init(fc_run *r)
{
  int rc;
  if ((rc = wl_forecast_check(r->req)) != 0 || (rc = wl_tz_load(&r->tz, r->src->timezone)) != 0)
    return rc;
  make_plan(&r->p, r->tz, r->req);
  if ((rc = wl_fc_grid_new(&r->hist, r->tz, r->p.hist_day0, r->p.hist_day1)) != 0 ||
      (rc = wl_fc_grid_runs(&r->hist, r->app, r->src)) != 0 ||
      (rc = wl_fc_grid_new(&r->tgt, r->tz, r->p.tgt_day0, r->p.tgt_day1)) != 0)
    return rc;
  return cut_targets(&r->tdays, &r->ntdays, &r->tgt, r->req->from, r->req->to);
}

static int emit_notes(fc_run *r, const qinfo *q, const wl_fc_result *res)
{
  int rc = 0;
  for (size_t i = 0; rc == 0 && r->note && i < res->nnotes; i++)
    rc = r->note(r->payload, q->id, res->notes[i].text);
  return rc;
}

static int emit_rows(fc_run *r, const qinfo *q, const wl_fc_result *res)
{
  size_t k = 0;
  int rc = 0;
  for (size_t d = 0; rc == 0 && d < r->ntdays; d++) {
    for (size_t i = 0; rc == 0 && i < r->tdays[d].n && k < res->n; i++, k++) {
      wl_forecast_row row = {
        .queue_id = q->id,
        .queue_name = q->name,
        .start_utc = r->tdays[d].iv[i].start_utc,
        .volume = res->volume[k],
        .base_volume = res->base_volume ? res->base_volume[k] : res->volume[k],
        .aht_s = res->aht_s[k],
        .method = wl_fc_method_name(res->method),
      };
      rc = r->cb(r->payload, &row);
    }
  }
  return rc;
}

static int forecast_queue(fc_run *r, const qinfo *q)
{
  wl_fc_special *sp = NULL;
  size_t nsp = 0;
  wl_fc_result res;
  wl_fc_opts o = {.method = r->req->method, .as_of = r->p.eff};
  int rc;
  memset(&res, 0, sizeof(res));
  if ((rc = wl_fc_grid_load_queue(&r->hist, r->app, r->src, q->id, r->p.eff)) != 0 ||
      (rc = wl_fc_special_load(&sp, &nsp, r->app, r->src, q->id)) != 0)
    return rc;
  o.special = sp;
  o.nspecial = nsp;
  rc = wl_fc_forecast(&res, r->hist.days, r->hist.ndays, r->tdays, r->ntdays, &o);
  if (rc == 0)
    rc = emit_notes(r, q, &res);
  if (rc == 0)
    rc = emit_rows(r, q, &res);
  wl_fc_result_free(&res);
  free(sp);
  return rc;
}

int wl_forecast(wl_app *app, const wl_source *src, const wl_forecast_req *req,
                wl_forecast_cb cb, wl_forecast_note_cb note, void *payload)
{
  fc_run r = {.app = app, .src = src, .req = req, .cb = cb, .note = note, .payload = payload};
  qlist ql = {0};
  int rc = fc_run_init(&r);
  if (rc == 0)
    rc = queues_of(&ql, app, src, req->queues, req->nqueues);
  if (rc == 0 && ql.n == 0 && note)
    rc = note(payload, "", "the source has no queues yet: nothing to forecast");
  for (size_t i = 0; rc == 0 && i < ql.n; i++)
    rc = forecast_queue(&r, &ql.v[i]);
  free(ql.v);
  fc_run_free(&r);
  return rc;
}

/* ---- text rows ------------------------------------------------------------ */

void wl_fc_fmt(char *buf, size_t n, int decimals, double v)
{
  double s = pow(10, decimals), r = round(v * s) / s;
  snprintf(buf, n, "%.*f", decimals, r == 0 ? 0.0 : r);
}

/* Notes reach the caller's payload, not this wrapper's. */
int wl_fc_text_note(void *payload, const char *queue_id, const char *text)
{
  const wl_fc_text *c = payload;
  return c->note(c->payload, queue_id, text);
}

static int text_row(void *payload, const wl_forecast_row *row)
{
  wl_fc_text *c = payload;
  char when[WL_ISO_LEN], vol[32], aht[32];
  const char *v[6];
  wl_time_format(when, sizeof(when), row->start_utc, c->tz);
  wl_fc_fmt(vol, sizeof(vol), 1, row->volume);
  if (row->aht_s >= 0)
    wl_fc_fmt(aht, sizeof(aht), 1, row->aht_s);
  v[0] = row->queue_id;
  v[1] = row->queue_name;
  v[2] = when;
  v[3] = vol;
  v[4] = row->aht_s >= 0 ? aht : "";
  v[5] = row->method;
  return c->cb(c->payload, v);
}

int wl_forecast_report(wl_app *app, const wl_source *src, const wl_forecast_req *req,
                       wl_report_row_cb cb, wl_forecast_note_cb note, void *payload)
{
  wl_fc_text c = {cb, payload, NULL, note};
  wl_tz *tz = NULL;
  int rc = wl_tz_load(&tz, src->timezone);
  if (rc != 0)
    return rc;
  c.tz = tz;
  rc = wl_forecast(app, src, req, text_row, note ? wl_fc_text_note : NULL, &c);
  wl_tz_free(tz);
  return rc;
}

/* ---- saved forecasts ------------------------------------------------------ */

typedef struct save_ctx {
  wl_fc_value_row *v;
  size_t *qidx;            /* per value: its queue in queues */
  size_t n, cap, qidx_cap;
  char (*queues)[64];
  size_t nq, qcap;
  wl_forecast_note_cb note;
  void *payload;
} save_ctx;

static int queue_index(save_ctx *c, const char *id, size_t *out)
{
  if (c->nq == 0 || strcmp(c->queues[c->nq - 1], id) != 0) {
    if (wl_array_reserve(&c->queues, &c->qcap, c->nq, sizeof(*c->queues), 16) != 0)
      return WL_ENOMEM;
    snprintf(c->queues[c->nq++], sizeof(c->queues[0]), "%s", id);
  }
  *out = c->nq - 1; /* rows come queue by queue */
  return 0;
}

static int save_note(void *payload, const char *queue_id, const char *text)
{
  const save_ctx *c = payload;
  return c->note(c->payload, queue_id, text);
}

static int keep_value(void *payload, const wl_forecast_row *row)
{
  save_ctx *c = payload;
  wl_fc_value_row *x;
  if (wl_array_reserve(&c->v, &c->cap, c->n, sizeof(*c->v), 1024) != 0 ||
      wl_array_reserve(&c->qidx, &c->qidx_cap, c->n, sizeof(*c->qidx), 1024) != 0 ||
      queue_index(c, row->queue_id, &c->qidx[c->n]) != 0)
    return WL_ENOMEM;
  x = &c->v[c->n++];
  x->start_utc = row->start_utc;
  x->volume_x10 = (int64_t)llround(row->volume * 10.0);
  x->aht_x10 = row->aht_s >= 0 ? (int64_t)llround(row->aht_s * 10.0) : -1;
  x->method = row->method; /* a static name from wl_fc_method_name */
  return 0;
}

int wl_forecast_save(wl_app *app, const wl_source *src, const wl_forecast_req *req,
                     const char *name, wl_forecast_note_cb note, void *payload)
{
  save_ctx c = {.note = note, .payload = payload};
  wl_fc_saved_row h = {.name = name, .created_at = wl_now(), .as_of = req->as_of,
                       .from = req->from, .to = req->to};
  int64_t id;
  int rc = wl_forecast(app, src, req, keep_value, note ? save_note : NULL, &c);
  for (size_t i = 0; rc == 0 && i < c.n; i++)
    c.v[i].queue_id = c.queues[c.qidx[i]]; /* the array has stopped moving */
  if (rc == 0)
    rc = wl_store_forecast_save(app->st, &id, src->id, &h, c.v, c.n);
  free(c.v);
  free(c.qidx);
  free(c.queues);
  return rc;
}

/* ---- special days --------------------------------------------------------- */

int wl_forecast_special_day(wl_app *app, const wl_source *src, const char *date,
                            const char *queue_id, int exclude, double factor, int clear)
{
  wl_special_day_row r = {.queue_id = queue_id ? queue_id : "", .date = date,
                          .exclude = exclude};
  int y, m, d;
  char check[16];
  if (!date || sscanf(date, "%4d-%2d-%2d", &y, &m, &d) != 3 ||
      (snprintf(check, sizeof(check), "%04d-%02d-%02d", y, m, d), strcmp(check, date) != 0) ||
      m < 1 || m > 12 || d < 1 || d > 31) {
    return wl_err(WL_EUSAGE, "DATE '%s' is not a YYYY-MM-DD date", date ? date : "");
  }
  {
    int yy, mm, dd;
    wl_civil_from_days(wl_days_from_civil(y, m, d), &yy, &mm, &dd);
    if (yy != y || mm != m || dd != d)
      return wl_err(WL_EUSAGE, "DATE '%s' does not exist", date);
  }
  if (clear)
    return wl_store_special_day_remove(app->st, src->id, r.queue_id, date);
  if (!exclude && (!(factor >= 0) || factor > 100))
    return wl_err(WL_EUSAGE, "--factor must be between 0 and 100");
  r.factor_milli = exclude ? 1000 : (int64_t)llround(factor * 1000.0);
  return wl_store_special_day_set(app->st, src->id, &r);
}

int wl_forecast_special_days(wl_app *app, const wl_source *src, wl_special_day_cb cb,
                             void *payload)
{
  return wl_store_special_days_list(app->st, src->id, cb, payload);
}

/* ---- accuracy ------------------------------------------------------------- */

static const enum wl_fc_method all_methods[] = {
  WL_FC_SEASONAL_NAIVE, WL_FC_WEEKDAY_MEAN, WL_FC_WEEKDAY_MEDIAN, WL_FC_DAY_PROFILE,
  WL_FC_DOUBLE_SEASONAL, WL_FC_AUTO};

static void fmt2(char *buf, size_t n, int has, double v)
{
  if (!has || !isfinite(v))
    buf[0] = '\0';
  else
    wl_fc_fmt(buf, n, 2, v);
}

static int accuracy_row(wl_report_row_cb cb, void *payload, const char *queue_id,
                        const wl_fc_accuracy *a)
{
  char n[24], w[32], m[32], b[32], d[32], vs[32];
  const char *v[8];
  snprintf(n, sizeof(n), "%lld", (long long)a->intervals);
  fmt2(w, sizeof(w), a->has_wmape, a->wmape_pct);
  fmt2(m, sizeof(m), a->has_mape, a->mape_pct);
  fmt2(b, sizeof(b), a->has_bias, a->bias_pct);
  fmt2(d, sizeof(d), a->has_day_mape, a->day_mape_pct);
  fmt2(vs, sizeof(vs), a->has_vs_sn, a->vs_seasonal_naive_pct);
  v[0] = queue_id;
  v[1] = wl_fc_method_name(a->method);
  v[2] = n;
  v[3] = w;
  v[4] = m;
  v[5] = b;
  v[6] = d;
  v[7] = vs;
  return cb(payload, v);
}

static int accuracy_queue(wl_fc_grid *g, wl_app *app, const wl_source *src, const qinfo *q,
                          const wl_accuracy_req *req, int64_t d0, int64_t d1,
                          wl_report_row_cb cb, void *payload)
{
  const enum wl_fc_method *ms = req->nmethods ? req->methods : all_methods;
  size_t nm = req->nmethods ? req->nmethods : sizeof(all_methods) / sizeof(all_methods[0]);
  wl_fc_special *sp = NULL;
  size_t nsp = 0;
  int rc = wl_fc_grid_load_queue(g, app, src, q->id, INT64_MAX);
  if (rc == 0)
    rc = wl_fc_special_load(&sp, &nsp, app, src, q->id);
  for (size_t i = 0; rc == 0 && i < nm; i++) {
    wl_fc_accuracy a;
    memset(&a, 0, sizeof(a));
    rc = wl_fc_backtest(&a, g->days, g->ndays, d0, d1, ms[i], sp, nsp);
    if (rc == 0)
      rc = accuracy_row(cb, payload, q->id, &a);
  }
  free(sp);
  return rc;
}

int wl_forecast_accuracy(wl_app *app, const wl_source *src, const wl_accuracy_req *req,
                         wl_report_row_cb cb, wl_forecast_note_cb note, void *payload)
{
  wl_tz *tz = NULL;
  wl_fc_grid g;
  qlist ql = {0};
  int64_t d0, d1;
  int rc;
  memset(&g, 0, sizeof(g));
  if (req->to <= req->from)
    return wl_err(WL_EUSAGE, "--to must be after --from");
  if (req->to - req->from > WL_FC_MAX_RANGE_DAYS * (int64_t)DAY_S + 3600)
    return wl_err(WL_EUSAGE, "--to: the range is longer than %d days", WL_FC_MAX_RANGE_DAYS);
  if ((rc = wl_tz_load(&tz, src->timezone)) != 0)
    return rc;
  d0 = wl_fc_local_day(tz, req->from);
  d1 = wl_fc_local_day(tz, req->to - 1) + 1;
  /* every interval up to the end of the range: the backtest itself keeps
   * each week's forecast to the days before that week */
  rc = wl_fc_grid_new(&g, tz, d0 - WL_FC_HISTORY_DAYS, d1);
  if (rc == 0)
    rc = wl_fc_grid_runs(&g, app, src);
  if (rc == 0)
    rc = queues_of(&ql, app, src, req->queues, req->nqueues);
  if (rc == 0 && ql.n == 0 && note)
    rc = note(payload, "", "the source has no queues yet: nothing to evaluate");
  for (size_t i = 0; rc == 0 && i < ql.n; i++)
    rc = accuracy_queue(&g, app, src, &ql.v[i], req, d0, d1, cb, payload);
  free(ql.v);
  wl_fc_grid_free(&g);
  wl_tz_free(tz);
  return rc;
}

/* ---- saved forecasts against what happened -------------------------------- */

typedef struct saved_hdr {
  int64_t id, created_at, as_of, from, to;
  char name[128];
} saved_hdr;

typedef struct saved_list {
  saved_hdr *v;
  size_t n, cap;
} saved_list;

static int keep_saved(void *payload, const wl_fc_saved_row *r)
{
  saved_list *l = payload;
  saved_hdr *h;
  if (wl_array_reserve(&l->v, &l->cap, l->n, sizeof(*l->v), 16) != 0)
    return WL_ENOMEM;
  h = &l->v[l->n++];
  h->id = r->id;
  h->created_at = r->created_at;
  h->as_of = r->as_of;
  h->from = r->from;
  h->to = r->to;
  snprintf(h->name, sizeof(h->name), "%s", r->name ? r->name : "");
  return 0;
}

typedef struct saved_val {
  char queue_id[64];
  int64_t start_utc;
  double volume;
} saved_val;

typedef struct val_list {
  saved_val *v;
  size_t n, cap;
} val_list;

static int keep_val(void *payload, const wl_fc_value_row *r)
{
  val_list *l = payload;
  if (wl_array_reserve(&l->v, &l->cap, l->n, sizeof(*l->v), 1024) != 0)
    return WL_ENOMEM;
  snprintf(l->v[l->n].queue_id, sizeof(l->v[0].queue_id), "%s", r->queue_id);
  l->v[l->n].start_utc = r->start_utc;
  l->v[l->n].volume = (double)r->volume_x10 / 10.0;
  l->n++;
  return 0;
}

static int by_queue_start(const void *a, const void *b)
{
  const saved_val *x = a, *y = b;
  int c = strcmp(x->queue_id, y->queue_id);
  return c ? c : (x->start_utc > y->start_utc) - (x->start_utc < y->start_utc);
}

/* Adds the observed intervals of vals (sorted by queue) to c. */
static int compare_vals(wl_forecast_saved_cmp *c, wl_fc_grid *g, wl_app *app,
                        const wl_source *src, const val_list *vals, int64_t now)
{
  double abs_err = 0;
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < vals->n; i++) {
    const saved_val *s = &vals->v[i];
    size_t k;
    if (i == 0 || strcmp(s->queue_id, vals->v[i - 1].queue_id) != 0)
      rc = wl_fc_grid_load_queue(g, app, src, s->queue_id, now);
    if (rc || s->start_utc < g->t0 || s->start_utc >= g->t1)
      continue;
    k = (size_t)((s->start_utc - g->t0) / WL_INTERVAL_S);
    if (!g->iv[k].observed)
      continue;
    c->intervals++;
    c->forecast_sum += s->volume;
    c->actual_sum += g->iv[k].entered;
    abs_err += fabs(s->volume - g->iv[k].entered);
  }
  c->has_wmape = c->actual_sum > 0;
  c->wmape_pct = c->has_wmape ? 100.0 * abs_err / c->actual_sum : 0;
  return rc;
}

static int compare_one(wl_forecast_saved_cmp *c, wl_app *app, const wl_source *src,
                       const wl_tz *tz, int64_t now)
{
  int64_t end = c->to < now ? c->to : now;
  val_list vals = {0};
  wl_fc_grid g;
  int rc = wl_store_forecast_saved_values(app->st, c->id, NULL, c->from, c->to, keep_val, &vals);
  memset(&g, 0, sizeof(g));
  c->values = (int64_t)vals.n;
  if (rc == 0 && end > c->from && vals.n) {
    qsort(vals.v, vals.n, sizeof(*vals.v), by_queue_start);
    rc = wl_fc_grid_new(&g, tz, wl_fc_local_day(tz, c->from), wl_fc_local_day(tz, end - 1) + 1);
    if (rc == 0)
      rc = wl_fc_grid_runs(&g, app, src);
    if (rc == 0)
      rc = compare_vals(c, &g, app, src, &vals, end);
    wl_fc_grid_free(&g);
  }
  free(vals.v);
  return rc;
}

int wl_forecast_saved_compare(wl_app *app, const wl_source *src, int64_t now,
                              wl_forecast_saved_cb cb, void *payload)
{
  saved_list l = {0};
  wl_tz *tz = NULL;
  int rc = wl_tz_load(&tz, src->timezone);
  if (rc == 0) /* listed first: no store call runs inside another's callback */
    rc = wl_store_forecasts_saved_list(app->st, src->id, keep_saved, &l);
  for (size_t i = 0; rc == 0 && i < l.n; i++) {
    wl_forecast_saved_cmp c = {.id = l.v[i].id, .name = l.v[i].name,
                               .created_at = l.v[i].created_at, .as_of = l.v[i].as_of,
                               .from = l.v[i].from, .to = l.v[i].to};
    if ((rc = compare_one(&c, app, src, tz, now)) == 0)
      rc = cb(payload, &c);
  }
  free(l.v);
  wl_tz_free(tz);
  return rc == WL_ENOMEM ? wl_err(WL_ENOMEM, "out of memory") : rc;
}
