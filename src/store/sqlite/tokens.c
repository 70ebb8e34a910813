/*
 * The SQLite backend: the encrypted tokens of a source (opaque blobs here).
 */
#include "store/sqlite/sqlite_int.h"

static int sq_token_set(wl_store *st, int64_t source_id, enum wl_token_kind kind,
                        const unsigned char *blob, size_t len, int64_t now)
{
  sq_store *s = SQ(st);
  enum sq_id id = kind == WL_TOKEN_HIST ? Q_TOKEN_SET_HIST : Q_TOKEN_SET_RT;
  sqlite3_stmt *q;
  int rc;
  if ((rc = sq_stmt_get(s, id, &q)) != 0)
    return rc;
  sq_bind_i64(q, 1, source_id);
  if (blob) /* NULL clears the token */
    sqlite3_bind_blob(q, 2, blob, (int)len, SQLITE_STATIC);
  else
    sqlite3_bind_null(q, 2);
  sq_bind_i64(q, 3, now);
  rc = sq_step_done(s, q, "cannot store the token");
  if (rc == 0 && sqlite3_changes(s->db) == 0)
    rc = wl_err(WL_ENOTFOUND, "no source with id %lld", (long long)source_id);
  sq_stmt_done(s, id, q);
  return rc;
}

static int copy_blob(unsigned char **out, size_t *len, sqlite3_stmt *q)
{
  const void *p = sqlite3_column_blob(q, 0);
  size_t n = (size_t)sqlite3_column_bytes(q, 0);
  *out = malloc(n ? n : 1);
  if (!*out)
    return wl_err(WL_ENOMEM, "out of memory reading a token");
  if (n)
    memcpy(*out, p, n);
  *len = n;
  return 0;
}

static int sq_token_get(wl_store *st, unsigned char **out, size_t *len, int64_t source_id,
                        enum wl_token_kind kind)
{
  sq_store *s = SQ(st);
  enum sq_id id = kind == WL_TOKEN_HIST ? Q_TOKEN_GET_HIST : Q_TOKEN_GET_RT;
  sqlite3_stmt *q;
  int rc;
  *out = NULL;
  *len = 0;
  if ((rc = sq_stmt_get(s, id, &q)) != 0)
    return rc;
  sq_bind_i64(q, 1, source_id);
  rc = sqlite3_step(q);
  if (rc == SQLITE_ROW && sqlite3_column_type(q, 0) != SQLITE_NULL)
    rc = copy_blob(out, len, q);
  else if (rc == SQLITE_ROW)
    rc = wl_err(WL_ENOTFOUND, "source %lld has no %s token", (long long)source_id,
                kind == WL_TOKEN_HIST ? "historical" : "real-time");
  else if (rc == SQLITE_DONE)
    rc = wl_err(WL_ENOTFOUND, "no source with id %lld", (long long)source_id);
  else
    rc = sq_fail(s, "cannot read the token");
  sq_stmt_done(s, id, q);
  return rc;
}

const wl_store_token_ops sq_tokens_ops = {
  .token_set = sq_token_set,
  .token_get = sq_token_get,
};
