#ifndef WL_STORE_PG_INT_H
#define WL_STORE_PG_INT_H
/*
 * Inside the PostgreSQL backend (store/backend.h), on libpq: the store
 * object, the statement ids and the helpers its files share. One connection
 * per store object; a store object is used by one thread at a time. It
 * gives the same results, error codes and row order as the SQLite backend
 * (tests/store runs on both).
 *
 * Every value is a bound parameter of a statement prepared from static text
 * ($1..$N); batches pass their rows as array parameters to unnest(), so a
 * window of any size is one statement.
 *
 * Round trips: a batch is sent as one libpq pipeline (BEGIN or SAVEPOINT,
 * its statements, COMMIT or RELEASE, Sync), plus a second trip when its
 * results must be checked before it may commit. Transactions nest with a
 * depth counter as in SQLite, and BEGIN is sent with the first statement.
 * PostgreSQL aborts a whole transaction when one statement fails, whereas
 * SQLite only fails that statement; so inside a caller's transaction every
 * call runs under a savepoint that is rolled back on failure, which leaves
 * the caller's transaction usable exactly as with SQLite.
 *
 * A lost connection fails the call with "database connection lost: ...";
 * the next call reconnects (PQreset) once before it runs. A transaction that
 * was open when the connection went is gone: calls fail until the caller
 * ends it (commit reports that nothing was saved).
 */
#include "store/backend.h"
#include "store/columns.h"
#include "store/migrations.h"
#include "store/migrations_pg.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"

#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- statements ------------------------------------------------------ */

#define SOURCE_COLS                                                                       \
  "id, name, vendor, base_url, tenant, hist_base_url, hist_tenant, "                     \
  "(token_enc IS NOT NULL)::int, (hist_token_enc IS NOT NULL)::int, token_changed_at, "   \
  "hist_token_changed_at, interval_s, timezone, enabled, created_at, updated_at"
#define OVERLAPS_OPEN "start_utc < $3 AND (end_utc IS NULL OR end_utc > $2)"
#define C_ORDER(col) col " COLLATE \"C\""
/* The replace inserts skip rows whose key is taken (stored or earlier in the
 * batch) and answer with the 1-based position of the first such row, NULL
 * when all went in: the row SQLite's one-by-one inserts would fail on. A
 * row is refused when its key is not among those inserted, or when an
 * earlier row has its key (joins and a sort: no per-row subquery). */
#define FIRST_REJECTED(join, key)                                                         \
  "SELECT min(n) FROM (SELECT t.n, ins.start_utc IS NULL AS missing, "                    \
  "row_number() OVER (PARTITION BY " key " ORDER BY t.n) AS k "                           \
  "FROM t LEFT JOIN ins ON " join ") AS x WHERE missing OR k > 1"

enum pq_id {
  Q_SOURCE_ADD, Q_SOURCE_UPDATE, Q_SOURCE_BY_NAME, Q_SOURCE_BY_ID, Q_SOURCE_LIST, Q_SOURCE_DEL,
  Q_TOKEN_SET_RT, Q_TOKEN_SET_HIST, Q_TOKEN_GET_RT, Q_TOKEN_GET_HIST,
  Q_SETTING_SET, Q_SETTING_DEL, Q_SETTING_GET, Q_SETTING_LIST,
  Q_QUEUE_UPSERT, Q_QUEUE_LIST, Q_AGENT_UPSERT, Q_AGENT_LIST, Q_AGENT_GET,
  Q_IV_DEL_WINDOW, Q_IV_INSERT, Q_IV_FINALIZE, Q_IV_DEL_ONE, Q_IV_QUERY_ALL, Q_IV_QUERY_QUEUE,
  Q_ST_UPSERT, Q_ST_CLOSE, Q_ST_INSERT, Q_ST_OPEN, Q_ST_QUERY_ALL, Q_ST_QUERY_AGENT,
  Q_ST_SPLIT, Q_ST_TRIM_END, Q_ST_DEL_INSIDE, Q_ST_TRIM_START,
  Q_SC_DEL, Q_SC_INSERT, Q_SC_QUERY_ALL, Q_SC_QUERY_AGENT,
  Q_RULE_SET, Q_RULE_LIST,
  Q_RUN_BEGIN, Q_RUN_END, Q_RUN_LIST_ALL, Q_RUN_LIST_SOURCE,
  Q_USER_ADD, Q_USER_SET_PW, Q_USER_GET, Q_USER_LIST,
  Q_SESSION_ADD, Q_SESSION_GET, Q_SESSION_DEL, Q_SESSION_EXPIRE, Q_APIKEY_ADD, Q_APIKEY_FIND,
  Q_LEASE_ACQUIRE, Q_LEASE_RELEASE, Q_LEASE_RELEASE_ALL, Q_LEASE_LIST,
  Q_RUN_IN_RANGE,
  Q_SESSION_DEL_USER, Q_APIKEY_DEL_USER, Q_USER_DEL,
  Q_IV_UPSERT, Q_VI_ADD, Q_VI_QUERY_ALL, Q_VI_QUERY_QUEUE,
  Q_SD_SET, Q_SD_DEL, Q_SD_LIST,
  Q_FC_DEL_NAME, Q_FC_ADD, Q_FC_VALUE_ADD, Q_FC_LIST, Q_FC_VALUES_ALL, Q_FC_VALUES_QUEUE,
  Q_COUNT
};

typedef struct pg_store {
  wl_store base; /* first member: the interface */
  PGconn *conn;
  char *where;   /* postgresql://user@host:port/db, for messages (no password) */
  int depth;     /* begin/commit nesting, as in SQLite */
  int doomed;    /* a batch failed inside the transaction: the outer commit rolls back */
  int in_tx;     /* BEGIN has been sent (it goes with the first statement) */
  int lost;      /* the connection went while in_tx: fail until the caller ends it */
  unsigned char prepared[Q_COUNT];
} pg_store;

#define PG(st) ((pg_store *)(st))

/* ---- parameters ------------------------------------------------------ */

#define PG_MAXP 12
#define ARRAY_MAX ((size_t)1 << 29) /* one array parameter; PostgreSQL's cap is 1 GB */

typedef struct pg_params {
  int n;
  const char *v[PG_MAXP];
  int len[PG_MAXP];
  int fmt[PG_MAXP];
  char num[PG_MAXP][24];
  char *owned[PG_MAXP]; /* array literals, freed with the command */
} pg_params;

typedef struct pg_cmd {
  enum pq_id id;
  pg_params p;
  PGresult *res; /* its result once run */
} pg_cmd;

/* Array parameters: one text-format literal per column, "{e1,e2,...}". */
typedef struct arrays {
  int n;
  wl_buf col[PG_MAXP];
} arrays;

#define UNIQUE_VIOLATION "23505"
#define FK_VIOLATION "23503"

typedef int (*emit_fn)(const PGresult *r, int row, void *ctx);

/* ---- pipelines ------------------------------------------------------- */

/* One statement of a pipeline: control SQL or a prepared command. */
typedef struct item {
  const char *sql;
  pg_cmd *cmd;
  PGresult *res;
} item;

/* A Sync every so many statements keeps both socket buffers from filling
 * (libpq blocks while sending, the server while replying). Inside BEGIN or
 * SAVEPOINT an intermediate Sync commits nothing. */
#define PIPE_CHUNK 256

/* ---- units: atomic groups of commands -------------------------------- */

/* Sees the results of a unit that succeeded; a non-zero return undoes it. */
typedef int (*unit_check)(pg_store *s, pg_cmd *cmds, size_t n, void *ctx);

#define SP_BEGIN "SAVEPOINT wl_step"
#define SP_END "RELEASE SAVEPOINT wl_step"
#define SP_UNDO "ROLLBACK TO SAVEPOINT wl_step; RELEASE SAVEPOINT wl_step"

struct seg_ctx {
  const char *what; /* "state" or "schedule" */
  const char *agent_id;
  const void *rows;
  size_t stride;    /* wl_state_row or wl_schedule_row */
  size_t off_start; /* where start_utc is in a row */
};

/* ---- shared between the files of this backend ---- */

/* conn.c */
/* Transactions (nested, as in SQLite); the ops table's begin, commit and
 * rollback, also used inside batch functions. */
int pg_begin(wl_store *st);
int pg_commit(wl_store *st);
int pg_rollback(wl_store *st);
/* After a failure: a broken connection also ends the transaction. */
int pg_conn_broken(pg_store *s);
int pg_fail(pg_store *s, const PGresult *r, const char *what);
/* Before every call: reconnects once when the connection is gone. */
int pg_ready(pg_store *s);
int pg_prepare(pg_store *s, enum pq_id id);
/* Runs static control SQL (BEGIN, COMMIT, ...); the result's command tag
 * goes to tag when asked for. */
int pg_exec_ctl(pg_store *s, const char *sql, char *tag, size_t taglen);

/* params.c */
void pg_p_text(pg_params *p, const char *v);
void pg_p_i64(pg_params *p, int64_t v);
void pg_p_null(pg_params *p);
void pg_p_end(pg_params *p, int64_t end);
void pg_p_bytes(pg_params *p, const unsigned char *b, size_t len);
void pg_cmds_clear(pg_cmd *c, size_t n);
void pg_arrays_init(arrays *a, int n);
void pg_arrays_free(arrays *a);
int pg_arr_i64(arrays *a, int c, int64_t v);
/* Elements are quoted, with " and \ escaped, so any text survives. */
int pg_arr_text(arrays *a, int c, const char *v);
/* Closes the literals and hands them to the command's parameters (from
 * position `first`, which must be the next one). */
int pg_arrays_bind(arrays *a, pg_params *p);
const char *pg_col_text(const PGresult *r, int row, int c);
int64_t pg_col_i64(const PGresult *r, int row, int c);
int64_t pg_col_end(const PGresult *r, int row, int c);
void pg_col_copy(char *dst, size_t n, const PGresult *r, int row, int c);
/* Rows a write changed. */
long pg_changes(const PGresult *r);
int pg_is_state(const pg_cmd *c, size_t n, const char *state);
int pg_each_row(const PGresult *r, emit_fn emit, void *ctx);

/* pipeline.c */
/* A batch that failed inside the caller's transaction dooms it, as in
 * SQLite (its outer commit rolls back). */
int pg_batch_failed(pg_store *s, int rc);
/* Runs cmds atomically: alone in a transaction of their own, or under a
 * savepoint inside the caller's. check (may be NULL) vets the results before
 * anything is kept. Results stay in cmds[i].res, also after a failure, so the
 * caller can tell a constraint from the rest (failed_state). */
int pg_unit_run(pg_store *s, pg_cmd *cmds, size_t n, unit_check check, void *ctx,
                const char *what);
/* One statement: runs it, leaving the result in c->res. */
int pg_run1(pg_store *s, pg_cmd *c, const char *what);
/* One query whose rows go to emit. */
int pg_query(pg_store *s, pg_cmd *c, emit_fn emit, void *ctx, const char *what);

/* directory.c */
/* A query whose only parameter is the source id. */
int pg_list_for_source(pg_store *s, enum pq_id id, int64_t source_id, emit_fn emit,
                       void *ctx, const char *what);

/* intervals.c */
/* The 1-based position of the row the last (insert) command refused, 0
 * when none was. */
size_t pg_rejected_row(const pg_cmd *ins);
/* Runs a window replace: clearing commands, then (with rows) the insert as
 * the last command, whose refusal the check turns into the caller's error. */
int pg_replace_run(pg_store *s, pg_cmd *cmds, size_t ncmds, unit_check check, void *ctx,
                   int64_t source_id, const char *what);
/* A ranged query: $1 source, $2 from, $3 to, $4 the optional filter (agent
 * or queue) that selects the second statement. */
int pg_range_query(pg_store *s, enum pq_id all, enum pq_id one, int64_t source_id,
                   const char *filter, int64_t from, int64_t to, emit_fn emit, void *ctx,
                   const char *what);

/* states.c */
/* $1 source, $2 agent, $3 from and (all but one statement) $4 to. */
void pg_bind_agent_window(pg_cmd *c, enum pq_id id, int64_t source_id, const char *agent_id,
                          int64_t from, int64_t to);
/* $1 source, $2 agent, then the rows as arrays. */
int pg_bind_segments(pg_cmd *c, enum pq_id id, int64_t source_id, const char *agent_id,
                     arrays *a);
int pg_seg_check(pg_store *s, pg_cmd *cmds, size_t n, void *ctx);

/* rules.c */
/* A write of one statement: 0, or its error with a missing source (foreign
 * key) reported as in SQLite. */
int pg_write1(pg_store *s, pg_cmd *c, const char *what);

/* the domain tables (one per file) */
extern const wl_store_conn_ops pg_conn_ops;
extern const wl_store_source_ops pg_sources_ops;
extern const wl_store_token_ops pg_tokens_ops;
extern const wl_store_setting_ops pg_settings_ops;
extern const wl_store_directory_ops pg_directory_ops;
extern const wl_store_interval_ops pg_intervals_ops;
extern const wl_store_state_ops pg_states_ops;
extern const wl_store_schedule_ops pg_schedules_ops;
extern const wl_store_rule_ops pg_rules_ops;
extern const wl_store_run_ops pg_runs_ops;
extern const wl_store_web_ops pg_web_ops;
extern const wl_store_lease_ops pg_leases_ops;
extern const wl_store_plan_ops pg_plans_ops;

#endif
