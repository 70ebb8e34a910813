/*
 * The PostgreSQL backend: the source leases of `serve` instances.
 */
#include "store/pg/pg_int.h"

static int pg_lease_acquire(wl_store *st, int *held, int64_t source_id, const char *owner,
                            int64_t now, int64_t ttl_s)
{
  pg_cmd c = {.id = Q_LEASE_ACQUIRE};
  int rc;
  pg_p_i64(&c.p, source_id);
  pg_p_text(&c.p, owner);
  pg_p_i64(&c.p, now);
  pg_p_i64(&c.p, ttl_s);
  rc = pg_run1(PG(st), &c, "cannot take the lease");
  if (rc != 0 && pg_is_state(&c, 1, FK_VIOLATION))
    rc = wl_err(WL_ENOTFOUND, "no source with id %lld", (long long)source_id);
  if (rc == 0)
    *held = pg_changes(c.res) == 1;
  pg_cmds_clear(&c, 1);
  return rc;
}

static int pg_lease_release(wl_store *st, int64_t source_id, const char *owner)
{
  pg_cmd c = {.id = source_id ? Q_LEASE_RELEASE : Q_LEASE_RELEASE_ALL};
  int rc;
  if (source_id)
    pg_p_i64(&c.p, source_id);
  pg_p_text(&c.p, owner);
  rc = pg_run1(PG(st), &c, "cannot release the lease");
  pg_cmds_clear(&c, 1);
  return rc;
}

struct lease_ctx {
  int (*cb)(void *payload, int64_t source_id, const char *owner, int64_t acquired_at,
            int64_t expires_at);
  void *payload;
};

static int emit_lease(const PGresult *r, int row, void *ctx)
{
  struct lease_ctx *c = ctx;
  return c->cb(c->payload, pg_col_i64(r, row, 0), pg_col_text(r, row, 1), pg_col_i64(r, row, 2),
               pg_col_i64(r, row, 3));
}

static int pg_leases_list(wl_store *st,
                          int (*cb)(void *payload, int64_t source_id, const char *owner,
                          int64_t acquired_at, int64_t expires_at),
                          void *payload)
{
  struct lease_ctx ctx = {cb, payload};
  pg_cmd c = {.id = Q_LEASE_LIST};
  return pg_query(PG(st), &c, emit_lease, &ctx, "cannot list leases");
}

const wl_store_lease_ops pg_leases_ops = {
  .lease_acquire = pg_lease_acquire,
  .lease_release = pg_lease_release,
  .leases_list = pg_leases_list,
};
