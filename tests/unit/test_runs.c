/*
 * Run owners and stale runs (core/runs.c) against a SQLite store: which
 * runs left `running` wl_runs_interrupt_stale closes, and that it never
 * closes a run its process finished meanwhile. The store's settings reads
 * are wrapped to let the owner finish its run between the sweeper's list
 * and its decision, the way a `collect --once` ends beside a sweeping
 * `serve`.
 */
#define _GNU_SOURCE /* unshare, sethostname */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/app.h"
#include "core/runs.h"
#include "store/backend.h"
#include "store/store.h"
#include "util/err.h"

typedef struct fixture {
  char dir[256];
  wl_app *app;
  int64_t src;
} fixture;

static int setup(void **state)
{
  fixture *f = calloc(1, sizeof(*f));
  char dsn[300];
  const char *tmp = getenv("WL_TEST_TMP");
  wl_source s;
  if (!f)
    return -1;
  if (!tmp || !*tmp)
    tmp = "/tmp";
  mkdir(tmp, 0700);
  snprintf(f->dir, sizeof(f->dir), "%s/wl-runs-XXXXXX", tmp);
  if (!mkdtemp(f->dir))
    return -1;
  snprintf(dsn, sizeof(dsn), "sqlite:%s/r.db", f->dir);
  if (wl_app_open(&f->app, dsn) != 0)
    return -1;
  memset(&s, 0, sizeof(s));
  snprintf(s.name, sizeof(s.name), "runs");
  snprintf(s.vendor, sizeof(s.vendor), "8x8");
  snprintf(s.base_url, sizeof(s.base_url), "http://127.0.0.1:8980/api/");
  snprintf(s.tenant, sizeof(s.tenant), "acme");
  snprintf(s.timezone, sizeof(s.timezone), "UTC");
  s.interval_s = 10;
  s.enabled = 1;
  s.created_at = s.updated_at = 1700000000;
  if (wl_store_source_add(f->app->st, &s) != 0)
    return -1;
  f->src = s.id;
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  fixture *f = *state;
  char cmd[300];
  wl_app_free(f->app);
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
  if (system(cmd) != 0)
    return -1;
  free(f);
  return 0;
}

static int64_t begin(fixture *f, const char *owner)
{
  int64_t id = 0;
  assert_int_equal(wl_store_run_begin_owned(f->app->st, &id, f->src, "backfill", 0, 900,
                                            1730000000, owner),
                   0);
  return id;
}

typedef struct run_seen {
  int64_t id;
  char outcome[32];
  int64_t pages, rows;
} run_seen;

static int find_run(void *payload, const wl_run_row *row)
{
  run_seen *r = payload;
  if (row->id == r->id) {
    snprintf(r->outcome, sizeof(r->outcome), "%s", row->outcome);
    r->pages = row->pages;
    r->rows = row->rows;
  }
  return 0;
}

static run_seen run_of(fixture *f, int64_t id)
{
  run_seen r = {.id = id, .outcome = "(missing)"};
  assert_int_equal(wl_store_runs_list(f->app->st, f->src, 0, find_run, &r), 0);
  return r;
}

static void heartbeat(fixture *f, const char *owner, int64_t expires)
{
  char key[256], val[32];
  snprintf(key, sizeof(key), "process:%s", owner);
  snprintf(val, sizeof(val), "%lld", (long long)expires);
  assert_int_equal(wl_store_setting_set(f->app->st, 0, key, val), 0);
}

/* "HOST:PID:RANDOM" of a process of this host that has ended */
static void dead_owner(char *out, size_t n)
{
  char host[65] = "";
  pid_t pid = fork();
  assert_true(pid >= 0);
  if (pid == 0)
    _exit(0);
  assert_int_equal(waitpid(pid, NULL, 0), pid);
  assert_int_equal(gethostname(host, sizeof(host) - 1), 0);
  snprintf(out, n, "%s:%ld:0000beef", host, (long)pid);
}

/* The decisions of core/runs.h: no owner, a process of this host that is
 * gone, an expired heartbeat: interrupted; this process, another host's
 * live heartbeat: kept. */
static void test_stale_decisions(void **state)
{
  fixture *f = *state;
  char dead[128], val[32];
  int64_t now = (int64_t)time(NULL);
  int marked = -1;
  dead_owner(dead, sizeof(dead));
  int64_t unowned = begin(f, ""), own = begin(f, f->app->owner), gone = begin(f, dead),
          live = begin(f, "elsewhere:7:0000abcd"), expired = begin(f, "elsewhere:8:0000abcd");
  heartbeat(f, "elsewhere:7:0000abcd", now + 3600);
  heartbeat(f, "elsewhere:8:0000abcd", now - 7200); /* removed an hour past expiry */
  assert_int_equal(wl_runs_interrupt_stale(&marked, f->app, f->src), 0);
  assert_int_equal(marked, 3);
  assert_string_equal(run_of(f, unowned).outcome, "interrupted");
  assert_string_equal(run_of(f, own).outcome, "running");
  assert_string_equal(run_of(f, gone).outcome, "interrupted");
  assert_string_equal(run_of(f, live).outcome, "running");
  assert_string_equal(run_of(f, expired).outcome, "interrupted");
  /* the long-expired heartbeat is removed, the live one kept */
  assert_int_equal(wl_store_setting_get(f->app->st, val, sizeof(val), 0,
                                        "process:elsewhere:8:0000abcd"),
                   WL_ENOTFOUND);
  assert_int_equal(wl_store_setting_get(f->app->st, val, sizeof(val), 0,
                                        "process:elsewhere:7:0000abcd"),
                   0);
}

/* The settings reads of the sweeper, wrapped: at the first one the owner
 * of finishing_run stores its end and removes its heartbeat (its process
 * ends), after the sweeper listed the run as running. */
static const wl_store_ops *real_ops;
static wl_store_ops race_ops;
static wl_store_setting_ops race_settings;
static int64_t finishing_run;
static const char *finishing_owner;

static int finishing_get(wl_store *st, char *out, size_t n, int64_t source_id, const char *key)
{
  if (finishing_run) {
    char hb[256];
    int64_t id = finishing_run;
    finishing_run = 0;
    assert_int_equal(wl_store_run_end(st, id, 1730000900, "ok", 3, 40, 200, ""), 0);
    snprintf(hb, sizeof(hb), "process:%s", finishing_owner);
    assert_int_equal(wl_store_setting_set(st, 0, hb, NULL), 0);
  }
  return real_ops->settings->setting_get(st, out, n, source_id, key);
}

static void test_run_finished_meanwhile_is_kept(void **state)
{
  fixture *f = *state;
  wl_store *st = f->app->st;
  int marked = -1;
  run_seen r;
  const char *owner = "elsewhere:9:0000abcd";
  int64_t id = begin(f, owner);
  heartbeat(f, owner, (int64_t)time(NULL) + 3600);
  real_ops = st->ops;
  race_ops = *real_ops;
  race_settings = *real_ops->settings;
  race_settings.setting_get = finishing_get;
  race_ops.settings = &race_settings;
  finishing_run = id;
  finishing_owner = owner;
  st->ops = &race_ops;
  int rc = wl_runs_interrupt_stale(&marked, f->app, f->src);
  st->ops = real_ops;
  assert_int_equal(finishing_run, 0); /* the owner did finish in between */
  assert_int_equal(rc, 0);
  /* the run ended "ok" with its pages and rows: an `interrupted` written
   * over it would lose both and show a stored window as not collected */
  r = run_of(f, id);
  assert_string_equal(r.outcome, "ok");
  assert_int_equal(r.pages, 3);
  assert_int_equal(r.rows, 40);
  assert_int_equal(marked, 0);
}

/* A heartbeat that cannot be read (the PostgreSQL connection lost at that
 * read; the next call reconnects) is not a missing one: the run of a live
 * serve on another host stays running, the next sweep decides. */
static int failing_get(wl_store *st, char *out, size_t n, int64_t source_id, const char *key)
{
  if (strncmp(key, "instance:", 9) == 0)
    return wl_err(WL_EFAIL, "database connection lost: server closed the connection");
  return real_ops->settings->setting_get(st, out, n, source_id, key);
}

static void test_unreadable_heartbeat_is_not_missing(void **state)
{
  fixture *f = *state;
  wl_store *st = f->app->st;
  char key[128], val[32];
  int marked = -1, rc;
  const char *owner = "elsewhere:10:0000abcd";
  int64_t id = begin(f, owner);
  snprintf(key, sizeof(key), "instance:%s", owner);
  snprintf(val, sizeof(val), "%lld", (long long)time(NULL) + 3600);
  assert_int_equal(wl_store_setting_set(st, 0, key, val), 0);
  real_ops = st->ops;
  race_ops = *real_ops;
  race_settings = *real_ops->settings;
  race_settings.setting_get = failing_get;
  race_ops.settings = &race_settings;
  st->ops = &race_ops;
  rc = wl_runs_interrupt_stale(&marked, f->app, f->src);
  st->ops = real_ops;
  assert_int_equal(rc, 0);
  assert_int_equal(marked, 0);
  assert_string_equal(run_of(f, id).outcome, "running");
}

/* A host name of 64 bytes (the longest Linux allows) is this host's name in
 * the owner id, not the stand-in "host" that every such host would share:
 * with it, a run of another such host whose pid is free here was judged
 * gone although its heartbeat was live. Checked in a child with its own
 * host name (needs CAP_SYS_ADMIN; skipped without). The child's exit code:
 * 0 right, 3 no namespace, else the check that failed. */
static void test_long_host_name(void **state)
{
  fixture *f = *state;
  int status = -1;
  pid_t child, dead_pid;
  char owner[128];
  int64_t id;
  /* a pid that is free on this host, in a run of a live process elsewhere */
  dead_owner(owner, sizeof(owner));
  dead_pid = (pid_t)strtol(strchr(owner, ':') + 1, NULL, 10);
  snprintf(owner, sizeof(owner), "host:%ld:0000cafe", (long)dead_pid);
  id = begin(f, owner);
  heartbeat(f, owner, (int64_t)time(NULL) + 3600);
  child = fork();
  assert_true(child >= 0);
  if (child == 0) {
    char name[65];
    int rc;
    memset(name, 'h', 64);
    name[64] = '\0';
    if (unshare(CLONE_NEWUTS) != 0 || sethostname(name, 64) != 0)
      _exit(3);
    {
      char dsn[300], want[80];
      wl_app *app = NULL;
      int marked = -1;
      snprintf(dsn, sizeof(dsn), "sqlite:%s/r.db", f->dir);
      if (wl_app_open(&app, dsn) != 0)
        _exit(4);
      snprintf(want, sizeof(want), "%s:%ld:", name, (long)getpid());
      if (strncmp(app->owner, want, strlen(want)) != 0)
        _exit(5);
      rc = wl_runs_interrupt_stale(&marked, app, f->src);
      _exit(rc != 0 ? 7 : marked != 0 ? 8 : 0);
    }
  }
  assert_int_equal(waitpid(child, &status, 0), child);
  assert_true(WIFEXITED(status));
  if (WEXITSTATUS(status) == 3)
    skip();
  assert_int_equal(WEXITSTATUS(status), 0);
  assert_string_equal(run_of(f, id).outcome, "running");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
  const struct CMUnitTest tests[] = {
      T(test_stale_decisions),
      T(test_run_finished_meanwhile_is_kept),
      T(test_unreadable_heartbeat_is_not_missing),
      T(test_long_host_name),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
