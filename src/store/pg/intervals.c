/*
 * The PostgreSQL backend: interval_volume (window replaces, finalizing,
 * queries).
 */
#include "store/pg/pg_int.h"

/* The 1-based position of the row the last (insert) command refused, 0
 * when none was. */
size_t pg_rejected_row(const pg_cmd *ins)
{
  if (!ins->res || PQntuples(ins->res) == 0 || PQgetisnull(ins->res, 0, 0))
    return 0;
  return (size_t)pg_col_i64(ins->res, 0, 0);
}

/* Runs a window replace: clearing commands, then (with rows) the insert as
 * the last command, whose refusal the check turns into the caller's error. */
int pg_replace_run(pg_store *s, pg_cmd *cmds, size_t ncmds, unit_check check, void *ctx,
                   int64_t source_id, const char *what)
{
  int rc = pg_unit_run(s, cmds, ncmds, check, ctx, what);
  if (rc != 0 && pg_is_state(cmds, ncmds, FK_VIOLATION))
    rc = wl_err(WL_ENOTFOUND, "no source with id %lld", (long long)source_id);
  pg_cmds_clear(cmds, ncmds);
  return rc == 0 ? 0 : pg_batch_failed(s, rc);
}

static int iv_arrays(pg_params *p, const wl_interval_row *rows, size_t n)
{
  arrays a;
  int rc = 0;
  pg_arrays_init(&a, 9);
  for (size_t i = 0; rc == 0 && i < n; i++) {
    const wl_interval_row *r = &rows[i];
    int64_t v[8] = {r->start_utc, r->entered, r->accepted, r->abandoned, r->handle_time_s,
                    r->wait_time_s, r->final ? 1 : 0, r->updated_at};
    rc = pg_arr_text(&a, 0, r->queue_id);
    for (int c = 0; rc == 0 && c < 8; c++)
      rc = pg_arr_i64(&a, c + 1, v[c]);
  }
  if (rc == 0)
    rc = pg_arrays_bind(&a, p);
  pg_arrays_free(&a);
  return rc;
}

static int iv_check(pg_store *s, pg_cmd *cmds, size_t n, void *ctx)
{
  const wl_interval_row *rows = ctx;
  size_t bad = pg_rejected_row(&cmds[n - 1]);
  (void)s;
  if (bad == 0)
    return 0;
  return wl_err(WL_EUSAGE, "duplicate interval row for queue %s at %lld", rows[bad - 1].queue_id,
                (long long)rows[bad - 1].start_utc);
}

static int pg_intervals_replace(wl_store *st, int64_t source_id, int64_t from, int64_t to,
                                const wl_interval_row *rows, size_t n)
{
  pg_store *s = PG(st);
  pg_cmd cmds[2] = {{.id = Q_IV_DEL_WINDOW}, {.id = Q_IV_INSERT}};
  int rc;
  pg_p_i64(&cmds[0].p, source_id);
  pg_p_i64(&cmds[0].p, from);
  pg_p_i64(&cmds[0].p, to);
  if (n > 0) {
    pg_p_i64(&cmds[1].p, source_id);
    if ((rc = iv_arrays(&cmds[1].p, rows, n)) != 0) {
      pg_cmds_clear(cmds, 2);
      return pg_batch_failed(s, rc);
    }
  }
  return pg_replace_run(s, cmds, n > 0 ? 2 : 1, n > 0 ? iv_check : NULL, (void *)rows, source_id,
                     "cannot store an interval row");
}

static int pg_intervals_finalize(wl_store *st, int64_t source_id, int64_t before)
{
  pg_cmd c = {.id = Q_IV_FINALIZE};
  int rc;
  pg_p_i64(&c.p, source_id);
  pg_p_i64(&c.p, before);
  rc = pg_run1(PG(st), &c, "cannot finalize intervals");
  pg_cmds_clear(&c, 1);
  return rc;
}

static int pg_intervals_delete(wl_store *st, int64_t source_id, const char *queue_id,
                               int64_t start_utc)
{
  pg_cmd c = {.id = Q_IV_DEL_ONE};
  int rc;
  pg_p_i64(&c.p, source_id);
  pg_p_text(&c.p, queue_id);
  pg_p_i64(&c.p, start_utc);
  rc = pg_run1(PG(st), &c, "cannot delete the interval row");
  if (rc == 0 && pg_changes(c.res) == 0)
    rc = wl_err(WL_ENOTFOUND, "no interval row for queue %s at %lld", queue_id ? queue_id : "",
                (long long)start_utc);
  pg_cmds_clear(&c, 1);
  return rc;
}

struct iv_ctx {
  wl_interval_cb cb;
  void *payload;
};

static int emit_interval(const PGresult *r, int row, void *ctx)
{
  struct iv_ctx *c = ctx;
  wl_interval_row iv = {
    .queue_id = pg_col_text(r, row, 0),
    .start_utc = pg_col_i64(r, row, 1),
    .entered = pg_col_i64(r, row, 2),
    .accepted = pg_col_i64(r, row, 3),
    .abandoned = pg_col_i64(r, row, 4),
    .handle_time_s = pg_col_i64(r, row, 5),
    .wait_time_s = pg_col_i64(r, row, 6),
    .final = (int)pg_col_i64(r, row, 7),
    .updated_at = pg_col_i64(r, row, 8),
  };
  return c->cb(c->payload, &iv);
}

/* A ranged pg_query: $1 source, $2 from, $3 to, $4 the optional filter (agent
 * or queue) that selects the second statement. */
int pg_range_query(pg_store *s, enum pq_id all, enum pq_id one, int64_t source_id,
                   const char *filter, int64_t from, int64_t to, emit_fn emit, void *ctx,
                   const char *what)
{
  pg_cmd c = {.id = filter ? one : all};
  pg_p_i64(&c.p, source_id);
  pg_p_i64(&c.p, from);
  pg_p_i64(&c.p, to);
  if (filter)
    pg_p_text(&c.p, filter);
  return pg_query(s, &c, emit, ctx, what);
}

static int pg_intervals_query(wl_store *st, int64_t source_id, const char *queue_id,
                              int64_t from, int64_t to, wl_interval_cb cb, void *payload)
{
  struct iv_ctx c = {cb, payload};
  return pg_range_query(PG(st), Q_IV_QUERY_ALL, Q_IV_QUERY_QUEUE, source_id, queue_id, from, to,
                     emit_interval, &c, "cannot read intervals");
}

static int pg_intervals_upsert(wl_store *st, int64_t source_id, const wl_interval_row *rows,
                               size_t n)
{
  pg_store *s = PG(st);
  pg_cmd c = {.id = Q_IV_UPSERT};
  int rc;
  if (n == 0)
    return 0;
  pg_p_i64(&c.p, source_id);
  if ((rc = iv_arrays(&c.p, rows, n)) != 0) {
    pg_cmds_clear(&c, 1);
    return pg_batch_failed(s, rc);
  }
  rc = pg_write1(s, &c, "cannot store the interval rows");
  pg_cmds_clear(&c, 1);
  return rc;
}

const wl_store_interval_ops pg_intervals_ops = {
  .intervals_replace = pg_intervals_replace,
  .intervals_finalize = pg_intervals_finalize,
  .intervals_delete = pg_intervals_delete,
  .intervals_upsert = pg_intervals_upsert,
  .intervals_query = pg_intervals_query,
};
