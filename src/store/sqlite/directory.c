/*
 * The SQLite backend: the queues and agents of a source.
 */
#include "store/sqlite/sqlite_int.h"

/* One queue or agent row: both tables are (source, ext_id, two texts). */
static int upsert_row(sq_store *s, sqlite3_stmt *q, int64_t source_id, const char *ext,
                      const char *a, const char *b, size_t i, const char *what)
{
  if (!ext || !*ext)
    return wl_err(WL_EUSAGE, "%s: row %zu has no id", what, i + 1);
  sqlite3_reset(q);
  sq_bind_i64(q, 1, source_id);
  sq_bind_text(q, 2, ext);
  sq_bind_text(q, 3, a);
  sq_bind_text(q, 4, b);
  return sq_step_done(s, q, what);
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
  rc = sq_stmt_get(s, Q_QUEUE_UPSERT, &q);
  for (size_t i = 0; rc == 0 && i < n; i++)
    rc = upsert_row(s, q, source_id, rows[i].queue_id, rows[i].name, rows[i].media_type, i,
                    "cannot store queues");
  sq_stmt_done(s, Q_QUEUE_UPSERT, q);
  return sq_tx_end(s, rc);
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
  rc = sq_stmt_get(s, Q_AGENT_UPSERT, &q);
  for (size_t i = 0; rc == 0 && i < n; i++)
    rc = upsert_row(s, q, source_id, rows[i].agent_id, rows[i].name, rows[i].group_id, i,
                    "cannot store agents");
  sq_stmt_done(s, Q_AGENT_UPSERT, q);
  return sq_tx_end(s, rc);
}

struct queue_ctx {
  wl_queue_cb cb;
  void *payload;
};

static int emit_queue(sqlite3_stmt *st, void *ctx)
{
  struct queue_ctx *c = ctx;
  wl_queue_row r = {sq_col_text(st, 0), sq_col_text(st, 1), sq_col_text(st, 2)};
  return c->cb(c->payload, &r);
}

struct agent_ctx {
  wl_agent_cb cb;
  void *payload;
};

static int emit_agent(sqlite3_stmt *st, void *ctx)
{
  struct agent_ctx *c = ctx;
  wl_agent_row r = {sq_col_text(st, 0), sq_col_text(st, 1), sq_col_text(st, 2)};
  return c->cb(c->payload, &r);
}

/* A query whose only parameter is the source id. */
int sq_list_for_source(sq_store *s, enum sq_id id, int64_t source_id, emit_fn emit, void *ctx,
                       const char *what)
{
  sqlite3_stmt *q;
  int rc = sq_stmt_get(s, id, &q);
  if (rc != 0)
    return rc;
  sq_bind_i64(q, 1, source_id);
  rc = sq_each_row(s, q, emit, ctx, what);
  sq_stmt_done(s, id, q);
  return rc;
}

static int sq_queues_list(wl_store *st, int64_t source_id, wl_queue_cb cb, void *payload)
{
  struct queue_ctx c = {cb, payload};
  return sq_list_for_source(SQ(st), Q_QUEUE_LIST, source_id, emit_queue, &c, "cannot list queues");
}

static int sq_agents_list(wl_store *st, int64_t source_id, wl_agent_cb cb, void *payload)
{
  struct agent_ctx c = {cb, payload};
  return sq_list_for_source(SQ(st), Q_AGENT_LIST, source_id, emit_agent, &c, "cannot list agents");
}

static int sq_agent_get(wl_store *st, wl_agent_row *out_unused, int64_t source_id,
                        const char *agent_id)
{
  sq_store *s = SQ(st);
  sqlite3_stmt *q;
  int rc = sq_stmt_get(s, Q_AGENT_GET, &q);
  if (rc != 0)
    return rc;
  sq_bind_i64(q, 1, source_id);
  sq_bind_text(q, 2, agent_id);
  rc = sqlite3_step(q);
  if (rc == SQLITE_ROW)
    rc = 0;
  else if (rc == SQLITE_DONE)
    rc = wl_err(WL_ENOTFOUND, "no agent '%s' in source %lld", agent_id ? agent_id : "",
                (long long)source_id);
  else
    rc = sq_fail(s, "cannot read the agent");
  sq_stmt_done(s, Q_AGENT_GET, q);
  return rc;
}

const wl_store_directory_ops sq_directory_ops = {
  .queues_upsert = sq_queues_upsert,
  .queues_list = sq_queues_list,
  .agents_upsert = sq_agents_upsert,
  .agents_list = sq_agents_list,
  .agent_get = sq_agent_get,
};
