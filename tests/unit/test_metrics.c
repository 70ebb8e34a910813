/*
 * core/metrics.c: outcomes by reason, cumulative histogram buckets, label
 * escaping, and series only for sources that had events.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "core/metrics.h"
#include "util/err.h"

static char *render(wl_buf *b)
{
  wl_buf_init(b, 1 << 20);
  assert_int_equal(wl_metrics_render(b), 0);
  assert_int_equal(wl_buf_puts(b, ""), 0);
  return b->ptr;
}

static void test_reasons(void **state)
{
  wl_buf b;
  (void)state;
  wl_metrics_reset();
  wl_metrics_rt_poll("acme", 0, 12, 3);
  wl_metrics_rt_poll("acme", 0, 11, 2);
  wl_metrics_rt_poll("acme", WL_EAUTH, 0, 0);
  wl_metrics_rt_poll("acme", WL_ETIMEOUT, 0, 0);
  wl_metrics_window("acme", "backfill", 0, 40);
  wl_metrics_window("acme", "historical", WL_EFAIL, 9);
  char *t = render(&b);
  assert_non_null(strstr(t, "wfmlink_rt_polls_total{source=\"acme\",outcome=\"ok\"} 2\n"));
  assert_non_null(strstr(t, "wfmlink_rt_polls_total{source=\"acme\",outcome=\"auth\"} 1\n"));
  assert_non_null(strstr(t, "wfmlink_rt_polls_total{source=\"acme\",outcome=\"timeout\"} 1\n"));
  assert_non_null(strstr(t, "wfmlink_rt_agents_seen{source=\"acme\"} 11\n"));
  assert_non_null(strstr(t, "wfmlink_rt_state_changes_total{source=\"acme\"} 5\n"));
  assert_non_null(strstr(t, "wfmlink_hist_rows_total{source=\"acme\",kind=\"backfill\"} 40\n"));
  /* a failed window's rows were never stored */
  assert_non_null(strstr(t, "wfmlink_hist_rows_total{source=\"acme\",kind=\"historical\"} 0\n"));
  assert_non_null(strstr(t, "wfmlink_hist_windows_total{source=\"acme\",kind=\"historical\",outcome=\"error\"} 1\n"));
  wl_buf_free(&b);
}

static void test_histogram(void **state)
{
  wl_buf b;
  (void)state;
  wl_metrics_reset();
  wl_metrics_http("a", WL_API_QUEUES, 0.03);
  wl_metrics_http("a", WL_API_QUEUES, 0.2);
  wl_metrics_http("a", WL_API_QUEUES, 99);
  wl_metrics_store_tx(0.004);
  char *t = render(&b);
  const char *p = "wfmlink_http_request_duration_seconds_bucket{source=\"a\",api=\"queues\",";
  char want[256];
  snprintf(want, sizeof(want), "%sle=\"0.025\"} 0\n%sle=\"0.05\"} 1\n", p, p);
  assert_non_null(strstr(t, want));
  snprintf(want, sizeof(want), "%sle=\"30\"} 2\n%sle=\"+Inf\"} 3\n", p, p);
  assert_non_null(strstr(t, want));
  assert_non_null(strstr(t, "wfmlink_http_request_duration_seconds_count{source=\"a\",api=\"queues\"} 3\n"));
  assert_non_null(strstr(t, "wfmlink_store_transaction_duration_seconds_bucket{le=\"0.01\"} 1\n"));
  assert_non_null(strstr(t, "wfmlink_store_transaction_duration_seconds_count 1\n"));
  wl_buf_free(&b);
}

static void test_label_escape(void **state)
{
  wl_buf b;
  (void)state;
  wl_buf_init(&b, 256);
  assert_int_equal(wl_metrics_label(&b, "a\"b\\c\nd"), 0);
  assert_int_equal(wl_buf_puts(&b, ""), 0);
  assert_string_equal(b.ptr, "\"a\\\"b\\\\c\\nd\"");
  wl_buf_free(&b);
}

static void test_lease_only_when_known(void **state)
{
  wl_buf b;
  (void)state;
  wl_metrics_reset();
  wl_metrics_rt_poll("x", 0, 1, 0);
  char *t = render(&b);
  assert_null(strstr(t, "wfmlink_lease_held{"));
  wl_buf_free(&b);
  wl_metrics_lease("x", 0);
  t = render(&b);
  assert_non_null(strstr(t, "wfmlink_lease_held{source=\"x\"} 0\n"));
  wl_buf_free(&b);
}

static void test_stream(void **state)
{
  wl_buf b;
  (void)state;
  wl_metrics_reset();
  wl_metrics_rt_poll("quiet", 0, 1, 0);
  wl_metrics_stream("s", WL_MS_APPLIED, 7);
  wl_metrics_stream("s", WL_MS_APPLIED, 3);
  wl_metrics_stream("s", WL_MS_DUPLICATE, 2);
  wl_metrics_stream("s", WL_MS_MISMATCH, 0); /* nothing found: no change */
  wl_metrics_stream("s", WL_MS_RECONNECT, 1);
  wl_metrics_stream_mode("s", 1);
  wl_metrics_stream_mode("s", 3);
  char *t = render(&b);
  assert_non_null(strstr(t, "wfmlink_stream_events_applied_total{source=\"s\"} 10\n"));
  assert_non_null(strstr(t, "wfmlink_stream_duplicates_total{source=\"s\"} 2\n"));
  assert_non_null(strstr(t, "wfmlink_stream_bad_frames_total{source=\"s\"} 0\n"));
  assert_non_null(strstr(t, "wfmlink_stream_mismatches_total{source=\"s\"} 0\n"));
  assert_non_null(strstr(t, "wfmlink_stream_reconnects_total{source=\"s\"} 1\n"));
  assert_non_null(strstr(t, "wfmlink_stream_mode{source=\"s\",mode=\"live\"} 0\n"));
  assert_non_null(strstr(t, "wfmlink_stream_mode{source=\"s\",mode=\"polling_only\"} 1\n"));
  assert_non_null(strstr(t, "# TYPE wfmlink_stream_mode gauge\n"));
  /* a source that never streamed has no stream series */
  assert_null(strstr(t, "wfmlink_stream_events_applied_total{source=\"quiet\"}"));
  assert_null(strstr(t, "wfmlink_stream_mode{source=\"quiet\""));
  wl_buf_free(&b);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_reasons),
    cmocka_unit_test(test_histogram),
    cmocka_unit_test(test_label_escape),
    cmocka_unit_test(test_lease_only_when_known),
    cmocka_unit_test(test_stream),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
