/*
 * Forecast engine (wfm/forecast.h, forecasting.md): every method on small
 * hand-checked series, missing vs zero, closed hours and days, an unusual
 * day left out with its note, special days, the intraday re-forecast, DST
 * weeks in America/New_York with the real slot mapping, auto against
 * seasonal-naive in its own backtest, AHT and its fallback, the backtest's
 * figures, an empty history.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "util/tz.h"
#include "wfm/forecast.h"
#include "wfm/forecast_int.h"

#define EPS 1e-9

/* ---- building days -------------------------------------------------------- */

/* Value of an interval: entered, or < 0 for missing. occ: 0, or 1 for the
 * second occurrence of a repeated slot. week: whole weeks since the first
 * day built. */
typedef double (*valfn)(int week, int wday, int slot, int occ);

/* n local days from y-m-d in zone with the zone's real slot mapping;
 * accepted = entered, handle 100 s per accepted contact. */
static wl_fc_day *mkdays(const char *zone, int y, int m, int d, size_t n, valfn f)
{
  wl_tz *tz = NULL;
  assert_int_equal(wl_tz_load(&tz, zone), 0);
  wl_fc_day *days = calloc(n, sizeof(*days));
  assert_non_null(days);
  int64_t first = wl_days_from_civil(y, m, d);
  for (size_t i = 0; i < n; i++) {
    int yy, mm, dd;
    wl_civil_from_days(first + (int64_t)i, &yy, &mm, &dd);
    int64_t s = wl_tz_date_start(tz, yy, mm, dd), e = wl_tz_next_day_start(tz, s);
    days[i].day = first + (int64_t)i;
    days[i].wday = wl_weekday_from_days(days[i].day);
    days[i].n = (size_t)((e - s) / 900);
    days[i].iv = calloc(days[i].n, sizeof(wl_fc_iv));
    assert_non_null(days[i].iv);
    int seen[FC_SLOTS] = {0};
    for (size_t k = 0; k < days[i].n; k++) {
      wl_civil c;
      wl_fc_iv *iv = &days[i].iv[k];
      iv->start_utc = s + 900 * (int64_t)k;
      wl_tz_to_civil(&c, tz, iv->start_utc);
      iv->slot = (c.hour * 60 + c.min) / 15;
      double v = f ? f((int)(i / 7), days[i].wday, iv->slot, seen[iv->slot]++) : -1;
      iv->observed = v >= 0;
      iv->entered = iv->accepted = v >= 0 ? v : 0;
      iv->handle_s = 100 * iv->accepted;
    }
  }
  wl_tz_free(tz);
  return days;
}

static void freedays(wl_fc_day *d, size_t n)
{
  for (size_t i = 0; i < n; i++)
    free(d[i].iv);
  free(d);
}

/* A history of nh days from y-m-d and nt target days from off days after
 * y-m-d (off = nh: the days right after the history). */
typedef struct fc_case {
  wl_fc_day *h, *t;
  size_t nh, nt;
} fc_case;

static fc_case mkcase(const char *zone, int y, int m, int d, size_t nh, valfn f, int off, size_t nt)
{
  fc_case c = {mkdays(zone, y, m, d, nh, f), NULL, nh, nt};
  int yy, mm, dd;
  wl_civil_from_days(wl_days_from_civil(y, m, d) + off, &yy, &mm, &dd);
  c.t = mkdays(zone, yy, mm, dd, nt, NULL);
  return c;
}

static void freecase(fc_case *c)
{
  freedays(c->h, c->nh);
  freedays(c->t, c->nt);
}

/* Index in the result of the interval of target day t at slot s (first
 * occurrence). */
static size_t at(const wl_fc_day *target, size_t t, int slot)
{
  size_t k = 0;
  for (size_t i = 0; i < t; i++)
    k += target[i].n;
  for (size_t j = 0; j < target[t].n; j++)
    if (target[t].iv[j].slot == slot)
      return k + j;
  fail_msg("slot %d not in target day %zu", slot, t);
  return 0;
}

static int has_note(const wl_fc_result *r, const char *text)
{
  for (size_t i = 0; i < r->nnotes; i++)
    if (strcmp(r->notes[i].text, text) == 0)
      return 1;
  return 0;
}

static void run(wl_fc_result *r, const wl_fc_day *h, size_t nh, const wl_fc_day *t, size_t nt,
                enum wl_fc_method m, const wl_fc_special *sp, size_t nsp)
{
  wl_fc_opts o = {m, t[0].iv[0].start_utc, sp, nsp};
  assert_int_equal(wl_fc_forecast(r, h, nh, t, nt, &o), 0);
  for (size_t i = 0; i < r->n; i++) {
    assert_true(isfinite(r->volume[i]) && r->volume[i] >= 0);
    assert_true(isfinite(r->base_volume[i]) && isfinite(r->aht_s[i]));
  }
}

/* ---- the methods on a hand-checked series ------------------------------------ */

/* Mondays 09:00-18:00 (slots 36..71) at the week's level W, slot 36 twice
 * that (three times in week 0); every other time observed and 0. */
static const double W[6] = {100, 110, 90, 120, 105, 0};

static double mondays(int week, int wday, int slot, int occ)
{
  if (wday != 0 || slot < 36 || slot > 71)
    return 0;
  return slot == 36 ? (week == 0 ? 3 : 2) * W[week] : W[week];
}

/* History 2024-01-01 (Monday) .. 2024-02-04, 5 weeks; target Mon + Tue. */
static void methods_case(wl_fc_result *r, enum wl_fc_method m)
{
  fc_case c = mkcase("UTC", 2024, 1, 1, 35, mondays, 35, 2);
  wl_fc_day *h = c.h, *t = c.t;
  run(r, h, 35, t, 2, m, NULL, 0);
  assert_int_equal(r->n, 192);
  assert_int_equal(r->method, m);
  /* closed hours and the closed Tuesday */
  assert_true(r->volume[10] == 0.0 && r->volume[72] == 0.0 && r->volume[35] == 0.0);
  for (size_t i = 96; i < 192; i++)
    assert_true(r->volume[i] == 0.0);
  for (size_t i = 0; i < 192; i++)
    assert_true(r->volume[i] == r->base_volume[i]);
  assert_int_equal(r->nnotes, 0);
  freecase(&c);
}

static void test_seasonal_naive(void **s)
{
  wl_fc_result r;
  methods_case(&r, WL_FC_SEASONAL_NAIVE);
  assert_float_equal(r.volume[36], 210, EPS);
  assert_float_equal(r.volume[40], 105, EPS);
  assert_float_equal(r.volume[71], 105, EPS);
  wl_fc_result_free(&r);
}

static void test_weekday_mean_and_median(void **s)
{
  wl_fc_result r;
  methods_case(&r, WL_FC_WEEKDAY_MEAN); /* last 4: 110 90 120 105 */
  assert_float_equal(r.volume[36], 212.5, EPS);
  assert_float_equal(r.volume[40], 106.25, EPS);
  wl_fc_result_free(&r);
  methods_case(&r, WL_FC_WEEKDAY_MEDIAN);
  assert_float_equal(r.volume[36], 215, EPS);
  assert_float_equal(r.volume[40], 107.5, EPS);
  wl_fc_result_free(&r);
}

static void test_day_profile(void **s)
{
  wl_fc_result r;
  methods_case(&r, WL_FC_DAY_PROFILE);
  /* day total: mean of the last 4 totals (37 x level); profile: the 5
   * Mondays' slot sums over their totals (week 0: 38 x 100) */
  double total = 37 * (110 + 90 + 120 + 105) / 4.0, sum = 3800 + 37 * 425.0;
  assert_float_equal(r.volume[36], total * (300 + 2 * 425.0) / sum, EPS);
  assert_float_equal(r.volume[40], total * (100 + 425.0) / sum, EPS);
  wl_fc_result_free(&r);
}

/* Mondays 09-18 flat at 100, 110, .. 140 per interval (weeks 0..4). */
static double growing(int week, int wday, int slot, int occ)
{
  return wday == 0 && slot >= 36 && slot <= 71 ? 100 + 10 * week : 0;
}

static void test_double_seasonal(void **s)
{
  wl_fc_result r;
  methods_case(&r, WL_FC_DOUBLE_SEASONAL);
  wl_fc_result_free(&r);
  /* the level line through the Monday totals over their mean (120 x 36):
   * y = 1.25 + b x with b = 10 / 120 / 7 a day, x = days from the end;
   * next Monday mean x 1.25 x flat profile = 150, drift 1 + 0.5 b / 1.25
   * (at most FC_DS_MAX_DRIFT) a day after it, for at most FC_DRIFT_DAYS */
  fc_case c = mkcase("UTC", 2024, 1, 1, 35, growing, 35, 60);
  wl_fc_day *h = c.h, *t = c.t;
  run(&r, h, 35, t, 60, WL_FC_DOUBLE_SEASONAL, NULL, 0);
  double b = 10.0 / 120 / 7, drift = 1 + FC_DS_TREND_DAMP * b / 1.25;
  if (drift > 1 + FC_DS_MAX_DRIFT)
    drift = 1 + FC_DS_MAX_DRIFT;
  assert_float_equal(r.volume[36], 150, 1e-6);
  assert_float_equal(r.volume[at(t, 7, 50)], 150 * pow(drift, 7), 1e-6);
  assert_float_equal(r.volume[at(t, 14, 71)], 150 * pow(drift, 14), 1e-6);
  assert_float_equal(r.volume[at(t, 56, 40)], 150 * pow(drift, FC_DRIFT_DAYS), 1e-6);
  assert_true(r.volume[35] == 0.0 && r.volume[at(t, 1, 40)] == 0.0);
  wl_fc_result_free(&r);
  freecase(&c);
}

static void test_method_names(void **s)
{
  enum wl_fc_method m = WL_FC_AUTO;
  for (int i = 0; i < WL_FC_NMETHODS; i++) {
    assert_int_equal(wl_fc_method_parse(&m, wl_fc_method_name((enum wl_fc_method)i)), 0);
    assert_int_equal(m, i);
  }
  assert_string_equal(wl_fc_method_name(WL_FC_DAY_PROFILE), "day-profile");
  assert_int_equal(wl_fc_method_parse(&m, "holt"), WL_EUSAGE);
  assert_non_null(strstr(wl_errmsg(), "'holt'"));
}

/* ---- missing is not zero -------------------------------------------------- */

static int hole_zero;

/* The mondays series with slot 50 of week 4 missing, or 0 when hole_zero. */
static double mondays_hole(int week, int wday, int slot, int occ)
{
  if (week == 4 && wday == 0 && slot == 50)
    return hole_zero ? 0 : -1;
  return mondays(week, wday, slot, occ);
}

static void test_missing_is_not_zero(void **s)
{
  for (hole_zero = 0; hole_zero <= 1; hole_zero++) {
    fc_case c = mkcase("UTC", 2024, 1, 1, 35, mondays_hole, 35, 1);
    wl_fc_day *h = c.h, *t = c.t;
    wl_fc_result r;
    run(&r, h, 35, t, 1, WL_FC_SEASONAL_NAIVE, NULL, 0);
    /* missing: two weeks earlier (120); an observed 0 is a 0 */
    assert_float_equal(r.volume[50], hole_zero ? 0 : 120, EPS);
    wl_fc_result_free(&r);
    run(&r, h, 35, t, 1, WL_FC_WEEKDAY_MEAN, NULL, 0);
    /* missing: the last 4 observed Mondays 100 110 90 120 */
    assert_float_equal(r.volume[50], hole_zero ? (110 + 90 + 120 + 0) / 4.0 : 105, EPS);
    assert_float_equal(r.volume[51], 106.25, EPS);
    wl_fc_result_free(&r);
    freecase(&c);
  }
}

/* ---- closed hours and days ------------------------------------------------ */

/* Mondays 09-18 at 10 and slot 72 at 4 in week 0 only (slot 40 at 6 then,
 * the same total); Saturdays 09-18 at
 * 7 in week 0, unobserved in weeks 1-4; Sundays closed (observed 0). */
static double closing(int week, int wday, int slot, int occ)
{
  if (wday == 0 && week == 0 && (slot == 72 || slot == 40))
    return slot == 72 ? 4 : 6;
  if (wday == 0)
    return slot >= 36 && slot <= 71 ? 10 : 0;
  if (wday == 5)
    return week > 0 ? -1 : slot >= 36 && slot <= 71 ? 7 : 0;
  return 0;
}

static void test_closed_hours_and_days(void **s)
{
  fc_case c = mkcase("UTC", 2024, 1, 1, 35, closing, 35, 7); /* Mon .. Sun */
  wl_fc_day *h = c.h, *t = c.t;
  for (int m = 0; m < WL_FC_NMETHODS; m++) {
    wl_fc_result r;
    run(&r, h, 35, t, 7, (enum wl_fc_method)m, NULL, 0);
    /* the hour that closed a month ago, and the closed Sunday: exactly 0 */
    assert_true(r.volume[at(t, 0, 72)] == 0.0);
    for (int k = 0; k < 96; k++)
      assert_true(r.volume[at(t, 6, k)] == 0.0);
    assert_true(r.volume[at(t, 0, 40)] > 9);
    /* unobserved Saturdays are not closed ones: the last observed one says 7 */
    assert_float_equal(r.volume[at(t, 5, 40)], 7, EPS);
    assert_true(r.volume[at(t, 5, 20)] == 0.0);
    wl_fc_result_free(&r);
  }
  freecase(&c);
}

/* ---- unusual days and special days --------------------------------------- */

static int holiday_missing;

/* Mondays 09-18 at 10 or 11 (odd weeks); 2024-01-22 (week 3) a holiday at 1
 * per interval, unobserved when holiday_missing is 1, unobserved from 13:30
 * on when it is 2. */
static double with_holiday(int week, int wday, int slot, int occ)
{
  if (week == 3 && wday == 0 && (holiday_missing == 1 || (holiday_missing == 2 && slot >= 54)))
    return -1;
  if (wday != 0 || slot < 36 || slot > 71)
    return 0;
  if (week == 3)
    return 1;
  return 10 + week % 2;
}

static void test_holiday_left_out(void **s)
{
  wl_fc_day *t = mkdays("UTC", 2024, 2, 12, 1, NULL);
  for (int m = 0; m < WL_FC_NMETHODS; m++) {
    wl_fc_result r, ref;
    holiday_missing = 0;
    wl_fc_day *h = mkdays("UTC", 2024, 1, 1, 42, with_holiday);
    holiday_missing = 1;
    wl_fc_day *hm = mkdays("UTC", 2024, 1, 1, 42, with_holiday);
    run(&r, h, 42, t, 1, (enum wl_fc_method)m, NULL, 0);
    run(&ref, hm, 42, t, 1, (enum wl_fc_method)m, NULL, 0);
    /* detected, noted, and the forecast as if the day had never been seen */
    assert_true(has_note(&r, "2024-01-22 left out: 36 contacts vs typical 360"));
    assert_int_equal(r.method, ref.method);
    for (size_t i = 0; i < r.n; i++)
      assert_true(r.volume[i] == ref.volume[i]);
    assert_false(has_note(&ref, "2024-01-22 left out: 36 contacts vs typical 360"));
    wl_fc_result_free(&r);
    /* a partly observed holiday: compared on the slots seen */
    holiday_missing = 2;
    wl_fc_day *hp = mkdays("UTC", 2024, 1, 1, 42, with_holiday);
    run(&r, hp, 42, t, 1, (enum wl_fc_method)m, NULL, 0);
    assert_true(has_note(&r, "2024-01-22 left out: 18 contacts vs typical 180"));
    for (size_t i = 0; i < r.n; i++)
      assert_true(r.volume[i] == ref.volume[i]);
    wl_fc_result_free(&r);
    wl_fc_result_free(&ref);
    freedays(h, 42);
    freedays(hm, 42);
    freedays(hp, 42);
  }
  freedays(t, 1);
}

static void test_special_days(void **s)
{
  holiday_missing = 1;
  fc_case c = mkcase("UTC", 2024, 1, 1, 42, with_holiday, 42, 8); /* Mon 12 .. Mon 19 */
  wl_fc_day *h = c.h, *t = c.t;
  int64_t feb5 = wl_days_from_civil(2024, 2, 5), feb12 = feb5 + 7, feb19 = feb5 + 14;
  wl_fc_result r;
  /* a future day x 0.5, another closed */
  wl_fc_special sp[3] = {{feb12, 0, 0.5}, {feb19, 0, 0}, {feb5, 1, 1}};
  run(&r, h, 42, t, 8, WL_FC_SEASONAL_NAIVE, sp, 2);
  assert_float_equal(r.volume[at(t, 0, 40)], 11 * 0.5, EPS); /* Feb 5 is week 5: 11 */
  assert_float_equal(r.base_volume[at(t, 0, 40)], 11 * 0.5, EPS);
  assert_true(r.volume[at(t, 7, 40)] == 0.0);
  assert_true(has_note(&r, "2024-02-12 forecast x 0.50 (special day)"));
  assert_true(has_note(&r, "2024-02-19 forecast x 0.00 (special day)"));
  wl_fc_result_free(&r);
  /* a past day left out by hand: one week earlier is skipped */
  run(&r, h, 42, t, 8, WL_FC_SEASONAL_NAIVE, sp + 2, 1);
  assert_float_equal(r.volume[at(t, 0, 40)], 10, EPS); /* week 4 */
  assert_true(has_note(&r, "2024-02-05 left out (special day)"));
  wl_fc_result_free(&r);
  freecase(&c);
}

/* ---- intraday ------------------------------------------------------------- */

/* The mondays series; on 2024-02-05 (week 5) twice the usual 105 before
 * noon and nothing observed from noon on. */
static double today_busy(int week, int wday, int slot, int occ)
{
  if (week < 5)
    return mondays(week, wday, slot, occ);
  if (slot >= 48)
    return -1;
  return slot < 36 ? 0 : slot == 36 ? 420 : 210;
}

static void test_intraday_reforecast(void **s)
{
  fc_case c = mkcase("UTC", 2024, 1, 1, 36, today_busy, 35, 1);
  wl_fc_day *h = c.h, *t = c.t;
  wl_fc_opts o = {WL_FC_SEASONAL_NAIVE, h[35].iv[48].start_utc, NULL, 0};
  wl_fc_result r;
  assert_int_equal(wl_fc_forecast(&r, h, 36, t, 1, &o), 0);
  /* A = 2 F over 09:00-12:00; r = (A + K) / (F + K), K = D / 4 */
  double F = 210 + 11 * 105.0, A = 2 * F, D = 210 + 35 * 105.0, K = D / 4;
  double ratio = (A + K) / (F + K);
  assert_float_equal(r.volume[47], 105, EPS);
  assert_float_equal(r.volume[48], 105 * ratio, EPS);
  assert_float_equal(r.volume[71], 105 * ratio, EPS);
  assert_true(r.volume[72] == 0.0);
  assert_float_equal(r.base_volume[48], 105, EPS);
  /* the partial day is not history: the pattern is last week's */
  assert_float_equal(r.base_volume[36], 210, EPS);
  wl_fc_result_free(&r);
  freecase(&c);
}

static void test_intraday_early_in_day_shrinks(void **s)
{
  fc_case c = mkcase("UTC", 2024, 1, 1, 36, today_busy, 35, 1);
  wl_fc_day *h = c.h, *t = c.t;
  /* as of 09:15: one interval seen at 2x; K = D / 4 keeps r near 1 */
  wl_fc_opts o = {WL_FC_SEASONAL_NAIVE, h[35].iv[37].start_utc, NULL, 0};
  wl_fc_result r;
  assert_int_equal(wl_fc_forecast(&r, h, 36, t, 1, &o), 0);
  double D = 210 + 35 * 105.0, K = D / 4, ratio = (420 + K) / (210 + K);
  assert_float_equal(r.volume[40], 105 * ratio, EPS);
  assert_true(ratio < 1.2);
  wl_fc_result_free(&r);
  freecase(&c);
}

/* ---- DST ------------------------------------------------------------------ */

static double by_slot(int week, int wday, int slot, int occ)
{
  return slot + 1;
}

static void test_dst_target_days(void **s)
{
  /* 2024-03-10: 92 intervals, 02:00-02:59 absent; 2024-11-03: 100, the
   * 01:00 hour twice: each interval gets its local slot's pattern */
  fc_case c = mkcase("America/New_York", 2024, 2, 18, 21, by_slot, 21, 1);
  wl_fc_day *h = c.h, *t = c.t;
  wl_fc_result r;
  run(&r, h, 21, t, 1, WL_FC_WEEKDAY_MEAN, NULL, 0);
  assert_int_equal(r.n, 92);
  assert_float_equal(r.volume[7], 8, EPS);   /* 01:45 EST */
  assert_float_equal(r.volume[8], 13, EPS);  /* 03:00 EDT, slot 12 */
  for (size_t i = 0; i < r.n; i++)
    assert_float_equal(r.volume[i], t[0].iv[i].slot + 1, EPS);
  wl_fc_result_free(&r);
  freecase(&c);

  c = mkcase("America/New_York", 2024, 10, 13, 21, by_slot, 21, 1);
  h = c.h;
  t = c.t;
  run(&r, h, 21, t, 1, WL_FC_DOUBLE_SEASONAL, NULL, 0);
  assert_int_equal(r.n, 100);
  assert_float_equal(r.volume[4], 5, EPS);  /* 01:00 EDT */
  assert_float_equal(r.volume[8], 5, EPS);  /* 01:00 EST */
  assert_float_equal(r.volume[12], 9, EPS); /* 02:00 EST, slot 8 */
  wl_fc_result_free(&r);
  freecase(&c);
}

/* Mondays at 09:00 local: 50; the repeated 01:00 slot of 2024-11-03: 10
 * then 20; otherwise slot + 1 on Sundays, 0 elsewhere. */
static double local_nine(int week, int wday, int slot, int occ)
{
  if (wday == 0)
    return slot == 36 ? 50 : 0;
  if (wday == 6)
    return week == 2 && slot == 4 ? (occ ? 20 : 10) : slot + 1;
  return 0;
}

static void test_dst_pattern_keeps_local_hours(void **s)
{
  /* learnt 2024-10-14 .. 11-03 (EDT, then the 100-interval Sunday) */
  fc_case c = mkcase("America/New_York", 2024, 10, 14, 21, local_nine, 21, 7); /* EST */
  wl_fc_day *h = c.h, *t = c.t;
  wl_fc_result r;
  run(&r, h, 21, t, 7, WL_FC_SEASONAL_NAIVE, NULL, 0);
  /* 09:00 EST is 14:00Z (it was 13:00Z in October) */
  size_t k = at(t, 0, 36);
  assert_int_equal(t[0].iv[36].start_utc, 1730728800); /* 2024-11-04T14:00Z */
  assert_float_equal(r.volume[k], 50, EPS);
  assert_true(r.volume[k - 4] == 0.0);
  /* the repeated slot: the mean of its two occurrences */
  assert_float_equal(r.volume[at(t, 6, 4)], 15, EPS);
  assert_float_equal(r.volume[at(t, 6, 5)], 6, EPS);
  wl_fc_result_free(&r);
  freecase(&c);
}

/* Sundays: 7 on 02-25, 5 on 03-03, 3 on 03-10 (92 intervals); other days 1. */
static double spring_sundays(int week, int wday, int slot, int occ)
{
  static const double v[3] = {7, 5, 3};
  return wday == 6 ? v[week] : 1;
}

static void test_dst_short_day_in_history(void **s)
{
  /* 2024-02-19 (Mon) .. 03-10: the absent 02:00 hour of 03-10 is missing,
   * not 0: seasonal naive goes back to 03-03 there */
  fc_case c = mkcase("America/New_York", 2024, 2, 19, 21, spring_sundays, 27, 1);
  wl_fc_day *h = c.h, *t = c.t;
  assert_int_equal(h[20].n, 92);
  wl_fc_result r;
  run(&r, h, 21, t, 1, WL_FC_SEASONAL_NAIVE, NULL, 0);
  assert_float_equal(r.volume[at(t, 0, 8)], 5, EPS);
  assert_float_equal(r.volume[at(t, 0, 12)], 3, EPS);
  wl_fc_result_free(&r);
  freecase(&c);
}

/* ---- auto ------------------------------------------------------------------ */

static uint64_t lcg;
static int trend_case;

static double noisy(int week, int wday, int slot, int occ)
{
  if (wday == 6 || slot < 32 || slot >= 80)
    return 0;
  lcg = lcg * 6364136223846793005ULL + 1442695040888963407ULL;
  double base = 20 + 10 * sin(slot / 8.0) + (wday == 0 ? 5 : 0);
  /* the daily peak moving 30 minutes later every week, no noise */
  if (trend_case)
    return floor(20 + 10 * sin((slot - 2 * week) / 8.0));
  return floor(base + (double)(lcg >> 60) - 7.5 + 0.5);
}

static void test_auto_never_worse_than_seasonal_naive(void **s)
{
  for (int cs = 0; cs < 6; cs++) {
    lcg = (uint64_t)cs + 1;
    trend_case = cs == 5;
    fc_case c = mkcase("UTC", 2024, 1, 1, 70, noisy, 70, 7);
    wl_fc_day *h = c.h, *t = c.t;
    fc_grid g;
    assert_int_equal(fc_grid_build(&g, h, 70, NULL, 0), 0);
    double wm = -1, wsn = -1;
    enum wl_fc_method pick = fc_auto_pick(&g, g.nd, &wm, &wsn);
    assert_true(wsn > 0 && wm >= 0);
    assert_true(wm <= wsn);
    if (trend_case) /* a moving shape, no noise: last week is the best guess */
      assert_int_equal(pick, WL_FC_SEASONAL_NAIVE);
    else
      assert_true(wm < wsn && pick != WL_FC_SEASONAL_NAIVE);
    wl_fc_result r;
    run(&r, h, 70, t, 7, WL_FC_AUTO, NULL, 0);
    assert_int_equal(r.method, pick);
    char note[WL_FC_NOTE_LEN];
    snprintf(note, sizeof(note), "auto chose %s (backtest wMAPE %.1f%% vs seasonal-naive %.1f%%)",
             wl_fc_method_name(pick), wm, wsn);
    assert_true(has_note(&r, note));
    wl_fc_result_free(&r);
    fc_grid_free(&g);
    freecase(&c);
  }
}

static void test_auto_short_history_is_seasonal_naive(void **s)
{
  fc_case c = mkcase("UTC", 2024, 1, 1, 14, mondays, 14, 1);
  wl_fc_day *h = c.h, *t = c.t;
  wl_fc_result r;
  run(&r, h, 14, t, 1, WL_FC_AUTO, NULL, 0);
  assert_int_equal(r.method, WL_FC_SEASONAL_NAIVE);
  assert_true(has_note(&r, "auto chose seasonal-naive (history too short to compare)"));
  assert_float_equal(r.volume[40], 110, EPS);
  wl_fc_result_free(&r);
  freecase(&c);
}

/* ---- AHT ------------------------------------------------------------------- */

static void test_aht_ratio_and_fallback(void **s)
{
  fc_case c = mkcase("UTC", 2024, 1, 1, 35, NULL, 35, 2);
  wl_fc_day *h = c.h, *t = c.t;
  for (size_t i = 0; i < 35; i++)
    for (size_t k = 0; k < 96; k++) {
      wl_fc_iv *iv = &h[i].iv[k];
      iv->observed = 1;
      iv->entered = iv->accepted = iv->handle_s = 0;
      if (h[i].wday == 0 && k == 40) { /* 10 a week at 120 s: 50 >= 30 */
        iv->entered = iv->accepted = 10;
        iv->handle_s = 1200;
      }
      if (h[i].wday == 0 && k == 41) { /* 5 a week at 300 s: 25 < 30 */
        iv->entered = iv->accepted = 5;
        iv->handle_s = 1500;
      }
    }
  wl_fc_result r;
  run(&r, h, 35, t, 2, WL_FC_WEEKDAY_MEAN, NULL, 0);
  double longrun = (5 * 1200 + 5 * 1500) / 75.0; /* 180: ratio of sums */
  assert_float_equal(r.aht_s[40], 120, EPS);
  assert_float_equal(r.aht_s[41], longrun, EPS);
  assert_float_equal(r.aht_s[96 + 40], longrun, EPS);
  wl_fc_result_free(&r);
  /* nothing ever accepted: no AHT */
  for (size_t i = 0; i < 35; i++)
    for (size_t k = 0; k < 96; k++)
      h[i].iv[k].accepted = h[i].iv[k].handle_s = 0;
  run(&r, h, 35, t, 2, WL_FC_WEEKDAY_MEAN, NULL, 0);
  assert_true(r.aht_s[40] < 0 && r.aht_s[100] < 0);
  assert_float_equal(r.volume[40], 10, EPS);
  wl_fc_result_free(&r);
  freecase(&c);
}

/* ---- empty history ----------------------------------------------------------- */

static void test_empty_history(void **s)
{
  fc_case c = mkcase("UTC", 2024, 1, 1, 7, NULL, 35, 3); /* nothing observed */
  wl_fc_day *h = c.h, *t = c.t;
  for (int m = 0; m < WL_FC_NMETHODS; m++)
    for (int withdays = 0; withdays <= 1; withdays++) {
      wl_fc_result r;
      run(&r, h, withdays ? 7 : 0, t, 3, (enum wl_fc_method)m, NULL, 0);
      assert_int_equal(r.n, 288);
      for (size_t i = 0; i < r.n; i++)
        assert_true(r.volume[i] == 0.0 && r.aht_s[i] < 0);
      assert_true(has_note(&r, "no history: volume 0"));
      wl_fc_result_free(&r);
    }
  freecase(&c);
}

static void test_bad_input(void **s)
{
  fc_case c = mkcase("UTC", 2024, 1, 1, 14, mondays, 14, 1);
  wl_fc_result r;
  wl_fc_opts o = {WL_FC_AUTO, c.t[0].iv[0].start_utc, NULL, 0};
  c.h[5].day += 1; /* a day missing from the history */
  assert_int_equal(wl_fc_forecast(&r, c.h, 14, c.t, 1, &o), WL_EUSAGE);
  assert_non_null(strstr(wl_errmsg(), "not consecutive"));
  c.h[5].day -= 1;
  c.t[0].iv[3].slot = 96;
  assert_int_equal(wl_fc_forecast(&r, c.h, 14, c.t, 1, &o), WL_EUSAGE);
  assert_null(r.volume);
  c.t[0].iv[3].slot = 3;
  o.method = WL_FC_NMETHODS;
  assert_int_equal(wl_fc_forecast(&r, c.h, 14, c.t, 1, &o), WL_EUSAGE);
  freecase(&c);
}

/* ---- backtest ------------------------------------------------------------------ */

static double three_mondays(int week, int wday, int slot, int occ)
{
  return wday == 0 && slot == 40 ? 10 * (week + 1) : 0;
}

static void test_backtest_figures(void **s)
{
  wl_fc_day *h = mkdays("UTC", 2024, 1, 1, 21, three_mondays);
  int64_t from = h[14].day, to = h[20].day + 1;
  wl_fc_accuracy a;
  /* seasonal naive: 20 for 30 */
  assert_int_equal(wl_fc_backtest(&a, h, 21, from, to, WL_FC_SEASONAL_NAIVE, NULL, 0), 0);
  assert_int_equal(a.intervals, 7 * 96);
  assert_true(a.has_wmape && a.has_mape && a.has_bias && a.has_day_mape && a.has_vs_sn);
  assert_float_equal(a.wmape_pct, 100.0 / 3, EPS);
  assert_float_equal(a.mape_pct, 100.0 / 3, EPS);
  assert_float_equal(a.bias_pct, -100.0 / 3, EPS);
  assert_float_equal(a.day_mape_pct, 100.0 / 3, EPS);
  assert_float_equal(a.vs_seasonal_naive_pct, 0, EPS);
  /* weekday mean: 15 for 30, 50 % worse than seasonal naive */
  assert_int_equal(wl_fc_backtest(&a, h, 21, from, to, WL_FC_WEEKDAY_MEAN, NULL, 0), 0);
  assert_float_equal(a.wmape_pct, 50, EPS);
  assert_float_equal(a.bias_pct, -50, EPS);
  assert_float_equal(a.vs_seasonal_naive_pct, 50, EPS);
  /* auto with two weeks of history is seasonal naive */
  assert_int_equal(wl_fc_backtest(&a, h, 21, from, to, WL_FC_AUTO, NULL, 0), 0);
  assert_int_equal(a.method, WL_FC_AUTO);
  assert_float_equal(a.wmape_pct, 100.0 / 3, EPS);
  /* the Monday left out by hand: nothing with contacts left to score */
  wl_fc_special sp = {h[14].day, 1, 1};
  assert_int_equal(wl_fc_backtest(&a, h, 21, from, to, WL_FC_SEASONAL_NAIVE, &sp, 1), 0);
  assert_int_equal(a.intervals, 6 * 96);
  assert_false(a.has_wmape || a.has_mape || a.has_day_mape);
  assert_true(a.wmape_pct < 0);
  /* an empty range */
  assert_int_equal(wl_fc_backtest(&a, h, 21, to, to, WL_FC_AUTO, NULL, 0), 0);
  assert_int_equal(a.intervals, 0);
  freedays(h, 21);
}

static void test_backtest_equals_forecast_as_of_origin(void **s)
{
  lcg = 7;
  trend_case = 0;
  wl_fc_day *h = mkdays("UTC", 2024, 1, 1, 63, noisy);
  wl_fc_accuracy a;
  assert_int_equal(wl_fc_backtest(&a, h, 63, h[56].day, h[62].day + 1, WL_FC_AUTO, NULL, 0), 0);
  wl_fc_result r;
  run(&r, h, 56, h + 56, 7, WL_FC_AUTO, NULL, 0);
  double err = 0, act = 0;
  for (size_t i = 0, k = 0; i < 7; i++)
    for (size_t j = 0; j < 96; j++, k++) {
      err += fabs(h[56 + i].iv[j].entered - r.volume[k]);
      act += h[56 + i].iv[j].entered;
    }
  assert_float_equal(a.wmape_pct, 100 * err / act, 1e-9);
  wl_fc_result_free(&r);
  freedays(h, 63);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_seasonal_naive),
      cmocka_unit_test(test_weekday_mean_and_median),
      cmocka_unit_test(test_day_profile),
      cmocka_unit_test(test_double_seasonal),
      cmocka_unit_test(test_method_names),
      cmocka_unit_test(test_missing_is_not_zero),
      cmocka_unit_test(test_closed_hours_and_days),
      cmocka_unit_test(test_holiday_left_out),
      cmocka_unit_test(test_special_days),
      cmocka_unit_test(test_intraday_reforecast),
      cmocka_unit_test(test_intraday_early_in_day_shrinks),
      cmocka_unit_test(test_dst_target_days),
      cmocka_unit_test(test_dst_pattern_keeps_local_hours),
      cmocka_unit_test(test_dst_short_day_in_history),
      cmocka_unit_test(test_auto_never_worse_than_seasonal_naive),
      cmocka_unit_test(test_auto_short_history_is_seasonal_naive),
      cmocka_unit_test(test_aht_ratio_and_fallback),
      cmocka_unit_test(test_empty_history),
      cmocka_unit_test(test_bad_input),
      cmocka_unit_test(test_backtest_figures),
      cmocka_unit_test(test_backtest_equals_forecast_as_of_origin),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
