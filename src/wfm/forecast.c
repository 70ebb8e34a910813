/*
 * wl_fc_forecast: history -> grid (forecast_methods.c) -> one fitted
 * pattern per weekday and slot -> the target intervals, then the special
 * days' factors and the intraday re-forecast of the as-of day.
 */
#include "wfm/forecast.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/array.h"
#include "util/err.h"
#include "wfm/forecast_int.h"

static const char *const method_names[WL_FC_NMETHODS] = {
    "auto", "seasonal-naive", "weekday-mean", "weekday-median", "day-profile", "double-seasonal"};

const char *wl_fc_method_name(enum wl_fc_method m)
{
  return (int)m >= 0 && m < WL_FC_NMETHODS ? method_names[m] : "?";
}

int wl_fc_method_parse(enum wl_fc_method *out, const char *name)
{
  for (int m = 0; m < WL_FC_NMETHODS; m++)
    if (name && strcmp(name, method_names[m]) == 0) {
      *out = (enum wl_fc_method)m;
      return 0;
    }
  return wl_err(WL_EUSAGE,
                "unknown forecast method '%s' (auto, seasonal-naive, weekday-mean, "
                "weekday-median, day-profile, double-seasonal)",
                name ? name : "");
}

void wl_fc_result_free(wl_fc_result *r)
{
  if (!r)
    return;
  free(r->volume);
  free(r->base_volume);
  free(r->aht_s);
  free(r->notes);
  memset(r, 0, sizeof(*r));
}

/* ---- input checks ------------------------------------------------------- */

/* History days must follow each other (weeks are counted in rows); target
 * days may be any days. */
static int check_days(const wl_fc_day *d, size_t n, const char *what, int consecutive)
{
  for (size_t i = 0; i < n; i++) {
    if (d[i].n > 100 || (d[i].n && !d[i].iv) || d[i].wday < 0 || d[i].wday > 6)
      return wl_err(WL_EUSAGE, "forecast: %s day %zu malformed", what, i);
    if (consecutive && i && d[i].day != d[i - 1].day + 1)
      return wl_err(WL_EUSAGE, "forecast: %s days not consecutive at %zu", what, i);
    for (size_t k = 0; k < d[i].n; k++)
      if (d[i].iv[k].slot < 0 || d[i].iv[k].slot >= FC_SLOTS)
        return wl_err(WL_EUSAGE, "forecast: %s day %zu slot %d out of range", what, i,
                      d[i].iv[k].slot);
  }
  return 0;
}

/* ---- notes -------------------------------------------------------------- */

typedef struct notes {
  wl_fc_note *v;
  size_t n, cap;
} notes;

static int note_add(notes *ns, int64_t day, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int note_add(notes *ns, int64_t day, const char *fmt, ...)
{
  if (wl_array_reserve(&ns->v, &ns->cap, ns->n, sizeof(*ns->v), 8))
    return wl_err(WL_ENOMEM, "forecast: out of memory");
  wl_fc_note *nt = &ns->v[ns->n++];
  nt->day = day;
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(nt->text, sizeof(nt->text), fmt, ap);
  va_end(ap);
  return 0;
}

/* The days the fitted patterns left out, newest window only. */
static int note_left_out(notes *ns, const fc_grid *g)
{
  size_t lo = g->nd > FC_WINDOW_DAYS ? g->nd - FC_WINDOW_DAYS : 0;
  char ds[16];
  for (size_t r = lo; r < g->nd; r++) {
    int64_t day = g->day0 + (int64_t)r;
    fc_date_str(ds, day);
    int rc = 0;
    if (g->hand[r])
      rc = note_add(ns, day, "%s left out (special day)", ds);
    else if (g->bad[r])
      rc = note_add(ns, day, "%s left out: %.0f contacts vs typical %.0f", ds, g->seen[r],
                    g->typical[r]);
    if (rc)
      return rc;
  }
  return 0;
}

/* ---- the forecast ------------------------------------------------------- */

static const wl_fc_special *special_for(const wl_fc_opts *o, int64_t day)
{
  for (size_t i = 0; i < o->nspecial; i++)
    if (o->special[i].day == day)
      return &o->special[i];
  return NULL;
}

/* The as-of day is in the history when its last interval ends after as_of. */
static int last_day_partial(const wl_fc_day *hist, size_t nhist, int64_t as_of)
{
  if (nhist == 0)
    return 0;
  const wl_fc_day *d = &hist[nhist - 1];
  return d->n > 0 && d->iv[d->n - 1].start_utc + 900 > as_of;
}

/*
 * Intraday re-forecast of the as-of day t (its forecast in vol[0..t->n)):
 * A = actual, F = forecast over the intervals observed before as_of,
 * D = the forecast of the whole day; the rest of the day is multiplied by
 *   r = (A + K) / (F + K),  K = max(D / 4, 10),
 * a ratio shrunk toward 1 while little of the day has been seen (F << K),
 * clamped to [0.2, 5].
 */
static void intraday(double *vol, const wl_fc_day *t, const wl_fc_day *today, int64_t as_of)
{
  double A = 0, F = 0, D = 0;
  size_t k = 0;
  for (size_t i = 0; i < t->n; i++) {
    D += vol[i];
    int64_t st = t->iv[i].start_utc;
    while (k < today->n && today->iv[k].start_utc < st)
      k++;
    if (st < as_of && k < today->n && today->iv[k].start_utc == st && today->iv[k].observed) {
      A += today->iv[k].entered > 0 ? today->iv[k].entered : 0;
      F += vol[i];
    }
  }
  double K = D / 4 > 10 ? D / 4 : 10;
  double r = (A + K) / (F + K);
  if (r < 0.2)
    r = 0.2;
  if (r > 5)
    r = 5;
  for (size_t i = 0; i < t->n; i++)
    if (t->iv[i].start_utc >= as_of)
      vol[i] *= r;
}

static int result_alloc(wl_fc_result *out, const wl_fc_day *target, size_t ntarget)
{
  size_t n = 0;
  for (size_t i = 0; i < ntarget; i++)
    n += target[i].n;
  out->n = n;
  out->volume = calloc(n ? n : 1, sizeof(double));
  out->base_volume = calloc(n ? n : 1, sizeof(double));
  out->aht_s = calloc(n ? n : 1, sizeof(double));
  if (!out->volume || !out->base_volume || !out->aht_s)
    return wl_err(WL_ENOMEM, "forecast: out of memory");
  for (size_t i = 0; i < n; i++)
    out->aht_s[i] = -1;
  return 0;
}

static int grid_has_observation(const fc_grid *g)
{
  for (size_t i = 0; i < g->nd * FC_SLOTS; i++)
    if (g->obs[i])
      return 1;
  return 0;
}

/* Fills out from the grid (history rows before g->nd). */
static int forecast_from_grid(wl_fc_result *out, notes *ns, fc_grid *g,
                              const wl_fc_day *target, size_t ntarget, const wl_fc_opts *o)
{
  enum wl_fc_method m = o->method;
  if (m == WL_FC_AUTO) {
    double wm = -1, wsn = -1;
    m = fc_auto_pick(g, g->nd, &wm, &wsn);
    int rc = wsn >= 0 ? note_add(ns, -1, "auto chose %s (backtest wMAPE %.1f%% vs seasonal-naive %.1f%%)",
                                 wl_fc_method_name(m), wm, wsn)
                      : note_add(ns, -1, "auto chose seasonal-naive (history too short to compare)");
    if (rc)
      return rc;
  }
  out->method = m;
  fc_detect_unusual(g, g->nd);
  fc_fit f;
  fc_fit_method(&f, g, g->nd, m);
  double aht[7][FC_SLOTS];
  fc_fit_aht(aht, g, g->nd);
  int64_t end_day = g->day0 + (int64_t)g->nd;
  size_t k = 0;
  for (size_t i = 0; i < ntarget; i++) {
    const wl_fc_day *t = &target[i];
    int64_t ahead = t->day - end_day;
    /* a trend is extrapolated a few weeks, not to the end of a long horizon */
    if (ahead > FC_DRIFT_DAYS)
      ahead = FC_DRIFT_DAYS;
    double tr = pow(f.trend, (double)(ahead > 0 ? ahead : 0));
    const wl_fc_special *sp = special_for(o, t->day);
    double factor = sp && !sp->exclude && sp->factor >= 0 && isfinite(sp->factor) ? sp->factor : 1;
    for (size_t j = 0; j < t->n; j++, k++) {
      double v = f.pat[t->wday][t->iv[j].slot] * tr * factor;
      out->volume[k] = out->base_volume[k] = isfinite(v) && v > 0 ? v : 0;
      double a = aht[t->wday][t->iv[j].slot];
      out->aht_s[k] = isfinite(a) ? a : -1;
    }
    if (factor != 1) {
      char ds[16];
      fc_date_str(ds, t->day);
      int rc = note_add(ns, t->day, "%s forecast x %.2f (special day)", ds, factor);
      if (rc)
        return rc;
    }
  }
  return note_left_out(ns, g);
}

int wl_fc_forecast(wl_fc_result *out, const wl_fc_day *hist, size_t nhist,
                   const wl_fc_day *target, size_t ntarget, const wl_fc_opts *opts)
{
  memset(out, 0, sizeof(*out));
  fc_grid g;
  notes ns = {0};
  memset(&g, 0, sizeof(g));
  int rc = 0;
  if (!opts || (int)opts->method < 0 || opts->method >= WL_FC_NMETHODS ||
      (opts->nspecial && !opts->special))
    return wl_err(WL_EUSAGE, "forecast: bad options");
  if ((rc = check_days(hist, nhist, "history", 1)) ||
      (rc = check_days(target, ntarget, "target", 0)))
    return rc;
  if ((rc = result_alloc(out, target, ntarget)))
    goto done;
  int partial = last_day_partial(hist, nhist, opts->as_of);
  size_t nlearn = nhist - (size_t)partial;
  size_t first = nlearn > FC_GRID_DAYS ? nlearn - FC_GRID_DAYS : 0;
  if ((rc = fc_grid_build(&g, hist + first, nlearn - first, opts->special, opts->nspecial)))
    goto done;
  if (!grid_has_observation(&g)) {
    out->method = opts->method == WL_FC_AUTO ? WL_FC_SEASONAL_NAIVE : opts->method;
    rc = note_add(&ns, -1, "no history: volume 0");
    goto done;
  }
  if ((rc = forecast_from_grid(out, &ns, &g, target, ntarget, opts)))
    goto done;
  if (partial) {
    const wl_fc_day *today = &hist[nhist - 1];
    size_t k = 0;
    for (size_t i = 0; i < ntarget; k += target[i].n, i++)
      if (target[i].day == today->day)
        intraday(out->volume + k, &target[i], today, opts->as_of);
  }
done:
  fc_grid_free(&g);
  out->notes = ns.v;
  out->nnotes = ns.n;
  if (rc)
    wl_fc_result_free(out);
  return rc;
}
