/* Reports over a real SQLite store: interval rows on DST days (100 and 92
 * rows, repeated local times told apart by offsets), day and week sums, AHT
 * from sums, and queues without contacts. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "core/app.h"
#include "core/report.h"
#include "util/timeutil.h"

typedef struct collected {
  char rows[400][4][64]; /* queue, start, entered, aht */
  char final[400][4];
  size_t n;
} collected;

static int collect(void *payload, const char *const *v)
{
  collected *c = payload;
  if (c->n < 400) {
    snprintf(c->rows[c->n][0], 64, "%s", v[0]);
    snprintf(c->rows[c->n][1], 64, "%s", v[2]);
    snprintf(c->rows[c->n][2], 64, "%s", v[3]);
    snprintf(c->rows[c->n][3], 64, "%s", v[7]);
    snprintf(c->final[c->n], 4, "%s", v[9]);
  }
  c->n++;
  return 0;
}

typedef struct fixture {
  char dir[256];
  wl_app *app;
  wl_source src;
} fixture;

static int setup(void **state)
{
  fixture *f = calloc(1, sizeof(*f));
  char dsn[300];
  const char *tmp = getenv("WL_TEST_TMP");
  snprintf(f->dir, sizeof(f->dir), "%s/wl-report-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (tmp && *tmp) {
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", tmp);
    if (system(cmd) != 0)
      return -1;
  }
  if (!mkdtemp(f->dir))
    return -1;
  snprintf(dsn, sizeof(dsn), "sqlite:%s/r.db", f->dir);
  if (wl_app_open(&f->app, dsn) != 0)
    return -1;
  snprintf(f->src.name, sizeof(f->src.name), "ny");
  snprintf(f->src.vendor, sizeof(f->src.vendor), "8x8");
  snprintf(f->src.base_url, sizeof(f->src.base_url), "https://x.8x8.com/api/");
  snprintf(f->src.tenant, sizeof(f->src.tenant), "t");
  snprintf(f->src.timezone, sizeof(f->src.timezone), "America/New_York");
  f->src.interval_s = 10;
  f->src.enabled = 1;
  if (wl_store_source_add(f->app->st, &f->src) != 0)
    return -1;
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  fixture *f = *state;
  char cmd[300];
  wl_app_free(f->app);
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
  if (system(cmd) != 0)
    return -1;
  free(f);
  return 0;
}

/* One row per 15 minutes in [from, to) for queue q: entered 2, accepted 1,
 * handle 100 s; q "b" only every other interval. */
static void fill(fixture *f, int64_t from, int64_t to)
{
  static wl_interval_row rows[4000];
  size_t n = 0;
  for (int64_t t = from; t < to; t += 900) {
    rows[n++] = (wl_interval_row){"a", t, 2, 1, 1, 100, 10, 1, 0};
    if (((t - from) / 900) % 2 == 0)
      rows[n++] = (wl_interval_row){"b", t, 3, 2, 0, 101, 0, 1, 0};
  }
  assert_int_equal(wl_store_intervals_replace(f->app->st, f->src.id, from, to, rows, n), 0);
}

static void dst_day(void **state, const char *date, const char *next, size_t want)
{
  fixture *f = *state;
  wl_tz *tz;
  wl_report_range r = {0};
  collected *c = calloc(1, sizeof(*c));
  assert_int_equal(wl_tz_load(&tz, "America/New_York"), 0);
  assert_int_equal(wl_time_parse_arg(&r.from, date, tz), 0);
  assert_int_equal(wl_time_parse_arg(&r.to, next, tz), 0);
  fill(f, r.from, r.to);
  r.filter = "a";
  assert_int_equal(wl_report_volume(f->app, &f->src, &r, WL_BY_INTERVAL, collect, c), 0);
  assert_int_equal(c->n, want);
  wl_tz_free(tz);
  free(c);
}

static void test_fall_back_day_has_100_interval_rows(void **state)
{
  fixture *f = *state;
  collected *c = calloc(1, sizeof(*c));
  wl_report_range r = {1730606400, 1730696400, "a", 0}; /* 2024-11-03 local */
  dst_day(state, "2024-11-03", "2024-11-04", 100);
  assert_int_equal(wl_report_volume(f->app, &f->src, &r, WL_BY_INTERVAL, collect, c), 0);
  /* 01:00-01:45 appear twice, first with -04:00 then with -05:00 */
  assert_string_equal(c->rows[4][1], "2024-11-03T01:00:00-04:00");
  assert_string_equal(c->rows[8][1], "2024-11-03T01:00:00-05:00");
  assert_string_equal(c->rows[99][1], "2024-11-03T23:45:00-05:00");
  free(c);
}

static void test_spring_forward_day_has_92_interval_rows(void **state)
{
  dst_day(state, "2024-03-10", "2024-03-11", 92);
}

static void test_day_and_week_sums_with_aht_from_sums(void **state)
{
  fixture *f = *state;
  collected *c = calloc(1, sizeof(*c));
  /* Monday 2024-10-28 .. Monday 2024-11-11 local: two weeks, DST inside */
  wl_report_range r = {1730088000, 1731301200, NULL, 0};
  fill(f, r.from, r.to);
  assert_int_equal(wl_report_volume(f->app, &f->src, &r, WL_BY_WEEK, collect, c), 0);
  assert_int_equal(c->n, 4); /* 2 weeks x 2 queues */
  assert_string_equal(c->rows[0][0], "a");
  assert_string_equal(c->rows[0][1], "2024-10-28T00:00:00-04:00");
  assert_string_equal(c->rows[0][2], "1352"); /* (6 x 96 + 100) intervals x 2: the 25-hour Sunday */
  assert_string_equal(c->rows[1][0], "b");
  assert_string_equal(c->rows[1][2], "1014"); /* 338 intervals x 3 */
  assert_string_equal(c->rows[1][3], "50.5");  /* 101 * 338 / (2 * 338) */
  assert_string_equal(c->rows[2][1], "2024-11-04T00:00:00-05:00");
  assert_string_equal(c->rows[2][2], "1344"); /* 7 x 96 intervals x 2 */
  assert_string_equal(c->final[0], "1");
  c->n = 0;
  assert_int_equal(wl_report_volume(f->app, &f->src, &r, WL_BY_DAY, collect, c), 0);
  assert_int_equal(c->n, 28);
  assert_string_equal(c->rows[0][3], "100.0");
  free(c);
}

static void test_queue_without_contacts_has_no_rows(void **state)
{
  fixture *f = *state;
  collected *c = calloc(1, sizeof(*c));
  wl_report_range r = {1730088000, 1731301200, "nobody", 1};
  fill(f, r.from, r.to);
  assert_int_equal(wl_report_volume(f->app, &f->src, &r, WL_BY_DAY, collect, c), 0);
  assert_int_equal(c->n, 0);
  free(c);
}

static void test_ratio_rounding(void **state)
{
  char b[32];
  (void)state;
  wl_fmt_ratio1(b, sizeof(b), 9375, 100);
  assert_string_equal(b, "93.8");
  wl_fmt_ratio1(b, sizeof(b), 250, 3);
  assert_string_equal(b, "83.3");
  wl_fmt_ratio1(b, sizeof(b), 1, 0);
  assert_string_equal(b, "");
  wl_fmt_ratio1(b, sizeof(b), 0, 5);
  assert_string_equal(b, "0.0");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_fall_back_day_has_100_interval_rows, setup, teardown),
    cmocka_unit_test_setup_teardown(test_spring_forward_day_has_92_interval_rows, setup, teardown),
    cmocka_unit_test_setup_teardown(test_day_and_week_sums_with_aht_from_sums, setup, teardown),
    cmocka_unit_test_setup_teardown(test_queue_without_contacts_has_no_rows, setup, teardown),
    cmocka_unit_test(test_ratio_rounding),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
