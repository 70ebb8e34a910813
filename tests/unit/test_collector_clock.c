/*
 * Wall clock steps while the service runs (issue 16): the step is detected
 * against the monotonic clock, and the historical pulls, scheduled on the
 * monotonic clock, keep coming when the wall clock goes back an hour (they
 * used to wait for the wall clock to reach the planned time again). The
 * service runs in-process against the in-process emulator, with the clock
 * replaced through wl_set_clock.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/app.h"
#include "core/collector.h"
#include "emu/emu.h"
#include "util/timeutil.h"

static void test_clockwatch(void **state)
{
  wl_clockwatch w = {0};
  (void)state;
  assert_int_equal(wl_clock_jump_s(&w, 1000, 50000), 0); /* first look */
  assert_int_equal(wl_clock_jump_s(&w, 1000, 50250), 0); /* within the second */
  assert_int_equal(wl_clock_jump_s(&w, 1001, 50900), 0);
  assert_int_equal(wl_clock_jump_s(&w, 1001, 53900), 0 - 3); /* stood still 3 s */
  assert_int_equal(wl_clock_jump_s(&w, 1001 - 3600, 54000), -3600);
  assert_int_equal(wl_clock_jump_s(&w, 1001 - 3600 + 1, 55000), 0); /* steady again */
  assert_int_equal(wl_clock_jump_s(&w, 1002, 55100), 3600);
  assert_int_equal(wl_clock_jump_s(&w, 1004, 57100), 0); /* a slow turn */
}

/* The replaced wall clock: the real elapsed time plus a settable step. */
static int64_t base_wall, base_mono_ms;
static atomic_llong step_s;

static int64_t mono_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int64_t fake_clock(void)
{
  return base_wall + (mono_ms() - base_mono_ms) / 1000 + atomic_load(&step_s);
}

typedef struct serve_arg {
  wl_collector *c;
  int rc;
} serve_arg;

static void *serve_thread(void *p)
{
  serve_arg *a = p;
  a->rc = wl_collector_serve(a->c, 2); /* historical only */
  return NULL;
}

static int count_run(void *payload, const wl_run_row *row)
{
  if (getenv("WL_TEST_VERBOSE"))
    fprintf(stderr, "run %lld %s %s %lld..%lld started %lld finished %lld %s\n", (long long)row->id,
            row->kind, row->outcome, (long long)row->window_from, (long long)row->window_to,
            (long long)row->started, (long long)row->finished, row->error ? row->error : "");
  if (strcmp(row->outcome, "running") != 0)
    (*(int *)payload)++;
  return 0;
}

static int finished_runs(wl_app *app)
{
  int n = 0;
  assert_int_equal(wl_store_runs_list(app->st, 0, 100, count_run, &n), 0);
  return n;
}

/* Waits up to ms for more than `than` finished runs; returns the count. */
static int wait_runs(wl_app *app, int than, int ms)
{
  int n = 0;
  for (int waited = 0; waited < ms; waited += 100) {
    if ((n = finished_runs(app)) > than)
      break;
    struct timespec ts = {0, 100 * 1000000L};
    nanosleep(&ts, NULL);
  }
  return n;
}

static void test_historical_pulls_continue_after_step_back(void **state)
{
  const char *tmp = getenv("WL_TEST_TMP");
  char dir[256], dsn[300], wm[32];
  wl_emu_config cfg;
  wl_emu *emu = NULL;
  wl_app *app = NULL;
  wl_source src;
  wl_collector *c = NULL;
  volatile sig_atomic_t stop = 0;
  serve_arg arg = {0};
  pthread_t th;
  int n;
  (void)state;
  snprintf(dir, sizeof(dir), "%s/wl-clock-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  if (tmp && *tmp) {
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", tmp);
    assert_int_equal(system(cmd), 0);
  }
  assert_non_null(mkdtemp(dir));
  /* three seconds before a 15-minute boundary, so the next pull is due 3 s
   * after the first one (hist-delay-s 0) */
  base_wall = 1730730600 + 900 - 3; /* 2024-11-04T14:45:00Z - 3 s */
  base_mono_ms = mono_ms();
  atomic_store(&step_s, 0);
  wl_set_clock(fake_clock);

  wl_emu_config_init(&cfg);
  cfg.quiet = 1;
  cfg.agents = 3;
  cfg.fake_now = base_wall + 60;
  assert_int_equal(wl_emu_start(&emu, &cfg), 0);
  snprintf(dsn, sizeof(dsn), "sqlite:%s/c.db", dir);
  assert_int_equal(wl_app_open(&app, dsn), 0);
  memset(&src, 0, sizeof(src));
  snprintf(src.name, sizeof(src.name), "clk");
  snprintf(src.vendor, sizeof(src.vendor), "8x8");
  snprintf(src.base_url, sizeof(src.base_url), "%s", wl_emu_base_url(emu));
  snprintf(src.hist_base_url, sizeof(src.hist_base_url), "%s", wl_emu_base_url(emu));
  snprintf(src.tenant, sizeof(src.tenant), "demo");
  snprintf(src.hist_tenant, sizeof(src.hist_tenant), "demo");
  snprintf(src.timezone, sizeof(src.timezone), "UTC");
  src.interval_s = 10;
  src.enabled = 1;
  assert_int_equal(wl_store_source_add(app->st, &src), 0);
  assert_int_equal(wl_token_store(app, src.id, WL_TOKEN_RT, "demo-token"), 0);
  assert_int_equal(wl_store_setting_set(app->st, src.id, "hist-delay-s", "0"), 0);
  /* history already complete up to now: only trailing windows are pulled */
  snprintf(wm, sizeof(wm), "%lld", (long long)wl_interval_floor(base_wall));
  assert_int_equal(wl_store_setting_set(app->st, src.id, "hist-watermark", wm), 0);

  assert_int_equal(wl_collector_new(&c, app, &stop), 0);
  arg.c = c;
  assert_int_equal(pthread_create(&th, NULL, serve_thread, &arg), 0);
  n = wait_runs(app, 0, 10000);
  assert_int_equal(n, 1);
  {
    /* the service plans the next pull right after storing the first one */
    struct timespec ts = {0, 800 * 1000000L};
    nanosleep(&ts, NULL);
  }
  /* the wall clock goes back an hour before the boundary is reached */
  atomic_store(&step_s, -3600);
  n = wait_runs(app, 1, 10000);
  stop = 1;
  pthread_join(th, NULL);
  assert_int_equal(arg.rc, 0);
  assert_int_equal(n, 2);

  wl_collector_free(c);
  wl_app_free(app);
  wl_emu_stop(emu);
  wl_set_clock(NULL);
  {
    char cmd[300];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    assert_int_equal(system(cmd), 0);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_clockwatch),
    cmocka_unit_test(test_historical_pulls_continue_after_step_back),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
