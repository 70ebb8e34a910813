/*
 * The SQLite backend: planning (issue 12): imported volume coverage,
 * special days and saved forecasts.
 */
#include "store/sqlite/sqlite_int.h"

static int sq_vol_import_add(wl_store *st, int64_t source_id, const wl_vol_import_row *row)
{
  sq_store *s = SQ(st);
  sqlite3_stmt *q;
  int rc;
  if ((rc = sq_stmt_get(s, Q_VI_ADD, &q)) != 0)
    return rc;
  sq_bind_i64(q, 1, source_id);
  sq_bind_text(q, 2, row->queue_id);
  sq_bind_i64(q, 3, row->from);
  sq_bind_i64(q, 4, row->to);
  sq_bind_i64(q, 5, row->imported_at);
  rc = sq_step_done(s, q, "cannot record the imported range");
  sq_stmt_done(s, Q_VI_ADD, q);
  return rc;
}

struct vi_ctx {
  wl_vol_import_cb cb;
  void *payload;
};

static int emit_vol_import(sqlite3_stmt *st, void *ctx)
{
  struct vi_ctx *c = ctx;
  wl_vol_import_row r = {
    .queue_id = sq_col_text(st, 0),
    .from = sqlite3_column_int64(st, 1),
    .to = sqlite3_column_int64(st, 2),
    .imported_at = sqlite3_column_int64(st, 3),
  };
  return c->cb(c->payload, &r);
}

static int sq_vol_imports_query(wl_store *st, int64_t source_id, const char *queue_id,
                                int64_t from, int64_t to, wl_vol_import_cb cb, void *payload)
{
  struct vi_ctx c = {cb, payload};
  return sq_range_query(SQ(st), Q_VI_QUERY_ALL, Q_VI_QUERY_QUEUE, source_id, queue_id, from, to,
                     emit_vol_import, &c, "cannot read imported ranges");
}

static int sq_special_day_set(wl_store *st, int64_t source_id, const wl_special_day_row *row)
{
  sq_store *s = SQ(st);
  sqlite3_stmt *q;
  int rc;
  if ((rc = sq_stmt_get(s, Q_SD_SET, &q)) != 0)
    return rc;
  sq_bind_i64(q, 1, source_id);
  sq_bind_text(q, 2, row->queue_id);
  sq_bind_text(q, 3, row->date);
  sqlite3_bind_int(q, 4, row->exclude ? 1 : 0);
  sq_bind_i64(q, 5, row->factor_milli);
  rc = sq_step_done(s, q, "cannot store the special day");
  sq_stmt_done(s, Q_SD_SET, q);
  return rc;
}

static int sq_special_day_remove(wl_store *st, int64_t source_id, const char *queue_id,
                                 const char *date)
{
  sq_store *s = SQ(st);
  sqlite3_stmt *q;
  int rc = sq_stmt_get(s, Q_SD_DEL, &q);
  if (rc != 0)
    return rc;
  sq_bind_i64(q, 1, source_id);
  sq_bind_text(q, 2, queue_id);
  sq_bind_text(q, 3, date);
  rc = sq_step_done(s, q, "cannot remove the special day");
  if (rc == 0 && sqlite3_changes(s->db) == 0)
    rc = wl_err(WL_ENOTFOUND, "no special day %s%s%s", date ? date : "",
                queue_id && *queue_id ? " for queue " : "", queue_id ? queue_id : "");
  sq_stmt_done(s, Q_SD_DEL, q);
  return rc;
}

struct sd_ctx {
  wl_special_day_cb cb;
  void *payload;
};

static int emit_special_day(sqlite3_stmt *st, void *ctx)
{
  struct sd_ctx *c = ctx;
  wl_special_day_row r = {
    .queue_id = sq_col_text(st, 0),
    .date = sq_col_text(st, 1),
    .exclude = sqlite3_column_int(st, 2),
    .factor_milli = sqlite3_column_int64(st, 3),
  };
  return c->cb(c->payload, &r);
}

static int sq_special_days_list(wl_store *st, int64_t source_id, wl_special_day_cb cb,
                                void *payload)
{
  struct sd_ctx c = {cb, payload};
  return sq_list_for_source(SQ(st), Q_SD_LIST, source_id, emit_special_day, &c,
                         "cannot list special days");
}

static int fc_add_header(sq_store *s, int64_t *out_id, int64_t source_id,
                         const wl_fc_saved_row *hdr)
{
  sqlite3_stmt *q;
  int rc = sq_stmt_get(s, Q_FC_ADD, &q);
  if (rc != 0)
    return rc;
  sq_bind_i64(q, 1, source_id);
  sq_bind_text(q, 2, hdr->name);
  sq_bind_i64(q, 3, hdr->created_at);
  sq_bind_i64(q, 4, hdr->as_of);
  sq_bind_i64(q, 5, hdr->from);
  sq_bind_i64(q, 6, hdr->to);
  rc = sq_step_done(s, q, "cannot save the forecast");
  if (rc == 0)
    *out_id = sqlite3_last_insert_rowid(s->db);
  sq_stmt_done(s, Q_FC_ADD, q);
  return rc;
}

static int fc_add_value(sq_store *s, sqlite3_stmt *q, int64_t id, const wl_fc_value_row *v)
{
  sqlite3_reset(q);
  sq_bind_i64(q, 1, id);
  sq_bind_text(q, 2, v->queue_id);
  sq_bind_i64(q, 3, v->start_utc);
  sq_bind_i64(q, 4, v->volume_x10);
  sq_bind_i64(q, 5, v->aht_x10);
  sq_bind_text(q, 6, v->method);
  if (sqlite3_step(q) == SQLITE_DONE)
    return 0;
  if (sq_is_constraint(s, SQLITE_CONSTRAINT_PRIMARYKEY))
    return wl_err(WL_EUSAGE, "duplicate forecast value for queue %s at %lld", v->queue_id,
                  (long long)v->start_utc);
  return sq_fail(s, "cannot save a forecast value");
}

static int sq_forecast_save(wl_store *st, int64_t *out_id, int64_t source_id,
                            const wl_fc_saved_row *hdr, const wl_fc_value_row *rows, size_t n)
{
  sq_store *s = SQ(st);
  sqlite3_stmt *q = NULL;
  int64_t id = 0;
  int rc;
  if ((rc = sq_begin(st)) != 0)
    return rc;
  rc = sq_stmt_get(s, Q_FC_DEL_NAME, &q);
  if (rc == 0) {
    sq_bind_i64(q, 1, source_id);
    sq_bind_text(q, 2, hdr->name);
    rc = sq_step_done(s, q, "cannot replace the saved forecast");
    sq_stmt_done(s, Q_FC_DEL_NAME, q);
  }
  if (rc == 0)
    rc = fc_add_header(s, &id, source_id, hdr);
  q = NULL;
  if (rc == 0)
    rc = sq_stmt_get(s, Q_FC_VALUE_ADD, &q);
  for (size_t i = 0; rc == 0 && i < n; i++)
    rc = fc_add_value(s, q, id, &rows[i]);
  sq_stmt_done(s, Q_FC_VALUE_ADD, q);
  if (rc == 0 && out_id)
    *out_id = id;
  return sq_tx_end(s, rc);
}

struct fcs_ctx {
  wl_fc_saved_cb cb;
  void *payload;
};

static int emit_fc_saved(sqlite3_stmt *st, void *ctx)
{
  struct fcs_ctx *c = ctx;
  wl_fc_saved_row r = {
    .id = sqlite3_column_int64(st, 0),
    .name = sq_col_text(st, 1),
    .created_at = sqlite3_column_int64(st, 2),
    .as_of = sqlite3_column_int64(st, 3),
    .from = sqlite3_column_int64(st, 4),
    .to = sqlite3_column_int64(st, 5),
  };
  return c->cb(c->payload, &r);
}

static int sq_forecasts_saved_list(wl_store *st, int64_t source_id, wl_fc_saved_cb cb,
                                   void *payload)
{
  struct fcs_ctx c = {cb, payload};
  return sq_list_for_source(SQ(st), Q_FC_LIST, source_id, emit_fc_saved, &c,
                         "cannot list saved forecasts");
}

struct fcv_ctx {
  wl_fc_value_cb cb;
  void *payload;
};

static int emit_fc_value(sqlite3_stmt *st, void *ctx)
{
  struct fcv_ctx *c = ctx;
  wl_fc_value_row r = {
    .queue_id = sq_col_text(st, 0),
    .start_utc = sqlite3_column_int64(st, 1),
    .volume_x10 = sqlite3_column_int64(st, 2),
    .aht_x10 = sqlite3_column_int64(st, 3),
    .method = sq_col_text(st, 4),
  };
  return c->cb(c->payload, &r);
}

static int sq_forecast_saved_values(wl_store *st, int64_t saved_id, const char *queue_id,
                                    int64_t from, int64_t to, wl_fc_value_cb cb, void *payload)
{
  struct fcv_ctx c = {cb, payload};
  return sq_range_query(SQ(st), Q_FC_VALUES_ALL, Q_FC_VALUES_QUEUE, saved_id, queue_id, from, to,
                     emit_fc_value, &c, "cannot read the saved forecast");
}

const wl_store_plan_ops sq_plans_ops = {
  .vol_import_add = sq_vol_import_add,
  .vol_imports_query = sq_vol_imports_query,
  .special_day_set = sq_special_day_set,
  .special_day_remove = sq_special_day_remove,
  .special_days_list = sq_special_days_list,
  .forecast_save = sq_forecast_save,
  .forecasts_saved_list = sq_forecasts_saved_list,
  .forecast_saved_values = sq_forecast_saved_values,
};
