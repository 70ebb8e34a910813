/*
 * The PostgreSQL backend: sources (add, update, get, list, and remove with
 * all their data).
 */
#include "store/pg/pg_int.h"

static void bind_source(pg_params *p, const wl_source *src)
{
  pg_p_text(p, src->name);
  pg_p_text(p, src->vendor);
  pg_p_text(p, src->base_url);
  pg_p_text(p, src->tenant);
  pg_p_text(p, src->hist_base_url);
  pg_p_text(p, src->hist_tenant);
  pg_p_i64(p, src->interval_s);
  pg_p_text(p, src->timezone);
  pg_p_i64(p, src->enabled ? 1 : 0);
}

static void read_source(wl_source *out, const PGresult *r, int row)
{
  memset(out, 0, sizeof(*out));
  out->id = pg_col_i64(r, row, 0);
  pg_col_copy(out->name, sizeof(out->name), r, row, 1);
  pg_col_copy(out->vendor, sizeof(out->vendor), r, row, 2);
  pg_col_copy(out->base_url, sizeof(out->base_url), r, row, 3);
  pg_col_copy(out->tenant, sizeof(out->tenant), r, row, 4);
  pg_col_copy(out->hist_base_url, sizeof(out->hist_base_url), r, row, 5);
  pg_col_copy(out->hist_tenant, sizeof(out->hist_tenant), r, row, 6);
  out->has_token = (int)pg_col_i64(r, row, 7);
  out->has_hist_token = (int)pg_col_i64(r, row, 8);
  out->token_changed_at = pg_col_i64(r, row, 9);
  out->hist_token_changed_at = pg_col_i64(r, row, 10);
  out->interval_s = (int)pg_col_i64(r, row, 11);
  pg_col_copy(out->timezone, sizeof(out->timezone), r, row, 12);
  out->enabled = (int)pg_col_i64(r, row, 13);
  out->created_at = pg_col_i64(r, row, 14);
  out->updated_at = pg_col_i64(r, row, 15);
}

static int source_write_rc(pg_cmd *c, int rc, const wl_source *src)
{
  if (rc != 0 && pg_is_state(c, 1, UNIQUE_VIOLATION))
    return wl_err(WL_EEXISTS, "a source named '%s' already exists", src->name);
  return rc;
}

static int pg_source_add(wl_store *st, wl_source *src)
{
  pg_cmd c = {.id = Q_SOURCE_ADD};
  int rc;
  bind_source(&c.p, src);
  pg_p_i64(&c.p, src->created_at);
  pg_p_i64(&c.p, src->updated_at);
  rc = source_write_rc(&c, pg_run1(PG(st), &c, "cannot add the source"), src);
  if (rc == 0)
    src->id = pg_col_i64(c.res, 0, 0);
  pg_cmds_clear(&c, 1);
  return rc;
}

static int pg_source_update(wl_store *st, const wl_source *src)
{
  pg_cmd c = {.id = Q_SOURCE_UPDATE};
  int rc;
  bind_source(&c.p, src);
  pg_p_i64(&c.p, src->updated_at);
  pg_p_i64(&c.p, src->id);
  rc = source_write_rc(&c, pg_run1(PG(st), &c, "cannot update the source"), src);
  if (rc == 0 && pg_changes(c.res) == 0)
    rc = wl_err(WL_ENOTFOUND, "no source with id %lld", (long long)src->id);
  pg_cmds_clear(&c, 1);
  return rc;
}

/* One source row by name or id; WL_ENOTFOUND when there is none. */
static int source_fetch(pg_store *s, wl_source *out, const char *name, int64_t sid)
{
  pg_cmd c = {.id = name ? Q_SOURCE_BY_NAME : Q_SOURCE_BY_ID};
  int rc;
  if (name)
    pg_p_text(&c.p, name);
  else
    pg_p_i64(&c.p, sid);
  rc = pg_run1(s, &c, "cannot read the source");
  if (rc == 0 && PQntuples(c.res) > 0)
    read_source(out, c.res, 0);
  else if (rc == 0 && name)
    rc = wl_err(WL_ENOTFOUND, "no source named '%s'", name);
  else if (rc == 0)
    rc = wl_err(WL_ENOTFOUND, "no source with id %lld", (long long)sid);
  pg_cmds_clear(&c, 1);
  return rc;
}

static int pg_source_get(wl_store *st, wl_source *out, const char *name)
{
  return source_fetch(PG(st), out, name ? name : "", 0);
}

static int pg_source_get_by_id(wl_store *st, wl_source *out, int64_t id)
{
  return source_fetch(PG(st), out, NULL, id);
}

struct source_ctx {
  wl_source_cb cb;
  void *payload;
};

static int emit_source(const PGresult *r, int row, void *ctx)
{
  struct source_ctx *c = ctx;
  wl_source src;
  read_source(&src, r, row);
  return c->cb(c->payload, &src);
}

static int pg_source_list(wl_store *st, wl_source_cb cb, void *payload)
{
  struct source_ctx ctx = {cb, payload};
  pg_cmd c = {.id = Q_SOURCE_LIST};
  return pg_query(PG(st), &c, emit_source, &ctx, "cannot list sources");
}

static int pg_source_remove(wl_store *st, int64_t id)
{
  pg_store *s = PG(st);
  pg_cmd c = {.id = Q_SOURCE_DEL};
  int rc;
  pg_p_i64(&c.p, id);
  rc = pg_run1(s, &c, "cannot remove the source");
  if (rc == 0 && pg_col_i64(c.res, 0, 0) == 0)
    rc = wl_err(WL_ENOTFOUND, "no source with id %lld", (long long)id);
  pg_cmds_clear(&c, 1);
  return rc == 0 ? 0 : pg_batch_failed(s, rc);
}

const wl_store_source_ops pg_sources_ops = {
  .source_add = pg_source_add,
  .source_update = pg_source_update,
  .source_get = pg_source_get,
  .source_get_by_id = pg_source_get_by_id,
  .source_list = pg_source_list,
  .source_remove = pg_source_remove,
};
