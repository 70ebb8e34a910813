/*
 * The SQLite backend of store.h. One connection per store object; a store
 * object is used by one thread at a time (the writer, or one web request).
 * Every value reaches SQLite through sqlite3_bind_*; the SQL text is static.
 */
#include "store/backend.h"
#include "store/migrations.h"
#include "util/err.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- statements ------------------------------------------------------ */

#define SOURCE_COLS                                                                       \
  "id, name, vendor, base_url, tenant, hist_base_url, hist_tenant, "                     \
  "token_enc IS NOT NULL, hist_token_enc IS NOT NULL, token_changed_at, "                 \
  "hist_token_changed_at, interval_s, timezone, enabled, created_at, updated_at"
#define IV_COLS                                                                           \
  "queue_id, start_utc, entered, accepted, abandoned, handle_time_s, wait_time_s, final, " \
  "updated_at"
#define ST_COLS "agent_id, start_utc, end_utc, state, vendor_code"
#define SC_COLS "agent_id, start_utc, end_utc, activity"
#define RUN_COLS                                                                          \
  "id, source_id, kind, window_from, window_to, started, finished, outcome, pages, rows, " \
  "http_status, error"
#define OVERLAPS_OPEN "start_utc < ?3 AND (end_utc IS NULL OR end_utc > ?2)"

enum sq_id {
  Q_SOURCE_ADD, Q_SOURCE_UPDATE, Q_SOURCE_BY_NAME, Q_SOURCE_BY_ID, Q_SOURCE_LIST,
  Q_SOURCE_DEL, Q_SOURCE_SETTINGS_DEL,
  Q_TOKEN_SET_RT, Q_TOKEN_SET_HIST, Q_TOKEN_GET_RT, Q_TOKEN_GET_HIST,
  Q_SETTING_SET, Q_SETTING_DEL, Q_SETTING_GET, Q_SETTING_LIST,
  Q_QUEUE_UPSERT, Q_QUEUE_LIST, Q_AGENT_UPSERT, Q_AGENT_LIST, Q_AGENT_GET,
  Q_IV_DEL_WINDOW, Q_IV_INSERT, Q_IV_FINALIZE, Q_IV_DEL_ONE, Q_IV_QUERY_ALL, Q_IV_QUERY_QUEUE,
  Q_ST_UPSERT, Q_ST_INSERT, Q_ST_CLOSE, Q_ST_OPEN, Q_ST_QUERY_ALL, Q_ST_QUERY_AGENT,
  Q_ST_SPLIT, Q_ST_TRIM_END, Q_ST_DEL_INSIDE, Q_ST_TRIM_START,
  Q_SC_DEL, Q_SC_INSERT, Q_SC_QUERY_ALL, Q_SC_QUERY_AGENT,
  Q_RULE_SET, Q_RULE_LIST,
  Q_RUN_BEGIN, Q_RUN_END, Q_RUN_LIST_ALL, Q_RUN_LIST_SOURCE,
  Q_COUNT
};

static const char *const sql_text[Q_COUNT] = {
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

  [Q_SC_DEL] = "DELETE FROM schedule_segment WHERE source_id = ?1 AND agent_id = ?2 "
               "AND start_utc < ?4 AND end_utc > ?3",
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
                  "started, finished, outcome, pages, rows, http_status, error) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, 0, 'running', 0, 0, 0, '')",
  [Q_RUN_END] = "UPDATE collection_run SET finished = ?2, outcome = ?3, pages = ?4, "
                "rows = ?5, http_status = ?6, error = ?7 WHERE id = ?1",
  [Q_RUN_LIST_ALL] = "SELECT " RUN_COLS " FROM collection_run ORDER BY id DESC LIMIT ?1",
  [Q_RUN_LIST_SOURCE] = "SELECT " RUN_COLS " FROM collection_run WHERE source_id = ?2 "
                        "ORDER BY id DESC LIMIT ?1",
};

typedef struct sq_store {
  wl_store base; /* first member: the interface */
  sqlite3 *db;
  char *path;
  int depth;     /* begin/commit nesting; only depth 0 <-> 1 touches the database */
  int doomed;    /* an inner rollback happened: the outer commit must roll back */
  sqlite3_stmt *cache[Q_COUNT];
  unsigned char busy[Q_COUNT]; /* cached statement in use (a callback re-entered) */
} sq_store;

#define SQ(st) ((sq_store *)(st))

/* ---- small helpers --------------------------------------------------- */

static int sq_fail(sq_store *s, const char *what)
{
  return wl_err(WL_EFAIL, "database %s: %s: %s", s->path, what, sqlite3_errmsg(s->db));
}

static int is_constraint(sq_store *s, int ext)
{
  return sqlite3_extended_errcode(s->db) == ext;
}

/* Gets the cached statement, or a private one when the cached one is in use
 * (a row callback called back into the store). Release with stmt_done. */
static int stmt_get(sq_store *s, enum sq_id id, sqlite3_stmt **out)
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

static void stmt_done(sq_store *s, enum sq_id id, sqlite3_stmt *st)
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

static void bind_text(sqlite3_stmt *st, int i, const char *v)
{
  sqlite3_bind_text(st, i, v ? v : "", -1, SQLITE_STATIC);
}

static void bind_i64(sqlite3_stmt *st, int i, int64_t v)
{
  sqlite3_bind_int64(st, i, v);
}

static void bind_end(sqlite3_stmt *st, int i, int64_t end)
{
  if (end == WL_OPEN_END)
    sqlite3_bind_null(st, i);
  else
    sqlite3_bind_int64(st, i, end);
}

static const char *col_text(sqlite3_stmt *st, int i)
{
  const unsigned char *t = sqlite3_column_text(st, i);
  return t ? (const char *)t : "";
}

static void col_copy(char *dst, size_t n, sqlite3_stmt *st, int i)
{
  snprintf(dst, n, "%s", col_text(st, i));
}

static int64_t col_end(sqlite3_stmt *st, int i)
{
  return sqlite3_column_type(st, i) == SQLITE_NULL ? WL_OPEN_END : sqlite3_column_int64(st, i);
}

/* Runs a statement that returns no rows. */
static int step_done(sq_store *s, sqlite3_stmt *st, const char *what)
{
  int rc = sqlite3_step(st);
  if (rc == SQLITE_DONE)
    return 0;
  if ((rc & 0xff) == SQLITE_CONSTRAINT && is_constraint(s, SQLITE_CONSTRAINT_FOREIGNKEY))
    return wl_err(WL_ENOTFOUND, "%s: the source does not exist", what);
  return sq_fail(s, what);
}

typedef int (*emit_fn)(sqlite3_stmt *st, void *ctx);

/* Steps a query, handing each row to emit; a non-zero emit result stops. */
static int each_row(sq_store *s, sqlite3_stmt *st, emit_fn emit, void *ctx, const char *what)
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

static int sq_begin(wl_store *st)
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
static int tx_end(sq_store *s, int rc)
{
  if (rc == 0)
    return sq_commit(&s->base);
  sq_rollback(&s->base);
  return rc;
}

/* ---- sources --------------------------------------------------------- */

static void bind_source(sqlite3_stmt *st, const wl_source *src)
{
  bind_text(st, 1, src->name);
  bind_text(st, 2, src->vendor);
  bind_text(st, 3, src->base_url);
  bind_text(st, 4, src->tenant);
  bind_text(st, 5, src->hist_base_url);
  bind_text(st, 6, src->hist_tenant);
  sqlite3_bind_int(st, 7, src->interval_s);
  bind_text(st, 8, src->timezone);
  sqlite3_bind_int(st, 9, src->enabled ? 1 : 0);
}

static void read_source(wl_source *out, sqlite3_stmt *st)
{
  memset(out, 0, sizeof(*out));
  out->id = sqlite3_column_int64(st, 0);
  col_copy(out->name, sizeof(out->name), st, 1);
  col_copy(out->vendor, sizeof(out->vendor), st, 2);
  col_copy(out->base_url, sizeof(out->base_url), st, 3);
  col_copy(out->tenant, sizeof(out->tenant), st, 4);
  col_copy(out->hist_base_url, sizeof(out->hist_base_url), st, 5);
  col_copy(out->hist_tenant, sizeof(out->hist_tenant), st, 6);
  out->has_token = sqlite3_column_int(st, 7);
  out->has_hist_token = sqlite3_column_int(st, 8);
  out->token_changed_at = sqlite3_column_int64(st, 9);
  out->hist_token_changed_at = sqlite3_column_int64(st, 10);
  out->interval_s = sqlite3_column_int(st, 11);
  col_copy(out->timezone, sizeof(out->timezone), st, 12);
  out->enabled = sqlite3_column_int(st, 13);
  out->created_at = sqlite3_column_int64(st, 14);
  out->updated_at = sqlite3_column_int64(st, 15);
}

static int source_write_rc(sq_store *s, int rc, const wl_source *src, const char *what)
{
  if (rc == SQLITE_DONE)
    return 0;
  if (is_constraint(s, SQLITE_CONSTRAINT_UNIQUE))
    return wl_err(WL_EEXISTS, "a source named '%s' already exists", src->name);
  return sq_fail(s, what);
}

static int sq_source_add(wl_store *st, wl_source *src)
{
  sq_store *s = SQ(st);
  sqlite3_stmt *q;
  int rc;
  if ((rc = stmt_get(s, Q_SOURCE_ADD, &q)) != 0)
    return rc;
  bind_source(q, src);
  bind_i64(q, 10, src->created_at);
  bind_i64(q, 11, src->updated_at);
  rc = source_write_rc(s, sqlite3_step(q), src, "cannot add the source");
  if (rc == 0)
    src->id = sqlite3_last_insert_rowid(s->db);
  stmt_done(s, Q_SOURCE_ADD, q);
  return rc;
}

static int sq_source_update(wl_store *st, const wl_source *src)
{
  sq_store *s = SQ(st);
  sqlite3_stmt *q;
  int rc;
  if ((rc = stmt_get(s, Q_SOURCE_UPDATE, &q)) != 0)
    return rc;
  bind_source(q, src);
  bind_i64(q, 10, src->updated_at);
  bind_i64(q, 11, src->id);
  rc = source_write_rc(s, sqlite3_step(q), src, "cannot update the source");
  if (rc == 0 && sqlite3_changes(s->db) == 0)
    rc = wl_err(WL_ENOTFOUND, "no source with id %lld", (long long)src->id);
  stmt_done(s, Q_SOURCE_UPDATE, q);
  return rc;
}

/* One source row by name or id; WL_ENOTFOUND when there is none. */
static int source_fetch(sq_store *s, wl_source *out, enum sq_id id, const char *name, int64_t sid)
{
  sqlite3_stmt *q;
  int rc = stmt_get(s, id, &q);
  if (rc != 0)
    return rc;
  if (name)
    bind_text(q, 1, name);
  else
    bind_i64(q, 1, sid);
  rc = sqlite3_step(q);
  if (rc == SQLITE_ROW) {
    read_source(out, q);
    rc = 0;
  } else if (rc == SQLITE_DONE && name) {
    rc = wl_err(WL_ENOTFOUND, "no source named '%s'", name);
  } else if (rc == SQLITE_DONE) {
    rc = wl_err(WL_ENOTFOUND, "no source with id %lld", (long long)sid);
  } else {
    rc = sq_fail(s, "cannot read the source");
  }
  stmt_done(s, id, q);
  return rc;
}

static int sq_source_get(wl_store *st, wl_source *out, const char *name)
{
  return source_fetch(SQ(st), out, Q_SOURCE_BY_NAME, name ? name : "", 0);
}

static int sq_source_get_by_id(wl_store *st, wl_source *out, int64_t id)
{
  return source_fetch(SQ(st), out, Q_SOURCE_BY_ID, NULL, id);
}

struct source_ctx {
  wl_source_cb cb;
  void *payload;
};

static int emit_source(sqlite3_stmt *st, void *ctx)
{
  struct source_ctx *c = ctx;
  wl_source src;
  read_source(&src, st);
  return c->cb(c->payload, &src);
}

static int sq_source_list(wl_store *st, wl_source_cb cb, void *payload)
{
  sq_store *s = SQ(st);
  struct source_ctx c = {cb, payload};
  sqlite3_stmt *q;
  int rc = stmt_get(s, Q_SOURCE_LIST, &q);
  if (rc != 0)
    return rc;
  rc = each_row(s, q, emit_source, &c, "cannot list sources");
  stmt_done(s, Q_SOURCE_LIST, q);
  return rc;
}

/* Runs a cached statement that takes the source id as ?1. */
static int exec_for_source(sq_store *s, enum sq_id id, int64_t source_id, const char *what)
{
  sqlite3_stmt *q;
  int rc = stmt_get(s, id, &q);
  if (rc != 0)
    return rc;
  bind_i64(q, 1, source_id);
  rc = step_done(s, q, what);
  stmt_done(s, id, q);
  return rc;
}

static int sq_source_remove(wl_store *st, int64_t id)
{
  sq_store *s = SQ(st);
  int rc = sq_begin(st);
  if (rc != 0)
    return rc;
  /* every other table cascades from source; settings cannot (scope 0) */
  rc = exec_for_source(s, Q_SOURCE_DEL, id, "cannot remove the source");
  if (rc == 0 && sqlite3_changes(s->db) == 0)
    rc = wl_err(WL_ENOTFOUND, "no source with id %lld", (long long)id);
  if (rc == 0)
    rc = exec_for_source(s, Q_SOURCE_SETTINGS_DEL, id, "cannot remove the source's settings");
  return tx_end(s, rc);
}

/* ---- tokens ---------------------------------------------------------- */

static int sq_token_set(wl_store *st, int64_t source_id, enum wl_token_kind kind,
                        const unsigned char *blob, size_t len, int64_t now)
{
  sq_store *s = SQ(st);
  enum sq_id id = kind == WL_TOKEN_HIST ? Q_TOKEN_SET_HIST : Q_TOKEN_SET_RT;
  sqlite3_stmt *q;
  int rc;
  if ((rc = stmt_get(s, id, &q)) != 0)
    return rc;
  bind_i64(q, 1, source_id);
  if (blob) /* NULL clears the token */
    sqlite3_bind_blob(q, 2, blob, (int)len, SQLITE_STATIC);
  else
    sqlite3_bind_null(q, 2);
  bind_i64(q, 3, now);
  rc = step_done(s, q, "cannot store the token");
  if (rc == 0 && sqlite3_changes(s->db) == 0)
    rc = wl_err(WL_ENOTFOUND, "no source with id %lld", (long long)source_id);
  stmt_done(s, id, q);
  return rc;
}

static int copy_blob(unsigned char **out, size_t *len, sqlite3_stmt *q)
{
  const void *p = sqlite3_column_blob(q, 0);
  size_t n = (size_t)sqlite3_column_bytes(q, 0);
  *out = malloc(n ? n : 1);
  if (!*out)
    return wl_err(WL_ENOMEM, "out of memory reading a token");
  if (n)
    memcpy(*out, p, n);
  *len = n;
  return 0;
}

static int sq_token_get(wl_store *st, unsigned char **out, size_t *len, int64_t source_id,
                        enum wl_token_kind kind)
{
  sq_store *s = SQ(st);
  enum sq_id id = kind == WL_TOKEN_HIST ? Q_TOKEN_GET_HIST : Q_TOKEN_GET_RT;
  sqlite3_stmt *q;
  int rc;
  *out = NULL;
  *len = 0;
  if ((rc = stmt_get(s, id, &q)) != 0)
    return rc;
  bind_i64(q, 1, source_id);
  rc = sqlite3_step(q);
  if (rc == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL)
    rc = copy_blob(out, len, q);
  else if (rc == SQLITE_ROW)
    rc = wl_err(WL_ENOTFOUND, "source %lld has no %s token", (long long)source_id,
                kind == WL_TOKEN_HIST ? "historical" : "real-time");
  else if (rc == SQLITE_DONE)
    rc = wl_err(WL_ENOTFOUND, "no source with id %lld", (long long)source_id);
  else
    rc = sq_fail(s, "cannot read the token");
  stmt_done(s, id, q);
  return rc;
}

/* ---- settings -------------------------------------------------------- */

static int sq_setting_set(wl_store *st, int64_t source_id, const char *key, const char *value)
{
  sq_store *s = SQ(st);
  enum sq_id id = value ? Q_SETTING_SET : Q_SETTING_DEL; /* NULL unsets */
  sqlite3_stmt *q;
  int rc;
  if ((rc = stmt_get(s, id, &q)) != 0)
    return rc;
  bind_i64(q, 1, source_id);
  bind_text(q, 2, key);
  if (value)
    bind_text(q, 3, value);
  rc = step_done(s, q, "cannot store the setting");
  stmt_done(s, id, q);
  return rc;
}

static int sq_setting_get(wl_store *st, char *out, size_t outlen, int64_t source_id,
                          const char *key)
{
  sq_store *s = SQ(st);
  sqlite3_stmt *q;
  int rc = stmt_get(s, Q_SETTING_GET, &q);
  if (rc != 0)
    return rc;
  bind_i64(q, 1, source_id);
  bind_text(q, 2, key);
  rc = sqlite3_step(q);
  if (rc == SQLITE_ROW) {
    const char *v = col_text(q, 0);
    size_t len = strlen(v);
    rc = 0;
    if (len >= outlen)
      rc = wl_err(WL_EFAIL, "setting '%s' is longer than %zu bytes", key, outlen ? outlen - 1 : 0);
    else
      memcpy(out, v, len + 1);
  } else if (rc == SQLITE_DONE) {
    rc = wl_err(WL_ENOTFOUND, "setting '%s' is not set", key ? key : "");
  } else {
    rc = sq_fail(s, "cannot read the setting");
  }
  stmt_done(s, Q_SETTING_GET, q);
  return rc;
}

struct setting_ctx {
  wl_setting_cb cb;
  void *payload;
};

static int emit_setting(sqlite3_stmt *st, void *ctx)
{
  struct setting_ctx *c = ctx;
  return c->cb(c->payload, col_text(st, 0), col_text(st, 1));
}

static int sq_setting_list(wl_store *st, int64_t source_id, wl_setting_cb cb, void *payload)
{
  sq_store *s = SQ(st);
  struct setting_ctx c = {cb, payload};
  sqlite3_stmt *q;
  int rc = stmt_get(s, Q_SETTING_LIST, &q);
  if (rc != 0)
    return rc;
  bind_i64(q, 1, source_id);
  rc = each_row(s, q, emit_setting, &c, "cannot list settings");
  stmt_done(s, Q_SETTING_LIST, q);
  return rc;
}

/* ---- queues and agents ----------------------------------------------- */

/* One queue or agent row: both tables are (source, ext_id, two texts). */
static int upsert_row(sq_store *s, sqlite3_stmt *q, int64_t source_id, const char *ext,
                      const char *a, const char *b, size_t i, const char *what)
{
  if (!ext || !*ext)
    return wl_err(WL_EUSAGE, "%s: row %zu has no id", what, i + 1);
  sqlite3_reset(q);
  bind_i64(q, 1, source_id);
  bind_text(q, 2, ext);
  bind_text(q, 3, a);
  bind_text(q, 4, b);
  return step_done(s, q, what);
}

static int sq_queues_upsert(wl_store *st, int64_t source_id, const wl_queue_row *rows, size_t n)
{
  sq_store *s = SQ(st);
  sqlite3_stmt *q = NULL;
  int rc;
  if (n == 0)
    return 0;
  if ((rc = sq_begin(st)) != 0)
    return rc;
  rc = stmt_get(s, Q_QUEUE_UPSERT, &q);
  for (size_t i = 0; rc == 0 && i < n; i++)
    rc = upsert_row(s, q, source_id, rows[i].queue_id, rows[i].name, rows[i].media_type, i,
                    "cannot store queues");
  stmt_done(s, Q_QUEUE_UPSERT, q);
  return tx_end(s, rc);
}

static int sq_agents_upsert(wl_store *st, int64_t source_id, const wl_agent_row *rows, size_t n)
{
  sq_store *s = SQ(st);
  sqlite3_stmt *q = NULL;
  int rc;
  if (n == 0)
    return 0;
  if ((rc = sq_begin(st)) != 0)
    return rc;
  rc = stmt_get(s, Q_AGENT_UPSERT, &q);
  for (size_t i = 0; rc == 0 && i < n; i++)
    rc = upsert_row(s, q, source_id, rows[i].agent_id, rows[i].name, rows[i].group_id, i,
                    "cannot store agents");
  stmt_done(s, Q_AGENT_UPSERT, q);
  return tx_end(s, rc);
}

struct queue_ctx {
  wl_queue_cb cb;
  void *payload;
};

static int emit_queue(sqlite3_stmt *st, void *ctx)
{
  struct queue_ctx *c = ctx;
  wl_queue_row r = {col_text(st, 0), col_text(st, 1), col_text(st, 2)};
  return c->cb(c->payload, &r);
}

struct agent_ctx {
  wl_agent_cb cb;
  void *payload;
};

static int emit_agent(sqlite3_stmt *st, void *ctx)
{
  struct agent_ctx *c = ctx;
  wl_agent_row r = {col_text(st, 0), col_text(st, 1), col_text(st, 2)};
  return c->cb(c->payload, &r);
}

/* A query whose only parameter is the source id. */
static int list_for_source(sq_store *s, enum sq_id id, int64_t source_id, emit_fn emit, void *ctx,
                           const char *what)
{
  sqlite3_stmt *q;
  int rc = stmt_get(s, id, &q);
  if (rc != 0)
    return rc;
  bind_i64(q, 1, source_id);
  rc = each_row(s, q, emit, ctx, what);
  stmt_done(s, id, q);
  return rc;
}

static int sq_queues_list(wl_store *st, int64_t source_id, wl_queue_cb cb, void *payload)
{
  struct queue_ctx c = {cb, payload};
  return list_for_source(SQ(st), Q_QUEUE_LIST, source_id, emit_queue, &c, "cannot list queues");
}

static int sq_agents_list(wl_store *st, int64_t source_id, wl_agent_cb cb, void *payload)
{
  struct agent_ctx c = {cb, payload};
  return list_for_source(SQ(st), Q_AGENT_LIST, source_id, emit_agent, &c, "cannot list agents");
}

static int sq_agent_get(wl_store *st, wl_agent_row *out_unused, int64_t source_id,
                        const char *agent_id)
{
  sq_store *s = SQ(st);
  sqlite3_stmt *q;
  int rc = stmt_get(s, Q_AGENT_GET, &q);
  if (rc != 0)
    return rc;
  bind_i64(q, 1, source_id);
  bind_text(q, 2, agent_id);
  rc = sqlite3_step(q);
  if (rc == SQLITE_ROW)
    rc = 0;
  else if (rc == SQLITE_DONE)
    rc = wl_err(WL_ENOTFOUND, "no agent '%s' in source %lld", agent_id ? agent_id : "",
                (long long)source_id);
  else
    rc = sq_fail(s, "cannot read the agent");
  stmt_done(s, Q_AGENT_GET, q);
  return rc;
}

/* ---- interval_volume ------------------------------------------------- */

static int iv_insert(sq_store *s, sqlite3_stmt *q, int64_t source_id, const wl_interval_row *r)
{
  int rc;
  sqlite3_reset(q);
  bind_i64(q, 1, source_id);
  bind_text(q, 2, r->queue_id);
  bind_i64(q, 3, r->start_utc);
  bind_i64(q, 4, r->entered);
  bind_i64(q, 5, r->accepted);
  bind_i64(q, 6, r->abandoned);
  bind_i64(q, 7, r->handle_time_s);
  bind_i64(q, 8, r->wait_time_s);
  sqlite3_bind_int(q, 9, r->final ? 1 : 0);
  bind_i64(q, 10, r->updated_at);
  rc = sqlite3_step(q);
  if (rc == SQLITE_DONE)
    return 0;
  if (is_constraint(s, SQLITE_CONSTRAINT_PRIMARYKEY))
    return wl_err(WL_EUSAGE, "duplicate interval row for queue %s at %lld", r->queue_id,
                  (long long)r->start_utc);
  if (is_constraint(s, SQLITE_CONSTRAINT_FOREIGNKEY))
    return wl_err(WL_ENOTFOUND, "no source with id %lld", (long long)source_id);
  return sq_fail(s, "cannot store an interval row");
}

static int iv_delete_window(sq_store *s, int64_t source_id, int64_t from, int64_t to)
{
  sqlite3_stmt *q;
  int rc = stmt_get(s, Q_IV_DEL_WINDOW, &q);
  if (rc != 0)
    return rc;
  bind_i64(q, 1, source_id);
  bind_i64(q, 2, from);
  bind_i64(q, 3, to);
  rc = step_done(s, q, "cannot clear the interval window");
  stmt_done(s, Q_IV_DEL_WINDOW, q);
  return rc;
}

static int sq_intervals_replace(wl_store *st, int64_t source_id, int64_t from, int64_t to,
                                const wl_interval_row *rows, size_t n)
{
  sq_store *s = SQ(st);
  sqlite3_stmt *q = NULL;
  int rc;
  if ((rc = sq_begin(st)) != 0)
    return rc;
  rc = iv_delete_window(s, source_id, from, to);
  if (rc == 0)
    rc = stmt_get(s, Q_IV_INSERT, &q);
  for (size_t i = 0; rc == 0 && i < n; i++)
    rc = iv_insert(s, q, source_id, &rows[i]);
  stmt_done(s, Q_IV_INSERT, q);
  return tx_end(s, rc);
}

static int sq_intervals_finalize(wl_store *st, int64_t source_id, int64_t before)
{
  sq_store *s = SQ(st);
  sqlite3_stmt *q;
  int rc = stmt_get(s, Q_IV_FINALIZE, &q);
  if (rc != 0)
    return rc;
  bind_i64(q, 1, source_id);
  bind_i64(q, 2, before);
  rc = step_done(s, q, "cannot finalize intervals");
  stmt_done(s, Q_IV_FINALIZE, q);
  return rc;
}

static int sq_intervals_delete(wl_store *st, int64_t source_id, const char *queue_id,
                               int64_t start_utc)
{
  sq_store *s = SQ(st);
  sqlite3_stmt *q;
  int rc = stmt_get(s, Q_IV_DEL_ONE, &q);
  if (rc != 0)
    return rc;
  bind_i64(q, 1, source_id);
  bind_text(q, 2, queue_id);
  bind_i64(q, 3, start_utc);
  rc = step_done(s, q, "cannot delete the interval row");
  if (rc == 0 && sqlite3_changes(s->db) == 0)
    rc = wl_err(WL_ENOTFOUND, "no interval row for queue %s at %lld", queue_id ? queue_id : "",
                (long long)start_utc);
  stmt_done(s, Q_IV_DEL_ONE, q);
  return rc;
}

struct iv_ctx {
  wl_interval_cb cb;
  void *payload;
};

static int emit_interval(sqlite3_stmt *st, void *ctx)
{
  struct iv_ctx *c = ctx;
  wl_interval_row r = {
    .queue_id = col_text(st, 0),
    .start_utc = sqlite3_column_int64(st, 1),
    .entered = sqlite3_column_int64(st, 2),
    .accepted = sqlite3_column_int64(st, 3),
    .abandoned = sqlite3_column_int64(st, 4),
    .handle_time_s = sqlite3_column_int64(st, 5),
    .wait_time_s = sqlite3_column_int64(st, 6),
    .final = sqlite3_column_int(st, 7),
    .updated_at = sqlite3_column_int64(st, 8),
  };
  return c->cb(c->payload, &r);
}

/* A ranged query: ?1 source, ?2 from, ?3 to, ?4 the optional filter (agent
 * or queue) that selects the second statement. */
static int range_query(sq_store *s, enum sq_id all, enum sq_id one, int64_t source_id,
                       const char *filter, int64_t from, int64_t to, emit_fn emit, void *ctx,
                       const char *what)
{
  enum sq_id id = filter ? one : all;
  sqlite3_stmt *q;
  int rc = stmt_get(s, id, &q);
  if (rc != 0)
    return rc;
  bind_i64(q, 1, source_id);
  bind_i64(q, 2, from);
  bind_i64(q, 3, to);
  if (filter)
    bind_text(q, 4, filter);
  rc = each_row(s, q, emit, ctx, what);
  stmt_done(s, id, q);
  return rc;
}

static int sq_intervals_query(wl_store *st, int64_t source_id, const char *queue_id, int64_t from,
                              int64_t to, wl_interval_cb cb, void *payload)
{
  struct iv_ctx c = {cb, payload};
  return range_query(SQ(st), Q_IV_QUERY_ALL, Q_IV_QUERY_QUEUE, source_id, queue_id, from, to,
                     emit_interval, &c, "cannot read intervals");
}

/* ---- agent_state ----------------------------------------------------- */

static void bind_state(sqlite3_stmt *q, int64_t source_id, const wl_state_row *r,
                       const char *agent_id)
{
  bind_i64(q, 1, source_id);
  bind_text(q, 2, agent_id);
  bind_i64(q, 3, r->start_utc);
  bind_end(q, 4, r->end_utc);
  bind_text(q, 5, r->state);
  bind_text(q, 6, r->vendor_code);
}

static int state_op_apply(sq_store *s, int64_t source_id, const wl_state_op *op)
{
  enum sq_id id = op->kind == WL_STATE_INSERT ? Q_ST_UPSERT : Q_ST_CLOSE;
  const wl_state_row *r = &op->row;
  sqlite3_stmt *q;
  int rc = stmt_get(s, id, &q);
  if (rc != 0)
    return rc;
  bind_i64(q, 1, source_id);
  bind_text(q, 2, r->agent_id);
  bind_i64(q, 3, r->start_utc);
  bind_end(q, 4, r->end_utc);
  if (op->kind == WL_STATE_INSERT) {
    bind_text(q, 5, r->state);
    bind_text(q, 6, r->vendor_code);
  }
  rc = step_done(s, q, "cannot store a state change");
  if (rc == 0 && op->kind == WL_STATE_CLOSE && sqlite3_changes(s->db) == 0)
    rc = wl_err(WL_ENOTFOUND, "no state segment of agent %s starting at %lld to close",
                r->agent_id, (long long)r->start_utc);
  stmt_done(s, id, q);
  return rc;
}

static int sq_states_apply(wl_store *st, int64_t source_id, const wl_state_op *ops, size_t n)
{
  sq_store *s = SQ(st);
  int rc;
  if ((rc = sq_begin(st)) != 0)
    return rc;
  for (size_t i = 0; rc == 0 && i < n; i++)
    rc = state_op_apply(s, source_id, &ops[i]);
  return tx_end(s, rc);
}

struct state_ctx {
  wl_state_cb cb;
  void *payload;
};

static int emit_state(sqlite3_stmt *st, void *ctx)
{
  struct state_ctx *c = ctx;
  wl_state_row r = {
    .agent_id = col_text(st, 0),
    .start_utc = sqlite3_column_int64(st, 1),
    .end_utc = col_end(st, 2),
    .state = col_text(st, 3),
    .vendor_code = col_text(st, 4),
  };
  return c->cb(c->payload, &r);
}

static int sq_states_open(wl_store *st, int64_t source_id, wl_state_cb cb, void *payload)
{
  struct state_ctx c = {cb, payload};
  return list_for_source(SQ(st), Q_ST_OPEN, source_id, emit_state, &c,
                         "cannot read open states");
}

static int sq_states_query(wl_store *st, int64_t source_id, const char *agent_id, int64_t from,
                           int64_t to, wl_state_cb cb, void *payload)
{
  struct state_ctx c = {cb, payload};
  return range_query(SQ(st), Q_ST_QUERY_ALL, Q_ST_QUERY_AGENT, source_id, agent_id, from, to,
                     emit_state, &c, "cannot read states");
}

/* Runs one of the agent-window statements: ?1 source, ?2 agent, ?3 from, ?4 to. */
static int exec_agent_window(sq_store *s, enum sq_id id, int64_t source_id, const char *agent_id,
                             int64_t from, int64_t to, const char *what)
{
  sqlite3_stmt *q;
  int rc = stmt_get(s, id, &q);
  if (rc != 0)
    return rc;
  bind_i64(q, 1, source_id);
  bind_text(q, 2, agent_id);
  bind_i64(q, 3, from);
  bind_i64(q, 4, to);
  rc = step_done(s, q, what);
  stmt_done(s, id, q);
  return rc;
}

/* Rows for one agent's window must lie inside it and belong to the agent. */
/* Makes room for [from, to) in the agent's timeline: a closed segment that
 * covers the span is split around it, one that crosses `from` (or is open
 * and started before it) ends at `from`, ones inside go, and one that starts
 * inside and runs past `to` (or is open) now starts at `to`. */
static int st_clear_window(sq_store *s, int64_t source_id, const char *agent_id, int64_t from,
                           int64_t to)
{
  static const enum sq_id steps[] = {Q_ST_SPLIT, Q_ST_TRIM_END, Q_ST_DEL_INSIDE, Q_ST_TRIM_START};
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < sizeof(steps) / sizeof(steps[0]); i++)
    rc = exec_agent_window(s, steps[i], source_id, agent_id, from, to,
                           "cannot make room for the imported states");
  return rc;
}

static int st_insert(sq_store *s, sqlite3_stmt *q, int64_t source_id, const char *agent_id,
                     const wl_state_row *r)
{
  int rc;
  sqlite3_reset(q);
  bind_state(q, source_id, r, agent_id);
  rc = sqlite3_step(q);
  if (rc == SQLITE_DONE)
    return 0;
  if (is_constraint(s, SQLITE_CONSTRAINT_PRIMARYKEY))
    return wl_err(WL_EUSAGE, "duplicate state row for agent %s at %lld", agent_id,
                  (long long)r->start_utc);
  if (is_constraint(s, SQLITE_CONSTRAINT_FOREIGNKEY))
    return wl_err(WL_ENOTFOUND, "no source with id %lld", (long long)source_id);
  return sq_fail(s, "cannot store a state row");
}

static int sq_states_replace(wl_store *st, int64_t source_id, const char *agent_id, int64_t from,
                             int64_t to, const wl_state_row *rows, size_t n)
{
  sq_store *s = SQ(st);
  sqlite3_stmt *q = NULL;
  int rc;
  if ((rc = sq_begin(st)) != 0)
    return rc;
  rc = st_clear_window(s, source_id, agent_id, from, to);
  if (rc == 0)
    rc = stmt_get(s, Q_ST_INSERT, &q);
  for (size_t i = 0; rc == 0 && i < n; i++)
    rc = st_insert(s, q, source_id, agent_id, &rows[i]);
  stmt_done(s, Q_ST_INSERT, q);
  return tx_end(s, rc);
}

/* ---- schedule_segment ------------------------------------------------ */

static int sc_insert(sq_store *s, sqlite3_stmt *q, int64_t source_id, const char *agent_id,
                     const wl_schedule_row *r)
{
  int rc;
  sqlite3_reset(q);
  bind_i64(q, 1, source_id);
  bind_text(q, 2, agent_id);
  bind_i64(q, 3, r->start_utc);
  bind_i64(q, 4, r->end_utc);
  bind_text(q, 5, r->activity);
  rc = sqlite3_step(q);
  if (rc == SQLITE_DONE)
    return 0;
  if (is_constraint(s, SQLITE_CONSTRAINT_PRIMARYKEY))
    return wl_err(WL_EUSAGE, "duplicate schedule row for agent %s at %lld", agent_id,
                  (long long)r->start_utc);
  if (is_constraint(s, SQLITE_CONSTRAINT_FOREIGNKEY))
    return wl_err(WL_ENOTFOUND, "no source with id %lld", (long long)source_id);
  return sq_fail(s, "cannot store a schedule row");
}

static int sq_schedule_replace(wl_store *st, int64_t source_id, const char *agent_id,
                               int64_t from, int64_t to, const wl_schedule_row *rows, size_t n)
{
  sq_store *s = SQ(st);
  sqlite3_stmt *q = NULL;
  int rc;
  if ((rc = sq_begin(st)) != 0)
    return rc;
  rc = exec_agent_window(s, Q_SC_DEL, source_id, agent_id, from, to,
                         "cannot clear the schedule window");
  if (rc == 0)
    rc = stmt_get(s, Q_SC_INSERT, &q);
  for (size_t i = 0; rc == 0 && i < n; i++)
    rc = sc_insert(s, q, source_id, agent_id, &rows[i]);
  stmt_done(s, Q_SC_INSERT, q);
  return tx_end(s, rc);
}

struct sc_ctx {
  wl_schedule_cb cb;
  void *payload;
};

static int emit_schedule(sqlite3_stmt *st, void *ctx)
{
  struct sc_ctx *c = ctx;
  wl_schedule_row r = {
    .agent_id = col_text(st, 0),
    .start_utc = sqlite3_column_int64(st, 1),
    .end_utc = sqlite3_column_int64(st, 2),
    .activity = col_text(st, 3),
  };
  return c->cb(c->payload, &r);
}

static int sq_schedule_query(wl_store *st, int64_t source_id, const char *agent_id, int64_t from,
                             int64_t to, wl_schedule_cb cb, void *payload)
{
  struct sc_ctx c = {cb, payload};
  return range_query(SQ(st), Q_SC_QUERY_ALL, Q_SC_QUERY_AGENT, source_id, agent_id, from, to,
                     emit_schedule, &c, "cannot read the schedule");
}

/* ---- activity rules -------------------------------------------------- */


static int sq_rule_set(wl_store *st, int64_t source_id, const wl_rule_row *rule)
{
  sq_store *s = SQ(st);
  sqlite3_stmt *q;
  int rc;
  if ((rc = stmt_get(s, Q_RULE_SET, &q)) != 0)
    return rc;
  bind_i64(q, 1, source_id);
  bind_text(q, 2, rule->activity);
  bind_text(q, 3, rule->state);
  bind_text(q, 4, rule->verdict);
  bind_text(q, 5, rule->kind);
  rc = step_done(s, q, "cannot store the rule");
  stmt_done(s, Q_RULE_SET, q);
  return rc;
}

struct rule_ctx {
  wl_rule_cb cb;
  void *payload;
};

static int emit_rule(sqlite3_stmt *st, void *ctx)
{
  struct rule_ctx *c = ctx;
  wl_rule_row r = {col_text(st, 0), col_text(st, 1), col_text(st, 2), col_text(st, 3)};
  return c->cb(c->payload, &r);
}

static int sq_rules_list(wl_store *st, int64_t source_id, wl_rule_cb cb, void *payload)
{
  struct rule_ctx c = {cb, payload};
  return list_for_source(SQ(st), Q_RULE_LIST, source_id, emit_rule, &c, "cannot list rules");
}

/* ---- collection_run -------------------------------------------------- */

static int sq_run_begin(wl_store *st, int64_t *out_id, int64_t source_id, const char *kind,
                        int64_t window_from, int64_t window_to, int64_t started)
{
  sq_store *s = SQ(st);
  sqlite3_stmt *q;
  int rc;
  if ((rc = stmt_get(s, Q_RUN_BEGIN, &q)) != 0)
    return rc;
  bind_i64(q, 1, source_id);
  bind_text(q, 2, kind);
  bind_i64(q, 3, window_from);
  bind_i64(q, 4, window_to);
  bind_i64(q, 5, started);
  rc = step_done(s, q, "cannot record the run");
  if (rc == 0)
    *out_id = sqlite3_last_insert_rowid(s->db);
  stmt_done(s, Q_RUN_BEGIN, q);
  return rc;
}

static int sq_run_end(wl_store *st, int64_t id, int64_t finished, const char *outcome,
                      int64_t pages, int64_t rows, int http_status, const char *error)
{
  sq_store *s = SQ(st);
  sqlite3_stmt *q;
  int rc;
  if ((rc = stmt_get(s, Q_RUN_END, &q)) != 0)
    return rc;
  bind_i64(q, 1, id);
  bind_i64(q, 2, finished);
  bind_text(q, 3, outcome);
  bind_i64(q, 4, pages);
  bind_i64(q, 5, rows);
  sqlite3_bind_int(q, 6, http_status);
  bind_text(q, 7, error);
  rc = step_done(s, q, "cannot record the end of the run");
  if (rc == 0 && sqlite3_changes(s->db) == 0)
    rc = wl_err(WL_ENOTFOUND, "no collection run with id %lld", (long long)id);
  stmt_done(s, Q_RUN_END, q);
  return rc;
}

struct run_ctx {
  wl_run_cb cb;
  void *payload;
};

static int emit_run(sqlite3_stmt *st, void *ctx)
{
  struct run_ctx *c = ctx;
  wl_run_row r = {
    .id = sqlite3_column_int64(st, 0),
    .source_id = sqlite3_column_int64(st, 1),
    .kind = col_text(st, 2),
    .window_from = sqlite3_column_int64(st, 3),
    .window_to = sqlite3_column_int64(st, 4),
    .started = sqlite3_column_int64(st, 5),
    .finished = sqlite3_column_int64(st, 6),
    .outcome = col_text(st, 7),
    .pages = sqlite3_column_int64(st, 8),
    .rows = sqlite3_column_int64(st, 9),
    .http_status = sqlite3_column_int(st, 10),
    .error = col_text(st, 11),
  };
  return c->cb(c->payload, &r);
}

static int sq_runs_list(wl_store *st, int64_t source_id, int limit, wl_run_cb cb, void *payload)
{
  sq_store *s = SQ(st);
  struct run_ctx c = {cb, payload};
  enum sq_id id = source_id ? Q_RUN_LIST_SOURCE : Q_RUN_LIST_ALL;
  sqlite3_stmt *q;
  int rc = stmt_get(s, id, &q);
  if (rc != 0)
    return rc;
  sqlite3_bind_int(q, 1, limit > 0 ? limit : -1); /* LIMIT -1: no limit */
  if (source_id)
    bind_i64(q, 2, source_id);
  rc = each_row(s, q, emit_run, &c, "cannot list collection runs");
  stmt_done(s, id, q);
  return rc;
}

/* ---- web accounts (issue 5) ----------------------------------------- */

/* These run a few times per web request at most, so they prepare their
 * statement each time instead of taking a slot in the statement cache. */
static int web_prepare(sq_store *s, sqlite3_stmt **q, const char *sql)
{
  if (sqlite3_prepare_v2(s->db, sql, -1, q, NULL) != SQLITE_OK) {
    *q = NULL;
    return sq_fail(s, "cannot prepare a statement");
  }
  return 0;
}

static int sq_user_add(wl_store *st, int64_t *out_id, const char *name, const char *pw_hash,
                       int64_t now)
{
  sq_store *s = SQ(st);
  sqlite3_stmt *q;
  int rc, step;
  if ((rc = web_prepare(s, &q, "INSERT INTO web_user (name, pw_hash, created_at) "
                               "VALUES (?1, ?2, ?3)")) != 0)
    return rc;
  bind_text(q, 1, name);
  bind_text(q, 2, pw_hash);
  bind_i64(q, 3, now);
  step = sqlite3_step(q);
  if (step == SQLITE_DONE)
    *out_id = sqlite3_last_insert_rowid(s->db);
  else if (is_constraint(s, SQLITE_CONSTRAINT_UNIQUE))
    rc = wl_err(WL_EEXISTS, "a user named '%s' already exists", name);
  else
    rc = sq_fail(s, "cannot add the user");
  sqlite3_finalize(q);
  return rc;
}

static int sq_user_set_password(wl_store *st, const char *name, const char *pw_hash)
{
  sq_store *s = SQ(st);
  sqlite3_stmt *q;
  int rc;
  if ((rc = web_prepare(s, &q, "UPDATE web_user SET pw_hash = ?2 WHERE name = ?1")) != 0)
    return rc;
  bind_text(q, 1, name);
  bind_text(q, 2, pw_hash);
  rc = step_done(s, q, "cannot change the password");
  if (rc == 0 && sqlite3_changes(s->db) == 0)
    rc = wl_err(WL_ENOTFOUND, "no user named '%s'", name);
  sqlite3_finalize(q);
  return rc;
}

static int sq_user_get(wl_store *st, int64_t *out_id, char *pw_hash, size_t hashlen,
                       const char *name)
{
  sq_store *s = SQ(st);
  sqlite3_stmt *q;
  int rc, step;
  if ((rc = web_prepare(s, &q, "SELECT id, pw_hash FROM web_user WHERE name = ?1")) != 0)
    return rc;
  bind_text(q, 1, name);
  step = sqlite3_step(q);
  if (step == SQLITE_ROW) {
    *out_id = sqlite3_column_int64(q, 0);
    if (pw_hash && hashlen)
      col_copy(pw_hash, hashlen, q, 1);
  } else if (step == SQLITE_DONE) {
    rc = wl_err(WL_ENOTFOUND, "no user named '%s'", name);
  } else {
    rc = sq_fail(s, "cannot read the user");
  }
  sqlite3_finalize(q);
  return rc;
}

static int sq_users_list(wl_store *st, wl_user_cb cb, void *payload)
{
  sq_store *s = SQ(st);
  sqlite3_stmt *q;
  int rc, step;
  if ((rc = web_prepare(s, &q, "SELECT id, name, created_at FROM web_user ORDER BY name")) != 0)
    return rc;
  while ((step = sqlite3_step(q)) == SQLITE_ROW) {
    wl_user_row r = {sqlite3_column_int64(q, 0), col_text(q, 1), sqlite3_column_int64(q, 2)};
    if ((rc = cb(payload, &r)) != 0)
      break;
  }
  if (rc == 0 && step != SQLITE_DONE)
    rc = sq_fail(s, "cannot list users");
  sqlite3_finalize(q);
  return rc;
}

/* A foreign-key failure here means the user does not exist. */
static int web_write(sq_store *s, sqlite3_stmt *q, const char *what, int64_t user_id)
{
  int step = sqlite3_step(q);
  if (step == SQLITE_DONE)
    return 0;
  if (is_constraint(s, SQLITE_CONSTRAINT_FOREIGNKEY))
    return wl_err(WL_ENOTFOUND, "%s: no user with id %lld", what, (long long)user_id);
  if (is_constraint(s, SQLITE_CONSTRAINT_PRIMARYKEY) || is_constraint(s, SQLITE_CONSTRAINT_UNIQUE))
    return wl_err(WL_EEXISTS, "%s: the id is already in use", what);
  return sq_fail(s, what);
}

static int sq_session_add(wl_store *st, const char *sid_hash, int64_t user_id, const char *csrf,
                          int64_t expires_at, int64_t now)
{
  sq_store *s = SQ(st);
  sqlite3_stmt *q;
  int rc;
  if ((rc = web_prepare(s, &q, "INSERT INTO web_session (id, user_id, csrf, expires_at, "
                               "created_at) VALUES (?1, ?2, ?3, ?4, ?5)")) != 0)
    return rc;
  bind_text(q, 1, sid_hash);
  bind_i64(q, 2, user_id);
  bind_text(q, 3, csrf);
  bind_i64(q, 4, expires_at);
  bind_i64(q, 5, now);
  rc = web_write(s, q, "cannot store the session", user_id);
  sqlite3_finalize(q);
  return rc;
}

static int sq_session_get(wl_store *st, int64_t *user_id, char *csrf, size_t csrflen,
                          const char *sid_hash, int64_t now)
{
  sq_store *s = SQ(st);
  sqlite3_stmt *q;
  int rc, step;
  *user_id = 0;
  if (csrf && csrflen)
    csrf[0] = '\0';
  if ((rc = web_prepare(s, &q, "SELECT user_id, csrf FROM web_session WHERE id = ?1 "
                               "AND expires_at > ?2")) != 0)
    return rc;
  bind_text(q, 1, sid_hash);
  bind_i64(q, 2, now);
  step = sqlite3_step(q);
  if (step == SQLITE_ROW) {
    *user_id = sqlite3_column_int64(q, 0);
    if (csrf && csrflen)
      col_copy(csrf, csrflen, q, 1);
  } else if (step == SQLITE_DONE) {
    rc = wl_err(WL_ENOTFOUND, "no such session, or it has expired");
  } else {
    rc = sq_fail(s, "cannot read the session");
  }
  sqlite3_finalize(q);
  return rc;
}

static int web_exec1(sq_store *s, const char *sql, const char *text, int64_t v, const char *what)
{
  sqlite3_stmt *q;
  int rc = web_prepare(s, &q, sql);
  if (rc)
    return rc;
  if (text)
    bind_text(q, 1, text);
  else
    bind_i64(q, 1, v);
  rc = step_done(s, q, what);
  sqlite3_finalize(q);
  return rc;
}

static int sq_session_delete(wl_store *st, const char *sid_hash)
{
  return web_exec1(SQ(st), "DELETE FROM web_session WHERE id = ?1", sid_hash ? sid_hash : "", 0,
                   "cannot delete the session");
}

static int sq_sessions_expire(wl_store *st, int64_t now)
{
  return web_exec1(SQ(st), "DELETE FROM web_session WHERE expires_at <= ?1", NULL, now,
                   "cannot delete expired sessions");
}

static int sq_apikey_add(wl_store *st, int64_t user_id, const char *key_hash, int64_t now)
{
  sq_store *s = SQ(st);
  sqlite3_stmt *q;
  int rc;
  if ((rc = web_prepare(s, &q, "INSERT INTO api_key (user_id, key_hash, created_at) "
                               "VALUES (?1, ?2, ?3)")) != 0)
    return rc;
  bind_i64(q, 1, user_id);
  bind_text(q, 2, key_hash);
  bind_i64(q, 3, now);
  rc = web_write(s, q, "cannot store the API key", user_id);
  sqlite3_finalize(q);
  return rc;
}

static int sq_apikey_find(wl_store *st, int64_t *user_id, const char *key_hash)
{
  sq_store *s = SQ(st);
  sqlite3_stmt *q;
  int rc, step;
  *user_id = 0;
  if ((rc = web_prepare(s, &q, "SELECT user_id FROM api_key WHERE key_hash = ?1")) != 0)
    return rc;
  bind_text(q, 1, key_hash ? key_hash : "");
  step = sqlite3_step(q);
  if (step == SQLITE_ROW)
    *user_id = sqlite3_column_int64(q, 0);
  else if (step == SQLITE_DONE)
    rc = wl_err(WL_ENOTFOUND, "unknown API key");
  else
    rc = sq_fail(s, "cannot look up the API key");
  sqlite3_finalize(q);
  return rc;
}

/* ---- leases (issue 8) ------------------------------------------------ */

/* A few calls per source and minute: each prepares its statement, so the
 * statement cache stays as it is. */
static int lease_prepare(sq_store *s, sqlite3_stmt **q, const char *sql)
{
  if (sqlite3_prepare_v2(s->db, sql, -1, q, NULL) != SQLITE_OK) {
    *q = NULL;
    return sq_fail(s, "cannot prepare a statement");
  }
  return 0;
}

/* One statement takes, renews or leaves the lease, so two processes can
 * never both hold it; sqlite3_changes() says which happened. */
static int sq_lease_acquire(wl_store *st, int *held, int64_t source_id, const char *owner,
                            int64_t now, int64_t ttl_s)
{
  sq_store *s = SQ(st);
  sqlite3_stmt *q;
  int rc, step;
  if ((rc = lease_prepare(s, &q, "INSERT INTO lease (source_id, owner, acquired_at, expires_at) "
                                 "VALUES (?1, ?2, ?3, ?3 + ?4) "
                                 "ON CONFLICT (source_id) DO UPDATE SET owner = excluded.owner, "
                                 "expires_at = excluded.expires_at, acquired_at = CASE "
                                 "WHEN lease.owner = excluded.owner THEN lease.acquired_at "
                                 "ELSE excluded.acquired_at END "
                                 "WHERE lease.owner = excluded.owner OR lease.expires_at <= ?3")) != 0)
    return rc;
  bind_i64(q, 1, source_id);
  bind_text(q, 2, owner);
  bind_i64(q, 3, now);
  bind_i64(q, 4, ttl_s);
  step = sqlite3_step(q);
  if (step == SQLITE_DONE)
    *held = sqlite3_changes(s->db) == 1;
  else if (is_constraint(s, SQLITE_CONSTRAINT_FOREIGNKEY))
    rc = wl_err(WL_ENOTFOUND, "no source with id %lld", (long long)source_id);
  else
    rc = sq_fail(s, "cannot take the lease");
  sqlite3_finalize(q);
  return rc;
}

static int sq_lease_release(wl_store *st, int64_t source_id, const char *owner)
{
  sq_store *s = SQ(st);
  sqlite3_stmt *q;
  int rc;
  if (source_id) /* one source, or (0) all of the owner's */
    rc = lease_prepare(s, &q, "DELETE FROM lease WHERE owner = ?1 AND source_id = ?2");
  else
    rc = lease_prepare(s, &q, "DELETE FROM lease WHERE owner = ?1");
  if (rc != 0)
    return rc;
  bind_text(q, 1, owner);
  if (source_id)
    bind_i64(q, 2, source_id);
  rc = step_done(s, q, "cannot release the lease");
  sqlite3_finalize(q);
  return rc;
}

static int sq_leases_list(wl_store *st,
                          int (*cb)(void *payload, int64_t source_id, const char *owner,
                                    int64_t acquired_at, int64_t expires_at),
                          void *payload)
{
  sq_store *s = SQ(st);
  sqlite3_stmt *q;
  int rc, step;
  if ((rc = lease_prepare(s, &q, "SELECT source_id, owner, acquired_at, expires_at FROM lease "
                                 "ORDER BY source_id")) != 0)
    return rc;
  while ((step = sqlite3_step(q)) == SQLITE_ROW) {
    rc = cb(payload, sqlite3_column_int64(q, 0), col_text(q, 1), sqlite3_column_int64(q, 2),
            sqlite3_column_int64(q, 3));
    if (rc != 0)
      break;
  }
  if (rc == 0 && step != SQLITE_DONE)
    rc = sq_fail(s, "cannot list leases");
  sqlite3_finalize(q);
  return rc;
}

/* ---- collection runs by window (issue 7) ------------------------------ */

/* Read once per volume page: prepared each time, no statement-cache slot. */
static int sq_runs_in_range(wl_store *st, int64_t source_id, const char *kind, int64_t from,
                            int64_t to, int limit, wl_run_cb cb, void *payload)
{
  sq_store *s = SQ(st);
  struct run_ctx c = {cb, payload};
  sqlite3_stmt *q;
  int rc = web_prepare(s, &q, "SELECT " RUN_COLS " FROM collection_run WHERE source_id = ?1 "
                              "AND (?2 IS NULL OR kind = ?2) AND window_from < ?4 "
                              "AND window_to > ?3 ORDER BY id DESC LIMIT ?5");
  if (rc != 0)
    return rc;
  bind_i64(q, 1, source_id);
  if (kind)
    bind_text(q, 2, kind);
  else
    sqlite3_bind_null(q, 2);
  bind_i64(q, 3, from);
  bind_i64(q, 4, to);
  sqlite3_bind_int(q, 5, limit > 0 ? limit : -1); /* LIMIT -1: no limit */
  rc = each_row(s, q, emit_run, &c, "cannot list collection runs");
  sqlite3_finalize(q);
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

/* ---- web accounts, continued ----------------------------------------- */

static int sq_sessions_delete_user(wl_store *st, int64_t user_id)
{
  return web_exec1(SQ(st), "DELETE FROM web_session WHERE user_id = ?1", NULL, user_id,
                   "cannot end the user's sessions");
}

static int sq_apikeys_delete_user(wl_store *st, int64_t user_id)
{
  return web_exec1(SQ(st), "DELETE FROM api_key WHERE user_id = ?1", NULL, user_id,
                   "cannot revoke the user's API keys");
}

/* Sessions and API keys go with the user (ON DELETE CASCADE). */
static int sq_user_remove(wl_store *st, const char *name)
{
  sq_store *s = SQ(st);
  int rc;
  if ((rc = web_exec1(s, "DELETE FROM web_user WHERE name = ?1", name, 0,
                      "cannot remove the user")) != 0)
    return rc;
  if (sqlite3_changes(s->db) == 0)
    return wl_err(WL_ENOTFOUND, "no user named '%s'", name);
  return 0;
}

static const wl_store_conn_ops sq_conn = {
  .close = sq_close,
  .schema_version = sq_schema_version,
  .begin = sq_begin,
  .commit = sq_commit,
  .rollback = sq_rollback,
};

static const wl_store_source_ops sq_sources = {
  .source_add = sq_source_add,
  .source_update = sq_source_update,
  .source_get = sq_source_get,
  .source_get_by_id = sq_source_get_by_id,
  .source_list = sq_source_list,
  .source_remove = sq_source_remove,
};

static const wl_store_token_ops sq_tokens = {
  .token_set = sq_token_set,
  .token_get = sq_token_get,
};

static const wl_store_setting_ops sq_settings = {
  .setting_set = sq_setting_set,
  .setting_get = sq_setting_get,
  .setting_list = sq_setting_list,
};

static const wl_store_directory_ops sq_directory = {
  .queues_upsert = sq_queues_upsert,
  .queues_list = sq_queues_list,
  .agents_upsert = sq_agents_upsert,
  .agents_list = sq_agents_list,
  .agent_get = sq_agent_get,
};

static const wl_store_interval_ops sq_intervals = {
  .intervals_replace = sq_intervals_replace,
  .intervals_finalize = sq_intervals_finalize,
  .intervals_delete = sq_intervals_delete,
  .intervals_query = sq_intervals_query,
};

static const wl_store_state_ops sq_states = {
  .states_apply = sq_states_apply,
  .states_open = sq_states_open,
  .states_query = sq_states_query,
  .states_replace = sq_states_replace,
};

static const wl_store_schedule_ops sq_schedules = {
  .schedule_replace = sq_schedule_replace,
  .schedule_query = sq_schedule_query,
};

static const wl_store_rule_ops sq_rules = {
  .rule_set = sq_rule_set,
  .rules_list = sq_rules_list,
};

static const wl_store_run_ops sq_runs = {
  .run_begin = sq_run_begin,
  .run_end = sq_run_end,
  .runs_list = sq_runs_list,
  .runs_in_range = sq_runs_in_range,
};

static const wl_store_web_ops sq_web = {
  .user_add = sq_user_add,
  .user_set_password = sq_user_set_password,
  .user_get = sq_user_get,
  .users_list = sq_users_list,
  .user_remove = sq_user_remove,
  .session_add = sq_session_add,
  .session_get = sq_session_get,
  .session_delete = sq_session_delete,
  .sessions_expire = sq_sessions_expire,
  .sessions_delete_user = sq_sessions_delete_user,
  .apikey_add = sq_apikey_add,
  .apikey_find = sq_apikey_find,
  .apikeys_delete_user = sq_apikeys_delete_user,
};

static const wl_store_lease_ops sq_leases = {
  .lease_acquire = sq_lease_acquire,
  .lease_release = sq_lease_release,
  .leases_list = sq_leases_list,
};

static const wl_store_ops sqlite_ops = {
  .version = WL_STORE_OPS_VERSION,
  .name = "sqlite",
  .conn = &sq_conn,
  .sources = &sq_sources,
  .tokens = &sq_tokens,
  .settings = &sq_settings,
  .directory = &sq_directory,
  .intervals = &sq_intervals,
  .states = &sq_states,
  .schedules = &sq_schedules,
  .rules = &sq_rules,
  .runs = &sq_runs,
  .web = &sq_web,
  .leases = &sq_leases,
};

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
  if (rc != 0) {
    sq_close(&s->base);
    return rc;
  }
  *out = &s->base;
  return 0;
}
