/*
 * The PostgreSQL backend: collection_run (begin, end, lists, runs by window).
 */
#include "store/pg/pg_int.h"

static int pg_run_begin(wl_store *st, int64_t *out_id, int64_t source_id, const char *kind,
                        int64_t window_from, int64_t window_to, int64_t started,
                        const char *owner)
{
  pg_cmd c = {.id = Q_RUN_BEGIN};
  int rc;
  pg_p_i64(&c.p, source_id);
  pg_p_text(&c.p, kind);
  pg_p_i64(&c.p, window_from);
  pg_p_i64(&c.p, window_to);
  pg_p_i64(&c.p, started);
  pg_p_text(&c.p, owner);
  rc = pg_write1(PG(st), &c, "cannot record the run");
  if (rc == 0)
    *out_id = pg_col_i64(c.res, 0, 0);
  pg_cmds_clear(&c, 1);
  return rc;
}

static int pg_run_end(wl_store *st, int64_t id, int64_t finished, const char *outcome,
                      int64_t pages, int64_t rows, int http_status, const char *error)
{
  pg_cmd c = {.id = Q_RUN_END};
  int rc;
  pg_p_i64(&c.p, id);
  pg_p_i64(&c.p, finished);
  pg_p_text(&c.p, outcome);
  pg_p_i64(&c.p, pages);
  pg_p_i64(&c.p, rows);
  pg_p_i64(&c.p, http_status);
  pg_p_text(&c.p, error);
  rc = pg_run1(PG(st), &c, "cannot record the end of the run");
  if (rc == 0 && pg_changes(c.res) == 0)
    rc = wl_err(WL_ENOTFOUND, "no %scollection run with id %lld",
                strcmp(outcome, "interrupted") == 0 ? "running " : "", (long long)id);
  pg_cmds_clear(&c, 1);
  return rc;
}

struct run_ctx {
  wl_run_cb cb;
  void *payload;
};

static int emit_run(const PGresult *r, int row, void *ctx)
{
  struct run_ctx *c = ctx;
  wl_run_row rr = {
    .id = pg_col_i64(r, row, 0),
    .source_id = pg_col_i64(r, row, 1),
    .kind = pg_col_text(r, row, 2),
    .window_from = pg_col_i64(r, row, 3),
    .window_to = pg_col_i64(r, row, 4),
    .started = pg_col_i64(r, row, 5),
    .finished = pg_col_i64(r, row, 6),
    .outcome = pg_col_text(r, row, 7),
    .pages = pg_col_i64(r, row, 8),
    .rows = pg_col_i64(r, row, 9),
    .http_status = (int)pg_col_i64(r, row, 10),
    .error = pg_col_text(r, row, 11),
    .owner = pg_col_text(r, row, 12),
  };
  return c->cb(c->payload, &rr);
}

static int pg_runs_list(wl_store *st, int64_t source_id, int limit, wl_run_cb cb, void *payload)
{
  struct run_ctx ctx = {cb, payload};
  pg_cmd c = {.id = source_id ? Q_RUN_LIST_SOURCE : Q_RUN_LIST_ALL};
  if (limit > 0)
    pg_p_i64(&c.p, limit);
  else
    pg_p_null(&c.p); /* LIMIT NULL: all */
  if (source_id)
    pg_p_i64(&c.p, source_id);
  return pg_query(PG(st), &c, emit_run, &ctx, "cannot list collection runs");
}

/* ---- collection runs by window (issue 7) ------------------------------ */

static int pg_runs_in_range(wl_store *st, int64_t source_id, const char *kind, int64_t from,
                            int64_t to, int limit, wl_run_cb cb, void *payload)
{
  struct run_ctx ctx = {cb, payload};
  pg_cmd c = {.id = Q_RUN_IN_RANGE};
  pg_p_i64(&c.p, source_id);
  if (kind)
    pg_p_text(&c.p, kind);
  else
    pg_p_null(&c.p);
  pg_p_i64(&c.p, from);
  pg_p_i64(&c.p, to);
  if (limit > 0)
    pg_p_i64(&c.p, limit);
  else
    pg_p_null(&c.p); /* LIMIT NULL: all */
  return pg_query(PG(st), &c, emit_run, &ctx, "cannot list collection runs");
}

const wl_store_run_ops pg_runs_ops = {
  .run_begin = pg_run_begin,
  .run_end = pg_run_end,
  .runs_list = pg_runs_list,
  .runs_in_range = pg_runs_in_range,
};
