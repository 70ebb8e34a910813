/*
 * The SQLite backend: settings of a source, and of the global scope (source
 * 0).
 */
#include "store/sqlite/sqlite_int.h"

static int sq_setting_set(wl_store *st, int64_t source_id, const char *key, const char *value)
{
  sq_store *s = SQ(st);
  enum sq_id id = value ? Q_SETTING_SET : Q_SETTING_DEL; /* NULL unsets */
  sqlite3_stmt *q;
  int rc;
  if ((rc = sq_stmt_get(s, id, &q)) != 0)
    return rc;
  sq_bind_i64(q, 1, source_id);
  sq_bind_text(q, 2, key);
  if (value)
    sq_bind_text(q, 3, value);
  rc = sq_step_done(s, q, "cannot store the setting");
  sq_stmt_done(s, id, q);
  return rc;
}

static int sq_setting_get(wl_store *st, char *out, size_t outlen, int64_t source_id,
                          const char *key)
{
  sq_store *s = SQ(st);
  sqlite3_stmt *q;
  int rc = sq_stmt_get(s, Q_SETTING_GET, &q);
  if (rc != 0)
    return rc;
  sq_bind_i64(q, 1, source_id);
  sq_bind_text(q, 2, key);
  rc = sqlite3_step(q);
  if (rc == SQLITE_ROW) {
    const char *v = sq_col_text(q, 0);
    size_t len = strlen(v);
    rc = 0;
    if (len >= outlen)
      rc = wl_err(WL_EFAIL, "setting '%s' is longer than %zu bytes", key, outlen ? outlen - 1 : 0);
    else
      memcpy(out, v, len + 1);
  } else if (rc == SQLITE_DONE) {
    rc = wl_err(WL_ENOTFOUND, "setting '%s' is not set", key ? key : "");
  } else {
    rc = sq_fail(s, "cannot read the setting");
  }
  sq_stmt_done(s, Q_SETTING_GET, q);
  return rc;
}

struct setting_ctx {
  wl_setting_cb cb;
  void *payload;
};

static int emit_setting(sqlite3_stmt *st, void *ctx)
{
  struct setting_ctx *c = ctx;
  return c->cb(c->payload, sq_col_text(st, 0), sq_col_text(st, 1));
}

static int sq_setting_list(wl_store *st, int64_t source_id, wl_setting_cb cb, void *payload)
{
  sq_store *s = SQ(st);
  struct setting_ctx c = {cb, payload};
  sqlite3_stmt *q;
  int rc = sq_stmt_get(s, Q_SETTING_LIST, &q);
  if (rc != 0)
    return rc;
  sq_bind_i64(q, 1, source_id);
  rc = sq_each_row(s, q, emit_setting, &c, "cannot list settings");
  sq_stmt_done(s, Q_SETTING_LIST, q);
  return rc;
}

const wl_store_setting_ops sq_settings_ops = {
  .setting_set = sq_setting_set,
  .setting_get = sq_setting_get,
  .setting_list = sq_setting_list,
};
