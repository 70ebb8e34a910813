/*
 * The `setting` table's keys: typed watermark and last-poll instants, and
 * a mistyped key failing loudly (an error for reads and writes, an abort
 * for the typed reads of the settings table) instead of reading as unset.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../store/store_fixture.h"
#include "core/settings.h"

typedef struct fixture {
  wl_store *st;
  char path[512], dsn[600];
  wl_source src;
} fixture;

static int setup(void **state)
{
  fixture *f = calloc(1, sizeof(*f));
  store_fx_open(&f->st, f->path, sizeof(f->path), f->dsn, sizeof(f->dsn), "settings");
  f->src.id = store_fx_add_source(f->src.name, sizeof(f->src.name), f->st, "set");
  f->src.interval_s = 10;
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  fixture *f = *state;
  store_fx_close(f->st, f->path);
  free(f);
  return 0;
}

static void test_instants(void **state)
{
  fixture *f = *state;
  int64_t t = 99;
  assert_int_equal(wl_watermark_get(&t, f->st, f->src.id), WL_ENOTFOUND);
  assert_int_equal(t, 0);
  t = 99;
  assert_int_equal(wl_last_poll_get(&t, f->st, f->src.id), WL_ENOTFOUND);
  assert_int_equal(t, 0);
  assert_int_equal(wl_watermark_set(f->st, f->src.id, 1730592000), 0);
  assert_int_equal(wl_last_poll_set(f->st, f->src.id, 1730592017), 0);
  assert_int_equal(wl_watermark_get(&t, f->st, f->src.id), 0);
  assert_int_equal(t, 1730592000);
  assert_int_equal(wl_last_poll_get(&t, f->st, f->src.id), 0);
  assert_int_equal(t, 1730592017);
  /* the same rows the text settings hold */
  {
    char buf[32];
    assert_int_equal(wl_setting_get(buf, sizeof(buf), f->st, f->src.id, "hist-watermark"), 0);
    assert_string_equal(buf, "1730592000");
  }
}

static void test_known_keys(void **state)
{
  (void)state;
  assert_true(wl_setting_key_known("hist-watermark"));
  assert_true(wl_setting_key_known("rt-last-ok"));
  assert_true(wl_setting_key_known("attention-realtime"));
  assert_true(wl_setting_key_known("attention-historical"));
  assert_true(wl_setting_key_known("adherence-grace-s"));
  assert_true(wl_setting_key_known("instance:host-1"));
  assert_false(wl_setting_key_known("instance:"));
  assert_false(wl_setting_key_known("interval")); /* a column of source */
  assert_false(wl_setting_key_known("hist-watermrk"));
  assert_false(wl_setting_key_known(""));
}

static void test_unknown_key_fails(void **state)
{
  fixture *f = *state;
  char buf[32];
  assert_int_equal(wl_setting_set(f->st, f->src.id, "hist-watermrk", "1"), WL_EFAIL);
  assert_string_equal(wl_errmsg(), "unknown setting key 'hist-watermrk'");
  assert_int_equal(wl_setting_get(buf, sizeof(buf), f->st, f->src.id, "hist-watermrk"), WL_EFAIL);
  /* nothing was written under the typo */
  assert_int_equal(wl_store_setting_get(f->st, buf, sizeof(buf), f->src.id, "hist-watermrk"),
                   WL_ENOTFOUND);
}

/* A typed read of a key outside the table aborts the process. */
static void test_typed_read_of_unknown_key_aborts(void **state)
{
  fixture *f = *state;
  int status = 0;
  pid_t pid;
  fflush(NULL);
  pid = fork();
  assert_true(pid >= 0);
  if (pid == 0) {
    wl_source_setting_int(f->st, &f->src, "repull-window");
    _exit(0);
  }
  assert_int_equal(waitpid(pid, &status, 0), pid);
  assert_true(WIFSIGNALED(status));
  assert_int_equal(WTERMSIG(status), SIGABRT);
  /* the known ones read their defaults */
  assert_int_equal(wl_source_setting_int(f->st, &f->src, "repull-window-s"), 8100);
  assert_int_equal(wl_source_setting_int(f->st, &f->src, "rt-max-gap-s"), 30);
  assert_false(wl_source_setting_bool(f->st, &f->src, "count-unscheduled-work"));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_instants, setup, teardown),
      cmocka_unit_test(test_known_keys),
      cmocka_unit_test_setup_teardown(test_unknown_key_fails, setup, teardown),
      cmocka_unit_test_setup_teardown(test_typed_read_of_unknown_key_aborts, setup, teardown),
  };
  return cmocka_run_group_tests_name("settings", tests, NULL, NULL);
}
