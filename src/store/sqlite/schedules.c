/*
 * The SQLite backend: schedule_segment (window replaces and queries).
 */
#include "store/sqlite/sqlite_int.h"

static int sc_insert(sq_store *s, sqlite3_stmt *q, int64_t source_id, const char *agent_id,
                     const wl_schedule_row *r)
{
  int rc;
  sqlite3_reset(q);
  sq_bind_i64(q, 1, source_id);
  sq_bind_text(q, 2, agent_id);
  sq_bind_i64(q, 3, r->start_utc);
  sq_bind_i64(q, 4, r->end_utc);
  sq_bind_text(q, 5, r->activity);
  rc = sqlite3_step(q);
  if (rc == SQLITE_DONE)
    return 0;
  if (sq_is_constraint(s, SQLITE_CONSTRAINT_PRIMARYKEY))
    return wl_err(WL_EUSAGE, "duplicate schedule row for agent %s at %lld", agent_id,
                  (long long)r->start_utc);
  if (sq_is_constraint(s, SQLITE_CONSTRAINT_FOREIGNKEY))
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
  rc = sq_exec_agent_window(s, Q_SC_DEL, source_id, agent_id, from, to,
                         "cannot clear the schedule window");
  if (rc == 0)
    rc = sq_stmt_get(s, Q_SC_INSERT, &q);
  for (size_t i = 0; rc == 0 && i < n; i++)
    rc = sc_insert(s, q, source_id, agent_id, &rows[i]);
  sq_stmt_done(s, Q_SC_INSERT, q);
  return sq_tx_end(s, rc);
}

struct sc_ctx {
  wl_schedule_cb cb;
  void *payload;
};

static int emit_schedule(sqlite3_stmt *st, void *ctx)
{
  struct sc_ctx *c = ctx;
  wl_schedule_row r = {
    .agent_id = sq_col_text(st, 0),
    .start_utc = sqlite3_column_int64(st, 1),
    .end_utc = sqlite3_column_int64(st, 2),
    .activity = sq_col_text(st, 3),
  };
  return c->cb(c->payload, &r);
}

static int sq_schedule_query(wl_store *st, int64_t source_id, const char *agent_id, int64_t from,
                             int64_t to, wl_schedule_cb cb, void *payload)
{
  struct sc_ctx c = {cb, payload};
  return sq_range_query(SQ(st), Q_SC_QUERY_ALL, Q_SC_QUERY_AGENT, source_id, agent_id, from, to,
                     emit_schedule, &c, "cannot read the schedule");
}

const wl_store_schedule_ops sq_schedules_ops = {
  .schedule_replace = sq_schedule_replace,
  .schedule_query = sq_schedule_query,
};
