/*
 * The SQLite backend: the connection (open, configure, migrate, close), the
 * statement cache and its SQL text, transactions, and the ops table.
 */
#include "store/sqlite/sqlite_int.h"

static const char *const sql_text[Q_COUNT] = {
  /* planning (issue 12) */
  [Q_IV_UPSERT] = "INSERT INTO interval_volume (source_id, queue_id, start_utc, entered, "
                  "accepted, abandoned, handle_time_s, wait_time_s, final, updated_at) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) "
                  "ON CONFLICT (source_id, queue_id, start_utc) DO UPDATE SET "
                  "entered = excluded.entered, accepted = excluded.accepted, "
                  "abandoned = excluded.abandoned, handle_time_s = excluded.handle_time_s, "
                  "wait_time_s = excluded.wait_time_s, final = excluded.final, "
                  "updated_at = excluded.updated_at",
  [Q_VI_ADD] = "INSERT INTO volume_import (source_id, queue_id, from_utc, to_utc, imported_at) "
               "VALUES (?1, ?2, ?3, ?4, ?5)",
  [Q_VI_QUERY_ALL] = "SELECT queue_id, from_utc, to_utc, imported_at FROM volume_import "
                     "WHERE source_id = ?1 AND from_utc < ?3 AND to_utc > ?2 "
                     "ORDER BY from_utc, queue_id",
  [Q_VI_QUERY_QUEUE] = "SELECT queue_id, from_utc, to_utc, imported_at FROM volume_import "
                       "WHERE source_id = ?1 AND from_utc < ?3 AND to_utc > ?2 "
                       "AND queue_id = ?4 ORDER BY from_utc",
  [Q_SD_SET] = "INSERT INTO forecast_special_day (source_id, queue_id, day, exclude, "
               "factor_milli) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (source_id, queue_id, day) "
               "DO UPDATE SET exclude = excluded.exclude, factor_milli = excluded.factor_milli",
  [Q_SD_DEL] = "DELETE FROM forecast_special_day WHERE source_id = ?1 AND queue_id = ?2 "
               "AND day = ?3",
  [Q_SD_LIST] = "SELECT queue_id, day, exclude, factor_milli FROM forecast_special_day "
                "WHERE source_id = ?1 ORDER BY day, queue_id",
  [Q_FC_DEL_NAME] = "DELETE FROM forecast_saved WHERE source_id = ?1 AND name = ?2",
  [Q_FC_ADD] = "INSERT INTO forecast_saved (source_id, name, created_at, as_of, from_utc, "
               "to_utc) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
  [Q_FC_VALUE_ADD] = "INSERT INTO forecast_value (saved_id, queue_id, start_utc, volume_x10, "
                     "aht_x10, method) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
  [Q_FC_LIST] = "SELECT id, name, created_at, as_of, from_utc, to_utc FROM forecast_saved "
                "WHERE source_id = ?1 ORDER BY created_at DESC, id DESC",
  [Q_FC_VALUES_ALL] = "SELECT queue_id, start_utc, volume_x10, aht_x10, method "
                      "FROM forecast_value WHERE saved_id = ?1 AND start_utc >= ?2 "
                      "AND start_utc < ?3 ORDER BY start_utc, queue_id",
  [Q_FC_VALUES_QUEUE] = "SELECT queue_id, start_utc, volume_x10, aht_x10, method "
                        "FROM forecast_value WHERE saved_id = ?1 AND start_utc >= ?2 "
                        "AND start_utc < ?3 AND queue_id = ?4 ORDER BY start_utc",

  [Q_SOURCE_ADD] = "INSERT INTO source (name, vendor, base_url, tenant, hist_base_url, "
                   "hist_tenant, interval_s, timezone, enabled, created_at, updated_at) "
                   "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
  [Q_SOURCE_UPDATE] = "UPDATE source SET name = ?1, vendor = ?2, base_url = ?3, tenant = ?4, "
                      "hist_base_url = ?5, hist_tenant = ?6, interval_s = ?7, timezone = ?8, "
                      "enabled = ?9, updated_at = ?10 WHERE id = ?11",
  [Q_SOURCE_BY_NAME] = "SELECT " SOURCE_COLS " FROM source WHERE name = ?1",
  [Q_SOURCE_BY_ID] = "SELECT " SOURCE_COLS " FROM source WHERE id = ?1",
  [Q_SOURCE_LIST] = "SELECT " SOURCE_COLS " FROM source ORDER BY name",
  [Q_SOURCE_DEL] = "DELETE FROM source WHERE id = ?1",
  [Q_SOURCE_SETTINGS_DEL] = "DELETE FROM setting WHERE source_id = ?1",

  [Q_TOKEN_SET_RT] = "UPDATE source SET token_enc = ?2, token_changed_at = ?3 WHERE id = ?1",
  [Q_TOKEN_SET_HIST] = "UPDATE source SET hist_token_enc = ?2, hist_token_changed_at = ?3 "
                       "WHERE id = ?1",
  [Q_TOKEN_GET_RT] = "SELECT token_enc FROM source WHERE id = ?1",
  [Q_TOKEN_GET_HIST] = "SELECT hist_token_enc FROM source WHERE id = ?1",

  [Q_SETTING_SET] = "INSERT INTO setting (source_id, key, value) VALUES (?1, ?2, ?3) "
                    "ON CONFLICT (source_id, key) DO UPDATE SET value = excluded.value",
  [Q_SETTING_DEL] = "DELETE FROM setting WHERE source_id = ?1 AND key = ?2",
  [Q_SETTING_GET] = "SELECT value FROM setting WHERE source_id = ?1 AND key = ?2",
  [Q_SETTING_LIST] = "SELECT key, value FROM setting WHERE source_id = ?1 ORDER BY key",

  [Q_QUEUE_UPSERT] = "INSERT INTO queue (source_id, ext_id, name, media_type) "
                     "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (source_id, ext_id) DO UPDATE "
                     "SET name = excluded.name, media_type = excluded.media_type",
  [Q_QUEUE_LIST] = "SELECT ext_id, name, media_type FROM queue WHERE source_id = ?1 "
                   "ORDER BY ext_id",
  [Q_AGENT_UPSERT] = "INSERT INTO agent (source_id, ext_id, name, group_id) "
                     "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (source_id, ext_id) DO UPDATE "
                     "SET name = excluded.name, group_id = excluded.group_id",
  [Q_AGENT_LIST] = "SELECT ext_id, name, group_id FROM agent WHERE source_id = ?1 "
                   "ORDER BY ext_id",
  [Q_AGENT_GET] = "SELECT 1 FROM agent WHERE source_id = ?1 AND ext_id = ?2",

  [Q_IV_DEL_WINDOW] = "DELETE FROM interval_volume WHERE source_id = ?1 AND start_utc >= ?2 "
                      "AND start_utc < ?3",
  [Q_IV_INSERT] = "INSERT INTO interval_volume (source_id, queue_id, start_utc, entered, "
                  "accepted, abandoned, handle_time_s, wait_time_s, final, updated_at) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
  [Q_IV_FINALIZE] = "UPDATE interval_volume SET final = 1 WHERE source_id = ?1 "
                    "AND start_utc < ?2 AND final = 0",
  [Q_IV_DEL_ONE] = "DELETE FROM interval_volume WHERE source_id = ?1 AND queue_id = ?2 "
                   "AND start_utc = ?3",
  [Q_IV_QUERY_ALL] = "SELECT " IV_COLS " FROM interval_volume WHERE source_id = ?1 "
                     "AND start_utc >= ?2 AND start_utc < ?3 ORDER BY start_utc, queue_id",
  [Q_IV_QUERY_QUEUE] = "SELECT " IV_COLS " FROM interval_volume WHERE source_id = ?1 "
                       "AND start_utc >= ?2 AND start_utc < ?3 AND queue_id = ?4 "
                       "ORDER BY start_utc",

  /* a replayed INSERT (same agent and start) rewrites the row instead of
   * failing the whole batch: re-running a poll is harmless */
  [Q_ST_UPSERT] = "INSERT INTO agent_state (source_id, agent_id, start_utc, end_utc, state, "
                  "vendor_code) VALUES (?1, ?2, ?3, ?4, ?5, ?6) "
                  "ON CONFLICT (source_id, agent_id, start_utc) DO UPDATE SET "
                  "end_utc = excluded.end_utc, state = excluded.state, "
                  "vendor_code = excluded.vendor_code",
  [Q_ST_INSERT] = "INSERT INTO agent_state (source_id, agent_id, start_utc, end_utc, state, "
                  "vendor_code) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
  [Q_ST_CLOSE] = "UPDATE agent_state SET end_utc = ?4 WHERE source_id = ?1 AND agent_id = ?2 "
                 "AND start_utc = ?3",
  [Q_ST_OPEN] = "SELECT " ST_COLS " FROM agent_state WHERE source_id = ?1 "
                "AND end_utc IS NULL ORDER BY agent_id, start_utc",
  [Q_ST_QUERY_ALL] = "SELECT " ST_COLS " FROM agent_state WHERE source_id = ?1 "
                     "AND " OVERLAPS_OPEN " ORDER BY agent_id, start_utc",
  [Q_ST_QUERY_AGENT] = "SELECT " ST_COLS " FROM agent_state WHERE source_id = ?1 "
                       "AND agent_id = ?4 AND " OVERLAPS_OPEN " ORDER BY start_utc",
  /* states_replace, for one agent and [?3, ?4): the four shapes of overlap;
   * an open segment that spans the range keeps its tail open after it */
  [Q_ST_SPLIT] = "INSERT INTO agent_state (source_id, agent_id, start_utc, end_utc, state, "
                 "vendor_code) SELECT source_id, agent_id, ?4, end_utc, state, vendor_code "
                 "FROM agent_state WHERE source_id = ?1 AND agent_id = ?2 "
                 "AND start_utc < ?3 AND (end_utc IS NULL OR end_utc > ?4)",
  [Q_ST_TRIM_END] = "UPDATE agent_state SET end_utc = ?3 WHERE source_id = ?1 "
                    "AND agent_id = ?2 AND start_utc < ?3 AND (end_utc IS NULL OR end_utc > ?3)",
  [Q_ST_DEL_INSIDE] = "DELETE FROM agent_state WHERE source_id = ?1 AND agent_id = ?2 "
                      "AND start_utc >= ?3 AND start_utc < ?4 AND end_utc IS NOT NULL "
                      "AND end_utc <= ?4",
  [Q_ST_TRIM_START] = "UPDATE agent_state SET start_utc = ?4 WHERE source_id = ?1 "
                      "AND agent_id = ?2 AND start_utc >= ?3 AND start_utc < ?4 "
                      "AND (end_utc IS NULL OR end_utc > ?4)",

  /* An agent's segments never overlap, so only the last one starting
   * before ?3 can reach into the window: bounding start_utc from there
   * keeps the delete on the primary key (end_utc > ?3 alone scanned every
   * later segment, a scan per imported row; issue 16). */
  [Q_SC_DEL] = "DELETE FROM schedule_segment WHERE source_id = ?1 AND agent_id = ?2 "
               "AND start_utc < ?4 AND end_utc > ?3 AND start_utc >= COALESCE("
               "(SELECT max(start_utc) FROM schedule_segment WHERE source_id = ?1 "
               "AND agent_id = ?2 AND start_utc < ?3), ?3)",
  [Q_SC_INSERT] = "INSERT INTO schedule_segment (source_id, agent_id, start_utc, end_utc, "
                  "activity) VALUES (?1, ?2, ?3, ?4, ?5)",
  [Q_SC_QUERY_ALL] = "SELECT " SC_COLS " FROM schedule_segment WHERE source_id = ?1 "
                     "AND start_utc < ?3 AND end_utc > ?2 ORDER BY agent_id, start_utc",
  [Q_SC_QUERY_AGENT] = "SELECT " SC_COLS " FROM schedule_segment WHERE source_id = ?1 "
                       "AND agent_id = ?4 AND start_utc < ?3 AND end_utc > ?2 "
                       "ORDER BY start_utc",

  [Q_RULE_SET] = "INSERT INTO activity_rule (source_id, activity, state, verdict, kind) "
                 "VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (source_id, activity, state) "
                 "DO UPDATE SET verdict = excluded.verdict, kind = excluded.kind",
  [Q_RULE_LIST] = "SELECT activity, state, verdict, kind FROM activity_rule "
                  "WHERE source_id = ?1 ORDER BY activity, state",

  [Q_RUN_BEGIN] = "INSERT INTO collection_run (source_id, kind, window_from, window_to, "
                  "started, finished, outcome, pages, rows, http_status, error, owner) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, 0, 'running', 0, 0, 0, '', ?6)",
  [Q_RUN_END] = "UPDATE collection_run SET finished = ?2, outcome = ?3, pages = ?4, "
                "rows = ?5, http_status = ?6, error = ?7 WHERE id = ?1 "
                /* `interrupted` (core/runs.c) never overwrites a finished run */
                "AND (outcome = 'running' OR ?3 <> 'interrupted')",
  [Q_RUN_LIST_ALL] = "SELECT " RUN_COLS " FROM collection_run ORDER BY id DESC LIMIT ?1",
  [Q_RUN_LIST_SOURCE] = "SELECT " RUN_COLS " FROM collection_run WHERE source_id = ?2 "
                        "ORDER BY id DESC LIMIT ?1",
};

/* ---- small helpers --------------------------------------------------- */

int sq_fail(sq_store *s, const char *what)
{
  int code = sqlite3_errcode(s->db);
  /* another process held the write lock past busy_timeout: worth waiting
   * for, so callers can keep the work and try again (issue 16) */
  if (code == SQLITE_BUSY || code == SQLITE_LOCKED)
    return wl_err(WL_EUNAVAIL, "database %s: %s: %s (another process is writing)", s->path,
                  what, sqlite3_errmsg(s->db));
  return wl_err(WL_EFAIL, "database %s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
}

int sq_is_constraint(sq_store *s, int ext)
{
  return sqlite3_extended_errcode(s->db) == ext;
}

/* Gets the cached statement, or a private one when the cached one is in use
 * (a row callback called back into the store). Release with sq_stmt_done. */
int sq_stmt_get(sq_store *s, enum sq_id id, sqlite3_stmt **out)
{
  sqlite3_stmt *st = NULL;
  *out = NULL;
  if (s->cache[id] && !s->busy[id]) {
    s->busy[id] = 1;
    *out = s->cache[id];
    return 0;
  }
  if (sqlite3_prepare_v3(s->db, sql_text[id], -1, SQLITE_PREPARE_PERSISTENT, &st, NULL) !=
      SQLITE_OK)
    return sq_fail(s, "cannot prepare a statement");
  if (!s->cache[id]) {
    s->cache[id] = st;
    s->busy[id] = 1;
  }
  *out = st;
  return 0;
}

void sq_stmt_done(sq_store *s, enum sq_id id, sqlite3_stmt *st)
{
  if (!st)
    return;
  if (st != s->cache[id]) {
    sqlite3_finalize(st);
    return;
  }
  sqlite3_reset(st);
  sqlite3_clear_bindings(st); /* drops the SQLITE_STATIC pointers to caller strings */
  s->busy[id] = 0;
}

void sq_bind_text(sqlite3_stmt *st, int i, const char *v)
{
  sqlite3_bind_text(st, i, v ? v : "", -1, SQLITE_STATIC);
}

void sq_bind_i64(sqlite3_stmt *st, int i, int64_t v)
{
  sqlite3_bind_int64(st, i, v);
}

void sq_bind_end(sqlite3_stmt *st, int i, int64_t end)
{
  if (end == WL_OPEN_END)
    sqlite3_bind_null(st, i);
  else
    sqlite3_bind_int64(st, i, end);
}

const char *sq_col_text(sqlite3_stmt *st, int i)
{
  const unsigned char *t = sqlite3_column_text(st, i);
  return t ? (const char *)t : "";
}

void sq_col_copy(char *dst, size_t n, sqlite3_stmt *st, int i)
{
  snprintf(dst, n, "%s", sq_col_text(st, i));
}

int64_t sq_col_end(sqlite3_stmt *st, int i)
{
  return sqlite3_column_type(st, i) == SQLITE_NULL ? WL_OPEN_END : sqlite3_column_int64(st, i);
}

/* Runs a statement that returns no rows. */
int sq_step_done(sq_store *s, sqlite3_stmt *st, const char *what)
{
  int rc = sqlite3_step(st);
  if (rc == SQLITE_DONE)
    return 0;
  if ((rc & 0xff) == SQLITE_CONSTRAINT && sq_is_constraint(s, SQLITE_CONSTRAINT_FOREIGNKEY))
    return wl_err(WL_ENOTFOUND, "%s: the source does not exist", what);
  return sq_fail(s, what);
}

/* Steps a query, handing each row to emit; a non-zero emit result stops. */
int sq_each_row(sq_store *s, sqlite3_stmt *st, emit_fn emit, void *ctx, const char *what)
{
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    int r = emit(st, ctx);
    if (r != 0)
      return r;
  }
  return rc == SQLITE_DONE ? 0 : sq_fail(s, what);
}

/* ---- transactions ---------------------------------------------------- */

int sq_begin(wl_store *st)
{
  sq_store *s = SQ(st);
  if (s->depth == 0) {
    /* IMMEDIATE takes the write lock now, so a later write cannot fail with
     * SQLITE_BUSY halfway through (busy_timeout covers the wait) */
    if (sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
      return sq_fail(s, "cannot start a transaction");
    s->doomed = 0;
  }
  s->depth++;
  return 0;
}

static void rollback_now(sq_store *s)
{
  if (!sqlite3_get_autocommit(s->db))
    sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
  s->doomed = 0;
}

static int sq_rollback(wl_store *st)
{
  sq_store *s = SQ(st);
  if (s->depth == 0)
    return 0;
  if (--s->depth > 0) {
    s->doomed = 1;
    return 0;
  }
  rollback_now(s);
  return 0;
}

static int sq_lock_wait(wl_store *st, int ms)
{
  sq_store *s = SQ(st);
  if (sqlite3_busy_timeout(s->db, ms) != SQLITE_OK)
    return sq_fail(s, "cannot set the busy timeout");
  return 0;
}

static int sq_commit(wl_store *st)
{
  sq_store *s = SQ(st);
  if (s->depth == 0)
    return wl_err(WL_EUSAGE, "commit without a transaction");
  if (--s->depth > 0)
    return 0;
  if (s->doomed) {
    rollback_now(s);
    return wl_err(WL_EFAIL, "database %s: transaction rolled back because a step inside it "
                            "failed", s->path);
  }
  if (sqlite3_get_autocommit(s->db)) /* SQLite already rolled back (I/O error, full disk) */
    return wl_err(WL_EFAIL, "database %s: the transaction was lost and nothing was saved",
                  s->path);
  if (sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
    int rc = sq_fail(s, "cannot commit");
    rollback_now(s);
    return rc;
  }
  return 0;
}

/* Batch functions: join the caller's transaction or open one; on error the
 * whole batch (and the caller's transaction) is rolled back. */
int sq_tx_end(sq_store *s, int rc)
{
  if (rc == 0)
    return sq_commit(&s->base);
  sq_rollback(&s->base);
  return rc;
}

/* ---- open / close ---------------------------------------------------- */

static int sq_schema_version(wl_store *st, int *out)
{
  return wl_migrations_sqlite_version(SQ(st)->db, out);
}

static void sq_close(wl_store *st)
{
  sq_store *s = SQ(st);
  if (!s)
    return;
  if (s->depth > 0) { /* an unfinished transaction is abandoned, not committed */
    s->depth = 0;
    rollback_now(s);
  }
  for (int i = 0; i < Q_COUNT; i++)
    sqlite3_finalize(s->cache[i]);
  sqlite3_close_v2(s->db);
  free(s->path);
  free(s);
}

static const wl_store_ops sqlite_ops = WL_STORE_OPS_INIT(sq, "sqlite");

/* SQLite would report a missing directory as "unable to open database
 * file"; say which directory instead. */
static int check_parent_dir(const char *path)
{
  const char *slash = strrchr(path, '/');
  char dir[4096];
  struct stat sb;
  if (!slash || strcmp(path, ":memory:") == 0)
    return 0;
  if (slash == path)
    return 0; /* "/" */
  if ((size_t)(slash - path) >= sizeof(dir))
    return wl_err(WL_EUSAGE, "database path %s is too long", path);
  memcpy(dir, path, (size_t)(slash - path));
  dir[slash - path] = '\0';
  if (stat(dir, &sb) != 0)
    return wl_err(WL_EFAIL, "cannot create database %s: directory %s: %s", path, dir,
                  strerror(errno));
  if (!S_ISDIR(sb.st_mode))
    return wl_err(WL_EFAIL, "cannot create database %s: %s is not a directory", path, dir);
  return 0;
}

/* SQLite would create the file 0644; it holds session ids and password
 * hashes, so create it 0600 (the -wal and -shm files inherit its mode). An
 * empty file is a valid empty database. */
static int create_private(const char *path)
{
  int fd;
  if (strcmp(path, ":memory:") == 0 || access(path, F_OK) == 0 || errno != ENOENT)
    return 0;
  fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0 && errno != EEXIST)
    return wl_err(WL_EFAIL, "cannot create database %s: %s", path, strerror(errno));
  if (fd >= 0)
    close(fd);
  return 0;
}

static int sq_configure(sq_store *s)
{
  static const char *const pragmas[] = {
    "PRAGMA busy_timeout = 5000", /* first: the others may need a lock */
    "PRAGMA journal_mode = WAL",
    "PRAGMA synchronous = NORMAL",
    "PRAGMA foreign_keys = ON",
    /* 16 MiB instead of 2: a 1,000,000-row schedule import spent a third of
     * its time re-reading pages the cache had dropped (docs/PERFORMANCE.md) */
    "PRAGMA cache_size = -16384",
  };
  sqlite3_extended_result_codes(s->db, 1);
  for (size_t i = 0; i < sizeof(pragmas) / sizeof(pragmas[0]); i++)
    if (sqlite3_exec(s->db, pragmas[i], NULL, NULL, NULL) != SQLITE_OK)
      return sq_fail(s, "cannot configure the connection");
  return 0;
}

int wl_store_sqlite_open(wl_store **out, const char *path)
{
  sq_store *s;
  int rc;
  *out = NULL;
  if (!path || !*path)
    return wl_err(WL_EUSAGE, "no database path given");
  if ((rc = check_parent_dir(path)) != 0 || (rc = create_private(path)) != 0)
    return rc;
  s = calloc(1, sizeof(*s));
  if (!s || !(s->path = strdup(path))) {
    free(s);
    return wl_err(WL_ENOMEM, "out of memory opening the database");
  }
  s->base.ops = &sqlite_ops;
  if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
    rc = wl_err(WL_EFAIL, "cannot open database %s: %s", path,
                s->db ? sqlite3_errmsg(s->db) : "out of memory");
  if (rc == 0)
    rc = sq_configure(s);
  if (rc == 0)
    rc = wl_migrations_sqlite_apply(s->db, path);
  return wl_store_opened(out, &s->base, rc);
}

const wl_store_conn_ops sq_conn_ops = WL_STORE_CONN_OPS_INIT(sq);
