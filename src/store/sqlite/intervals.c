/*
 * The SQLite backend: interval_volume (window replaces, finalizing, queries).
 */
#include "store/sqlite/sqlite_int.h"

static int iv_insert(sq_store *s, sqlite3_stmt *q, int64_t source_id, const wl_interval_row *r)
{
  int rc;
  sqlite3_reset(q);
  sq_bind_i64(q, 1, source_id);
  sq_bind_text(q, 2, r->queue_id);
  sq_bind_i64(q, 3, r->start_utc);
  sq_bind_i64(q, 4, r->entered);
  sq_bind_i64(q, 5, r->accepted);
  sq_bind_i64(q, 6, r->abandoned);
  sq_bind_i64(q, 7, r->handle_time_s);
  sq_bind_i64(q, 8, r->wait_time_s);
  sqlite3_bind_int(q, 9, r->final ? 1 : 0);
  sq_bind_i64(q, 10, r->updated_at);
  rc = sqlite3_step(q);
  if (rc == SQLITE_DONE)
    return 0;
  if (sq_is_constraint(s, SQLITE_CONSTRAINT_PRIMARYKEY))
    return wl_err(WL_EUSAGE, "duplicate interval row for queue %s at %lld", r->queue_id,
                  (long long)r->start_utc);
  if (sq_is_constraint(s, SQLITE_CONSTRAINT_FOREIGNKEY))
    return wl_err(WL_ENOTFOUND, "no source with id %lld", (long long)source_id);
  return sq_fail(s, "cannot store an interval row");
}

static int iv_delete_window(sq_store *s, int64_t source_id, int64_t from, int64_t to)
{
  sqlite3_stmt *q;
  int rc = sq_stmt_get(s, Q_IV_DEL_WINDOW, &q);
  if (rc != 0)
    return rc;
  sq_bind_i64(q, 1, source_id);
  sq_bind_i64(q, 2, from);
  sq_bind_i64(q, 3, to);
  rc = sq_step_done(s, q, "cannot clear the interval window");
  sq_stmt_done(s, Q_IV_DEL_WINDOW, q);
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
    rc = sq_stmt_get(s, Q_IV_INSERT, &q);
  for (size_t i = 0; rc == 0 && i < n; i++)
    rc = iv_insert(s, q, source_id, &rows[i]);
  sq_stmt_done(s, Q_IV_INSERT, q);
  return sq_tx_end(s, rc);
}

static int sq_intervals_finalize(wl_store *st, int64_t source_id, int64_t before)
{
  sq_store *s = SQ(st);
  sqlite3_stmt *q;
  int rc = sq_stmt_get(s, Q_IV_FINALIZE, &q);
  if (rc != 0)
    return rc;
  sq_bind_i64(q, 1, source_id);
  sq_bind_i64(q, 2, before);
  rc = sq_step_done(s, q, "cannot finalize intervals");
  sq_stmt_done(s, Q_IV_FINALIZE, q);
  return rc;
}

static int sq_intervals_delete(wl_store *st, int64_t source_id, const char *queue_id,
                               int64_t start_utc)
{
  sq_store *s = SQ(st);
  sqlite3_stmt *q;
  int rc = sq_stmt_get(s, Q_IV_DEL_ONE, &q);
  if (rc != 0)
    return rc;
  sq_bind_i64(q, 1, source_id);
  sq_bind_text(q, 2, queue_id);
  sq_bind_i64(q, 3, start_utc);
  rc = sq_step_done(s, q, "cannot delete the interval row");
  if (rc == 0 && sqlite3_changes(s->db) == 0)
    rc = wl_err(WL_ENOTFOUND, "no interval row for queue %s at %lld", queue_id ? queue_id : "",
                (long long)start_utc);
  sq_stmt_done(s, Q_IV_DEL_ONE, q);
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
    .queue_id = sq_col_text(st, 0),
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
int sq_range_query(sq_store *s, enum sq_id all, enum sq_id one, int64_t source_id,
                   const char *filter, int64_t from, int64_t to, emit_fn emit, void *ctx,
                   const char *what)
{
  enum sq_id id = filter ? one : all;
  sqlite3_stmt *q;
  int rc = sq_stmt_get(s, id, &q);
  if (rc != 0)
    return rc;
  sq_bind_i64(q, 1, source_id);
  sq_bind_i64(q, 2, from);
  sq_bind_i64(q, 3, to);
  if (filter)
    sq_bind_text(q, 4, filter);
  rc = sq_each_row(s, q, emit, ctx, what);
  sq_stmt_done(s, id, q);
  return rc;
}

static int sq_intervals_query(wl_store *st, int64_t source_id, const char *queue_id, int64_t from,
                              int64_t to, wl_interval_cb cb, void *payload)
{
  struct iv_ctx c = {cb, payload};
  return sq_range_query(SQ(st), Q_IV_QUERY_ALL, Q_IV_QUERY_QUEUE, source_id, queue_id, from, to,
                     emit_interval, &c, "cannot read intervals");
}

static int sq_intervals_upsert(wl_store *st, int64_t source_id, const wl_interval_row *rows,
                               size_t n)
{
  sq_store *s = SQ(st);
  sqlite3_stmt *q = NULL;
  int rc;
  if ((rc = sq_begin(st)) != 0)
    return rc;
  rc = sq_stmt_get(s, Q_IV_UPSERT, &q);
  for (size_t i = 0; rc == 0 && i < n; i++)
    rc = iv_insert(s, q, source_id, &rows[i]);
  sq_stmt_done(s, Q_IV_UPSERT, q);
  return sq_tx_end(s, rc);
}

const wl_store_interval_ops sq_intervals_ops = {
  .intervals_replace = sq_intervals_replace,
  .intervals_finalize = sq_intervals_finalize,
  .intervals_delete = sq_intervals_delete,
  .intervals_upsert = sq_intervals_upsert,
  .intervals_query = sq_intervals_query,
};
