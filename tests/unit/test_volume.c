/*
 * 8x8 legs -> 15-minute volume rows (volume.h, 8x8-api.md section 3), with
 * exact rows for transfers, duplicates, abandons, late data, the [from, to)
 * window, a DST day and 100k legs.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sources/8x8/parse.h"
#include "util/err.h"
#include "util/timeutil.h"
#include "wfm/volume.h"

/* 2024-03-10T13:00:00Z (09:00 in New York, EDT) */
#define T0 INT64_C(1710075600)
#define DAY INT64_C(86400)

static int64_t iso(const char *s)
{
  int64_t t = 0;
  assert_int_equal(wl_time_parse_iso(&t, s), 0);
  return t;
}

/* accept / abandon < 0: absent. */
static wl_leg mk(const char *id, const char *trn, const char *queue, int64_t create,
                 int64_t accept, int64_t abandon, int64_t proc, int64_t post, int inbound)
{
  wl_leg l;
  memset(&l, 0, sizeof(l));
  snprintf(l.interaction_id, sizeof(l.interaction_id), "%s", id);
  snprintf(l.trans_rec_num, sizeof(l.trans_rec_num), "%s", trn);
  snprintf(l.queue_id, sizeof(l.queue_id), "%s", queue);
  snprintf(l.queue_name, sizeof(l.queue_name), "Queue %s", queue);
  snprintf(l.media_type, sizeof(l.media_type), "phone");
  l.inbound = inbound;
  l.create_ts = create;
  l.has_accept = accept >= 0;
  l.accept_ts = accept >= 0 ? accept : 0;
  l.has_abandon = abandon >= 0;
  l.abandon_ts = abandon >= 0 ? abandon : 0;
  l.process_s = proc;
  l.post_process_s = post;
  return l;
}

static void assert_row(const wl_volume_row *r, const char *queue, int64_t start, int64_t entered,
                       int64_t accepted, int64_t abandoned, int64_t handle, int64_t wait)
{
  assert_string_equal(r->queue_id, queue);
  assert_int_equal(r->start_utc, start);
  assert_int_equal(r->entered, entered);
  assert_int_equal(r->accepted, accepted);
  assert_int_equal(r->abandoned, abandoned);
  assert_int_equal(r->handle_time_s, handle);
  assert_int_equal(r->wait_time_s, wait);
}

static void test_basic_interval(void **state)
{
  wl_leg legs[] = {
      /* accepted after 30 s, 100 s talk + 20 s wrap */
      mk("1", "1", "q1", T0, T0 + 30, -1, 100, 20, 1),
      /* abandoned after 60 s */
      mk("2", "1", "q1", T0 + 300, -1, T0 + 360, 0, 0, 1),
      /* transferred away / late data: entered only */
      mk("3", "1", "q1", T0 + 600, -1, -1, 0, 0, 1),
      /* accepted, late durations still 0 */
      mk("4", "1", "q1", T0 + 899, T0 + 905, -1, 0, 0, 1),
      /* outbound: ignored */
      mk("5", "1", "q1", T0 + 10, T0 + 11, -1, 500, 50, 0),
  };
  wl_volume_row *rows = NULL;
  size_t n = 99;
  (void)state;
  assert_int_equal(wl_volume_aggregate(&rows, &n, legs, 5, T0, T0 + DAY), 0);
  assert_int_equal(n, 1);
  assert_row(&rows[0], "q1", T0, 4, 2, 1, 120, 30 + 60 + 6);
  free(rows);
}

/* Two legs of one interaction (different trans-rec-num) both count; an
 * exact duplicate counts once; for differing duplicates the last one wins. */
static void test_transfers_and_duplicates(void **state)
{
  wl_leg legs[] = {
      mk("100", "1", "q1", T0 + 60, -1, -1, 0, 0, 1),             /* transferred to q2 */
      mk("100", "2", "q2", T0 + 120, T0 + 150, -1, 200, 10, 1),   /* accepted in q2 */
      mk("100", "1", "q1", T0 + 60, -1, -1, 0, 0, 1),             /* exact duplicate */
      mk("101", "1", "q1", T0 + 200, -1, -1, 0, 0, 1),            /* late copy ... */
      mk("101", "1", "q1", T0 + 200, T0 + 230, -1, 40, 5, 1),     /* ... superseded */
      mk("102", "", "q1", T0 + 300, T0 + 310, -1, 10, 0, 1),      /* no trans-rec-num: */
      mk("102", "", "q1", T0 + 300, T0 + 310, -1, 10, 0, 1),      /* cannot be told apart */
      mk("", "1", "q1", T0 + 400, -1, -1, 0, 0, 1),               /* no id: never a dup */
      mk("", "1", "q1", T0 + 400, -1, -1, 0, 0, 1),
  };
  wl_volume_row *rows = NULL;
  size_t n = 0;
  (void)state;
  assert_int_equal(wl_volume_aggregate(&rows, &n, legs, sizeof(legs) / sizeof(legs[0]), T0,
                                       T0 + 900),
                   0);
  assert_int_equal(n, 2);
  assert_row(&rows[0], "q1", T0, 6, 3, 0, 45 + 20, 30 + 20);
  assert_row(&rows[1], "q2", T0, 1, 1, 0, 210, 30);
  free(rows);
}

static void test_abandon_and_clamps(void **state)
{
  wl_leg legs[] = {
      mk("1", "1", "q1", T0 + 5, -1, T0 + 125, 0, 0, 1),
      /* both times (should not happen): both waits add, as section 3 says */
      mk("2", "1", "q1", T0 + 10, T0 + 50, T0 + 30, 7, 3, 1),
      /* clock skew: accept before create adds its negative wait as the
       * formula says; negative durations count 0 */
      mk("3", "1", "q1", T0 + 20, T0 + 15, -1, -5, 4, 1),
  };
  wl_volume_row *rows = NULL;
  size_t n = 0;
  (void)state;
  assert_int_equal(wl_volume_aggregate(&rows, &n, legs, 3, T0, T0 + 900), 0);
  assert_int_equal(n, 1);
  assert_row(&rows[0], "q1", T0, 3, 2, 2, 10 + 4, 120 + (40 + 20) - 5);
  free(rows);
}

static void test_window_and_order(void **state)
{
  wl_leg legs[] = {
      mk("1", "1", "b", T0 + 3600, -1, -1, 0, 0, 1), /* 10:00 local */
      mk("2", "1", "a", T0 + 3600 + 899, -1, -1, 0, 0, 1),
      mk("3", "1", "b", T0, -1, -1, 0, 0, 1),        /* at from: in */
      mk("4", "1", "a", T0 - 1, -1, -1, 0, 0, 1),    /* before from: out */
      mk("5", "1", "c", T0 + 7200, -1, -1, 0, 0, 1), /* at to: out */
      mk("6", "1", "a", T0 + 7199, -1, -1, 0, 0, 1), /* last second: in */
      mk("7", "1", "z", T0 + 1800, T0 + 1801, -1, 9, 9, 0), /* outbound only: no row */
      mk("8", "1", "a", T0 + 120, -1, -1, 0, 0, 1),
  };
  wl_volume_row *rows = NULL;
  size_t n = 0;
  (void)state;
  assert_int_equal(wl_volume_aggregate(&rows, &n, legs, 8, T0, T0 + 7200), 0);
  /* rows only where contacts entered: nothing for 13:15 .. 13:45 */
  assert_int_equal(n, 5);
  assert_row(&rows[0], "a", T0, 1, 0, 0, 0, 0);
  assert_row(&rows[1], "b", T0, 1, 0, 0, 0, 0);
  assert_row(&rows[2], "a", T0 + 3600, 1, 0, 0, 0, 0);
  assert_row(&rows[3], "b", T0 + 3600, 1, 0, 0, 0, 0);
  assert_row(&rows[4], "a", T0 + 6300, 1, 0, 0, 0, 0);
  free(rows);
}

static void test_empty_and_errors(void **state)
{
  wl_leg out = mk("1", "1", "q1", T0, T0 + 1, -1, 1, 1, 0);
  wl_volume_row *rows = (wl_volume_row *)&out;
  size_t n = 99;
  (void)state;
  assert_int_equal(wl_volume_aggregate(&rows, &n, NULL, 0, T0, T0 + 900), 0);
  assert_null(rows);
  assert_int_equal(n, 0);
  assert_int_equal(wl_volume_aggregate(&rows, &n, &out, 1, T0, T0 + 900), 0);
  assert_null(rows);
  assert_int_equal(n, 0);
  assert_int_equal(wl_volume_aggregate(&rows, &n, &out, 1, T0, T0), 0);
  assert_int_equal(n, 0);
  assert_int_equal(wl_volume_aggregate(&rows, &n, &out, 1, T0 + 1, T0), WL_EUSAGE);
  assert_int_equal(wl_volume_aggregate(&rows, &n, NULL, 3, T0, T0 + 1), WL_EUSAGE);
}

/* Intervals are aligned in UTC with floor toward -inf (before 1970 too). */
static void test_negative_instants(void **state)
{
  wl_leg legs[] = {
      mk("1", "1", "q", -1, -1, -1, 0, 0, 1),
      mk("2", "1", "q", -900, -1, -1, 0, 0, 1),
      mk("3", "1", "q", -901, -1, -1, 0, 0, 1),
      mk("4", "1", "q", 0, -1, -1, 0, 0, 1),
  };
  wl_volume_row *rows = NULL;
  size_t n = 0;
  (void)state;
  assert_int_equal(wl_volume_aggregate(&rows, &n, legs, 4, -DAY, DAY), 0);
  assert_int_equal(n, 3);
  assert_row(&rows[0], "q", -1800, 1, 0, 0, 0, 0);
  assert_row(&rows[1], "q", -900, 2, 0, 0, 0, 0);
  assert_row(&rows[2], "q", 0, 1, 0, 0, 0, 0);
  free(rows);
}

/* ---- from an 8x8 answer to rows */

typedef struct legs_vec {
  wl_leg *v;
  size_t n, cap;
} legs_vec;

/* What the adapter does: collect the legs and map queue-name to an id. */
static int collect(void *p, const wl_leg *l)
{
  legs_vec *lv = p;
  if (lv->n == lv->cap) {
    lv->cap = lv->cap ? lv->cap * 2 : 16;
    lv->v = realloc(lv->v, lv->cap * sizeof(*lv->v));
    assert_non_null(lv->v);
  }
  lv->v[lv->n] = *l;
  snprintf(lv->v[lv->n].queue_id, sizeof(lv->v[lv->n].queue_id), "%s",
           strcmp(l->queue_name, "Sales") == 0 ? "101" : "102");
  lv->n++;
  return 0;
}

/* New York falls back on 2024-11-03: 01:30 happens twice. The first is
 * 05:30Z, the second 06:30Z, and they belong to different intervals. */
static void test_dst_day_from_answer(void **state)
{
  static const char body[] =
      "{\"interactions\": {\"interaction\": ["
      "{\"interaction-id\": \"1\", \"trans-rec-num\": \"1\", \"queue-name\": \"Sales\","
      " \"interaction-direction\": \"inbound\", \"media-type\": \"phone\","
      " \"create-timestamp\": \"2024-11-03T01:30:00-04:00\","
      " \"accept-timestamp\": \"2024-11-03T01:30:20-04:00\", \"abandon-timestamp\": \"\","
      " \"process-time\": \"00:03:00\", \"post-process-time\": \"30.5\"},"
      "{\"interaction-id\": \"2\", \"trans-rec-num\": \"1\", \"queue-name\": \"Sales\","
      " \"interaction-direction\": \"inbound\", \"media-type\": \"chat\","
      " \"create-timestamp\": \"2024-11-03T01:30:00-05:00\","
      " \"accept-timestamp\": \"\", \"abandon-timestamp\": \"2024-11-03T01:31:00-05:00\","
      " \"process-time\": \"\", \"post-process-time\": \"\"},"
      "{\"interaction-id\": \"2\", \"trans-rec-num\": \"1\", \"queue-name\": \"Sales\","
      " \"interaction-direction\": \"inbound\", \"media-type\": \"chat\","
      " \"create-timestamp\": \"2024-11-03T01:30:00-05:00\","
      " \"accept-timestamp\": \"\", \"abandon-timestamp\": \"2024-11-03T01:31:00-05:00\","
      " \"process-time\": \"\", \"post-process-time\": \"\"},"
      "{\"interaction-id\": \"3\", \"trans-rec-num\": \"1\", \"queue-name\": \"Sales\","
      " \"interaction-direction\": \"outbound\", \"create-timestamp\": \"2024-11-03T01:35:00-05:00\","
      " \"accept-timestamp\": \"2024-11-03T01:35:01-05:00\", \"process-time\": \"99\"},"
      "{\"interaction-id\": 4, \"queue-name\": \"Support\", \"media-type\": \"email\","
      " \"interaction-direction\": \"INBOUND\","
      " \"create-timestamp\": \"2024-11-03T01:44:59-04:00\","
      " \"accept-timestamp\": \"2024-11-03T02:00:00-05:00\", \"process-time\": 61.5,"
      " \"post-process-time\": \"0:00:09\"}"
      "]}}";
  legs_vec lv = {0};
  wl_volume_row *rows = NULL;
  size_t nrec = 0, nskip = 9, n = 0, len = strlen(body);
  char *b = malloc(len);
  int64_t first = iso("2024-11-03T01:30:00-04:00"), second = iso("2024-11-03T01:30:00-05:00");
  (void)state;
  assert_int_equal(first, INT64_C(1730611800));
  assert_int_equal(second, INT64_C(1730615400));
  assert_non_null(b);
  memcpy(b, body, len);
  assert_int_equal(wl_8x8_parse_interactions(b, len, WL_8X8_JSON, collect, &lv, &nrec, &nskip), 0);
  free(b);
  assert_int_equal(nrec, 5);
  assert_int_equal(nskip, 0);
  assert_int_equal(lv.n, 5);
  assert_int_equal(wl_volume_aggregate(&rows, &n, lv.v, lv.n, iso("2024-11-03T00:00:00-04:00"),
                                       iso("2024-11-04T00:00:00-05:00")),
                   0);
  assert_int_equal(n, 3);
  /* 01:30 EDT: accepted after 20 s, 180 + 31 s handle */
  assert_row(&rows[0], "101", first, 1, 1, 0, 211, 20);
  /* 01:44:59 EDT: same interval as 01:30 EDT; accepted at 02:00 EST = 75:01 later */
  assert_row(&rows[1], "102", first, 1, 1, 0, 62 + 9, 4501);
  /* 01:30 EST: the abandoned chat, its duplicate once, the outbound call not */
  assert_row(&rows[2], "101", second, 1, 0, 1, 0, 60);
  free(rows);
  free(lv.v);
}

/* 100k legs with duplicates across 20 queues and 4 days: exact totals, and
 * fast (sort-based; the bound is loose for sanitizer builds). */
static void test_100k_legs(void **state)
{
  const size_t N = 100000;
  wl_leg *legs = malloc(N * sizeof(*legs));
  wl_volume_row *rows = NULL;
  size_t n = 0, i;
  int64_t entered = 0, accepted = 0, handle = 0, wait = 0, prev_start = INT64_MIN;
  int64_t exp_entered = 0, exp_accepted = 0, exp_handle = 0, exp_wait = 0;
  char id[32], q[16];
  static unsigned char hit[4 * 96][20];
  size_t exp_rows = 0;
  clock_t t;
  (void)state;
  assert_non_null(legs);
  for (i = 0; i < N; i++) {
    /* every 10th leg repeats the previous one (a paging overlap) */
    size_t k = i % 10 == 9 ? i - 1 : i;
    int inbound = k % 7 != 0;
    int64_t create = T0 + (int64_t)((k * 7919) % (4 * 86400));
    snprintf(id, sizeof(id), "%zu", k / 2);
    snprintf(q, sizeof(q), "q%02zu", k % 20);
    legs[i] = mk(id, k % 2 ? "2" : "1", q, create, k % 3 ? create + (int64_t)(k % 50) : -1, -1,
                 (int64_t)(k % 300), 15, inbound);
    if (k == i && inbound) {
      size_t slot = (size_t)((create - T0) / 900);
      exp_rows += !hit[slot][k % 20];
      hit[slot][k % 20] = 1;
      exp_entered++;
      if (k % 3) {
        exp_accepted++;
        exp_handle += (int64_t)(k % 300) + 15;
        exp_wait += (int64_t)(k % 50);
      }
    }
  }
  t = clock();
  assert_int_equal(wl_volume_aggregate(&rows, &n, legs, N, T0, T0 + 4 * DAY), 0);
  t = clock() - t;
  assert_true((double)t / CLOCKS_PER_SEC < 5.0);
  assert_int_equal(n, exp_rows);
  assert_true(n > 1000);
  for (i = 0; i < n; i++) {
    assert_true(rows[i].start_utc % 900 == 0);
    assert_true(rows[i].start_utc > prev_start ||
                (rows[i].start_utc == prev_start &&
                 strcmp(rows[i - 1].queue_id, rows[i].queue_id) < 0));
    prev_start = rows[i].start_utc;
    entered += rows[i].entered;
    accepted += rows[i].accepted;
    handle += rows[i].handle_time_s;
    wait += rows[i].wait_time_s;
  }
  assert_int_equal(entered, exp_entered);
  assert_int_equal(accepted, exp_accepted);
  assert_int_equal(handle, exp_handle);
  assert_int_equal(wait, exp_wait);
  free(rows);
  free(legs);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_basic_interval),
      cmocka_unit_test(test_transfers_and_duplicates),
      cmocka_unit_test(test_abandon_and_clamps),
      cmocka_unit_test(test_window_and_order),
      cmocka_unit_test(test_empty_and_errors),
      cmocka_unit_test(test_negative_instants),
      cmocka_unit_test(test_dst_day_from_answer),
      cmocka_unit_test(test_100k_legs),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
