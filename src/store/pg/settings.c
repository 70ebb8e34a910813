/*
 * The PostgreSQL backend: settings of a source, and of the global scope
 * (source 0).
 */
#include "store/pg/pg_int.h"

static int pg_setting_set(wl_store *st, int64_t source_id, const char *key, const char *value)
{
  pg_cmd c = {.id = value ? Q_SETTING_SET : Q_SETTING_DEL}; /* NULL unsets */
  int rc;
  pg_p_i64(&c.p, source_id);
  pg_p_text(&c.p, key);
  if (value)
    pg_p_text(&c.p, value);
  rc = pg_run1(PG(st), &c, "cannot store the setting");
  pg_cmds_clear(&c, 1);
  return rc;
}

static int pg_setting_get(wl_store *st, char *out, size_t outlen, int64_t source_id,
                          const char *key)
{
  pg_cmd c = {.id = Q_SETTING_GET};
  int rc;
  pg_p_i64(&c.p, source_id);
  pg_p_text(&c.p, key);
  rc = pg_run1(PG(st), &c, "cannot read the setting");
  if (rc == 0 && PQntuples(c.res) > 0) {
    const char *v = pg_col_text(c.res, 0, 0);
    size_t len = strlen(v);
    if (len >= outlen)
      rc = wl_err(WL_EFAIL, "setting '%s' is longer than %zu bytes", key, outlen ? outlen - 1 : 0);
    else
      memcpy(out, v, len + 1);
  } else if (rc == 0) {
    rc = wl_err(WL_ENOTFOUND, "setting '%s' is not set", key ? key : "");
  }
  pg_cmds_clear(&c, 1);
  return rc;
}

struct setting_ctx {
  wl_setting_cb cb;
  void *payload;
};

static int emit_setting(const PGresult *r, int row, void *ctx)
{
  struct setting_ctx *c = ctx;
  return c->cb(c->payload, pg_col_text(r, row, 0), pg_col_text(r, row, 1));
}

static int pg_setting_list(wl_store *st, int64_t source_id, wl_setting_cb cb, void *payload)
{
  struct setting_ctx ctx = {cb, payload};
  pg_cmd c = {.id = Q_SETTING_LIST};
  pg_p_i64(&c.p, source_id);
  return pg_query(PG(st), &c, emit_setting, &ctx, "cannot list settings");
}

const wl_store_setting_ops pg_settings_ops = {
  .setting_set = pg_setting_set,
  .setting_get = pg_setting_get,
  .setting_list = pg_setting_list,
};
