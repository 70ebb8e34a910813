#include "store/migrations.h"
#include "util/err.h"

#include <stddef.h>

/*
 * The SQLite schema, one entry per version; entry i takes the database from
 * version i to i + 1. Append only: a released entry never changes, because
 * databases in the field have already run it.
 *
 * All instants are INTEGER Unix seconds (UTC). Everything that belongs to a
 * source cascades from it; `setting` has no foreign key because source_id 0
 * is the global scope (source_remove deletes a source's settings itself).
 */
static const char *const migrations[] = {
  /* 1: the first vendor-neutral schema (design.md) */
  "CREATE TABLE source ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  name TEXT NOT NULL UNIQUE,"
  "  vendor TEXT NOT NULL,"
  "  base_url TEXT NOT NULL DEFAULT '',"
  "  tenant TEXT NOT NULL DEFAULT '',"
  "  hist_base_url TEXT NOT NULL DEFAULT '',"
  "  hist_tenant TEXT NOT NULL DEFAULT '',"
  "  token_enc BLOB,"
  "  hist_token_enc BLOB,"
  "  token_changed_at INTEGER NOT NULL DEFAULT 0,"
  "  hist_token_changed_at INTEGER NOT NULL DEFAULT 0,"
  "  interval_s INTEGER NOT NULL DEFAULT 10,"
  "  timezone TEXT NOT NULL DEFAULT 'UTC',"
  "  enabled INTEGER NOT NULL DEFAULT 1,"
  "  created_at INTEGER NOT NULL,"
  "  updated_at INTEGER NOT NULL);"

  "CREATE TABLE queue ("
  "  source_id INTEGER NOT NULL REFERENCES source(id) ON DELETE CASCADE,"
  "  ext_id TEXT NOT NULL,"
  "  name TEXT NOT NULL DEFAULT '',"
  "  media_type TEXT NOT NULL DEFAULT '',"
  "  PRIMARY KEY (source_id, ext_id));"

  "CREATE TABLE agent ("
  "  source_id INTEGER NOT NULL REFERENCES source(id) ON DELETE CASCADE,"
  "  ext_id TEXT NOT NULL,"
  "  name TEXT NOT NULL DEFAULT '',"
  "  group_id TEXT NOT NULL DEFAULT '',"
  "  PRIMARY KEY (source_id, ext_id));"

  "CREATE TABLE interval_volume ("
  "  source_id INTEGER NOT NULL REFERENCES source(id) ON DELETE CASCADE,"
  "  queue_id TEXT NOT NULL,"
  "  start_utc INTEGER NOT NULL,"
  "  entered INTEGER NOT NULL DEFAULT 0,"
  "  accepted INTEGER NOT NULL DEFAULT 0,"
  "  abandoned INTEGER NOT NULL DEFAULT 0,"
  "  handle_time_s INTEGER NOT NULL DEFAULT 0,"
  "  wait_time_s INTEGER NOT NULL DEFAULT 0,"
  "  final INTEGER NOT NULL DEFAULT 0,"
  "  updated_at INTEGER NOT NULL DEFAULT 0,"
  "  PRIMARY KEY (source_id, queue_id, start_utc));"
  /* reports and window replaces select by time across all queues */
  "CREATE INDEX interval_volume_start ON interval_volume (source_id, start_utc);"

  "CREATE TABLE agent_state ("
  "  source_id INTEGER NOT NULL REFERENCES source(id) ON DELETE CASCADE,"
  "  agent_id TEXT NOT NULL,"
  "  start_utc INTEGER NOT NULL,"
  "  end_utc INTEGER," /* NULL while the segment is current */
  "  state TEXT NOT NULL,"
  "  vendor_code TEXT NOT NULL DEFAULT '',"
  "  PRIMARY KEY (source_id, agent_id, start_utc),"
  "  CHECK (end_utc IS NULL OR end_utc >= start_utc));"
  /* overlap queries bound the scan by end (start < to alone would scan all
   * history); the second one serves all-agent queries and the open set */
  "CREATE INDEX agent_state_end ON agent_state (source_id, agent_id, end_utc);"
  "CREATE INDEX agent_state_source_end ON agent_state (source_id, end_utc);"

  "CREATE TABLE schedule_segment ("
  "  source_id INTEGER NOT NULL REFERENCES source(id) ON DELETE CASCADE,"
  "  agent_id TEXT NOT NULL,"
  "  start_utc INTEGER NOT NULL,"
  "  end_utc INTEGER NOT NULL,"
  "  activity TEXT NOT NULL,"
  "  PRIMARY KEY (source_id, agent_id, start_utc),"
  "  CHECK (end_utc >= start_utc));"
  "CREATE INDEX schedule_segment_end ON schedule_segment (source_id, agent_id, end_utc);"
  "CREATE INDEX schedule_segment_source_end ON schedule_segment (source_id, end_utc);"

  "CREATE TABLE activity_rule ("
  "  source_id INTEGER NOT NULL REFERENCES source(id) ON DELETE CASCADE,"
  "  activity TEXT NOT NULL,"
  "  state TEXT NOT NULL,"
  "  verdict TEXT NOT NULL CHECK (verdict IN ('in', 'out', 'neutral')),"
  "  kind TEXT NOT NULL CHECK (kind IN ('work', 'rest')),"
  "  PRIMARY KEY (source_id, activity, state));"

  "CREATE TABLE collection_run ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  source_id INTEGER NOT NULL REFERENCES source(id) ON DELETE CASCADE,"
  "  kind TEXT NOT NULL,"
  "  window_from INTEGER NOT NULL DEFAULT 0,"
  "  window_to INTEGER NOT NULL DEFAULT 0,"
  "  started INTEGER NOT NULL,"
  "  finished INTEGER NOT NULL DEFAULT 0,"
  "  outcome TEXT NOT NULL DEFAULT 'running',"
  "  pages INTEGER NOT NULL DEFAULT 0,"
  "  rows INTEGER NOT NULL DEFAULT 0,"
  "  http_status INTEGER NOT NULL DEFAULT 0,"
  "  error TEXT NOT NULL DEFAULT '');"
  "CREATE INDEX collection_run_source ON collection_run (source_id, id);"

  "CREATE TABLE setting ("
  "  source_id INTEGER NOT NULL," /* 0: global */
  "  key TEXT NOT NULL,"
  "  value TEXT NOT NULL,"
  "  PRIMARY KEY (source_id, key));"

  "CREATE TABLE web_user ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  name TEXT NOT NULL UNIQUE,"
  "  pw_hash TEXT NOT NULL,"
  "  created_at INTEGER NOT NULL);"

  "CREATE TABLE web_session ("
  "  id TEXT PRIMARY KEY,"
  "  user_id INTEGER NOT NULL REFERENCES web_user(id) ON DELETE CASCADE,"
  "  csrf TEXT NOT NULL,"
  "  expires_at INTEGER NOT NULL,"
  "  created_at INTEGER NOT NULL);"
  "CREATE INDEX web_session_expires ON web_session (expires_at);"

  "CREATE TABLE api_key ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  user_id INTEGER NOT NULL REFERENCES web_user(id) ON DELETE CASCADE,"
  "  key_hash TEXT NOT NULL UNIQUE,"
  "  created_at INTEGER NOT NULL);",

  /* 2: leases: which `serve` instance collects a source (issue 8) */
  "CREATE TABLE lease ("
  "  source_id INTEGER PRIMARY KEY REFERENCES source(id) ON DELETE CASCADE,"
  "  owner TEXT NOT NULL,"
  "  acquired_at INTEGER NOT NULL,"
  "  expires_at INTEGER NOT NULL);",

  /* 3: planning (issue 12): imported-history coverage, special days, saved
   * forecasts (values in tenths) */
  "CREATE TABLE volume_import ("
  "  source_id INTEGER NOT NULL REFERENCES source(id) ON DELETE CASCADE,"
  "  queue_id TEXT NOT NULL,"
  "  from_utc INTEGER NOT NULL,"
  "  to_utc INTEGER NOT NULL,"
  "  imported_at INTEGER NOT NULL,"
  "  CHECK (to_utc > from_utc));"
  "CREATE INDEX volume_import_source ON volume_import (source_id, queue_id, from_utc);"

  "CREATE TABLE forecast_special_day ("
  "  source_id INTEGER NOT NULL REFERENCES source(id) ON DELETE CASCADE,"
  "  queue_id TEXT NOT NULL,"
  "  day TEXT NOT NULL,"
  "  exclude INTEGER NOT NULL,"
  "  factor_milli INTEGER NOT NULL,"
  "  PRIMARY KEY (source_id, queue_id, day));"

  "CREATE TABLE forecast_saved ("
  "  id INTEGER PRIMARY KEY AUTOINCREMENT,"
  "  source_id INTEGER NOT NULL REFERENCES source(id) ON DELETE CASCADE,"
  "  name TEXT NOT NULL,"
  "  created_at INTEGER NOT NULL,"
  "  as_of INTEGER NOT NULL,"
  "  from_utc INTEGER NOT NULL,"
  "  to_utc INTEGER NOT NULL,"
  "  UNIQUE (source_id, name));"

  "CREATE TABLE forecast_value ("
  "  saved_id INTEGER NOT NULL REFERENCES forecast_saved(id) ON DELETE CASCADE,"
  "  queue_id TEXT NOT NULL,"
  "  start_utc INTEGER NOT NULL,"
  "  volume_x10 INTEGER NOT NULL,"
  "  aht_x10 INTEGER NOT NULL,"
  "  method TEXT NOT NULL,"
  "  PRIMARY KEY (saved_id, start_utc, queue_id));",

  /* 4: the process running a run (issue 16), so a run left
   * `running` is closed only when that process is gone (core/runs.c) */
  "ALTER TABLE collection_run ADD COLUMN owner TEXT NOT NULL DEFAULT '';",
};

#define NMIGRATIONS ((int)(sizeof(migrations) / sizeof(migrations[0])))

int wl_migrations_sqlite_count(void)
{
  return NMIGRATIONS;
}

static int db_fail(sqlite3 *db, const char *path, const char *what)
{
  return wl_err(WL_EFAIL, "database %s: %s: %s", path, what, sqlite3_errmsg(db));
}

/* One integer from a query without parameters (static SQL only). */
static int query_int(sqlite3 *db, const char *sql, int *out)
{
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_step(st);
  if (rc == SQLITE_ROW) {
    *out = sqlite3_column_int(st, 0);
    rc = SQLITE_OK;
  }
  sqlite3_finalize(st);
  return rc;
}

int wl_migrations_sqlite_version(sqlite3 *db, int *out)
{
  int has = 0;
  *out = 0;
  if (query_int(db, "SELECT count(*) FROM sqlite_master WHERE type = 'table' "
                    "AND name = 'schema_version'", &has) != SQLITE_OK)
    return wl_err(WL_EFAIL, "cannot read the schema version: %s", sqlite3_errmsg(db));
  if (has &&
      query_int(db, "SELECT coalesce(max(version), 0) FROM schema_version", out) != SQLITE_OK)
    return wl_err(WL_EFAIL, "cannot read the schema version: %s", sqlite3_errmsg(db));
  return 0;
}

static int too_new(int v)
{
  return wl_err(WL_EFAIL, "database schema version %d is newer than this wfmlink "
                          "(knows up to %d); upgrade wfmlink", v, NMIGRATIONS);
}

static int record_version(sqlite3 *db, int v)
{
  sqlite3_stmt *st = NULL;
  int rc = sqlite3_prepare_v2(db, "INSERT INTO schema_version (version) VALUES (?1)", -1, &st,
                              NULL);
  if (rc == SQLITE_OK)
    rc = sqlite3_bind_int(st, 1, v);
  if (rc == SQLITE_OK)
    rc = sqlite3_step(st);
  sqlite3_finalize(st);
  return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Under the write lock: re-reads the version (another process may have
 * migrated meanwhile) and applies the next migration, if any. *done is set
 * when the database is current. */
static int step_once(sqlite3 *db, const char *path, int *done)
{
  int v, rc;
  *done = 0;
  if (sqlite3_exec(db, "CREATE TABLE IF NOT EXISTS schema_version ("
                       " version INTEGER PRIMARY KEY,"
                       " applied_at INTEGER NOT NULL"
                       "  DEFAULT (CAST(strftime('%s', 'now') AS INTEGER)))",
                   NULL, NULL, NULL) != SQLITE_OK)
    return db_fail(db, path, "cannot create schema_version");
  if ((rc = wl_migrations_sqlite_version(db, &v)) != 0)
    return rc;
  if (v > NMIGRATIONS)
    return too_new(v);
  if (v == NMIGRATIONS) {
    *done = 1;
    return 0;
  }
  if (sqlite3_exec(db, migrations[v], NULL, NULL, NULL) != SQLITE_OK ||
      record_version(db, v + 1) != SQLITE_OK)
    return wl_err(WL_EFAIL, "database %s: migration to schema version %d failed: %s", path,
                  v + 1, sqlite3_errmsg(db));
  return 0;
}

int wl_migrations_sqlite_apply(sqlite3 *db, const char *path)
{
  int v, rc, done = 0;
  /* the common case, an up-to-date database, needs no write lock */
  if ((rc = wl_migrations_sqlite_version(db, &v)) != 0)
    return wl_err_wrap(rc, "database %s", path);
  if (v > NMIGRATIONS)
    return too_new(v);
  while (v < NMIGRATIONS && !done) { /* one transaction per migration */
    if (sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
      return db_fail(db, path, "cannot lock for migration");
    rc = step_once(db, path, &done);
    if (rc == 0 && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
      rc = db_fail(db, path, "cannot commit migration");
    if (rc != 0) {
      if (!sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
      return rc;
    }
  }
  return 0;
}
