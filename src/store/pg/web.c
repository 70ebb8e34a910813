/*
 * The PostgreSQL backend: web accounts (users, sessions, API keys).
 */
#include "store/pg/pg_int.h"

/* A foreign-key failure here means the user does not exist. */
static int web_write(pg_store *s, pg_cmd *c, const char *what, int64_t user_id)
{
  int rc = pg_run1(s, c, what);
  if (rc != 0 && pg_is_state(c, 1, FK_VIOLATION))
    rc = wl_err(WL_ENOTFOUND, "%s: no user with id %lld", what, (long long)user_id);
  else if (rc != 0 && pg_is_state(c, 1, UNIQUE_VIOLATION))
    rc = wl_err(WL_EEXISTS, "%s: the id is already in use", what);
  pg_cmds_clear(c, 1);
  return rc;
}

static int pg_user_add(wl_store *st, int64_t *out_id, const char *name, const char *pw_hash,
                       int64_t now)
{
  pg_cmd c = {.id = Q_USER_ADD};
  int rc;
  pg_p_text(&c.p, name);
  pg_p_text(&c.p, pw_hash);
  pg_p_i64(&c.p, now);
  rc = pg_run1(PG(st), &c, "cannot add the user");
  if (rc != 0 && pg_is_state(&c, 1, UNIQUE_VIOLATION))
    rc = wl_err(WL_EEXISTS, "a user named '%s' already exists", name);
  if (rc == 0)
    *out_id = pg_col_i64(c.res, 0, 0);
  pg_cmds_clear(&c, 1);
  return rc;
}

static int pg_user_set_password(wl_store *st, const char *name, const char *pw_hash)
{
  pg_cmd c = {.id = Q_USER_SET_PW};
  int rc;
  pg_p_text(&c.p, name);
  pg_p_text(&c.p, pw_hash);
  rc = pg_run1(PG(st), &c, "cannot change the password");
  if (rc == 0 && pg_changes(c.res) == 0)
    rc = wl_err(WL_ENOTFOUND, "no user named '%s'", name);
  pg_cmds_clear(&c, 1);
  return rc;
}

static int pg_user_get(wl_store *st, int64_t *out_id, char *pw_hash, size_t hashlen,
                       const char *name)
{
  pg_cmd c = {.id = Q_USER_GET};
  int rc;
  pg_p_text(&c.p, name);
  rc = pg_run1(PG(st), &c, "cannot read the user");
  if (rc == 0 && PQntuples(c.res) == 0) {
    rc = wl_err(WL_ENOTFOUND, "no user named '%s'", name);
  } else if (rc == 0) {
    *out_id = pg_col_i64(c.res, 0, 0);
    if (pw_hash && hashlen)
      pg_col_copy(pw_hash, hashlen, c.res, 0, 1);
  }
  pg_cmds_clear(&c, 1);
  return rc;
}

struct user_ctx {
  wl_user_cb cb;
  void *payload;
};

static int emit_user(const PGresult *r, int row, void *ctx)
{
  struct user_ctx *c = ctx;
  wl_user_row u = {pg_col_i64(r, row, 0), pg_col_text(r, row, 1), pg_col_i64(r, row, 2)};
  return c->cb(c->payload, &u);
}

static int pg_users_list(wl_store *st, wl_user_cb cb, void *payload)
{
  struct user_ctx ctx = {cb, payload};
  pg_cmd c = {.id = Q_USER_LIST};
  return pg_query(PG(st), &c, emit_user, &ctx, "cannot list users");
}

static int pg_session_add(wl_store *st, const char *sid_hash, int64_t user_id, const char *csrf,
                          int64_t expires_at, int64_t now)
{
  pg_cmd c = {.id = Q_SESSION_ADD};
  pg_p_text(&c.p, sid_hash);
  pg_p_i64(&c.p, user_id);
  pg_p_text(&c.p, csrf);
  pg_p_i64(&c.p, expires_at);
  pg_p_i64(&c.p, now);
  return web_write(PG(st), &c, "cannot store the session", user_id);
}

static int pg_session_get(wl_store *st, int64_t *user_id, char *csrf, size_t csrflen,
                          const char *sid_hash, int64_t now)
{
  pg_cmd c = {.id = Q_SESSION_GET};
  int rc;
  *user_id = 0;
  if (csrf && csrflen)
    csrf[0] = '\0';
  pg_p_text(&c.p, sid_hash);
  pg_p_i64(&c.p, now);
  rc = pg_run1(PG(st), &c, "cannot read the session");
  if (rc == 0 && PQntuples(c.res) == 0) {
    rc = wl_err(WL_ENOTFOUND, "no such session, or it has expired");
  } else if (rc == 0) {
    *user_id = pg_col_i64(c.res, 0, 0);
    if (csrf && csrflen)
      pg_col_copy(csrf, csrflen, c.res, 0, 1);
  }
  pg_cmds_clear(&c, 1);
  return rc;
}

/* Runs a one-statement write with one text or integer parameter. */
static int exec1(pg_store *s, enum pq_id id, const char *text, int64_t num, const char *what)
{
  pg_cmd c = {.id = id};
  int rc;
  if (text)
    pg_p_text(&c.p, text);
  else
    pg_p_i64(&c.p, num);
  rc = pg_run1(s, &c, what);
  pg_cmds_clear(&c, 1);
  return rc;
}

static int pg_session_delete(wl_store *st, const char *sid_hash)
{
  return exec1(PG(st), Q_SESSION_DEL, sid_hash ? sid_hash : "", 0, "cannot delete the session");
}

static int pg_sessions_expire(wl_store *st, int64_t now)
{
  return exec1(PG(st), Q_SESSION_EXPIRE, NULL, now, "cannot delete expired sessions");
}

static int pg_apikey_add(wl_store *st, int64_t user_id, const char *key_hash, int64_t now)
{
  pg_cmd c = {.id = Q_APIKEY_ADD};
  pg_p_i64(&c.p, user_id);
  pg_p_text(&c.p, key_hash);
  pg_p_i64(&c.p, now);
  return web_write(PG(st), &c, "cannot store the API key", user_id);
}

static int pg_apikey_find(wl_store *st, int64_t *user_id, const char *key_hash)
{
  pg_cmd c = {.id = Q_APIKEY_FIND};
  int rc;
  *user_id = 0;
  pg_p_text(&c.p, key_hash);
  rc = pg_run1(PG(st), &c, "cannot look up the API key");
  if (rc == 0 && PQntuples(c.res) == 0)
    rc = wl_err(WL_ENOTFOUND, "unknown API key");
  else if (rc == 0)
    *user_id = pg_col_i64(c.res, 0, 0);
  pg_cmds_clear(&c, 1);
  return rc;
}

static int pg_sessions_delete_user(wl_store *st, int64_t user_id)
{
  return exec1(PG(st), Q_SESSION_DEL_USER, NULL, user_id, "cannot end the user's sessions");
}

static int pg_apikeys_delete_user(wl_store *st, int64_t user_id)
{
  return exec1(PG(st), Q_APIKEY_DEL_USER, NULL, user_id, "cannot revoke the user's API keys");
}

static int pg_user_remove(wl_store *st, const char *name)
{
  pg_cmd c = {.id = Q_USER_DEL};
  int rc;
  pg_p_text(&c.p, name);
  rc = pg_run1(PG(st), &c, "cannot remove the user");
  if (rc == 0 && pg_changes(c.res) == 0)
    rc = wl_err(WL_ENOTFOUND, "no user named '%s'", name);
  pg_cmds_clear(&c, 1);
  return rc;
}

const wl_store_web_ops pg_web_ops = {
  .user_add = pg_user_add,
  .user_set_password = pg_user_set_password,
  .user_get = pg_user_get,
  .users_list = pg_users_list,
  .user_remove = pg_user_remove,
  .session_add = pg_session_add,
  .session_get = pg_session_get,
  .session_delete = pg_session_delete,
  .sessions_expire = pg_sessions_expire,
  .sessions_delete_user = pg_sessions_delete_user,
  .apikey_add = pg_apikey_add,
  .apikey_find = pg_apikey_find,
  .apikeys_delete_user = pg_apikeys_delete_user,
};
