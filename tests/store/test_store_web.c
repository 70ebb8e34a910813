/*
 * The web-account part of the store contract (store.h): users, sessions
 * and API keys. Written against the interface only, like test_store.c:
 * WL_TEST_DSN selects the database, else each test gets a fresh SQLite file
 * under $WL_TEST_TMP (or /tmp). User names are unique per run and the
 * hashes are plain test strings (the store treats them as opaque text).
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
  char path[512];
  char dsn[600];
  char user[64];   /* a unique user name for this test */
  char other[64];
} fx;

static int setup(void **state)
{
  fx *f = calloc(1, sizeof(*f));
  assert_non_null(f);
  store_fx_open(&f->st, f->path, sizeof(f->path), f->dsn, sizeof(f->dsn), "test_store_web");
  store_fx_unique_name(f->user, sizeof(f->user), "alice");
  store_fx_unique_name(f->other, sizeof(f->other), "bob");
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  fx *f = *state;
  store_fx_close(f->st, f->path);
  free(f);
  return 0;
}

static void test_user_add_get(void **state)
{
  fx *f = *state;
  int64_t id = 0, got = 0;
  char hash[256];
  assert_int_equal(wl_store_user_add(f->st, &id, f->user, "$argon2id$v=19$test-hash-1", 1700000000), 0);
  assert_true(id > 0);
  assert_int_equal(wl_store_user_get(f->st, &got, hash, sizeof(hash), f->user), 0);
  assert_true(got == id);
  assert_string_equal(hash, "$argon2id$v=19$test-hash-1");
  /* the hash may be left out */
  assert_int_equal(wl_store_user_get(f->st, &got, NULL, 0, f->user), 0);
  assert_true(got == id);
}

static void test_user_taken_and_unknown(void **state)
{
  fx *f = *state;
  int64_t id = 0, id2 = 0;
  char hash[64] = "x";
  assert_int_equal(wl_store_user_add(f->st, &id, f->user, "h1", 1700000000), 0);
  assert_int_equal(wl_store_user_add(f->st, &id2, f->user, "h2", 1700000001), WL_EEXISTS);
  assert_true(id2 == 0);
  assert_non_null(strstr(wl_errmsg(), f->user));
  assert_int_equal(wl_store_user_get(f->st, &id2, hash, sizeof(hash), f->other), WL_ENOTFOUND);
  assert_true(id2 == 0);
  assert_string_equal(hash, "");
  assert_int_equal(wl_store_user_add(f->st, &id2, "", "h", 1), WL_EUSAGE);
}

static void test_user_set_password(void **state)
{
  fx *f = *state;
  int64_t id = 0, got = 0;
  char hash[64];
  assert_int_equal(wl_store_user_add(f->st, &id, f->user, "old", 1700000000), 0);
  assert_int_equal(wl_store_user_set_password(f->st, f->user, "new"), 0);
  assert_int_equal(wl_store_user_get(f->st, &got, hash, sizeof(hash), f->user), 0);
  assert_string_equal(hash, "new");
  assert_int_equal(wl_store_user_set_password(f->st, f->other, "x"), WL_ENOTFOUND);
}

typedef struct names {
  char s[1024];
  int n;
} names;

static int collect_user(void *payload, const wl_user_row *row)
{
  names *k = payload;
  size_t len = strlen(k->s);
  snprintf(k->s + len, sizeof(k->s) - len, "%s@%lld;", row->name, (long long)row->created_at);
  k->n++;
  return 0;
}

static int stop_at_first(void *payload, const wl_user_row *row)
{
  (void)row;
  (*(int *)payload)++;
  return 42;
}

static void test_users_list(void **state)
{
  fx *f = *state;
  int64_t id;
  names k = {{0}, 0};
  char want[256];
  int calls = 0;
  /* "bob_..." and "alice_..." in name order whatever the insertion order */
  assert_int_equal(wl_store_user_add(f->st, &id, f->other, "h", 1700000002), 0);
  assert_int_equal(wl_store_user_add(f->st, &id, f->user, "h", 1700000001), 0);
  assert_int_equal(wl_store_users_list(f->st, collect_user, &k), 0);
  snprintf(want, sizeof(want), "%s@1700000001;%s@1700000002;", f->user, f->other);
  if (!getenv("WL_TEST_DSN")) { /* a shared database may hold other users */
    assert_string_equal(k.s, want);
    assert_int_equal(k.n, 2);
  } else {
    assert_non_null(strstr(k.s, want));
  }
  assert_int_equal(wl_store_users_list(f->st, stop_at_first, &calls), 42);
  assert_int_equal(calls, 1);
}

static void test_session_lifecycle(void **state)
{
  fx *f = *state;
  int64_t uid = 0, got = 0;
  char csrf[80], sid[80];
  snprintf(sid, sizeof(sid), "sidhash-%s", f->user);
  assert_int_equal(wl_store_user_add(f->st, &uid, f->user, "h", 1000), 0);
  assert_int_equal(wl_store_session_add(f->st, sid, uid, "csrf-token-1", 2000, 1000), 0);
  assert_int_equal(wl_store_session_get(f->st, &got, csrf, sizeof(csrf), sid, 1999), 0);
  assert_true(got == uid);
  assert_string_equal(csrf, "csrf-token-1");
  /* expires_at <= now: gone, though still stored */
  assert_int_equal(wl_store_session_get(f->st, &got, csrf, sizeof(csrf), sid, 2000), WL_ENOTFOUND);
  assert_true(got == 0);
  assert_string_equal(csrf, "");
  /* unknown id */
  assert_int_equal(wl_store_session_get(f->st, &got, csrf, sizeof(csrf), "nope", 1500), WL_ENOTFOUND);
  /* delete */
  assert_int_equal(wl_store_session_delete(f->st, sid), 0);
  assert_int_equal(wl_store_session_get(f->st, &got, csrf, sizeof(csrf), sid, 1500), WL_ENOTFOUND);
  assert_int_equal(wl_store_session_delete(f->st, sid), 0); /* twice is harmless */
}

static void test_sessions_expire(void **state)
{
  fx *f = *state;
  int64_t uid = 0, got = 0;
  char a[80], b[80], csrf[80];
  snprintf(a, sizeof(a), "a-%s", f->user);
  snprintf(b, sizeof(b), "b-%s", f->user);
  assert_int_equal(wl_store_user_add(f->st, &uid, f->user, "h", 1000), 0);
  assert_int_equal(wl_store_session_add(f->st, a, uid, "c1", 2000, 1000), 0);
  assert_int_equal(wl_store_session_add(f->st, b, uid, "c2", 3000, 1000), 0);
  assert_int_equal(wl_store_session_add(f->st, b, uid, "c3", 3000, 1000), WL_EEXISTS);
  assert_int_equal(wl_store_sessions_expire(f->st, 2000), 0);
  /* a is deleted: even "before" its expiry it is not found any more */
  assert_int_equal(wl_store_session_get(f->st, &got, csrf, sizeof(csrf), a, 1500), WL_ENOTFOUND);
  assert_int_equal(wl_store_session_get(f->st, &got, csrf, sizeof(csrf), b, 2500), 0);
  assert_string_equal(csrf, "c2");
}

static void test_session_needs_user(void **state)
{
  fx *f = *state;
  assert_int_equal(wl_store_session_add(f->st, "orphan", 987654321, "c", 2000, 1000), WL_ENOTFOUND);
  assert_int_equal(wl_store_session_add(f->st, "", 1, "c", 2000, 1000), WL_EUSAGE);
}

static void test_apikeys(void **state)
{
  fx *f = *state;
  int64_t uid = 0, uid2 = 0, got = 0;
  char k1[80], k2[80];
  snprintf(k1, sizeof(k1), "keyhash1-%s", f->user);
  snprintf(k2, sizeof(k2), "keyhash2-%s", f->user);
  assert_int_equal(wl_store_user_add(f->st, &uid, f->user, "h", 1000), 0);
  assert_int_equal(wl_store_user_add(f->st, &uid2, f->other, "h", 1000), 0);
  assert_int_equal(wl_store_apikey_add(f->st, uid, k1, 1000), 0);
  assert_int_equal(wl_store_apikey_add(f->st, uid2, k2, 1000), 0);
  assert_int_equal(wl_store_apikey_find(f->st, &got, k1), 0);
  assert_true(got == uid);
  assert_int_equal(wl_store_apikey_find(f->st, &got, k2), 0);
  assert_true(got == uid2);
  assert_int_equal(wl_store_apikey_find(f->st, &got, "unknown"), WL_ENOTFOUND);
  assert_true(got == 0);
  assert_int_equal(wl_store_apikey_add(f->st, uid, k1, 1001), WL_EEXISTS);
  assert_int_equal(wl_store_apikey_add(f->st, 987654321, "k3", 1001), WL_ENOTFOUND);
}

static void test_values_are_bound(void **state)
{
  fx *f = *state;
  int64_t id = 0, got = 0;
  char hash[64], name[96];
  /* SQL-looking text is stored and read back as text */
  snprintf(name, sizeof(name), "x'); DROP TABLE web_user; --%d", store_fx_seq);
  assert_int_equal(wl_store_user_add(f->st, &id, name, "h'\"", 1000), 0);
  assert_int_equal(wl_store_user_get(f->st, &got, hash, sizeof(hash), name), 0);
  assert_string_equal(hash, "h'\"");
  assert_int_equal(wl_store_user_get(f->st, &got, hash, sizeof(hash), f->user), WL_ENOTFOUND);
}

/* Two users, each with two sessions and an API key: the names of the rows
 * follow the user names, so a shared database stays usable. */
static void two_users(fx *f, int64_t *uid, int64_t *uid2)
{
  char id[160];
  const char *who[2] = {f->user, f->other};
  int64_t *ids[2] = {uid, uid2};
  for (int i = 0; i < 2; i++) {
    assert_int_equal(wl_store_user_add(f->st, ids[i], who[i], "h", 1000), 0);
    for (int j = 0; j < 2; j++) {
      snprintf(id, sizeof(id), "sid%d-%s", j, who[i]);
      assert_int_equal(wl_store_session_add(f->st, id, *ids[i], "c", 5000, 1000), 0);
    }
    snprintf(id, sizeof(id), "key-%s", who[i]);
    assert_int_equal(wl_store_apikey_add(f->st, *ids[i], id, 1000), 0);
  }
}

/* 0 when session j (or the API key) of the user exists, WL_ENOTFOUND when not. */
static int session_of(fx *f, int j, const char *name)
{
  char id[160], csrf[16];
  int64_t got;
  snprintf(id, sizeof(id), "sid%d-%s", j, name);
  return wl_store_session_get(f->st, &got, csrf, sizeof(csrf), id, 2000);
}

static int key_of(fx *f, const char *name)
{
  char id[160];
  int64_t got;
  snprintf(id, sizeof(id), "key-%s", name);
  return wl_store_apikey_find(f->st, &got, id);
}

static void test_sessions_delete_user(void **state)
{
  fx *f = *state;
  int64_t uid, uid2;
  two_users(f, &uid, &uid2);
  assert_int_equal(wl_store_sessions_delete_user(f->st, uid), 0);
  assert_int_equal(session_of(f, 0, f->user), WL_ENOTFOUND);
  assert_int_equal(session_of(f, 1, f->user), WL_ENOTFOUND);
  /* the other user's sessions and every API key stay */
  assert_int_equal(session_of(f, 0, f->other), 0);
  assert_int_equal(session_of(f, 1, f->other), 0);
  assert_int_equal(key_of(f, f->user), 0);
  assert_int_equal(wl_store_sessions_delete_user(f->st, uid), 0); /* none left: fine */
  assert_int_equal(wl_store_sessions_delete_user(f->st, 987654321), 0);
}

static void test_apikeys_delete_user(void **state)
{
  fx *f = *state;
  int64_t uid, uid2;
  two_users(f, &uid, &uid2);
  assert_int_equal(wl_store_apikeys_delete_user(f->st, uid), 0);
  assert_int_equal(key_of(f, f->user), WL_ENOTFOUND);
  assert_int_equal(key_of(f, f->other), 0);
  assert_int_equal(session_of(f, 0, f->user), 0); /* sessions are another matter */
  assert_int_equal(wl_store_apikeys_delete_user(f->st, uid), 0);
}

static void test_user_remove(void **state)
{
  fx *f = *state;
  int64_t uid, uid2, got;
  two_users(f, &uid, &uid2);
  assert_int_equal(wl_store_user_remove(f->st, f->user), 0);
  assert_int_equal(wl_store_user_get(f->st, &got, NULL, 0, f->user), WL_ENOTFOUND);
  assert_int_equal(session_of(f, 0, f->user), WL_ENOTFOUND);
  assert_int_equal(session_of(f, 1, f->user), WL_ENOTFOUND);
  assert_int_equal(key_of(f, f->user), WL_ENOTFOUND);
  /* the other user is untouched */
  assert_int_equal(wl_store_user_get(f->st, &got, NULL, 0, f->other), 0);
  assert_true(got == uid2);
  assert_int_equal(session_of(f, 0, f->other), 0);
  assert_int_equal(key_of(f, f->other), 0);
  /* again: unknown, with the name in the message */
  assert_int_equal(wl_store_user_remove(f->st, f->user), WL_ENOTFOUND);
  assert_non_null(strstr(wl_errmsg(), f->user));
  assert_int_equal(wl_store_user_remove(f->st, ""), WL_EUSAGE);
  /* the name is free again */
  assert_int_equal(wl_store_user_add(f->st, &got, f->user, "h", 1001), 0);
  assert_int_equal(session_of(f, 0, f->user), WL_ENOTFOUND); /* nothing came back */
  assert_int_equal(key_of(f, f->user), WL_ENOTFOUND);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
  const struct CMUnitTest tests[] = {
    T(test_user_add_get),    T(test_user_taken_and_unknown), T(test_user_set_password),
    T(test_users_list),      T(test_session_lifecycle),      T(test_sessions_expire),
    T(test_session_needs_user), T(test_apikeys),             T(test_values_are_bound),
    T(test_sessions_delete_user), T(test_apikeys_delete_user), T(test_user_remove),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
