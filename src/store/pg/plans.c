/*
 * The PostgreSQL backend: planning (issue 12): imported volume coverage,
 * special days and saved forecasts.
 */
#include "store/pg/pg_int.h"

static int pg_vol_import_add(wl_store *st, int64_t source_id, const wl_vol_import_row *row)
{
  pg_cmd c = {.id = Q_VI_ADD};
  int rc;
  pg_p_i64(&c.p, source_id);
  pg_p_text(&c.p, row->queue_id);
  pg_p_i64(&c.p, row->from);
  pg_p_i64(&c.p, row->to);
  pg_p_i64(&c.p, row->imported_at);
  rc = pg_write1(PG(st), &c, "cannot record the imported range");
  pg_cmds_clear(&c, 1);
  return rc;
}

struct vi_ctx {
  wl_vol_import_cb cb;
  void *payload;
};

static int emit_vol_import(const PGresult *r, int row, void *ctx)
{
  struct vi_ctx *c = ctx;
  wl_vol_import_row v = {
    .queue_id = pg_col_text(r, row, 0),
    .from = pg_col_i64(r, row, 1),
    .to = pg_col_i64(r, row, 2),
    .imported_at = pg_col_i64(r, row, 3),
  };
  return c->cb(c->payload, &v);
}

static int pg_vol_imports_query(wl_store *st, int64_t source_id, const char *queue_id,
                                int64_t from, int64_t to, wl_vol_import_cb cb, void *payload)
{
  struct vi_ctx c = {cb, payload};
  return pg_range_query(PG(st), Q_VI_QUERY_ALL, Q_VI_QUERY_QUEUE, source_id, queue_id, from, to,
                     emit_vol_import, &c, "cannot read imported ranges");
}

static int pg_special_day_set(wl_store *st, int64_t source_id, const wl_special_day_row *row)
{
  pg_cmd c = {.id = Q_SD_SET};
  int rc;
  pg_p_i64(&c.p, source_id);
  pg_p_text(&c.p, row->queue_id);
  pg_p_text(&c.p, row->date);
  pg_p_i64(&c.p, row->exclude ? 1 : 0);
  pg_p_i64(&c.p, row->factor_milli);
  rc = pg_write1(PG(st), &c, "cannot store the special day");
  pg_cmds_clear(&c, 1);
  return rc;
}

static int pg_special_day_remove(wl_store *st, int64_t source_id, const char *queue_id,
                                 const char *date)
{
  pg_cmd c = {.id = Q_SD_DEL};
  int rc;
  pg_p_i64(&c.p, source_id);
  pg_p_text(&c.p, queue_id);
  pg_p_text(&c.p, date);
  rc = pg_run1(PG(st), &c, "cannot remove the special day");
  if (rc == 0 && pg_changes(c.res) == 0)
    rc = wl_err(WL_ENOTFOUND, "no special day %s%s%s", date ? date : "",
                queue_id && *queue_id ? " for queue " : "", queue_id ? queue_id : "");
  pg_cmds_clear(&c, 1);
  return rc;
}

struct sd_ctx {
  wl_special_day_cb cb;
  void *payload;
};

static int emit_special_day(const PGresult *r, int row, void *ctx)
{
  struct sd_ctx *c = ctx;
  wl_special_day_row d = {
    .queue_id = pg_col_text(r, row, 0),
    .date = pg_col_text(r, row, 1),
    .exclude = (int)pg_col_i64(r, row, 2),
    .factor_milli = pg_col_i64(r, row, 3),
  };
  return c->cb(c->payload, &d);
}

static int pg_special_days_list(wl_store *st, int64_t source_id, wl_special_day_cb cb,
                                void *payload)
{
  struct sd_ctx c = {cb, payload};
  return pg_list_for_source(PG(st), Q_SD_LIST, source_id, emit_special_day, &c,
                         "cannot list special days");
}

static int fc_values_arrays(pg_params *p, const wl_fc_value_row *rows, size_t n)
{
  arrays a;
  int rc = 0;
  pg_arrays_init(&a, 5);
  for (size_t i = 0; rc == 0 && i < n; i++) {
    if ((rc = pg_arr_text(&a, 0, rows[i].queue_id)) == 0 &&
        (rc = pg_arr_i64(&a, 1, rows[i].start_utc)) == 0 &&
        (rc = pg_arr_i64(&a, 2, rows[i].volume_x10)) == 0 &&
        (rc = pg_arr_i64(&a, 3, rows[i].aht_x10)) == 0)
      rc = pg_arr_text(&a, 4, rows[i].method);
  }
  if (rc == 0)
    rc = pg_arrays_bind(&a, p);
  pg_arrays_free(&a);
  return rc;
}

static int fc_save_header(pg_store *s, int64_t *id, int64_t source_id, const wl_fc_saved_row *h)
{
  pg_cmd c = {.id = Q_FC_DEL_NAME};
  int rc;
  pg_p_i64(&c.p, source_id);
  pg_p_text(&c.p, h->name);
  rc = pg_run1(s, &c, "cannot replace the saved forecast");
  pg_cmds_clear(&c, 1);
  if (rc != 0)
    return rc;
  c = (pg_cmd){.id = Q_FC_ADD};
  pg_p_i64(&c.p, source_id);
  pg_p_text(&c.p, h->name);
  pg_p_i64(&c.p, h->created_at);
  pg_p_i64(&c.p, h->as_of);
  pg_p_i64(&c.p, h->from);
  pg_p_i64(&c.p, h->to);
  rc = pg_write1(s, &c, "cannot save the forecast");
  if (rc == 0)
    *id = pg_col_i64(c.res, 0, 0);
  pg_cmds_clear(&c, 1);
  return rc;
}

static int pg_forecast_save(wl_store *st, int64_t *out_id, int64_t source_id,
                            const wl_fc_saved_row *hdr, const wl_fc_value_row *rows, size_t n)
{
  pg_store *s = PG(st);
  pg_cmd c = {.id = Q_FC_VALUE_ADD};
  int64_t id = 0;
  int rc;
  if ((rc = pg_begin(st)) != 0)
    return rc;
  rc = fc_save_header(s, &id, source_id, hdr);
  if (rc == 0 && n > 0) {
    pg_p_i64(&c.p, id);
    rc = fc_values_arrays(&c.p, rows, n);
    if (rc == 0)
      rc = pg_run1(s, &c, "cannot save the forecast values");
    pg_cmds_clear(&c, 1);
  }
  if (rc == 0 && out_id)
    *out_id = id;
  if (rc != 0) {
    pg_rollback(st);
    return rc;
  }
  return pg_commit(st);
}

struct fcs_ctx {
  wl_fc_saved_cb cb;
  void *payload;
};

static int emit_fc_saved(const PGresult *r, int row, void *ctx)
{
  struct fcs_ctx *c = ctx;
  wl_fc_saved_row v = {
    .id = pg_col_i64(r, row, 0),
    .name = pg_col_text(r, row, 1),
    .created_at = pg_col_i64(r, row, 2),
    .as_of = pg_col_i64(r, row, 3),
    .from = pg_col_i64(r, row, 4),
    .to = pg_col_i64(r, row, 5),
  };
  return c->cb(c->payload, &v);
}

static int pg_forecasts_saved_list(wl_store *st, int64_t source_id, wl_fc_saved_cb cb,
                                   void *payload)
{
  struct fcs_ctx c = {cb, payload};
  return pg_list_for_source(PG(st), Q_FC_LIST, source_id, emit_fc_saved, &c,
                         "cannot list saved forecasts");
}

struct fcv_ctx {
  wl_fc_value_cb cb;
  void *payload;
};

static int emit_fc_value(const PGresult *r, int row, void *ctx)
{
  struct fcv_ctx *c = ctx;
  wl_fc_value_row v = {
    .queue_id = pg_col_text(r, row, 0),
    .start_utc = pg_col_i64(r, row, 1),
    .volume_x10 = pg_col_i64(r, row, 2),
    .aht_x10 = pg_col_i64(r, row, 3),
    .method = pg_col_text(r, row, 4),
  };
  return c->cb(c->payload, &v);
}

static int pg_forecast_saved_values(wl_store *st, int64_t saved_id, const char *queue_id,
                                    int64_t from, int64_t to, wl_fc_value_cb cb, void *payload)
{
  struct fcv_ctx c = {cb, payload};
  return pg_range_query(PG(st), Q_FC_VALUES_ALL, Q_FC_VALUES_QUEUE, saved_id, queue_id, from, to,
                     emit_fc_value, &c, "cannot read the saved forecast");
}

const wl_store_plan_ops pg_plans_ops = {
  .vol_import_add = pg_vol_import_add,
  .vol_imports_query = pg_vol_imports_query,
  .special_day_set = pg_special_day_set,
  .special_day_remove = pg_special_day_remove,
  .special_days_list = pg_special_days_list,
  .forecast_save = pg_forecast_save,
  .forecasts_saved_list = pg_forecasts_saved_list,
  .forecast_saved_values = pg_forecast_saved_values,
};
