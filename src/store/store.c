/*
 * The front of the store: wl_store_open() picks the backend by DSN, and
 * every wl_store_*() function checks its arguments here, once, before it
 * calls the backend's ops table (store/backend.h). What is checked here:
 * names and keys that must not be empty, windows that must not be empty,
 * rows inside their window and with their required fields, state changes,
 * the word lists of rules and runs, lease owners and times to live. The
 * backends check what only the database knows (unknown sources, taken
 * names, duplicate rows).
 */
#include "store/backend.h"
#include "store/migrations.h"
#include "store/plan_check.h"
#include "util/err.h"

#include <stdint.h>
#include <string.h>

static int has_prefix(const char *s, const char *prefix)
{
  return strncmp(s, prefix, strlen(prefix)) == 0;
}

/* A backend built against another ops layout is refused, not called. */
static int check_ops(wl_store *st)
{
  const wl_store_ops *o = st->ops;
  if (o && o->version == WL_STORE_OPS_VERSION && o->conn && o->sources && o->tokens &&
      o->settings && o->directory && o->intervals && o->states && o->schedules && o->rules &&
      o->runs && o->web && o->leases && o->plans)
    return 0;
  if (o && o->conn && o->conn->close)
    o->conn->close(st);
  return wl_err(WL_EFAIL, "store backend '%s' has ops version %d, not %d",
                o && o->name ? o->name : "?", o ? o->version : 0, WL_STORE_OPS_VERSION);
}

int wl_store_open(wl_store **out, const char *dsn)
{
  int rc;
  *out = NULL;
  if (!dsn || !*dsn)
    return wl_err(WL_EUSAGE, "--db: no DSN given (use sqlite:PATH or postgresql://...)");
  if (has_prefix(dsn, "sqlite:")) {
    if (!dsn[7])
      return wl_err(WL_EUSAGE, "--db: 'sqlite:' names no file (use sqlite:PATH)");
    rc = wl_store_sqlite_open(out, dsn + 7);
  } else if (has_prefix(dsn, "postgresql://") || has_prefix(dsn, "postgres://")) {
    rc = wl_store_pg_open(out, dsn);
  } else {
    return wl_err(WL_EUSAGE, "--db: '%s' is not a DSN (use sqlite:PATH or postgresql://...)",
                  dsn);
  }
  if (rc == 0 && (rc = check_ops(*out)) != 0)
    *out = NULL;
  return rc;
}

int wl_store_opened(wl_store **out, wl_store *st, int rc)
{
  *out = NULL;
  if (rc != 0) {
    st->ops->conn->close(st);
    return rc;
  }
  *out = st;
  return 0;
}

void wl_store_close(wl_store *st)
{
  if (st)
    st->ops->conn->close(st);
}

const char *wl_store_backend(const wl_store *st)
{
  return st->ops->name;
}

/* Schema versions mean the same tables on every backend (migrations.h). */
int wl_store_latest_version(void)
{
  return wl_migrations_sqlite_count();
}

/* ---- the checks ---- */

static const char *const verdicts[] = {"in", "out", "neutral", NULL};
static const char *const kinds[] = {"work", "rest", NULL};
static const char *const run_kinds[] = {"realtime", "historical", "backfill", "test", NULL};
static const char *const outcomes[] = {"running", "ok", "error", "interrupted", NULL};

static int check_window(int64_t from, int64_t to)
{
  if (from >= to)
    return wl_err(WL_EUSAGE, "empty window [%lld, %lld)", (long long)from, (long long)to);
  return 0;
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

static int st_check_rows(const char *agent_id, int64_t from, int64_t to, const wl_state_row *rows,
                         size_t n)
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

static int in_list(const char *v, const char *const *list)
{
  for (; v && *list; list++)
    if (strcmp(v, *list) == 0)
      return 1;
  return 0;
}

static int web_check_name(const char *name)
{
  if (!name || !*name)
    return wl_err(WL_EUSAGE, "a user needs a name");
  return 0;
}

static int lease_args(const char *owner, int64_t now, int64_t ttl_s)
{
  if (!owner || !*owner)
    return wl_err(WL_EUSAGE, "a lease needs an owner");
  if (ttl_s <= 0 || now > INT64_MAX - ttl_s)
    return wl_err(WL_EUSAGE, "lease time to live %lld is not a positive number of seconds",
                  (long long)ttl_s);
  return 0;
}

/* ---- conn ---- */

int wl_store_schema_version(wl_store *st, int *out)
{
  return st->ops->conn->schema_version(st, out);
}

int wl_store_begin(wl_store *st)
{
  return st->ops->conn->begin(st);
}

int wl_store_lock_wait(wl_store *st, int ms)
{
  if (ms < 0)
    return wl_err(WL_EUSAGE, "a lock wait cannot be negative");
  return st->ops->conn->lock_wait(st, ms);
}

int wl_store_commit(wl_store *st)
{
  return st->ops->conn->commit(st);
}

int wl_store_rollback(wl_store *st)
{
  return st->ops->conn->rollback(st);
}

/* ---- sources ---- */

int wl_store_source_add(wl_store *st, wl_source *src)
{
  if (!src->name[0])
    return wl_err(WL_EUSAGE, "a source needs a name");
  return st->ops->sources->source_add(st, src);
}

int wl_store_source_update(wl_store *st, const wl_source *src)
{
  if (!src->name[0])
    return wl_err(WL_EUSAGE, "a source needs a name");
  return st->ops->sources->source_update(st, src);
}

int wl_store_source_get(wl_store *st, wl_source *out, const char *name)
{
  return st->ops->sources->source_get(st, out, name);
}

int wl_store_source_get_by_id(wl_store *st, wl_source *out, int64_t id)
{
  return st->ops->sources->source_get_by_id(st, out, id);
}

int wl_store_source_list(wl_store *st, wl_source_cb cb, void *payload)
{
  return st->ops->sources->source_list(st, cb, payload);
}

int wl_store_source_remove(wl_store *st, int64_t id)
{
  return st->ops->sources->source_remove(st, id);
}

/* ---- tokens ---- */

int wl_store_token_set(wl_store *st, int64_t source_id, enum wl_token_kind kind,
                       const unsigned char *blob, size_t len, int64_t now)
{
  if (blob && len > (size_t)INT32_MAX)
    return wl_err(WL_EUSAGE, "token blob too large");
  return st->ops->tokens->token_set(st, source_id, kind, blob, len, now);
}

int wl_store_token_get(wl_store *st, unsigned char **out, size_t *len, int64_t source_id,
                       enum wl_token_kind kind)
{
  return st->ops->tokens->token_get(st, out, len, source_id, kind);
}

/* ---- settings ---- */

int wl_store_setting_set(wl_store *st, int64_t source_id, const char *key, const char *value)
{
  if (!key || !*key)
    return wl_err(WL_EUSAGE, "a setting needs a key");
  return st->ops->settings->setting_set(st, source_id, key, value);
}

int wl_store_setting_get(wl_store *st, char *out, size_t outlen, int64_t source_id, const char *key)
{
  return st->ops->settings->setting_get(st, out, outlen, source_id, key);
}

int wl_store_setting_list(wl_store *st, int64_t source_id, wl_setting_cb cb, void *payload)
{
  return st->ops->settings->setting_list(st, source_id, cb, payload);
}

/* ---- directory ---- */

int wl_store_queues_upsert(wl_store *st, int64_t source_id, const wl_queue_row *rows, size_t n)
{
  return st->ops->directory->queues_upsert(st, source_id, rows, n);
}

int wl_store_queues_list(wl_store *st, int64_t source_id, wl_queue_cb cb, void *payload)
{
  return st->ops->directory->queues_list(st, source_id, cb, payload);
}

int wl_store_agents_upsert(wl_store *st, int64_t source_id, const wl_agent_row *rows, size_t n)
{
  return st->ops->directory->agents_upsert(st, source_id, rows, n);
}

int wl_store_agents_list(wl_store *st, int64_t source_id, wl_agent_cb cb, void *payload)
{
  return st->ops->directory->agents_list(st, source_id, cb, payload);
}

int wl_store_agent_get(wl_store *st, wl_agent_row *out_unused, int64_t source_id,
                       const char *agent_id)
{
  return st->ops->directory->agent_get(st, out_unused, source_id, agent_id);
}

/* ---- intervals ---- */

int wl_store_intervals_replace(wl_store *st, int64_t source_id, int64_t from, int64_t to,
                               const wl_interval_row *rows, size_t n)
{
  int rc;
  if ((rc = check_window(from, to)) != 0 || (rc = iv_check_rows(from, to, rows, n)) != 0)
    return rc;
  return st->ops->intervals->intervals_replace(st, source_id, from, to, rows, n);
}

int wl_store_intervals_finalize(wl_store *st, int64_t source_id, int64_t before)
{
  return st->ops->intervals->intervals_finalize(st, source_id, before);
}

int wl_store_intervals_delete(wl_store *st, int64_t source_id, const char *queue_id,
                              int64_t start_utc)
{
  return st->ops->intervals->intervals_delete(st, source_id, queue_id, start_utc);
}

int wl_store_intervals_query(wl_store *st, int64_t source_id, const char *queue_id, int64_t from,
                             int64_t to, wl_interval_cb cb, void *payload)
{
  return st->ops->intervals->intervals_query(st, source_id, queue_id, from, to, cb, payload);
}

/* ---- states ---- */

int wl_store_states_apply(wl_store *st, int64_t source_id, const wl_state_op *ops, size_t n)
{
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < n; i++)
    rc = state_op_check(&ops[i], i);
  if (rc != 0 || n == 0)
    return rc;
  return st->ops->states->states_apply(st, source_id, ops, n);
}

int wl_store_states_open(wl_store *st, int64_t source_id, wl_state_cb cb, void *payload)
{
  return st->ops->states->states_open(st, source_id, cb, payload);
}

int wl_store_states_query(wl_store *st, int64_t source_id, const char *agent_id, int64_t from,
                          int64_t to, wl_state_cb cb, void *payload)
{
  return st->ops->states->states_query(st, source_id, agent_id, from, to, cb, payload);
}

int wl_store_states_replace(wl_store *st, int64_t source_id, const char *agent_id, int64_t from,
                            int64_t to, const wl_state_row *rows, size_t n)
{
  int rc;
  if (!agent_id || !*agent_id)
    return wl_err(WL_EUSAGE, "states replace needs an agent");
  if ((rc = check_window(from, to)) != 0 || (rc = st_check_rows(agent_id, from, to, rows, n)) != 0)
    return rc;
  return st->ops->states->states_replace(st, source_id, agent_id, from, to, rows, n);
}

/* ---- schedules ---- */

int wl_store_schedule_replace(wl_store *st, int64_t source_id, const char *agent_id, int64_t from,
                              int64_t to, const wl_schedule_row *rows, size_t n)
{
  int rc;
  if (!agent_id || !*agent_id)
    return wl_err(WL_EUSAGE, "schedule replace needs an agent");
  if ((rc = check_window(from, to)) != 0 || (rc = sc_check_rows(agent_id, from, to, rows, n)) != 0)
    return rc;
  return st->ops->schedules->schedule_replace(st, source_id, agent_id, from, to, rows, n);
}

int wl_store_schedule_query(wl_store *st, int64_t source_id, const char *agent_id, int64_t from,
                            int64_t to, wl_schedule_cb cb, void *payload)
{
  return st->ops->schedules->schedule_query(st, source_id, agent_id, from, to, cb, payload);
}

/* ---- rules ---- */

int wl_store_rule_set(wl_store *st, int64_t source_id, const wl_rule_row *rule)
{
  if (!rule->activity || !*rule->activity || !rule->state || !*rule->state)
    return wl_err(WL_EUSAGE, "a rule needs an activity and a state");
  if (!in_list(rule->verdict, verdicts))
    return wl_err(WL_EUSAGE, "rule verdict '%s' is not one of in, out, neutral",
                  rule->verdict ? rule->verdict : "");
  if (!in_list(rule->kind, kinds))
    return wl_err(WL_EUSAGE, "activity kind '%s' is not one of work, rest",
                  rule->kind ? rule->kind : "");
  return st->ops->rules->rule_set(st, source_id, rule);
}

int wl_store_rules_list(wl_store *st, int64_t source_id, wl_rule_cb cb, void *payload)
{
  return st->ops->rules->rules_list(st, source_id, cb, payload);
}

/* ---- runs ---- */

int wl_store_run_begin(wl_store *st, int64_t *out_id, int64_t source_id, const char *kind,
                       int64_t window_from, int64_t window_to, int64_t started)
{
  return wl_store_run_begin_owned(st, out_id, source_id, kind, window_from, window_to, started, "");
}

int wl_store_run_begin_owned(wl_store *st, int64_t *out_id, int64_t source_id, const char *kind,
                             int64_t window_from, int64_t window_to, int64_t started,
                             const char *owner)
{
  *out_id = 0;
  if (!in_list(kind, run_kinds))
    return wl_err(WL_EUSAGE, "run kind '%s' is not one of realtime, historical, backfill, test",
                  kind ? kind : "");
  if (!owner || strlen(owner) > 200)
    return wl_err(WL_EUSAGE, "run owner missing or longer than 200 bytes");
  return st->ops->runs->run_begin(st, out_id, source_id, kind, window_from, window_to, started,
                                  owner);
}

int wl_store_run_end(wl_store *st, int64_t id, int64_t finished, const char *outcome, int64_t pages,
                     int64_t rows, int http_status, const char *error)
{
  if (!in_list(outcome, outcomes))
    return wl_err(WL_EUSAGE, "run outcome '%s' is not one of ok, error, interrupted, running",
                  outcome ? outcome : "");
  return st->ops->runs->run_end(st, id, finished, outcome, pages, rows, http_status, error);
}

int wl_store_runs_list(wl_store *st, int64_t source_id, int limit, wl_run_cb cb, void *payload)
{
  return st->ops->runs->runs_list(st, source_id, limit, cb, payload);
}

int wl_store_runs_in_range(wl_store *st, int64_t source_id, const char *kind, int64_t from,
                           int64_t to, int limit, wl_run_cb cb, void *payload)
{
  return st->ops->runs->runs_in_range(st, source_id, kind, from, to, limit, cb, payload);
}

/* ---- web ---- */

int wl_store_user_add(wl_store *st, int64_t *out_id, const char *name, const char *pw_hash,
                      int64_t now)
{
  int rc;
  *out_id = 0;
  if ((rc = web_check_name(name)) != 0)
    return rc;
  return st->ops->web->user_add(st, out_id, name, pw_hash, now);
}

int wl_store_user_set_password(wl_store *st, const char *name, const char *pw_hash)
{
  int rc;
  if ((rc = web_check_name(name)) != 0)
    return rc;
  return st->ops->web->user_set_password(st, name, pw_hash);
}

int wl_store_user_get(wl_store *st, int64_t *out_id, char *pw_hash, size_t hashlen,
                      const char *name)
{
  int rc;
  *out_id = 0;
  if (pw_hash && hashlen)
    pw_hash[0] = '\0';
  if ((rc = web_check_name(name)) != 0)
    return rc;
  return st->ops->web->user_get(st, out_id, pw_hash, hashlen, name);
}

int wl_store_users_list(wl_store *st, wl_user_cb cb, void *payload)
{
  return st->ops->web->users_list(st, cb, payload);
}

int wl_store_user_remove(wl_store *st, const char *name)
{
  int rc;
  if ((rc = web_check_name(name)) != 0)
    return rc;
  return st->ops->web->user_remove(st, name);
}

int wl_store_session_add(wl_store *st, const char *sid_hash, int64_t user_id, const char *csrf,
                         int64_t expires_at, int64_t now)
{
  if (!sid_hash || !*sid_hash || !csrf || !*csrf)
    return wl_err(WL_EUSAGE, "a session needs an id and a CSRF token");
  return st->ops->web->session_add(st, sid_hash, user_id, csrf, expires_at, now);
}

int wl_store_session_get(wl_store *st, int64_t *user_id, char *csrf, size_t csrflen,
                         const char *sid_hash, int64_t now)
{
  return st->ops->web->session_get(st, user_id, csrf, csrflen, sid_hash, now);
}

int wl_store_session_delete(wl_store *st, const char *sid_hash)
{
  return st->ops->web->session_delete(st, sid_hash);
}

int wl_store_sessions_expire(wl_store *st, int64_t now)
{
  return st->ops->web->sessions_expire(st, now);
}

int wl_store_sessions_delete_user(wl_store *st, int64_t user_id)
{
  return st->ops->web->sessions_delete_user(st, user_id);
}

int wl_store_apikey_add(wl_store *st, int64_t user_id, const char *key_hash, int64_t now)
{
  if (!key_hash || !*key_hash)
    return wl_err(WL_EUSAGE, "an API key needs a hash");
  return st->ops->web->apikey_add(st, user_id, key_hash, now);
}

int wl_store_apikey_find(wl_store *st, int64_t *user_id, const char *key_hash)
{
  return st->ops->web->apikey_find(st, user_id, key_hash);
}

int wl_store_apikeys_delete_user(wl_store *st, int64_t user_id)
{
  return st->ops->web->apikeys_delete_user(st, user_id);
}

/* ---- leases ---- */

int wl_store_lease_acquire(wl_store *st, int *held, int64_t source_id, const char *owner,
                           int64_t now, int64_t ttl_s)
{
  int rc;
  *held = 0;
  if ((rc = lease_args(owner, now, ttl_s)) != 0)
    return rc;
  return st->ops->leases->lease_acquire(st, held, source_id, owner, now, ttl_s);
}

int wl_store_lease_release(wl_store *st, int64_t source_id, const char *owner)
{
  if (!owner || !*owner)
    return wl_err(WL_EUSAGE, "a lease needs an owner");
  return st->ops->leases->lease_release(st, source_id, owner);
}

int wl_store_leases_list(wl_store *st, wl_lease_cb cb, void *payload)
{
  return st->ops->leases->leases_list(st, cb, payload);
}

int wl_store_intervals_upsert(wl_store *st, int64_t source_id, const wl_interval_row *rows,
                              size_t n)
{
  int rc = plan_check_upsert(rows, n);
  return rc ? rc : st->ops->intervals->intervals_upsert(st, source_id, rows, n);
}

/* ---- plans ---- */

int wl_store_vol_import_add(wl_store *st, int64_t source_id, const wl_vol_import_row *row)
{
  int rc = plan_check_import(row);
  return rc ? rc : st->ops->plans->vol_import_add(st, source_id, row);
}

int wl_store_vol_imports_query(wl_store *st, int64_t source_id, const char *queue_id,
                               int64_t from, int64_t to, wl_vol_import_cb cb, void *payload)
{
  return st->ops->plans->vol_imports_query(st, source_id, queue_id, from, to, cb, payload);
}

int wl_store_special_day_set(wl_store *st, int64_t source_id, const wl_special_day_row *row)
{
  int rc = plan_check_special(row);
  return rc ? rc : st->ops->plans->special_day_set(st, source_id, row);
}

int wl_store_special_day_remove(wl_store *st, int64_t source_id, const char *queue_id,
                                const char *date)
{
  return st->ops->plans->special_day_remove(st, source_id, queue_id, date);
}

int wl_store_special_days_list(wl_store *st, int64_t source_id, wl_special_day_cb cb,
                               void *payload)
{
  return st->ops->plans->special_days_list(st, source_id, cb, payload);
}

int wl_store_forecast_save(wl_store *st, int64_t *out_id, int64_t source_id,
                           const wl_fc_saved_row *hdr, const wl_fc_value_row *rows, size_t n)
{
  int rc = plan_check_saved(hdr, rows, n);
  return rc ? rc : st->ops->plans->forecast_save(st, out_id, source_id, hdr, rows, n);
}

int wl_store_forecasts_saved_list(wl_store *st, int64_t source_id, wl_fc_saved_cb cb,
                                  void *payload)
{
  return st->ops->plans->forecasts_saved_list(st, source_id, cb, payload);
}

int wl_store_forecast_saved_values(wl_store *st, int64_t saved_id, const char *queue_id,
                                   int64_t from, int64_t to, wl_fc_value_cb cb, void *payload)
{
  return st->ops->plans->forecast_saved_values(st, saved_id, queue_id, from, to, cb, payload);
}
