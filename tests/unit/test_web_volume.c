/*
 * The volume page (/source/NAME/volume, issue 7) over loopback, with rows
 * loaded into the store directly: the table and the CSV are exactly
 * wl_report_volume's rows (and its sums are checked against figures
 * computed here), the chart has 100 interval slots on 2024-11-03 in New
 * York with the repeated 01:xx hour told apart, a queue without contacts
 * shows no rows, data health finds the one interval whose pull never
 * succeeded and "Fill the gaps" moves the watermark back to it (bounded by
 * backfill-max-days), text is escaped, and everything needs a login.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_web_common.h"
#include "core/report.h"

#define DAY0 1730606400     /* 2024-11-03T00:00:00-04:00, local midnight */
#define DAY2 1730782800     /* 2024-11-05T00:00:00-05:00 */
#define NOW 1730808000      /* 2024-11-05T12:00:00Z = 07:00 local */
#define GAP 1730614500      /* 2024-11-03T01:15:00-05:00: the repeated 01:15 */
#define NOV4_0900 1730728800 /* 2024-11-04T09:00:00-05:00 */
#define EVIL "<script>alert(\"x\")</script>"

typedef struct vfx {
  wfx *w;
  wl_source src;
  int64_t src_id;
} vfx;

/* ---- the data ---- */

/* Queue 101 has contacts in all 100 intervals of 2024-11-03; 102 in every
 * fourth; 104 (a hostile name) in two; 103 in none. On 2024-11-04 queue 101
 * has four intervals from 09:00, the last two provisional. */
static void q101(int64_t i, int64_t *e, int64_t *ac, int64_t *ab, int64_t *h, int64_t *w)
{
  *e = 1 + i % 7;
  *ab = i % 3 == 0;
  *ac = *e - *ab;
  *h = *ac * (100 + i);
  *w = 10 * i;
}

static size_t make_rows(wl_interval_row *rows)
{
  size_t n = 0;
  for (int64_t i = 0; i < 100; i++) {
    wl_interval_row r = {"101", DAY0 + i * 900, 0, 0, 0, 0, 0, 1, NOW};
    q101(i, &r.entered, &r.accepted, &r.abandoned, &r.handle_time_s, &r.wait_time_s);
    rows[n++] = r;
    if (i % 4 == 0)
      rows[n++] = (wl_interval_row){"102", DAY0 + i * 900, 2, 2, 0, 240, 30, 1, NOW};
    if (i == 40 || i == 41)
      rows[n++] = (wl_interval_row){"104", DAY0 + i * 900, 3, 1, 2, 50, 9, 1, NOW};
  }
  for (int64_t k = 0; k < 4; k++)
    rows[n++] = (wl_interval_row){"101", NOV4_0900 + k * 900, 5, 4, 1, 400, 20, k < 2, NOW};
  return n;
}

static void add_run(wl_store *st, int64_t src, const char *kind, int64_t from, int64_t to,
                    const char *outcome, int64_t rows)
{
  int64_t id;
  assert_int_equal(wl_store_run_begin(st, &id, src, kind, from, to, NOW - 3600), 0);
  assert_int_equal(wl_store_run_end(st, id, NOW - 3590, outcome, 3, rows, 200,
                               strcmp(outcome, "ok") ? "8x8 answered 500" : ""), 0);
}

static int64_t add_source(wl_store *st, const char *name)
{
  wl_source s;
  memset(&s, 0, sizeof(s));
  snprintf(s.name, sizeof(s.name), "%s", name);
  snprintf(s.vendor, sizeof(s.vendor), "8x8");
  snprintf(s.base_url, sizeof(s.base_url), "https://vcc-na10.8x8.com/api/");
  snprintf(s.tenant, sizeof(s.tenant), "acme");
  snprintf(s.timezone, sizeof(s.timezone), "America/New_York");
  s.interval_s = 10;
  s.enabled = 1;
  s.created_at = s.updated_at = NOW - 86400 * 30;
  assert_int_equal(wl_store_source_add(st, &s), 0);
  return s.id;
}

static int setup(void **state)
{
  vfx *v = calloc(1, sizeof(*v));
  wl_store *st;
  wl_interval_row rows[300];
  const wl_queue_row queues[] = {{"101", "Sales", "phone"}, {"102", "Support", "chat"},
                                 {"103", "Empty", "email"}, {"104", EVIL, "phone"}};
  size_t n = make_rows(rows);
  assert_non_null(v);
  v->w = wfx_new(0);
  fake_clock = NOW;
  st = v->w->app->st;
  v->src_id = add_source(st, "ny");
  assert_int_equal(wl_store_queues_upsert(st, v->src_id, queues, 4), 0);
  assert_int_equal(wl_store_intervals_replace(st, v->src_id, DAY0, DAY2, rows, n), 0);
  /* every interval of the two days collected, except the second 01:15:
   * its pull failed, and nothing pulled it again */
  add_run(st, v->src_id, "historical", DAY0, GAP, "ok", 20);
  add_run(st, v->src_id, "historical", GAP, GAP + 900, "error", 0);
  add_run(st, v->src_id, "backfill", GAP + 900, DAY2, "ok", 321);
  assert_int_equal(wl_store_setting_set(st, v->src_id, "hist-watermark", "1730782800"), 0);
  assert_int_equal(wl_store_source_get(st, &v->src, "ny"), 0);
  *state = v;
  return 0;
}

static int teardown(void **state)
{
  vfx *v = *state;
  wfx_free(v->w);
  free(v);
  return 0;
}

/* ---- reading the answers ---- */

static void unescape(char *s)
{
  static const char *const ent[][2] = {{"&amp;", "&"}, {"&lt;", "<"}, {"&gt;", ">"},
                                       {"&quot;", "\""}, {"&#39;", "'"}};
  char *o = s;
  while (*s) {
    size_t k;
    for (k = 0; k < 5; k++)
      if (strncmp(s, ent[k][0], strlen(ent[k][0])) == 0)
        break;
    if (k < 5) {
      *o++ = ent[k][1][0];
      s += strlen(ent[k][0]);
    } else {
      *o++ = *s++;
    }
  }
  *o = '\0';
}

/* The rows of the page's table as "cell|cell|...\n" lines (unescaped). */
static void table_rows(wl_buf *out, const char *html)
{
  const char *p = strstr(html, "id=\"volume-table\""), *end;
  assert_non_null(p);
  p = strstr(p, "<tbody>");
  end = strstr(p, "</tbody>");
  assert_non_null(p);
  assert_non_null(end);
  while ((p = strstr(p, "<tr")) && p < end) {
    const char *rend = strstr(p, "</tr>");
    int first = 1;
    if (strstr(p, "class=\"empty\"") == p + 3 + 1) { /* the "no contacts" line */
      p = rend;
      continue;
    }
    while ((p = strstr(p, "<td")) && p < rend) {
      char cell[512];
      const char *c = strchr(p, '>') + 1, *ce = strstr(c, "</td>");
      snprintf(cell, sizeof(cell), "%.*s", (int)(ce - c), c);
      unescape(cell);
      wl_buf_printf(out, "%s%s", first ? "" : "|", cell);
      first = 0;
      p = ce;
    }
    wl_buf_puts(out, "\n");
    p = rend;
  }
}

typedef struct want {
  wl_buf b;
  const char *only[4]; /* queue ids kept, NULL-terminated; none: all */
  int csv;
} want;

static int want_row(void *payload, const char *const *values)
{
  want *w = payload;
  int keep = w->only[0] == NULL;
  for (int i = 0; w->only[i]; i++)
    keep |= strcmp(w->only[i], values[0]) == 0;
  if (!keep)
    return 0;
  for (int i = 0; i < 10; i++) {
    const char *v = values[i] ? values[i] : "";
    if (w->csv && strpbrk(v, ",\"\n")) { /* RFC 4180 quoting, written out here */
      wl_buf_puts(&w->b, i ? ",\"" : "\"");
      for (; *v; v++)
        wl_buf_puts(&w->b, *v == '"' ? "\"\"" : (char[2]){*v, 0});
      wl_buf_puts(&w->b, "\"");
    } else {
      wl_buf_printf(&w->b, "%s%s", i ? (w->csv ? "," : "|") : "", v);
    }
  }
  wl_buf_puts(&w->b, "\n");
  return 0;
}

/* wl_report_volume's rows with totals, in the page's or the CSV's form. */
static const char *expected(vfx *v, want *w, const char *from, const char *to,
                            enum wl_volume_by by, const char *filter, int csv)
{
  wl_report_range r = {0, 0, filter, 1};
  wl_tz *tz = NULL;
  assert_int_equal(wl_tz_load(&tz, "America/New_York"), 0);
  assert_int_equal(wl_time_parse_arg(&r.from, from, tz), 0);
  assert_int_equal(wl_time_parse_arg(&r.to, to, tz), 0);
  wl_tz_free(tz);
  wl_buf_init(&w->b, 1 << 22);
  w->csv = csv;
  if (csv)
    wl_buf_puts(&w->b, "queue_id,queue_name,interval_start,entered,accepted,abandoned,"
                       "handle_time_s,aht_s,wait_time_s,final\n");
  assert_int_equal(wl_report_volume(v->w->app, &v->src, &r, by, want_row, w), 0);
  return w->b.ptr ? w->b.ptr : "";
}

/* ---- tests ---- */

static void test_login_required(void **state)
{
  vfx *v = *state;
  char loc[300];
  assert_int_equal(wfx_get(v->w, "/source/ny/volume?from=2024-11-03&to=2024-11-04"), 303);
  assert_string_equal(wfx_header(v->w, "Location", loc, sizeof(loc)),
                      "/login?next=/source/ny/volume");
  assert_false(wfx_has(v->w, "Sales"));
  assert_int_equal(wfx_get(v->w, "/source/ny/volume.csv?from=2024-11-03&to=2024-11-04"), 303);
  assert_false(wfx_has(v->w, "queue_id"));
  assert_int_equal(wfx_post(v->w, "/source/ny/volume/fill", "from=2024-11-03&to=2024-11-05"),
                   403);
  wfx_login(v->w);
  assert_int_equal(wfx_get(v->w, "/source/ny/volume?from=2024-11-03&to=2024-11-04"), 200);
  /* the sources list links to the page */
  assert_int_equal(wfx_get(v->w, "/sources"), 200);
  assert_true(wfx_has(v->w, "href=\"/source/ny/volume\""));
}

static void test_table_and_csv_are_the_report(void **state)
{
  vfx *v = *state;
  wl_buf got;
  want w;
  char total[200];
  int64_t e = 0, ac = 0, ab = 0, h = 0, wt = 0, tenths;
  memset(&w, 0, sizeof(w));
  wfx_login(v->w);
  wl_buf_init(&got, 1 << 22);

  /* days, all queues */
  assert_int_equal(wfx_get(v->w, "/source/ny/volume?from=2024-11-03&to=2024-11-05&by=day"), 200);
  table_rows(&got, wfx_body(v->w));
  assert_string_equal(got.ptr, expected(v, &w, "2024-11-03", "2024-11-05", WL_BY_DAY, NULL, 0));
  /* the sums themselves, from the figures loaded above */
  for (int64_t i = 0; i < 100; i++) {
    int64_t a, b, c, d, f;
    q101(i, &a, &b, &c, &d, &f);
    e += a, ac += b, ab += c, h += d, wt += f;
  }
  tenths = (h * 20 + ac) / (ac * 2); /* AHT to one decimal, half up */
  snprintf(total, sizeof(total), "101|Sales|2024-11-03T00:00:00-04:00|%lld|%lld|%lld|%lld|"
           "%lld.%lld|%lld|1\n", (long long)e, (long long)ac, (long long)ab, (long long)h,
           (long long)(tenths / 10), (long long)(tenths % 10), (long long)wt);
  assert_string_equal(total, "101|Sales|2024-11-03T00:00:00-04:00|395|361|34|54117|149.9|"
                             "49500|1\n");
  assert_non_null(strstr(got.ptr, total));
  assert_non_null(strstr(got.ptr, "101|Sales|2024-11-04T00:00:00-05:00|20|16|4|1600|100.0|80|0\n"));
  assert_non_null(strstr(got.ptr, "102|Support|2024-11-03T00:00:00-04:00|50|50|0|6000|120.0|750|1\n"));
  assert_non_null(strstr(got.ptr, "102|Support|total|50|50|0|6000|120.0|750|1\n"));
  assert_null(strstr(got.ptr, "103|"));
  assert_int_equal(wfx_count(got.ptr, "\n"), 3 + 1 + 3); /* 101 x2, 102, 104 days; 3 totals */
  w.only[0] = NULL;
  wl_buf_free(&w.b);

  /* the CSV link on the page, then the CSV: the same rows */
  assert_true(wfx_has(v->w, "href=\"/source/ny/volume.csv?from=2024-11-03&amp;to=2024-11-05&amp;"
                            "by=day\""));
  assert_int_equal(wfx_get(v->w, "/source/ny/volume.csv?from=2024-11-03&to=2024-11-05&by=day"),
                   200);
  assert_string_equal(wfx_body(v->w),
                      expected(v, &w, "2024-11-03", "2024-11-05", WL_BY_DAY, NULL, 1));
  assert_non_null(strstr(wfx_body(v->w), "\n104,\"<script>alert(\"\"x\"\")</script>\",total,"));
  wl_buf_free(&w.b);
  {
    char ct[100];
    assert_string_equal(wfx_header(v->w, "Content-Type", ct, sizeof(ct)),
                        "text/csv; charset=utf-8");
  }

  /* intervals of one queue: 100 + 4 rows and a total */
  wl_buf_reset(&got);
  assert_int_equal(wfx_get(v->w, "/source/ny/volume?from=2024-11-03&to=2024-11-05&by=interval"
                                 "&queue=101"), 200);
  table_rows(&got, wfx_body(v->w));
  assert_string_equal(got.ptr,
                      expected(v, &w, "2024-11-03", "2024-11-05", WL_BY_INTERVAL, "101", 0));
  assert_int_equal(wfx_count(got.ptr, "\n"), 105);
  assert_non_null(strstr(got.ptr, "101|Sales|2024-11-03T01:15:00-04:00|"));
  assert_non_null(strstr(got.ptr, "101|Sales|2024-11-03T01:15:00-05:00|"));
  wl_buf_free(&w.b);
  assert_int_equal(wfx_get(v->w, "/source/ny/volume.csv?from=2024-11-03&to=2024-11-05"
                                 "&by=interval&queue=101"), 200);
  assert_string_equal(wfx_body(v->w),
                      expected(v, &w, "2024-11-03", "2024-11-05", WL_BY_INTERVAL, "101", 1));
  wl_buf_free(&w.b);

  /* weeks, two queues picked: only theirs */
  wl_buf_reset(&got);
  assert_int_equal(wfx_get(v->w, "/source/ny/volume?from=2024-11-03&to=2024-11-05&by=week"
                                 "&queue=104&queue=102&queue=104"), 200);
  table_rows(&got, wfx_body(v->w));
  w.only[0] = "102";
  w.only[1] = "104";
  w.only[2] = NULL;
  assert_string_equal(got.ptr, expected(v, &w, "2024-11-03", "2024-11-05", WL_BY_WEEK, NULL, 0));
  assert_int_equal(wfx_count(got.ptr, "\n"), 4);
  assert_non_null(strstr(got.ptr, "104|" EVIL "|2024-10-28T00:00:00-04:00|6|2|4|100|50.0|18|1\n"));
  wl_buf_free(&w.b);
  assert_int_equal(wfx_get(v->w, "/source/ny/volume.csv?from=2024-11-03&to=2024-11-05&by=week"
                                 "&queue=104&queue=102"), 200);
  assert_string_equal(wfx_body(v->w),
                      expected(v, &w, "2024-11-03", "2024-11-05", WL_BY_WEEK, NULL, 1));
  wl_buf_free(&w.b);

  /* every queue ticked is every queue: the link drops the list */
  assert_int_equal(wfx_get(v->w, "/source/ny/volume?from=2024-11-03&to=2024-11-05&queue=101"
                                 "&queue=102&queue=103&queue=104"), 200);
  assert_true(wfx_has(v->w, "volume.csv?from=2024-11-03&amp;to=2024-11-05&amp;by=day\""));
  assert_true(wfx_has(v->w, "<span class=\"muted\">all queues</span>"));
  wl_buf_free(&got);
}

static void test_dst_day_chart(void **state)
{
  vfx *v = *state;
  const char *b, *p;
  wfx_login(v->w);
  assert_int_equal(wfx_get(v->w, "/source/ny/volume?from=2024-11-03&to=2024-11-04"), 200);
  b = wfx_body(v->w);
  assert_true(wfx_has(v->w, "<svg id=\"volume-chart\""));
  assert_true(wfx_has(v->w, "data-intervals=\"100\""));
  assert_int_equal(wfx_count(b, "<g class=\"iv\""), 100);
  assert_true(wfx_has(v->w, "100 intervals"));
  /* the first and last slot, and the repeated hour twice, told apart */
  {
    const char *first = "<g class=\"iv\" data-start=\"2024-11-03T00:00:00-04:00\" "
                        "data-entered=\"3\" data-abandoned=\"1\" data-aht=\"120.0\">";
    p = strstr(b, "<g class=\"iv\"");
    assert_non_null(p);
    assert_int_equal(strncmp(p, first, strlen(first)), 0);
  }
  assert_true(wfx_has(v->w, "data-start=\"2024-11-03T23:45:00-05:00\" data-entered=\"2\" "
                            "data-abandoned=\"1\" data-aht=\"199.0\""));
  assert_true(wfx_has(v->w, "<title>2024-11-03 01:15 (UTC-04:00): entered "));
  assert_true(wfx_has(v->w, "<title>2024-11-03 01:15 (UTC-05:00): entered "));
  assert_true(wfx_has(v->w, "<title>2024-11-03 02:15: entered "));
  /* hourly ticks: 25 of them, the two 01:00 with their offsets */
  assert_int_equal(wfx_count(b, "<g class=\"tick\">"), 25);
  assert_int_equal(wfx_count(b, ">01:00</text>"), 2);
  assert_int_equal(wfx_count(b, ">UTC-4</text>"), 1);
  assert_int_equal(wfx_count(b, ">UTC-5</text>"), 1);
  assert_true(wfx_has(v->w, ">Sun Nov 3</text>"));
  /* interval 40 sums queues 101, 102 and 104: 1 + 40 % 7 + 2 + 3 */
  assert_true(wfx_has(v->w, "data-start=\"2024-11-03T09:00:00-05:00\" data-entered=\"11\" "
                            "data-abandoned=\"2\""));

  /* spring forward: 92 slots and no 02:00 */
  assert_int_equal(wfx_get(v->w, "/source/ny/volume?from=2024-03-10&to=2024-03-11"), 200);
  b = wfx_body(v->w);
  assert_int_equal(wfx_count(b, "<g class=\"iv\""), 92);
  assert_int_equal(wfx_count(b, "<g class=\"tick\">"), 23);
  assert_int_equal(wfx_count(b, ">02:00</text>"), 0);
  assert_true(wfx_has(v->w, "data-start=\"2024-03-10T03:00:00-04:00\""));
  assert_true(wfx_has(v->w, "id=\"gaps\" data-missing=\"92\""));

  /* the default: the last 7 local days, today included */
  assert_int_equal(wfx_get(v->w, "/source/ny/volume"), 200);
  assert_true(wfx_has(v->w, "name=\"from\" value=\"2024-10-30\""));
  assert_true(wfx_has(v->w, "name=\"to\" value=\"2024-11-06\""));
  assert_int_equal(wfx_count(wfx_body(v->w), "<g class=\"iv\""), 7 * 96 + 4);
}

static void test_queue_without_contacts(void **state)
{
  vfx *v = *state;
  wfx_login(v->w);
  assert_int_equal(wfx_get(v->w, "/source/ny/volume?from=2024-11-03&to=2024-11-05&queue=103"),
                   200);
  assert_true(wfx_has(v->w, "<tr class=\"empty\">"));
  assert_true(wfx_has(v->w, "No contacts in this range for these queues."));
  assert_int_equal(wfx_count(wfx_body(v->w), "<td class=\"num\">"), 0);
  assert_int_equal(wfx_count(wfx_body(v->w), "data-entered=\"0\""), 196);
  assert_true(wfx_has(v->w, "value=\"103\" checked>"));
  assert_false(wfx_has(v->w, "value=\"101\" checked>"));
  assert_int_equal(wfx_get(v->w, "/source/ny/volume.csv?from=2024-11-03&to=2024-11-05&queue=103"),
                   200);
  assert_string_equal(wfx_body(v->w), "queue_id,queue_name,interval_start,entered,accepted,"
                                       "abandoned,handle_time_s,aht_s,wait_time_s,final\n");
  /* a queue 8x8 never named: no rows either */
  assert_int_equal(wfx_get(v->w, "/source/ny/volume.csv?from=2024-11-03&to=2024-11-05&queue=999"),
                   200);
  assert_int_equal(wfx_count(wfx_body(v->w), "\n"), 1);
}

static int64_t watermark(vfx *v)
{
  char buf[32];
  wl_store *st = v->w->app->st;
  assert_int_equal(wl_store_setting_get(st, buf, sizeof(buf), v->src_id, "hist-watermark"), 0);
  return strtoll(buf, NULL, 10);
}

static void post_fill(vfx *v, const char *body, const char *want_loc)
{
  char full[600], loc[600];
  snprintf(full, sizeof(full), "csrf=%s&%s", v->w->csrf, body);
  assert_int_equal(wfx_post(v->w, "/source/ny/volume/fill", full), 303);
  assert_string_equal(wfx_header(v->w, "Location", loc, sizeof(loc)), want_loc);
}

static void test_health_and_fill(void **state)
{
  vfx *v = *state;
  wl_store *st = v->w->app->st;
  char body[200];
  wfx_login(v->w);
  assert_int_equal(wfx_get(v->w, "/source/ny/volume?from=2024-11-03&to=2024-11-05&queue=101"),
                   200);
  assert_true(wfx_has(v->w, "id=\"gaps\" data-missing=\"1\""));
  assert_true(wfx_has(v->w, "<li data-from=\"2024-11-03T01:15:00-05:00\" data-to=\""
                            "2024-11-03T01:30:00-05:00\">2024-11-03 01:15 (UTC-05:00) – 01:30 "
                            "(UTC-05:00) <span class=\"muted\">1 interval</span></li>"));
  assert_true(wfx_has(v->w, "id=\"provisional\" data-count=\"2\">2 intervals, 2024-11-04 09:30 "
                            "– 10:00 "));
  assert_true(wfx_has(v->w, "window 2024-11-03 01:30 (UTC-05:00) – 2024-11-05 00:00, 321 rows "
                            "<span class=\"badge ok\">ok</span>"));
  assert_true(wfx_has(v->w, "<dd id=\"watermark\">2024-11-05 00:00</dd>"));
  assert_true(wfx_has(v->w, "id=\"fill-gaps\""));
  assert_true(wfx_has(v->w, "back to <strong>2024-11-03 01:15 (UTC-05:00)</strong>"));
  assert_true(wfx_has(v->w, "<code>wfmlink backfill ny --from 2024-11-03T01:15:00-05:00 --to "
                            "2024-11-03T01:30:00-05:00</code>"));
  /* the form repeats the view */
  assert_true(wfx_has(v->w, "<input type=\"hidden\" name=\"queue\" value=\"101\">"));
  wfx_csrf(v->w);

  /* no CSRF token: refused, nothing moves */
  assert_int_equal(wfx_post(v->w, "/source/ny/volume/fill", "from=2024-11-03&to=2024-11-05"), 403);
  assert_int_equal(watermark(v), DAY2);

  post_fill(v, "from=2024-11-03&to=2024-11-05&by=day&queue=101",
            "/source/ny/volume?from=2024-11-03&to=2024-11-05&by=day&queue=101&filled=moved"
            "#health");
  assert_int_equal(watermark(v), GAP);
  assert_int_equal(wfx_get(v->w, "/source/ny/volume?from=2024-11-03&to=2024-11-05&by=day"
                                 "&queue=101&filled=moved"), 200);
  assert_true(wfx_has(v->w, "id=\"filled\">The history watermark is now 2024-11-03 01:15 "
                            "(UTC-05:00)"));
  /* now the collectors start before the gap: nothing more to move */
  assert_false(wfx_has(v->w, "id=\"fill-gaps\""));
  assert_true(wfx_has(v->w, "The collectors are catching up from 2024-11-03 01:15 (UTC-05:00)"));
  post_fill(v, "from=2024-11-03&to=2024-11-05",
            "/source/ny/volume?from=2024-11-03&to=2024-11-05&by=day&filled=already#health");
  assert_int_equal(watermark(v), GAP);

  /* a range without gaps */
  post_fill(v, "from=2024-11-04&to=2024-11-05",
            "/source/ny/volume?from=2024-11-04&to=2024-11-05&by=day&filled=none#health");
  assert_int_equal(watermark(v), GAP);

  /* older than backfill-max-days: the collectors never go back that far */
  assert_int_equal(wl_store_setting_set(st, v->src_id, "hist-watermark", "1730782800"), 0);
  assert_int_equal(wl_store_setting_set(st, v->src_id, "backfill-max-days", "1"), 0);
  post_fill(v, "from=2024-11-03&to=2024-11-05",
            "/source/ny/volume?from=2024-11-03&to=2024-11-05&by=day&filled=old#health");
  assert_int_equal(watermark(v), DAY2);

  /* a source never collected: its gap spans the limit, which bounds the move */
  add_source(st, "fresh");
  assert_int_equal(wfx_get(v->w, "/source/fresh/volume?from=2024-11-03&to=2024-11-05"), 200);
  assert_true(wfx_has(v->w, "id=\"gaps\" data-missing=\"196\""));
  assert_true(wfx_has(v->w, "<dd id=\"watermark\" class=\"muted\">not started</dd>"));
  assert_true(wfx_has(v->w, "<dd id=\"last-backfill\" class=\"muted\">none yet</dd>"));
  {
    wl_source f;
    char buf[32];
    assert_int_equal(wl_store_source_get(st, &f, "fresh"), 0);
    assert_int_equal(wl_store_setting_set(st, f.id, "backfill-max-days", "1"), 0);
    snprintf(body, sizeof(body), "csrf=%s&from=2024-11-03&to=2024-11-05", v->w->csrf);
    assert_int_equal(wfx_post(v->w, "/source/fresh/volume/fill", body), 303);
    assert_int_equal(wl_store_setting_get(st, buf, sizeof(buf), f.id, "hist-watermark"), 0);
    assert_int_equal(strtoll(buf, NULL, 10), NOW - 86400); /* 2024-11-04T12:00:00Z */
  }
  /* a later range: the gaps reach up to what is too recent to judge */
  assert_int_equal(wfx_get(v->w, "/source/ny/volume?from=2024-11-05&to=2024-11-06"), 200);
  assert_true(wfx_has(v->w, "<li data-from=\"2024-11-05T00:00:00-05:00\" data-to=\""
                            "2024-11-05T06:30:00-05:00\">"));
  assert_true(wfx_has(v->w, "Later intervals are too recent to judge."));
}

static void test_escaping_and_bad_input(void **state)
{
  vfx *v = *state;
  const char *svg, *svg_end;
  char ct[100];
  wfx_login(v->w);
  assert_int_equal(wfx_get(v->w, "/source/ny/volume?from=2024-11-03&to=2024-11-04&queue=104"),
                   200);
  assert_false(wfx_has(v->w, "<script>alert"));
  svg = strstr(wfx_body(v->w), "<svg id=\"volume-chart\"");
  assert_non_null(svg);
  svg_end = strstr(svg, "</svg>");
  assert_non_null(svg_end);
  assert_true(strstr(svg, "for &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;, ") < svg_end);
  assert_int_equal(wfx_count(svg, "<script"), 0);
  assert_true(wfx_has(v->w, "<td>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;</td>"));

  /* hostile parameters come back escaped */
  assert_int_equal(wfx_get(v->w, "/source/ny/volume?from=%3Cimg%20src%3Dx%3E&to=2024-11-04"),
                   400);
  assert_false(wfx_has(v->w, "<img src=x>"));
  assert_true(wfx_has(v->w, "value=\"&lt;img src=x&gt;\""));
  assert_true(wfx_has(v->w, "id=\"error\">From: invalid time "));
  assert_int_equal(wfx_get(v->w, "/source/ny/volume?from=2024-11-03&to=2024-11-04"
                                 "&queue=%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E"), 200);
  assert_false(wfx_has(v->w, "<script>alert"));
  assert_true(wfx_has(v->w, "queue=%22%3E%3Cscript%3Ealert%281%29%3C%2Fscript%3E"));
  assert_true(wfx_has(v->w, "value=\"&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;\">"));

  /* refused ranges and choices: 400 with the reason, in words */
  assert_int_equal(wfx_get(v->w, "/source/ny/volume?from=2024-11-04&to=2024-11-03"), 400);
  assert_true(wfx_has(v->w, "The range is empty"));
  assert_false(wfx_has(v->w, "<svg"));
  assert_int_equal(wfx_get(v->w, "/source/ny/volume?from=2024-01-01&to=2024-11-03"), 400);
  assert_true(wfx_has(v->w, "longer than 92 days"));
  assert_int_equal(wfx_get(v->w, "/source/ny/volume?from=2024-10-01&to=2024-11-05&by=interval"),
                   400);
  assert_true(wfx_has(v->w, "15-minute rows cover at most 31 days"));
  assert_int_equal(wfx_get(v->w, "/source/ny/volume.csv?from=2024-10-01&to=2024-11-05&by=day"),
                   200);
  assert_int_equal(wfx_get(v->w, "/source/ny/volume?from=2024-11-03&to=2024-11-04&by=month"), 400);
  assert_true(wfx_has(v->w, "Rows by: choose"));
  assert_int_equal(wfx_get(v->w, "/source/ny/volume.csv?from=2024-11-03&to=2024-11-03"), 400);
  assert_string_equal(wfx_header(v->w, "Content-Type", ct, sizeof(ct)),
                      "text/plain; charset=utf-8");
  assert_int_equal(wfx_get(v->w, "/source/nope/volume"), 404);
  assert_int_equal(wfx_get(v->w, "/source/nope/volume.csv"), 404);
  /* an ISO instant works too: half a day */
  assert_int_equal(wfx_get(v->w, "/source/ny/volume?from=2024-11-03T12:00:00-05:00"
                                 "&to=2024-11-04T00:00:00-05:00"), 200);
  assert_int_equal(wfx_count(wfx_body(v->w), "<g class=\"iv\""), 48);
  assert_true(wfx_has(v->w, "<input type=\"text\" name=\"from\" value=\"2024-11-03T12:00:00-05:00\""));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
  const struct CMUnitTest tests[] = {
    T(test_login_required),        T(test_table_and_csv_are_the_report),
    T(test_dst_day_chart),         T(test_queue_without_contacts),
    T(test_health_and_fill),       T(test_escaping_and_bad_input),
  };
  curl_global_init(CURL_GLOBAL_DEFAULT);
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  curl_global_cleanup();
  return rc;
}
