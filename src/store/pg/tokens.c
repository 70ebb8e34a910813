/*
 * The PostgreSQL backend: the encrypted tokens of a source (opaque blobs
 * here).
 */
#include "store/pg/pg_int.h"

static int pg_token_set(wl_store *st, int64_t source_id, enum wl_token_kind kind,
                        const unsigned char *blob, size_t len, int64_t now)
{
  pg_cmd c = {.id = kind == WL_TOKEN_HIST ? Q_TOKEN_SET_HIST : Q_TOKEN_SET_RT};
  int rc;
  pg_p_i64(&c.p, source_id);
  if (blob) /* NULL clears the token */
    pg_p_bytes(&c.p, blob, len);
  else
    pg_p_null(&c.p);
  pg_p_i64(&c.p, now);
  rc = pg_run1(PG(st), &c, "cannot store the token");
  if (rc == 0 && pg_changes(c.res) == 0)
    rc = wl_err(WL_ENOTFOUND, "no source with id %lld", (long long)source_id);
  pg_cmds_clear(&c, 1);
  return rc;
}

static int copy_blob(unsigned char **out, size_t *len, const PGresult *r)
{
  size_t n = 0;
  unsigned char *raw = PQunescapeBytea((const unsigned char *)PQgetvalue(r, 0, 0), &n);
  if (!raw)
    return wl_err(WL_ENOMEM, "out of memory reading a token");
  *out = malloc(n ? n : 1);
  if (*out && n)
    memcpy(*out, raw, n);
  PQfreemem(raw);
  if (!*out)
    return wl_err(WL_ENOMEM, "out of memory reading a token");
  *len = n;
  return 0;
}

static int pg_token_get(wl_store *st, unsigned char **out, size_t *len, int64_t source_id,
                        enum wl_token_kind kind)
{
  pg_cmd c = {.id = kind == WL_TOKEN_HIST ? Q_TOKEN_GET_HIST : Q_TOKEN_GET_RT};
  int rc;
  *out = NULL;
  *len = 0;
  pg_p_i64(&c.p, source_id);
  rc = pg_run1(PG(st), &c, "cannot read the token");
  if (rc == 0 && PQntuples(c.res) == 0)
    rc = wl_err(WL_ENOTFOUND, "no source with id %lld", (long long)source_id);
  else if (rc == 0 && PQgetisnull(c.res, 0, 0))
    rc = wl_err(WL_ENOTFOUND, "source %lld has no %s token", (long long)source_id,
                kind == WL_TOKEN_HIST ? "historical" : "real-time");
  else if (rc == 0)
    rc = copy_blob(out, len, c.res);
  pg_cmds_clear(&c, 1);
  return rc;
}

const wl_store_token_ops pg_tokens_ops = {
  .token_set = pg_token_set,
  .token_get = pg_token_get,
};
