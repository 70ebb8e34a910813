/*
 * Source leases (store.h lease_*) and the transaction rules that several
 * `serve` instances on one database rely on, against the interface only:
 * WL_TEST_DSN selects the database (tests/e2e/pg_store.sh passes a
 * PostgreSQL URI); without it each test gets a fresh SQLite file under
 * $WL_TEST_TMP (or /tmp). Sources are unique per run and removed at the end.
 *
 * With WL_TEST_DB_RESTART set to a command that restarts the database
 * server, test_reconnect also checks what a store does when its connection
 * is cut (pg_store.sh sets it; otherwise that test is skipped).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "store_fixture.h"
#include "util/err.h"

/* ---- fixture --------------------------------------------------------- */

typedef struct fx {
  wl_store *st;
  char path[512]; /* the SQLite file, "" when WL_TEST_DSN is used */
  char dsn[600];
  int64_t src, src2;
  char owner_a[64], owner_b[64]; /* unique per run: the database may be shared */
} fx;

static int setup(void **state)
{
  fx *f = calloc(1, sizeof(*f));
  assert_non_null(f);
  store_fx_open(&f->st, f->path, sizeof(f->path), f->dsn, sizeof(f->dsn), "test_lease");
  f->src = store_fx_add_source(NULL, 0, f->st, "lease");
  f->src2 = store_fx_add_source(NULL, 0, f->st, "lease");
  store_fx_unique_name(f->owner_a, sizeof(f->owner_a), "host-a");
  store_fx_unique_name(f->owner_b, sizeof(f->owner_b), "host-b");
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  fx *f = *state;
  if (f->st) {
    wl_store_source_remove(f->st, f->src); /* may already be gone */
    wl_store_source_remove(f->st, f->src2);
  }
  store_fx_close(f->st, f->path);
  free(f);
  return 0;
}

/* ---- lease rows as text ---------------------------------------------- */

typedef struct lease_sink {
  const fx *f;
  char s[1024];
  size_t n;
} lease_sink;

/* Only this test's sources; owners shown as A / B. */
static int lease_cb(void *p, int64_t source_id, const char *owner, int64_t acquired_at,
                    int64_t expires_at)
{
  lease_sink *k = p;
  const char *who = strcmp(owner, k->f->owner_a) == 0   ? "A"
                    : strcmp(owner, k->f->owner_b) == 0 ? "B"
                                                        : owner;
  int w;
  if (source_id != k->f->src && source_id != k->f->src2)
    return 0;
  w = snprintf(k->s + k->n, sizeof(k->s) - k->n, "%s:%s %lld-%lld;",
               source_id == k->f->src ? "s1" : "s2", who, (long long)acquired_at,
               (long long)expires_at);
  assert_true(w > 0 && (size_t)w < sizeof(k->s) - k->n);
  k->n += (size_t)w;
  return 0;
}

static const char *leases(fx *f, lease_sink *k)
{
  memset(k, 0, sizeof(*k));
  k->f = f;
  assert_int_equal(wl_store_leases_list(f->st, lease_cb, k), 0);
  return k->s;
}

static int acquire(fx *f, int64_t src, const char *owner, int64_t now, int64_t ttl)
{
  int held = -1;
  assert_int_equal(wl_store_lease_acquire(f->st, &held, src, owner, now, ttl), 0);
  assert_true(held == 0 || held == 1);
  return held;
}

/* ---- leases ---------------------------------------------------------- */

static void test_lease_take_renew_expire(void **state)
{
  fx *f = *state;
  lease_sink k;
  const char *A = f->owner_a, *B = f->owner_b;

  assert_string_equal(leases(f, &k), "");
  assert_int_equal(acquire(f, f->src, A, 1000, 30), 1);
  assert_string_equal(leases(f, &k), "s1:A 1000-1030;");

  /* fresh and someone else's: left alone, even one second before expiry */
  assert_int_equal(acquire(f, f->src, B, 1000, 30), 0);
  assert_int_equal(acquire(f, f->src, B, 1029, 30), 0);
  assert_string_equal(leases(f, &k), "s1:A 1000-1030;");

  /* renewing moves the expiry and keeps when it was taken */
  assert_int_equal(acquire(f, f->src, A, 1020, 30), 1);
  assert_string_equal(leases(f, &k), "s1:A 1000-1050;");

  /* expired (expires_at <= now): taken over */
  assert_int_equal(acquire(f, f->src, B, 1050, 20), 1);
  assert_string_equal(leases(f, &k), "s1:B 1050-1070;");
  /* and the old owner's renewal now fails: it must stop collecting */
  assert_int_equal(acquire(f, f->src, A, 1051, 30), 0);
  assert_string_equal(leases(f, &k), "s1:B 1050-1070;");

  /* the owner may renew a lease it let expire, if nobody took it */
  assert_int_equal(acquire(f, f->src, B, 2000, 20), 1);
  assert_string_equal(leases(f, &k), "s1:B 1050-2020;");

  /* leases are per source */
  assert_int_equal(acquire(f, f->src2, A, 2000, 10), 1);
  assert_string_equal(leases(f, &k), "s1:B 1050-2020;s2:A 2000-2010;");
}

static void test_lease_release(void **state)
{
  fx *f = *state;
  lease_sink k;
  const char *A = f->owner_a, *B = f->owner_b;

  assert_int_equal(acquire(f, f->src, A, 100, 60), 1);
  assert_int_equal(acquire(f, f->src2, A, 100, 60), 1);
  /* not the owner: nothing happens, and no error */
  assert_int_equal(wl_store_lease_release(f->st, f->src, B), 0);
  assert_string_equal(leases(f, &k), "s1:A 100-160;s2:A 100-160;");
  assert_int_equal(wl_store_lease_release(f->st, f->src, A), 0);
  assert_string_equal(leases(f, &k), "s2:A 100-160;");
  assert_int_equal(wl_store_lease_release(f->st, f->src, A), 0); /* again: harmless */

  /* a released source is free at once */
  assert_int_equal(acquire(f, f->src, B, 101, 60), 1);
  assert_string_equal(leases(f, &k), "s1:B 101-161;s2:A 100-160;");

  /* source 0: every lease of the owner, nobody else's */
  assert_int_equal(wl_store_lease_release(f->st, 0, A), 0);
  assert_string_equal(leases(f, &k), "s1:B 101-161;");
  assert_int_equal(wl_store_lease_release(f->st, 0, B), 0);
  assert_string_equal(leases(f, &k), "");
}

static void test_lease_errors(void **state)
{
  fx *f = *state;
  lease_sink k;
  int held = -1;

  assert_int_equal(wl_store_lease_acquire(f->st, &held, 987654321, f->owner_a, 100, 30),
                   WL_ENOTFOUND);
  assert_int_equal(held, 0);
  assert_string_equal(wl_errmsg(), "no source with id 987654321");
  held = -1;
  assert_int_equal(wl_store_lease_acquire(f->st, &held, f->src, "", 100, 30), WL_EUSAGE);
  assert_int_equal(held, 0);
  assert_int_equal(wl_store_lease_acquire(f->st, &held, f->src, NULL, 100, 30), WL_EUSAGE);
  assert_int_equal(wl_store_lease_acquire(f->st, &held, f->src, f->owner_a, 100, 0), WL_EUSAGE);
  assert_int_equal(wl_store_lease_acquire(f->st, &held, f->src, f->owner_a, 100, -5), WL_EUSAGE);
  assert_int_equal(wl_store_lease_acquire(f->st, &held, f->src, f->owner_a, INT64_MAX - 5, 30),
                   WL_EUSAGE);
  assert_int_equal(wl_store_lease_release(f->st, f->src, ""), WL_EUSAGE);
  assert_string_equal(leases(f, &k), "");
}

static void test_lease_source_removed(void **state)
{
  fx *f = *state;
  lease_sink k;
  assert_int_equal(acquire(f, f->src, f->owner_a, 100, 60), 1);
  assert_int_equal(acquire(f, f->src2, f->owner_b, 100, 60), 1);
  assert_int_equal(wl_store_source_remove(f->st, f->src), 0);
  assert_string_equal(leases(f, &k), "s2:B 100-160;");
}

static void test_lease_in_transaction(void **state)
{
  fx *f = *state;
  lease_sink k;
  assert_int_equal(wl_store_begin(f->st), 0);
  assert_int_equal(acquire(f, f->src, f->owner_a, 100, 60), 1);
  assert_int_equal(wl_store_rollback(f->st), 0);
  assert_string_equal(leases(f, &k), "");
  assert_int_equal(wl_store_begin(f->st), 0);
  assert_int_equal(acquire(f, f->src, f->owner_a, 100, 60), 1);
  assert_int_equal(wl_store_commit(f->st), 0);
  assert_string_equal(leases(f, &k), "s1:A 100-160;");
}

/* Two instances (two store objects, two threads) ask for the same expired
 * lease at the same moment, round after round: exactly one gets it. */
#define RACE_ROUNDS 60

typedef struct racer {
  fx *f;
  wl_store *st;
  const char *owner;
  pthread_barrier_t *barrier;
  int won[RACE_ROUNDS];
  int rc;
} racer;

static void *race(void *arg)
{
  racer *r = arg;
  for (int i = 0; i < RACE_ROUNDS; i++) {
    int held = 0;
    pthread_barrier_wait(r->barrier);
    /* each round starts after the previous lease expired */
    if (r->rc == 0)
      r->rc = wl_store_lease_acquire(r->st, &held, r->f->src, r->owner, 10000 + i * 100, 50);
    r->won[i] = held;
  }
  return NULL;
}

static void test_lease_race(void **state)
{
  fx *f = *state;
  pthread_barrier_t barrier;
  racer r[2];
  pthread_t t[2];
  int wins[2] = {0, 0};
  memset(r, 0, sizeof(r));
  assert_int_equal(pthread_barrier_init(&barrier, NULL, 2), 0);
  for (int i = 0; i < 2; i++) {
    r[i].f = f;
    r[i].owner = i == 0 ? f->owner_a : f->owner_b;
    r[i].barrier = &barrier;
    if (wl_store_open(&r[i].st, f->dsn) != 0)
      fail_msg("open %s: %s", f->dsn, wl_errmsg());
  }
  for (int i = 0; i < 2; i++)
    assert_int_equal(pthread_create(&t[i], NULL, race, &r[i]), 0);
  for (int i = 0; i < 2; i++)
    pthread_join(t[i], NULL);
  pthread_barrier_destroy(&barrier);
  for (int i = 0; i < 2; i++) {
    assert_int_equal(r[i].rc, 0);
    wl_store_close(r[i].st);
  }
  for (int i = 0; i < RACE_ROUNDS; i++) {
    if (r[0].won[i] + r[1].won[i] != 1)
      fail_msg("round %d: %d winners", i, r[0].won[i] + r[1].won[i]);
    wins[0] += r[0].won[i];
    wins[1] += r[1].won[i];
  }
  assert_int_equal(wins[0] + wins[1], RACE_ROUNDS);
}

/* ---- transactions a failed step leaves usable ------------------------ */

static int count_iv(void *p, const wl_interval_row *r)
{
  (void)r;
  (*(int *)p)++;
  return 0;
}

static void test_transaction_survives_failed_step(void **state)
{
  fx *f = *state;
  wl_source dup, got;
  wl_interval_row one[] = {{"q", 0, 1, 1, 0, 1, 1, 0, 1}};
  wl_interval_row twice[] = {{"q", 0, 1, 1, 0, 1, 1, 0, 1}, {"q", 0, 2, 2, 0, 2, 2, 0, 2}};
  char buf[32];
  int n = 0;

  /* a failed single statement: the transaction goes on and commits */
  assert_int_equal(wl_store_source_get_by_id(f->st, &dup, f->src), 0);
  assert_int_equal(wl_store_begin(f->st), 0);
  assert_int_equal(wl_store_setting_set(f->st, f->src, "k1", "v1"), 0);
  assert_int_equal(wl_store_source_add(f->st, &dup), WL_EEXISTS);
  assert_int_equal(wl_store_source_get_by_id(f->st, &got, f->src), 0);
  assert_int_equal(wl_store_setting_set(f->st, f->src, "k2", "v2"), 0);
  assert_int_equal(wl_store_commit(f->st), 0);
  assert_int_equal(wl_store_setting_get(f->st, buf, sizeof(buf), f->src, "k1"), 0);
  assert_string_equal(buf, "v1");
  assert_int_equal(wl_store_setting_get(f->st, buf, sizeof(buf), f->src, "k2"), 0);

  /* a failed batch: later statements still run, the commit rolls back */
  assert_int_equal(wl_store_intervals_replace(f->st, f->src, 0, 900, one, 1), 0);
  assert_int_equal(wl_store_begin(f->st), 0);
  assert_int_equal(wl_store_setting_set(f->st, f->src, "k3", "v3"), 0);
  assert_int_equal(wl_store_intervals_replace(f->st, f->src, 0, 900, twice, 2), WL_EUSAGE);
  assert_string_equal(wl_errmsg(), "duplicate interval row for queue q at 0");
  assert_int_equal(wl_store_intervals_query(f->st, f->src, NULL, 0, 900, count_iv, &n), 0);
  assert_int_equal(n, 1);
  assert_int_equal(wl_store_setting_get(f->st, buf, sizeof(buf), f->src, "k3"), 0);
  assert_int_equal(wl_store_commit(f->st), WL_EFAIL);
  assert_int_equal(wl_store_setting_get(f->st, buf, sizeof(buf), f->src, "k3"), WL_ENOTFOUND);

  /* a failed lease step (unknown source) does not doom the transaction */
  assert_int_equal(wl_store_begin(f->st), 0);
  {
    int held = 0;
    assert_int_equal(wl_store_lease_acquire(f->st, &held, 987654321, f->owner_a, 1, 5),
                     WL_ENOTFOUND);
  }
  assert_int_equal(acquire(f, f->src, f->owner_a, 100, 60), 1);
  assert_int_equal(wl_store_commit(f->st), 0);
}

/* ---- a cut connection (PostgreSQL restart) --------------------------- */

static void restart_server(void)
{
  const char *cmd = getenv("WL_TEST_DB_RESTART");
  if (system(cmd) != 0)
    fail_msg("'%s' failed", cmd);
}

static void test_reconnect(void **state)
{
  fx *f = *state;
  lease_sink k;
  char buf[32];
  const char *cmd = getenv("WL_TEST_DB_RESTART");
  if (!cmd || !*cmd || strcmp(wl_store_backend(f->st), "sqlite") == 0) /* no connection to lose */
    skip();
  assert_int_equal(acquire(f, f->src, f->owner_a, 100, 60), 1);

  /* outside a transaction: the first call fails, the next reconnects */
  restart_server();
  memset(&k, 0, sizeof(k));
  k.f = f;
  assert_int_equal(wl_store_leases_list(f->st, lease_cb, &k), WL_EFAIL);
  assert_non_null(strstr(wl_errmsg(), "database connection lost: "));
  assert_string_equal(leases(f, &k), "s1:A 100-160;");

  /* inside one: everything fails until the caller ends it; nothing saved */
  assert_int_equal(wl_store_begin(f->st), 0);
  assert_int_equal(wl_store_setting_set(f->st, f->src, "gone", "1"), 0);
  restart_server();
  assert_int_equal(wl_store_setting_set(f->st, f->src, "gone2", "1"), WL_EFAIL);
  assert_non_null(strstr(wl_errmsg(), "database connection lost: "));
  assert_int_equal(wl_store_setting_get(f->st, buf, sizeof(buf), f->src, "gone"), WL_EFAIL);
  assert_non_null(strstr(wl_errmsg(), "database connection lost: "));
  assert_int_equal(wl_store_commit(f->st), WL_EFAIL);
  assert_string_equal(wl_errmsg(), "database connection lost: the transaction was rolled back "
                                   "and nothing was saved");
  assert_int_equal(wl_store_setting_get(f->st, buf, sizeof(buf), f->src, "gone"), WL_ENOTFOUND);
  assert_int_equal(acquire(f, f->src, f->owner_a, 120, 60), 1);
  assert_string_equal(leases(f, &k), "s1:A 100-180;");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
  const struct CMUnitTest tests[] = {
    T(test_lease_take_renew_expire),
    T(test_lease_release),
    T(test_lease_errors),
    T(test_lease_source_removed),
    T(test_lease_in_transaction),
    T(test_lease_race),
    T(test_transaction_survives_failed_step),
    T(test_reconnect),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
