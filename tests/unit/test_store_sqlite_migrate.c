/*
 * SQLite-specific behaviour of opening a database: file creation, pragmas,
 * the schema_version table, and refusal of a schema newer than the binary.
 * (The backend-neutral contract is tests/store/test_store.c.)
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "store/store.h"
#include "util/err.h"

static int seq;

static void remove_files(const char *path)
{
  static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
  char p[600];
  for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
    snprintf(p, sizeof(p), "%s%s", path, suffixes[i]);
    unlink(p);
  }
}

static const char *tmpdir(void)
{
  const char *tmp = getenv("WL_TEST_TMP");
  if (!tmp || !*tmp)
    tmp = "/tmp";
  if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
    fail_msg("cannot create %s", tmp);
  return tmp;
}

static void db_path(char *out, size_t n)
{
  snprintf(out, n, "%s/test_migrate_%ld_%d.db", tmpdir(), (long)getpid(), ++seq);
  remove_files(out);
}

static void open_path(wl_store **st, const char *path, int want)
{
  char dsn[600];
  snprintf(dsn, sizeof(dsn), "sqlite:%s", path);
  assert_int_equal(wl_store_open(st, dsn), want);
}

/* One integer from the database, read with sqlite3 directly. */
static int raw_int(const char *path, const char *sql)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *st = NULL;
  int v = -1;
  assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
  if (sqlite3_step(st) == SQLITE_ROW)
    v = sqlite3_column_int(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return v;
}

/* Records a schema version, as a newer wfmlink would (a bound parameter). */
static void raw_set_version(const char *path, int version)
{
  sqlite3 *db = NULL;
  sqlite3_stmt *q = NULL;
  assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
  assert_int_equal(sqlite3_prepare_v2(db, "INSERT INTO schema_version (version) VALUES (?1)", -1,
                                      &q, NULL), SQLITE_OK);
  sqlite3_bind_int(q, 1, version);
  assert_int_equal(sqlite3_step(q), SQLITE_DONE);
  sqlite3_finalize(q);
  sqlite3_close(db);
}

static void test_creates_and_migrates(void **state)
{
  char path[512];
  wl_store *st = NULL;
  int v = 0;
  (void)state;
  db_path(path, sizeof(path));
  open_path(&st, path, 0);
  assert_string_equal(wl_store_backend(st), "sqlite");
  assert_int_equal(wl_store_schema_version(st, &v), 0);
  assert_int_equal(v, wl_store_latest_version());
  wl_store_close(st);
  {
    struct stat sb;
    assert_int_equal(stat(path, &sb), 0);
    assert_int_equal(sb.st_mode & 077, 0); /* tokens, sessions: owner only */
  }
  /* one row per applied migration; the file stays in WAL mode */
  assert_int_equal(raw_int(path, "SELECT count(*) FROM schema_version"), wl_store_latest_version());
  assert_int_equal(raw_int(path, "SELECT max(version) FROM schema_version"),
                   wl_store_latest_version());
  {
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &q, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(q, 0), "wal");
    sqlite3_finalize(q);
    sqlite3_close(db);
  }
  /* a second open migrates nothing */
  open_path(&st, path, 0);
  wl_store_close(st);
  assert_int_equal(raw_int(path, "SELECT count(*) FROM schema_version"), wl_store_latest_version());
  remove_files(path);
}

static void test_empty_file_is_migrated(void **state)
{
  char path[512];
  wl_store *st = NULL;
  FILE *fp;
  int v = 0;
  (void)state;
  db_path(path, sizeof(path));
  fp = fopen(path, "w");
  assert_non_null(fp);
  fclose(fp);
  open_path(&st, path, 0);
  assert_int_equal(wl_store_schema_version(st, &v), 0);
  assert_int_equal(v, wl_store_latest_version());
  wl_store_close(st);
  remove_files(path);
}

static void test_newer_schema_refused(void **state)
{
  char path[512], want[256];
  wl_store *st = NULL;
  int newer = wl_store_latest_version() + 1;
  (void)state;
  db_path(path, sizeof(path));
  open_path(&st, path, 0);
  wl_store_close(st);
  raw_set_version(path, newer);
  st = (wl_store *)1;
  open_path(&st, path, WL_EFAIL);
  assert_null(st);
  snprintf(want, sizeof(want),
           "database schema version %d is newer than this wfmlink (knows up to %d); "
           "upgrade wfmlink", newer, wl_store_latest_version());
  assert_string_equal(wl_errmsg(), want);
  /* nothing was changed by the refused open */
  assert_int_equal(raw_int(path, "SELECT max(version) FROM schema_version"), newer);
  remove_files(path);
}

static void test_missing_directory(void **state)
{
  char path[512];
  wl_store *st = (wl_store *)1;
  (void)state;
  snprintf(path, sizeof(path), "%s/no-such-dir-%ld/w.db", tmpdir(), (long)getpid());
  open_path(&st, path, WL_EFAIL);
  assert_null(st);
  assert_non_null(strstr(wl_errmsg(), path));
  assert_non_null(strstr(wl_errmsg(), "No such file or directory"));
}

static void test_foreign_keys_on(void **state)
{
  char path[512];
  wl_store *st = NULL;
  wl_queue_row q = {"1", "Q", "phone"};
  (void)state;
  db_path(path, sizeof(path));
  open_path(&st, path, 0);
  /* a row for a source that does not exist is refused by the foreign key */
  assert_int_equal(wl_store_queues_upsert(st, 42, &q, 1), WL_ENOTFOUND);
  wl_store_close(st);
  assert_int_equal(raw_int(path, "SELECT count(*) FROM queue"), 0);
  remove_files(path);
}

/* A postgresql:// DSN reaches the PostgreSQL backend (tests/e2e/pg_store.sh
 * runs the store suite on a real server); with no server it fails cleanly
 * (WL_EUNAVAIL: worth waiting for, exit code 1 like any failure) and never
 * echoes the password. */
static void test_postgres_unreachable(void **state)
{
  wl_store *st = (wl_store *)1;
  (void)state;
  assert_int_equal(wl_store_open(&st, "postgresql://u:s3cret-pw@127.0.0.1:1/db"), WL_EUNAVAIL);
  assert_int_equal(wl_exit_code(WL_EUNAVAIL), 1);
  assert_null(st);
  assert_non_null(strstr(wl_errmsg(), "cannot connect to postgresql://u@127.0.0.1:1/db: "));
  assert_null(strstr(wl_errmsg(), "s3cret-pw"));
  st = (wl_store *)1;
  assert_int_equal(wl_store_open(&st, "postgres://u@127.0.0.1:1/db"), WL_EUNAVAIL);
  assert_null(st);
  /* a malformed URI is a usage error, still without the password */
  assert_int_equal(wl_store_open(&st, "postgresql://u:s3cret-pw@127.0.0.1:1/db?nosuchparam=1"),
                   WL_EUSAGE);
  assert_null(strstr(wl_errmsg(), "s3cret-pw"));
  assert_int_equal(wl_store_open(&st, "postgresql://u@127.0.0.1:1/db?nosuchparam=1"), WL_EUSAGE);
  assert_non_null(strstr(wl_errmsg(), "nosuchparam"));
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_creates_and_migrates),
    cmocka_unit_test(test_empty_file_is_migrated),
    cmocka_unit_test(test_newer_schema_refused),
    cmocka_unit_test(test_missing_directory),
    cmocka_unit_test(test_foreign_keys_on),
    cmocka_unit_test(test_postgres_unreachable),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
