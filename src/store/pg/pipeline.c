/*
 * Round trips: libpq pipelines, units (atomic groups of commands under a
 * transaction or savepoint) and nested transactions.
 */
#include "store/pg/pg_int.h"

static int send_item(pg_store *s, const item *it)
{
  char name[16];
  const pg_params *p;
  if (it->sql)
    return PQsendQueryParams(s->conn, it->sql, 0, NULL, NULL, NULL, NULL, 0);
  p = &it->cmd->p;
  snprintf(name, sizeof(name), "wl%d", (int)it->cmd->id);
  return PQsendQueryPrepared(s->conn, name, p->n, p->v, p->len, p->fmt, 0);
}

/* Reads one statement's result (and the NULL that ends it). */
static PGresult *read_item(pg_store *s)
{
  PGresult *r = PQgetResult(s->conn), *tail;
  if (!r || PQresultStatus(r) == PGRES_PIPELINE_SYNC)
    return r;
  while ((tail = PQgetResult(s->conn)) != NULL) { /* not expected: one result each */
    PQclear(tail);
    if (PQstatus(s->conn) != CONNECTION_OK)
      break;
  }
  return r;
}

static int item_ok(const PGresult *r)
{
  ExecStatusType st = PQresultStatus(r);
  return r && (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK);
}

/* Reads the results of items [from, to) and the Sync after them; returns
 * the index of the first failed item, or `to` when all succeeded. */
static size_t read_segment(pg_store *s, item *items, size_t from, size_t to)
{
  size_t bad = to;
  PGresult *r;
  for (size_t i = from; i < to; i++) {
    items[i].res = read_item(s);
    if (bad == to && !item_ok(items[i].res))
      bad = i;
    if (!items[i].res) /* the connection went: nothing more will come */
      return bad;
  }
  while ((r = PQgetResult(s->conn)) != NULL) { /* the Sync */
    ExecStatusType st = PQresultStatus(r);
    PQclear(r);
    if (st == PGRES_PIPELINE_SYNC)
      break;
  }
  return bad;
}

/* Sends the items as one pipeline and reads every result; returns the
 * index of the first failed item, or n. */
static size_t pipeline_items(pg_store *s, item *items, size_t n)
{
  size_t sent = 0, done = 0, bad = n;
  if (!PQenterPipelineMode(s->conn))
    return 0;
  while (sent < n && bad == n) {
    size_t end = sent + PIPE_CHUNK < n ? sent + PIPE_CHUNK : n;
    while (sent < end && send_item(s, &items[sent]))
      sent++;
    if (sent < end) { /* a send failed: the connection is gone */
      bad = sent;
      break;
    }
    if (!PQpipelineSync(s->conn)) {
      bad = done;
      break;
    }
    bad = read_segment(s, items, done, sent);
    if (bad != sent)
      break;
    bad = n;
    done = sent;
  }
  PQexitPipelineMode(s->conn);
  return bad;
}

/* A batch that failed inside the caller's transaction dooms it, as in
 * SQLite (its outer commit rolls back). */
int pg_batch_failed(pg_store *s, int rc)
{
  if (s->depth > 0)
    s->doomed = 1;
  return rc;
}

static void unit_undo(pg_store *s)
{
  if (PQstatus(s->conn) != CONNECTION_OK) {
    pg_conn_broken(s);
    return;
  }
  if (s->depth > 0 && s->in_tx)
    PQclear(PQexec(s->conn, SP_UNDO));
  else if (s->depth == 0 && PQtransactionStatus(s->conn) != PQTRANS_IDLE)
    PQclear(PQexec(s->conn, "ROLLBACK"));
}

/* Runs the commands as one pipeline; without a check, the closing COMMIT
 * or RELEASE rides along. Returns the first failure. */
static int unit_send(pg_store *s, pg_cmd *cmds, size_t n, int closed, const char *what)
{
  item *items = calloc(n + 3, sizeof(*items));
  size_t k = 0, bad;
  int rc = 0, begin_at = -1;
  if (!items)
    return wl_err(WL_ENOMEM, "out of memory running a batch");
  if (s->depth == 0 || !s->in_tx) {
    begin_at = (int)k;
    items[k++].sql = "BEGIN";
  }
  if (s->depth > 0)
    items[k++].sql = SP_BEGIN;
  for (size_t i = 0; i < n; i++)
    items[k++].cmd = &cmds[i];
  if (closed)
    items[k++].sql = s->depth == 0 ? "COMMIT" : SP_END;
  bad = pipeline_items(s, items, k);
  if (s->depth > 0 && begin_at >= 0 && items[begin_at].res && item_ok(items[begin_at].res))
    s->in_tx = 1;
  if (bad < k)
    rc = pg_fail(s, items[bad].res, what);
  for (size_t i = 0; i < k; i++) {
    if (items[i].cmd)
      items[i].cmd->res = items[i].res;
    else
      PQclear(items[i].res);
  }
  free(items);
  return rc;
}

/* Runs cmds atomically: alone in a transaction of their own, or under a
 * savepoint inside the caller's. check (may be NULL) vets the results before
 * anything is kept. Results stay in cmds[i].res, also after a failure, so the
 * caller can tell a constraint from the rest (failed_state). */
int pg_unit_run(pg_store *s, pg_cmd *cmds, size_t n, unit_check check, void *ctx,
                const char *what)
{
  int rc = pg_ready(s);
  for (size_t i = 0; rc == 0 && i < n; i++)
    rc = pg_prepare(s, cmds[i].id);
  if (rc != 0)
    return rc;
  if (s->depth == 0 && n == 1 && !check) { /* autocommit is atomic */
    const pg_params *p = &cmds[0].p;
    char name[16];
    ExecStatusType st;
    snprintf(name, sizeof(name), "wl%d", (int)cmds[0].id);
    cmds[0].res = PQexecPrepared(s->conn, name, p->n, p->v, p->len, p->fmt, 0);
    st = PQresultStatus(cmds[0].res);
    return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0 : pg_fail(s, cmds[0].res, what);
  }
  rc = unit_send(s, cmds, n, !check, what);
  if (rc == 0 && check && (rc = check(s, cmds, n, ctx)) == 0)
    rc = pg_exec_ctl(s, s->depth == 0 ? "COMMIT" : SP_END, NULL, 0);
  if (rc != 0)
    unit_undo(s);
  return rc;
}

/* One statement: runs it, leaving the result in c->res. */
int pg_run1(pg_store *s, pg_cmd *c, const char *what)
{
  return pg_unit_run(s, c, 1, NULL, NULL, what);
}

/* One pg_query whose rows go to emit. */
int pg_query(pg_store *s, pg_cmd *c, emit_fn emit, void *ctx, const char *what)
{
  int rc = pg_run1(s, c, what);
  if (rc == 0)
    rc = pg_each_row(c->res, emit, ctx);
  pg_cmds_clear(c, 1);
  return rc;
}
