/*
 * The forecast methods on the day x slot grid (forecast_int.h). Every
 * method turns the rows before `end` into one pattern per local weekday and
 * slot; the missing (unobserved) cells are skipped, never read as 0, and the
 * days marked unusual (by hand or detected) are left out.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/tz.h"
#include "wfm/forecast_int.h"

/* ---- the grid ----------------------------------------------------------- */

void fc_grid_free(fc_grid *g)
{
  if (!g)
    return;
  free(g->wday);
  free(g->x);
  free(g->obs);
  free(g->acc);
  free(g->hs);
  free(g->tot);
  free(g->hand);
  free(g->bad);
  free(g->typical);
  free(g->seen);
  memset(g, 0, sizeof(*g));
}

static int special_excludes(const wl_fc_special *sp, size_t nsp, int64_t day)
{
  /* A past day with a factor other than 1 was known to be unusual too:
   * learning from it would carry its spike (or closure) into normal days. */
  for (size_t i = 0; i < nsp; i++)
    if (sp[i].day == day && (sp[i].exclude || sp[i].factor != 1.0))
      return 1;
  return 0;
}

/* One day into row r: occurrences of a slot summed, volume averaged. */
static void grid_fill_day(fc_grid *g, size_t r, const wl_fc_day *d)
{
  unsigned char seen[FC_SLOTS] = {0};
  double *x = g->x + r * FC_SLOTS;
  int complete = 1;
  for (size_t i = 0; i < d->n; i++) {
    const wl_fc_iv *iv = &d->iv[i];
    if (!iv->observed) {
      complete = 0;
      continue;
    }
    double e = iv->entered > 0 && isfinite(iv->entered) ? iv->entered : 0;
    double a = iv->accepted > 0 && isfinite(iv->accepted) ? iv->accepted : 0;
    double h = iv->handle_s > 0 && isfinite(iv->handle_s) ? iv->handle_s : 0;
    x[iv->slot] += e;
    g->acc[r * FC_SLOTS + iv->slot] += a;
    g->hs[r * FC_SLOTS + iv->slot] += h;
    seen[iv->slot]++;
  }
  double tot = 0;
  for (int s = 0; s < FC_SLOTS; s++) {
    if (seen[s]) {
      x[s] /= seen[s];
      g->obs[r * FC_SLOTS + s] = 1;
      tot += x[s];
    }
  }
  g->tot[r] = complete && d->n > 0 ? tot : -1;
}

int fc_grid_build(fc_grid *g, const wl_fc_day *hist, size_t nhist,
                  const wl_fc_special *special, size_t nspecial)
{
  memset(g, 0, sizeof(*g));
  size_t nd = nhist;
  g->nd = nd;
  g->day0 = nd ? hist[0].day : 0;
  size_t cells = (nd ? nd : 1) * FC_SLOTS;
  g->wday = calloc(nd ? nd : 1, sizeof(int));
  g->x = calloc(cells, sizeof(double));
  g->obs = calloc(cells, 1);
  g->acc = calloc(cells, sizeof(double));
  g->hs = calloc(cells, sizeof(double));
  g->tot = calloc(nd ? nd : 1, sizeof(double));
  g->hand = calloc(nd ? nd : 1, 1);
  g->bad = calloc(nd ? nd : 1, 1);
  g->typical = calloc(nd ? nd : 1, sizeof(double));
  g->seen = calloc(nd ? nd : 1, sizeof(double));
  if (!g->wday || !g->x || !g->obs || !g->acc || !g->hs || !g->tot || !g->hand || !g->bad ||
      !g->typical || !g->seen) {
    fc_grid_free(g);
    return wl_err(WL_ENOMEM, "forecast: out of memory");
  }
  for (size_t r = 0; r < nd; r++) {
    g->wday[r] = hist[r].wday;
    g->hand[r] = (unsigned char)special_excludes(special, nspecial, hist[r].day);
    grid_fill_day(g, r, &hist[r]);
  }
  return 0;
}

/* ---- helpers ------------------------------------------------------------ */

static size_t window_lo(size_t end, size_t days)
{
  return end > days ? end - days : 0;
}

static int usable(const fc_grid *g, size_t r)
{
  return !g->hand[r] && !g->bad[r];
}

/* The last row before end with weekday w, or -1. */
static long last_row_of(const fc_grid *g, size_t end, int w)
{
  if (end == 0)
    return -1;
  long j = (long)end - 1 - (long)((g->wday[end - 1] - w + 7) % 7);
  return j;
}

static void sort_small(double *v, int n)
{
  for (int i = 1; i < n; i++) {
    double t = v[i];
    int j = i - 1;
    while (j >= 0 && v[j] > t) {
      v[j + 1] = v[j];
      j--;
    }
    v[j + 1] = t;
  }
}

static double median_of(double *v, int n)
{
  sort_small(v, n);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Up to max values of slot s on usable same-weekday rows, newest first. */
static int weekday_values(const fc_grid *g, size_t end, int w, int s, double *vals, int max)
{
  size_t lo = window_lo(end, FC_WINDOW_DAYS);
  int n = 0;
  for (long j = last_row_of(g, end, w); j >= (long)lo && n < max; j -= 7)
    if (usable(g, (size_t)j) && g->obs[(size_t)j * FC_SLOTS + s])
      vals[n++] = g->x[(size_t)j * FC_SLOTS + s];
  return n;
}

/* When a weekday has no observation of a slot in the window (a short or
 * patchy history): the mean of the slot over the last observed days of any
 * weekday, else 0. */
static double any_day_mean(const fc_grid *g, size_t end, int s)
{
  size_t lo = window_lo(end, FC_WINDOW_DAYS);
  double sum = 0;
  int n = 0;
  for (size_t j = end; j > lo && n < 7; j--)
    if (usable(g, j - 1) && g->obs[(j - 1) * FC_SLOTS + s]) {
      sum += g->x[(j - 1) * FC_SLOTS + s];
      n++;
    }
  return n ? sum / n : 0;
}

static double weekday_mean(const fc_grid *g, size_t end, int w, int s)
{
  double v[4];
  int n = weekday_values(g, end, w, s, v, 4);
  if (n == 0)
    return any_day_mean(g, end, s);
  double sum = 0;
  for (int i = 0; i < n; i++)
    sum += v[i];
  return sum / n;
}

static double weekday_median(const fc_grid *g, size_t end, int w, int s)
{
  double v[4];
  int n = weekday_values(g, end, w, s, v, 4);
  return n ? median_of(v, n) : any_day_mean(g, end, s);
}

/* ---- unusual days ------------------------------------------------------- */

/* Sum of row r over the slots observed in row i (all of them when i is
 * complete: a partly observed day is compared on what was seen of it). */
static double masked_sum(const fc_grid *g, size_t r, size_t i)
{
  const unsigned char *m = g->obs + i * FC_SLOTS;
  const double *x = g->x + r * FC_SLOTS;
  double sum = 0;
  for (int s = 0; s < FC_SLOTS; s++)
    if (m[s])
      sum += x[s];
  return sum;
}

/* A day whose total (over its observed slots) is far from the median of
 * the same slots on up to 4 complete same-weekday days on each side:
 * further than 4 robust standard deviations (MAD, floored at the Poisson sd
 * of the median) and than 25 % of the median. */
void fc_detect_unusual(fc_grid *g, size_t end)
{
  size_t lo = window_lo(end, FC_WINDOW_DAYS);
  size_t nlo = window_lo(end, FC_WINDOW_DAYS + 28);
  memset(g->bad, 0, g->nd);
  for (size_t i = lo; i < end; i++) {
    if (g->hand[i])
      continue;
    double nb[8], dev[8];
    int n = 0;
    for (int k = 1; k <= 4; k++) {
      long b = (long)i - 7 * k;
      size_t a = i + 7 * (size_t)k;
      if (b >= (long)nlo && g->tot[b] >= 0 && !g->hand[b])
        nb[n++] = g->tot[i] >= 0 ? g->tot[b] : masked_sum(g, (size_t)b, i);
      if (a < end && g->tot[a] >= 0 && !g->hand[a])
        nb[n++] = g->tot[i] >= 0 ? g->tot[a] : masked_sum(g, a, i);
    }
    if (n < 3)
      continue;
    double med = median_of(nb, n);
    for (int k = 0; k < n; k++)
      dev[k] = fabs(nb[k] - med);
    double sigma = 1.4826 * median_of(dev, n);
    if (sigma < sqrt(med))
      sigma = sqrt(med);
    if (sigma < 1)
      sigma = 1;
    double seen = g->tot[i] >= 0 ? g->tot[i] : masked_sum(g, i, i);
    double d = fabs(seen - med);
    if (d > 4 * sigma && d > 0.25 * med) {
      g->bad[i] = 1;
      g->typical[i] = med;
      g->seen[i] = seen;
    }
  }
}

/* ---- methods ------------------------------------------------------------ */

static void fit_seasonal_naive(fc_fit *f, const fc_grid *g, size_t end)
{
  size_t lo = window_lo(end, FC_WINDOW_DAYS);
  for (int w = 0; w < 7; w++) {
    long j0 = last_row_of(g, end, w);
    for (int s = 0; s < FC_SLOTS; s++) {
      int done = 0;
      /* one week earlier, else two, else the weekday mean */
      for (int k = 0; k < 2 && !done; k++) {
        long j = j0 - 7 * k;
        if (j >= (long)lo && usable(g, (size_t)j) && g->obs[(size_t)j * FC_SLOTS + s]) {
          f->pat[w][s] = g->x[(size_t)j * FC_SLOTS + s];
          done = 1;
        }
      }
      if (!done)
        f->pat[w][s] = weekday_mean(g, end, w, s);
    }
  }
}

static void fit_weekday(fc_fit *f, const fc_grid *g, size_t end, int median)
{
  for (int w = 0; w < 7; w++)
    for (int s = 0; s < FC_SLOTS; s++)
      f->pat[w][s] = median ? weekday_median(g, end, w, s) : weekday_mean(g, end, w, s);
}

/* day-profile for weekday w: (mean of its last 4 complete usable day
 * totals) x (its intraday profile: slot sums over total sums of its last 8
 * such days). Returns 0 when the weekday has no complete day. */
static int total_x_profile(double out[FC_SLOTS], const fc_grid *g, size_t end, int w)
{
  size_t lo = window_lo(end, FC_WINDOW_DAYS);
  double st = 0, sx[FC_SLOTS] = {0}, sp = 0;
  int nt = 0, np = 0;
  for (long j = last_row_of(g, end, w); j >= (long)lo && np < 8; j -= 7) {
    if (!usable(g, (size_t)j) || g->tot[j] < 0)
      continue;
    if (nt < 4) {
      st += g->tot[j];
      nt++;
    }
    const double *x = g->x + (size_t)j * FC_SLOTS;
    for (int s = 0; s < FC_SLOTS; s++)
      sx[s] += x[s];
    sp += g->tot[j];
    np++;
  }
  if (nt == 0)
    return 0;
  for (int s = 0; s < FC_SLOTS; s++)
    out[s] = sp > 0 ? st / nt * sx[s] / sp : 0;
  return 1;
}

static void fit_day_profile(fc_fit *f, const fc_grid *g, size_t end)
{
  for (int w = 0; w < 7; w++)
    if (!total_x_profile(f->pat[w], g, end, w))
      for (int s = 0; s < FC_SLOTS; s++)
        f->pat[w][s] = weekday_mean(g, end, w, s);
}

/* The level of the queue relative to each weekday's mean total, as a
 * weighted least-squares line over the window's usable complete days
 * (y = total / its weekday's mean, x = days before the end, weight
 * FC_DS_A_LEVEL^age in weeks). Gives the level at the end (x = 0) and the
 * damped slope per day as a multiplicative drift. */
static void fit_level(double *level, double *drift, const fc_grid *g, size_t end,
                      const double mean[7])
{
  size_t lo = window_lo(end, FC_WINDOW_DAYS);
  double sw = 0, sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (size_t j = lo; j < end; j++) {
    int w = g->wday[j];
    if (!usable(g, j) || g->tot[j] < 0 || !(mean[w] > 0))
      continue;
    double x = (double)j - (double)end, y = g->tot[j] / mean[w];
    double wt = pow(FC_DS_A_LEVEL, (double)((end - 1 - j) / 7));
    sw += wt;
    sx += wt * x;
    sy += wt * y;
    sxx += wt * x * x;
    sxy += wt * x * y;
  }
  *level = 1;
  *drift = 1;
  if (sw <= 0)
    return;
  double mx = sx / sw, my = sy / sw, vxx = sxx / sw - mx * mx;
  double b = vxx > 1 ? (sxy / sw - mx * my) / vxx : 0;
  double a = my - b * mx;
  if (!(a > 0.5 && a < 2)) { /* a wild line: keep the weighted mean level */
    a = my;
    b = 0;
  }
  *level = a;
  *drift = 1 + FC_DS_TREND_DAMP * b / a;
  if (*drift < 1 - FC_DS_MAX_DRIFT)
    *drift = 1 - FC_DS_MAX_DRIFT;
  if (*drift > 1 + FC_DS_MAX_DRIFT)
    *drift = 1 + FC_DS_MAX_DRIFT;
}

/* Weekday w's mean complete usable day total over the window, or -1. */
static double weekday_total(const fc_grid *g, size_t end, int w)
{
  size_t lo = window_lo(end, FC_WINDOW_DAYS);
  double sum = 0;
  int n = 0;
  for (long j = last_row_of(g, end, w); j >= (long)lo; j -= 7)
    if (usable(g, (size_t)j) && g->tot[j] >= 0) {
      sum += g->tot[j];
      n++;
    }
  return n ? sum / n : -1;
}

/* Weighted intraday shares of each weekday over its complete usable days
 * (weights FC_DS_A_PROFILE^age in weeks); noise[w] estimates the summed
 * sampling variance of the shares (Poisson counts: sum w^2 T / (sum w T)^2).
 * has[w] = 0 when the weekday has no complete day. */
static void ds_shares(double prof[7][FC_SLOTS], double noise[7], int has[7], const fc_grid *g,
                      size_t end)
{
  size_t lo = window_lo(end, FC_WINDOW_DAYS);
  for (int w = 0; w < 7; w++) {
    double sx[FC_SLOTS] = {0}, s1 = 0, s2 = 0, wp = 1;
    for (long j = last_row_of(g, end, w); j >= (long)lo; j -= 7, wp *= FC_DS_A_PROFILE) {
      if (!usable(g, (size_t)j) || g->tot[j] < 0)
        continue;
      const double *x = g->x + (size_t)j * FC_SLOTS;
      for (int s = 0; s < FC_SLOTS; s++)
        sx[s] += wp * x[s];
      s1 += wp * g->tot[j];
      s2 += wp * wp * g->tot[j];
    }
    has[w] = s1 > 0;
    noise[w] = s1 > 0 ? s2 / (s1 * s1) : 0;
    for (int s = 0; s < FC_SLOTS; s++)
      prof[w][s] = s1 > 0 ? sx[s] / s1 : 0;
  }
}

/* Shrinks each Monday-Friday profile toward their pooled profile by how
 * far it is from it compared with its own noise (James-Stein): a thin
 * queue borrows the shape of the other weekdays, a busy one keeps its own. */
static void ds_pool_weekdays(double prof[7][FC_SLOTS], const double noise[7], const int has[7])
{
  double pool[FC_SLOTS] = {0};
  int n = 0;
  for (int w = 0; w < 5; w++)
    if (has[w]) {
      for (int s = 0; s < FC_SLOTS; s++)
        pool[s] += prof[w][s];
      n++;
    }
  if (n < 2)
    return;
  for (int s = 0; s < FC_SLOTS; s++)
    pool[s] /= n;
  for (int w = 0; w < 5; w++) {
    if (!has[w])
      continue;
    double d2 = 0;
    for (int s = 0; s < FC_SLOTS; s++)
      d2 += (prof[w][s] - pool[s]) * (prof[w][s] - pool[s]);
    double own = d2 > 0 ? 1 - FC_DS_POOL * noise[w] / d2 : 1;
    if (own < 0)
      own = 0;
    for (int s = 0; s < FC_SLOTS; s++)
      prof[w][s] = own * prof[w][s] + (1 - own) * pool[s];
  }
}

/* Smooths each profile over neighbouring slots ([1 2 1], closed neighbours
 * left out), by as much as its noise exceeds the smoothing's change (the
 * same shrinkage): a thin queue's jagged profile is evened out, a busy
 * queue's sharp peaks are kept. */
static void ds_smooth(double prof[7][FC_SLOTS], const double noise[7], const int has[7])
{
  for (int w = 0; w < 7; w++) {
    if (!has[w])
      continue;
    double q[FC_SLOTS], d2 = 0;
    for (int s = 0; s < FC_SLOTS; s++) {
      double sum = 2 * prof[w][s], wt = 2;
      if (s > 0 && prof[w][s - 1] > 0) {
        sum += prof[w][s - 1];
        wt += 1;
      }
      if (s + 1 < FC_SLOTS && prof[w][s + 1] > 0) {
        sum += prof[w][s + 1];
        wt += 1;
      }
      q[s] = prof[w][s] > 0 ? sum / wt : 0;
      d2 += (prof[w][s] - q[s]) * (prof[w][s] - q[s]);
    }
    double own = d2 > 0 ? 1 - FC_DS_SMOOTH * noise[w] / d2 : 1;
    if (own < 0)
      own = 0;
    double tot = 0;
    for (int s = 0; s < FC_SLOTS; s++)
      tot += prof[w][s] = own * prof[w][s] + (1 - own) * q[s];
    for (int s = 0; tot > 0 && s < FC_SLOTS; s++)
      prof[w][s] /= tot;
  }
}

/*
 * Weekly x daily seasonality with a level and trend: the forecast of
 * weekday w at slot s, d days ahead, is
 *   mean_w x level x drift^d x profile_w(s)
 * with mean_w the weekday's mean total over the window, level and drift a
 * weighted line through the recent day totals (fit_level; the drift
 * stops after FC_DRIFT_DAYS), profile_w the
 * weekday's intraday shares (ds_shares, ds_pool_weekdays).
 */
static void fit_double_seasonal(fc_fit *f, const fc_grid *g, size_t end)
{
  double mean[7], level = 1, drift = 1, prof[7][FC_SLOTS], noise[7];
  int has[7];
  for (int w = 0; w < 7; w++)
    mean[w] = weekday_total(g, end, w);
  fit_level(&level, &drift, g, end, mean);
  f->trend = drift;
  ds_shares(prof, noise, has, g, end);
  ds_pool_weekdays(prof, noise, has);
  ds_smooth(prof, noise, has);
  for (int w = 0; w < 7; w++)
    for (int s = 0; s < FC_SLOTS; s++)
      f->pat[w][s] = mean[w] >= 0 && has[w] ? mean[w] * level * prof[w][s]
                                             : weekday_mean(g, end, w, s);
}

/* A weekday and slot with no contacts on its last (up to 4) usable observed
 * days is closed: exactly 0, whatever a smoother method says. */
static void apply_closed(fc_fit *f, const fc_grid *g, size_t end)
{
  for (int w = 0; w < 7; w++)
    for (int s = 0; s < FC_SLOTS; s++) {
      double v[4];
      int n = weekday_values(g, end, w, s, v, 4);
      int closed = n > 0;
      for (int i = 0; i < n; i++)
        if (v[i] > 0)
          closed = 0;
      if (closed)
        f->pat[w][s] = 0;
    }
}

void fc_fit_method(fc_fit *f, const fc_grid *g, size_t end, enum wl_fc_method m)
{
  memset(f, 0, sizeof(*f));
  f->trend = 1;
  if (end == 0)
    return;
  switch (m) {
  case WL_FC_WEEKDAY_MEAN: fit_weekday(f, g, end, 0); break;
  case WL_FC_WEEKDAY_MEDIAN: fit_weekday(f, g, end, 1); break;
  case WL_FC_DAY_PROFILE: fit_day_profile(f, g, end); break;
  case WL_FC_DOUBLE_SEASONAL: fit_double_seasonal(f, g, end); break;
  default: fit_seasonal_naive(f, g, end); break;
  }
  apply_closed(f, g, end);
  for (int w = 0; w < 7; w++)
    for (int s = 0; s < FC_SLOTS; s++)
      if (!(f->pat[w][s] > 0) || !isfinite(f->pat[w][s]))
        f->pat[w][s] = 0;
}

/* ---- auto --------------------------------------------------------------- */

enum wl_fc_method fc_auto_pick(fc_grid *g, size_t end, double *wmape, double *wmape_sn)
{
  double err[WL_FC_NMETHODS] = {0}, act = 0;
  int origins = 0;
  unsigned char *skip = malloc(g->nd ? g->nd : 1);
  if (wmape)
    *wmape = -1;
  if (wmape_sn)
    *wmape_sn = -1;
  if (!skip)
    return WL_FC_SEASONAL_NAIVE;
  /* Days unusual as seen from the end are not scored: every method would
   * miss a holiday, and the noise would decide the pick. */
  fc_detect_unusual(g, end);
  for (size_t r = 0; r < g->nd; r++)
    skip[r] = g->hand[r] || g->bad[r];
  for (int k = 1; k <= FC_AUTO_ORIGINS; k++) {
    if (end < (size_t)(7 * k + 14))
      break;
    size_t o = end - 7 * (size_t)k;
    fc_detect_unusual(g, o);
    origins++;
    for (int m = WL_FC_SEASONAL_NAIVE; m < WL_FC_NMETHODS; m++) {
      fc_fit f;
      fc_fit_method(&f, g, o, (enum wl_fc_method)m);
      double tr = 1;
      for (size_t r = o; r < o + 7 && r < end; r++, tr *= f.trend) {
        if (skip[r])
          continue;
        for (int s = 0; s < FC_SLOTS; s++) {
          if (!g->obs[r * FC_SLOTS + s])
            continue;
          double a = g->x[r * FC_SLOTS + s];
          err[m] += fabs(a - f.pat[g->wday[r]][s] * tr);
          if (m == WL_FC_SEASONAL_NAIVE)
            act += a;
        }
      }
    }
  }
  free(skip);
  fc_detect_unusual(g, end);
  if (origins < 2 || act <= 0)
    return WL_FC_SEASONAL_NAIVE;
  int best = WL_FC_SEASONAL_NAIVE;
  for (int m = WL_FC_SEASONAL_NAIVE + 1; m < WL_FC_NMETHODS; m++)
    if (err[m] < err[best])
      best = m;
  if (wmape)
    *wmape = 100 * err[best] / act;
  if (wmape_sn)
    *wmape_sn = 100 * err[WL_FC_SEASONAL_NAIVE] / act;
  return (enum wl_fc_method)best;
}

/* ---- AHT ---------------------------------------------------------------- */

void fc_fit_aht(double aht[7][FC_SLOTS], const fc_grid *g, size_t end)
{
  double hs[7][FC_SLOTS] = {{0}}, acc[7][FC_SLOTS] = {{0}}, lh = 0, la = 0;
  size_t lo = window_lo(end, 8 * 7), llo = window_lo(end, FC_LONGRUN_DAYS);
  for (size_t r = llo; r < end; r++) {
    if (!usable(g, r))
      continue;
    for (int s = 0; s < FC_SLOTS; s++) {
      if (!g->obs[r * FC_SLOTS + s])
        continue;
      lh += g->hs[r * FC_SLOTS + s];
      la += g->acc[r * FC_SLOTS + s];
      if (r >= lo) {
        hs[g->wday[r]][s] += g->hs[r * FC_SLOTS + s];
        acc[g->wday[r]][s] += g->acc[r * FC_SLOTS + s];
      }
    }
  }
  double longrun = la > 0 ? lh / la : -1;
  for (int w = 0; w < 7; w++)
    for (int s = 0; s < FC_SLOTS; s++)
      aht[w][s] = acc[w][s] >= FC_AHT_MIN_ACCEPTED ? hs[w][s] / acc[w][s] : longrun;
}

void fc_date_str(char out[16], int64_t day)
{
  int y = 0, m = 0, d = 0;
  wl_civil_from_days(day, &y, &m, &d);
  snprintf(out, 16, "%04d-%02d-%02d", y, m, d);
}
