/*
 * Forecast engine benchmark (src/wfm/forecast*.c): generates contact-center
 * arrivals per queue and 15-minute interval in America/New_York (real DST
 * slot mapping) from a known model, then
 *   - accuracy: week-ahead forecasts refreshed weekly (wl_fc_backtest) over
 *     the last WEEKS weeks of two years of history, every method, pooled
 *     over QUEUES queues;
 *   - speed: `auto` for 100 queues x 1 year x a 6-week horizon, and a
 *     10-week backtest of one queue (auto and the others).
 * The data model is described in docs/FORECASTING.md. Single-threaded.
 *
 *   bench_forecast [SEED [QUEUES [WEEKS]]]     default 1 24 16
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/err.h"
#include "util/tz.h"
#include "wfm/forecast.h"

static uint64_t rng = 1;
static double unif(void)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return ((double)(rng >> 11) + 0.5) / 9007199254740992.0;
}

static double gauss(void)
{
  return sqrt(-2 * log(unif())) * cos(6.283185307179586 * unif());
}

static double poisson(double lam)
{
  if (lam <= 0)
    return 0;
  if (lam > 40) {
    double v = floor(lam + sqrt(lam) * gauss() + 0.5);
    return v < 0 ? 0 : v;
  }
  double l = exp(-lam), p = 1;
  int k = 0;
  do {
    k++;
    p *= unif();
  } while (p > l);
  return k - 1;
}

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* ---- calendar skeleton -------------------------------------------------- */

/* Local days [first, first + nd) with their intervals' start and slot. */
static wl_fc_day *skeleton(const wl_tz *tz, int64_t first, size_t nd)
{
  wl_fc_day *d = calloc(nd, sizeof(*d));
  for (size_t i = 0; d && i < nd; i++) {
    int y, m, dd;
    wl_civil_from_days(first + (int64_t)i, &y, &m, &dd);
    int64_t s = wl_tz_date_start(tz, y, m, dd), e = wl_tz_next_day_start(tz, s);
    d[i].day = first + (int64_t)i;
    d[i].wday = wl_weekday_from_days(d[i].day);
    d[i].n = (size_t)((e - s) / 900);
    d[i].iv = calloc(d[i].n, sizeof(wl_fc_iv));
    for (size_t k = 0; k < d[i].n; k++) {
      wl_civil c;
      d[i].iv[k].start_utc = s + 900 * (int64_t)k;
      wl_tz_to_civil(&c, tz, d[i].iv[k].start_utc);
      d[i].iv[k].slot = (c.hour * 60 + c.min) / 15;
    }
  }
  return d;
}

static void days_free(wl_fc_day *d, size_t nd)
{
  for (size_t i = 0; d && i < nd; i++)
    free(d[i].iv);
  free(d);
}

/* ---- the arrival model --------------------------------------------------- */

typedef struct qspec {
  double peak;        /* contacts per interval at the weekday peak */
  int type;           /* 0 business Mon-Sat 08-20, 1 24/7, 2 07-22 every day */
  double wk[7];       /* weekday level */
  double growth;      /* per year */
  double aht;
} qspec;

static const double levels[] = {2, 4, 8, 15, 30, 60, 120, 300};

static void qspec_make(qspec *q, int i)
{
  static const double wk[7] = {1.15, 1.05, 1.0, 0.98, 0.9, 0.5, 0.3};
  q->peak = levels[i % 8] * (0.8 + 0.4 * unif());
  q->type = (i / 8) % 3;
  for (int w = 0; w < 7; w++)
    q->wk[w] = wk[w] * (0.92 + 0.16 * unif());
  if (q->type == 0)
    q->wk[6] = 0;
  q->growth = -0.1 + 0.35 * unif();
  q->aht = 200 + 200 * unif();
}

static double bump(double h, double mu, double sd)
{
  return exp(-0.5 * (h - mu) * (h - mu) / (sd * sd));
}

/* Intraday shape at local hour h (0..24) of weekday w: a morning and an
 * afternoon peak; Mondays start stronger, Fridays fade, Saturdays later. */
static double shape(const qspec *q, int w, double h)
{
  double open = q->type == 0 ? 8 : q->type == 2 ? 7 : 0;
  double close = q->type == 0 ? 20 : q->type == 2 ? 22 : 24;
  if (h < open || h >= close)
    return 0;
  double am = w == 0 ? 1.2 : 1.0, pm = w == 4 ? 0.8 : 0.85, shift = w >= 5 ? 1.0 : 0;
  double v = am * bump(h, 10.5 + shift, 1.4) + pm * bump(h, 14.5 + shift, 1.8) + 0.12;
  if (q->type == 1)
    v += 0.3 * bump(h, 19.5, 1.5) + 0.03;
  return v;
}

/* Holidays (US, 2023-2025): the day's level factor, 1 otherwise. */
static double holiday(int64_t day)
{
  static const struct { int y, m, d; double f; } h[] = {
      {2023, 1, 2, 0.2},   {2023, 1, 16, 0.8},  {2023, 5, 29, 0.15}, {2023, 7, 4, 0.1},
      {2023, 9, 4, 0.15},  {2023, 11, 23, 0.1}, {2023, 11, 24, 0.6}, {2023, 12, 25, 0.05},
      {2023, 12, 26, 1.3}, {2024, 1, 1, 0.1},   {2024, 1, 15, 0.8},  {2024, 5, 27, 0.15},
      {2024, 7, 4, 0.1},   {2024, 9, 2, 0.15},  {2024, 11, 28, 0.1}, {2024, 11, 29, 0.6},
      {2024, 12, 24, 0.5}, {2024, 12, 25, 0.05}, {2024, 12, 26, 1.3}, {2025, 1, 1, 0.1},
      {2025, 5, 26, 0.15}, {2025, 7, 4, 0.1},   {2025, 9, 1, 0.15}};
  for (size_t i = 0; i < sizeof(h) / sizeof(h[0]); i++)
    if (wl_days_from_civil(h[i].y, h[i].m, h[i].d) == day)
      return h[i].f;
  return 1;
}

/* The rate each interval was drawn from (the noise floor's forecast),
 * 100 per day. */
static double *rate;

/* Fills the history of one queue over the skeleton days. */
static void generate(wl_fc_day *d, size_t nd, const qspec *q)
{
  double wlevel = 0;
  for (size_t i = 0; i < nd; i++) {
    if (d[i].wday == 0)
      wlevel += 0.015 * gauss(); /* slow random drift of the weekly level */
    double yr = (double)i / 365.0;
    double level = q->peak * q->wk[d[i].wday] * (1 + q->growth * yr) * exp(wlevel) *
                   (1 + 0.08 * sin(6.283185307179586 * ((double)(d[i].day % 365) / 365.0))) *
                   holiday(d[i].day) * exp(0.04 * gauss());
    double u = unif();
    double spike = 1, spike_from = 24;
    if (u < 0.012) { /* a marketing spike from some hour on */
      spike = 1.5 + unif();
      spike_from = 8 + 8 * unif();
    }
    int outage = 0; /* 1: some hours unobserved, 2: whole day, 3: ACD down, zeros */
    double v = unif();
    if (v < 0.008)
      outage = 1;
    else if (v < 0.011)
      outage = 2;
    else if (v < 0.014)
      outage = 3;
    for (size_t k = 0; k < d[i].n; k++) {
      wl_fc_iv *iv = &d[i].iv[k];
      double h = iv->slot / 4.0 + 0.125;
      double lam = level * shape(q, d[i].wday, h) * (h >= spike_from ? spike : 1);
      iv->observed = 1;
      iv->entered = poisson(lam);
      if (rate)
        rate[i * 100 + k] = lam;
      if ((outage == 1 && h >= 10 && h < 14) || outage == 2)
        iv->observed = 0;
      if (outage == 3 && h >= 9 && h < 15) {
        iv->entered = 0;
        if (rate)
          rate[i * 100 + k] = 0;
      }
      iv->accepted = floor(iv->entered * 0.92 + 0.5);
      iv->handle_s = iv->accepted * q->aht * (1 + 0.1 * gauss());
      if (iv->handle_s < 0)
        iv->handle_s = 0;
      if (!iv->observed)
        iv->entered = iv->accepted = iv->handle_s = 0;
    }
  }
}

/* ---- accuracy ------------------------------------------------------------ */

static int accuracy(const wl_tz *tz, int nq, int weeks)
{
  int64_t first = wl_days_from_civil(2023, 1, 2); /* a Monday */
  size_t nd = 7 * 104;
  wl_fc_day *d = skeleton(tz, first, nd);
  double err[WL_FC_NMETHODS] = {0}, act[WL_FC_NMETHODS] = {0}, mq[WL_FC_NMETHODS] = {0},
         dm[WL_FC_NMETHODS] = {0}, bias[WL_FC_NMETHODS] = {0};
  int picks[WL_FC_NMETHODS] = {0}, auto_ok = 0;
  double oracle = 0;
  rate = calloc(nd * 100, sizeof(double));
  int64_t from = first + (int64_t)nd - 7 * weeks, to = first + (int64_t)nd;
  double t0 = now_s();
  for (int q = 0; q < nq; q++) {
    qspec spec;
    qspec_make(&spec, q);
    generate(d, nd, &spec);
    double a = 0, orq = oracle;
    for (size_t i = (size_t)(from - first); i < nd; i++)
      for (size_t k = 0; k < d[i].n; k++)
        if (d[i].iv[k].observed) {
          a += d[i].iv[k].entered;
          oracle += fabs(d[i].iv[k].entered - rate[i * 100 + k]);
        }
    double wq[WL_FC_NMETHODS];
    for (int m = 0; m < WL_FC_NMETHODS; m++) {
      wl_fc_accuracy acc;
      if (wl_fc_backtest(&acc, d, nd, from, to, (enum wl_fc_method)m, NULL, 0)) {
        fprintf(stderr, "backtest: %s\n", wl_errmsg());
        return 1;
      }
      wq[m] = acc.wmape_pct;
      err[m] += acc.wmape_pct * a / 100;
      act[m] += a;
      mq[m] += acc.wmape_pct / nq;
      dm[m] += acc.day_mape_pct / nq;
      bias[m] += acc.bias_pct * a / 100;
    }
    auto_ok += wq[WL_FC_AUTO] <= wq[WL_FC_WEEKDAY_MEAN] + 1e-9 &&
               wq[WL_FC_AUTO] <= wq[WL_FC_WEEKDAY_MEDIAN] + 1e-9;
    wl_fc_result r;
    wl_fc_opts o = {WL_FC_AUTO, d[nd - 1].iv[d[nd - 1].n - 1].start_utc + 900, NULL, 0};
    if (wl_fc_forecast(&r, d, nd, d + nd - 7, 7, &o) == 0)
      picks[r.method]++;
    wl_fc_result_free(&r);
    if (getenv("BENCH_VERBOSE"))
      printf("  q%02d peak %6.1f type %d: sn %.1f mean %.1f median %.1f dp %.1f ds %.1f auto %.1f rate %.1f\n",
             q, spec.peak, spec.type, wq[1], wq[2], wq[3], wq[4], wq[5], wq[0],
             100 * (oracle - orq) / a);
  }
  printf("accuracy: %d queues, last %d weeks of 104, week-ahead refreshed weekly (%.1f s)\n", nq,
         weeks, now_s() - t0);
  printf("%-16s %8s %9s %8s %9s %9s\n", "method", "wMAPE%", "q-mean%", "bias%", "dayMAPE%",
         "vs SN%");
  for (int m = 1; m <= WL_FC_NMETHODS; m++) {
    int k = m % WL_FC_NMETHODS;
    printf("%-16s %8.2f %9.2f %8.2f %9.2f %9.1f\n", wl_fc_method_name((enum wl_fc_method)k),
           100 * err[k] / act[k], mq[k], 100 * bias[k] / act[k], dm[k],
           100 * (err[k] / err[WL_FC_SEASONAL_NAIVE] - 1));
  }
  printf("%-16s %8.2f   (the rate the data was drawn from: the noise floor)\n", "known rate",
         100 * oracle / act[0]);
  printf("auto at least as good as weekday-mean and -median on %d of %d queues\n", auto_ok, nq);
  printf("auto's final picks:");
  for (int m = 1; m < WL_FC_NMETHODS; m++)
    printf(" %s %d", wl_fc_method_name((enum wl_fc_method)m), picks[m]);
  printf("\n");
  days_free(d, nd);
  free(rate);
  rate = NULL;
  return 0;
}

/* ---- speed ---------------------------------------------------------------- */

static int speed(const wl_tz *tz)
{
  int64_t first = wl_days_from_civil(2023, 12, 4);
  size_t nd = 7 * 52, nt = 42;
  wl_fc_day *d = skeleton(tz, first, nd + nt);
  double t_fc = 0, t_bt = 0, t_bt_sn = 0;
  for (int q = 0; q < 100; q++) {
    qspec spec;
    qspec_make(&spec, q);
    generate(d, nd + nt, &spec);
    wl_fc_opts o = {WL_FC_AUTO, d[nd].iv[0].start_utc, NULL, 0};
    wl_fc_result r;
    double t0 = now_s();
    if (wl_fc_forecast(&r, d, nd, d + nd, nt, &o)) {
      fprintf(stderr, "forecast: %s\n", wl_errmsg());
      return 1;
    }
    t_fc += now_s() - t0;
    wl_fc_result_free(&r);
    if (q == 37) {
      wl_fc_accuracy acc;
      t0 = now_s();
      wl_fc_backtest(&acc, d, nd, first + (int64_t)nd - 70, first + (int64_t)nd, WL_FC_AUTO, NULL, 0);
      t_bt = now_s() - t0;
      t0 = now_s();
      wl_fc_backtest(&acc, d, nd, first + (int64_t)nd - 70, first + (int64_t)nd,
                     WL_FC_DOUBLE_SEASONAL, NULL, 0);
      t_bt_sn = now_s() - t0;
    }
  }
  printf("speed: auto forecast, 100 queues x 52 weeks history x 42-day horizon: %.3f s\n", t_fc);
  printf("speed: backtest over 10 weeks, one queue: auto %.3f s, double-seasonal %.3f s\n", t_bt,
         t_bt_sn);
  days_free(d, nd + nt);
  return 0;
}

int main(int argc, char **argv)
{
  unsigned long seed = argc > 1 ? strtoul(argv[1], NULL, 10) : 1;
  int nq = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 24;
  int weeks = argc > 3 ? (int)strtol(argv[3], NULL, 10) : 16;
  wl_tz *tz = NULL;
  if (wl_tz_load(&tz, "America/New_York")) {
    fprintf(stderr, "%s\n", wl_errmsg());
    return 1;
  }
  rng = 0x9E3779B97F4A7C15ULL ^ (seed * 0x2545F4914F6CDD1DULL);
  if (rng == 0)
    rng = 1;
  int rc = accuracy(tz, nq < 1 ? 1 : nq, weeks < 1 ? 1 : weeks);
  if (!rc && !getenv("BENCH_NO_SPEED"))
    rc = speed(tz);
  wl_tz_free(tz);
  return rc;
}
