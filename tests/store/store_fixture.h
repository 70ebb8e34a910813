/*
 * What every tests/store suite needs before its first assertion: a store
 * opened from WL_TEST_DSN (tests/e2e/pg_store.sh passes a PostgreSQL URI)
 * or, without it, from a fresh SQLite file under $WL_TEST_TMP (or /tmp),
 * plus names and sources unique per run so a shared database stays usable.
 *
 * Header-only because CMake builds each tests/store/test_*.c as its own
 * executable; include it after <cmocka.h> (it uses fail_msg / assert_*).
 */
#ifndef WL_TESTS_STORE_FIXTURE_H
#define WL_TESTS_STORE_FIXTURE_H

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store/store.h"
#include "util/err.h"

/* One counter per test executable: file names and unique names draw from it. */
static int store_fx_seq;

/* "<prefix>_<pid>_<seq>_<time>": unique across runs and processes. */
static inline void store_fx_unique_name(char *out, size_t n, const char *prefix)
{
  snprintf(out, n, "%s_%ld_%d_%ld", prefix, (long)getpid(), ++store_fx_seq,
           (long)time(NULL) % 100000);
}

/* A SQLite database is up to four files; remove them all. */
static inline void store_fx_remove_files(const char *path)
{
  static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
  char p[600];
  for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
    snprintf(p, sizeof(p), "%s%s", path, suffixes[i]);
    unlink(p);
  }
}

/*
 * Opens *st from WL_TEST_DSN, else from a fresh "<tag>_<pid>_<seq>.db"
 * under $WL_TEST_TMP. dsn receives what was opened (tests reopen it);
 * path receives the SQLite file, "" when WL_TEST_DSN is used. Fails the
 * test when the store cannot be opened.
 */
static inline void store_fx_open(wl_store **st, char *path, size_t path_n, char *dsn,
                                 size_t dsn_n, const char *tag)
{
  const char *env = getenv("WL_TEST_DSN");
  const char *tmp = getenv("WL_TEST_TMP");
  path[0] = '\0';
  if (env && *env) {
    snprintf(dsn, dsn_n, "%s", env);
  } else {
    if (!tmp || !*tmp)
      tmp = "/tmp";
    if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
      fail_msg("cannot create %s", tmp);
    snprintf(path, path_n, "%s/%s_%ld_%d.db", tmp, tag, (long)getpid(), ++store_fx_seq);
    store_fx_remove_files(path);
    snprintf(dsn, dsn_n, "sqlite:%s", path);
  }
  if (wl_store_open(st, dsn) != 0)
    fail_msg("open %s: %s", dsn, wl_errmsg());
}

/* Closes st (NULL is fine) and removes the SQLite file, if there is one. */
static inline void store_fx_close(wl_store *st, const char *path)
{
  if (st)
    wl_store_close(st);
  if (path[0])
    store_fx_remove_files(path);
}

/*
 * Adds an enabled 8x8 source named store_fx_unique_name(prefix) and
 * returns its id; name (may be NULL) receives the name.
 */
static inline int64_t store_fx_add_source(char *name, size_t n, wl_store *st,
                                          const char *prefix)
{
  wl_source src;
  memset(&src, 0, sizeof(src));
  store_fx_unique_name(src.name, sizeof(src.name), prefix);
  if (name)
    snprintf(name, n, "%s", src.name);
  snprintf(src.vendor, sizeof(src.vendor), "8x8");
  snprintf(src.base_url, sizeof(src.base_url), "http://127.0.0.1:8980/api/");
  snprintf(src.tenant, sizeof(src.tenant), "acme");
  snprintf(src.timezone, sizeof(src.timezone), "UTC");
  src.interval_s = 10;
  src.enabled = 1;
  src.created_at = src.updated_at = 1700000000;
  assert_int_equal(wl_store_source_add(st, &src), 0);
  assert_true(src.id > 0);
  return src.id;
}

#endif
