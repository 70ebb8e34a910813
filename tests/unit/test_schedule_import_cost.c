/*
 * A schedule re-import costs work linear in its rows (issue 16: a per-segment
 * delete bounded only by end_utc scanned every later segment, so 1,000,000
 * rows held the write lock for 9 minutes). Work is counted in SQLite virtual
 * machine steps (a progress handler on every connection), not timed: the
 * steps per re-imported row must stay flat when the agent's stored
 * schedule grows fourfold.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/app.h"
#include "core/schedules.h"
#include "store/store.h"

static unsigned long steps;

static int count_step(void *unused)
{
  (void)unused;
  steps++;
  return 0;
}

static int install_counter(sqlite3 *db, const char **err, const struct sqlite3_api_routines *api)
{
  (void)err;
  (void)api;
  sqlite3_progress_handler(db, 1, count_step, NULL);
  return SQLITE_OK;
}

/* VM steps per row of re-importing n back-to-back segments of one agent */
static double steps_per_row(size_t n)
{
  char path[256], dsn[300];
  wl_app app;
  wl_source src;
  wl_schedule_row *rows = calloc(n, sizeof(*rows));
  wl_agent_row a = {"a1", "", ""};
  unsigned long before;
  assert_non_null(rows);
  snprintf(path, sizeof(path), "%s/test_sched_cost_%ld_%zu.db",
           getenv("WL_TEST_TMP") && *getenv("WL_TEST_TMP") ? getenv("WL_TEST_TMP") : "/tmp",
           (long)getpid(), n);
  unlink(path);
  snprintf(dsn, sizeof(dsn), "sqlite:%s", path);
  memset(&app, 0, sizeof(app));
  assert_int_equal(wl_store_open(&app.st, dsn), 0);
  memset(&src, 0, sizeof(src));
  snprintf(src.name, sizeof(src.name), "s");
  snprintf(src.vendor, sizeof(src.vendor), "8x8");
  snprintf(src.timezone, sizeof(src.timezone), "UTC");
  src.interval_s = 10;
  src.enabled = 1;
  assert_int_equal(wl_store_source_add(app.st, &src), 0);
  assert_int_equal(wl_store_agents_upsert(app.st, src.id, &a, 1), 0);
  for (size_t i = 0; i < n; i++)
    rows[i] = (wl_schedule_row){"a1", 1700000000 + (int64_t)i * 900,
                                1700000000 + (int64_t)i * 900 + 900, "phone"};
  assert_int_equal(wl_schedule_store_rows(&app, &src, rows, n), 0);
  before = steps;
  assert_int_equal(wl_schedule_store_rows(&app, &src, rows, n), 0);
  before = steps - before;
  wl_store_close(app.st);
  unlink(path);
  free(rows);
  return (double)before / (double)n;
}

static void test_reimport_is_linear(void **state)
{
  (void)state;
  double small = steps_per_row(500), big = steps_per_row(2000);
  /* a scan per row would make each row cost 4x at 4x the rows */
  if (big > small * 1.5)
    fail_msg("re-import steps per row grew from %.0f to %.0f", small, big);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_reimport_is_linear),
  };
  sqlite3_auto_extension((void (*)(void))install_counter);
  return cmocka_run_group_tests(tests, NULL, NULL);
}
