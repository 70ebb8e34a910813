#ifndef WL_STORE_MIGRATIONS_H
#define WL_STORE_MIGRATIONS_H
/*
 * Schema migrations (private to store/). Versions are numbered 1..N and mean
 * the same schema on every backend, so wl_store_latest_version() is one
 * number for the whole binary.
 */
#include <sqlite3.h>

/* Number of SQLite migrations, i.e. the newest schema version. */
int wl_migrations_sqlite_count(void);

/* Brings db up to the newest version, one transaction per migration. Refuses
 * (WL_EFAIL) a database whose version is newer than this binary knows. */
int wl_migrations_sqlite_apply(sqlite3 *db, const char *path);

/* Reads the current version (0 for an empty database). */
int wl_migrations_sqlite_version(sqlite3 *db, int *out);

#endif
