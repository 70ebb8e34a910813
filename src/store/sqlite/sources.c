/*
 * The SQLite backend: sources (add, update, get, list, and remove with all
 * their data).
 */
#include "store/sqlite/sqlite_int.h"

static void bind_source(sqlite3_stmt *st, const wl_source *src)
{
  sq_bind_text(st, 1, src->name);
  sq_bind_text(st, 2, src->vendor);
  sq_bind_text(st, 3, src->base_url);
  sq_bind_text(st, 4, src->tenant);
  sq_bind_text(st, 5, src->hist_base_url);
  sq_bind_text(st, 6, src->hist_tenant);
  sqlite3_bind_int(st, 7, src->interval_s);
  sq_bind_text(st, 8, src->timezone);
  sqlite3_bind_int(st, 9, src->enabled ? 1 : 0);
}

static void read_source(wl_source *out, sqlite3_stmt *st)
{
  memset(out, 0, sizeof(*out));
  out->id = sqlite3_column_int64(st, 0);
  sq_col_copy(out->name, sizeof(out->name), st, 1);
  sq_col_copy(out->vendor, sizeof(out->vendor), st, 2);
  sq_col_copy(out->base_url, sizeof(out->base_url), st, 3);
  sq_col_copy(out->tenant, sizeof(out->tenant), st, 4);
  sq_col_copy(out->hist_base_url, sizeof(out->hist_base_url), st, 5);
  sq_col_copy(out->hist_tenant, sizeof(out->hist_tenant), st, 6);
  out->has_token = sqlite3_column_int(st, 7);
  out->has_hist_token = sqlite3_column_int(st, 8);
  out->token_changed_at = sqlite3_column_int64(st, 9);
  out->hist_token_changed_at = sqlite3_column_int64(st, 10);
  out->interval_s = sqlite3_column_int(st, 11);
  sq_col_copy(out->timezone, sizeof(out->timezone), st, 12);
  out->enabled = sqlite3_column_int(st, 13);
  out->created_at = sqlite3_column_int64(st, 14);
  out->updated_at = sqlite3_column_int64(st, 15);
}

static int source_write_rc(sq_store *s, int rc, const wl_source *src, const char *what)
{
  if (rc == SQLITE_DONE)
    return 0;
  if (sq_is_constraint(s, SQLITE_CONSTRAINT_UNIQUE))
    return wl_err(WL_EEXISTS, "a source named '%s' already exists", src->name);
  return sq_fail(s, what);
}

static int sq_source_add(wl_store *st, wl_source *src)
{
  sq_store *s = SQ(st);
  sqlite3_stmt *q;
  int rc;
  if ((rc = sq_stmt_get(s, Q_SOURCE_ADD, &q)) != 0)
    return rc;
  bind_source(q, src);
  sq_bind_i64(q, 10, src->created_at);
  sq_bind_i64(q, 11, src->updated_at);
  rc = source_write_rc(s, sqlite3_step(q), src, "cannot add the source");
  if (rc == 0)
    src->id = sqlite3_last_insert_rowid(s->db);
  sq_stmt_done(s, Q_SOURCE_ADD, q);
  return rc;
}

static int sq_source_update(wl_store *st, const wl_source *src)
{
  sq_store *s = SQ(st);
  sqlite3_stmt *q;
  int rc;
  if ((rc = sq_stmt_get(s, Q_SOURCE_UPDATE, &q)) != 0)
    return rc;
  bind_source(q, src);
  sq_bind_i64(q, 10, src->updated_at);
  sq_bind_i64(q, 11, src->id);
  rc = source_write_rc(s, sqlite3_step(q), src, "cannot update the source");
  if (rc == 0 && sqlite3_changes(s->db) == 0)
    rc = wl_err(WL_ENOTFOUND, "no source with id %lld", (long long)src->id);
  sq_stmt_done(s, Q_SOURCE_UPDATE, q);
  return rc;
}

/* One source row by name or id; WL_ENOTFOUND when there is none. */
static int source_fetch(sq_store *s, wl_source *out, enum sq_id id, const char *name, int64_t sid)
{
  sqlite3_stmt *q;
  int rc = sq_stmt_get(s, id, &q);
  if (rc != 0)
    return rc;
  if (name)
    sq_bind_text(q, 1, name);
  else
    sq_bind_i64(q, 1, sid);
  rc = sqlite3_step(q);
  if (rc == SQLITE_ROW) {
    read_source(out, q);
    rc = 0;
  } else if (rc == SQLITE_DONE && name) {
    rc = wl_err(WL_ENOTFOUND, "no source named '%s'", name);
  } else if (rc == SQLITE_DONE) {
    rc = wl_err(WL_ENOTFOUND, "no source with id %lld", (long long)sid);
  } else {
    rc = sq_fail(s, "cannot read the source");
  }
  sq_stmt_done(s, id, q);
  return rc;
}

static int sq_source_get(wl_store *st, wl_source *out, const char *name)
{
  return source_fetch(SQ(st), out, Q_SOURCE_BY_NAME, name ? name : "", 0);
}

static int sq_source_get_by_id(wl_store *st, wl_source *out, int64_t id)
{
  return source_fetch(SQ(st), out, Q_SOURCE_BY_ID, NULL, id);
}

struct source_ctx {
  wl_source_cb cb;
  void *payload;
};

static int emit_source(sqlite3_stmt *st, void *ctx)
{
  struct source_ctx *c = ctx;
  wl_source src;
  read_source(&src, st);
  return c->cb(c->payload, &src);
}

static int sq_source_list(wl_store *st, wl_source_cb cb, void *payload)
{
  sq_store *s = SQ(st);
  struct source_ctx c = {cb, payload};
  sqlite3_stmt *q;
  int rc = sq_stmt_get(s, Q_SOURCE_LIST, &q);
  if (rc != 0)
    return rc;
  rc = sq_each_row(s, q, emit_source, &c, "cannot list sources");
  sq_stmt_done(s, Q_SOURCE_LIST, q);
  return rc;
}

/* Runs a cached statement that takes the source id as ?1. */
static int exec_for_source(sq_store *s, enum sq_id id, int64_t source_id, const char *what)
{
  sqlite3_stmt *q;
  int rc = sq_stmt_get(s, id, &q);
  if (rc != 0)
    return rc;
  sq_bind_i64(q, 1, source_id);
  rc = sq_step_done(s, q, what);
  sq_stmt_done(s, id, q);
  return rc;
}

static int sq_source_remove(wl_store *st, int64_t id)
{
  sq_store *s = SQ(st);
  int rc = sq_begin(st);
  if (rc != 0)
    return rc;
  /* every other table cascades from source; settings cannot (scope 0) */
  rc = exec_for_source(s, Q_SOURCE_DEL, id, "cannot remove the source");
  if (rc == 0 && sqlite3_changes(s->db) == 0)
    rc = wl_err(WL_ENOTFOUND, "no source with id %lld", (long long)id);
  if (rc == 0)
    rc = exec_for_source(s, Q_SOURCE_SETTINGS_DEL, id, "cannot remove the source's settings");
  return sq_tx_end(s, rc);
}

const wl_store_source_ops sq_sources_ops = {
  .source_add = sq_source_add,
  .source_update = sq_source_update,
  .source_get = sq_source_get,
  .source_get_by_id = sq_source_get_by_id,
  .source_list = sq_source_list,
  .source_remove = sq_source_remove,
};
