/*
 * Collection runs by window (store.h runs_in_range), against the interface
 * only: WL_TEST_DSN selects the database (tests/e2e/pg_store.sh passes a
 * PostgreSQL URI); without it each test gets a fresh SQLite file under
 * $WL_TEST_TMP (or /tmp). Sources are unique per run and removed at the end,
 * so a shared database is fine.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "store_fixture.h"
#include "util/err.h"

typedef struct fx {
  wl_store *st;
  char path[512]; /* the SQLite file, "" when WL_TEST_DSN is used */
  char dsn[600];
  int64_t src, src2;
  int64_t id[16]; /* run ids, in the order they were recorded */
  int nid;
} fx;

static int setup(void **state)
{
  fx *f = calloc(1, sizeof(*f));
  assert_non_null(f);
  store_fx_open(&f->st, f->path, sizeof(f->path), f->dsn, sizeof(f->dsn), "test_runs");
  f->src = store_fx_add_source(NULL, 0, f->st, "runs");
  f->src2 = store_fx_add_source(NULL, 0, f->st, "runs");
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  fx *f = *state;
  if (f->st) {
    wl_store_source_remove(f->st, f->src);
    wl_store_source_remove(f->st, f->src2);
  }
  store_fx_close(f->st, f->path);
  free(f);
  return 0;
}

/* Records a finished run and remembers its id as f->id[n] (n = order). */
static void run(fx *f, int64_t src, const char *kind, int64_t from, int64_t to,
                const char *outcome, int64_t rows)
{
  int64_t id;
  assert_int_equal(wl_store_run_begin(f->st, &id, src, kind, from, to, 1730000000 + f->nid), 0);
  if (outcome)
    assert_int_equal(wl_store_run_end(f->st, id, 1730000100 + f->nid, outcome, 1, rows,
                                    200, strcmp(outcome, "error") ? "" : "HTTP 500"),
                     0);
  f->id[f->nid++] = id;
}

typedef struct sink {
  const fx *f;
  char s[2048];
  size_t n;
  int stop_after; /* > 0: the callback stops the query after this many rows */
  int seen;
} sink;

/* "#n kind from-to outcome rows;" where #n is the order the run was recorded */
static int run_cb(void *p, const wl_run_row *r)
{
  sink *k = p;
  int n = -1;
  for (int i = 0; i < k->f->nid; i++)
    if (k->f->id[i] == r->id)
      n = i;
  k->n += (size_t)snprintf(k->s + k->n, sizeof(k->s) - k->n, "#%d %s %lld-%lld %s %lld;", n,
                           r->kind, (long long)r->window_from, (long long)r->window_to,
                           r->outcome, (long long)r->rows);
  k->seen++;
  return k->stop_after > 0 && k->seen >= k->stop_after ? 7 : 0;
}

static const char *in_range(fx *f, sink *k, int64_t src, const char *kind, int64_t from,
                            int64_t to, int limit)
{
  memset(k, 0, sizeof(*k));
  k->f = f;
  assert_int_equal(wl_store_runs_in_range(f->st, src, kind, from, to, limit, run_cb, k), 0);
  return k->s;
}

/* A day of windows: two 6-hour backfill chunks, 15-minute historical pulls,
 * a failed one, one still running, a real-time run without a window, and
 * another source's run over the same hours. */
static void record_day(fx *f)
{
  run(f, f->src, "backfill", 0, 21600, "ok", 500);             /* #0 */
  run(f, f->src, "backfill", 21600, 43200, "error", 0);         /* #1 */
  run(f, f->src, "historical", 36000, 43200, "ok", 80);         /* #2 */
  run(f, f->src2, "historical", 0, 86400, "ok", 9);             /* #3 */
  run(f, f->src, "realtime", 0, 0, "ok", 3);                    /* #4 */
  run(f, f->src, "historical", 43200, 50400, NULL, 0);          /* #5 running */
  run(f, f->src, "historical", 82800, 86400, "interrupted", 1); /* #6 */
}

static void test_overlap(void **state)
{
  fx *f = *state;
  sink k;
  record_day(f);
  /* every run with a window in the day, newest first; never the other
   * source's, never the windowless real-time run */
  assert_string_equal(in_range(f, &k, f->src, NULL, 1, 86400, 0),
                      "#6 historical 82800-86400 interrupted 1;"
                      "#5 historical 43200-50400 running 0;"
                      "#2 historical 36000-43200 ok 80;"
                      "#1 backfill 21600-43200 error 0;"
                      "#0 backfill 0-21600 ok 500;");
  /* half-open on both sides: a window ending at `from` or starting at `to`
   * does not overlap */
  assert_string_equal(in_range(f, &k, f->src, NULL, 21600, 36000, 0),
                      "#1 backfill 21600-43200 error 0;");
  assert_string_equal(in_range(f, &k, f->src, NULL, 43200, 43201, 0),
                      "#5 historical 43200-50400 running 0;");
  assert_string_equal(in_range(f, &k, f->src, NULL, 42299, 43200, 0),
                      "#2 historical 36000-43200 ok 80;#1 backfill 21600-43200 error 0;");
  assert_string_equal(in_range(f, &k, f->src, NULL, 50400, 82800, 0), "");
  /* one instant inside a window */
  assert_string_equal(in_range(f, &k, f->src, NULL, 100, 101, 0), "#0 backfill 0-21600 ok 500;");
  /* other source */
  assert_string_equal(in_range(f, &k, f->src2, NULL, 0, 86400, 0),
                      "#3 historical 0-86400 ok 9;");
}

static void test_kind_and_limit(void **state)
{
  fx *f = *state;
  sink k;
  record_day(f);
  assert_string_equal(in_range(f, &k, f->src, "backfill", 0, 86400, 0),
                      "#1 backfill 21600-43200 error 0;#0 backfill 0-21600 ok 500;");
  assert_string_equal(in_range(f, &k, f->src, "historical", 0, 86400, 2),
                      "#6 historical 82800-86400 interrupted 1;"
                      "#5 historical 43200-50400 running 0;");
  /* the newest backfill ever: the whole time line, limit 1 */
  assert_string_equal(in_range(f, &k, f->src, "backfill", INT64_MIN + 1, INT64_MAX, 1),
                      "#1 backfill 21600-43200 error 0;");
  assert_string_equal(in_range(f, &k, f->src, "test", 0, 86400, 0), "");
  /* a range that holds 0 includes runs without a window */
  assert_string_equal(in_range(f, &k, f->src, "realtime", -1, 1, 0),
                      "#4 realtime 0-0 ok 3;");
  /* an unknown source has no runs */
  assert_string_equal(in_range(f, &k, f->src + f->src2 + 1000, NULL, 0, 86400, 0), "");
}

static void test_callback_stops(void **state)
{
  fx *f = *state;
  sink k;
  record_day(f);
  memset(&k, 0, sizeof(k));
  k.f = f;
  k.stop_after = 2;
  assert_int_equal(wl_store_runs_in_range(f->st, f->src, NULL, 0, 86400, 0, run_cb, &k), 7);
  assert_int_equal(k.seen, 2);
  /* the store is still usable after a stopped query */
  assert_string_equal(in_range(f, &k, f->src, "backfill", 0, 21600, 0),
                      "#0 backfill 0-21600 ok 500;");
}

static void test_removed_source(void **state)
{
  fx *f = *state;
  sink k;
  record_day(f);
  assert_int_equal(wl_store_source_remove(f->st, f->src), 0);
  assert_string_equal(in_range(f, &k, f->src, NULL, 0, 86400, 0), "");
  assert_string_equal(in_range(f, &k, f->src2, NULL, 0, 86400, 0),
                      "#3 historical 0-86400 ok 9;");
}

/* `interrupted` is what another process writes over a run it believes
 * dead (core/runs.c): it applies only while the run is still running, so
 * a run its process finished meanwhile keeps its outcome, pages and rows.
 * Its own process's end always applies, also over `interrupted`. */
static void test_interrupted_only_while_running(void **state)
{
  fx *f = *state;
  sink k;
  char msg[96];
  run(f, f->src, "backfill", 0, 21600, "ok", 500);    /* #0 */
  run(f, f->src, "backfill", 21600, 43200, NULL, 0);  /* #1 running */
  assert_int_equal(wl_store_run_end(f->st, f->id[0], 1730000500, "interrupted", 0, 0, 0,
                                    "the process collecting it ended without finishing it"),
                   WL_ENOTFOUND);
  snprintf(msg, sizeof(msg), "no running collection run with id %lld", (long long)f->id[0]);
  assert_string_equal(wl_errmsg(), msg);
  assert_int_equal(wl_store_run_end(f->st, f->id[1], 1730000500, "interrupted", 0, 0, 0,
                                    "the process collecting it ended without finishing it"),
                   0);
  assert_string_equal(in_range(f, &k, f->src, NULL, 0, 86400, 0),
                      "#1 backfill 21600-43200 interrupted 0;#0 backfill 0-21600 ok 500;");
  /* twice interrupted: the second finds no running run either */
  assert_int_equal(wl_store_run_end(f->st, f->id[1], 1730000600, "interrupted", 0, 0, 0, ""),
                   WL_ENOTFOUND);
  /* the owner's own end, once it comes, is the truth */
  assert_int_equal(wl_store_run_end(f->st, f->id[1], 1730000700, "ok", 2, 90, 200, ""), 0);
  assert_string_equal(in_range(f, &k, f->src, NULL, 0, 86400, 0),
                      "#1 backfill 21600-43200 ok 90;#0 backfill 0-21600 ok 500;");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
  const struct CMUnitTest tests[] = {
    T(test_overlap),
    T(test_kind_and_limit),
    T(test_callback_stops),
    T(test_removed_source),
    T(test_interrupted_only_while_running),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
