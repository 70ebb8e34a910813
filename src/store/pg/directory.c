/*
 * The PostgreSQL backend: the queues and agents of a source.
 */
#include "store/pg/pg_int.h"

/* Rows of the queue or agent batch: both tables are (source, ext_id, two
 * texts). */
typedef struct named_rows {
  const void *rows;
  size_t n, stride;
  size_t off_id, off_a, off_b;
} named_rows;

static const char *field(const named_rows *nr, size_t i, size_t off)
{
  return *(const char *const *)((const char *)nr->rows + i * nr->stride + off);
}

/* SQLite stores row by row and stops at the first row without an id, after
 * the rows before it; the same order of failures here: the valid prefix is
 * sent, and a bad row is reported only if the prefix went in. */
struct upsert_ctx {
  const named_rows *nr;
  size_t bad;
  const char *what;
};

static int upsert_check(pg_store *s, pg_cmd *cmds, size_t n, void *ctx)
{
  struct upsert_ctx *u = ctx;
  (void)s, (void)cmds, (void)n;
  return wl_err(WL_EUSAGE, "%s: row %zu has no id", u->what, u->bad + 1);
}

static int upsert_named(pg_store *s, enum pq_id id, int64_t source_id, const named_rows *nr,
                        const char *what)
{
  struct upsert_ctx u = {nr, nr->n, what};
  pg_cmd *cmds;
  int rc;
  if (nr->n == 0)
    return 0;
  for (size_t i = 0; i < nr->n && u.bad == nr->n; i++)
    if (!field(nr, i, nr->off_id) || !*field(nr, i, nr->off_id))
      u.bad = i;
  if (u.bad == 0)
    return pg_batch_failed(s, upsert_check(s, NULL, 0, &u));
  if (!(cmds = calloc(u.bad, sizeof(*cmds))))
    return wl_err(WL_ENOMEM, "out of memory storing rows");
  for (size_t i = 0; i < u.bad; i++) {
    cmds[i].id = id;
    pg_p_i64(&cmds[i].p, source_id);
    pg_p_text(&cmds[i].p, field(nr, i, nr->off_id));
    pg_p_text(&cmds[i].p, field(nr, i, nr->off_a));
    pg_p_text(&cmds[i].p, field(nr, i, nr->off_b));
  }
  rc = pg_unit_run(s, cmds, u.bad, u.bad < nr->n ? upsert_check : NULL, &u, what);
  if (rc != 0 && pg_is_state(cmds, u.bad, FK_VIOLATION))
    rc = wl_err(WL_ENOTFOUND, "%s: the source does not exist", what);
  pg_cmds_clear(cmds, u.bad);
  free(cmds);
  return rc == 0 ? 0 : pg_batch_failed(s, rc);
}

static int pg_queues_upsert(wl_store *st, int64_t source_id, const wl_queue_row *rows, size_t n)
{
  named_rows nr = {rows, n, sizeof(*rows), offsetof(wl_queue_row, queue_id),
                   offsetof(wl_queue_row, name), offsetof(wl_queue_row, media_type)};
  return upsert_named(PG(st), Q_QUEUE_UPSERT, source_id, &nr, "cannot store queues");
}

static int pg_agents_upsert(wl_store *st, int64_t source_id, const wl_agent_row *rows, size_t n)
{
  named_rows nr = {rows, n, sizeof(*rows), offsetof(wl_agent_row, agent_id),
                   offsetof(wl_agent_row, name), offsetof(wl_agent_row, group_id)};
  return upsert_named(PG(st), Q_AGENT_UPSERT, source_id, &nr, "cannot store agents");
}

struct queue_ctx {
  wl_queue_cb cb;
  void *payload;
};

static int emit_queue(const PGresult *r, int row, void *ctx)
{
  struct queue_ctx *c = ctx;
  wl_queue_row q = {pg_col_text(r, row, 0), pg_col_text(r, row, 1), pg_col_text(r, row, 2)};
  return c->cb(c->payload, &q);
}

struct agent_ctx {
  wl_agent_cb cb;
  void *payload;
};

static int emit_agent(const PGresult *r, int row, void *ctx)
{
  struct agent_ctx *c = ctx;
  wl_agent_row a = {pg_col_text(r, row, 0), pg_col_text(r, row, 1), pg_col_text(r, row, 2)};
  return c->cb(c->payload, &a);
}

/* A pg_query whose only parameter is the source id. */
int pg_list_for_source(pg_store *s, enum pq_id id, int64_t source_id, emit_fn emit,
                       void *ctx, const char *what)
{
  pg_cmd c = {.id = id};
  pg_p_i64(&c.p, source_id);
  return pg_query(s, &c, emit, ctx, what);
}

static int pg_queues_list(wl_store *st, int64_t source_id, wl_queue_cb cb, void *payload)
{
  struct queue_ctx c = {cb, payload};
  return pg_list_for_source(PG(st), Q_QUEUE_LIST, source_id, emit_queue, &c, "cannot list queues");
}

static int pg_agents_list(wl_store *st, int64_t source_id, wl_agent_cb cb, void *payload)
{
  struct agent_ctx c = {cb, payload};
  return pg_list_for_source(PG(st), Q_AGENT_LIST, source_id, emit_agent, &c, "cannot list agents");
}

static int pg_agent_get(wl_store *st, wl_agent_row *out_unused, int64_t source_id,
                        const char *agent_id)
{
  pg_cmd c = {.id = Q_AGENT_GET};
  int rc;
  (void)out_unused;
  pg_p_i64(&c.p, source_id);
  pg_p_text(&c.p, agent_id);
  rc = pg_run1(PG(st), &c, "cannot read the agent");
  if (rc == 0 && PQntuples(c.res) == 0)
    rc = wl_err(WL_ENOTFOUND, "no agent '%s' in source %lld", agent_id ? agent_id : "",
                (long long)source_id);
  pg_cmds_clear(&c, 1);
  return rc;
}

const wl_store_directory_ops pg_directory_ops = {
  .queues_upsert = pg_queues_upsert,
  .queues_list = pg_queues_list,
  .agents_upsert = pg_agents_upsert,
  .agents_list = pg_agents_list,
  .agent_get = pg_agent_get,
};
