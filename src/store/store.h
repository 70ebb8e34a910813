#ifndef WL_STORE_STORE_H
#define WL_STORE_STORE_H
/*
 * The storage interface: wl_store_*() functions, the front (store.c), that
 * check their arguments once and then call the backend chosen by DSN
 * ("sqlite:PATH" or "postgresql://...") through its ops table
 * (store/backend.h). Only store/ contains SQL; every value reaches the
 * database as a bound parameter.
 *
 * Conventions: functions return 0 or a negative WL_E* code (util/err.h) with
 * the message in wl_errmsg(). Instants are UTC Unix seconds. Queries deliver
 * rows through callbacks; a callback returning non-zero stops the query and
 * that value is returned. Strings in row structs are valid only during the
 * callback.
 *
 * The store never reads the clock: callers fill created_at / updated_at /
 * now arguments. token_set with a NULL blob clears the token; setting_set
 * with a NULL value removes the setting.
 *
 * Transactions: begin/commit/rollback nest (only the outermost pair touches
 * the database). Every batch function is atomic by itself: it joins the
 * caller's transaction or runs in its own.
 */
#include <stddef.h>
#include <stdint.h>

#include "wfm/records.h" /* the row types */

typedef struct wl_store wl_store;

/* The name of the backend: "sqlite" | "postgresql". */
const char *wl_store_backend(const wl_store *st);

int wl_store_schema_version(wl_store *st, int *out);

int wl_store_begin(wl_store *st);
int wl_store_commit(wl_store *st);
/* How long a write waits for another process's lock before failing with
 * WL_EUNAVAIL (SQLite's busy_timeout, 5 s by default; PostgreSQL: rows are
 * locked one by one, nothing to set). */
int wl_store_lock_wait(wl_store *st, int ms);
int wl_store_rollback(wl_store *st);

/* sources: add fills src->id; WL_EEXISTS for a taken name;
 * get/update/remove WL_ENOTFOUND for an unknown one. has_token fields and
 * token_changed_at are read-only here (see set_token). */
int wl_store_source_add(wl_store *st, wl_source *src);
int wl_store_source_update(wl_store *st, const wl_source *src);
int wl_store_source_get(wl_store *st, wl_source *out, const char *name);
int wl_store_source_get_by_id(wl_store *st, wl_source *out, int64_t id);
int wl_store_source_list(wl_store *st, wl_source_cb cb, void *payload); /* by name */
int wl_store_source_remove(wl_store *st, int64_t id); /* and all its data */

/* tokens are opaque encrypted blobs here (util/secret.h encrypts);
 * get gives WL_ENOTFOUND when none is set; *out is malloc'd */
int wl_store_token_set(wl_store *st, int64_t source_id, enum wl_token_kind kind,
                       const unsigned char *blob, size_t len, int64_t now);
int wl_store_token_get(wl_store *st, unsigned char **out, size_t *len,
                       int64_t source_id, enum wl_token_kind kind);

/* settings: source_id 0 is the global scope */
int wl_store_setting_set(wl_store *st, int64_t source_id, const char *key, const char *value);
int wl_store_setting_get(wl_store *st, char *out, size_t outlen, int64_t source_id,
                         const char *key); /* WL_ENOTFOUND when unset */
int wl_store_setting_list(wl_store *st, int64_t source_id, wl_setting_cb cb, void *payload);

int wl_store_queues_upsert(wl_store *st, int64_t source_id, const wl_queue_row *rows, size_t n);
int wl_store_queues_list(wl_store *st, int64_t source_id, wl_queue_cb cb, void *payload);
int wl_store_agents_upsert(wl_store *st, int64_t source_id, const wl_agent_row *rows, size_t n);
int wl_store_agents_list(wl_store *st, int64_t source_id, wl_agent_cb cb, void *payload);
int wl_store_agent_get(wl_store *st, wl_agent_row *out_unused, int64_t source_id,
                       const char *agent_id); /* 0 if known, WL_ENOTFOUND if not */

/* interval_volume: replaces every row of the source whose start lies in
 * [from, to) with rows (all inside the window), atomically. */
int wl_store_intervals_replace(wl_store *st, int64_t source_id, int64_t from, int64_t to,
                               const wl_interval_row *rows, size_t n);
/* sets final = 1 on rows that start before `before` */
int wl_store_intervals_finalize(wl_store *st, int64_t source_id, int64_t before);
int wl_store_intervals_delete(wl_store *st, int64_t source_id, const char *queue_id,
                              int64_t start_utc);
/* rows with start in [from, to), queue_id NULL for all; by start, queue */
int wl_store_intervals_query(wl_store *st, int64_t source_id, const char *queue_id,
                             int64_t from, int64_t to, wl_interval_cb cb, void *payload);

/* agent_state */
int wl_store_states_apply(wl_store *st, int64_t source_id, const wl_state_op *ops, size_t n);
int wl_store_states_open(wl_store *st, int64_t source_id, wl_state_cb cb, void *payload);
/* segments overlapping [from, to) (open ones count as reaching +inf),
 * agent NULL for all; by agent, start. Not clipped. */
int wl_store_states_query(wl_store *st, int64_t source_id, const char *agent_id,
                          int64_t from, int64_t to, wl_state_cb cb, void *payload);
/* states import: for the agent, trims or removes stored segments that
 * overlap [from, to), then inserts rows (all inside [from, to)). */
int wl_store_states_replace(wl_store *st, int64_t source_id, const char *agent_id,
                            int64_t from, int64_t to, const wl_state_row *rows, size_t n);

/* schedule_segment: deletes the agent's segments overlapping [from, to),
 * then inserts rows. */
int wl_store_schedule_replace(wl_store *st, int64_t source_id, const char *agent_id,
                              int64_t from, int64_t to, const wl_schedule_row *rows, size_t n);
int wl_store_schedule_query(wl_store *st, int64_t source_id, const char *agent_id,
                            int64_t from, int64_t to, wl_schedule_cb cb, void *payload);

int wl_store_rule_set(wl_store *st, int64_t source_id, const wl_rule_row *rule);
int wl_store_rules_list(wl_store *st, int64_t source_id, wl_rule_cb cb, void *payload);

/* collection_run. A run begun with an owner (core/runs.h: the process
 * running it) can be told from one whose process died; without one it is
 * unowned (tests, tools). */
int wl_store_run_begin(wl_store *st, int64_t *out_id, int64_t source_id, const char *kind,
                       int64_t window_from, int64_t window_to, int64_t started);
int wl_store_run_begin_owned(wl_store *st, int64_t *out_id, int64_t source_id, const char *kind,
                             int64_t window_from, int64_t window_to, int64_t started,
                             const char *owner);
/* An `interrupted` end applies only to a run still `running` (another
 * process may have finished it since it was seen running): WL_ENOTFOUND
 * otherwise. Any other outcome always applies. */
int wl_store_run_end(wl_store *st, int64_t id, int64_t finished, const char *outcome,
                     int64_t pages, int64_t rows, int http_status, const char *error);
/* newest first; source_id 0 for all */
int wl_store_runs_list(wl_store *st, int64_t source_id, int limit, wl_run_cb cb, void *payload);

/* web accounts (issue 5). Password hashes are Argon2id strings from
 * libsodium; session ids and API keys are stored only as hashes. */
int wl_store_user_add(wl_store *st, int64_t *out_id, const char *name, const char *pw_hash,
                      int64_t now);                     /* WL_EEXISTS for a taken name */
int wl_store_user_set_password(wl_store *st, const char *name, const char *pw_hash);
int wl_store_user_get(wl_store *st, int64_t *out_id, char *pw_hash, size_t hashlen,
                      const char *name);                /* WL_ENOTFOUND */
int wl_store_users_list(wl_store *st, wl_user_cb cb, void *payload);
int wl_store_session_add(wl_store *st, const char *sid_hash, int64_t user_id, const char *csrf,
                         int64_t expires_at, int64_t now);
/* WL_ENOTFOUND for unknown or expired (expires_at <= now) sessions */
int wl_store_session_get(wl_store *st, int64_t *user_id, char *csrf, size_t csrflen,
                         const char *sid_hash, int64_t now);
int wl_store_session_delete(wl_store *st, const char *sid_hash);
int wl_store_sessions_expire(wl_store *st, int64_t now);
int wl_store_apikey_add(wl_store *st, int64_t user_id, const char *key_hash, int64_t now);
int wl_store_apikey_find(wl_store *st, int64_t *user_id, const char *key_hash); /* WL_ENOTFOUND */

/* source leases (issue 8): several `serve` instances on one database
 * collect a source only while they hold its lease. One row per source;
 * owner names an instance. lease_acquire takes the lease when there is
 * none, when it has expired (expires_at <= now) or when owner already
 * holds it, and then owner holds it until now + ttl_s: *held = 1. A fresh
 * lease of another owner is left alone: *held = 0. The decision is one
 * atomic statement, so two instances never both hold a source.
 * WL_ENOTFOUND for an unknown source, WL_EUSAGE for an empty owner or
 * ttl_s <= 0. Removing a source removes its lease. */
int wl_store_lease_acquire(wl_store *st, int *held, int64_t source_id, const char *owner,
                           int64_t now, int64_t ttl_s);
/* gives up owner's lease on the source (nothing happens when owner does
 * not hold it); source_id 0 gives up all of owner's leases */
int wl_store_lease_release(wl_store *st, int64_t source_id, const char *owner);
/* every lease row, expired ones included, by source id; acquired_at is
 * when the current owner took it (renewals keep it) */
typedef int (*wl_lease_cb)(void *payload, int64_t source_id, const char *owner,
                           int64_t acquired_at, int64_t expires_at);
int wl_store_leases_list(wl_store *st, wl_lease_cb cb, void *payload);

/* collection runs of the source whose window overlaps [from, to), i.e.
 * window_from < to and window_to > from (runs without a window, 0 to 0,
 * only when the range holds 0); kind NULL for every kind. Newest first
 * (by id), at most limit rows (limit <= 0: all). The volume page's data
 * health (issue 7) reads the windows that were collected. */
int wl_store_runs_in_range(wl_store *st, int64_t source_id, const char *kind, int64_t from,
                           int64_t to, int limit, wl_run_cb cb, void *payload);

/* web accounts, continued: ending every login of a user (after a new
 * password), revoking every API key of a user, and removing a user with
 * its sessions and API keys (WL_ENOTFOUND for an unknown name). Deleting
 * what a user does not have is not an error. */
int wl_store_sessions_delete_user(wl_store *st, int64_t user_id);
int wl_store_apikeys_delete_user(wl_store *st, int64_t user_id);
int wl_store_user_remove(wl_store *st, const char *name);

/* planning (issue 12) */
/* inserts the rows or replaces stored rows of the same queue and start,
 * atomically; other rows stay */
int wl_store_intervals_upsert(wl_store *st, int64_t source_id, const wl_interval_row *rows,
                              size_t n);
int wl_store_vol_import_add(wl_store *st, int64_t source_id, const wl_vol_import_row *row);
/* coverage rows of the queue (NULL: all) overlapping [from, to), by start */
int wl_store_vol_imports_query(wl_store *st, int64_t source_id, const char *queue_id,
                               int64_t from, int64_t to, wl_vol_import_cb cb, void *payload);
/* one row per (queue, date): set replaces */
int wl_store_special_day_set(wl_store *st, int64_t source_id, const wl_special_day_row *row);
int wl_store_special_day_remove(wl_store *st, int64_t source_id, const char *queue_id,
                                const char *date); /* WL_ENOTFOUND */
int wl_store_special_days_list(wl_store *st, int64_t source_id, wl_special_day_cb cb,
                               void *payload); /* by date, queue */
/* saves under hdr->name, replacing a saved forecast of that name */
int wl_store_forecast_save(wl_store *st, int64_t *out_id, int64_t source_id,
                           const wl_fc_saved_row *hdr, const wl_fc_value_row *rows, size_t n);
int wl_store_forecasts_saved_list(wl_store *st, int64_t source_id, wl_fc_saved_cb cb,
                                  void *payload); /* newest first */
/* values of a saved forecast with start in [from, to), queue NULL all;
 * by start, queue */
int wl_store_forecast_saved_values(wl_store *st, int64_t saved_id, const char *queue_id,
                                   int64_t from, int64_t to, wl_fc_value_cb cb, void *payload);

/* Opens (creating and migrating) the database named by dsn. WL_EUSAGE for a
 * malformed DSN, WL_EFAIL when the schema is newer than this binary knows. */
int wl_store_open(wl_store **out, const char *dsn);
void wl_store_close(wl_store *st);

/* The newest schema version this binary knows. */
int wl_store_latest_version(void);

#endif
