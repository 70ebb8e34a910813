#ifndef WL_STORE_BACKEND_H
#define WL_STORE_BACKEND_H
/*
 * What a storage backend implements (libgit2's odb_backend shape): one
 * const ops table, grouped by domain, that the front (store.c) calls after
 * checking the arguments. A backend never re-checks what the front checks
 * (store.c lists it per function); it turns a valid call into SQL.
 *
 * A backend's store object starts with `wl_store base` (its ops pointer).
 * The version lets the front refuse a table built against another layout:
 * add members at the end of a domain and bump it.
 */
#include "store/store.h"

#define WL_STORE_OPS_VERSION 4 /* 2: intervals_upsert, the planning domain; 3: lock_wait;
                                  4: run owners */

typedef struct wl_store_conn_ops {
  void (*close)(wl_store *st);
  int (*schema_version)(wl_store *st, int *out);
  int (*begin)(wl_store *st);
  int (*commit)(wl_store *st);
  int (*rollback)(wl_store *st);
  int (*lock_wait)(wl_store *st, int ms);
} wl_store_conn_ops;

typedef struct wl_store_source_ops {
  int (*source_add)(wl_store *st, wl_source *src);
  int (*source_update)(wl_store *st, const wl_source *src);
  int (*source_get)(wl_store *st, wl_source *out, const char *name);
  int (*source_get_by_id)(wl_store *st, wl_source *out, int64_t id);
  int (*source_list)(wl_store *st, wl_source_cb cb, void *payload);
  int (*source_remove)(wl_store *st, int64_t id);
} wl_store_source_ops;

typedef struct wl_store_token_ops {
  int (*token_set)(wl_store *st, int64_t source_id, enum wl_token_kind kind,
                   const unsigned char *blob, size_t len, int64_t now);
  int (*token_get)(wl_store *st, unsigned char **out, size_t *len, int64_t source_id,
                   enum wl_token_kind kind);
} wl_store_token_ops;

typedef struct wl_store_setting_ops {
  int (*setting_set)(wl_store *st, int64_t source_id, const char *key, const char *value);
  int (*setting_get)(wl_store *st, char *out, size_t outlen, int64_t source_id, const char *key);
  int (*setting_list)(wl_store *st, int64_t source_id, wl_setting_cb cb, void *payload);
} wl_store_setting_ops;

typedef struct wl_store_directory_ops {
  int (*queues_upsert)(wl_store *st, int64_t source_id, const wl_queue_row *rows, size_t n);
  int (*queues_list)(wl_store *st, int64_t source_id, wl_queue_cb cb, void *payload);
  int (*agents_upsert)(wl_store *st, int64_t source_id, const wl_agent_row *rows, size_t n);
  int (*agents_list)(wl_store *st, int64_t source_id, wl_agent_cb cb, void *payload);
  int (*agent_get)(wl_store *st, wl_agent_row *out_unused, int64_t source_id, const char *agent_id);
} wl_store_directory_ops;

typedef struct wl_store_interval_ops {
  int (*intervals_replace)(wl_store *st, int64_t source_id, int64_t from, int64_t to,
                           const wl_interval_row *rows, size_t n);
  int (*intervals_finalize)(wl_store *st, int64_t source_id, int64_t before);
  int (*intervals_delete)(wl_store *st, int64_t source_id, const char *queue_id, int64_t start_utc);
  int (*intervals_upsert)(wl_store *st, int64_t source_id, const wl_interval_row *rows, size_t n);
  int (*intervals_query)(wl_store *st, int64_t source_id, const char *queue_id, int64_t from,
                         int64_t to, wl_interval_cb cb, void *payload);
} wl_store_interval_ops;

typedef struct wl_store_state_ops {
  int (*states_apply)(wl_store *st, int64_t source_id, const wl_state_op *ops, size_t n);
  int (*states_open)(wl_store *st, int64_t source_id, wl_state_cb cb, void *payload);
  int (*states_query)(wl_store *st, int64_t source_id, const char *agent_id, int64_t from,
                      int64_t to, wl_state_cb cb, void *payload);
  int (*states_replace)(wl_store *st, int64_t source_id, const char *agent_id, int64_t from,
                        int64_t to, const wl_state_row *rows, size_t n);
} wl_store_state_ops;

typedef struct wl_store_schedule_ops {
  int (*schedule_replace)(wl_store *st, int64_t source_id, const char *agent_id, int64_t from,
                          int64_t to, const wl_schedule_row *rows, size_t n);
  int (*schedule_query)(wl_store *st, int64_t source_id, const char *agent_id, int64_t from,
                        int64_t to, wl_schedule_cb cb, void *payload);
} wl_store_schedule_ops;

typedef struct wl_store_rule_ops {
  int (*rule_set)(wl_store *st, int64_t source_id, const wl_rule_row *rule);
  int (*rules_list)(wl_store *st, int64_t source_id, wl_rule_cb cb, void *payload);
} wl_store_rule_ops;

typedef struct wl_store_run_ops {
  int (*run_begin)(wl_store *st, int64_t *out_id, int64_t source_id, const char *kind,
                   int64_t window_from, int64_t window_to, int64_t started, const char *owner);
  int (*run_end)(wl_store *st, int64_t id, int64_t finished, const char *outcome, int64_t pages,
                 int64_t rows, int http_status, const char *error);
  int (*runs_list)(wl_store *st, int64_t source_id, int limit, wl_run_cb cb, void *payload);
  int (*runs_in_range)(wl_store *st, int64_t source_id, const char *kind, int64_t from, int64_t to,
                       int limit, wl_run_cb cb, void *payload);
} wl_store_run_ops;

typedef struct wl_store_web_ops {
  int (*user_add)(wl_store *st, int64_t *out_id, const char *name, const char *pw_hash,
                  int64_t now);
  int (*user_set_password)(wl_store *st, const char *name, const char *pw_hash);
  int (*user_get)(wl_store *st, int64_t *out_id, char *pw_hash, size_t hashlen, const char *name);
  int (*users_list)(wl_store *st, wl_user_cb cb, void *payload);
  int (*user_remove)(wl_store *st, const char *name);
  int (*session_add)(wl_store *st, const char *sid_hash, int64_t user_id, const char *csrf,
                     int64_t expires_at, int64_t now);
  int (*session_get)(wl_store *st, int64_t *user_id, char *csrf, size_t csrflen,
                     const char *sid_hash, int64_t now);
  int (*session_delete)(wl_store *st, const char *sid_hash);
  int (*sessions_expire)(wl_store *st, int64_t now);
  int (*sessions_delete_user)(wl_store *st, int64_t user_id);
  int (*apikey_add)(wl_store *st, int64_t user_id, const char *key_hash, int64_t now);
  int (*apikey_find)(wl_store *st, int64_t *user_id, const char *key_hash);
  int (*apikeys_delete_user)(wl_store *st, int64_t user_id);
} wl_store_web_ops;

typedef struct wl_store_lease_ops {
  int (*lease_acquire)(wl_store *st, int *held, int64_t source_id, const char *owner, int64_t now,
                       int64_t ttl_s);
  int (*lease_release)(wl_store *st, int64_t source_id, const char *owner);
  int (*leases_list)(wl_store *st, wl_lease_cb cb, void *payload);
} wl_store_lease_ops;

typedef struct wl_store_plan_ops {
  int (*vol_import_add)(wl_store *st, int64_t source_id, const wl_vol_import_row *row);
  int (*vol_imports_query)(wl_store *st, int64_t source_id, const char *queue_id, int64_t from,
                           int64_t to, wl_vol_import_cb cb, void *payload);
  int (*special_day_set)(wl_store *st, int64_t source_id, const wl_special_day_row *row);
  int (*special_day_remove)(wl_store *st, int64_t source_id, const char *queue_id,
                            const char *date);
  int (*special_days_list)(wl_store *st, int64_t source_id, wl_special_day_cb cb,
                           void *payload);
  int (*forecast_save)(wl_store *st, int64_t *out_id, int64_t source_id,
                       const wl_fc_saved_row *hdr, const wl_fc_value_row *rows, size_t n);
  int (*forecasts_saved_list)(wl_store *st, int64_t source_id, wl_fc_saved_cb cb,
                              void *payload);
  int (*forecast_saved_values)(wl_store *st, int64_t saved_id, const char *queue_id,
                               int64_t from, int64_t to, wl_fc_value_cb cb, void *payload);
} wl_store_plan_ops;

typedef struct wl_store_ops {
  int version;                 /* WL_STORE_OPS_VERSION */
  const char *name;            /* "sqlite" | "postgresql" */
  const wl_store_conn_ops *conn;
  const wl_store_source_ops *sources;
  const wl_store_token_ops *tokens;
  const wl_store_setting_ops *settings;
  const wl_store_directory_ops *directory;
  const wl_store_interval_ops *intervals;
  const wl_store_state_ops *states;
  const wl_store_schedule_ops *schedules;
  const wl_store_rule_ops *rules;
  const wl_store_run_ops *runs;
  const wl_store_web_ops *web;
  const wl_store_lease_ops *leases;
  const wl_store_plan_ops *plans;     /* planning: imports, special days, saved forecasts */
} wl_store_ops;

/* A backend's connection table from functions named PREFIX_close, ... */
#define WL_STORE_CONN_OPS_INIT(prefix)                                                     \
  {                                                                                       \
    .close = prefix##_close, .schema_version = prefix##_schema_version,                   \
    .begin = prefix##_begin, .commit = prefix##_commit, .rollback = prefix##_rollback,    \
    .lock_wait = prefix##_lock_wait,                                                      \
  }

/* A backend's ops table from its domain tables, named PREFIX_DOMAIN_ops
 * (sq_sources_ops, pg_sources_ops, ...). */
#define WL_STORE_OPS_INIT(prefix, backend_name)                                            \
  {                                                                                       \
    .version = WL_STORE_OPS_VERSION, .name = backend_name, .conn = &prefix##_conn_ops,    \
    .sources = &prefix##_sources_ops, .tokens = &prefix##_tokens_ops,                     \
    .settings = &prefix##_settings_ops, .directory = &prefix##_directory_ops,             \
    .intervals = &prefix##_intervals_ops, .states = &prefix##_states_ops,                 \
    .schedules = &prefix##_schedules_ops, .rules = &prefix##_rules_ops,                   \
    .runs = &prefix##_runs_ops, .web = &prefix##_web_ops, .leases = &prefix##_leases_ops, \
    .plans = &prefix##_plans_ops,                                                         \
  }

struct wl_store {
  const wl_store_ops *ops;
};

/* The end of a backend's constructor: *out = st when rc is 0, else st is
 * closed (through its ops) and *out stays NULL. Returns rc. */
int wl_store_opened(wl_store **out, wl_store *st, int rc);

/* Backend constructors (store/sqlite/, store/pg/). */
int wl_store_sqlite_open(wl_store **out, const char *path);
int wl_store_pg_open(wl_store **out, const char *uri);

#endif
