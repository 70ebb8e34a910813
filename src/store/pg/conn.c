/*
 * The PostgreSQL backend: the connection (open, reconnect, migrate, close),
 * prepared statements and their SQL text, and the ops table.
 */
#include "store/pg/pg_int.h"

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

  /* An agent's segments never overlap, so only the last one starting
   * before $3 can reach into the window: bounding start_utc from there
   * keeps the delete on the primary key (end_utc > $3 alone scanned every
   * later segment, a scan per imported row; issue 16). */
  [Q_SC_DEL] = "DELETE FROM schedule_segment WHERE source_id = $1 AND agent_id = $2 "
               "AND start_utc < $4 AND end_utc > $3 AND start_utc >= COALESCE("
               "(SELECT max(start_utc) FROM schedule_segment WHERE source_id = $1 "
               "AND agent_id = $2 AND start_utc < $3), $3)",
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
                  "started, finished, outcome, pages, rows, http_status, error, owner) "
                  "VALUES ($1, $2, $3, $4, $5, 0, 'running', 0, 0, 0, '', $6) RETURNING id",
  [Q_RUN_END] = "UPDATE collection_run SET finished = $2, outcome = $3, pages = $4, "
                "rows = $5, http_status = $6, error = $7 WHERE id = $1 "
                /* `interrupted` (core/runs.c) never overwrites a finished run */
                "AND (outcome = 'running' OR $3 <> 'interrupted')",
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

/* ---- errors and the connection --------------------------------------- */

/* After a failure: a broken connection also ends the transaction. */
int pg_conn_broken(pg_store *s)
{
  if (PQstatus(s->conn) == CONNECTION_OK)
    return 0;
  if (s->depth > 0 && s->in_tx)
    s->lost = 1;
  s->in_tx = 0;
  return 1;
}

int pg_fail(pg_store *s, const PGresult *r, const char *what)
{
  char reason[512];
  if (pg_conn_broken(s))
    return wl_err(WL_EFAIL, "database connection lost: %s",
                  wl_pg_reason(reason, sizeof(reason), NULL, s->conn));
  return wl_err(WL_EFAIL, "database %s: %s: %s", s->where, what,
                wl_pg_reason(reason, sizeof(reason), r, s->conn));
}

/* Before every call: reconnects once when the connection is gone. */
int pg_ready(pg_store *s)
{
  char reason[512];
  if (s->lost)
    return wl_err(WL_EFAIL, "database connection lost: the open transaction was rolled back "
                            "by the server; end it before retrying");
  if (PQstatus(s->conn) == CONNECTION_OK)
    return 0;
  if (pg_conn_broken(s) && s->lost)
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

int pg_prepare(pg_store *s, enum pq_id id)
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
    rc = pg_fail(s, r, "cannot pg_prepare a statement");
  PQclear(r);
  return rc;
}

/* Runs static control SQL (BEGIN, COMMIT, ...); the result's command tag
 * goes to tag when asked for. */
int pg_exec_ctl(pg_store *s, const char *sql, char *tag, size_t taglen)
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

/* ---- transactions ---------------------------------------------------- */

int pg_begin(wl_store *st)
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
  rc = pg_exec_ctl(s, "COMMIT", tag, sizeof(tag));
  if (rc == 0 && strcmp(tag, "COMMIT") != 0) /* the server rolled back instead */
    rc = wl_err(WL_EFAIL, "database %s: the transaction was lost and nothing was saved",
                s->where);
  return rc;
}

int pg_commit(wl_store *st)
{
  pg_store *s = PG(st);
  if (s->depth == 0)
    return wl_err(WL_EUSAGE, "commit without a transaction");
  if (--s->depth > 0)
    return 0;
  return tx_finish(s, 1);
}

int pg_rollback(wl_store *st)
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

/* Writers lock rows, not the database: nothing to wait for as a whole. */
static int pg_lock_wait(wl_store *st, int ms)
{
  (void)st;
  (void)ms;
  return 0;
}

/* ---- open / close ---------------------------------------------------- */

static int pg_schema_version(wl_store *st, int *out)
{
  pg_store *s = PG(st);
  int rc = pg_ready(s);
  if (rc == 0 && (rc = wl_migrations_pg_version(s->conn, out)) != 0)
    pg_conn_broken(s);
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

static const wl_store_ops pg_ops = WL_STORE_OPS_INIT(pg, "postgresql");

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
  s->base.ops = &pg_ops;
  rc = pg_connect(s, uri);
  if (rc == 0)
    rc = wl_migrations_pg_apply(s->conn, s->where);
  return wl_store_opened(out, &s->base, rc);
}

const wl_store_conn_ops pg_conn_ops = WL_STORE_CONN_OPS_INIT(pg);
