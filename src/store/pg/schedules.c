/*
 * The PostgreSQL backend: schedule_segment (window replaces and queries).
 */
#include "store/pg/pg_int.h"

static int sc_arrays(arrays *a, const wl_schedule_row *rows, size_t n)
{
  int rc = 0;
  pg_arrays_init(a, 3);
  for (size_t i = 0; rc == 0 && i < n; i++) {
    rc = pg_arr_i64(a, 0, rows[i].start_utc);
    if (rc == 0)
      rc = pg_arr_i64(a, 1, rows[i].end_utc);
    if (rc == 0)
      rc = pg_arr_text(a, 2, rows[i].activity);
  }
  return rc;
}

static int pg_schedule_replace(wl_store *st, int64_t source_id, const char *agent_id,
                               int64_t from, int64_t to, const wl_schedule_row *rows, size_t n)
{
  pg_store *s = PG(st);
  pg_cmd cmds[2];
  arrays a;
  struct seg_ctx ctx = {"schedule", agent_id, rows, sizeof(*rows),
                        offsetof(wl_schedule_row, start_utc)};
  int rc;
  memset(cmds, 0, sizeof(cmds));
  pg_bind_agent_window(&cmds[0], Q_SC_DEL, source_id, agent_id, from, to);
  if (n > 0) {
    rc = sc_arrays(&a, rows, n);
    if (rc == 0)
      rc = pg_bind_segments(&cmds[1], Q_SC_INSERT, source_id, agent_id, &a);
    pg_arrays_free(&a);
    if (rc != 0) {
      pg_cmds_clear(cmds, 2);
      return pg_batch_failed(s, rc);
    }
  }
  return pg_replace_run(s, cmds, n > 0 ? 2 : 1, n > 0 ? pg_seg_check : NULL, &ctx, source_id,
                     "cannot store a schedule row");
}

struct sc_ctx {
  wl_schedule_cb cb;
  void *payload;
};

static int emit_schedule(const PGresult *r, int row, void *ctx)
{
  struct sc_ctx *c = ctx;
  wl_schedule_row sr = {
    .agent_id = pg_col_text(r, row, 0),
    .start_utc = pg_col_i64(r, row, 1),
    .end_utc = pg_col_i64(r, row, 2),
    .activity = pg_col_text(r, row, 3),
  };
  return c->cb(c->payload, &sr);
}

static int pg_schedule_query(wl_store *st, int64_t source_id, const char *agent_id, int64_t from,
                             int64_t to, wl_schedule_cb cb, void *payload)
{
  struct sc_ctx c = {cb, payload};
  return pg_range_query(PG(st), Q_SC_QUERY_ALL, Q_SC_QUERY_AGENT, source_id, agent_id, from, to,
                     emit_schedule, &c, "cannot read the schedule");
}

const wl_store_schedule_ops pg_schedules_ops = {
  .schedule_replace = pg_schedule_replace,
  .schedule_query = pg_schedule_query,
};
