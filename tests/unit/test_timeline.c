#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "wfm/timeline.h"

static wl_rt_agent agent(const char *id, const char *state, const char *code, int64_t tis)
{
  wl_rt_agent a;
  memset(&a, 0, sizeof(a));
  snprintf(a.agent_id, sizeof(a.agent_id), "%s", id);
  snprintf(a.state, sizeof(a.state), "%s", state);
  snprintf(a.vendor_code, sizeof(a.vendor_code), "%s", code);
  a.time_in_status = tis;
  return a;
}

/* Exactly: the open segment (from prev_start) closed at at, and a new one
 * in state opened at at. */
static void expect_close_then_open(const wl_timeline_ops *ops, int64_t prev_start, int64_t at,
                                   const char *state)
{
  assert_int_equal(ops->n, 2);
  assert_int_equal(ops->ops[0].kind, WL_STATE_CLOSE);
  assert_int_equal(ops->ops[0].row.start_utc, prev_start);
  assert_int_equal(ops->ops[0].row.end_utc, at);
  assert_int_equal(ops->ops[1].kind, WL_STATE_INSERT);
  assert_int_equal(ops->ops[1].row.start_utc, at);
  assert_true(ops->ops[1].row.end_utc == WL_OPEN_END);
  assert_string_equal(ops->ops[1].row.state, state);
}

/* The source's first successful poll is the first observation: the time
 * before it is not invented from time-in-status (docs/DECISIONS.md). */
static void test_first_poll_opens_segment_at_the_poll(void **s)
{
  wl_timeline_ops ops;
  wl_rt_agent a = agent("jdoe", "available", "0", 125);
  assert_int_equal(wl_timeline_step(&ops, NULL, 0, 0, &a, 1, 10000, 30), 0);
  assert_int_equal(ops.n, 1);
  assert_int_equal(ops.ops[0].kind, WL_STATE_INSERT);
  assert_string_equal(ops.ops[0].row.agent_id, "jdoe");
  assert_int_equal(ops.ops[0].row.start_utc, 10000);
  assert_true(ops.ops[0].row.end_utc == WL_OPEN_END);
  assert_string_equal(ops.ops[0].row.vendor_code, "0");
  wl_timeline_ops_free(&ops);
}

static void test_unchanged_state_writes_nothing(void **s)
{
  wl_timeline_ops ops;
  wl_state_row open = {"jdoe", 9875, WL_OPEN_END, "available", "0"};
  wl_rt_agent a = agent("jdoe", "available", "0", 135); /* 10010 - 135 = 9875 */
  assert_int_equal(wl_timeline_step(&ops, &open, 1, 10000, &a, 1, 10010, 30), 0);
  assert_int_equal(ops.n, 0);
  /* even after a long outage: time-in-status proves the agent stayed */
  a.time_in_status = 135 + 3600;
  assert_int_equal(wl_timeline_step(&ops, &open, 1, 10000, &a, 1, 13610, 30), 0);
  assert_int_equal(ops.n, 0);
  wl_timeline_ops_free(&ops);
}

static void test_change_within_gap_closes_at_new_start(void **s)
{
  wl_timeline_ops ops;
  wl_state_row open = {"jdoe", 9875, WL_OPEN_END, "available", "0"};
  wl_rt_agent a = agent("jdoe", "busy", "2", 4); /* started 10006 */
  assert_int_equal(wl_timeline_step(&ops, &open, 1, 10000, &a, 1, 10010, 30), 0);
  expect_close_then_open(&ops, 9875, 10006, "busy");
  wl_timeline_ops_free(&ops);
}

static void test_change_after_gap_records_unknown(void **s)
{
  wl_timeline_ops ops;
  wl_state_row open = {"jdoe", 9875, WL_OPEN_END, "available", "0"};
  wl_rt_agent a = agent("jdoe", "break", "4", 100); /* polls 600 s apart */
  assert_int_equal(wl_timeline_step(&ops, &open, 1, 10000, &a, 1, 10600, 30), 0);
  assert_int_equal(ops.n, 3);
  assert_int_equal(ops.ops[0].row.end_utc, 10000);
  assert_int_equal(ops.ops[1].kind, WL_STATE_INSERT);
  assert_string_equal(ops.ops[1].row.state, "unknown");
  assert_string_equal(ops.ops[1].row.vendor_code, "");
  assert_int_equal(ops.ops[1].row.start_utc, 10000);
  assert_int_equal(ops.ops[1].row.end_utc, 10500);
  assert_int_equal(ops.ops[2].row.start_utc, 10500);
  wl_timeline_ops_free(&ops);
}

static void test_same_state_later_start_is_new_segment(void **s)
{
  wl_timeline_ops ops;
  wl_state_row open = {"jdoe", 9875, WL_OPEN_END, "available", "0"};
  wl_rt_agent a = agent("jdoe", "available", "0", 3); /* 10007 > last poll 10000 */
  assert_int_equal(wl_timeline_step(&ops, &open, 1, 10000, &a, 1, 10010, 30), 0);
  assert_int_equal(ops.n, 2);
  assert_int_equal(ops.ops[0].row.end_utc, 10007);
  assert_int_equal(ops.ops[1].row.start_utc, 10007);
  wl_timeline_ops_free(&ops);
}

static void test_unknown_code_differs_from_other_unknown_code(void **s)
{
  wl_timeline_ops ops;
  wl_state_row open = {"x", 100, WL_OPEN_END, "unknown", "7"};
  wl_rt_agent a = agent("x", "unknown", "8", 200);
  assert_int_equal(wl_timeline_step(&ops, &open, 1, 1000, &a, 1, 1010, 30), 0);
  assert_int_equal(ops.n, 2);
  /* 200 s in status, but the poll at 1000 saw code 7: code 8 began after it */
  assert_int_equal(ops.ops[0].row.end_utc, 1000);
  assert_int_equal(ops.ops[1].row.start_utc, 1000);
  assert_string_equal(ops.ops[1].row.vendor_code, "8");
  wl_timeline_ops_free(&ops);
}

static void test_duplicate_agent_in_snapshot_counts_once(void **s)
{
  wl_timeline_ops ops;
  wl_rt_agent a[2] = {agent("x", "busy", "2", 5), agent("x", "wrap", "3", 1)};
  assert_int_equal(wl_timeline_step(&ops, NULL, 0, 0, a, 2, 1000, 30), 0);
  assert_int_equal(ops.n, 1);
  assert_string_equal(ops.ops[0].row.state, "busy");
  wl_timeline_ops_free(&ops);
}

#define TEN_YEARS (10 * 365 * 86400LL)

static void test_ten_years_in_status_start_at_first_poll(void **s)
{
  wl_timeline_ops ops;
  wl_rt_agent a = agent("old", "logged_out", "9", TEN_YEARS);
  assert_int_equal(wl_timeline_step(&ops, NULL, 0, 0, &a, 1, 500000000, 30), 0);
  assert_int_equal(ops.n, 1);
  assert_int_equal(ops.ops[0].row.start_utc, 500000000);
  wl_timeline_ops_free(&ops);
}

static void test_new_agent_starts_no_earlier_than_previous_poll(void **s)
{
  wl_timeline_ops ops;
  wl_state_row open = {"jdoe", 9875, WL_OPEN_END, "available", "0"};
  wl_rt_agent a[2] = {agent("jdoe", "available", "0", 135), agent("new", "busy", "2", TEN_YEARS)};
  assert_int_equal(wl_timeline_step(&ops, &open, 1, 10000, a, 2, 10010, 30), 0);
  assert_int_equal(ops.n, 1);
  assert_string_equal(ops.ops[0].row.agent_id, "new");
  assert_int_equal(ops.ops[0].row.start_utc, 10000);
  /* a start after the previous poll is kept as reported */
  wl_timeline_ops_free(&ops);
  a[1].time_in_status = 4;
  assert_int_equal(wl_timeline_step(&ops, &open, 1, 10000, a, 2, 10010, 30), 0);
  assert_int_equal(ops.ops[0].row.start_utc, 10006);
  wl_timeline_ops_free(&ops);
}

static void test_change_after_outage_starts_no_earlier_than_last_poll(void **s)
{
  wl_timeline_ops ops;
  wl_state_row open = {"jdoe", 9875, WL_OPEN_END, "available", "0"};
  wl_rt_agent a = agent("jdoe", "break", "4", TEN_YEARS); /* polls 600 s apart */
  assert_int_equal(wl_timeline_step(&ops, &open, 1, 10000, &a, 1, 10600, 30), 0);
  expect_close_then_open(&ops, 9875, 10000, "break");
  wl_timeline_ops_free(&ops);
}

/* The wall clock went back an hour (now 6420, below the last poll 10010 and
 * the open segment's start 10000): nothing starts after now and nothing is
 * squeezed into 1-second segments; the change waits until the clock passes
 * the stored start again. */
static void test_clock_back_never_stores_a_future_start(void **s)
{
  wl_timeline_ops ops;
  wl_state_row open = {"jdoe", 10000, WL_OPEN_END, "available", "0"};
  wl_rt_agent a[2] = {agent("jdoe", "busy", "2", 5), agent("new", "available", "0", 30)};
  assert_int_equal(wl_timeline_step(&ops, &open, 1, 10010, a, 2, 6420, 30), 0);
  assert_int_equal(ops.n, 0);
  /* the next poll (rt-last-ok is now 6420): the new agent from then on,
   * jdoe still waits */
  wl_timeline_ops_free(&ops);
  assert_int_equal(wl_timeline_step(&ops, &open, 1, 6420, a, 2, 6430, 30), 0);
  assert_int_equal(ops.n, 1);
  assert_string_equal(ops.ops[0].row.agent_id, "new");
  assert_int_equal(ops.ops[0].row.start_utc, 6420);
  /* the clock is past the stored start again: the change is recorded */
  wl_timeline_ops_free(&ops);
  assert_int_equal(wl_timeline_step(&ops, &open, 1, 10015, a, 1, 10020, 30), 0);
  assert_int_equal(ops.n, 2);
  assert_int_equal(ops.ops[0].row.end_utc, 10015);
  assert_int_equal(ops.ops[1].row.start_utc, 10015);
  wl_timeline_ops_free(&ops);
}

/* 100,000 agents in one answer, every one with an open segment, the open
 * rows in reverse order and every record sent twice: each agent yields
 * exactly its own close + insert. The linear search of old needed ~10^10
 * string compares here and ran past the test timeout. */
#define MANY 100000
static void test_hundred_thousand_agents_each_matched_once(void **s)
{
  wl_timeline_ops ops;
  static wl_rt_agent snap[2 * MANY];
  static wl_state_row open[MANY];
  static char ids[MANY][16];
  for (size_t i = 0; i < MANY; i++) {
    snprintf(ids[i], sizeof(ids[i]), "agent%zu", i);
    open[MANY - 1 - i] = (wl_state_row){ids[i], 1000 + (int64_t)(i % 50), WL_OPEN_END,
                                        "available", "0"};
    snap[i] = agent(ids[i], "busy", "2", 5);
    snap[MANY + i] = agent(ids[i], "wrap", "3", 1);
  }
  assert_int_equal(wl_timeline_step(&ops, open, MANY, 2000, snap, 2 * MANY, 2010, 30), 0);
  assert_int_equal(ops.n, 2 * MANY);
  for (size_t i = 0; i < MANY; i++) {
    wl_state_op *c = &ops.ops[2 * i], *n = &ops.ops[2 * i + 1];
    assert_int_equal(c->kind, WL_STATE_CLOSE);
    assert_string_equal(c->row.agent_id, ids[i]);
    assert_int_equal(c->row.start_utc, 1000 + (int64_t)(i % 50));
    assert_int_equal(c->row.end_utc, 2005);
    assert_int_equal(n->kind, WL_STATE_INSERT);
    assert_string_equal(n->row.state, "busy");
  }
  wl_timeline_ops_free(&ops);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_first_poll_opens_segment_at_the_poll),
    cmocka_unit_test(test_unchanged_state_writes_nothing),
    cmocka_unit_test(test_change_within_gap_closes_at_new_start),
    cmocka_unit_test(test_change_after_gap_records_unknown),
    cmocka_unit_test(test_same_state_later_start_is_new_segment),
    cmocka_unit_test(test_unknown_code_differs_from_other_unknown_code),
    cmocka_unit_test(test_duplicate_agent_in_snapshot_counts_once),
    cmocka_unit_test(test_hundred_thousand_agents_each_matched_once),
    cmocka_unit_test(test_clock_back_never_stores_a_future_start),
    cmocka_unit_test(test_ten_years_in_status_start_at_first_poll),
    cmocka_unit_test(test_new_agent_starts_no_earlier_than_previous_poll),
    cmocka_unit_test(test_change_after_outage_starts_no_earlier_than_last_poll),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
