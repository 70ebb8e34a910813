/*
 * The PostgreSQL backend: agent_state (timeline changes, open segments,
 * window replaces).
 */
#include "store/pg/pg_int.h"

static void state_op_bind(pg_cmd *c, int64_t source_id, const wl_state_op *op)
{
  const wl_state_row *r = &op->row;
  c->id = op->kind == WL_STATE_INSERT ? Q_ST_UPSERT : Q_ST_CLOSE;
  pg_p_i64(&c->p, source_id);
  pg_p_text(&c->p, r->agent_id);
  pg_p_i64(&c->p, r->start_utc);
  pg_p_end(&c->p, r->end_utc);
  if (op->kind == WL_STATE_INSERT) {
    pg_p_text(&c->p, r->state);
    pg_p_text(&c->p, r->vendor_code);
  }
}

/* SQLite applies the ops one by one and stops at the first CLOSE that finds
 * nothing; here they all run in one pipeline, and the first CLOSE that
 * changed nothing (before any failed statement) is that same error. */
static int close_missed(const wl_state_op *ops, pg_cmd *cmds, size_t n)
{
  for (size_t i = 0; i < n && cmds[i].res; i++) {
    if (PQresultStatus(cmds[i].res) != PGRES_COMMAND_OK)
      break;
    if (ops[i].kind == WL_STATE_CLOSE && pg_changes(cmds[i].res) == 0)
      return wl_err(WL_ENOTFOUND, "no state segment of agent %s starting at %lld to close",
                    ops[i].row.agent_id, (long long)ops[i].row.start_utc);
  }
  return 0;
}

static int states_check(pg_store *s, pg_cmd *cmds, size_t n, void *ctx)
{
  (void)s;
  return close_missed(ctx, cmds, n);
}

static int pg_states_apply(wl_store *st, int64_t source_id, const wl_state_op *ops, size_t n)
{
  pg_store *s = PG(st);
  pg_cmd *cmds;
  int rc = 0, closes = 0;
  for (size_t i = 0; i < n; i++)
    closes |= ops[i].kind == WL_STATE_CLOSE;
  if (n == 0)
    return rc;
  if (!(cmds = calloc(n, sizeof(*cmds))))
    return wl_err(WL_ENOMEM, "out of memory storing state pg_changes");
  for (size_t i = 0; i < n; i++)
    state_op_bind(&cmds[i], source_id, &ops[i]);
  rc = pg_unit_run(s, cmds, n, closes ? states_check : NULL, (void *)ops,
                "cannot store a state change");
  if (rc != 0) {
    int missed = close_missed(ops, cmds, n);
    if (missed != 0)
      rc = missed;
    else if (pg_is_state(cmds, n, FK_VIOLATION))
      rc = wl_err(WL_ENOTFOUND, "cannot store a state change: the source does not exist");
  }
  pg_cmds_clear(cmds, n);
  free(cmds);
  return rc == 0 ? 0 : pg_batch_failed(s, rc);
}

struct state_ctx {
  wl_state_cb cb;
  void *payload;
};

static int emit_state(const PGresult *r, int row, void *ctx)
{
  struct state_ctx *c = ctx;
  wl_state_row sr = {
    .agent_id = pg_col_text(r, row, 0),
    .start_utc = pg_col_i64(r, row, 1),
    .end_utc = pg_col_end(r, row, 2),
    .state = pg_col_text(r, row, 3),
    .vendor_code = pg_col_text(r, row, 4),
  };
  return c->cb(c->payload, &sr);
}

static int pg_states_open(wl_store *st, int64_t source_id, wl_state_cb cb, void *payload)
{
  struct state_ctx c = {cb, payload};
  return pg_list_for_source(PG(st), Q_ST_OPEN, source_id, emit_state, &c,
                         "cannot read open states");
}

static int pg_states_query(wl_store *st, int64_t source_id, const char *agent_id, int64_t from,
                           int64_t to, wl_state_cb cb, void *payload)
{
  struct state_ctx c = {cb, payload};
  return pg_range_query(PG(st), Q_ST_QUERY_ALL, Q_ST_QUERY_AGENT, source_id, agent_id, from, to,
                     emit_state, &c, "cannot read states");
}

/* $1 source, $2 agent, $3 from and (all but one statement) $4 to. */
void pg_bind_agent_window(pg_cmd *c, enum pq_id id, int64_t source_id, const char *agent_id,
                          int64_t from, int64_t to)
{
  c->id = id;
  pg_p_i64(&c->p, source_id);
  pg_p_text(&c->p, agent_id);
  pg_p_i64(&c->p, from);
  if (id != Q_ST_TRIM_END)
    pg_p_i64(&c->p, to);
}

/* $1 source, $2 agent, then the rows as arrays. */
int pg_bind_segments(pg_cmd *c, enum pq_id id, int64_t source_id, const char *agent_id,
                     arrays *a)
{
  c->id = id;
  pg_p_i64(&c->p, source_id);
  pg_p_text(&c->p, agent_id);
  return pg_arrays_bind(a, &c->p);
}

int pg_seg_check(pg_store *s, pg_cmd *cmds, size_t n, void *ctx)
{
  struct seg_ctx *c = ctx;
  size_t bad = pg_rejected_row(&cmds[n - 1]);
  int64_t start;
  (void)s;
  if (bad == 0)
    return 0;
  memcpy(&start, (const char *)c->rows + (bad - 1) * c->stride + c->off_start, sizeof(start));
  return wl_err(WL_EUSAGE, "duplicate %s row for agent %s at %lld", c->what, c->agent_id,
                (long long)start);
}

static int st_arrays(arrays *a, const wl_state_row *rows, size_t n)
{
  int rc = 0;
  pg_arrays_init(a, 4);
  for (size_t i = 0; rc == 0 && i < n; i++) {
    rc = pg_arr_i64(a, 0, rows[i].start_utc);
    if (rc == 0)
      rc = pg_arr_i64(a, 1, rows[i].end_utc);
    if (rc == 0)
      rc = pg_arr_text(a, 2, rows[i].state);
    if (rc == 0)
      rc = pg_arr_text(a, 3, rows[i].vendor_code);
  }
  return rc;
}

/* Makes room for [from, to) in the agent's timeline: a closed segment that
 * covers the span is split around it, one that crosses `from` (or is open
 * and started before it) ends at `from`, ones inside go, and one that starts
 * inside and runs past `to` (or is open) now starts at `to`. */
static int pg_states_replace(wl_store *st, int64_t source_id, const char *agent_id, int64_t from,
                             int64_t to, const wl_state_row *rows, size_t n)
{
  static const enum pq_id steps[] = {Q_ST_SPLIT, Q_ST_TRIM_END, Q_ST_DEL_INSIDE, Q_ST_TRIM_START};
  pg_store *s = PG(st);
  pg_cmd cmds[5];
  arrays a;
  struct seg_ctx ctx = {"state", agent_id, rows, sizeof(*rows),
                        offsetof(wl_state_row, start_utc)};
  int rc;
  memset(cmds, 0, sizeof(cmds));
  for (size_t i = 0; i < 4; i++)
    pg_bind_agent_window(&cmds[i], steps[i], source_id, agent_id, from, to);
  if (n > 0) {
    rc = st_arrays(&a, rows, n);
    if (rc == 0)
      rc = pg_bind_segments(&cmds[4], Q_ST_INSERT, source_id, agent_id, &a);
    pg_arrays_free(&a);
    if (rc != 0) {
      pg_cmds_clear(cmds, 5);
      return pg_batch_failed(s, rc);
    }
  }
  return pg_replace_run(s, cmds, n > 0 ? 5 : 4, n > 0 ? pg_seg_check : NULL, &ctx, source_id,
                     "cannot make room for the imported states");
}

const wl_store_state_ops pg_states_ops = {
  .states_apply = pg_states_apply,
  .states_open = pg_states_open,
  .states_query = pg_states_query,
  .states_replace = pg_states_replace,
};
