#include "core/forecast_days.h"
#include "util/array.h"
#include "util/err.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int64_t wl_fc_local_day(const wl_tz *tz, int64_t t)
{
  wl_civil c;
  wl_tz_to_civil(&c, tz, t);
  return wl_days_from_civil(c.year, c.month, c.day);
}

static int64_t day_start(const wl_tz *tz, int64_t day)
{
  int y, m, d;
  wl_civil_from_days(day, &y, &m, &d);
  return wl_tz_date_start(tz, y, m, d);
}

void wl_fc_grid_free(wl_fc_grid *g)
{
  free(g->days);
  free(g->iv);
  free(g->run_ok);
  memset(g, 0, sizeof(*g));
}

int wl_fc_grid_new(wl_fc_grid *g, const wl_tz *tz, int64_t day_from, int64_t day_to)
{
  size_t k = 0;
  memset(g, 0, sizeof(*g));
  if (day_to <= day_from)
    return 0;
  g->t0 = day_start(tz, day_from);
  g->t1 = day_start(tz, day_to);
  g->ndays = (size_t)(day_to - day_from);
  g->niv = (size_t)((g->t1 - g->t0) / WL_INTERVAL_S);
  g->days = calloc(g->ndays, sizeof(*g->days));
  g->iv = calloc(g->niv ? g->niv : 1, sizeof(*g->iv));
  g->run_ok = calloc(g->niv ? g->niv : 1, 1);
  if (!g->days || !g->iv || !g->run_ok) {
    wl_fc_grid_free(g);
    return wl_err(WL_ENOMEM, "out of memory for %zu intervals of history", g->niv);
  }
  for (size_t d = 0; d < g->ndays; d++) {
    int64_t z = day_from + (int64_t)d, end = day_start(tz, z + 1);
    wl_fc_day *day = &g->days[d];
    day->day = z;
    day->wday = wl_weekday_from_days(z);
    day->iv = &g->iv[k];
    for (int64_t t = day_start(tz, z); t < end && k < g->niv; t += WL_INTERVAL_S, k++) {
      wl_civil c;
      wl_tz_to_civil(&c, tz, t);
      g->iv[k].start_utc = t;
      g->iv[k].slot = (c.hour * 60 + c.min) / 15;
      day->n++;
    }
  }
  return 0;
}

/* Marks [from, to) (whole intervals only) in flags. */
static void mark(const wl_fc_grid *g, unsigned char *flags, int64_t from, int64_t to)
{
  int64_t a = (wl_interval_ceil(from) - g->t0) / WL_INTERVAL_S;
  int64_t z = (wl_interval_floor(to) - g->t0) / WL_INTERVAL_S;
  if (a < 0)
    a = 0;
  if (z > (int64_t)g->niv)
    z = (int64_t)g->niv;
  for (int64_t i = a; i < z; i++)
    flags[i] = 1;
}

/* A run that ended "ok" stored every row 8x8 had for its window, possibly
 * none: its intervals are observed (the volume page's data health uses the
 * same rule). */
static int mark_run(void *payload, const wl_run_row *r)
{
  wl_fc_grid *g = payload;
  if (strcmp(r->outcome, "ok") == 0 &&
      (strcmp(r->kind, "historical") == 0 || strcmp(r->kind, "backfill") == 0))
    mark(g, g->run_ok, r->window_from, r->window_to);
  return 0;
}

int wl_fc_grid_runs(wl_fc_grid *g, wl_app *app, const wl_source *src)
{
  if (g->niv == 0)
    return 0;
  return wl_store_runs_in_range(app->st, src->id, NULL, g->t0, g->t1, 0, mark_run, g);
}

typedef struct load_ctx {
  wl_fc_grid *g;
  unsigned char *obs;
} load_ctx;

static int mark_import(void *payload, const wl_vol_import_row *r)
{
  load_ctx *c = payload;
  mark(c->g, c->obs, r->from, r->to);
  return 0;
}

static int put_row(void *payload, const wl_interval_row *r)
{
  load_ctx *c = payload;
  int64_t k = (r->start_utc - c->g->t0) / WL_INTERVAL_S;
  wl_fc_iv *iv;
  if (k < 0 || k >= (int64_t)c->g->niv)
    return 0;
  iv = &c->g->iv[k];
  iv->entered = (double)r->entered;
  iv->accepted = (double)r->accepted;
  iv->handle_s = (double)r->handle_time_s;
  c->obs[k] = 1; /* a stored row is an observation, whatever stored it */
  return 0;
}

int wl_fc_grid_load_queue(wl_fc_grid *g, wl_app *app, const wl_source *src,
                          const char *queue_id, int64_t until)
{
  load_ctx c = {g, NULL};
  int64_t end = until < g->t1 ? until : g->t1;
  int rc = 0;
  for (size_t k = 0; k < g->niv; k++) {
    g->iv[k].entered = g->iv[k].accepted = g->iv[k].handle_s = 0;
    g->iv[k].observed = 0;
  }
  if (g->niv == 0 || end <= g->t0)
    return 0;
  if (!(c.obs = malloc(g->niv)))
    return wl_err(WL_ENOMEM, "out of memory");
  memcpy(c.obs, g->run_ok, g->niv);
  rc = wl_store_vol_imports_query(app->st, src->id, queue_id, g->t0, end, mark_import, &c);
  if (rc == 0)
    rc = wl_store_intervals_query(app->st, src->id, queue_id, g->t0, end, put_row, &c);
  /* strict as-of: only intervals complete before it count */
  for (size_t k = 0; rc == 0 && k < g->niv; k++) {
    int complete = g->iv[k].start_utc + WL_INTERVAL_S <= until;
    g->iv[k].observed = complete && c.obs[k];
    if (!complete)
      g->iv[k].entered = g->iv[k].accepted = g->iv[k].handle_s = 0;
  }
  free(c.obs);
  return rc;
}

typedef struct special_ctx {
  const char *queue_id;
  wl_fc_special *v;
  size_t n, cap;
} special_ctx;

static int add_special(void *payload, const wl_special_day_row *r)
{
  special_ctx *c = payload;
  int y, m, d;
  int64_t day;
  size_t i;
  if (r->queue_id[0] && (!c->queue_id || strcmp(r->queue_id, c->queue_id) != 0))
    return 0;
  if (sscanf(r->date, "%4d-%2d-%2d", &y, &m, &d) != 3)
    return 0;
  day = wl_days_from_civil(y, m, d);
  if (c->n > 0 && c->v[c->n - 1].day == day) {
    i = c->n - 1; /* the queue's own entry replaces the one for every queue */
  } else {
    if (wl_array_reserve(&c->v, &c->cap, c->n, sizeof(*c->v), 8) != 0)
      return WL_ENOMEM;
    i = c->n++;
  }
  c->v[i].day = day;
  c->v[i].exclude = r->exclude;
  c->v[i].factor = (double)r->factor_milli / 1000.0;
  return 0;
}

/* A day set for the queue itself wins over one set for every queue: the
 * list comes ordered by date, then queue ("" first). */
int wl_fc_special_load(wl_fc_special **out, size_t *n, wl_app *app, const wl_source *src,
                       const char *queue_id)
{
  special_ctx c = {queue_id, NULL, 0, 0};
  int rc = wl_store_special_days_list(app->st, src->id, add_special, &c);
  if (rc != 0) {
    free(c.v);
    return rc;
  }
  *out = c.v;
  *n = c.n;
  return 0;
}
