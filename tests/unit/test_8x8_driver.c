/*
 * The 8x8 driver (sources/8x8/driver.c): the requests it describes (paths,
 * the historical root falling back to the real-time one, n= paging, the
 * inclusive END of d=), its paging decision with the page cap, the one
 * format detector, and the driver list.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "sources/8x8/parse.h"
#include "sources/driver.h"
#include "util/err.h"
#include "util/tz.h"

static void source(wl_source *s)
{
  memset(s, 0, sizeof(*s));
  snprintf(s->vendor, sizeof(s->vendor), "8x8");
  snprintf(s->base_url, sizeof(s->base_url), "https://rt.example/api/");
  snprintf(s->tenant, sizeof(s->tenant), "acme");
}

static void test_find(void **state)
{
  (void)state;
  assert_non_null(wl_source_driver_find("8x8"));
  assert_string_equal(wl_source_driver_find("8x8")->vendor, "8x8");
  assert_null(wl_source_driver_find("avaya"));
  assert_string_equal(wl_errmsg(), "no source driver for vendor 'avaya'");
}

static void test_requests(void **state)
{
  const wl_source_driver *d = wl_source_driver_find("8x8");
  wl_src_request r;
  wl_source s;
  (void)state;
  source(&s);
  assert_int_equal(d->realtime_request(&r, &s), 0);
  assert_string_equal(r.base_url, "https://rt.example/api/");
  assert_string_equal(r.tenant, "acme");
  assert_string_equal(r.path, "rtstats/stats/agents.json");
  assert_string_equal(r.query, "");
  /* no historical root: the real-time one */
  assert_int_equal(d->queues_request(&r, &s, 51), 0);
  assert_string_equal(r.base_url, "https://rt.example/api/");
  assert_string_equal(r.path, "stats/queues.json");
  assert_string_equal(r.query, "n=51");
  snprintf(s.hist_base_url, sizeof(s.hist_base_url), "https://hist.example/api/");
  snprintf(s.hist_tenant, sizeof(s.hist_tenant), "acme-h");
  assert_int_equal(d->queues_request(&r, &s, 1), 0);
  assert_string_equal(r.base_url, "https://hist.example/api/");
  assert_string_equal(r.tenant, "acme-h");
}

static void test_window_end_is_inclusive(void **state)
{
  const wl_source_driver *d = wl_source_driver_find("8x8");
  wl_src_request r;
  wl_source s;
  wl_tz *tz = NULL;
  (void)state;
  source(&s);
  assert_int_equal(wl_tz_load(&tz, "UTC"), 0);
  /* [2024-11-03 00:00, 00:15) UTC: END is 00:14:59, in the source's zone */
  assert_int_equal(d->window_request(&r, &s, tz, 1730592000, 1730592900, 101), 0);
  assert_string_equal(r.path, "stats/allinteractions.json");
  assert_string_equal(r.query, "d=2024-11-03T00:00:00%2B00:00,2024-11-03T00:14:59%2B00:00"
                               "&tz=UTC&n=101");
  wl_tz_free(tz);
  tz = NULL;
  assert_int_equal(wl_tz_load(&tz, "America/New_York"), 0);
  assert_int_equal(d->window_request(&r, &s, tz, 1730592000, 1730592900, 1), 0);
  assert_string_equal(r.query, "d=2024-11-02T20:00:00-04:00,2024-11-02T20:14:59-04:00"
                               "&tz=America%2FNew_York&n=1");
  wl_tz_free(tz);
}

static void test_paging_and_cap(void **state)
{
  const wl_source_driver *d = wl_source_driver_find("8x8");
  int64_t n = 1;
  (void)state;
  assert_int_equal(d->page_size, 50);
  assert_int_equal(d->next_page(&n, 49, 1), 0);
  assert_int_equal(n, 1);
  assert_int_equal(d->next_page(&n, 50, 1), 1);
  assert_int_equal(n, 51);
  assert_int_equal(d->next_page(&n, 50, d->max_pages), WL_EFAIL);
  assert_string_equal(wl_errmsg(), "more than 20000 pages in one window: 8x8 does not seem to page");
  assert_int_equal(n, 51);
}

static void test_detect_format(void **state)
{
  (void)state;
  assert_int_equal(wl_8x8_detect_format("<agents/>", 9), WL_8X8_XML);
  assert_int_equal(wl_8x8_detect_format("\xEF\xBB\xBF \r\n<agents/>", 15), WL_8X8_XML);
  assert_int_equal(wl_8x8_detect_format(" {\"agent\": []}", 14), WL_8X8_JSON);
  assert_int_equal(wl_8x8_detect_format("\xEF\xBB\xBF[]", 5), WL_8X8_JSON);
  assert_int_equal(wl_8x8_detect_format("", 0), WL_8X8_JSON);
  assert_int_equal(wl_8x8_detect_format(NULL, 0), WL_8X8_JSON);
  /* nothing beyond len is read */
  assert_int_equal(wl_8x8_detect_format("  <x/>", 2), WL_8X8_JSON);
}

static int count(void *payload, const wl_src_queue *q)
{
  (void)q;
  (*(int *)payload)++;
  return 0;
}

/* The driver's parsers detect the format themselves. */
static void test_parse_either_format(void **state)
{
  const wl_source_driver *d = wl_source_driver_find("8x8");
  const char *json = "\xEF\xBB\xBF{\"queues\": {\"queue\": [{\"queue-id\": 1, \"queue-name\": \"Sales\"}]}}";
  const char *xml = "<queues><queue><queue-id>1</queue-id><queue-name>Sales</queue-name></queue>"
                    "<queue><queue-id>2</queue-id></queue></queues>";
  int n = 0;
  (void)state;
  assert_int_equal(d->parse_queues(json, strlen(json), count, &n), 0);
  assert_int_equal(n, 1);
  n = 0;
  assert_int_equal(d->parse_queues(xml, strlen(xml), count, &n), 0);
  assert_int_equal(n, 2);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_find),
      cmocka_unit_test(test_requests),
      cmocka_unit_test(test_window_end_is_inclusive),
      cmocka_unit_test(test_paging_and_cap),
      cmocka_unit_test(test_detect_format),
      cmocka_unit_test(test_parse_either_format),
  };
  return cmocka_run_group_tests_name("8x8 driver", tests, NULL, NULL);
}
