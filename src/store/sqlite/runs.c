/*
 * The SQLite backend: collection_run (begin, end, lists, runs by window).
 */
#include "store/sqlite/sqlite_int.h"

static int sq_run_begin(wl_store *st, int64_t *out_id, int64_t source_id, const char *kind,
                        int64_t window_from, int64_t window_to, int64_t started,
                        const char *owner)
{
  sq_store *s = SQ(st);
  sqlite3_stmt *q;
  int rc;
  if ((rc = sq_stmt_get(s, Q_RUN_BEGIN, &q)) != 0)
    return rc;
  sq_bind_i64(q, 1, source_id);
  sq_bind_text(q, 2, kind);
  sq_bind_i64(q, 3, window_from);
  sq_bind_i64(q, 4, window_to);
  sq_bind_i64(q, 5, started);
  sq_bind_text(q, 6, owner);
  rc = sq_step_done(s, q, "cannot record the run");
  if (rc == 0)
    *out_id = sqlite3_last_insert_rowid(s->db);
  sq_stmt_done(s, Q_RUN_BEGIN, q);
  return rc;
}

static int sq_run_end(wl_store *st, int64_t id, int64_t finished, const char *outcome,
                      int64_t pages, int64_t rows, int http_status, const char *error)
{
  sq_store *s = SQ(st);
  sqlite3_stmt *q;
  int rc;
  if ((rc = sq_stmt_get(s, Q_RUN_END, &q)) != 0)
    return rc;
  sq_bind_i64(q, 1, id);
  sq_bind_i64(q, 2, finished);
  sq_bind_text(q, 3, outcome);
  sq_bind_i64(q, 4, pages);
  sq_bind_i64(q, 5, rows);
  sqlite3_bind_int(q, 6, http_status);
  sq_bind_text(q, 7, error);
  rc = sq_step_done(s, q, "cannot record the end of the run");
  if (rc == 0 && sqlite3_changes(s->db) == 0)
    rc = wl_err(WL_ENOTFOUND, "no %scollection run with id %lld",
                strcmp(outcome, "interrupted") == 0 ? "running " : "", (long long)id);
  sq_stmt_done(s, Q_RUN_END, q);
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
    .kind = sq_col_text(st, 2),
    .window_from = sqlite3_column_int64(st, 3),
    .window_to = sqlite3_column_int64(st, 4),
    .started = sqlite3_column_int64(st, 5),
    .finished = sqlite3_column_int64(st, 6),
    .outcome = sq_col_text(st, 7),
    .pages = sqlite3_column_int64(st, 8),
    .rows = sqlite3_column_int64(st, 9),
    .http_status = sqlite3_column_int(st, 10),
    .error = sq_col_text(st, 11),
    .owner = sq_col_text(st, 12),
  };
  return c->cb(c->payload, &r);
}

static int sq_runs_list(wl_store *st, int64_t source_id, int limit, wl_run_cb cb, void *payload)
{
  sq_store *s = SQ(st);
  struct run_ctx c = {cb, payload};
  enum sq_id id = source_id ? Q_RUN_LIST_SOURCE : Q_RUN_LIST_ALL;
  sqlite3_stmt *q;
  int rc = sq_stmt_get(s, id, &q);
  if (rc != 0)
    return rc;
  sqlite3_bind_int(q, 1, limit > 0 ? limit : -1); /* LIMIT -1: no limit */
  if (source_id)
    sq_bind_i64(q, 2, source_id);
  rc = sq_each_row(s, q, emit_run, &c, "cannot list collection runs");
  sq_stmt_done(s, id, q);
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
  int rc = sq_web_prepare(s, &q, "SELECT " RUN_COLS " FROM collection_run WHERE source_id = ?1 "
                              "AND (?2 IS NULL OR kind = ?2) AND window_from < ?4 "
                              "AND window_to > ?3 ORDER BY id DESC LIMIT ?5");
  if (rc != 0)
    return rc;
  sq_bind_i64(q, 1, source_id);
  if (kind)
    sq_bind_text(q, 2, kind);
  else
    sqlite3_bind_null(q, 2);
  sq_bind_i64(q, 3, from);
  sq_bind_i64(q, 4, to);
  sqlite3_bind_int(q, 5, limit > 0 ? limit : -1); /* LIMIT -1: no limit */
  rc = sq_each_row(s, q, emit_run, &c, "cannot list collection runs");
  sqlite3_finalize(q);
  return rc;
}

const wl_store_run_ops sq_runs_ops = {
  .run_begin = sq_run_begin,
  .run_end = sq_run_end,
  .runs_list = sq_runs_list,
  .runs_in_range = sq_runs_in_range,
};
