/*
 * The SQLite backend: the source leases of `serve` instances.
 */
#include "store/sqlite/sqlite_int.h"

/* A few calls per source and minute: each prepares its statement, so the
 * statement cache stays as it is. */
static int lease_prepare(sq_store *s, sqlite3_stmt **q, const char *sql)
{
  if (sqlite3_prepare_v2(s->db, sql, -1, q, NULL) != SQLITE_OK) {
    *q = NULL;
    return sq_fail(s, "cannot prepare a statement");
  }
  return 0;
}

/* One statement takes, renews or leaves the lease, so two processes can
 * never both hold it; sqlite3_changes() says which happened. */
static int sq_lease_acquire(wl_store *st, int *held, int64_t source_id, const char *owner,
                            int64_t now, int64_t ttl_s)
{
  sq_store *s = SQ(st);
  sqlite3_stmt *q;
  int rc, step;
  if ((rc = lease_prepare(s, &q, "INSERT INTO lease (source_id, owner, acquired_at, expires_at) "
                                 "VALUES (?1, ?2, ?3, ?3 + ?4) "
                                 "ON CONFLICT (source_id) DO UPDATE SET owner = excluded.owner, "
                                 "expires_at = excluded.expires_at, acquired_at = CASE "
                                 "WHEN lease.owner = excluded.owner THEN lease.acquired_at "
                                 "ELSE excluded.acquired_at END "
                                 "WHERE lease.owner = excluded.owner OR lease.expires_at <= ?3")) != 0)
    return rc;
  sq_bind_i64(q, 1, source_id);
  sq_bind_text(q, 2, owner);
  sq_bind_i64(q, 3, now);
  sq_bind_i64(q, 4, ttl_s);
  step = sqlite3_step(q);
  if (step == SQLITE_DONE)
    *held = sqlite3_changes(s->db) == 1;
  else if (sq_is_constraint(s, SQLITE_CONSTRAINT_FOREIGNKEY))
    rc = wl_err(WL_ENOTFOUND, "no source with id %lld", (long long)source_id);
  else
    rc = sq_fail(s, "cannot take the lease");
  sqlite3_finalize(q);
  return rc;
}

static int sq_lease_release(wl_store *st, int64_t source_id, const char *owner)
{
  sq_store *s = SQ(st);
  sqlite3_stmt *q;
  int rc;
  if (source_id) /* one source, or (0) all of the owner's */
    rc = lease_prepare(s, &q, "DELETE FROM lease WHERE owner = ?1 AND source_id = ?2");
  else
    rc = lease_prepare(s, &q, "DELETE FROM lease WHERE owner = ?1");
  if (rc != 0)
    return rc;
  sq_bind_text(q, 1, owner);
  if (source_id)
    sq_bind_i64(q, 2, source_id);
  rc = sq_step_done(s, q, "cannot release the lease");
  sqlite3_finalize(q);
  return rc;
}

static int sq_leases_list(wl_store *st,
                          int (*cb)(void *payload, int64_t source_id, const char *owner,
                          int64_t acquired_at, int64_t expires_at),
                          void *payload)
{
  sq_store *s = SQ(st);
  sqlite3_stmt *q;
  int rc, step;
  if ((rc = lease_prepare(s, &q, "SELECT source_id, owner, acquired_at, expires_at FROM lease "
                                 "ORDER BY source_id")) != 0)
    return rc;
  while ((step = sqlite3_step(q)) == SQLITE_ROW) {
    rc = cb(payload, sqlite3_column_int64(q, 0), sq_col_text(q, 1), sqlite3_column_int64(q, 2),
            sqlite3_column_int64(q, 3));
    if (rc != 0)
      break;
  }
  if (rc == 0 && step != SQLITE_DONE)
    rc = sq_fail(s, "cannot list leases");
  sqlite3_finalize(q);
  return rc;
}

const wl_store_lease_ops sq_leases_ops = {
  .lease_acquire = sq_lease_acquire,
  .lease_release = sq_lease_release,
  .leases_list = sq_leases_list,
};
