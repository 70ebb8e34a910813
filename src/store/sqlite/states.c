/*
 * The SQLite backend: agent_state (timeline changes, open segments, window
 * replaces).
 */
#include "store/sqlite/sqlite_int.h"

static void bind_state(sqlite3_stmt *q, int64_t source_id, const wl_state_row *r,
                       const char *agent_id)
{
  sq_bind_i64(q, 1, source_id);
  sq_bind_text(q, 2, agent_id);
  sq_bind_i64(q, 3, r->start_utc);
  sq_bind_end(q, 4, r->end_utc);
  sq_bind_text(q, 5, r->state);
  sq_bind_text(q, 6, r->vendor_code);
}

static int state_op_apply(sq_store *s, int64_t source_id, const wl_state_op *op)
{
  enum sq_id id = op->kind == WL_STATE_INSERT ? Q_ST_UPSERT : Q_ST_CLOSE;
  const wl_state_row *r = &op->row;
  sqlite3_stmt *q;
  int rc = sq_stmt_get(s, id, &q);
  if (rc != 0)
    return rc;
  sq_bind_i64(q, 1, source_id);
  sq_bind_text(q, 2, r->agent_id);
  sq_bind_i64(q, 3, r->start_utc);
  sq_bind_end(q, 4, r->end_utc);
  if (op->kind == WL_STATE_INSERT) {
    sq_bind_text(q, 5, r->state);
    sq_bind_text(q, 6, r->vendor_code);
  }
  rc = sq_step_done(s, q, "cannot store a state change");
  if (rc == 0 && op->kind == WL_STATE_CLOSE && sqlite3_changes(s->db) == 0)
    rc = wl_err(WL_ENOTFOUND, "no state segment of agent %s starting at %lld to close",
                r->agent_id, (long long)r->start_utc);
  sq_stmt_done(s, id, q);
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
  return sq_tx_end(s, rc);
}

struct state_ctx {
  wl_state_cb cb;
  void *payload;
};

static int emit_state(sqlite3_stmt *st, void *ctx)
{
  struct state_ctx *c = ctx;
  wl_state_row r = {
    .agent_id = sq_col_text(st, 0),
    .start_utc = sqlite3_column_int64(st, 1),
    .end_utc = sq_col_end(st, 2),
    .state = sq_col_text(st, 3),
    .vendor_code = sq_col_text(st, 4),
  };
  return c->cb(c->payload, &r);
}

static int sq_states_open(wl_store *st, int64_t source_id, wl_state_cb cb, void *payload)
{
  struct state_ctx c = {cb, payload};
  return sq_list_for_source(SQ(st), Q_ST_OPEN, source_id, emit_state, &c,
                         "cannot read open states");
}

static int sq_states_query(wl_store *st, int64_t source_id, const char *agent_id, int64_t from,
                           int64_t to, wl_state_cb cb, void *payload)
{
  struct state_ctx c = {cb, payload};
  return sq_range_query(SQ(st), Q_ST_QUERY_ALL, Q_ST_QUERY_AGENT, source_id, agent_id, from, to,
                     emit_state, &c, "cannot read states");
}

/* Runs one of the agent-window statements: ?1 source, ?2 agent, ?3 from, ?4 to. */
int sq_exec_agent_window(sq_store *s, enum sq_id id, int64_t source_id, const char *agent_id,
                         int64_t from, int64_t to, const char *what)
{
  sqlite3_stmt *q;
  int rc = sq_stmt_get(s, id, &q);
  if (rc != 0)
    return rc;
  sq_bind_i64(q, 1, source_id);
  sq_bind_text(q, 2, agent_id);
  sq_bind_i64(q, 3, from);
  sq_bind_i64(q, 4, to);
  rc = sq_step_done(s, q, what);
  sq_stmt_done(s, id, q);
  return rc;
}

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
    rc = sq_exec_agent_window(s, steps[i], source_id, agent_id, from, to,
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
  if (sq_is_constraint(s, SQLITE_CONSTRAINT_PRIMARYKEY))
    return wl_err(WL_EUSAGE, "duplicate state row for agent %s at %lld", agent_id,
                  (long long)r->start_utc);
  if (sq_is_constraint(s, SQLITE_CONSTRAINT_FOREIGNKEY))
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
    rc = sq_stmt_get(s, Q_ST_INSERT, &q);
  for (size_t i = 0; rc == 0 && i < n; i++)
    rc = st_insert(s, q, source_id, agent_id, &rows[i]);
  sq_stmt_done(s, Q_ST_INSERT, q);
  return sq_tx_end(s, rc);
}

const wl_store_state_ops sq_states_ops = {
  .states_apply = sq_states_apply,
  .states_open = sq_states_open,
  .states_query = sq_states_query,
  .states_replace = sq_states_replace,
};
