/*
 * Planning tables (issue 12) against the store interface only: interval
 * upserts by queue and start, imported-history coverage, special days and
 * saved forecasts. WL_TEST_DSN selects the database (tests/e2e/pg_store.sh
 * passes a PostgreSQL URI); without it each test gets a fresh SQLite file.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "store_fixture.h"
#include "util/err.h"

typedef struct fx {
  wl_store *st;
  char path[512];
  char dsn[600];
  int64_t src;
} fx;

typedef struct sink {
  char text[2048];
} sink;

static void sink_add(sink *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sink_add(sink *k, const char *fmt, ...)
{
  size_t len = strlen(k->text);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(k->text + len, sizeof(k->text) - len, fmt, ap);
  va_end(ap);
}

static int setup(void **state)
{
  fx *f = calloc(1, sizeof(*f));
  assert_non_null(f);
  store_fx_open(&f->st, f->path, sizeof(f->path), f->dsn, sizeof(f->dsn), "test_plan");
  f->src = store_fx_add_source(NULL, 0, f->st, "plan");
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  fx *f = *state;
  if (f->st)
    wl_store_source_remove(f->st, f->src);
  store_fx_close(f->st, f->path);
  free(f);
  return 0;
}

static int iv_text(void *payload, const wl_interval_row *r)
{
  sink_add(payload, "%s@%lld:%lld/%lld/%lld/%lld;", r->queue_id, (long long)r->start_utc,
           (long long)r->entered, (long long)r->accepted, (long long)r->abandoned,
           (long long)r->handle_time_s);
  return 0;
}

static const char *intervals(fx *f, sink *k)
{
  k->text[0] = '\0';
  assert_int_equal(wl_store_intervals_query(f->st, f->src, NULL, 0, 1LL << 40, iv_text, k), 0);
  return k->text;
}

static void test_upsert_replaces_same_queue_and_start(void **state)
{
  fx *f = *state;
  sink k;
  wl_interval_row a[] = {
    {.queue_id = "q1", .start_utc = 900, .entered = 5, .accepted = 4, .abandoned = 1,
     .handle_time_s = 400},
    {.queue_id = "q2", .start_utc = 900, .entered = 7, .accepted = 7, .handle_time_s = 700},
  };
  wl_interval_row b[] = {
    {.queue_id = "q1", .start_utc = 900, .entered = 9, .accepted = 8, .handle_time_s = 800},
    {.queue_id = "q1", .start_utc = 1800, .entered = 1, .accepted = 1, .handle_time_s = 60},
  };
  assert_int_equal(wl_store_intervals_upsert(f->st, f->src, a, 2), 0);
  assert_int_equal(wl_store_intervals_upsert(f->st, f->src, b, 2), 0);
  assert_string_equal(intervals(f, &k), "q1@900:9/8/0/800;q2@900:7/7/0/700;q1@1800:1/1/0/60;");
}

static void test_upsert_refuses_duplicates_whole(void **state)
{
  fx *f = *state;
  sink k;
  wl_interval_row a[] = {
    {.queue_id = "q1", .start_utc = 900, .entered = 5},
    {.queue_id = "q2", .start_utc = 0, .entered = 2},
    {.queue_id = "q1", .start_utc = 900, .entered = 6},
  };
  assert_int_equal(wl_store_intervals_upsert(f->st, f->src, a, 3), WL_EUSAGE);
  assert_non_null(strstr(wl_errmsg(), "duplicate interval row for queue q1 at 900"));
  a[2].queue_id = "";
  assert_int_equal(wl_store_intervals_upsert(f->st, f->src, a, 3), WL_EUSAGE);
  assert_string_equal(intervals(f, &k), "");
}

static int vi_text(void *payload, const wl_vol_import_row *r)
{
  sink_add(payload, "%s %lld-%lld;", r->queue_id, (long long)r->from, (long long)r->to);
  return 0;
}

static void test_import_coverage(void **state)
{
  fx *f = *state;
  sink k = {{0}};
  wl_vol_import_row r1 = {.queue_id = "q1", .from = 0, .to = 86400, .imported_at = 5};
  wl_vol_import_row r2 = {.queue_id = "q2", .from = 86400, .to = 172800, .imported_at = 5};
  wl_vol_import_row bad = {.queue_id = "q2", .from = 10, .to = 10};
  assert_int_equal(wl_store_vol_import_add(f->st, f->src, &r1), 0);
  assert_int_equal(wl_store_vol_import_add(f->st, f->src, &r2), 0);
  assert_int_equal(wl_store_vol_import_add(f->st, f->src, &bad), WL_EUSAGE);
  assert_int_equal(wl_store_vol_imports_query(f->st, f->src, NULL, 0, 200000, vi_text, &k), 0);
  assert_string_equal(k.text, "q1 0-86400;q2 86400-172800;");
  k.text[0] = '\0';
  assert_int_equal(wl_store_vol_imports_query(f->st, f->src, "q2", 0, 86400, vi_text, &k), 0);
  assert_string_equal(k.text, "");
  assert_int_equal(wl_store_vol_imports_query(f->st, f->src, "q2", 0, 86401, vi_text, &k), 0);
  assert_string_equal(k.text, "q2 86400-172800;");
}

static int sd_text(void *payload, const wl_special_day_row *r)
{
  sink_add(payload, "%s[%s] %s %lld;", r->date, r->queue_id, r->exclude ? "exclude" : "factor",
           (long long)r->factor_milli);
  return 0;
}

static void test_special_days(void **state)
{
  fx *f = *state;
  sink k = {{0}};
  wl_special_day_row x = {.queue_id = "", .date = "2024-12-25", .exclude = 1};
  wl_special_day_row y = {.queue_id = "q1", .date = "2024-11-29", .factor_milli = 1800};
  wl_special_day_row bad = {.queue_id = "", .date = "2024-1-5", .factor_milli = 1000};
  assert_int_equal(wl_store_special_day_set(f->st, f->src, &x), 0);
  assert_int_equal(wl_store_special_day_set(f->st, f->src, &y), 0);
  y.factor_milli = 0; /* set again: replaces */
  assert_int_equal(wl_store_special_day_set(f->st, f->src, &y), 0);
  assert_int_equal(wl_store_special_day_set(f->st, f->src, &bad), WL_EUSAGE);
  assert_int_equal(wl_store_special_days_list(f->st, f->src, sd_text, &k), 0);
  assert_string_equal(k.text, "2024-11-29[q1] factor 0;2024-12-25[] exclude 0;");
  assert_int_equal(wl_store_special_day_remove(f->st, f->src, "", "2024-12-25"), 0);
  assert_int_equal(wl_store_special_day_remove(f->st, f->src, "", "2024-12-25"), WL_ENOTFOUND);
  k.text[0] = '\0';
  assert_int_equal(wl_store_special_days_list(f->st, f->src, sd_text, &k), 0);
  assert_string_equal(k.text, "2024-11-29[q1] factor 0;");
}

static int saved_text(void *payload, const wl_fc_saved_row *r)
{
  sink_add(payload, "%s as of %lld [%lld,%lld);", r->name, (long long)r->as_of,
           (long long)r->from, (long long)r->to);
  return 0;
}

static int value_text(void *payload, const wl_fc_value_row *r)
{
  sink_add(payload, "%s@%lld %lld %lld %s;", r->queue_id, (long long)r->start_utc,
           (long long)r->volume_x10, (long long)r->aht_x10, r->method);
  return 0;
}

static int64_t newest_id;
static int newest(void *payload, const wl_fc_saved_row *r)
{
  (void)payload;
  newest_id = r->id;
  return 1;
}

static void test_saved_forecasts(void **state)
{
  fx *f = *state;
  sink k = {{0}};
  int64_t id1, id2;
  wl_fc_saved_row h = {.name = "week49", .created_at = 100, .as_of = 50, .from = 0, .to = 1800};
  wl_fc_value_row v[] = {
    {.queue_id = "q1", .start_utc = 0, .volume_x10 = 123, .aht_x10 = 1805, .method = "auto"},
    {.queue_id = "q1", .start_utc = 900, .volume_x10 = 0, .aht_x10 = -1, .method = "auto"},
  };
  assert_int_equal(wl_store_forecast_save(f->st, &id1, f->src, &h, v, 2), 0);
  h.created_at = 200; /* the same name again replaces it */
  v[0].volume_x10 = 99;
  assert_int_equal(wl_store_forecast_save(f->st, &id2, f->src, &h, v, 2), 0);
  assert_true(id2 != id1);
  assert_int_equal(wl_store_forecasts_saved_list(f->st, f->src, saved_text, &k), 0);
  assert_string_equal(k.text, "week49 as of 50 [0,1800);");
  assert_int_equal(wl_store_forecasts_saved_list(f->st, f->src, newest, NULL), 1);
  assert_int_equal(newest_id, id2);
  k.text[0] = '\0';
  assert_int_equal(wl_store_forecast_saved_values(f->st, id2, NULL, 0, 1800, value_text, &k), 0);
  assert_string_equal(k.text, "q1@0 99 1805 auto;q1@900 0 -1 auto;");
  k.text[0] = '\0';
  assert_int_equal(wl_store_forecast_saved_values(f->st, id1, NULL, 0, 1800, value_text, &k), 0);
  assert_string_equal(k.text, "");
  h.name = "";
  assert_int_equal(wl_store_forecast_save(f->st, &id1, f->src, &h, v, 2), WL_EUSAGE);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
  const struct CMUnitTest tests[] = {
    T(test_upsert_replaces_same_queue_and_start),
    T(test_upsert_refuses_duplicates_whole),
    T(test_import_coverage),
    T(test_special_days),
    T(test_saved_forecasts),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
