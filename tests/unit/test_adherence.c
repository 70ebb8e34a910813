/*
 * Adherence engine: the worked examples of wfm-definitions.md, the edges
 * (grace boundary, midnight, DST days, open states, rule overrides, ranges
 * off midnight), exceptions, timeline, RTA, and a randomized comparison with
 * a second-by-second reference written here from the definitions alone.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/err.h"
#include "util/tz.h"
#include "wfm/adherence.h"

#define D0 1714953600LL /* 2024-05-06T00:00:00Z */
#define H(h, m) (D0 + (h) * 3600LL + (m) * 60LL)
#define NY_0310 1710046800LL /* 2024-03-10T00:00:00-05:00 */
#define NY_0311 1710129600LL /* 2024-03-11T00:00:00-04:00 */
#define NY_1103 1730606400LL /* 2024-11-03T00:00:00-04:00 */
#define NY_1104 1730696400LL /* 2024-11-04T00:00:00-05:00 */
#define N(a) (sizeof(a) / sizeof((a)[0]))

/* ---- fixtures ------------------------------------------------------------ */

typedef struct fx {
  wl_adh_rules *rules;
  wl_tz *utc, *ny;
} fx;

static int setup(void **state)
{
  fx *f = calloc(1, sizeof(*f));
  assert_non_null(f);
  assert_int_equal(wl_adh_rules_new(&f->rules, NULL, 0), 0);
  assert_int_equal(wl_tz_load(&f->utc, "UTC"), 0);
  assert_int_equal(wl_tz_load(&f->ny, "America/New_York"), 0);
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  fx *f = *state;
  wl_adh_rules_free(f->rules);
  wl_tz_free(f->utc);
  wl_tz_free(f->ny);
  free(f);
  return 0;
}

static wl_adh_day *compute(size_t *n, const fx *f, const wl_tz *tz, const wl_schedule_row *s,
                           size_t ns, const wl_state_row *t, size_t nt, int64_t grace,
                           int unsched, int64_t from, int64_t to, int64_t now)
{
  wl_adh_settings set = {grace, unsched};
  wl_adh_day *rows = NULL;
  int rc = wl_adh_compute(&rows, n, s, ns, t, nt, f->rules, &set, tz, from, to, now);
  if (rc)
    fail_msg("wl_adh_compute: %s", wl_errmsg());
  return rows;
}

static void expect_day(const wl_adh_day *d, const char *agent, const char *date,
                       int64_t sch, int64_t in, int64_t out, int64_t neu, int64_t unk,
                       int64_t wrk, int64_t schw)
{
  assert_string_equal(d->agent_id, agent);
  assert_string_equal(d->date, date);
  assert_int_equal(d->scheduled_s, sch);
  assert_int_equal(d->in_s, in);
  assert_int_equal(d->out_s, out);
  assert_int_equal(d->neutral_s, neu);
  assert_int_equal(d->unknown_s, unk);
  assert_int_equal(d->worked_s, wrk);
  assert_int_equal(d->scheduled_work_s, schw);
}

static void expect_pcts(const wl_adh_day *d, const char *adh, const char *conf)
{
  char buf[32];
  assert_int_equal(wl_adh_adherence_pct(buf, sizeof(buf), d), 0);
  assert_string_equal(buf, adh);
  assert_int_equal(wl_adh_conformance_pct(buf, sizeof(buf), d), 0);
  assert_string_equal(buf, conf);
}

/* ---- worked examples ----------------------------------------------------- */

static void test_example1(void **state)
{
  fx *f = *state;
  wl_schedule_row s[] = {{"a1", H(9, 0), H(17, 0), "phone"}};
  wl_state_row t[] = {{"a1", H(0, 0), H(9, 30), "logged_out", "0"},
                      {"a1", H(9, 30), H(13, 0), "available", "1"},
                      {"a1", H(13, 0), H(17, 30), "busy", "2"},
                      {"a1", H(17, 30), H(24, 0), "logged_out", "0"}};
  size_t n;
  wl_adh_day *d = compute(&n, f, f->utc, s, 1, t, 4, 0, 0, D0, D0 + 86400, D0 + 86400);
  assert_int_equal(n, 1);
  expect_day(&d[0], "a1", "2024-05-06", 28800, 27000, 1800, 0, 0, 28800, 28800);
  assert_int_equal(d[0].day_start_utc, D0);
  assert_int_equal(d[0].day_end_utc, D0 + 86400);
  expect_pcts(&d[0], "93.8", "100.0");
  free(d);
}

static void test_example2(void **state)
{
  fx *f = *state;
  wl_schedule_row s[] = {{"a1", H(10, 0), H(11, 0), "phone"}};
  wl_state_row t[] = {{"a1", H(8, 0), H(10, 10), "logged_out", "0"},
                      {"a1", H(10, 10), H(11, 10), "available", "1"},
                      {"a1", H(11, 10), H(20, 0), "logged_out", "0"}};
  size_t n;
  wl_adh_day *d = compute(&n, f, f->utc, s, 1, t, 3, 0, 0, D0, D0 + 86400, D0 + 86400);
  assert_int_equal(n, 1);
  expect_day(&d[0], "a1", "2024-05-06", 3600, 3000, 600, 0, 0, 3600, 3600);
  assert_int_equal(d[0].unscheduled_s, 0);
  expect_pcts(&d[0], "83.3", "100.0");
  free(d);
  /* count_unscheduled_work on: 11:00-11:10 working while unscheduled is out */
  d = compute(&n, f, f->utc, s, 1, t, 3, 0, 1, D0, D0 + 86400, D0 + 86400);
  assert_int_equal(n, 1);
  expect_day(&d[0], "a1", "2024-05-06", 3600, 3000, 1200, 0, 0, 3600, 3600);
  assert_int_equal(d[0].unscheduled_s, 600);
  expect_pcts(&d[0], "71.4", "100.0");
  free(d);
}

static const wl_schedule_row ex3_s[] = {{"a1", H(9, 0), H(10, 0), "phone"},
                                        {"a1", H(10, 0), H(10, 15), "break"},
                                        {"a1", H(10, 15), H(12, 0), "phone"}};
static const wl_state_row ex3_t[] = {{"a1", H(9, 0), H(10, 5), "available", "1"},
                                     {"a1", H(10, 5), H(10, 20), "break", "3"},
                                     {"a1", H(10, 20), H(12, 0), "available", "1"}};

static void test_example3(void **state)
{
  fx *f = *state;
  size_t n;
  wl_adh_day *d = compute(&n, f, f->utc, ex3_s, 3, ex3_t, 3, 0, 0, D0, D0 + 86400, H(13, 0));
  assert_int_equal(n, 1);
  /* scheduled 180 min (the break included), out 10 min; worked 9:00-10:05
   * and 10:20-12:00 = 165 min of 165 min of phone */
  expect_day(&d[0], "a1", "2024-05-06", 10800, 10200, 600, 0, 0, 9900, 9900);
  expect_pcts(&d[0], "94.4", "100.0");
  free(d);
  d = compute(&n, f, f->utc, ex3_s, 3, ex3_t, 3, 300, 0, D0, D0 + 86400, H(13, 0));
  assert_int_equal(n, 1);
  expect_day(&d[0], "a1", "2024-05-06", 10800, 10800, 0, 0, 0, 9900, 9900);
  expect_pcts(&d[0], "100.0", "100.0");
  free(d);
}

static void test_example4(void **state)
{
  fx *f = *state;
  wl_schedule_row s[] = {{"a1", H(9, 0), H(10, 0), "phone"}};
  wl_state_row t[] = {{"a1", H(9, 0), H(9, 20), "available", "1"},
                      {"a1", H(9, 20), H(9, 30), "unknown", ""},
                      {"a1", H(9, 30), H(10, 0), "available", "1"}};
  size_t n;
  wl_adh_day *d = compute(&n, f, f->utc, s, 1, t, 3, 0, 0, D0, D0 + 86400, D0 + 86400);
  assert_int_equal(n, 1);
  expect_day(&d[0], "a1", "2024-05-06", 3600, 3000, 0, 600, 600, 3000, 3600);
  expect_pcts(&d[0], "100.0", "83.3");
  free(d);
  /* the same gap left uncovered by any state row is unknown too */
  wl_state_row t2[] = {{"a1", H(9, 0), H(9, 20), "available", "1"},
                       {"a1", H(9, 30), H(10, 0), "available", "1"}};
  d = compute(&n, f, f->utc, s, 1, t2, 2, 0, 0, D0, D0 + 86400, D0 + 86400);
  assert_int_equal(n, 1);
  expect_day(&d[0], "a1", "2024-05-06", 3600, 3000, 0, 600, 600, 3000, 3600);
  free(d);
  /* an 8x8 code we do not know (state unknown, vendor code kept) likewise */
  wl_state_row t3[] = {{"a1", H(9, 0), H(9, 20), "available", "1"},
                       {"a1", H(9, 20), H(9, 30), "unknown", "7"},
                       {"a1", H(9, 30), H(10, 0), "available", "1"}};
  d = compute(&n, f, f->utc, s, 1, t3, 3, 0, 0, D0, D0 + 86400, D0 + 86400);
  assert_int_equal(n, 1);
  expect_day(&d[0], "a1", "2024-05-06", 3600, 3000, 0, 600, 600, 3000, 3600);
  free(d);
}

/* ---- grace ---------------------------------------------------------------- */

static void test_grace_boundary(void **state)
{
  fx *f = *state;
  wl_schedule_row s[] = {{"a1", H(9, 0), H(10, 0), "phone"}};
  wl_state_row t[] = {{"a1", H(9, 0), H(9, 10), "available", "1"},
                      {"a1", H(9, 10), H(9, 15), "break", "3"},
                      {"a1", H(9, 15), H(10, 0), "available", "1"}};
  size_t n;
  wl_adh_day *d = compute(&n, f, f->utc, s, 1, t, 3, 300, 0, D0, D0 + 86400, D0 + 86400);
  assert_int_equal(n, 1);
  assert_int_equal(d[0].in_s, 3600); /* stretch == grace: forgiven */
  assert_int_equal(d[0].out_s, 0);
  free(d);
  d = compute(&n, f, f->utc, s, 1, t, 3, 299, 0, D0, D0 + 86400, D0 + 86400);
  assert_int_equal(d[0].in_s, 3300);
  assert_int_equal(d[0].out_s, 300);
  free(d);
  t[1].end_utc = t[2].start_utc = H(9, 15) + 1; /* 301 s */
  d = compute(&n, f, f->utc, s, 1, t, 3, 300, 0, D0, D0 + 86400, D0 + 86400);
  assert_int_equal(d[0].in_s, 3299);
  assert_int_equal(d[0].out_s, 301);
  free(d);
}

/* Two out pieces that touch form one stretch even when the activity and
 * the state both change between them. */
static void test_grace_stretch_spans_pieces(void **state)
{
  fx *f = *state;
  wl_schedule_row s[] = {{"a1", H(9, 0), H(10, 0), "phone"},
                         {"a1", H(10, 0), H(11, 0), "break"}};
  wl_state_row t[] = {{"a1", H(9, 0), H(9, 57), "available", "1"},
                      {"a1", H(9, 57), H(10, 0), "break", "3"},     /* out 180 */
                      {"a1", H(10, 0), H(10, 2), "available", "1"}, /* out 120 */
                      {"a1", H(10, 2), H(11, 0), "break", "3"}};
  size_t n;
  wl_adh_day *d = compute(&n, f, f->utc, s, 2, t, 4, 299, 0, D0, D0 + 86400, D0 + 86400);
  assert_int_equal(d[0].out_s, 300);
  free(d);
  d = compute(&n, f, f->utc, s, 2, t, 4, 300, 0, D0, D0 + 86400, D0 + 86400);
  assert_int_equal(d[0].out_s, 0);
  assert_int_equal(d[0].in_s, 7200);
  free(d);
}

/* Unscheduled time ends a stretch: two 200 s pieces around an unscheduled
 * gap are two stretches. */
static void test_grace_unscheduled_breaks_stretch(void **state)
{
  fx *f = *state;
  wl_schedule_row s[] = {{"a1", H(9, 0), H(10, 0), "phone"},
                         {"a1", H(10, 1), H(11, 0), "phone"}};
  wl_state_row t[] = {{"a1", H(9, 0), H(10, 0) - 200, "available", "1"},
                      {"a1", H(10, 0) - 200, H(10, 1) + 200, "break", "3"},
                      {"a1", H(10, 1) + 200, H(11, 0), "available", "1"}};
  size_t n;
  wl_adh_day *d = compute(&n, f, f->utc, s, 2, t, 3, 200, 0, D0, D0 + 86400, D0 + 86400);
  assert_int_equal(d[0].out_s, 0);
  assert_int_equal(d[0].in_s, 7140);
  free(d);
  d = compute(&n, f, f->utc, s, 2, t, 3, 199, 1, D0, D0 + 86400, D0 + 86400);
  assert_int_equal(d[0].out_s, 400);
  assert_int_equal(d[0].in_s, 6740);
  free(d);
}

/* A stretch over local midnight is judged whole, then split over the days. */
static void test_grace_across_midnight(void **state)
{
  fx *f = *state;
  int64_t mid = NY_1104; /* 2024-11-04 00:00 New York */
  wl_schedule_row s[] = {{"a1", mid - 3600, mid + 3600, "phone"}};
  wl_state_row t[] = {{"a1", mid - 3600, mid - 120, "available", "1"},
                      {"a1", mid - 120, mid + 180, "logged_out", "0"},
                      {"a1", mid + 180, mid + 3600, "available", "1"}};
  size_t n;
  /* grace 200: each day's part (120, 180) fits, the stretch (300) does not */
  wl_adh_day *d = compute(&n, f, f->ny, s, 1, t, 3, 200, 0, 0, INT64_MAX, mid + 86400);
  assert_int_equal(n, 2);
  expect_day(&d[0], "a1", "2024-11-03", 3600, 3480, 120, 0, 0, 3480, 3600);
  expect_day(&d[1], "a1", "2024-11-04", 3600, 3420, 180, 0, 0, 3420, 3600);
  assert_int_equal(d[0].day_start_utc, NY_1103);
  assert_int_equal(d[0].day_end_utc, NY_1104);
  free(d);
  /* grace 300 forgives the whole stretch on both days */
  d = compute(&n, f, f->ny, s, 1, t, 3, 300, 0, 0, INT64_MAX, mid + 86400);
  assert_int_equal(n, 2);
  expect_day(&d[0], "a1", "2024-11-03", 3600, 3600, 0, 0, 0, 3480, 3600);
  expect_day(&d[1], "a1", "2024-11-04", 3600, 3600, 0, 0, 0, 3420, 3600);
  free(d);
  /* a range of the first day only still sees the stretch whole */
  d = compute(&n, f, f->ny, s, 1, t, 3, 200, 0, NY_1103, NY_1104, mid + 86400);
  assert_int_equal(n, 1);
  expect_day(&d[0], "a1", "2024-11-03", 3600, 3480, 120, 0, 0, 3480, 3600);
  free(d);
}

/* ---- days, ranges, now ----------------------------------------------------- */

static void test_dst_days(void **state)
{
  fx *f = *state;
  wl_schedule_row s[] = {{"a1", NY_0310, NY_0311, "phone"}, {"a1", NY_1103, NY_1104, "phone"}};
  wl_state_row t[] = {{"a1", NY_0310, NY_0311, "available", "1"},
                      {"a1", NY_1103, NY_1104, "busy", "2"}};
  size_t n;
  wl_adh_day *d = compute(&n, f, f->ny, s, 2, t, 2, 0, 0, NY_0310 - 86400 * 3,
                          NY_1104 + 86400 * 3, NY_1104 + 86400 * 10);
  assert_int_equal(n, 2);
  expect_day(&d[0], "a1", "2024-03-10", 82800, 82800, 0, 0, 0, 82800, 82800);
  expect_day(&d[1], "a1", "2024-11-03", 90000, 90000, 0, 0, 0, 90000, 90000);
  assert_int_equal(d[0].day_end_utc - d[0].day_start_utc, 82800);
  assert_int_equal(d[1].day_end_utc - d[1].day_start_utc, 90000);
  free(d);
  /* one segment over three local days, 12:00 to 12:00, is split at midnights */
  wl_schedule_row s2[] = {{"a1", NY_0310 - 12 * 3600, NY_0311 + 12 * 3600, "phone"}};
  d = compute(&n, f, f->ny, s2, 1, NULL, 0, 0, 0, 0, INT64_MAX, NY_0310);
  assert_int_equal(n, 3);
  expect_day(&d[0], "a1", "2024-03-09", 43200, 0, 0, 43200, 43200, 0, 43200);
  expect_day(&d[1], "a1", "2024-03-10", 82800, 0, 0, 82800, 82800, 0, 82800);
  expect_day(&d[2], "a1", "2024-03-11", 43200, 0, 0, 43200, 43200, 0, 43200);
  free(d);
}

static void test_range_not_on_midnight(void **state)
{
  fx *f = *state;
  wl_schedule_row s[] = {{"a1", H(9, 0), H(17, 0), "phone"}};
  wl_state_row t[] = {{"a1", H(0, 0), H(9, 30), "logged_out", "0"},
                      {"a1", H(9, 30), H(17, 30), "available", "1"},
                      {"a1", H(17, 30), H(24, 0), "logged_out", "0"}};
  size_t n;
  wl_adh_day *d = compute(&n, f, f->utc, s, 1, t, 3, 0, 0, H(10, 0), H(16, 0), D0 + 86400);
  assert_int_equal(n, 1);
  expect_day(&d[0], "a1", "2024-05-06", 21600, 21600, 0, 0, 0, 21600, 21600);
  assert_int_equal(d[0].day_start_utc, D0);
  free(d);
  d = compute(&n, f, f->utc, s, 1, t, 3, 0, 0, H(9, 15), H(9, 45), D0 + 86400);
  assert_int_equal(n, 1);
  expect_day(&d[0], "a1", "2024-05-06", 1800, 900, 900, 0, 0, 900, 1800);
  free(d);
  /* a range with no scheduled or worked time gives no row */
  d = compute(&n, f, f->utc, s, 1, t, 3, 0, 0, H(18, 0), H(23, 0), D0 + 86400);
  assert_int_equal(n, 0);
  assert_null(d);
  /* an empty or inverted range gives no row */
  d = compute(&n, f, f->utc, s, 1, t, 3, 0, 0, H(12, 0), H(12, 0), D0 + 86400);
  assert_int_equal(n, 0);
  d = compute(&n, f, f->utc, s, 1, t, 3, 0, 0, H(13, 0), H(12, 0), D0 + 86400);
  assert_int_equal(n, 0);
}

static void test_open_state_until_now(void **state)
{
  fx *f = *state;
  wl_schedule_row s[] = {{"a1", H(9, 0), H(17, 0), "phone"}};
  wl_state_row t[] = {{"a1", H(8, 0), H(9, 0), "logged_out", "0"},
                      {"a1", H(9, 0), WL_OPEN_END, "available", "1"}};
  size_t n;
  wl_adh_day *d = compute(&n, f, f->utc, s, 1, t, 2, 0, 0, D0, D0 + 86400, H(12, 0));
  assert_int_equal(n, 1);
  /* 09:00-12:00 available; after now nothing is observed yet: unknown */
  expect_day(&d[0], "a1", "2024-05-06", 28800, 10800, 0, 18000, 18000, 10800, 28800);
  expect_pcts(&d[0], "100.0", "37.5");
  free(d);
  /* a closed row that ends after now is cut at now as well */
  t[1].end_utc = H(20, 0);
  d = compute(&n, f, f->utc, s, 1, t, 2, 0, 0, D0, D0 + 86400, H(12, 0));
  expect_day(&d[0], "a1", "2024-05-06", 28800, 10800, 0, 18000, 18000, 10800, 28800);
  free(d);
  /* an open row that starts after now counts nothing */
  t[1].start_utc = H(13, 0);
  t[1].end_utc = WL_OPEN_END;
  d = compute(&n, f, f->utc, s, 1, t, 2, 0, 0, D0, D0 + 86400, H(12, 0));
  expect_day(&d[0], "a1", "2024-05-06", 28800, 0, 0, 28800, 28800, 0, 28800);
  free(d);
}

static void test_rows_and_order(void **state)
{
  fx *f = *state;
  /* unsorted input, two agents; b works unscheduled on day 2 only; c is
   * only logged out (no row); a has schedule only */
  wl_schedule_row s[] = {{"b", H(9, 0), H(10, 0), "phone"}, {"a", H(9, 0), H(10, 0), "phone"}};
  wl_state_row t[] = {{"c", H(9, 0), H(10, 0), "logged_out", "0"},
                      {"b", H(24 + 9, 0), H(24 + 10, 0), "offline", "4"},
                      {"b", H(9, 0), H(10, 0), "wrap", "5"}};
  size_t n;
  wl_adh_day *d = compute(&n, f, f->utc, s, 2, t, 3, 0, 0, 0, INT64_MAX, D0 + 86400 * 3);
  assert_int_equal(n, 3);
  expect_day(&d[0], "a", "2024-05-06", 3600, 0, 0, 3600, 3600, 0, 3600);
  expect_day(&d[1], "b", "2024-05-06", 3600, 3600, 0, 0, 0, 3600, 3600);
  expect_day(&d[2], "b", "2024-05-07", 0, 0, 0, 0, 0, 3600, 0);
  expect_pcts(&d[2], "", "");
  expect_pcts(&d[0], "", "0.0");
  free(d);
}

/* Overlapping rows of one agent: each ends where the next begins. */
static void test_overlap_resolution(void **state)
{
  fx *f = *state;
  wl_schedule_row s[] = {{"a1", H(9, 0), H(11, 0), "phone"}, {"a1", H(10, 0), H(10, 30), "break"}};
  wl_state_row t[] = {{"a1", H(9, 0), H(12, 0), "available", "1"}};
  size_t n;
  wl_adh_day *d = compute(&n, f, f->utc, s, 2, t, 1, 0, 0, D0, D0 + 86400, D0 + 86400);
  assert_int_equal(n, 1);
  /* phone 9:00-10:00 (in), break 10:00-10:30 (out); phone does not resume */
  expect_day(&d[0], "a1", "2024-05-06", 5400, 3600, 1800, 0, 0, 10800, 3600);
  free(d);

  /* equal starts: the later input row wins, whichever way the input is put
   * in order (already sorted / agents out of order / rows out of order) */
  wl_schedule_row sorted[] = {{"a1", H(9, 0), H(10, 0), "phone"},
                              {"a1", H(9, 0), H(11, 0), "break"},
                              {"z", H(9, 0), H(10, 0), "phone"}};
  wl_schedule_row by_runs[] = {{"z", H(9, 0), H(10, 0), "phone"},
                               {"a1", H(9, 0), H(10, 0), "phone"},
                               {"a1", H(9, 0), H(11, 0), "break"}};
  wl_schedule_row full[] = {{"a1", H(9, 0), H(10, 0), "phone"},
                            {"z", H(9, 0), H(10, 0), "phone"},
                            {"a1", H(9, 0), H(11, 0), "break"}};
  const wl_schedule_row *variants[] = {sorted, by_runs, full};
  for (size_t v = 0; v < N(variants); v++) {
    d = compute(&n, f, f->utc, variants[v], 3, t, 1, 0, 0, D0, D0 + 86400, D0 + 86400);
    assert_int_equal(n, 2);
    expect_day(&d[0], "a1", "2024-05-06", 7200, 0, 7200, 0, 0, 10800, 0);
    expect_day(&d[1], "z", "2024-05-06", 3600, 0, 0, 3600, 3600, 0, 3600);
    free(d);
  }
}

/* Many agents (the id table grows several times), in three orders: the
 * result is the same rows. */
static void test_many_agents_any_order(void **state)
{
  fx *f = *state;
  enum { NA = 1500 };
  static char ids[NA][12];
  static wl_schedule_row s[NA], s2[NA];
  static wl_state_row t[2 * NA], t2[2 * NA];
  for (int a = 0; a < NA; a++) {
    snprintf(ids[a], sizeof(ids[a]), "ag%05d", a);
    s[a] = (wl_schedule_row){ids[a], H(9, 0), H(10, 0), a % 3 ? "phone" : "break"};
    t[2 * a] = (wl_state_row){ids[a], H(9, 0), H(9, 0) + a, "available", "1"};
    t[2 * a + 1] = (wl_state_row){ids[a], H(9, 0) + a, H(11, 0), "break", "3"};
  }
  size_t n, n2;
  wl_adh_day *want = compute(&n, f, f->utc, s, NA, t, 2 * NA, 60, 1, D0, D0 + 86400, D0 + 86400);
  assert_int_equal(n, NA);
  assert_string_equal(want[7].agent_id, "ag00007");
  assert_int_equal(want[7].out_s, 3600 - 7);   /* phone: out on break */
  assert_int_equal(want[9].in_s, 3600);        /* break: out while available 9 s, */
  assert_int_equal(want[9].out_s, 0);          /* forgiven (grace 60) */
  assert_int_equal(want[999].in_s, 3600 - 999);
  assert_int_equal(want[999].out_s, 999);
  for (int order = 0; order < 2; order++) {
    for (int a = 0; a < NA; a++) { /* agents reversed, rows kept together */
      int b = order ? (a * 7919) % NA : NA - 1 - a; /* or scattered */
      s2[a] = s[b];
      t2[2 * a] = t[2 * b + (order ? 1 : 0)];
      t2[2 * a + 1] = t[2 * b + (order ? 0 : 1)];
    }
    wl_adh_day *got = compute(&n2, f, f->utc, s2, NA, t2, 2 * NA, 60, 1, D0, D0 + 86400,
                              D0 + 86400);
    assert_int_equal(n2, n);
    for (size_t i = 0; i < n; i++) {
      assert_string_equal(got[i].agent_id, want[i].agent_id);
      assert_int_equal(got[i].in_s, want[i].in_s);
      assert_int_equal(got[i].out_s, want[i].out_s);
      assert_int_equal(got[i].worked_s, want[i].worked_s);
    }
    free(got);
  }
  free(want);
}

/* ---- rules ------------------------------------------------------------------ */

static void test_rules_override(void **state)
{
  fx *f = *state;
  wl_rule_row rows[] = {{"training", "offline", "in", "work"},
                        {"phone", "break", "neutral", NULL},
                        {"coaching", "available", "in", "rest"},
                        {"lunch", "unknown", "in", ""}};
  wl_adh_rules *r;
  assert_int_equal(wl_adh_rules_new(&r, rows, N(rows)), 0);
  assert_int_equal(wl_adh_rules_verdict(r, "training", "offline"), WL_ADH_IN);
  assert_int_equal(wl_adh_rules_verdict(r, "training", "available"), WL_ADH_OUT);
  assert_int_equal(wl_adh_rules_verdict(r, "training", "unknown"), WL_ADH_NEUTRAL);
  assert_int_equal(wl_adh_rules_verdict(r, "phone", "break"), WL_ADH_NEUTRAL);
  assert_int_equal(wl_adh_rules_verdict(r, "phone", "busy"), WL_ADH_IN);
  assert_int_equal(wl_adh_rules_verdict(r, "lunch", "unknown"), WL_ADH_NEUTRAL);
  assert_int_equal(wl_adh_rules_verdict(r, "nosuch", "available"), WL_ADH_OUT);
  assert_int_equal(wl_adh_rules_verdict(r, "nosuch", "unknown"), WL_ADH_NEUTRAL);
  assert_int_equal(wl_adh_rules_is_work(r, "training"), 1);
  assert_int_equal(wl_adh_rules_is_work(r, "coaching"), 0);
  assert_int_equal(wl_adh_rules_is_work(r, "lunch"), 0);
  assert_int_equal(wl_adh_rules_is_work(r, "nosuch"), 1);

  wl_schedule_row s[] = {{"a1", H(9, 0), H(10, 0), "training"},
                         {"a1", H(10, 0), H(11, 0), "phone"},
                         {"a1", H(11, 0), H(12, 0), "coaching"}};
  wl_state_row t[] = {{"a1", H(9, 0), H(10, 0), "offline", "4"},
                      {"a1", H(10, 0), H(11, 0), "break", "3"},
                      {"a1", H(11, 0), H(12, 0), "available", "1"}};
  wl_adh_settings set = {0, 0};
  wl_adh_day *d;
  size_t n;
  assert_int_equal(wl_adh_compute(&d, &n, s, 3, t, 3, r, &set, f->utc, D0, D0 + 86400, D0 + 86400), 0);
  assert_int_equal(n, 1);
  expect_day(&d[0], "a1", "2024-05-06", 10800, 7200, 0, 3600, 0, 7200, 7200);
  free(d);
  /* with the built-in table: training unknown to it (work, all out),
   * phone on break out, coaching likewise */
  assert_int_equal(wl_adh_compute(&d, &n, s, 3, t, 3, f->rules, &set, f->utc, D0, D0 + 86400, D0 + 86400), 0);
  expect_day(&d[0], "a1", "2024-05-06", 10800, 0, 10800, 0, 0, 7200, 10800);
  free(d);
  wl_adh_rules_free(r);
}

static int count_rule(void *payload, const wl_rule_row *row)
{
  int *c = payload;
  if (strcmp(row->activity, "break") == 0 && strcmp(row->state, "logged_out") == 0) {
    assert_string_equal(row->verdict, "in");
    assert_string_equal(row->kind, "rest");
  }
  if (strcmp(row->state, "unknown") == 0)
    assert_string_equal(row->verdict, "neutral");
  (*c)++;
  return 0;
}

static void test_rules_table(void **state)
{
  fx *f = *state;
  const wl_rule_row *rows;
  size_t n, in = 0;
  wl_adh_default_rules(&rows, &n);
  assert_int_equal(n, 32);
  for (size_t i = 0; i < n; i++)
    in += strcmp(rows[i].verdict, "in") == 0;
  assert_int_equal(in, 4 + 1 + 2 + 2);
  int c = 0;
  assert_int_equal(wl_adh_rules_each(f->rules, count_rule, &c), 0);
  assert_int_equal(c, 32);

  wl_adh_rules *r = (wl_adh_rules *)1;
  wl_rule_row bad1 = {"phone", "sleeping", "in", NULL};
  wl_rule_row bad2 = {"phone", "busy", "maybe", NULL};
  wl_rule_row bad3 = {"", "busy", "in", NULL};
  wl_rule_row bad4 = {"phone", "busy", "in", "play"};
  assert_int_equal(wl_adh_rules_new(&r, &bad1, 1), WL_EUSAGE);
  assert_null(r);
  assert_non_null(strstr(wl_errmsg(), "sleeping"));
  assert_int_equal(wl_adh_rules_new(&r, &bad2, 1), WL_EUSAGE);
  assert_int_equal(wl_adh_rules_new(&r, &bad3, 1), WL_EUSAGE);
  assert_int_equal(wl_adh_rules_new(&r, &bad4, 1), WL_EUSAGE);
}

/* ---- percentages ------------------------------------------------------------ */

static void expect_pct(int64_t num, int64_t den, const char *want)
{
  char buf[32];
  assert_int_equal(wl_adh_pct(buf, sizeof(buf), num, den), 0);
  assert_string_equal(buf, want);
}

static void test_pct(void **state)
{
  (void)state;
  expect_pct(450, 480, "93.8"); /* 93.75 */
  expect_pct(250, 300, "83.3");
  expect_pct(50, 70, "71.4");
  expect_pct(170, 180, "94.4");
  expect_pct(2, 3, "66.7");
  expect_pct(1, 2000, "0.1");  /* 0.05: half away from zero */
  expect_pct(1, 2001, "0.0");  /* just under the half */
  expect_pct(-1, 2000, "-0.1");
  expect_pct(-1, 3000, "0.0"); /* no "-0.0" */
  expect_pct(0, 5, "0.0");
  expect_pct(21, 20, "105.0");
  expect_pct(7, 0, "");
  expect_pct(1000000000000000LL, 1, "100000000000000000.0");
  char small[4];
  assert_int_equal(wl_adh_pct(small, sizeof(small), 1, 1), WL_EUSAGE);
  assert_int_equal(wl_adh_pct(small, sizeof(small), INT64_MAX, 1), WL_EUSAGE);
}

/* ---- exceptions and timeline ------------------------------------------------- */

static void test_exceptions(void **state)
{
  fx *f = *state;
  wl_adh_settings set = {0, 0};
  wl_adh_exception *x;
  size_t n;
  assert_int_equal(wl_adh_exceptions(&x, &n, ex3_s, 3, ex3_t, 3, f->rules, &set, D0,
                                     D0 + 86400, H(13, 0)), 0);
  assert_int_equal(n, 2);
  assert_string_equal(x[0].agent_id, "a1");
  assert_int_equal(x[0].start_utc, H(10, 0));
  assert_int_equal(x[0].end_utc, H(10, 5));
  assert_string_equal(x[0].activity, "break");
  assert_string_equal(x[0].state, "available");
  assert_int_equal(x[1].start_utc, H(10, 15));
  assert_int_equal(x[1].end_utc, H(10, 20));
  assert_string_equal(x[1].activity, "phone");
  assert_string_equal(x[1].state, "break");
  assert_int_equal(x[1].stretch_start_utc, H(10, 15));
  assert_int_equal(x[1].stretch_end_utc, H(10, 20));
  free(x);
  set.grace_s = 300;
  assert_int_equal(wl_adh_exceptions(&x, &n, ex3_s, 3, ex3_t, 3, f->rules, &set, D0,
                                     D0 + 86400, H(13, 0)), 0);
  assert_int_equal(n, 0);
  assert_null(x);

  /* one stretch, three state rows: touching rows of one state merge, a new
   * state starts a new piece; unscheduled working (flag on) is "" activity;
   * the range cuts pieces but not the stretch bounds */
  wl_schedule_row s[] = {{"a1", H(10, 0), H(10, 15), "break"}};
  wl_state_row t[] = {{"a1", H(10, 0), H(10, 2), "available", "1"},
                      {"a1", H(10, 2), H(10, 5), "available", "1"},
                      {"a1", H(10, 5), H(10, 20), "busy", "2"}};
  set.grace_s = 0;
  set.count_unscheduled_work = 1;
  assert_int_equal(wl_adh_exceptions(&x, &n, s, 1, t, 3, f->rules, &set, H(10, 1), D0 + 86400,
                                     H(13, 0)), 0);
  assert_int_equal(n, 3);
  assert_int_equal(x[0].start_utc, H(10, 1));
  assert_int_equal(x[0].end_utc, H(10, 5));
  assert_string_equal(x[0].state, "available");
  assert_int_equal(x[1].start_utc, H(10, 5));
  assert_int_equal(x[1].end_utc, H(10, 15));
  assert_string_equal(x[1].activity, "break");
  assert_string_equal(x[1].state, "busy");
  assert_int_equal(x[2].start_utc, H(10, 15));
  assert_int_equal(x[2].end_utc, H(10, 20));
  assert_string_equal(x[2].activity, "");
  assert_string_equal(x[2].state, "busy");
  for (int i = 0; i < 3; i++) {
    assert_int_equal(x[i].stretch_start_utc, H(10, 0));
    assert_int_equal(x[i].stretch_end_utc, H(10, 20));
  }
  free(x);
}

static void expect_piece(const wl_adh_piece *p, int64_t s, int64_t e, const char *act,
                         const char *st, int observed, wl_adh_verdict v, int forgiven)
{
  assert_int_equal(p->start_utc, s);
  assert_int_equal(p->end_utc, e);
  assert_string_equal(p->activity, act);
  assert_string_equal(p->state, st);
  assert_int_equal(p->observed, observed);
  assert_int_equal(p->verdict, v);
  assert_int_equal(p->forgiven, forgiven);
}

static void test_timeline(void **state)
{
  fx *f = *state;
  wl_schedule_row s[4];
  wl_state_row t[5];
  memcpy(s, ex3_s, sizeof(ex3_s));
  s[3] = (wl_schedule_row){"b2", H(9, 0), H(9, 30), "phone"};
  t[0] = (wl_state_row){"a1", H(8, 0), H(9, 0), "logged_out", "0"};
  memcpy(&t[1], ex3_t, sizeof(ex3_t));
  t[4] = (wl_state_row){"zz", H(20, 0), H(21, 0), "busy", "2"}; /* outside the range */
  wl_adh_settings set = {300, 0};
  wl_adh_timeline *tl;
  assert_int_equal(wl_adh_timeline_new(&tl, s, 4, t, 5, f->rules, &set, H(8, 30), H(11, 0),
                                       H(13, 0)), 0);
  assert_int_equal(tl->nagents, 2);
  assert_string_equal(tl->agents[0].agent_id, "a1");
  assert_int_equal(tl->agents[0].first, 0);
  assert_int_equal(tl->agents[0].count, 6);
  const wl_adh_piece *p = tl->pieces;
  expect_piece(&p[0], H(8, 30), H(9, 0), "", "logged_out", 1, WL_ADH_UNSCHEDULED, 0);
  expect_piece(&p[1], H(9, 0), H(10, 0), "phone", "available", 1, WL_ADH_IN, 0);
  expect_piece(&p[2], H(10, 0), H(10, 5), "break", "available", 1, WL_ADH_OUT, 1);
  expect_piece(&p[3], H(10, 5), H(10, 15), "break", "break", 1, WL_ADH_IN, 0);
  expect_piece(&p[4], H(10, 15), H(10, 20), "phone", "break", 1, WL_ADH_OUT, 1);
  expect_piece(&p[5], H(10, 20), H(11, 0), "phone", "available", 1, WL_ADH_IN, 0);
  assert_string_equal(tl->agents[1].agent_id, "b2");
  assert_int_equal(tl->agents[1].first, 6);
  assert_int_equal(tl->agents[1].count, 1);
  expect_piece(&p[6], H(9, 0), H(9, 30), "phone", "unknown", 0, WL_ADH_NEUTRAL, 0);
  assert_int_equal(tl->npieces, 7);
  assert_string_equal(wl_adh_verdict_name(p[0].verdict), "unscheduled");
  wl_adh_timeline_free(tl);
}

/* ---- RTA --------------------------------------------------------------------- */

static wl_adh_rta_row rta(const fx *f, const wl_schedule_row *s, size_t ns,
                          const wl_state_row *t, size_t nt, int unsched, int64_t now,
                          int healthy)
{
  wl_adh_settings set = {600, unsched}; /* grace plays no part in RTA */
  wl_adh_rta_row r;
  if (wl_adh_rta(&r, s, ns, t, nt, f->rules, &set, now, 300, healthy, H(8, 0)))
    fail_msg("wl_adh_rta: %s", wl_errmsg());
  return r;
}

static void test_rta(void **state)
{
  fx *f = *state;
  wl_schedule_row s[] = {{"a1", H(9, 0), H(10, 0), "phone"},
                         {"a1", H(10, 0), H(10, 15), "break"},
                         {"a1", H(10, 15), H(12, 0), "phone"}};
  wl_state_row t[] = {{"a1", H(9, 0), H(9, 30), "available", "1"},
                      {"a1", H(9, 30), WL_OPEN_END, "busy", "2"}};
  /* in */
  wl_adh_rta_row r = rta(f, s, 3, t, 2, 0, H(9, 45), 1);
  assert_string_equal(r.agent_id, "a1");
  assert_string_equal(r.state, "busy");
  assert_string_equal(r.vendor_code, "2");
  assert_int_equal(r.since, H(9, 30));
  assert_string_equal(r.activity, "phone");
  assert_int_equal(r.activity_start, H(9, 0));
  assert_int_equal(r.activity_end, H(10, 0));
  assert_int_equal(r.verdict, WL_ADH_IN);
  assert_int_equal(r.out_for_s, 0);
  assert_int_equal(r.alerting, 0);
  /* busy during the break: out since 10:00, across the activity change */
  r = rta(f, s, 3, t, 2, 0, H(10, 5), 1);
  assert_string_equal(r.activity, "break");
  assert_int_equal(r.verdict, WL_ADH_OUT);
  assert_int_equal(r.out_for_s, 300);
  assert_int_equal(r.alerting, 0); /* 300 is not more than 300 */
  r = rta(f, s, 3, t, 2, 0, H(10, 5) + 1, 1);
  assert_int_equal(r.out_for_s, 301);
  assert_int_equal(r.alerting, 1);
  /* the stretch spans state changes when the history is given */
  wl_state_row t2[] = {{"a1", H(9, 0), H(10, 2), "available", "1"},
                       {"a1", H(10, 2), H(10, 4), "busy", "2"},
                       {"a1", H(10, 4), WL_OPEN_END, "wrap", "5"}};
  r = rta(f, s, 3, t2, 3, 0, H(10, 6), 1);
  assert_string_equal(r.state, "wrap");
  assert_int_equal(r.since, H(10, 4));
  assert_int_equal(r.out_for_s, 360);
  assert_int_equal(r.alerting, 1);
  /* only the current row given: the stretch starts with it */
  r = rta(f, s, 3, &t2[2], 1, 0, H(10, 6), 1);
  assert_int_equal(r.out_for_s, 120);
  assert_int_equal(r.alerting, 0);
  /* feed down: unknown since the last good poll, neutral, no alert */
  r = rta(f, s, 3, t, 2, 0, H(10, 10), 0);
  assert_string_equal(r.state, "unknown");
  assert_string_equal(r.vendor_code, "");
  assert_int_equal(r.since, H(8, 0));
  assert_string_equal(r.activity, "break");
  assert_int_equal(r.verdict, WL_ADH_NEUTRAL);
  assert_int_equal(r.out_for_s, 0);
  assert_int_equal(r.alerting, 0);
  /* unknown state from a healthy feed: neutral */
  wl_state_row t3[] = {{"a1", H(9, 0), WL_OPEN_END, "unknown", "7"}};
  r = rta(f, s, 3, t3, 1, 0, H(10, 10), 1);
  assert_string_equal(r.state, "unknown");
  assert_string_equal(r.vendor_code, "7");
  assert_int_equal(r.verdict, WL_ADH_NEUTRAL);
  /* last row ended before now: unknown since its end */
  wl_state_row t4[] = {{"a1", H(9, 0), H(9, 50), "break", "3"}};
  r = rta(f, s, 3, t4, 1, 0, H(10, 10), 1);
  assert_string_equal(r.state, "unknown");
  assert_int_equal(r.since, H(9, 50));
  assert_int_equal(r.verdict, WL_ADH_NEUTRAL);
  /* no rows at all */
  r = rta(f, NULL, 0, NULL, 0, 0, H(10, 10), 1);
  assert_string_equal(r.agent_id, "");
  assert_string_equal(r.state, "unknown");
  assert_int_equal(r.since, 0);
  assert_string_equal(r.activity, "");
  assert_int_equal(r.verdict, WL_ADH_UNSCHEDULED);
  /* unscheduled and working: not counted, or out with the flag on */
  r = rta(f, s, 3, t, 2, 0, H(12, 10), 1);
  assert_string_equal(r.activity, "");
  assert_int_equal(r.activity_start, 0);
  assert_int_equal(r.verdict, WL_ADH_UNSCHEDULED);
  r = rta(f, s, 3, t, 2, 1, H(12, 10), 1);
  assert_int_equal(r.verdict, WL_ADH_OUT);
  assert_int_equal(r.out_for_s, 600);
  assert_int_equal(r.alerting, 1);
  /* rows of two agents are refused */
  wl_state_row mix[] = {{"a1", H(9, 0), H(9, 30), "available", "1"},
                        {"a2", H(9, 30), WL_OPEN_END, "busy", "2"}};
  wl_adh_settings set = {0, 0};
  assert_int_equal(wl_adh_rta(&r, s, 3, mix, 2, f->rules, &set, H(10, 0), 300, 1, 0), WL_EUSAGE);
}

static void test_bad_input(void **state)
{
  fx *f = *state;
  char longid[200];
  memset(longid, 'x', sizeof(longid) - 1);
  longid[sizeof(longid) - 1] = '\0';
  wl_schedule_row s[] = {{longid, H(9, 0), H(10, 0), "phone"}};
  wl_adh_settings set = {0, 0};
  wl_adh_day *d;
  size_t n;
  assert_int_equal(wl_adh_compute(&d, &n, s, 1, NULL, 0, f->rules, &set, f->utc, 0, INT64_MAX, 0),
                   WL_EUSAGE);
  assert_null(d);
  s[0].agent_id = "a1";
  set.grace_s = -1;
  assert_int_equal(wl_adh_compute(&d, &n, s, 1, NULL, 0, f->rules, &set, f->utc, 0, INT64_MAX, 0),
                   WL_EUSAGE);
  assert_int_equal(wl_adh_compute(&d, &n, s, 1, NULL, 0, NULL, NULL, f->utc, 0, INT64_MAX, 0),
                   WL_EUSAGE);
  /* NULL settings: the defaults; NULL zone: UTC */
  assert_int_equal(wl_adh_compute(&d, &n, s, 1, NULL, 0, f->rules, NULL, NULL, 0, INT64_MAX, 0), 0);
  assert_int_equal(n, 1);
  expect_day(&d[0], "a1", "2024-05-06", 3600, 0, 0, 3600, 3600, 0, 3600);
  free(d);
  /* instants far outside any calendar are refused, not overflowed */
  wl_schedule_row huge[] = {{"a1", 0, INT64_MAX, "phone"}};
  wl_adh_exception *x;
  wl_adh_rta_row r;
  assert_int_equal(wl_adh_compute(&d, &n, huge, 1, NULL, 0, f->rules, NULL, NULL, 0, INT64_MAX,
                                  0), WL_EUSAGE);
  assert_int_equal(wl_adh_exceptions(&x, &n, huge, 1, NULL, 0, f->rules, NULL, 0, INT64_MAX, 0),
                   WL_EUSAGE);
  assert_null(x);
  assert_int_equal(wl_adh_rta(&r, s, 1, NULL, 0, f->rules, NULL, INT64_MAX, 300, 1, 0),
                   WL_EUSAGE);
}

/* ---- randomized comparison with a second-by-second reference ------------------ */

static uint64_t rng;
static uint32_t rnd(void)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (uint32_t)(rng >> 16);
}
static int64_t rint_(int64_t lo, int64_t hi) /* [lo, hi] */
{
  return lo + (int64_t)(rnd() % (uint64_t)(hi - lo + 1));
}

static const char *const acts[] = {"phone", "offline", "break", "lunch", "training", "coaching"};
static const char *const sts[] = {"available", "offered", "busy", "wrap", "break",
                                  "offline", "logged_out", "unknown", "bogus"};
static const wl_rule_row custom_rows[] = {{"training", "offline", "in", "work"},
                                          {"training", "available", "neutral", NULL},
                                          {"phone", "wrap", "out", NULL},
                                          {"coaching", "break", "in", "rest"}};

static int in_list(const char *s, const char *const *l, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp(s, l[i]) == 0)
      return 1;
  return 0;
}

/* The definitions, written out plainly: 0 in, 1 out, 2 neutral. */
static int ref_verdict(const char *act, const char *st, int custom)
{
  static const char *const phone_in[] = {"available", "offered", "busy", "wrap"};
  static const char *const rest_in[] = {"break", "logged_out"};
  if (strcmp(st, "unknown") == 0)
    return 2;
  if (custom && strcmp(act, "training") == 0)
    return strcmp(st, "offline") == 0 ? 0 : strcmp(st, "available") == 0 ? 2 : 1;
  if (custom && strcmp(act, "phone") == 0 && strcmp(st, "wrap") == 0)
    return 1;
  if (custom && strcmp(act, "coaching") == 0)
    return strcmp(st, "break") == 0 ? 0 : 1;
  if (strcmp(act, "phone") == 0)
    return in_list(st, phone_in, 4) ? 0 : 1;
  if (strcmp(act, "offline") == 0)
    return strcmp(st, "offline") == 0 ? 0 : 1;
  if (strcmp(act, "break") == 0 || strcmp(act, "lunch") == 0)
    return in_list(st, rest_in, 2) ? 0 : 1;
  return 1;
}

static int ref_work_kind(const char *act, int custom)
{
  if (strcmp(act, "break") == 0 || strcmp(act, "lunch") == 0)
    return 0;
  return !(custom && strcmp(act, "coaching") == 0);
}

static int ref_working(const char *st)
{
  static const char *const w[] = {"available", "offered", "busy", "wrap", "offline"};
  return in_list(st, w, 5);
}

#define MAXR 24
#define NAG 3
typedef struct rcase {
  wl_schedule_row s[NAG * MAXR];
  wl_state_row t[NAG * MAXR];
  size_t ns, nt;
  int64_t lo, hi, from, to, now, grace;
  int unsched, custom;
  const wl_tz *tz;
} rcase;

static const char *const agents[NAG] = {"a", "b", "c"};

static int64_t rtime(int64_t t)
{
  return t + (rnd() % 2 ? rint_(1, 40) * 60 : rint_(1, 2400));
}

static void gen_case(rcase *c)
{
  c->ns = c->nt = 0;
  for (int a = 0; a < NAG; a++) {
    int64_t t = c->lo + rint_(0, 3600);
    for (int k = rint_(0, MAXR - 1); k > 0 && t < c->hi; k--) {
      int64_t e = rtime(t);
      if (e > c->hi)
        e = c->hi;
      c->s[c->ns++] = (wl_schedule_row){agents[a], t, e, acts[rnd() % N(acts)]};
      t = rnd() % 3 ? e : rtime(e);
    }
    t = c->lo + rint_(0, 3600);
    for (int k = rint_(0, MAXR - 1); k > 0 && t < c->hi; k--) {
      int64_t e = rtime(t);
      if (e > c->hi)
        e = c->hi;
      c->t[c->nt++] = (wl_state_row){agents[a], t, e, sts[rnd() % N(sts)], ""};
      t = rnd() % 4 ? e : rtime(e);
    }
    if (c->nt && strcmp(c->t[c->nt - 1].agent_id, agents[a]) == 0 && rnd() % 2)
      c->t[c->nt - 1].end_utc = WL_OPEN_END;
  }
  c->now = rint_(c->lo, c->hi + 3600);
  static const int64_t graces[] = {0, 30, 60, 299, 300, 1000, 5000};
  c->grace = graces[rnd() % N(graces)];
  c->unsched = rnd() % 2;
  c->custom = rnd() % 2;
  c->from = rnd() % 3 ? c->lo : rint_(c->lo, c->hi);
  c->to = rnd() % 3 ? c->hi : rint_(c->from, c->hi);
}

/* Per second: activity index (-1 none), state name (NULL unobserved). */
typedef struct ref_sec {
  const char *act;
  const char *st;
  int verdict; /* 0 in, 1 out, 2 neutral, 3 unscheduled */
  int forgiven;
} ref_sec;

/* The seconds reach an hour past hi: open states run to now, which may be
 * later, and a stretch there still counts for the grace. */
#define REF_TAIL 3600
static void ref_agent(ref_sec *sec, const rcase *c, const char *agent)
{
  int64_t n = c->hi + REF_TAIL - c->lo;
  for (int64_t i = 0; i < n; i++)
    sec[i] = (ref_sec){NULL, NULL, 3, 0};
  for (size_t k = 0; k < c->ns; k++)
    if (strcmp(c->s[k].agent_id, agent) == 0)
      for (int64_t t = c->s[k].start_utc; t < c->s[k].end_utc; t++)
        sec[t - c->lo].act = c->s[k].activity;
  for (size_t k = 0; k < c->nt; k++) {
    const wl_state_row *r = &c->t[k];
    if (strcmp(r->agent_id, agent) != 0)
      continue;
    int64_t e = r->end_utc == WL_OPEN_END || r->end_utc > c->now ? c->now : r->end_utc;
    for (int64_t t = r->start_utc; t < e; t++)
      sec[t - c->lo].st = in_list(r->state, sts, 8) ? r->state : "unknown";
  }
  for (int64_t i = 0; i < n; i++) {
    const char *st = sec[i].st ? sec[i].st : "unknown";
    if (sec[i].act)
      sec[i].verdict = ref_verdict(sec[i].act, st, c->custom);
    else if (c->unsched && ref_working(st))
      sec[i].verdict = 1;
  }
  for (int64_t i = 0; i < n;) {
    if (sec[i].verdict != 1) {
      i++;
      continue;
    }
    int64_t j = i;
    while (j < n && sec[j].verdict == 1)
      j++;
    for (int64_t k = i; k < j; k++)
      sec[k].forgiven = j - i <= c->grace;
    i = j;
  }
}

static size_t ref_days(wl_adh_day *out, const rcase *c, const ref_sec *sec, const char *agent)
{
  size_t nout = 0;
  int64_t lo = c->from > c->lo ? c->from : c->lo, hi = c->to < c->hi ? c->to : c->hi;
  wl_adh_day cur;
  int have = 0;
  for (int64_t t = lo; t < hi; t++) {
    if (!have || t >= cur.day_end_utc) {
      if (have && (cur.scheduled_s || cur.worked_s))
        out[nout++] = cur;
      memset(&cur, 0, sizeof(cur));
      cur.day_start_utc = wl_tz_day_start(c->tz, t);
      cur.day_end_utc = wl_tz_next_day_start(c->tz, t);
      wl_civil cv;
      wl_tz_to_civil(&cv, c->tz, t);
      snprintf(cur.date, sizeof(cur.date), "%04u-%02u-%02u", (unsigned)cv.year % 10000u,
               (unsigned)cv.month % 100u, (unsigned)cv.day % 100u);
      snprintf(cur.agent_id, sizeof(cur.agent_id), "%s", agent);
      have = 1;
    }
    const ref_sec *q = &sec[t - c->lo];
    const char *st = q->st ? q->st : "unknown";
    if (q->act) {
      cur.scheduled_s++;
      cur.scheduled_work_s += ref_work_kind(q->act, c->custom);
    } else if (q->verdict == 1) {
      cur.unscheduled_s++;
    }
    cur.worked_s += ref_working(st);
    if (q->verdict == 0 || (q->verdict == 1 && q->forgiven))
      cur.in_s++;
    else if (q->verdict == 1)
      cur.out_s++;
    else if (q->verdict == 2) {
      cur.neutral_s++;
      cur.unknown_s += strcmp(st, "unknown") == 0;
    }
  }
  if (have && (cur.scheduled_s || cur.worked_s))
    out[nout++] = cur;
  return nout;
}

static void shuffle(void *base, size_t n, size_t size)
{
  char tmp[256];
  char *a = base;
  for (size_t i = n; i > 1; i--) {
    size_t j = rnd() % i;
    memcpy(tmp, a + (i - 1) * size, size);
    memcpy(a + (i - 1) * size, a + j * size, size);
    memcpy(a + j * size, tmp, size);
  }
}

/* Agents c, b, a, each agent's rows still in order (agent_id is the first
 * member of both row types). */
static void reverse_agents(void *base, size_t n, size_t size)
{
  char *tmp = malloc(n * size + 1), *a = base;
  size_t at = 0;
  assert_non_null(tmp);
  for (int g = NAG - 1; g >= 0; g--)
    for (size_t i = 0; i < n; i++)
      if (strcmp(*(const char *const *)(a + i * size), agents[g]) == 0)
        memcpy(tmp + size * at++, a + i * size, size);
  assert_int_equal(at, n);
  memcpy(a, tmp, n * size);
  free(tmp);
}

static void test_random_vs_reference(void **state)
{
  fx *f = *state;
  wl_adh_rules *custom;
  assert_int_equal(wl_adh_rules_new(&custom, custom_rows, N(custom_rows)), 0);
  const int64_t bases[] = {D0, NY_0310, NY_0311, NY_1103, NY_1104};
  ref_sec *sec = malloc(sizeof(ref_sec) * (8 * 3600 + REF_TAIL));
  assert_non_null(sec);
  for (int seed = 1; seed <= 300; seed++) {
    rng = 0x9E3779B97F4A7C15ULL * (uint64_t)seed;
    rcase c;
    int b = seed % 5;
    c.tz = b == 0 ? f->utc : f->ny;
    c.lo = bases[b] - 4 * 3600;
    c.hi = bases[b] + 4 * 3600;
    gen_case(&c);
    wl_adh_settings set = {c.grace, c.unsched};
    const wl_adh_rules *rules = c.custom ? custom : f->rules;
    wl_adh_day want[16];
    size_t nwant = 0;
    for (int a = 0; a < NAG; a++) {
      ref_agent(sec, &c, agents[a]);
      nwant += ref_days(&want[nwant], &c, sec, agents[a]);
    }
    switch (rnd() % 3) { /* the sorted, the full-sort and the run-sort paths */
    case 0: break;
    case 1:
      shuffle(c.s, c.ns, sizeof(c.s[0]));
      shuffle(c.t, c.nt, sizeof(c.t[0]));
      break;
    case 2:
      reverse_agents(c.s, c.ns, sizeof(c.s[0]));
      reverse_agents(c.t, c.nt, sizeof(c.t[0]));
      break;
    }
    wl_adh_day *got;
    size_t ngot;
    assert_int_equal(wl_adh_compute(&got, &ngot, c.s, c.ns, c.t, c.nt, rules, &set, c.tz,
                                    c.from, c.to, c.now), 0);
    if (ngot != nwant)
      fail_msg("seed %d: %zu rows, want %zu", seed, ngot, nwant);
    for (size_t i = 0; i < nwant; i++) {
      const wl_adh_day *g = &got[i], *w = &want[i];
      if (strcmp(g->agent_id, w->agent_id) || strcmp(g->date, w->date) ||
          g->day_start_utc != w->day_start_utc || g->day_end_utc != w->day_end_utc ||
          g->scheduled_s != w->scheduled_s || g->in_s != w->in_s || g->out_s != w->out_s ||
          g->neutral_s != w->neutral_s || g->unknown_s != w->unknown_s ||
          g->worked_s != w->worked_s || g->scheduled_work_s != w->scheduled_work_s ||
          g->unscheduled_s != w->unscheduled_s)
        fail_msg("seed %d row %zu (%s %s / %s %s): sch %lld/%lld in %lld/%lld out %lld/%lld "
                 "neu %lld/%lld unk %lld/%lld wrk %lld/%lld schw %lld/%lld uns %lld/%lld",
                 seed, i, g->agent_id, g->date, w->agent_id, w->date,
                 (long long)g->scheduled_s, (long long)w->scheduled_s, (long long)g->in_s,
                 (long long)w->in_s, (long long)g->out_s, (long long)w->out_s,
                 (long long)g->neutral_s, (long long)w->neutral_s, (long long)g->unknown_s,
                 (long long)w->unknown_s, (long long)g->worked_s, (long long)w->worked_s,
                 (long long)g->scheduled_work_s, (long long)w->scheduled_work_s,
                 (long long)g->unscheduled_s, (long long)w->unscheduled_s);
    }
    for (size_t i = 0; i < ngot; i++) /* the invariant adherence.h states */
      assert_int_equal(got[i].scheduled_s,
                       got[i].in_s + got[i].out_s + got[i].neutral_s - got[i].unscheduled_s);
    /* exceptions cover exactly the counted out time */
    wl_adh_exception *x;
    size_t nx;
    int64_t xsum = 0, osum = 0;
    assert_int_equal(wl_adh_exceptions(&x, &nx, c.s, c.ns, c.t, c.nt, rules, &set, c.from,
                                       c.to, c.now), 0);
    for (size_t i = 0; i < nx; i++)
      xsum += x[i].end_utc - x[i].start_utc;
    for (size_t i = 0; i < nwant; i++)
      osum += want[i].out_s;
    assert_int_equal(xsum, osum);
    free(x);
    free(got);
  }
  free(sec);
  wl_adh_rules_free(custom);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_example1),
      cmocka_unit_test(test_example2),
      cmocka_unit_test(test_example3),
      cmocka_unit_test(test_example4),
      cmocka_unit_test(test_grace_boundary),
      cmocka_unit_test(test_grace_stretch_spans_pieces),
      cmocka_unit_test(test_grace_unscheduled_breaks_stretch),
      cmocka_unit_test(test_grace_across_midnight),
      cmocka_unit_test(test_dst_days),
      cmocka_unit_test(test_range_not_on_midnight),
      cmocka_unit_test(test_open_state_until_now),
      cmocka_unit_test(test_rows_and_order),
      cmocka_unit_test(test_overlap_resolution),
      cmocka_unit_test(test_many_agents_any_order),
      cmocka_unit_test(test_rules_override),
      cmocka_unit_test(test_rules_table),
      cmocka_unit_test(test_pct),
      cmocka_unit_test(test_exceptions),
      cmocka_unit_test(test_timeline),
      cmocka_unit_test(test_rta),
      cmocka_unit_test(test_bad_input),
      cmocka_unit_test(test_random_vs_reference),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
