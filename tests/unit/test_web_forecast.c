/*
 * The forecast and staffing pages (/source/NAME/forecast, /staffing), their
 * CSV downloads and the JSON API (/api/v1/sources/NAME/forecast, /staffing)
 * over loopback, on a small history loaded with wl_import_volume: two weeks
 * of queue 7 (named "Q, <7>": quoted in CSV, escaped in HTML), 09:00-10:00
 * New York every day, 5 contacts per interval except Mondays: 10, 20, 30,
 * 40 on 2024-06-03 and 12, 18, 30, 44 on 2024-06-10, AHT 200 s throughout.
 * With the as-of fixed, seasonal naive repeats last Monday, so every row
 * is known by hand. Also: the accuracy table marks auto's pick, a saved
 * forecast is compared with what happened (wMAPE 8 / 104), refused
 * arguments name the parameter, staffing settings are checked before they
 * are stored, and everything needs a login or an API key.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_web_common.h"
#include "core/forecast.h"
#include "core/staffing.h"
#include "core/volume_import.h"

#include <jansson.h>
#include <math.h>

#define NOW 1718640000 /* 2024-06-17T12:00:00-04:00 */
#define MON_0900 "2024-06-17T09%3A00%3A00-04%3A00"
#define MON_1000 "2024-06-17T10%3A00%3A00-04%3A00"
#define MON_0000 "2024-06-17T00%3A00%3A00-04%3A00"
#define VIEW "from=" MON_0900 "&to=" MON_1000 "&as_of=" MON_0000 "&method=seasonal-naive&queue=7"

#define CSV_HEADER "queue_id,queue_name,interval_start,volume,aht_s,method\n"
#define CSV_ROWS                                                               \
  "7,\"Q, <7>\",2024-06-17T09:00:00-04:00,12.0,200.0,seasonal-naive\n"         \
  "7,\"Q, <7>\",2024-06-17T09:15:00-04:00,18.0,200.0,seasonal-naive\n"         \
  "7,\"Q, <7>\",2024-06-17T09:30:00-04:00,30.0,200.0,seasonal-naive\n"         \
  "7,\"Q, <7>\",2024-06-17T09:45:00-04:00,44.0,200.0,seasonal-naive\n"

typedef struct ffx {
  wfx *w;
  wl_source src;
  char auth[200];
} ffx;

static void history(wl_buf *b)
{
  static const int mon1[] = {10, 20, 30, 40}, mon2[] = {12, 18, 30, 44};
  wl_buf_puts(b, "queue_id,interval_start,entered,accepted,abandoned,handle_time_s,queue_name\n");
  for (int d = 3; d <= 16; d++)
    for (int k = 0; k < 4; k++) {
      int e = d == 3 ? mon1[k] : d == 10 ? mon2[k] : 5;
      wl_buf_printf(b, "7,2024-06-%02dT09:%02d:00-04:00,%d,%d,0,%d,\"Q, <7>\"\n", d, k * 15, e,
                    e, e * 200);
    }
}

static int setup(void **state)
{
  ffx *f = calloc(1, sizeof(*f));
  wl_store *st;
  wl_volume_import_result res;
  wl_buf h;
  int64_t uid;
  char key[128];
  assert_non_null(f);
  f->w = wfx_new(0);
  fake_clock = NOW;
  st = f->w->app->st;
  snprintf(f->src.name, sizeof(f->src.name), "ny");
  snprintf(f->src.vendor, sizeof(f->src.vendor), "8x8");
  snprintf(f->src.base_url, sizeof(f->src.base_url), "https://vcc-na10.8x8.com/api/");
  snprintf(f->src.tenant, sizeof(f->src.tenant), "acme");
  snprintf(f->src.timezone, sizeof(f->src.timezone), "America/New_York");
  f->src.interval_s = 10;
  f->src.created_at = f->src.updated_at = NOW - 86400;
  assert_int_equal(wl_store_source_add(st, &f->src), 0);
  assert_int_equal(wl_store_source_get(st, &f->src, "ny"), 0);
  wl_buf_init(&h, 1 << 20);
  history(&h);
  assert_int_equal(wl_import_volume(&res, f->w->app, &f->src, h.ptr, h.len), 0);
  assert_int_equal(res.rows, 56);
  wl_buf_free(&h);
  assert_int_equal(wl_store_user_get(st, &uid, NULL, 0, TEST_USER), 0);
  assert_int_equal(wl_auth_new_api_key(key, sizeof(key), st, uid), 0);
  snprintf(f->auth, sizeof(f->auth), "Authorization: Bearer %s", key);
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  ffx *f = *state;
  wfx_free(f->w);
  free(f);
  return 0;
}

static long api(ffx *f, const char *path)
{
  return wfx_req(f->w, "GET", path, NULL, NULL, f->auth);
}

/* ---- tests ---- */

static void test_login_required(void **state)
{
  ffx *f = *state;
  char loc[300];
  assert_int_equal(wfx_get(f->w, "/source/ny/forecast?" VIEW), 303);
  assert_string_equal(wfx_header(f->w, "Location", loc, sizeof(loc)),
                      "/login?next=/source/ny/forecast");
  assert_int_equal(wfx_get(f->w, "/source/ny/forecast.csv?" VIEW), 303);
  assert_int_equal(wfx_get(f->w, "/source/ny/staffing.csv?" VIEW), 303);
  assert_false(wfx_has(f->w, "queue_id"));
  assert_int_equal(wfx_post(f->w, "/source/ny/forecast/save", VIEW "&name=x"), 403);
  assert_int_equal(wfx_post(f->w, "/source/ny/staffing/settings", "staffing-target=50/10"),
                   403);
  assert_int_equal(wfx_get(f->w, "/api/v1/sources/ny/forecast?" VIEW), 401);
  assert_int_equal(wfx_get(f->w, "/api/v1/sources/ny/staffing?" VIEW), 401);
  assert_false(wfx_has(f->w, "Q, <7>"));
}

static void test_csv_is_the_command_line(void **state)
{
  ffx *f = *state;
  wfx_login(f->w);
  assert_int_equal(wfx_get(f->w, "/source/ny/forecast.csv?" VIEW), 200);
  assert_string_equal(wfx_body(f->w), CSV_HEADER CSV_ROWS);
  /* auto picks seasonal naive here too; no queue: every queue (one) */
  assert_int_equal(wfx_get(f->w, "/source/ny/forecast.csv?from=" MON_0900 "&to=" MON_1000), 200);
  assert_string_equal(wfx_body(f->w), CSV_HEADER CSV_ROWS);
  /* as-of 2024-06-10 00:00: seasonal naive repeats 2024-06-03 */
  assert_int_equal(wfx_get(f->w, "/source/ny/forecast.csv?from=2024-06-10T09%3A00%3A00-04%3A00"
                                 "&to=2024-06-10T09%3A30%3A00-04%3A00&as_of=2024-06-10"
                                 "&method=seasonal-naive"), 200);
  assert_string_equal(wfx_body(f->w),
                      CSV_HEADER
                      "7,\"Q, <7>\",2024-06-10T09:00:00-04:00,10.0,200.0,seasonal-naive\n"
                      "7,\"Q, <7>\",2024-06-10T09:15:00-04:00,20.0,200.0,seasonal-naive\n");
}

static void test_page(void **state)
{
  ffx *f = *state;
  wfx_login(f->w);
  assert_int_equal(wfx_get(f->w, "/source/ny/forecast?" VIEW), 200);
  /* the table: the same rows, escaped */
  assert_true(wfx_has(f->w, "<tr><td>7</td><td>Q, &lt;7&gt;</td><td>2024-06-17T09:45:00-04:00"
                            "</td><td class=\"num\">44.0</td><td class=\"num\">200.0</td>"
                            "<td>seasonal-naive</td></tr>"));
  assert_int_equal(wfx_count(wfx_body(f->w), "<td>seasonal-naive</td></tr>"), 4);
  assert_false(wfx_has(f->w, "Q, <7>"));
  /* one chart: 4 forecast points, no intraday line (as-of before the day) */
  assert_int_equal(wfx_count(wfx_body(f->w), "<svg id=\"fc-chart-0\""), 1);
  assert_true(wfx_has(f->w, "data-points=\"4\"><title>Forecast</title>"));
  assert_false(wfx_has(f->w, "class=\"intraday\""));
  /* the accuracy table: every method, auto's pick marked */
  assert_int_equal(wfx_count(wfx_body(f->w), "<tr data-queue=\"7\" data-method="), 6);
  assert_true(wfx_has(f->w, "data-method=\"seasonal-naive\" class=\"auto-pick\">"));
  assert_int_equal(wfx_count(wfx_body(f->w), "class=\"auto-pick\""), 1);
  assert_true(wfx_has(f->w, "href=\"/source/ny/forecast.csv?from=2024-06-17T09%3A00%3A00-04%3A00"
                            "&amp;to=2024-06-17T10%3A00%3A00-04%3A00&amp;as_of="));
  /* as-of 09:30 on the day: the intraday re-forecast as its own line */
  assert_int_equal(wfx_get(f->w, "/source/ny/forecast?from=2024-06-17&to=2024-06-18&queue=7"
                                 "&as_of=2024-06-17T09%3A30%3A00-04%3A00"), 200);
  assert_true(wfx_has(f->w, "data-points=\"96\"><title>Intraday re-forecast</title>"));
}

static void test_bad_arguments(void **state)
{
  ffx *f = *state;
  wfx_login(f->w);
  assert_int_equal(wfx_get(f->w, "/source/ny/forecast?from=2024-06-17&to=2024-06-10"), 400);
  assert_true(wfx_has(f->w, "<p class=\"notice bad\" id=\"error\">to: "));
  assert_int_equal(wfx_get(f->w, "/source/ny/forecast.csv?from=2024-06-17&to=2024-06-18"
                                 "&method=%3Cb%3E"), 400);
  assert_int_equal(strncmp(wfx_body(f->w), "method: ", 8), 0);
  assert_int_equal(wfx_get(f->w, "/source/ny/forecast?from=2024-06-17&to=2024-06-18"
                                 "&method=%3Cb%3E"), 400);
  assert_false(wfx_has(f->w, "<b>"));
  assert_int_equal(wfx_get(f->w, "/source/nope/forecast"), 404);
  assert_int_equal(wfx_get(f->w, "/source/ny/staffing?from=2024-06-17&to=2024-06-18"
                                 "&shrinkage=1"), 400);
  assert_true(wfx_has(f->w, "id=\"error\">shrinkage: "));
}

static void test_api(void **state)
{
  ffx *f = *state;
  json_error_t je;
  json_t *j, *rows, *r;
  assert_int_equal(api(f, "/api/v1/sources/ny/forecast?" VIEW), 200);
  j = json_loads(wfx_body(f->w), 0, &je);
  assert_non_null(j);
  assert_string_equal(json_string_value(json_object_get(j, "as_of")), "2024-06-17T00:00:00-04:00");
  rows = json_object_get(j, "rows");
  assert_int_equal(json_array_size(rows), 4);
  r = json_array_get(rows, 3);
  assert_string_equal(json_string_value(json_object_get(r, "queue_name")), "Q, <7>");
  assert_string_equal(json_string_value(json_object_get(r, "interval_start")),
                      "2024-06-17T09:45:00-04:00");
  assert_true(json_is_real(json_object_get(r, "volume")));
  assert_true(json_real_value(json_object_get(r, "volume")) == 44.0);
  assert_true(json_real_value(json_object_get(r, "aht_s")) == 200.0);
  assert_true(json_is_array(json_object_get(j, "notes")));
  json_decref(j);
  /* staffing: 12 calls x 200 s = 2.67 Erlang, Erlang C 80/20 */
  assert_int_equal(api(f, "/api/v1/sources/ny/staffing?" VIEW), 200);
  j = json_loads(wfx_body(f->w), 0, &je);
  assert_non_null(j);
  r = json_array_get(json_object_get(j, "rows"), 0);
  assert_true(json_real_value(json_object_get(r, "traffic_erl")) == 2.67);
  assert_int_equal(json_integer_value(json_object_get(r, "agents")), 5);
  assert_true(json_is_null(json_object_get(r, "scheduled")));
  assert_string_equal(json_string_value(json_object_get(j, "target")), "80/20");
  json_decref(j);
  /* refused arguments: 400 naming them */
  assert_int_equal(api(f, "/api/v1/sources/ny/forecast?from=2024-06-17&to=2025-12-01"), 400);
  assert_true(wfx_has(f->w, "\"parameter\": \"to\""));
  assert_int_equal(api(f, "/api/v1/sources/ny/forecast?from=2024-06-17&to=2024-06-18&method=x"),
                   400);
  assert_true(wfx_has(f->w, "\"parameter\": \"method\""));
  assert_int_equal(api(f, "/api/v1/sources/ny/forecast?from=2024-06-31&to=2024-07-02"), 400);
  assert_true(wfx_has(f->w, "\"parameter\": \"from\""));
  assert_int_equal(api(f, "/api/v1/sources/ny/staffing?from=2024-06-17&to=2024-06-18"
                          "&target=120%2F20"), 400);
  assert_true(wfx_has(f->w, "\"parameter\": \"target\""));
  assert_int_equal(api(f, "/api/v1/sources/ny/staffing?from=2024-06-17&to=2024-06-18"
                          "&model=erlang-a&patience_s=0"), 400);
  assert_true(wfx_has(f->w, "\"parameter\": \"patience_s\""));
  assert_int_equal(api(f, "/api/v1/sources/nope/forecast"), 404);
}

/* The staffing CSV and table are wl_staffing_report's rows. */
typedef struct text {
  wl_buf b;
} text;

static int text_row(void *payload, const char *const *v)
{
  text *t = payload;
  for (size_t i = 0; i < 12; i++)
    wl_buf_printf(&t->b, "%s%s", i ? "," : "", v[i]);
  return wl_buf_puts(&t->b, "\n");
}

static void test_staffing(void **state)
{
  ffx *f = *state;
  wl_staffing_req req;
  text t;
  const char *q[] = {"7"};
  char val[64];
  memset(&req, 0, sizeof(req));
  wl_buf_init(&t.b, 1 << 20);
  wl_buf_puts(&t.b, "queue_id,interval_start,volume,aht_s,traffic_erl,agents,positions,"
                    "service_level_pct,asa_s,occupancy_pct,abandon_pct,scheduled\n");
  assert_int_equal(wl_staffing_defaults(&req.params, f->w->app, &f->src), 0);
  req.fc.from = 1718629200; /* 09:00 */
  req.fc.to = 1718632800;
  req.fc.as_of = 1718596800; /* 00:00 */
  req.fc.as_of_given = 1;
  req.fc.queues = q;
  req.fc.nqueues = 1;
  req.fc.method = WL_FC_SEASONAL_NAIVE;
  assert_int_equal(wl_staffing_report(f->w->app, &f->src, &req, text_row, NULL, &t), 0);
  wfx_login(f->w);
  assert_int_equal(wfx_get(f->w, "/source/ny/staffing.csv?" VIEW), 200);
  assert_string_equal(wfx_body(f->w), t.b.ptr);
  assert_true(strstr(t.b.ptr, "7,2024-06-17T09:45:00-04:00,44.0,200.0,9.78,13,19,") != NULL);
  wl_buf_free(&t.b);
  assert_int_equal(wfx_get(f->w, "/source/ny/staffing?" VIEW), 200);
  /* required agents 5 + 7 + 10 + 13 = 35 quarter-hours: 8.75 agent-hours */
  assert_true(wfx_has(f->w, "<tr data-day=\"2024-06-17\"><td>2024-06-17</td><td class=\"num\">"
                            "8.75</td><td class=\"num\"></td>"));
  assert_true(wfx_has(f->w, "<svg id=\"staffing-chart\""));
  /* the calculator: 100 calls of 180 s at 80/20, shrinkage 0.30, occupancy 0.85 */
  assert_int_equal(wfx_get(f->w, "/source/ny/staffing?calc_calls=100&calc_aht=180"), 200);
  assert_true(wfx_has(f->w, "<dd data-k=\"agents\">24</dd>"));
  assert_true(wfx_has(f->w, "<dd data-k=\"positions\">35</dd>"));
  assert_int_equal(wfx_get(f->w, "/source/ny/staffing?calc_calls=100&calc_aht=-1"), 200);
  assert_true(wfx_has(f->w, "id=\"calc-error\">"));
  /* settings: one bad value stores none of them */
  assert_int_equal(wfx_get(f->w, "/source/ny/staffing"), 200);
  wfx_csrf(f->w);
  {
    char body[400];
    snprintf(body, sizeof(body), "csrf=%s&staffing-target=90%%2F30&staffing-model=erlang-a&"
             "staffing-patience-s=60&staffing-shrinkage=1.5&staffing-max-occupancy=0.9",
             f->w->csrf);
    assert_int_equal(wfx_post(f->w, "/source/ny/staffing/settings", body), 400);
    assert_true(wfx_has(f->w, "staffing-shrinkage"));
    assert_int_equal(wl_store_setting_get(f->w->app->st, val, sizeof(val), f->src.id,
                                                "staffing-target"), WL_ENOTFOUND);
    snprintf(body, sizeof(body), "csrf=%s&staffing-target=90%%2F30&staffing-model=erlang-a&"
             "staffing-patience-s=60&staffing-shrinkage=0.25&staffing-max-occupancy=0.9",
             f->w->csrf);
    assert_int_equal(wfx_post(f->w, "/source/ny/staffing/settings", body), 303);
  }
  assert_int_equal(wl_store_setting_get(f->w->app->st, val, sizeof(val), f->src.id,
                                              "staffing-target"), 0);
  assert_string_equal(val, "90/30");
  assert_int_equal(wfx_get(f->w, "/source/ny/staffing"), 200);
  assert_true(wfx_has(f->w, "name=\"target\" value=\"90/30\""));
}

typedef struct cmp_seen {
  int n;
  wl_forecast_saved_cmp c;
  char name[64];
} cmp_seen;

static int keep_cmp(void *payload, const wl_forecast_saved_cmp *c)
{
  cmp_seen *s = payload;
  s->c = *c;
  snprintf(s->name, sizeof(s->name), "%s", c->name);
  s->n++;
  return 0;
}

static void test_save_and_compare(void **state)
{
  ffx *f = *state;
  char body[600];
  cmp_seen s;
  memset(&s, 0, sizeof(s));
  wfx_login(f->w);
  assert_int_equal(wfx_get(f->w, "/source/ny/forecast?" VIEW), 200);
  wfx_csrf(f->w);
  /* as of 2024-06-10 00:00 the forecast of that Monday is 10, 20, 30, 40;
   * what happened: 12, 18, 30, 44 */
  snprintf(body, sizeof(body), "csrf=%s&from=2024-06-10T09%%3A00%%3A00-04%%3A00&"
           "to=2024-06-10T10%%3A00%%3A00-04%%3A00&as_of=2024-06-10&method=seasonal-naive&"
           "queue=7&name=%%3Ci%%3Emonday", f->w->csrf);
  assert_int_equal(wfx_post(f->w, "/source/ny/forecast/save", body), 303);
  assert_int_equal(wl_forecast_saved_compare(f->w->app, &f->src, NOW, keep_cmp, &s), 0);
  assert_int_equal(s.n, 1);
  assert_string_equal(s.name, "<i>monday");
  assert_int_equal(s.c.values, 4);
  assert_int_equal(s.c.intervals, 4);
  assert_true(s.c.forecast_sum == 100.0 && s.c.actual_sum == 104.0);
  assert_true(s.c.has_wmape && fabs(s.c.wmape_pct - 800.0 / 104.0) < 1e-9);
  assert_int_equal(wfx_get(f->w, "/source/ny/forecast?" VIEW), 200);
  assert_true(wfx_has(f->w, "<tr data-name=\"&lt;i&gt;monday\"><td>&lt;i&gt;monday</td>"));
  assert_true(wfx_has(f->w, "<td class=\"num wmape\">7.69</td>"));
  /* nothing recorded yet: compared on no interval */
  memset(&s, 0, sizeof(s));
  snprintf(body, sizeof(body), "csrf=%s&from=2024-06-18&to=2024-06-19&queue=7&name=tuesday",
           f->w->csrf);
  assert_int_equal(wfx_post(f->w, "/source/ny/forecast/save", body), 303);
  assert_int_equal(wl_forecast_saved_compare(f->w->app, &f->src, NOW, keep_cmp, &s), 0);
  assert_int_equal(s.n, 2);
  assert_string_equal(s.name, "<i>monday"); /* newest first: monday last */
  snprintf(body, sizeof(body), "csrf=%s&from=2024-06-18&to=2024-06-19&name=", f->w->csrf);
  assert_int_equal(wfx_post(f->w, "/source/ny/forecast/save", body), 400);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
  const struct CMUnitTest tests[] = {
    T(test_login_required), T(test_csv_is_the_command_line), T(test_page),
    T(test_bad_arguments),  T(test_api),                     T(test_staffing),
    T(test_save_and_compare),
  };
  curl_global_init(CURL_GLOBAL_DEFAULT);
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  curl_global_cleanup();
  return rc;
}
