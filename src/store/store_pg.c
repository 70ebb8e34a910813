/*
 * The PostgreSQL backend of store.h, on libpq. One connection per store
 * object; a store object is used by one thread at a time. It gives the same
 * results, error codes and row order as store_sqlite.c (tests/store runs on
 * both).
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
#include "store/store.h"
#include "store/migrations.h"
#include "store/migrations_pg.h"
#include "store/plan_check.h"
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
#define IV_COLS                                                                           \
  "queue_id, start_utc, entered, accepted, abandoned, handle_time_s, wait_time_s, final, " \
  "updated_at"
#define ST_COLS "agent_id, start_utc, end_utc, state, vendor_code"
#define SC_COLS "agent_id, start_utc, end_utc, activity"
#define RUN_COLS                                                                          \
  "id, source_id, kind, window_from, window_to, started, finished, outcome, pages, rows, " \
  "http_status, error"
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

static const char *const sql_text[Q_COUNT] = {
  [Q_SOURCE_ADD] = "INSERT INTO source (name, vendor, base_url, tenant, hist_base_url, "
                   "hist_tenant, interval_s, timezone, enabled, created_at, updated_at) "
                   "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id",
  [Q_SOURCE_UPDATE] = "UPDATE source SET name = $1, vendor = $2, base_url = $3, tenant = $4, "
                      "hist_base_url = $5, hist_tenant = $6, interval_s = $7, timezone = $8, "
                      "enabled = $9, updated_at = $10 WHERE id = $11",
  [Q_SOURCE_BY_NAME] = "SELECT " SOURCE_COLS " FROM source WHERE name = $1",
  [Q_SOURCE_BY_ID] = "SELECT " SOURCE_COLS " FROM source WHERE id = $1",
  [Q_SOURCE_LIST] = "SELECT " SOURCE_COLS " FROM source ORDER BY " C_ORDER("name"),
  /* every other table cascades from source; settings cannot (scope 0), so
   * they go in the same statement, only when the source did exist */
  [Q_SOURCE_DEL] = "WITH s AS (DELETE FROM source WHERE id = $1 RETURNING id), "
                   "d AS (DELETE FROM setting WHERE source_id IN (SELECT id FROM s)) "
                   "SELECT count(*) FROM s",

  [Q_TOKEN_SET_RT] = "UPDATE source SET token_enc = $2, token_changed_at = $3 WHERE id = $1",
  [Q_TOKEN_SET_HIST] = "UPDATE source SET hist_token_enc = $2, hist_token_changed_at = $3 "
                       "WHERE id = $1",
  [Q_TOKEN_GET_RT] = "SELECT token_enc FROM source WHERE id = $1",
  [Q_TOKEN_GET_HIST] = "SELECT hist_token_enc FROM source WHERE id = $1",

  [Q_SETTING_SET] = "INSERT INTO setting (source_id, key, value) VALUES ($1, $2, $3) "
                    "ON CONFLICT (source_id, key) DO UPDATE SET value = excluded.value",
  [Q_SETTING_DEL] = "DELETE FROM setting WHERE source_id = $1 AND key = $2",
  [Q_SETTING_GET] = "SELECT value FROM setting WHERE source_id = $1 AND key = $2",
  [Q_SETTING_LIST] = "SELECT key, value FROM setting WHERE source_id = $1 ORDER BY "
                     C_ORDER("key"),

  [Q_QUEUE_UPSERT] = "INSERT INTO queue (source_id, ext_id, name, media_type) "
                     "VALUES ($1, $2, $3, $4) ON CONFLICT (source_id, ext_id) DO UPDATE "
                     "SET name = excluded.name, media_type = excluded.media_type",
  [Q_QUEUE_LIST] = "SELECT ext_id, name, media_type FROM queue WHERE source_id = $1 "
                   "ORDER BY " C_ORDER("ext_id"),
  [Q_AGENT_UPSERT] = "INSERT INTO agent (source_id, ext_id, name, group_id) "
                     "VALUES ($1, $2, $3, $4) ON CONFLICT (source_id, ext_id) DO UPDATE "
                     "SET name = excluded.name, group_id = excluded.group_id",
  [Q_AGENT_LIST] = "SELECT ext_id, name, group_id FROM agent WHERE source_id = $1 "
                   "ORDER BY " C_ORDER("ext_id"),
  [Q_AGENT_GET] = "SELECT 1 FROM agent WHERE source_id = $1 AND ext_id = $2",

  [Q_IV_DEL_WINDOW] = "DELETE FROM interval_volume WHERE source_id = $1 AND start_utc >= $2 "
                      "AND start_utc < $3",
  [Q_IV_INSERT] =
    "WITH t AS (SELECT * FROM unnest($2::text[], $3::bigint[], $4::bigint[], $5::bigint[], "
    "$6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], $10::bigint[]) WITH ORDINALITY "
    "AS t(q, s, e, a, ab, h, w, f, u, n)), "
    "ins AS (INSERT INTO interval_volume (source_id, queue_id, start_utc, entered, accepted, "
    "abandoned, handle_time_s, wait_time_s, final, updated_at) "
    "SELECT $1::bigint, q, s, e, a, ab, h, w, f, u FROM t "
    "ON CONFLICT DO NOTHING RETURNING queue_id, start_utc) "
    FIRST_REJECTED("ins.queue_id = t.q COLLATE \"C\" AND ins.start_utc = t.s",
                   "t.q COLLATE \"C\", t.s"),
  [Q_IV_FINALIZE] = "UPDATE interval_volume SET final = 1 WHERE source_id = $1 "
                    "AND start_utc < $2 AND final = 0",
  [Q_IV_DEL_ONE] = "DELETE FROM interval_volume WHERE source_id = $1 AND queue_id = $2 "
                   "AND start_utc = $3",
  [Q_IV_QUERY_ALL] = "SELECT " IV_COLS " FROM interval_volume WHERE source_id = $1 "
                     "AND start_utc >= $2 AND start_utc < $3 ORDER BY start_utc, "
                     C_ORDER("queue_id"),
  [Q_IV_QUERY_QUEUE] = "SELECT " IV_COLS " FROM interval_volume WHERE source_id = $1 "
                       "AND start_utc >= $2 AND start_utc < $3 AND queue_id = $4 "
                       "ORDER BY start_utc",

  /* a replayed INSERT (same agent and start) rewrites the row instead of
   * failing the whole batch: re-running a poll is harmless */
  [Q_ST_UPSERT] = "INSERT INTO agent_state (source_id, agent_id, start_utc, end_utc, state, "
                  "vendor_code) VALUES ($1, $2, $3, $4, $5, $6) "
                  "ON CONFLICT (source_id, agent_id, start_utc) DO UPDATE SET "
                  "end_utc = excluded.end_utc, state = excluded.state, "
                  "vendor_code = excluded.vendor_code",
  [Q_ST_CLOSE] = "UPDATE agent_state SET end_utc = $4 WHERE source_id = $1 AND agent_id = $2 "
                 "AND start_utc = $3",
  [Q_ST_INSERT] =
    "WITH t AS (SELECT * FROM unnest($3::bigint[], $4::bigint[], $5::text[], $6::text[]) "
    "WITH ORDINALITY AS t(s, e, st, vc, n)), "
    "ins AS (INSERT INTO agent_state (source_id, agent_id, start_utc, end_utc, state, "
    "vendor_code) SELECT $1::bigint, $2::text, s, e, st, vc FROM t "
    "ON CONFLICT DO NOTHING RETURNING start_utc) "
    FIRST_REJECTED("ins.start_utc = t.s", "t.s"),
  [Q_ST_OPEN] = "SELECT " ST_COLS " FROM agent_state WHERE source_id = $1 "
                "AND end_utc IS NULL ORDER BY " C_ORDER("agent_id") ", start_utc",
  [Q_ST_QUERY_ALL] = "SELECT " ST_COLS " FROM agent_state WHERE source_id = $1 "
                     "AND " OVERLAPS_OPEN " ORDER BY " C_ORDER("agent_id") ", start_utc",
  [Q_ST_QUERY_AGENT] = "SELECT " ST_COLS " FROM agent_state WHERE source_id = $1 "
                       "AND agent_id = $4 AND " OVERLAPS_OPEN " ORDER BY start_utc",
  /* states_replace, for one agent and [$3, $4): the four shapes of overlap */
  [Q_ST_SPLIT] = "INSERT INTO agent_state (source_id, agent_id, start_utc, end_utc, state, "
                 "vendor_code) SELECT source_id, agent_id, $4, end_utc, state, vendor_code "
                 "FROM agent_state WHERE source_id = $1 AND agent_id = $2 "
                 "AND start_utc < $3 AND (end_utc IS NULL OR end_utc > $4)",
  [Q_ST_TRIM_END] = "UPDATE agent_state SET end_utc = $3 WHERE source_id = $1 "
                    "AND agent_id = $2 AND start_utc < $3 AND (end_utc IS NULL OR end_utc > $3)",
  [Q_ST_DEL_INSIDE] = "DELETE FROM agent_state WHERE source_id = $1 AND agent_id = $2 "
                      "AND start_utc >= $3 AND start_utc < $4 AND end_utc IS NOT NULL "
                      "AND end_utc <= $4",
  [Q_ST_TRIM_START] = "UPDATE agent_state SET start_utc = $4 WHERE source_id = $1 "
                      "AND agent_id = $2 AND start_utc >= $3 AND start_utc < $4 "
                      "AND (end_utc IS NULL OR end_utc > $4)",

  [Q_SC_DEL] = "DELETE FROM schedule_segment WHERE source_id = $1 AND agent_id = $2 "
               "AND start_utc < $4 AND end_utc > $3",
  [Q_SC_INSERT] =
    "WITH t AS (SELECT * FROM unnest($3::bigint[], $4::bigint[], $5::text[]) "
    "WITH ORDINALITY AS t(s, e, act, n)), "
    "ins AS (INSERT INTO schedule_segment (source_id, agent_id, start_utc, end_utc, activity) "
    "SELECT $1::bigint, $2::text, s, e, act FROM t ON CONFLICT DO NOTHING RETURNING start_utc) "
    FIRST_REJECTED("ins.start_utc = t.s", "t.s"),
  [Q_SC_QUERY_ALL] = "SELECT " SC_COLS " FROM schedule_segment WHERE source_id = $1 "
                     "AND start_utc < $3 AND end_utc > $2 ORDER BY " C_ORDER("agent_id")
                     ", start_utc",
  [Q_SC_QUERY_AGENT] = "SELECT " SC_COLS " FROM schedule_segment WHERE source_id = $1 "
                       "AND agent_id = $4 AND start_utc < $3 AND end_utc > $2 "
                       "ORDER BY start_utc",

  [Q_RULE_SET] = "INSERT INTO activity_rule (source_id, activity, state, verdict, kind) "
                 "VALUES ($1, $2, $3, $4, $5) ON CONFLICT (source_id, activity, state) "
                 "DO UPDATE SET verdict = excluded.verdict, kind = excluded.kind",
  [Q_RULE_LIST] = "SELECT activity, state, verdict, kind FROM activity_rule "
                  "WHERE source_id = $1 ORDER BY " C_ORDER("activity") ", " C_ORDER("state"),

  [Q_RUN_BEGIN] = "INSERT INTO collection_run (source_id, kind, window_from, window_to, "
                  "started, finished, outcome, pages, rows, http_status, error) "
                  "VALUES ($1, $2, $3, $4, $5, 0, 'running', 0, 0, 0, '') RETURNING id",
  [Q_RUN_END] = "UPDATE collection_run SET finished = $2, outcome = $3, pages = $4, "
                "rows = $5, http_status = $6, error = $7 WHERE id = $1",
  /* LIMIT NULL: no limit */
  [Q_RUN_LIST_ALL] = "SELECT " RUN_COLS " FROM collection_run ORDER BY id DESC LIMIT $1",
  [Q_RUN_LIST_SOURCE] = "SELECT " RUN_COLS " FROM collection_run WHERE source_id = $2 "
                        "ORDER BY id DESC LIMIT $1",

  [Q_USER_ADD] = "INSERT INTO web_user (name, pw_hash, created_at) VALUES ($1, $2, $3) "
                 "RETURNING id",
  [Q_USER_SET_PW] = "UPDATE web_user SET pw_hash = $2 WHERE name = $1",
  [Q_USER_GET] = "SELECT id, pw_hash FROM web_user WHERE name = $1",
  [Q_USER_LIST] = "SELECT id, name, created_at FROM web_user ORDER BY " C_ORDER("name"),
  [Q_SESSION_ADD] = "INSERT INTO web_session (id, user_id, csrf, expires_at, created_at) "
                    "VALUES ($1, $2, $3, $4, $5)",
  [Q_SESSION_GET] = "SELECT user_id, csrf FROM web_session WHERE id = $1 AND expires_at > $2",
  [Q_SESSION_DEL] = "DELETE FROM web_session WHERE id = $1",
  [Q_SESSION_EXPIRE] = "DELETE FROM web_session WHERE expires_at <= $1",
  [Q_APIKEY_ADD] = "INSERT INTO api_key (user_id, key_hash, created_at) VALUES ($1, $2, $3)",
  [Q_APIKEY_FIND] = "SELECT user_id FROM api_key WHERE key_hash = $1",

  /* one statement decides, so two instances can never both hold a lease:
   * the row is locked while the WHERE is evaluated on its newest version */
  [Q_LEASE_ACQUIRE] = "INSERT INTO lease (source_id, owner, acquired_at, expires_at) "
                      "VALUES ($1, $2, $3, $3::bigint + $4::bigint) "
                      "ON CONFLICT (source_id) DO UPDATE SET owner = excluded.owner, "
                      "expires_at = excluded.expires_at, acquired_at = CASE "
                      "WHEN lease.owner = excluded.owner THEN lease.acquired_at "
                      "ELSE excluded.acquired_at END "
                      "WHERE lease.owner = excluded.owner OR lease.expires_at <= $3",
  [Q_LEASE_RELEASE] = "DELETE FROM lease WHERE source_id = $1 AND owner = $2",
  [Q_LEASE_RELEASE_ALL] = "DELETE FROM lease WHERE owner = $1",
  [Q_LEASE_LIST] = "SELECT source_id, owner, acquired_at, expires_at FROM lease "
                   "ORDER BY source_id",
  /* LIMIT NULL: no limit */
  [Q_RUN_IN_RANGE] = "SELECT " RUN_COLS " FROM collection_run WHERE source_id = $1 "
                     "AND ($2::text IS NULL OR kind = $2::text) AND window_from < $4 "
                     "AND window_to > $3 ORDER BY id DESC LIMIT $5",

  [Q_SESSION_DEL_USER] = "DELETE FROM web_session WHERE user_id = $1",
  [Q_APIKEY_DEL_USER] = "DELETE FROM api_key WHERE user_id = $1",
  /* sessions and API keys go with the user (ON DELETE CASCADE) */
  [Q_USER_DEL] = "DELETE FROM web_user WHERE name = $1",

  /* planning (issue 12); a repeated (queue, start) in one upsert batch is
   * refused by PostgreSQL ("cannot affect row a second time"), and the
   * caller's validation refuses it first */
  [Q_IV_UPSERT] =
    "INSERT INTO interval_volume (source_id, queue_id, start_utc, entered, accepted, "
    "abandoned, handle_time_s, wait_time_s, final, updated_at) "
    "SELECT $1::bigint, q, s, e, a, ab, h, w, f, u FROM unnest($2::text[], $3::bigint[], "
    "$4::bigint[], $5::bigint[], $6::bigint[], $7::bigint[], $8::bigint[], $9::bigint[], "
    "$10::bigint[]) AS t(q, s, e, a, ab, h, w, f, u) "
    "ON CONFLICT (source_id, queue_id, start_utc) DO UPDATE SET "
    "entered = excluded.entered, accepted = excluded.accepted, "
    "abandoned = excluded.abandoned, handle_time_s = excluded.handle_time_s, "
    "wait_time_s = excluded.wait_time_s, final = excluded.final, "
    "updated_at = excluded.updated_at",
  [Q_VI_ADD] = "INSERT INTO volume_import (source_id, queue_id, from_utc, to_utc, imported_at) "
               "VALUES ($1, $2, $3, $4, $5)",
  [Q_VI_QUERY_ALL] = "SELECT queue_id, from_utc, to_utc, imported_at FROM volume_import "
                     "WHERE source_id = $1 AND from_utc < $3 AND to_utc > $2 "
                     "ORDER BY from_utc, " C_ORDER("queue_id"),
  [Q_VI_QUERY_QUEUE] = "SELECT queue_id, from_utc, to_utc, imported_at FROM volume_import "
                       "WHERE source_id = $1 AND from_utc < $3 AND to_utc > $2 "
                       "AND queue_id = $4 ORDER BY from_utc",
  [Q_SD_SET] = "INSERT INTO forecast_special_day (source_id, queue_id, day, exclude, "
               "factor_milli) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (source_id, queue_id, day) "
               "DO UPDATE SET exclude = excluded.exclude, factor_milli = excluded.factor_milli",
  [Q_SD_DEL] = "DELETE FROM forecast_special_day WHERE source_id = $1 AND queue_id = $2 "
               "AND day = $3",
  [Q_SD_LIST] = "SELECT queue_id, day, exclude, factor_milli FROM forecast_special_day "
                "WHERE source_id = $1 ORDER BY day, " C_ORDER("queue_id"),
  [Q_FC_DEL_NAME] = "DELETE FROM forecast_saved WHERE source_id = $1 AND name = $2",
  [Q_FC_ADD] = "INSERT INTO forecast_saved (source_id, name, created_at, as_of, from_utc, "
               "to_utc) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
  [Q_FC_VALUE_ADD] = "INSERT INTO forecast_value (saved_id, queue_id, start_utc, volume_x10, "
                     "aht_x10, method) SELECT $1::bigint, q, s, v, a, m FROM unnest($2::text[], "
                     "$3::bigint[], $4::bigint[], $5::bigint[], $6::text[]) AS t(q, s, v, a, m)",
  [Q_FC_LIST] = "SELECT id, name, created_at, as_of, from_utc, to_utc FROM forecast_saved "
                "WHERE source_id = $1 ORDER BY created_at DESC, id DESC",
  [Q_FC_VALUES_ALL] = "SELECT queue_id, start_utc, volume_x10, aht_x10, method "
                      "FROM forecast_value WHERE saved_id = $1 AND start_utc >= $2 "
                      "AND start_utc < $3 ORDER BY start_utc, " C_ORDER("queue_id"),
  [Q_FC_VALUES_QUEUE] = "SELECT queue_id, start_utc, volume_x10, aht_x10, method "
                        "FROM forecast_value WHERE saved_id = $1 AND start_utc >= $2 "
                        "AND start_utc < $3 AND queue_id = $4 ORDER BY start_utc",
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

static void p_text(pg_params *p, const char *v)
{
  p->v[p->n++] = v ? v : "";
}

static void p_i64(pg_params *p, int64_t v)
{
  snprintf(p->num[p->n], sizeof(p->num[0]), "%lld", (long long)v);
  p->v[p->n] = p->num[p->n];
  p->n++;
}

static void p_null(pg_params *p)
{
  p->v[p->n++] = NULL;
}

static void p_end(pg_params *p, int64_t end)
{
  if (end == WL_OPEN_END)
    p_null(p);
  else
    p_i64(p, end);
}

static void p_bytes(pg_params *p, const unsigned char *b, size_t len)
{
  p->v[p->n] = (const char *)b;
  p->len[p->n] = (int)len;
  p->fmt[p->n] = 1; /* binary: embedded NULs survive */
  p->n++;
}

static void cmds_clear(pg_cmd *c, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    PQclear(c[i].res);
    c[i].res = NULL;
    for (int j = 0; j < PG_MAXP; j++) {
      free(c[i].p.owned[j]);
      c[i].p.owned[j] = NULL;
    }
  }
}

/* Array parameters: one text-format literal per column, "{e1,e2,...}". */
typedef struct arrays {
  int n;
  wl_buf col[PG_MAXP];
} arrays;

static void arrays_init(arrays *a, int n)
{
  a->n = n;
  for (int i = 0; i < n; i++)
    wl_buf_init(&a->col[i], ARRAY_MAX);
}

static void arrays_free(arrays *a)
{
  for (int i = 0; i < a->n; i++)
    wl_buf_free(&a->col[i]);
}

static int arr_i64(arrays *a, int c, int64_t v)
{
  wl_buf *b = &a->col[c];
  return wl_buf_printf(b, "%s%lld", b->len ? "," : "{", (long long)v);
}

/* Elements are quoted, with " and \ escaped, so any text survives. */
static int arr_text(arrays *a, int c, const char *v)
{
  wl_buf *b = &a->col[c];
  int rc = wl_buf_puts(b, b->len ? ",\"" : "{\"");
  for (const char *p = v ? v : ""; rc == 0 && *p; p++) {
    const char *run = p;
    while (*p && *p != '"' && *p != '\\')
      p++;
    rc = wl_buf_append(b, run, (size_t)(p - run));
    if (rc == 0 && *p)
      rc = wl_buf_printf(b, "\\%c", *p);
    if (!*p)
      break;
  }
  return rc == 0 ? wl_buf_puts(b, "\"") : rc;
}

/* Closes the literals and hands them to the command's parameters (from
 * position `first`, which must be the next one). */
static int arrays_bind(arrays *a, pg_params *p)
{
  for (int i = 0; i < a->n; i++) {
    int rc = wl_buf_puts(&a->col[i], a->col[i].len ? "}" : "{}");
    if (rc != 0)
      return rc;
  }
  for (int i = 0; i < a->n; i++) {
    p->owned[p->n] = wl_buf_detach(&a->col[i]);
    p->v[p->n] = p->owned[p->n];
    p->n++;
  }
  return 0;
}

/* ---- results --------------------------------------------------------- */

static const char *col_text(const PGresult *r, int row, int c)
{
  return PQgetisnull(r, row, c) ? "" : PQgetvalue(r, row, c);
}

static int64_t col_i64(const PGresult *r, int row, int c)
{
  return strtoll(PQgetvalue(r, row, c), NULL, 10);
}

static int64_t col_end(const PGresult *r, int row, int c)
{
  return PQgetisnull(r, row, c) ? WL_OPEN_END : col_i64(r, row, c);
}

static void col_copy(char *dst, size_t n, const PGresult *r, int row, int c)
{
  snprintf(dst, n, "%s", col_text(r, row, c));
}

/* Rows a write changed. */
static long changes(const PGresult *r)
{
  return strtol(PQcmdTuples((PGresult *)r), NULL, 10);
}

/* The SQLSTATE of the first command that failed, "" when none did. */
static const char *failed_state(const pg_cmd *c, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    if (c[i].res && PQresultStatus(c[i].res) == PGRES_FATAL_ERROR) {
      const char *st = PQresultErrorField(c[i].res, PG_DIAG_SQLSTATE);
      return st ? st : "";
    }
  }
  return "";
}

#define UNIQUE_VIOLATION "23505"
#define FK_VIOLATION "23503"

static int is_state(const pg_cmd *c, size_t n, const char *state)
{
  return strcmp(failed_state(c, n), state) == 0;
}

typedef int (*emit_fn)(const PGresult *r, int row, void *ctx);

static int each_row(const PGresult *r, emit_fn emit, void *ctx)
{
  for (int i = 0; i < PQntuples(r); i++) {
    int rc = emit(r, i, ctx);
    if (rc != 0)
      return rc;
  }
  return 0;
}

/* ---- errors and the connection --------------------------------------- */

/* After a failure: a broken connection also ends the transaction. */
static int conn_broken(pg_store *s)
{
  if (PQstatus(s->conn) == CONNECTION_OK)
    return 0;
  if (s->depth > 0 && s->in_tx)
    s->lost = 1;
  s->in_tx = 0;
  return 1;
}

static int pg_fail(pg_store *s, const PGresult *r, const char *what)
{
  char reason[512];
  if (conn_broken(s))
    return wl_err(WL_EFAIL, "database connection lost: %s",
                  wl_pg_reason(reason, sizeof(reason), NULL, s->conn));
  return wl_err(WL_EFAIL, "database %s: %s: %s", s->where, what,
                wl_pg_reason(reason, sizeof(reason), r, s->conn));
}

/* Before every call: reconnects once when the connection is gone. */
static int pg_ready(pg_store *s)
{
  char reason[512];
  if (s->lost)
    return wl_err(WL_EFAIL, "database connection lost: the open transaction was rolled back "
                            "by the server; end it before retrying");
  if (PQstatus(s->conn) == CONNECTION_OK)
    return 0;
  if (conn_broken(s) && s->lost)
    return wl_err(WL_EFAIL, "database connection lost: the open transaction was rolled back "
                            "by the server; end it before retrying");
  PQreset(s->conn);
  memset(s->prepared, 0, sizeof(s->prepared));
  if (PQstatus(s->conn) != CONNECTION_OK)
    return wl_err(WL_EFAIL, "database connection lost: %s",
                  wl_pg_reason(reason, sizeof(reason), NULL, s->conn));
  if (PQpipelineStatus(s->conn) != PQ_PIPELINE_OFF)
    PQexitPipelineMode(s->conn);
  wl_info("store", "reconnected to %s", s->where);
  return 0;
}

static int prepare(pg_store *s, enum pq_id id)
{
  char name[16];
  PGresult *r;
  int rc = 0;
  if (s->prepared[id])
    return 0;
  snprintf(name, sizeof(name), "wl%d", (int)id);
  r = PQprepare(s->conn, name, sql_text[id], 0, NULL);
  if (PQresultStatus(r) == PGRES_COMMAND_OK)
    s->prepared[id] = 1;
  else
    rc = pg_fail(s, r, "cannot prepare a statement");
  PQclear(r);
  return rc;
}

/* Runs static control SQL (BEGIN, COMMIT, ...); the result's command tag
 * goes to tag when asked for. */
static int exec_ctl(pg_store *s, const char *sql, char *tag, size_t taglen)
{
  PGresult *r = PQexec(s->conn, sql);
  int rc = 0;
  if (PQresultStatus(r) != PGRES_COMMAND_OK)
    rc = pg_fail(s, r, "transaction control failed");
  else if (tag)
    snprintf(tag, taglen, "%s", PQcmdStatus(r));
  PQclear(r);
  return rc;
}

/* ---- pipelines ------------------------------------------------------- */

/* One statement of a pipeline: control SQL or a prepared command. */
typedef struct item {
  const char *sql;
  pg_cmd *cmd;
  PGresult *res;
} item;

static int send_item(pg_store *s, const item *it)
{
  char name[16];
  const pg_params *p;
  if (it->sql)
    return PQsendQueryParams(s->conn, it->sql, 0, NULL, NULL, NULL, NULL, 0);
  p = &it->cmd->p;
  snprintf(name, sizeof(name), "wl%d", (int)it->cmd->id);
  return PQsendQueryPrepared(s->conn, name, p->n, p->v, p->len, p->fmt, 0);
}

/* Reads one statement's result (and the NULL that ends it). */
static PGresult *read_item(pg_store *s)
{
  PGresult *r = PQgetResult(s->conn), *tail;
  if (!r || PQresultStatus(r) == PGRES_PIPELINE_SYNC)
    return r;
  while ((tail = PQgetResult(s->conn)) != NULL) { /* not expected: one result each */
    PQclear(tail);
    if (PQstatus(s->conn) != CONNECTION_OK)
      break;
  }
  return r;
}

static int item_ok(const PGresult *r)
{
  ExecStatusType st = PQresultStatus(r);
  return r && (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK);
}

/* Reads the results of items [from, to) and the Sync after them; returns
 * the index of the first failed item, or `to` when all succeeded. */
static size_t read_segment(pg_store *s, item *items, size_t from, size_t to)
{
  size_t bad = to;
  PGresult *r;
  for (size_t i = from; i < to; i++) {
    items[i].res = read_item(s);
    if (bad == to && !item_ok(items[i].res))
      bad = i;
    if (!items[i].res) /* the connection went: nothing more will come */
      return bad;
  }
  while ((r = PQgetResult(s->conn)) != NULL) { /* the Sync */
    ExecStatusType st = PQresultStatus(r);
    PQclear(r);
    if (st == PGRES_PIPELINE_SYNC)
      break;
  }
  return bad;
}

/* A Sync every so many statements keeps both socket buffers from filling
 * (libpq blocks while sending, the server while replying). Inside BEGIN or
 * SAVEPOINT an intermediate Sync commits nothing. */
#define PIPE_CHUNK 256

/* Sends the items as one pipeline and reads every result; returns the
 * index of the first failed item, or n. */
static size_t pipeline_items(pg_store *s, item *items, size_t n)
{
  size_t sent = 0, done = 0, bad = n;
  if (!PQenterPipelineMode(s->conn))
    return 0;
  while (sent < n && bad == n) {
    size_t end = sent + PIPE_CHUNK < n ? sent + PIPE_CHUNK : n;
    while (sent < end && send_item(s, &items[sent]))
      sent++;
    if (sent < end) { /* a send failed: the connection is gone */
      bad = sent;
      break;
    }
    if (!PQpipelineSync(s->conn)) {
      bad = done;
      break;
    }
    bad = read_segment(s, items, done, sent);
    if (bad != sent)
      break;
    bad = n;
    done = sent;
  }
  PQexitPipelineMode(s->conn);
  return bad;
}

/* ---- units: atomic groups of commands -------------------------------- */

/* Sees the results of a unit that succeeded; a non-zero return undoes it. */
typedef int (*unit_check)(pg_store *s, pg_cmd *cmds, size_t n, void *ctx);

#define SP_BEGIN "SAVEPOINT wl_step"
#define SP_END "RELEASE SAVEPOINT wl_step"
#define SP_UNDO "ROLLBACK TO SAVEPOINT wl_step; RELEASE SAVEPOINT wl_step"

/* A batch that failed inside the caller's transaction dooms it, as in
 * SQLite (its outer commit rolls back). */
static int batch_failed(pg_store *s, int rc)
{
  if (s->depth > 0)
    s->doomed = 1;
  return rc;
}

static void unit_undo(pg_store *s)
{
  if (PQstatus(s->conn) != CONNECTION_OK) {
    conn_broken(s);
    return;
  }
  if (s->depth > 0 && s->in_tx)
    PQclear(PQexec(s->conn, SP_UNDO));
  else if (s->depth == 0 && PQtransactionStatus(s->conn) != PQTRANS_IDLE)
    PQclear(PQexec(s->conn, "ROLLBACK"));
}

/* Runs the commands as one pipeline; without a check, the closing COMMIT
 * or RELEASE rides along. Returns the first failure. */
static int unit_send(pg_store *s, pg_cmd *cmds, size_t n, int closed, const char *what)
{
  item *items = calloc(n + 3, sizeof(*items));
  size_t k = 0, bad;
  int rc = 0, begin_at = -1;
  if (!items)
    return wl_err(WL_ENOMEM, "out of memory running a batch");
  if (s->depth == 0 || !s->in_tx) {
    begin_at = (int)k;
    items[k++].sql = "BEGIN";
  }
  if (s->depth > 0)
    items[k++].sql = SP_BEGIN;
  for (size_t i = 0; i < n; i++)
    items[k++].cmd = &cmds[i];
  if (closed)
    items[k++].sql = s->depth == 0 ? "COMMIT" : SP_END;
  bad = pipeline_items(s, items, k);
  if (s->depth > 0 && begin_at >= 0 && items[begin_at].res && item_ok(items[begin_at].res))
    s->in_tx = 1;
  if (bad < k)
    rc = pg_fail(s, items[bad].res, what);
  for (size_t i = 0; i < k; i++) {
    if (items[i].cmd)
      items[i].cmd->res = items[i].res;
    else
      PQclear(items[i].res);
  }
  free(items);
  return rc;
}

/* Runs cmds atomically: alone in a transaction of their own, or under a
 * savepoint inside the caller's. check (may be NULL) vets the results before
 * anything is kept. Results stay in cmds[i].res, also after a failure, so the
 * caller can tell a constraint from the rest (failed_state). */
static int unit_run(pg_store *s, pg_cmd *cmds, size_t n, unit_check check, void *ctx,
                    const char *what)
{
  int rc = pg_ready(s);
  for (size_t i = 0; rc == 0 && i < n; i++)
    rc = prepare(s, cmds[i].id);
  if (rc != 0)
    return rc;
  if (s->depth == 0 && n == 1 && !check) { /* autocommit is atomic */
    const pg_params *p = &cmds[0].p;
    char name[16];
    ExecStatusType st;
    snprintf(name, sizeof(name), "wl%d", (int)cmds[0].id);
    cmds[0].res = PQexecPrepared(s->conn, name, p->n, p->v, p->len, p->fmt, 0);
    st = PQresultStatus(cmds[0].res);
    return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK ? 0 : pg_fail(s, cmds[0].res, what);
  }
  rc = unit_send(s, cmds, n, !check, what);
  if (rc == 0 && check && (rc = check(s, cmds, n, ctx)) == 0)
    rc = exec_ctl(s, s->depth == 0 ? "COMMIT" : SP_END, NULL, 0);
  if (rc != 0)
    unit_undo(s);
  return rc;
}

/* One statement: runs it, leaving the result in c->res. */
static int run1(pg_store *s, pg_cmd *c, const char *what)
{
  return unit_run(s, c, 1, NULL, NULL, what);
}

/* One query whose rows go to emit. */
static int query(pg_store *s, pg_cmd *c, emit_fn emit, void *ctx, const char *what)
{
  int rc = run1(s, c, what);
  if (rc == 0)
    rc = each_row(c->res, emit, ctx);
  cmds_clear(c, 1);
  return rc;
}

/* ---- transactions ---------------------------------------------------- */

static int pg_begin(wl_store *st)
{
  pg_store *s = PG(st);
  if (s->depth == 0) { /* BEGIN itself goes out with the first statement */
    s->doomed = 0;
    s->in_tx = 0;
    s->lost = 0;
  }
  s->depth++;
  return 0;
}

/* Ends the outermost transaction: commits it, or rolls it back. */
static int tx_finish(pg_store *s, int commit)
{
  int doomed = s->doomed, lost = s->lost, in_tx = s->in_tx, rc = 0;
  char tag[32] = "";
  s->doomed = s->lost = s->in_tx = 0;
  if (lost)
    return commit ? wl_err(WL_EFAIL, "database connection lost: the transaction was rolled "
                                     "back and nothing was saved") : 0;
  if (in_tx && (doomed || !commit) && PQstatus(s->conn) == CONNECTION_OK)
    PQclear(PQexec(s->conn, "ROLLBACK"));
  if (commit && doomed)
    return wl_err(WL_EFAIL, "database %s: transaction rolled back because a step inside it "
                            "failed", s->where);
  if (!commit || !in_tx)
    return 0;
  rc = exec_ctl(s, "COMMIT", tag, sizeof(tag));
  if (rc == 0 && strcmp(tag, "COMMIT") != 0) /* the server rolled back instead */
    rc = wl_err(WL_EFAIL, "database %s: the transaction was lost and nothing was saved",
                s->where);
  return rc;
}

static int pg_commit(wl_store *st)
{
  pg_store *s = PG(st);
  if (s->depth == 0)
    return wl_err(WL_EUSAGE, "commit without a transaction");
  if (--s->depth > 0)
    return 0;
  return tx_finish(s, 1);
}

static int pg_rollback(wl_store *st)
{
  pg_store *s = PG(st);
  if (s->depth == 0)
    return 0;
  if (--s->depth > 0) {
    s->doomed = 1;
    return 0;
  }
  return tx_finish(s, 0);
}

/* ---- sources --------------------------------------------------------- */

static void bind_source(pg_params *p, const wl_source *src)
{
  p_text(p, src->name);
  p_text(p, src->vendor);
  p_text(p, src->base_url);
  p_text(p, src->tenant);
  p_text(p, src->hist_base_url);
  p_text(p, src->hist_tenant);
  p_i64(p, src->interval_s);
  p_text(p, src->timezone);
  p_i64(p, src->enabled ? 1 : 0);
}

static void read_source(wl_source *out, const PGresult *r, int row)
{
  memset(out, 0, sizeof(*out));
  out->id = col_i64(r, row, 0);
  col_copy(out->name, sizeof(out->name), r, row, 1);
  col_copy(out->vendor, sizeof(out->vendor), r, row, 2);
  col_copy(out->base_url, sizeof(out->base_url), r, row, 3);
  col_copy(out->tenant, sizeof(out->tenant), r, row, 4);
  col_copy(out->hist_base_url, sizeof(out->hist_base_url), r, row, 5);
  col_copy(out->hist_tenant, sizeof(out->hist_tenant), r, row, 6);
  out->has_token = (int)col_i64(r, row, 7);
  out->has_hist_token = (int)col_i64(r, row, 8);
  out->token_changed_at = col_i64(r, row, 9);
  out->hist_token_changed_at = col_i64(r, row, 10);
  out->interval_s = (int)col_i64(r, row, 11);
  col_copy(out->timezone, sizeof(out->timezone), r, row, 12);
  out->enabled = (int)col_i64(r, row, 13);
  out->created_at = col_i64(r, row, 14);
  out->updated_at = col_i64(r, row, 15);
}

static int source_write_rc(pg_cmd *c, int rc, const wl_source *src)
{
  if (rc != 0 && is_state(c, 1, UNIQUE_VIOLATION))
    return wl_err(WL_EEXISTS, "a source named '%s' already exists", src->name);
  return rc;
}

static int pg_source_add(wl_store *st, wl_source *src)
{
  pg_cmd c = {.id = Q_SOURCE_ADD};
  int rc;
  if (!src->name[0])
    return wl_err(WL_EUSAGE, "a source needs a name");
  bind_source(&c.p, src);
  p_i64(&c.p, src->created_at);
  p_i64(&c.p, src->updated_at);
  rc = source_write_rc(&c, run1(PG(st), &c, "cannot add the source"), src);
  if (rc == 0)
    src->id = col_i64(c.res, 0, 0);
  cmds_clear(&c, 1);
  return rc;
}

static int pg_source_update(wl_store *st, const wl_source *src)
{
  pg_cmd c = {.id = Q_SOURCE_UPDATE};
  int rc;
  if (!src->name[0])
    return wl_err(WL_EUSAGE, "a source needs a name");
  bind_source(&c.p, src);
  p_i64(&c.p, src->updated_at);
  p_i64(&c.p, src->id);
  rc = source_write_rc(&c, run1(PG(st), &c, "cannot update the source"), src);
  if (rc == 0 && changes(c.res) == 0)
    rc = wl_err(WL_ENOTFOUND, "no source with id %lld", (long long)src->id);
  cmds_clear(&c, 1);
  return rc;
}

/* One source row by name or id; WL_ENOTFOUND when there is none. */
static int source_fetch(pg_store *s, wl_source *out, const char *name, int64_t sid)
{
  pg_cmd c = {.id = name ? Q_SOURCE_BY_NAME : Q_SOURCE_BY_ID};
  int rc;
  if (name)
    p_text(&c.p, name);
  else
    p_i64(&c.p, sid);
  rc = run1(s, &c, "cannot read the source");
  if (rc == 0 && PQntuples(c.res) > 0)
    read_source(out, c.res, 0);
  else if (rc == 0 && name)
    rc = wl_err(WL_ENOTFOUND, "no source named '%s'", name);
  else if (rc == 0)
    rc = wl_err(WL_ENOTFOUND, "no source with id %lld", (long long)sid);
  cmds_clear(&c, 1);
  return rc;
}

static int pg_source_get(wl_store *st, wl_source *out, const char *name)
{
  return source_fetch(PG(st), out, name ? name : "", 0);
}

static int pg_source_get_by_id(wl_store *st, wl_source *out, int64_t id)
{
  return source_fetch(PG(st), out, NULL, id);
}

struct source_ctx {
  wl_source_cb cb;
  void *payload;
};

static int emit_source(const PGresult *r, int row, void *ctx)
{
  struct source_ctx *c = ctx;
  wl_source src;
  read_source(&src, r, row);
  return c->cb(c->payload, &src);
}

static int pg_source_list(wl_store *st, wl_source_cb cb, void *payload)
{
  struct source_ctx ctx = {cb, payload};
  pg_cmd c = {.id = Q_SOURCE_LIST};
  return query(PG(st), &c, emit_source, &ctx, "cannot list sources");
}

static int pg_source_remove(wl_store *st, int64_t id)
{
  pg_store *s = PG(st);
  pg_cmd c = {.id = Q_SOURCE_DEL};
  int rc;
  p_i64(&c.p, id);
  rc = run1(s, &c, "cannot remove the source");
  if (rc == 0 && col_i64(c.res, 0, 0) == 0)
    rc = wl_err(WL_ENOTFOUND, "no source with id %lld", (long long)id);
  cmds_clear(&c, 1);
  return rc == 0 ? 0 : batch_failed(s, rc);
}

/* ---- tokens ---------------------------------------------------------- */

static int pg_token_set(wl_store *st, int64_t source_id, enum wl_token_kind kind,
                        const unsigned char *blob, size_t len, int64_t now)
{
  pg_cmd c = {.id = kind == WL_TOKEN_HIST ? Q_TOKEN_SET_HIST : Q_TOKEN_SET_RT};
  int rc;
  if (blob && len > (size_t)INT32_MAX)
    return wl_err(WL_EUSAGE, "token blob too large");
  p_i64(&c.p, source_id);
  if (blob) /* NULL clears the token */
    p_bytes(&c.p, blob, len);
  else
    p_null(&c.p);
  p_i64(&c.p, now);
  rc = run1(PG(st), &c, "cannot store the token");
  if (rc == 0 && changes(c.res) == 0)
    rc = wl_err(WL_ENOTFOUND, "no source with id %lld", (long long)source_id);
  cmds_clear(&c, 1);
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
  p_i64(&c.p, source_id);
  rc = run1(PG(st), &c, "cannot read the token");
  if (rc == 0 && PQntuples(c.res) == 0)
    rc = wl_err(WL_ENOTFOUND, "no source with id %lld", (long long)source_id);
  else if (rc == 0 && PQgetisnull(c.res, 0, 0))
    rc = wl_err(WL_ENOTFOUND, "source %lld has no %s token", (long long)source_id,
                kind == WL_TOKEN_HIST ? "historical" : "real-time");
  else if (rc == 0)
    rc = copy_blob(out, len, c.res);
  cmds_clear(&c, 1);
  return rc;
}

/* ---- settings -------------------------------------------------------- */

static int pg_setting_set(wl_store *st, int64_t source_id, const char *key, const char *value)
{
  pg_cmd c = {.id = value ? Q_SETTING_SET : Q_SETTING_DEL}; /* NULL unsets */
  int rc;
  if (!key || !*key)
    return wl_err(WL_EUSAGE, "a setting needs a key");
  p_i64(&c.p, source_id);
  p_text(&c.p, key);
  if (value)
    p_text(&c.p, value);
  rc = run1(PG(st), &c, "cannot store the setting");
  cmds_clear(&c, 1);
  return rc;
}

static int pg_setting_get(wl_store *st, char *out, size_t outlen, int64_t source_id,
                          const char *key)
{
  pg_cmd c = {.id = Q_SETTING_GET};
  int rc;
  p_i64(&c.p, source_id);
  p_text(&c.p, key);
  rc = run1(PG(st), &c, "cannot read the setting");
  if (rc == 0 && PQntuples(c.res) > 0) {
    const char *v = col_text(c.res, 0, 0);
    size_t len = strlen(v);
    if (len >= outlen)
      rc = wl_err(WL_EFAIL, "setting '%s' is longer than %zu bytes", key, outlen ? outlen - 1 : 0);
    else
      memcpy(out, v, len + 1);
  } else if (rc == 0) {
    rc = wl_err(WL_ENOTFOUND, "setting '%s' is not set", key ? key : "");
  }
  cmds_clear(&c, 1);
  return rc;
}

struct setting_ctx {
  wl_setting_cb cb;
  void *payload;
};

static int emit_setting(const PGresult *r, int row, void *ctx)
{
  struct setting_ctx *c = ctx;
  return c->cb(c->payload, col_text(r, row, 0), col_text(r, row, 1));
}

static int pg_setting_list(wl_store *st, int64_t source_id, wl_setting_cb cb, void *payload)
{
  struct setting_ctx ctx = {cb, payload};
  pg_cmd c = {.id = Q_SETTING_LIST};
  p_i64(&c.p, source_id);
  return query(PG(st), &c, emit_setting, &ctx, "cannot list settings");
}

/* ---- queues and agents ----------------------------------------------- */

/* Rows of the queue or agent batch: both tables are (source, ext_id, two
 * texts). */
typedef struct named_rows {
  const void *rows;
  size_t n, stride;
  size_t off_id, off_a, off_b;
} named_rows;

static const char *field(const named_rows *nr, size_t i, size_t off)
{
  return *(const char *const *)((const char *)nr->rows + i * nr->stride + off);
}

/* SQLite stores row by row and stops at the first row without an id, after
 * the rows before it; the same order of failures here: the valid prefix is
 * sent, and a bad row is reported only if the prefix went in. */
struct upsert_ctx {
  const named_rows *nr;
  size_t bad;
  const char *what;
};

static int upsert_check(pg_store *s, pg_cmd *cmds, size_t n, void *ctx)
{
  struct upsert_ctx *u = ctx;
  (void)s, (void)cmds, (void)n;
  return wl_err(WL_EUSAGE, "%s: row %zu has no id", u->what, u->bad + 1);
}

static int upsert_named(pg_store *s, enum pq_id id, int64_t source_id, const named_rows *nr,
                        const char *what)
{
  struct upsert_ctx u = {nr, nr->n, what};
  pg_cmd *cmds;
  int rc;
  if (nr->n == 0)
    return 0;
  for (size_t i = 0; i < nr->n && u.bad == nr->n; i++)
    if (!field(nr, i, nr->off_id) || !*field(nr, i, nr->off_id))
      u.bad = i;
  if (u.bad == 0)
    return batch_failed(s, upsert_check(s, NULL, 0, &u));
  if (!(cmds = calloc(u.bad, sizeof(*cmds))))
    return wl_err(WL_ENOMEM, "out of memory storing rows");
  for (size_t i = 0; i < u.bad; i++) {
    cmds[i].id = id;
    p_i64(&cmds[i].p, source_id);
    p_text(&cmds[i].p, field(nr, i, nr->off_id));
    p_text(&cmds[i].p, field(nr, i, nr->off_a));
    p_text(&cmds[i].p, field(nr, i, nr->off_b));
  }
  rc = unit_run(s, cmds, u.bad, u.bad < nr->n ? upsert_check : NULL, &u, what);
  if (rc != 0 && is_state(cmds, u.bad, FK_VIOLATION))
    rc = wl_err(WL_ENOTFOUND, "%s: the source does not exist", what);
  cmds_clear(cmds, u.bad);
  free(cmds);
  return rc == 0 ? 0 : batch_failed(s, rc);
}

static int pg_queues_upsert(wl_store *st, int64_t source_id, const wl_queue_row *rows, size_t n)
{
  named_rows nr = {rows, n, sizeof(*rows), offsetof(wl_queue_row, queue_id),
                   offsetof(wl_queue_row, name), offsetof(wl_queue_row, media_type)};
  return upsert_named(PG(st), Q_QUEUE_UPSERT, source_id, &nr, "cannot store queues");
}

static int pg_agents_upsert(wl_store *st, int64_t source_id, const wl_agent_row *rows, size_t n)
{
  named_rows nr = {rows, n, sizeof(*rows), offsetof(wl_agent_row, agent_id),
                   offsetof(wl_agent_row, name), offsetof(wl_agent_row, group_id)};
  return upsert_named(PG(st), Q_AGENT_UPSERT, source_id, &nr, "cannot store agents");
}

struct queue_ctx {
  wl_queue_cb cb;
  void *payload;
};

static int emit_queue(const PGresult *r, int row, void *ctx)
{
  struct queue_ctx *c = ctx;
  wl_queue_row q = {col_text(r, row, 0), col_text(r, row, 1), col_text(r, row, 2)};
  return c->cb(c->payload, &q);
}

struct agent_ctx {
  wl_agent_cb cb;
  void *payload;
};

static int emit_agent(const PGresult *r, int row, void *ctx)
{
  struct agent_ctx *c = ctx;
  wl_agent_row a = {col_text(r, row, 0), col_text(r, row, 1), col_text(r, row, 2)};
  return c->cb(c->payload, &a);
}

/* A query whose only parameter is the source id. */
static int list_for_source(pg_store *s, enum pq_id id, int64_t source_id, emit_fn emit,
                           void *ctx, const char *what)
{
  pg_cmd c = {.id = id};
  p_i64(&c.p, source_id);
  return query(s, &c, emit, ctx, what);
}

static int pg_queues_list(wl_store *st, int64_t source_id, wl_queue_cb cb, void *payload)
{
  struct queue_ctx c = {cb, payload};
  return list_for_source(PG(st), Q_QUEUE_LIST, source_id, emit_queue, &c, "cannot list queues");
}

static int pg_agents_list(wl_store *st, int64_t source_id, wl_agent_cb cb, void *payload)
{
  struct agent_ctx c = {cb, payload};
  return list_for_source(PG(st), Q_AGENT_LIST, source_id, emit_agent, &c, "cannot list agents");
}

static int pg_agent_get(wl_store *st, wl_agent_row *out_unused, int64_t source_id,
                        const char *agent_id)
{
  pg_cmd c = {.id = Q_AGENT_GET};
  int rc;
  (void)out_unused;
  p_i64(&c.p, source_id);
  p_text(&c.p, agent_id);
  rc = run1(PG(st), &c, "cannot read the agent");
  if (rc == 0 && PQntuples(c.res) == 0)
    rc = wl_err(WL_ENOTFOUND, "no agent '%s' in source %lld", agent_id ? agent_id : "",
                (long long)source_id);
  cmds_clear(&c, 1);
  return rc;
}

/* ---- window replaces (intervals, states, schedule) ------------------- */

static int check_window(int64_t from, int64_t to)
{
  if (from >= to)
    return wl_err(WL_EUSAGE, "empty window [%lld, %lld)", (long long)from, (long long)to);
  return 0;
}

/* The 1-based position of the row the last (insert) command refused, 0
 * when none was. */
static size_t rejected_row(const pg_cmd *ins)
{
  if (!ins->res || PQntuples(ins->res) == 0 || PQgetisnull(ins->res, 0, 0))
    return 0;
  return (size_t)col_i64(ins->res, 0, 0);
}

/* Runs a window replace: clearing commands, then (with rows) the insert as
 * the last command, whose refusal the check turns into the caller's error. */
static int replace_run(pg_store *s, pg_cmd *cmds, size_t ncmds, unit_check check, void *ctx,
                       int64_t source_id, const char *what)
{
  int rc = unit_run(s, cmds, ncmds, check, ctx, what);
  if (rc != 0 && is_state(cmds, ncmds, FK_VIOLATION))
    rc = wl_err(WL_ENOTFOUND, "no source with id %lld", (long long)source_id);
  cmds_clear(cmds, ncmds);
  return rc == 0 ? 0 : batch_failed(s, rc);
}

static int iv_check_rows(int64_t from, int64_t to, const wl_interval_row *rows, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    if (!rows[i].queue_id || !*rows[i].queue_id)
      return wl_err(WL_EUSAGE, "interval row %zu has no queue id", i + 1);
    if (rows[i].start_utc < from || rows[i].start_utc >= to)
      return wl_err(WL_EUSAGE, "interval row %zu (queue %s, start %lld) lies outside the "
                               "window [%lld, %lld)", i + 1, rows[i].queue_id,
                    (long long)rows[i].start_utc, (long long)from, (long long)to);
  }
  return 0;
}

static int iv_arrays(pg_params *p, const wl_interval_row *rows, size_t n)
{
  arrays a;
  int rc = 0;
  arrays_init(&a, 9);
  for (size_t i = 0; rc == 0 && i < n; i++) {
    const wl_interval_row *r = &rows[i];
    int64_t v[8] = {r->start_utc, r->entered, r->accepted, r->abandoned, r->handle_time_s,
                    r->wait_time_s, r->final ? 1 : 0, r->updated_at};
    rc = arr_text(&a, 0, r->queue_id);
    for (int c = 0; rc == 0 && c < 8; c++)
      rc = arr_i64(&a, c + 1, v[c]);
  }
  if (rc == 0)
    rc = arrays_bind(&a, p);
  arrays_free(&a);
  return rc;
}

static int iv_check(pg_store *s, pg_cmd *cmds, size_t n, void *ctx)
{
  const wl_interval_row *rows = ctx;
  size_t bad = rejected_row(&cmds[n - 1]);
  (void)s;
  if (bad == 0)
    return 0;
  return wl_err(WL_EUSAGE, "duplicate interval row for queue %s at %lld", rows[bad - 1].queue_id,
                (long long)rows[bad - 1].start_utc);
}

static int pg_intervals_replace(wl_store *st, int64_t source_id, int64_t from, int64_t to,
                                const wl_interval_row *rows, size_t n)
{
  pg_store *s = PG(st);
  pg_cmd cmds[2] = {{.id = Q_IV_DEL_WINDOW}, {.id = Q_IV_INSERT}};
  int rc;
  if ((rc = check_window(from, to)) != 0 || (rc = iv_check_rows(from, to, rows, n)) != 0)
    return rc;
  p_i64(&cmds[0].p, source_id);
  p_i64(&cmds[0].p, from);
  p_i64(&cmds[0].p, to);
  if (n > 0) {
    p_i64(&cmds[1].p, source_id);
    if ((rc = iv_arrays(&cmds[1].p, rows, n)) != 0) {
      cmds_clear(cmds, 2);
      return batch_failed(s, rc);
    }
  }
  return replace_run(s, cmds, n > 0 ? 2 : 1, n > 0 ? iv_check : NULL, (void *)rows, source_id,
                     "cannot store an interval row");
}

static int pg_intervals_finalize(wl_store *st, int64_t source_id, int64_t before)
{
  pg_cmd c = {.id = Q_IV_FINALIZE};
  int rc;
  p_i64(&c.p, source_id);
  p_i64(&c.p, before);
  rc = run1(PG(st), &c, "cannot finalize intervals");
  cmds_clear(&c, 1);
  return rc;
}

static int pg_intervals_delete(wl_store *st, int64_t source_id, const char *queue_id,
                               int64_t start_utc)
{
  pg_cmd c = {.id = Q_IV_DEL_ONE};
  int rc;
  p_i64(&c.p, source_id);
  p_text(&c.p, queue_id);
  p_i64(&c.p, start_utc);
  rc = run1(PG(st), &c, "cannot delete the interval row");
  if (rc == 0 && changes(c.res) == 0)
    rc = wl_err(WL_ENOTFOUND, "no interval row for queue %s at %lld", queue_id ? queue_id : "",
                (long long)start_utc);
  cmds_clear(&c, 1);
  return rc;
}

struct iv_ctx {
  wl_interval_cb cb;
  void *payload;
};

static int emit_interval(const PGresult *r, int row, void *ctx)
{
  struct iv_ctx *c = ctx;
  wl_interval_row iv = {
    .queue_id = col_text(r, row, 0),
    .start_utc = col_i64(r, row, 1),
    .entered = col_i64(r, row, 2),
    .accepted = col_i64(r, row, 3),
    .abandoned = col_i64(r, row, 4),
    .handle_time_s = col_i64(r, row, 5),
    .wait_time_s = col_i64(r, row, 6),
    .final = (int)col_i64(r, row, 7),
    .updated_at = col_i64(r, row, 8),
  };
  return c->cb(c->payload, &iv);
}

/* A ranged query: $1 source, $2 from, $3 to, $4 the optional filter (agent
 * or queue) that selects the second statement. */
static int range_query(pg_store *s, enum pq_id all, enum pq_id one, int64_t source_id,
                       const char *filter, int64_t from, int64_t to, emit_fn emit, void *ctx,
                       const char *what)
{
  pg_cmd c = {.id = filter ? one : all};
  p_i64(&c.p, source_id);
  p_i64(&c.p, from);
  p_i64(&c.p, to);
  if (filter)
    p_text(&c.p, filter);
  return query(s, &c, emit, ctx, what);
}

static int pg_intervals_query(wl_store *st, int64_t source_id, const char *queue_id,
                              int64_t from, int64_t to, wl_interval_cb cb, void *payload)
{
  struct iv_ctx c = {cb, payload};
  return range_query(PG(st), Q_IV_QUERY_ALL, Q_IV_QUERY_QUEUE, source_id, queue_id, from, to,
                     emit_interval, &c, "cannot read intervals");
}

/* ---- agent_state ----------------------------------------------------- */

static int state_op_check(const wl_state_op *op, size_t i)
{
  const wl_state_row *r = &op->row;
  if (!r->agent_id || !*r->agent_id)
    return wl_err(WL_EUSAGE, "state change %zu has no agent id", i + 1);
  if (op->kind == WL_STATE_INSERT && (!r->state || !*r->state))
    return wl_err(WL_EUSAGE, "state change %zu (agent %s) has no state", i + 1, r->agent_id);
  if (r->end_utc != WL_OPEN_END && r->end_utc < r->start_utc)
    return wl_err(WL_EUSAGE, "state change %zu (agent %s) ends before it starts", i + 1,
                  r->agent_id);
  if (op->kind != WL_STATE_INSERT && op->kind != WL_STATE_CLOSE)
    return wl_err(WL_EUSAGE, "state change %zu has an unknown kind", i + 1);
  return 0;
}

static void state_op_bind(pg_cmd *c, int64_t source_id, const wl_state_op *op)
{
  const wl_state_row *r = &op->row;
  c->id = op->kind == WL_STATE_INSERT ? Q_ST_UPSERT : Q_ST_CLOSE;
  p_i64(&c->p, source_id);
  p_text(&c->p, r->agent_id);
  p_i64(&c->p, r->start_utc);
  p_end(&c->p, r->end_utc);
  if (op->kind == WL_STATE_INSERT) {
    p_text(&c->p, r->state);
    p_text(&c->p, r->vendor_code);
  }
}

/* SQLite applies the ops one by one and stops at the first CLOSE that finds
 * nothing; here they all run in one pipeline, and the first CLOSE that
 * changed nothing (before any failed statement) is that same error. */
static int close_missed(const wl_state_op *ops, pg_cmd *cmds, size_t n)
{
  for (size_t i = 0; i < n && cmds[i].res; i++) {
    if (PQresultStatus(cmds[i].res) != PGRES_COMMAND_OK)
      break;
    if (ops[i].kind == WL_STATE_CLOSE && changes(cmds[i].res) == 0)
      return wl_err(WL_ENOTFOUND, "no state segment of agent %s starting at %lld to close",
                    ops[i].row.agent_id, (long long)ops[i].row.start_utc);
  }
  return 0;
}

static int states_check(pg_store *s, pg_cmd *cmds, size_t n, void *ctx)
{
  (void)s;
  return close_missed(ctx, cmds, n);
}

static int pg_states_apply(wl_store *st, int64_t source_id, const wl_state_op *ops, size_t n)
{
  pg_store *s = PG(st);
  pg_cmd *cmds;
  int rc = 0, closes = 0;
  for (size_t i = 0; rc == 0 && i < n; i++) {
    rc = state_op_check(&ops[i], i);
    closes |= ops[i].kind == WL_STATE_CLOSE;
  }
  if (rc != 0 || n == 0)
    return rc;
  if (!(cmds = calloc(n, sizeof(*cmds))))
    return wl_err(WL_ENOMEM, "out of memory storing state changes");
  for (size_t i = 0; i < n; i++)
    state_op_bind(&cmds[i], source_id, &ops[i]);
  rc = unit_run(s, cmds, n, closes ? states_check : NULL, (void *)ops,
                "cannot store a state change");
  if (rc != 0) {
    int missed = close_missed(ops, cmds, n);
    if (missed != 0)
      rc = missed;
    else if (is_state(cmds, n, FK_VIOLATION))
      rc = wl_err(WL_ENOTFOUND, "cannot store a state change: the source does not exist");
  }
  cmds_clear(cmds, n);
  free(cmds);
  return rc == 0 ? 0 : batch_failed(s, rc);
}

struct state_ctx {
  wl_state_cb cb;
  void *payload;
};

static int emit_state(const PGresult *r, int row, void *ctx)
{
  struct state_ctx *c = ctx;
  wl_state_row sr = {
    .agent_id = col_text(r, row, 0),
    .start_utc = col_i64(r, row, 1),
    .end_utc = col_end(r, row, 2),
    .state = col_text(r, row, 3),
    .vendor_code = col_text(r, row, 4),
  };
  return c->cb(c->payload, &sr);
}

static int pg_states_open(wl_store *st, int64_t source_id, wl_state_cb cb, void *payload)
{
  struct state_ctx c = {cb, payload};
  return list_for_source(PG(st), Q_ST_OPEN, source_id, emit_state, &c,
                         "cannot read open states");
}

static int pg_states_query(wl_store *st, int64_t source_id, const char *agent_id, int64_t from,
                           int64_t to, wl_state_cb cb, void *payload)
{
  struct state_ctx c = {cb, payload};
  return range_query(PG(st), Q_ST_QUERY_ALL, Q_ST_QUERY_AGENT, source_id, agent_id, from, to,
                     emit_state, &c, "cannot read states");
}

/* Rows for one agent's window must lie inside it and belong to the agent. */
static int check_segment(const char *what, size_t i, const char *agent_id, const char *row_agent,
                         int64_t start, int64_t end, int64_t from, int64_t to)
{
  if (row_agent && strcmp(row_agent, agent_id) != 0)
    return wl_err(WL_EUSAGE, "%s row %zu is for agent %s, not %s", what, i + 1, row_agent,
                  agent_id);
  if (end == WL_OPEN_END || end < start)
    return wl_err(WL_EUSAGE, "%s row %zu (agent %s) needs an end at or after its start", what,
                  i + 1, agent_id);
  if (start < from || end > to)
    return wl_err(WL_EUSAGE, "%s row %zu (agent %s, %lld-%lld) lies outside the window "
                             "[%lld, %lld)", what, i + 1, agent_id, (long long)start,
                  (long long)end, (long long)from, (long long)to);
  return 0;
}

static int st_check_rows(const char *agent_id, int64_t from, int64_t to,
                         const wl_state_row *rows, size_t n)
{
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < n; i++) {
    rc = check_segment("state", i, agent_id, rows[i].agent_id, rows[i].start_utc,
                       rows[i].end_utc, from, to);
    if (rc == 0 && (!rows[i].state || !*rows[i].state))
      rc = wl_err(WL_EUSAGE, "state row %zu (agent %s) has no state", i + 1, agent_id);
  }
  return rc;
}

/* $1 source, $2 agent, $3 from and (all but one statement) $4 to. */
static void bind_agent_window(pg_cmd *c, enum pq_id id, int64_t source_id, const char *agent_id,
                              int64_t from, int64_t to)
{
  c->id = id;
  p_i64(&c->p, source_id);
  p_text(&c->p, agent_id);
  p_i64(&c->p, from);
  if (id != Q_ST_TRIM_END)
    p_i64(&c->p, to);
}

/* $1 source, $2 agent, then the rows as arrays. */
static int bind_segments(pg_cmd *c, enum pq_id id, int64_t source_id, const char *agent_id,
                         arrays *a)
{
  c->id = id;
  p_i64(&c->p, source_id);
  p_text(&c->p, agent_id);
  return arrays_bind(a, &c->p);
}

struct seg_ctx {
  const char *what; /* "state" or "schedule" */
  const char *agent_id;
  const void *rows;
  size_t stride;    /* wl_state_row or wl_schedule_row */
  size_t off_start; /* where start_utc is in a row */
};

static int seg_check(pg_store *s, pg_cmd *cmds, size_t n, void *ctx)
{
  struct seg_ctx *c = ctx;
  size_t bad = rejected_row(&cmds[n - 1]);
  int64_t start;
  (void)s;
  if (bad == 0)
    return 0;
  memcpy(&start, (const char *)c->rows + (bad - 1) * c->stride + c->off_start, sizeof(start));
  return wl_err(WL_EUSAGE, "duplicate %s row for agent %s at %lld", c->what, c->agent_id,
                (long long)start);
}

static int st_arrays(arrays *a, const wl_state_row *rows, size_t n)
{
  int rc = 0;
  arrays_init(a, 4);
  for (size_t i = 0; rc == 0 && i < n; i++) {
    rc = arr_i64(a, 0, rows[i].start_utc);
    if (rc == 0)
      rc = arr_i64(a, 1, rows[i].end_utc);
    if (rc == 0)
      rc = arr_text(a, 2, rows[i].state);
    if (rc == 0)
      rc = arr_text(a, 3, rows[i].vendor_code);
  }
  return rc;
}

/* Makes room for [from, to) in the agent's timeline: a closed segment that
 * covers the span is split around it, one that crosses `from` (or is open
 * and started before it) ends at `from`, ones inside go, and one that starts
 * inside and runs past `to` (or is open) now starts at `to`. */
static int pg_states_replace(wl_store *st, int64_t source_id, const char *agent_id, int64_t from,
                             int64_t to, const wl_state_row *rows, size_t n)
{
  static const enum pq_id steps[] = {Q_ST_SPLIT, Q_ST_TRIM_END, Q_ST_DEL_INSIDE, Q_ST_TRIM_START};
  pg_store *s = PG(st);
  pg_cmd cmds[5];
  arrays a;
  struct seg_ctx ctx = {"state", agent_id, rows, sizeof(*rows),
                        offsetof(wl_state_row, start_utc)};
  int rc;
  if (!agent_id || !*agent_id)
    return wl_err(WL_EUSAGE, "states replace needs an agent");
  if ((rc = check_window(from, to)) != 0 || (rc = st_check_rows(agent_id, from, to, rows, n)) != 0)
    return rc;
  memset(cmds, 0, sizeof(cmds));
  for (size_t i = 0; i < 4; i++)
    bind_agent_window(&cmds[i], steps[i], source_id, agent_id, from, to);
  if (n > 0) {
    rc = st_arrays(&a, rows, n);
    if (rc == 0)
      rc = bind_segments(&cmds[4], Q_ST_INSERT, source_id, agent_id, &a);
    arrays_free(&a);
    if (rc != 0) {
      cmds_clear(cmds, 5);
      return batch_failed(s, rc);
    }
  }
  return replace_run(s, cmds, n > 0 ? 5 : 4, n > 0 ? seg_check : NULL, &ctx, source_id,
                     "cannot make room for the imported states");
}

/* ---- schedule_segment ------------------------------------------------ */

static int sc_check_rows(const char *agent_id, int64_t from, int64_t to,
                         const wl_schedule_row *rows, size_t n)
{
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < n; i++) {
    rc = check_segment("schedule", i, agent_id, rows[i].agent_id, rows[i].start_utc,
                       rows[i].end_utc, from, to);
    if (rc == 0 && (!rows[i].activity || !*rows[i].activity))
      rc = wl_err(WL_EUSAGE, "schedule row %zu (agent %s) has no activity", i + 1, agent_id);
  }
  return rc;
}

static int sc_arrays(arrays *a, const wl_schedule_row *rows, size_t n)
{
  int rc = 0;
  arrays_init(a, 3);
  for (size_t i = 0; rc == 0 && i < n; i++) {
    rc = arr_i64(a, 0, rows[i].start_utc);
    if (rc == 0)
      rc = arr_i64(a, 1, rows[i].end_utc);
    if (rc == 0)
      rc = arr_text(a, 2, rows[i].activity);
  }
  return rc;
}

static int pg_schedule_replace(wl_store *st, int64_t source_id, const char *agent_id,
                               int64_t from, int64_t to, const wl_schedule_row *rows, size_t n)
{
  pg_store *s = PG(st);
  pg_cmd cmds[2];
  arrays a;
  struct seg_ctx ctx = {"schedule", agent_id, rows, sizeof(*rows),
                        offsetof(wl_schedule_row, start_utc)};
  int rc;
  if (!agent_id || !*agent_id)
    return wl_err(WL_EUSAGE, "schedule replace needs an agent");
  if ((rc = check_window(from, to)) != 0 || (rc = sc_check_rows(agent_id, from, to, rows, n)) != 0)
    return rc;
  memset(cmds, 0, sizeof(cmds));
  bind_agent_window(&cmds[0], Q_SC_DEL, source_id, agent_id, from, to);
  if (n > 0) {
    rc = sc_arrays(&a, rows, n);
    if (rc == 0)
      rc = bind_segments(&cmds[1], Q_SC_INSERT, source_id, agent_id, &a);
    arrays_free(&a);
    if (rc != 0) {
      cmds_clear(cmds, 2);
      return batch_failed(s, rc);
    }
  }
  return replace_run(s, cmds, n > 0 ? 2 : 1, n > 0 ? seg_check : NULL, &ctx, source_id,
                     "cannot store a schedule row");
}

struct sc_ctx {
  wl_schedule_cb cb;
  void *payload;
};

static int emit_schedule(const PGresult *r, int row, void *ctx)
{
  struct sc_ctx *c = ctx;
  wl_schedule_row sr = {
    .agent_id = col_text(r, row, 0),
    .start_utc = col_i64(r, row, 1),
    .end_utc = col_i64(r, row, 2),
    .activity = col_text(r, row, 3),
  };
  return c->cb(c->payload, &sr);
}

static int pg_schedule_query(wl_store *st, int64_t source_id, const char *agent_id, int64_t from,
                             int64_t to, wl_schedule_cb cb, void *payload)
{
  struct sc_ctx c = {cb, payload};
  return range_query(PG(st), Q_SC_QUERY_ALL, Q_SC_QUERY_AGENT, source_id, agent_id, from, to,
                     emit_schedule, &c, "cannot read the schedule");
}

/* ---- activity rules -------------------------------------------------- */

static const char *const verdicts[] = {"in", "out", "neutral", NULL};
static const char *const kinds[] = {"work", "rest", NULL};
static const char *const run_kinds[] = {"realtime", "historical", "backfill", "test", NULL};
static const char *const outcomes[] = {"running", "ok", "error", "interrupted", NULL};

static int in_list(const char *v, const char *const *list)
{
  for (; v && *list; list++)
    if (strcmp(v, *list) == 0)
      return 1;
  return 0;
}

/* A write of one statement: 0, or its error with a missing source (foreign
 * key) reported as in SQLite. */
static int write1(pg_store *s, pg_cmd *c, const char *what)
{
  int rc = run1(s, c, what);
  if (rc != 0 && is_state(c, 1, FK_VIOLATION))
    rc = wl_err(WL_ENOTFOUND, "%s: the source does not exist", what);
  return rc;
}

static int pg_rule_set(wl_store *st, int64_t source_id, const wl_rule_row *rule)
{
  pg_cmd c = {.id = Q_RULE_SET};
  int rc;
  if (!rule->activity || !*rule->activity || !rule->state || !*rule->state)
    return wl_err(WL_EUSAGE, "a rule needs an activity and a state");
  if (!in_list(rule->verdict, verdicts))
    return wl_err(WL_EUSAGE, "rule verdict '%s' is not one of in, out, neutral",
                  rule->verdict ? rule->verdict : "");
  if (!in_list(rule->kind, kinds))
    return wl_err(WL_EUSAGE, "activity kind '%s' is not one of work, rest",
                  rule->kind ? rule->kind : "");
  p_i64(&c.p, source_id);
  p_text(&c.p, rule->activity);
  p_text(&c.p, rule->state);
  p_text(&c.p, rule->verdict);
  p_text(&c.p, rule->kind);
  rc = write1(PG(st), &c, "cannot store the rule");
  cmds_clear(&c, 1);
  return rc;
}

struct rule_ctx {
  wl_rule_cb cb;
  void *payload;
};

static int emit_rule(const PGresult *r, int row, void *ctx)
{
  struct rule_ctx *c = ctx;
  wl_rule_row rr = {col_text(r, row, 0), col_text(r, row, 1), col_text(r, row, 2),
                    col_text(r, row, 3)};
  return c->cb(c->payload, &rr);
}

static int pg_rules_list(wl_store *st, int64_t source_id, wl_rule_cb cb, void *payload)
{
  struct rule_ctx c = {cb, payload};
  return list_for_source(PG(st), Q_RULE_LIST, source_id, emit_rule, &c, "cannot list rules");
}

/* ---- collection_run -------------------------------------------------- */

static int pg_run_begin(wl_store *st, int64_t *out_id, int64_t source_id, const char *kind,
                        int64_t window_from, int64_t window_to, int64_t started)
{
  pg_cmd c = {.id = Q_RUN_BEGIN};
  int rc;
  *out_id = 0;
  if (!in_list(kind, run_kinds))
    return wl_err(WL_EUSAGE, "run kind '%s' is not one of realtime, historical, backfill, test",
                  kind ? kind : "");
  p_i64(&c.p, source_id);
  p_text(&c.p, kind);
  p_i64(&c.p, window_from);
  p_i64(&c.p, window_to);
  p_i64(&c.p, started);
  rc = write1(PG(st), &c, "cannot record the run");
  if (rc == 0)
    *out_id = col_i64(c.res, 0, 0);
  cmds_clear(&c, 1);
  return rc;
}

static int pg_run_end(wl_store *st, int64_t id, int64_t finished, const char *outcome,
                      int64_t pages, int64_t rows, int http_status, const char *error)
{
  pg_cmd c = {.id = Q_RUN_END};
  int rc;
  if (!in_list(outcome, outcomes))
    return wl_err(WL_EUSAGE, "run outcome '%s' is not one of ok, error, interrupted, running",
                  outcome ? outcome : "");
  p_i64(&c.p, id);
  p_i64(&c.p, finished);
  p_text(&c.p, outcome);
  p_i64(&c.p, pages);
  p_i64(&c.p, rows);
  p_i64(&c.p, http_status);
  p_text(&c.p, error);
  rc = run1(PG(st), &c, "cannot record the end of the run");
  if (rc == 0 && changes(c.res) == 0)
    rc = wl_err(WL_ENOTFOUND, "no collection run with id %lld", (long long)id);
  cmds_clear(&c, 1);
  return rc;
}

struct run_ctx {
  wl_run_cb cb;
  void *payload;
};

static int emit_run(const PGresult *r, int row, void *ctx)
{
  struct run_ctx *c = ctx;
  wl_run_row rr = {
    .id = col_i64(r, row, 0),
    .source_id = col_i64(r, row, 1),
    .kind = col_text(r, row, 2),
    .window_from = col_i64(r, row, 3),
    .window_to = col_i64(r, row, 4),
    .started = col_i64(r, row, 5),
    .finished = col_i64(r, row, 6),
    .outcome = col_text(r, row, 7),
    .pages = col_i64(r, row, 8),
    .rows = col_i64(r, row, 9),
    .http_status = (int)col_i64(r, row, 10),
    .error = col_text(r, row, 11),
  };
  return c->cb(c->payload, &rr);
}

static int pg_runs_list(wl_store *st, int64_t source_id, int limit, wl_run_cb cb, void *payload)
{
  struct run_ctx ctx = {cb, payload};
  pg_cmd c = {.id = source_id ? Q_RUN_LIST_SOURCE : Q_RUN_LIST_ALL};
  if (limit > 0)
    p_i64(&c.p, limit);
  else
    p_null(&c.p); /* LIMIT NULL: all */
  if (source_id)
    p_i64(&c.p, source_id);
  return query(PG(st), &c, emit_run, &ctx, "cannot list collection runs");
}

/* ---- web accounts ---------------------------------------------------- */

static int web_check_name(const char *name)
{
  if (!name || !*name)
    return wl_err(WL_EUSAGE, "a user needs a name");
  return 0;
}

/* A foreign-key failure here means the user does not exist. */
static int web_write(pg_store *s, pg_cmd *c, const char *what, int64_t user_id)
{
  int rc = run1(s, c, what);
  if (rc != 0 && is_state(c, 1, FK_VIOLATION))
    rc = wl_err(WL_ENOTFOUND, "%s: no user with id %lld", what, (long long)user_id);
  else if (rc != 0 && is_state(c, 1, UNIQUE_VIOLATION))
    rc = wl_err(WL_EEXISTS, "%s: the id is already in use", what);
  cmds_clear(c, 1);
  return rc;
}

static int pg_user_add(wl_store *st, int64_t *out_id, const char *name, const char *pw_hash,
                       int64_t now)
{
  pg_cmd c = {.id = Q_USER_ADD};
  int rc;
  *out_id = 0;
  if ((rc = web_check_name(name)) != 0)
    return rc;
  p_text(&c.p, name);
  p_text(&c.p, pw_hash);
  p_i64(&c.p, now);
  rc = run1(PG(st), &c, "cannot add the user");
  if (rc != 0 && is_state(&c, 1, UNIQUE_VIOLATION))
    rc = wl_err(WL_EEXISTS, "a user named '%s' already exists", name);
  if (rc == 0)
    *out_id = col_i64(c.res, 0, 0);
  cmds_clear(&c, 1);
  return rc;
}

static int pg_user_set_password(wl_store *st, const char *name, const char *pw_hash)
{
  pg_cmd c = {.id = Q_USER_SET_PW};
  int rc;
  if ((rc = web_check_name(name)) != 0)
    return rc;
  p_text(&c.p, name);
  p_text(&c.p, pw_hash);
  rc = run1(PG(st), &c, "cannot change the password");
  if (rc == 0 && changes(c.res) == 0)
    rc = wl_err(WL_ENOTFOUND, "no user named '%s'", name);
  cmds_clear(&c, 1);
  return rc;
}

static int pg_user_get(wl_store *st, int64_t *out_id, char *pw_hash, size_t hashlen,
                       const char *name)
{
  pg_cmd c = {.id = Q_USER_GET};
  int rc;
  *out_id = 0;
  if (pw_hash && hashlen)
    pw_hash[0] = '\0';
  if ((rc = web_check_name(name)) != 0)
    return rc;
  p_text(&c.p, name);
  rc = run1(PG(st), &c, "cannot read the user");
  if (rc == 0 && PQntuples(c.res) == 0) {
    rc = wl_err(WL_ENOTFOUND, "no user named '%s'", name);
  } else if (rc == 0) {
    *out_id = col_i64(c.res, 0, 0);
    if (pw_hash && hashlen)
      col_copy(pw_hash, hashlen, c.res, 0, 1);
  }
  cmds_clear(&c, 1);
  return rc;
}

struct user_ctx {
  wl_user_cb cb;
  void *payload;
};

static int emit_user(const PGresult *r, int row, void *ctx)
{
  struct user_ctx *c = ctx;
  wl_user_row u = {col_i64(r, row, 0), col_text(r, row, 1), col_i64(r, row, 2)};
  return c->cb(c->payload, &u);
}

static int pg_users_list(wl_store *st, wl_user_cb cb, void *payload)
{
  struct user_ctx ctx = {cb, payload};
  pg_cmd c = {.id = Q_USER_LIST};
  return query(PG(st), &c, emit_user, &ctx, "cannot list users");
}

static int pg_session_add(wl_store *st, const char *sid_hash, int64_t user_id, const char *csrf,
                          int64_t expires_at, int64_t now)
{
  pg_cmd c = {.id = Q_SESSION_ADD};
  if (!sid_hash || !*sid_hash || !csrf || !*csrf)
    return wl_err(WL_EUSAGE, "a session needs an id and a CSRF token");
  p_text(&c.p, sid_hash);
  p_i64(&c.p, user_id);
  p_text(&c.p, csrf);
  p_i64(&c.p, expires_at);
  p_i64(&c.p, now);
  return web_write(PG(st), &c, "cannot store the session", user_id);
}

static int pg_session_get(wl_store *st, int64_t *user_id, char *csrf, size_t csrflen,
                          const char *sid_hash, int64_t now)
{
  pg_cmd c = {.id = Q_SESSION_GET};
  int rc;
  *user_id = 0;
  if (csrf && csrflen)
    csrf[0] = '\0';
  p_text(&c.p, sid_hash);
  p_i64(&c.p, now);
  rc = run1(PG(st), &c, "cannot read the session");
  if (rc == 0 && PQntuples(c.res) == 0) {
    rc = wl_err(WL_ENOTFOUND, "no such session, or it has expired");
  } else if (rc == 0) {
    *user_id = col_i64(c.res, 0, 0);
    if (csrf && csrflen)
      col_copy(csrf, csrflen, c.res, 0, 1);
  }
  cmds_clear(&c, 1);
  return rc;
}

/* Runs a one-statement write with one text or integer parameter. */
static int exec1(pg_store *s, enum pq_id id, const char *text, int64_t num, const char *what)
{
  pg_cmd c = {.id = id};
  int rc;
  if (text)
    p_text(&c.p, text);
  else
    p_i64(&c.p, num);
  rc = run1(s, &c, what);
  cmds_clear(&c, 1);
  return rc;
}

static int pg_session_delete(wl_store *st, const char *sid_hash)
{
  return exec1(PG(st), Q_SESSION_DEL, sid_hash ? sid_hash : "", 0, "cannot delete the session");
}

static int pg_sessions_expire(wl_store *st, int64_t now)
{
  return exec1(PG(st), Q_SESSION_EXPIRE, NULL, now, "cannot delete expired sessions");
}

static int pg_apikey_add(wl_store *st, int64_t user_id, const char *key_hash, int64_t now)
{
  pg_cmd c = {.id = Q_APIKEY_ADD};
  if (!key_hash || !*key_hash)
    return wl_err(WL_EUSAGE, "an API key needs a hash");
  p_i64(&c.p, user_id);
  p_text(&c.p, key_hash);
  p_i64(&c.p, now);
  return web_write(PG(st), &c, "cannot store the API key", user_id);
}

static int pg_apikey_find(wl_store *st, int64_t *user_id, const char *key_hash)
{
  pg_cmd c = {.id = Q_APIKEY_FIND};
  int rc;
  *user_id = 0;
  p_text(&c.p, key_hash);
  rc = run1(PG(st), &c, "cannot look up the API key");
  if (rc == 0 && PQntuples(c.res) == 0)
    rc = wl_err(WL_ENOTFOUND, "unknown API key");
  else if (rc == 0)
    *user_id = col_i64(c.res, 0, 0);
  cmds_clear(&c, 1);
  return rc;
}

/* ---- leases ---------------------------------------------------------- */

static int lease_args(const char *owner, int64_t now, int64_t ttl_s)
{
  if (!owner || !*owner)
    return wl_err(WL_EUSAGE, "a lease needs an owner");
  if (ttl_s <= 0 || now > INT64_MAX - ttl_s)
    return wl_err(WL_EUSAGE, "lease time to live %lld is not a positive number of seconds",
                  (long long)ttl_s);
  return 0;
}

static int pg_lease_acquire(wl_store *st, int *held, int64_t source_id, const char *owner,
                            int64_t now, int64_t ttl_s)
{
  pg_cmd c = {.id = Q_LEASE_ACQUIRE};
  int rc;
  *held = 0;
  if ((rc = lease_args(owner, now, ttl_s)) != 0)
    return rc;
  p_i64(&c.p, source_id);
  p_text(&c.p, owner);
  p_i64(&c.p, now);
  p_i64(&c.p, ttl_s);
  rc = run1(PG(st), &c, "cannot take the lease");
  if (rc != 0 && is_state(&c, 1, FK_VIOLATION))
    rc = wl_err(WL_ENOTFOUND, "no source with id %lld", (long long)source_id);
  if (rc == 0)
    *held = changes(c.res) == 1;
  cmds_clear(&c, 1);
  return rc;
}

static int pg_lease_release(wl_store *st, int64_t source_id, const char *owner)
{
  pg_cmd c = {.id = source_id ? Q_LEASE_RELEASE : Q_LEASE_RELEASE_ALL};
  int rc;
  if (!owner || !*owner)
    return wl_err(WL_EUSAGE, "a lease needs an owner");
  if (source_id)
    p_i64(&c.p, source_id);
  p_text(&c.p, owner);
  rc = run1(PG(st), &c, "cannot release the lease");
  cmds_clear(&c, 1);
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
  return c->cb(c->payload, col_i64(r, row, 0), col_text(r, row, 1), col_i64(r, row, 2),
               col_i64(r, row, 3));
}

static int pg_leases_list(wl_store *st,
                          int (*cb)(void *payload, int64_t source_id, const char *owner,
                                    int64_t acquired_at, int64_t expires_at),
                          void *payload)
{
  struct lease_ctx ctx = {cb, payload};
  pg_cmd c = {.id = Q_LEASE_LIST};
  return query(PG(st), &c, emit_lease, &ctx, "cannot list leases");
}

/* ---- collection runs by window (issue 7) ------------------------------ */

static int pg_runs_in_range(wl_store *st, int64_t source_id, const char *kind, int64_t from,
                            int64_t to, int limit, wl_run_cb cb, void *payload)
{
  struct run_ctx ctx = {cb, payload};
  pg_cmd c = {.id = Q_RUN_IN_RANGE};
  p_i64(&c.p, source_id);
  if (kind)
    p_text(&c.p, kind);
  else
    p_null(&c.p);
  p_i64(&c.p, from);
  p_i64(&c.p, to);
  if (limit > 0)
    p_i64(&c.p, limit);
  else
    p_null(&c.p); /* LIMIT NULL: all */
  return query(PG(st), &c, emit_run, &ctx, "cannot list collection runs");
}

/* ---- open / close ---------------------------------------------------- */

static int pg_schema_version(wl_store *st, int *out)
{
  pg_store *s = PG(st);
  int rc = pg_ready(s);
  if (rc == 0 && (rc = wl_migrations_pg_version(s->conn, out)) != 0)
    conn_broken(s);
  return rc;
}

static void pg_close(wl_store *st)
{
  pg_store *s = PG(st);
  if (!s)
    return;
  /* an unfinished transaction is abandoned, not committed (PQfinish alone
   * would do the same on the server; saying it keeps the intent visible) */
  if (s->in_tx && PQstatus(s->conn) == CONNECTION_OK)
    PQclear(PQexec(s->conn, "ROLLBACK"));
  PQfinish(s->conn);
  free(s->where);
  free(s);
}

/* ---- web accounts, continued ---------------------------------------- */

static int pg_sessions_delete_user(wl_store *st, int64_t user_id)
{
  return exec1(PG(st), Q_SESSION_DEL_USER, NULL, user_id, "cannot end the user's sessions");
}

static int pg_apikeys_delete_user(wl_store *st, int64_t user_id)
{
  return exec1(PG(st), Q_APIKEY_DEL_USER, NULL, user_id, "cannot revoke the user's API keys");
}

static int pg_user_remove(wl_store *st, const char *name)
{
  pg_cmd c = {.id = Q_USER_DEL};
  int rc;
  if ((rc = web_check_name(name)) != 0)
    return rc;
  p_text(&c.p, name);
  rc = run1(PG(st), &c, "cannot remove the user");
  if (rc == 0 && changes(c.res) == 0)
    rc = wl_err(WL_ENOTFOUND, "no user named '%s'", name);
  cmds_clear(&c, 1);
  return rc;
}

/* ---- planning (issue 12) --------------------------------------------- */

static int pg_intervals_upsert(wl_store *st, int64_t source_id, const wl_interval_row *rows,
                               size_t n)
{
  pg_store *s = PG(st);
  pg_cmd c = {.id = Q_IV_UPSERT};
  int rc;
  if ((rc = plan_check_upsert(rows, n)) != 0)
    return rc;
  if (n == 0)
    return 0;
  p_i64(&c.p, source_id);
  if ((rc = iv_arrays(&c.p, rows, n)) != 0) {
    cmds_clear(&c, 1);
    return batch_failed(s, rc);
  }
  rc = write1(s, &c, "cannot store the interval rows");
  cmds_clear(&c, 1);
  return rc;
}

static int pg_vol_import_add(wl_store *st, int64_t source_id, const wl_vol_import_row *row)
{
  pg_cmd c = {.id = Q_VI_ADD};
  int rc;
  if ((rc = plan_check_import(row)) != 0)
    return rc;
  p_i64(&c.p, source_id);
  p_text(&c.p, row->queue_id);
  p_i64(&c.p, row->from);
  p_i64(&c.p, row->to);
  p_i64(&c.p, row->imported_at);
  rc = write1(PG(st), &c, "cannot record the imported range");
  cmds_clear(&c, 1);
  return rc;
}

struct vi_ctx {
  wl_vol_import_cb cb;
  void *payload;
};

static int emit_vol_import(const PGresult *r, int row, void *ctx)
{
  struct vi_ctx *c = ctx;
  wl_vol_import_row v = {
    .queue_id = col_text(r, row, 0),
    .from = col_i64(r, row, 1),
    .to = col_i64(r, row, 2),
    .imported_at = col_i64(r, row, 3),
  };
  return c->cb(c->payload, &v);
}

static int pg_vol_imports_query(wl_store *st, int64_t source_id, const char *queue_id,
                                int64_t from, int64_t to, wl_vol_import_cb cb, void *payload)
{
  struct vi_ctx c = {cb, payload};
  return range_query(PG(st), Q_VI_QUERY_ALL, Q_VI_QUERY_QUEUE, source_id, queue_id, from, to,
                     emit_vol_import, &c, "cannot read imported ranges");
}

static int pg_special_day_set(wl_store *st, int64_t source_id, const wl_special_day_row *row)
{
  pg_cmd c = {.id = Q_SD_SET};
  int rc;
  if ((rc = plan_check_special(row)) != 0)
    return rc;
  p_i64(&c.p, source_id);
  p_text(&c.p, row->queue_id);
  p_text(&c.p, row->date);
  p_i64(&c.p, row->exclude ? 1 : 0);
  p_i64(&c.p, row->factor_milli);
  rc = write1(PG(st), &c, "cannot store the special day");
  cmds_clear(&c, 1);
  return rc;
}

static int pg_special_day_remove(wl_store *st, int64_t source_id, const char *queue_id,
                                 const char *date)
{
  pg_cmd c = {.id = Q_SD_DEL};
  int rc;
  p_i64(&c.p, source_id);
  p_text(&c.p, queue_id);
  p_text(&c.p, date);
  rc = run1(PG(st), &c, "cannot remove the special day");
  if (rc == 0 && changes(c.res) == 0)
    rc = wl_err(WL_ENOTFOUND, "no special day %s%s%s", date ? date : "",
                queue_id && *queue_id ? " for queue " : "", queue_id ? queue_id : "");
  cmds_clear(&c, 1);
  return rc;
}

struct sd_ctx {
  wl_special_day_cb cb;
  void *payload;
};

static int emit_special_day(const PGresult *r, int row, void *ctx)
{
  struct sd_ctx *c = ctx;
  wl_special_day_row d = {
    .queue_id = col_text(r, row, 0),
    .date = col_text(r, row, 1),
    .exclude = (int)col_i64(r, row, 2),
    .factor_milli = col_i64(r, row, 3),
  };
  return c->cb(c->payload, &d);
}

static int pg_special_days_list(wl_store *st, int64_t source_id, wl_special_day_cb cb,
                                void *payload)
{
  struct sd_ctx c = {cb, payload};
  return list_for_source(PG(st), Q_SD_LIST, source_id, emit_special_day, &c,
                         "cannot list special days");
}

static int fc_values_arrays(pg_params *p, const wl_fc_value_row *rows, size_t n)
{
  arrays a;
  int rc = 0;
  arrays_init(&a, 5);
  for (size_t i = 0; rc == 0 && i < n; i++) {
    if ((rc = arr_text(&a, 0, rows[i].queue_id)) == 0 &&
        (rc = arr_i64(&a, 1, rows[i].start_utc)) == 0 &&
        (rc = arr_i64(&a, 2, rows[i].volume_x10)) == 0 &&
        (rc = arr_i64(&a, 3, rows[i].aht_x10)) == 0)
      rc = arr_text(&a, 4, rows[i].method);
  }
  if (rc == 0)
    rc = arrays_bind(&a, p);
  arrays_free(&a);
  return rc;
}

static int fc_save_header(pg_store *s, int64_t *id, int64_t source_id, const wl_fc_saved_row *h)
{
  pg_cmd c = {.id = Q_FC_DEL_NAME};
  int rc;
  p_i64(&c.p, source_id);
  p_text(&c.p, h->name);
  rc = run1(s, &c, "cannot replace the saved forecast");
  cmds_clear(&c, 1);
  if (rc != 0)
    return rc;
  c = (pg_cmd){.id = Q_FC_ADD};
  p_i64(&c.p, source_id);
  p_text(&c.p, h->name);
  p_i64(&c.p, h->created_at);
  p_i64(&c.p, h->as_of);
  p_i64(&c.p, h->from);
  p_i64(&c.p, h->to);
  rc = write1(s, &c, "cannot save the forecast");
  if (rc == 0)
    *id = col_i64(c.res, 0, 0);
  cmds_clear(&c, 1);
  return rc;
}

static int pg_forecast_save(wl_store *st, int64_t *out_id, int64_t source_id,
                            const wl_fc_saved_row *hdr, const wl_fc_value_row *rows, size_t n)
{
  pg_store *s = PG(st);
  pg_cmd c = {.id = Q_FC_VALUE_ADD};
  int64_t id = 0;
  int rc;
  if ((rc = plan_check_saved(hdr, rows, n)) != 0 || (rc = pg_begin(st)) != 0)
    return rc;
  rc = fc_save_header(s, &id, source_id, hdr);
  if (rc == 0 && n > 0) {
    p_i64(&c.p, id);
    rc = fc_values_arrays(&c.p, rows, n);
    if (rc == 0)
      rc = run1(s, &c, "cannot save the forecast values");
    cmds_clear(&c, 1);
  }
  if (rc == 0 && out_id)
    *out_id = id;
  if (rc != 0) {
    pg_rollback(st);
    return rc;
  }
  return pg_commit(st);
}

struct fcs_ctx {
  wl_fc_saved_cb cb;
  void *payload;
};

static int emit_fc_saved(const PGresult *r, int row, void *ctx)
{
  struct fcs_ctx *c = ctx;
  wl_fc_saved_row v = {
    .id = col_i64(r, row, 0),
    .name = col_text(r, row, 1),
    .created_at = col_i64(r, row, 2),
    .as_of = col_i64(r, row, 3),
    .from = col_i64(r, row, 4),
    .to = col_i64(r, row, 5),
  };
  return c->cb(c->payload, &v);
}

static int pg_forecasts_saved_list(wl_store *st, int64_t source_id, wl_fc_saved_cb cb,
                                   void *payload)
{
  struct fcs_ctx c = {cb, payload};
  return list_for_source(PG(st), Q_FC_LIST, source_id, emit_fc_saved, &c,
                         "cannot list saved forecasts");
}

struct fcv_ctx {
  wl_fc_value_cb cb;
  void *payload;
};

static int emit_fc_value(const PGresult *r, int row, void *ctx)
{
  struct fcv_ctx *c = ctx;
  wl_fc_value_row v = {
    .queue_id = col_text(r, row, 0),
    .start_utc = col_i64(r, row, 1),
    .volume_x10 = col_i64(r, row, 2),
    .aht_x10 = col_i64(r, row, 3),
    .method = col_text(r, row, 4),
  };
  return c->cb(c->payload, &v);
}

static int pg_forecast_saved_values(wl_store *st, int64_t saved_id, const char *queue_id,
                                    int64_t from, int64_t to, wl_fc_value_cb cb, void *payload)
{
  struct fcv_ctx c = {cb, payload};
  return range_query(PG(st), Q_FC_VALUES_ALL, Q_FC_VALUES_QUEUE, saved_id, queue_id, from, to,
                     emit_fc_value, &c, "cannot read the saved forecast");
}

static const wl_store pg_ops = {
  .backend = "postgresql",
  .close = pg_close,
  .schema_version = pg_schema_version,
  .begin = pg_begin,
  .commit = pg_commit,
  .rollback = pg_rollback,
  .source_add = pg_source_add,
  .source_update = pg_source_update,
  .source_get = pg_source_get,
  .source_get_by_id = pg_source_get_by_id,
  .source_list = pg_source_list,
  .source_remove = pg_source_remove,
  .token_set = pg_token_set,
  .token_get = pg_token_get,
  .setting_set = pg_setting_set,
  .setting_get = pg_setting_get,
  .setting_list = pg_setting_list,
  .queues_upsert = pg_queues_upsert,
  .queues_list = pg_queues_list,
  .agents_upsert = pg_agents_upsert,
  .agents_list = pg_agents_list,
  .agent_get = pg_agent_get,
  .intervals_replace = pg_intervals_replace,
  .intervals_finalize = pg_intervals_finalize,
  .intervals_delete = pg_intervals_delete,
  .intervals_query = pg_intervals_query,
  .states_apply = pg_states_apply,
  .states_open = pg_states_open,
  .states_query = pg_states_query,
  .states_replace = pg_states_replace,
  .schedule_replace = pg_schedule_replace,
  .schedule_query = pg_schedule_query,
  .rule_set = pg_rule_set,
  .rules_list = pg_rules_list,
  .run_begin = pg_run_begin,
  .run_end = pg_run_end,
  .runs_list = pg_runs_list,
  .user_add = pg_user_add,
  .user_set_password = pg_user_set_password,
  .user_get = pg_user_get,
  .users_list = pg_users_list,
  .session_add = pg_session_add,
  .session_get = pg_session_get,
  .session_delete = pg_session_delete,
  .sessions_expire = pg_sessions_expire,
  .apikey_add = pg_apikey_add,
  .apikey_find = pg_apikey_find,
  .lease_acquire = pg_lease_acquire,
  .lease_release = pg_lease_release,
  .leases_list = pg_leases_list,
  .runs_in_range = pg_runs_in_range,
  .sessions_delete_user = pg_sessions_delete_user,
  .apikeys_delete_user = pg_apikeys_delete_user,
  .user_remove = pg_user_remove,
  .intervals_upsert = pg_intervals_upsert,
  .vol_import_add = pg_vol_import_add,
  .vol_imports_query = pg_vol_imports_query,
  .special_day_set = pg_special_day_set,
  .special_day_remove = pg_special_day_remove,
  .special_days_list = pg_special_days_list,
  .forecast_save = pg_forecast_save,
  .forecasts_saved_list = pg_forecasts_saved_list,
  .forecast_saved_values = pg_forecast_saved_values,
};

/* Server notices ("relation ... already exists, skipping") go to the log,
 * one line each, never straight to stderr as libpq's default would. */
static void on_notice(void *arg, const PGresult *res)
{
  const char *sev = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
  char reason[512];
  (void)arg;
  wl_pg_reason(reason, sizeof(reason), res, NULL);
  if (sev && strcmp(sev, "WARNING") == 0)
    wl_warn("store", "postgresql: %s", reason);
  else
    wl_debug("store", "postgresql: %s", reason);
}

/* "postgresql://user@host:port/db" from the parsed URI, password left out. */
static void describe(char *out, size_t n, const PQconninfoOption *opts)
{
  const char *user = "", *host = "", *port = "", *db = "";
  for (const PQconninfoOption *o = opts; o && o->keyword; o++) {
    const char *v = o->val ? o->val : "";
    if (strcmp(o->keyword, "user") == 0)
      user = v;
    else if (strcmp(o->keyword, "host") == 0)
      host = v;
    else if (strcmp(o->keyword, "port") == 0)
      port = v;
    else if (strcmp(o->keyword, "dbname") == 0)
      db = v;
  }
  snprintf(out, n, "postgresql://%s%s%s%s%s/%s", user, *user ? "@" : "", host, *port ? ":" : "",
           port, db);
}

/* libpq's complaint about a malformed URI may quote the part at fault,
 * which can be the password: keep it only when the URI has none. */
static int has_password(const char *uri)
{
  const char *p = strstr(uri, "://"), *at, *slash;
  if (!p)
    return 0;
  p += 3;
  at = strchr(p, '@');
  slash = strchr(p, '/');
  if (!at || (slash && slash < at))
    return strstr(uri, "password=") != NULL;
  return memchr(p, ':', (size_t)(at - p)) != NULL || strstr(uri, "password=") != NULL;
}

static int parse_uri(char *where, size_t n, const char *uri)
{
  char *errmsg = NULL;
  PQconninfoOption *opts = PQconninfoParse(uri, &errmsg);
  if (!opts) {
    char reason[256];
    int rc;
    if (errmsg && !has_password(uri)) {
      snprintf(reason, sizeof(reason), "%s", errmsg);
      reason[strcspn(reason, "\n")] = '\0';
    } else {
      snprintf(reason, sizeof(reason), "expected postgresql://user@host:port/dbname");
    }
    rc = wl_err(WL_EUSAGE, "--db: not a valid PostgreSQL URI: %s", reason);
    PQfreemem(errmsg);
    return rc;
  }
  describe(where, n, opts);
  PQconninfoFree(opts);
  return 0;
}

static int pg_connect(pg_store *s, const char *uri)
{
  /* defaults first: what the URI says wins (expand_dbname) */
  static const char *const keys[] = {"connect_timeout", "application_name", "client_encoding",
                                     "dbname", NULL};
  const char *vals[] = {"10", "wfmlink", "UTF8", uri, NULL};
  char reason[512];
  s->conn = PQconnectdbParams(keys, vals, 1);
  if (!s->conn)
    return wl_err(WL_ENOMEM, "out of memory connecting to %s", s->where);
  PQsetNoticeReceiver(s->conn, on_notice, NULL);
  if (PQstatus(s->conn) != CONNECTION_OK)
    return wl_err(WL_EUNAVAIL, "cannot connect to %s: %s", s->where,
                  wl_pg_reason(reason, sizeof(reason), NULL, s->conn));
  return 0;
}

int wl_store_pg_open(wl_store **out, const char *uri)
{
  char where[512];
  pg_store *s;
  int rc;
  *out = NULL;
  if (wl_migrations_pg_count() != wl_migrations_sqlite_count()) /* a build mistake */
    return wl_err(WL_EFAIL, "this wfmlink has %d PostgreSQL but %d SQLite schema versions",
                  wl_migrations_pg_count(), wl_migrations_sqlite_count());
  if (!uri || !*uri)
    return wl_err(WL_EUSAGE, "no database URI given");
  if ((rc = parse_uri(where, sizeof(where), uri)) != 0)
    return rc;
  s = calloc(1, sizeof(*s));
  if (!s || !(s->where = strdup(where))) {
    free(s);
    return wl_err(WL_ENOMEM, "out of memory opening the database");
  }
  s->base = pg_ops;
  rc = pg_connect(s, uri);
  if (rc == 0)
    rc = wl_migrations_pg_apply(s->conn, s->where);
  if (rc != 0) {
    pg_close(&s->base);
    return rc;
  }
  *out = &s->base;
  return 0;
}
