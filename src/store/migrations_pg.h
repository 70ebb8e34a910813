#ifndef WL_STORE_MIGRATIONS_PG_H
#define WL_STORE_MIGRATIONS_PG_H
/*
 * PostgreSQL schema migrations (private to store/). Version i means the same
 * tables as SQLite's version i (migrations.h), so the two lists grow together.
 */
#include <stddef.h>
#include <libpq-fe.h>

/* Number of PostgreSQL migrations; equal to wl_migrations_sqlite_count(). */
int wl_migrations_pg_count(void);

/* Brings the database up to the newest version, one transaction per
 * migration, serialised between instances by an advisory lock. Refuses
 * (WL_EFAIL) a database whose version is newer than this binary knows.
 * `where` names the database in messages (no password). */
int wl_migrations_pg_apply(PGconn *conn, const char *where);

/* Reads the current version (0 for an empty database). */
int wl_migrations_pg_version(PGconn *conn, int *out);

/* The one-line reason a command failed: the server's primary message, or
 * libpq's own (connection) message with its line breaks folded. */
const char *wl_pg_reason(char *buf, size_t n, const PGresult *res, const PGconn *conn);

#endif
