#ifndef WL_STORE_SQLITE_INT_H
#define WL_STORE_SQLITE_INT_H
/*
 * Inside the SQLite backend (store/backend.h): the store object, the
 * statement ids and the helpers that every domain file (sources.c,
 * intervals.c, ...) shares. One connection per store object; a store
 * object is used by one thread at a time (the writer, or one web request).
 * Every value reaches SQLite through sqlite3_bind_*; the SQL text is static.
 */
#include "store/backend.h"
#include "store/columns.h"
#include "store/migrations.h"
#include "util/err.h"

#include <errno.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- statements ------------------------------------------------------ */

#define SOURCE_COLS                                                                       \
  "id, name, vendor, base_url, tenant, hist_base_url, hist_tenant, "                     \
  "token_enc IS NOT NULL, hist_token_enc IS NOT NULL, token_changed_at, "                 \
  "hist_token_changed_at, interval_s, timezone, enabled, created_at, updated_at"
#define OVERLAPS_OPEN "start_utc < ?3 AND (end_utc IS NULL OR end_utc > ?2)"

enum sq_id {
  Q_SOURCE_ADD, Q_SOURCE_UPDATE, Q_SOURCE_BY_NAME, Q_SOURCE_BY_ID, Q_SOURCE_LIST,
  Q_SOURCE_DEL, Q_SOURCE_SETTINGS_DEL,
  Q_TOKEN_SET_RT, Q_TOKEN_SET_HIST, Q_TOKEN_GET_RT, Q_TOKEN_GET_HIST,
  Q_SETTING_SET, Q_SETTING_DEL, Q_SETTING_GET, Q_SETTING_LIST,
  Q_QUEUE_UPSERT, Q_QUEUE_LIST, Q_AGENT_UPSERT, Q_AGENT_LIST, Q_AGENT_GET,
  Q_IV_DEL_WINDOW, Q_IV_INSERT, Q_IV_FINALIZE, Q_IV_DEL_ONE, Q_IV_QUERY_ALL, Q_IV_QUERY_QUEUE,
  Q_ST_UPSERT, Q_ST_INSERT, Q_ST_CLOSE, Q_ST_OPEN, Q_ST_QUERY_ALL, Q_ST_QUERY_AGENT,
  Q_ST_SPLIT, Q_ST_TRIM_END, Q_ST_DEL_INSIDE, Q_ST_TRIM_START,
  Q_SC_DEL, Q_SC_INSERT, Q_SC_QUERY_ALL, Q_SC_QUERY_AGENT,
  Q_RULE_SET, Q_RULE_LIST,
  Q_RUN_BEGIN, Q_RUN_END, Q_RUN_LIST_ALL, Q_RUN_LIST_SOURCE,
  Q_IV_UPSERT, Q_VI_ADD, Q_VI_QUERY_ALL, Q_VI_QUERY_QUEUE,
  Q_SD_SET, Q_SD_DEL, Q_SD_LIST,
  Q_FC_DEL_NAME, Q_FC_ADD, Q_FC_VALUE_ADD, Q_FC_LIST, Q_FC_VALUES_ALL, Q_FC_VALUES_QUEUE,
  Q_COUNT
};

typedef struct sq_store {
  wl_store base; /* first member: the interface */
  sqlite3 *db;
  char *path;
  int depth;     /* begin/commit nesting; only depth 0 <-> 1 touches the database */
  int doomed;    /* an inner rollback happened: the outer commit must roll back */
  sqlite3_stmt *cache[Q_COUNT];
  unsigned char busy[Q_COUNT]; /* cached statement in use (a callback re-entered) */
} sq_store;

#define SQ(st) ((sq_store *)(st))

typedef int (*emit_fn)(sqlite3_stmt *st, void *ctx);

/* ---- shared between the files of this backend ---- */

/* conn.c */
int sq_fail(sq_store *s, const char *what);
int sq_is_constraint(sq_store *s, int ext);
/* Gets the cached statement, or a private one when the cached one is in use
 * (a row callback called back into the store). Release with sq_stmt_done. */
int sq_stmt_get(sq_store *s, enum sq_id id, sqlite3_stmt **out);
void sq_stmt_done(sq_store *s, enum sq_id id, sqlite3_stmt *st);
void sq_bind_text(sqlite3_stmt *st, int i, const char *v);
void sq_bind_i64(sqlite3_stmt *st, int i, int64_t v);
void sq_bind_end(sqlite3_stmt *st, int i, int64_t end);
const char *sq_col_text(sqlite3_stmt *st, int i);
void sq_col_copy(char *dst, size_t n, sqlite3_stmt *st, int i);
int64_t sq_col_end(sqlite3_stmt *st, int i);
/* Runs a statement that returns no rows. */
int sq_step_done(sq_store *s, sqlite3_stmt *st, const char *what);
/* Steps a query, handing each row to emit; a non-zero emit result stops. */
int sq_each_row(sq_store *s, sqlite3_stmt *st, emit_fn emit, void *ctx, const char *what);
int sq_begin(wl_store *st);
/* Batch functions: join the caller's transaction or open one; on error the
 * whole batch (and the caller's transaction) is rolled back. */
int sq_tx_end(sq_store *s, int rc);

/* directory.c */
/* A query whose only parameter is the source id. */
int sq_list_for_source(sq_store *s, enum sq_id id, int64_t source_id, emit_fn emit, void *ctx,
                       const char *what);

/* intervals.c */
/* A ranged query: ?1 source, ?2 from, ?3 to, ?4 the optional filter (agent
 * or queue) that selects the second statement. */
int sq_range_query(sq_store *s, enum sq_id all, enum sq_id one, int64_t source_id,
                   const char *filter, int64_t from, int64_t to, emit_fn emit, void *ctx,
                   const char *what);

/* states.c */
/* Runs one of the agent-window statements: ?1 source, ?2 agent, ?3 from, ?4 to. */
int sq_exec_agent_window(sq_store *s, enum sq_id id, int64_t source_id, const char *agent_id,
                         int64_t from, int64_t to, const char *what);

/* web.c */
/* These run a few times per web request at most, so they prepare their
 * statement each time instead of taking a slot in the statement cache. */
int sq_web_prepare(sq_store *s, sqlite3_stmt **q, const char *sql);

/* the domain tables (one per file) */
extern const wl_store_conn_ops sq_conn_ops;
extern const wl_store_source_ops sq_sources_ops;
extern const wl_store_token_ops sq_tokens_ops;
extern const wl_store_setting_ops sq_settings_ops;
extern const wl_store_directory_ops sq_directory_ops;
extern const wl_store_interval_ops sq_intervals_ops;
extern const wl_store_state_ops sq_states_ops;
extern const wl_store_schedule_ops sq_schedules_ops;
extern const wl_store_rule_ops sq_rules_ops;
extern const wl_store_run_ops sq_runs_ops;
extern const wl_store_web_ops sq_web_ops;
extern const wl_store_lease_ops sq_leases_ops;
extern const wl_store_plan_ops sq_plans_ops;

#endif
