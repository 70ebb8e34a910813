/*
 * The SQLite backend: web accounts (users, sessions, API keys).
 */
#include "store/sqlite/sqlite_int.h"

/* These run a few times per web request at most, so they prepare their
 * statement each time instead of taking a slot in the statement cache. */
int sq_web_prepare(sq_store *s, sqlite3_stmt **q, const char *sql)
{
  if (sqlite3_prepare_v2(s->db, sql, -1, q, NULL) != SQLITE_OK) {
    *q = NULL;
    return sq_fail(s, "cannot prepare a statement");
  }
  return 0;
}

static int sq_user_add(wl_store *st, int64_t *out_id, const char *name, const char *pw_hash,
                       int64_t now)
{
  sq_store *s = SQ(st);
  sqlite3_stmt *q;
  int rc, step;
  if ((rc = sq_web_prepare(s, &q, "INSERT INTO web_user (name, pw_hash, created_at) "
                               "VALUES (?1, ?2, ?3)")) != 0)
    return rc;
  sq_bind_text(q, 1, name);
  sq_bind_text(q, 2, pw_hash);
  sq_bind_i64(q, 3, now);
  step = sqlite3_step(q);
  if (step == SQLITE_DONE)
    *out_id = sqlite3_last_insert_rowid(s->db);
  else if (sq_is_constraint(s, SQLITE_CONSTRAINT_UNIQUE))
    rc = wl_err(WL_EEXISTS, "a user named '%s' already exists", name);
  else
    rc = sq_fail(s, "cannot add the user");
  sqlite3_finalize(q);
  return rc;
}

static int sq_user_set_password(wl_store *st, const char *name, const char *pw_hash)
{
  sq_store *s = SQ(st);
  sqlite3_stmt *q;
  int rc;
  if ((rc = sq_web_prepare(s, &q, "UPDATE web_user SET pw_hash = ?2 WHERE name = ?1")) != 0)
    return rc;
  sq_bind_text(q, 1, name);
  sq_bind_text(q, 2, pw_hash);
  rc = sq_step_done(s, q, "cannot change the password");
  if (rc == 0 && sqlite3_changes(s->db) == 0)
    rc = wl_err(WL_ENOTFOUND, "no user named '%s'", name);
  sqlite3_finalize(q);
  return rc;
}

static int sq_user_get(wl_store *st, int64_t *out_id, char *pw_hash, size_t hashlen,
                       const char *name)
{
  sq_store *s = SQ(st);
  sqlite3_stmt *q;
  int rc, step;
  if ((rc = sq_web_prepare(s, &q, "SELECT id, pw_hash FROM web_user WHERE name = ?1")) != 0)
    return rc;
  sq_bind_text(q, 1, name);
  step = sqlite3_step(q);
  if (step == SQLITE_ROW) {
    *out_id = sqlite3_column_int64(q, 0);
    if (pw_hash && hashlen)
      sq_col_copy(pw_hash, hashlen, q, 1);
  } else if (step == SQLITE_DONE) {
    rc = wl_err(WL_ENOTFOUND, "no user named '%s'", name);
  } else {
    rc = sq_fail(s, "cannot read the user");
  }
  sqlite3_finalize(q);
  return rc;
}

static int sq_users_list(wl_store *st, wl_user_cb cb, void *payload)
{
  sq_store *s = SQ(st);
  sqlite3_stmt *q;
  int rc, step;
  if ((rc = sq_web_prepare(s, &q, "SELECT id, name, created_at FROM web_user ORDER BY name")) != 0)
    return rc;
  while ((step = sqlite3_step(q)) == SQLITE_ROW) {
    wl_user_row r = {sqlite3_column_int64(q, 0), sq_col_text(q, 1), sqlite3_column_int64(q, 2)};
    if ((rc = cb(payload, &r)) != 0)
      break;
  }
  if (rc == 0 && step != SQLITE_DONE)
    rc = sq_fail(s, "cannot list users");
  sqlite3_finalize(q);
  return rc;
}

/* A foreign-key failure here means the user does not exist. */
static int web_write(sq_store *s, sqlite3_stmt *q, const char *what, int64_t user_id)
{
  int step = sqlite3_step(q);
  if (step == SQLITE_DONE)
    return 0;
  if (sq_is_constraint(s, SQLITE_CONSTRAINT_FOREIGNKEY))
    return wl_err(WL_ENOTFOUND, "%s: no user with id %lld", what, (long long)user_id);
  if (sq_is_constraint(s, SQLITE_CONSTRAINT_PRIMARYKEY) || sq_is_constraint(s, SQLITE_CONSTRAINT_UNIQUE))
    return wl_err(WL_EEXISTS, "%s: the id is already in use", what);
  return sq_fail(s, what);
}

static int sq_session_add(wl_store *st, const char *sid_hash, int64_t user_id, const char *csrf,
                          int64_t expires_at, int64_t now)
{
  sq_store *s = SQ(st);
  sqlite3_stmt *q;
  int rc;
  if ((rc = sq_web_prepare(s, &q, "INSERT INTO web_session (id, user_id, csrf, expires_at, "
                               "created_at) VALUES (?1, ?2, ?3, ?4, ?5)")) != 0)
    return rc;
  sq_bind_text(q, 1, sid_hash);
  sq_bind_i64(q, 2, user_id);
  sq_bind_text(q, 3, csrf);
  sq_bind_i64(q, 4, expires_at);
  sq_bind_i64(q, 5, now);
  rc = web_write(s, q, "cannot store the session", user_id);
  sqlite3_finalize(q);
  return rc;
}

static int sq_session_get(wl_store *st, int64_t *user_id, char *csrf, size_t csrflen,
                          const char *sid_hash, int64_t now)
{
  sq_store *s = SQ(st);
  sqlite3_stmt *q;
  int rc, step;
  *user_id = 0;
  if (csrf && csrflen)
    csrf[0] = '\0';
  if ((rc = sq_web_prepare(s, &q, "SELECT user_id, csrf FROM web_session WHERE id = ?1 "
                               "AND expires_at > ?2")) != 0)
    return rc;
  sq_bind_text(q, 1, sid_hash);
  sq_bind_i64(q, 2, now);
  step = sqlite3_step(q);
  if (step == SQLITE_ROW) {
    *user_id = sqlite3_column_int64(q, 0);
    if (csrf && csrflen)
      sq_col_copy(csrf, csrflen, q, 1);
  } else if (step == SQLITE_DONE) {
    rc = wl_err(WL_ENOTFOUND, "no such session, or it has expired");
  } else {
    rc = sq_fail(s, "cannot read the session");
  }
  sqlite3_finalize(q);
  return rc;
}

static int web_exec1(sq_store *s, const char *sql, const char *text, int64_t v, const char *what)
{
  sqlite3_stmt *q;
  int rc = sq_web_prepare(s, &q, sql);
  if (rc)
    return rc;
  if (text)
    sq_bind_text(q, 1, text);
  else
    sq_bind_i64(q, 1, v);
  rc = sq_step_done(s, q, what);
  sqlite3_finalize(q);
  return rc;
}

static int sq_session_delete(wl_store *st, const char *sid_hash)
{
  return web_exec1(SQ(st), "DELETE FROM web_session WHERE id = ?1", sid_hash ? sid_hash : "", 0,
                   "cannot delete the session");
}

static int sq_sessions_expire(wl_store *st, int64_t now)
{
  return web_exec1(SQ(st), "DELETE FROM web_session WHERE expires_at <= ?1", NULL, now,
                   "cannot delete expired sessions");
}

static int sq_apikey_add(wl_store *st, int64_t user_id, const char *key_hash, int64_t now)
{
  sq_store *s = SQ(st);
  sqlite3_stmt *q;
  int rc;
  if ((rc = sq_web_prepare(s, &q, "INSERT INTO api_key (user_id, key_hash, created_at) "
                               "VALUES (?1, ?2, ?3)")) != 0)
    return rc;
  sq_bind_i64(q, 1, user_id);
  sq_bind_text(q, 2, key_hash);
  sq_bind_i64(q, 3, now);
  rc = web_write(s, q, "cannot store the API key", user_id);
  sqlite3_finalize(q);
  return rc;
}

static int sq_apikey_find(wl_store *st, int64_t *user_id, const char *key_hash)
{
  sq_store *s = SQ(st);
  sqlite3_stmt *q;
  int rc, step;
  *user_id = 0;
  if ((rc = sq_web_prepare(s, &q, "SELECT user_id FROM api_key WHERE key_hash = ?1")) != 0)
    return rc;
  sq_bind_text(q, 1, key_hash ? key_hash : "");
  step = sqlite3_step(q);
  if (step == SQLITE_ROW)
    *user_id = sqlite3_column_int64(q, 0);
  else if (step == SQLITE_DONE)
    rc = wl_err(WL_ENOTFOUND, "unknown API key");
  else
    rc = sq_fail(s, "cannot look up the API key");
  sqlite3_finalize(q);
  return rc;
}

static int sq_sessions_delete_user(wl_store *st, int64_t user_id)
{
  return web_exec1(SQ(st), "DELETE FROM web_session WHERE user_id = ?1", NULL, user_id,
                   "cannot end the user's sessions");
}

static int sq_apikeys_delete_user(wl_store *st, int64_t user_id)
{
  return web_exec1(SQ(st), "DELETE FROM api_key WHERE user_id = ?1", NULL, user_id,
                   "cannot revoke the user's API keys");
}

/* Sessions and API keys go with the user (ON DELETE CASCADE). */
static int sq_user_remove(wl_store *st, const char *name)
{
  sq_store *s = SQ(st);
  int rc;
  if ((rc = web_exec1(s, "DELETE FROM web_user WHERE name = ?1", name, 0,
                      "cannot remove the user")) != 0)
    return rc;
  if (sqlite3_changes(s->db) == 0)
    return wl_err(WL_ENOTFOUND, "no user named '%s'", name);
  return 0;
}

const wl_store_web_ops sq_web_ops = {
  .user_add = sq_user_add,
  .user_set_password = sq_user_set_password,
  .user_get = sq_user_get,
  .users_list = sq_users_list,
  .user_remove = sq_user_remove,
  .session_add = sq_session_add,
  .session_get = sq_session_get,
  .session_delete = sq_session_delete,
  .sessions_expire = sq_sessions_expire,
  .sessions_delete_user = sq_sessions_delete_user,
  .apikey_add = sq_apikey_add,
  .apikey_find = sq_apikey_find,
  .apikeys_delete_user = sq_apikeys_delete_user,
};
