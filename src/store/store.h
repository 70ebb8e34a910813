#ifndef WL_STORE_STORE_H
#define WL_STORE_STORE_H
/*
 * The storage interface: a struct of function pointers chosen by DSN
 * ("sqlite:PATH" or "postgresql://..."). Only store/ contains SQL; every
 * value reaches the database as a bound parameter.
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

#define WL_OPEN_END INT64_MIN /* agent_state.end_utc while the segment is current */

typedef struct wl_store wl_store;

typedef struct wl_source {
  int64_t id;
  char name[64];
  char vendor[16];          /* "8x8" */
  char base_url[512];       /* real-time API root, ends in "/api/" */
  char tenant[128];
  char hist_base_url[512];  /* historical API root */
  char hist_tenant[128];
  int has_token;            /* an encrypted token is stored */
  int has_hist_token;
  int64_t token_changed_at; /* 0 when never set */
  int64_t hist_token_changed_at;
  int interval_s;           /* real-time poll interval */
  char timezone[64];        /* IANA name */
  int enabled;
  int64_t created_at, updated_at;
} wl_source;

enum wl_token_kind { WL_TOKEN_RT = 0, WL_TOKEN_HIST = 1 };

typedef struct wl_queue_row {
  const char *queue_id;     /* 8x8 queue-id, as text */
  const char *name;
  const char *media_type;
} wl_queue_row;

typedef struct wl_agent_row {
  const char *agent_id;     /* 8x8 login id */
  const char *name;
  const char *group_id;     /* may be "" */
} wl_agent_row;

typedef struct wl_interval_row {
  const char *queue_id;
  int64_t start_utc;        /* multiple of 900 */
  int64_t entered, accepted, abandoned;
  int64_t handle_time_s, wait_time_s;
  int final;
  int64_t updated_at;
} wl_interval_row;

typedef struct wl_state_row {
  const char *agent_id;
  int64_t start_utc;
  int64_t end_utc;          /* WL_OPEN_END while current */
  const char *state;        /* neutral name */
  const char *vendor_code;  /* "" for unobserved time */
} wl_state_row;

/* One change to the agent_state timeline, produced by wfm/timeline.c. */
enum wl_state_op_kind { WL_STATE_INSERT, WL_STATE_CLOSE };
typedef struct wl_state_op {
  enum wl_state_op_kind kind;
  wl_state_row row;         /* INSERT: the new segment. CLOSE: agent_id and
                               start_utc identify it, end_utc is the new end */
} wl_state_op;

typedef struct wl_schedule_row {
  const char *agent_id;
  int64_t start_utc, end_utc;
  const char *activity;
} wl_schedule_row;

typedef struct wl_rule_row {
  const char *activity;
  const char *state;        /* neutral state name */
  const char *verdict;      /* "in" | "out" | "neutral" */
  const char *kind;         /* activity kind: "work" | "rest" */
} wl_rule_row;

typedef struct wl_run_row {
  int64_t id;
  int64_t source_id;
  const char *kind;         /* "realtime" | "historical" | "backfill" | "test" */
  int64_t window_from, window_to; /* 0 when not applicable */
  int64_t started, finished;      /* finished 0 while running */
  const char *outcome;      /* "running" | "ok" | "error" | "interrupted" */
  int64_t pages, rows;
  int http_status;          /* last HTTP status, 0 when none */
  const char *error;        /* "" when none */
} wl_run_row;

typedef int (*wl_source_cb)(void *payload, const wl_source *src);
typedef int (*wl_queue_cb)(void *payload, const wl_queue_row *row);
typedef int (*wl_agent_cb)(void *payload, const wl_agent_row *row);
typedef int (*wl_interval_cb)(void *payload, const wl_interval_row *row);
typedef int (*wl_state_cb)(void *payload, const wl_state_row *row);
typedef int (*wl_schedule_cb)(void *payload, const wl_schedule_row *row);
typedef int (*wl_rule_cb)(void *payload, const wl_rule_row *row);
typedef int (*wl_run_cb)(void *payload, const wl_run_row *row);
typedef int (*wl_setting_cb)(void *payload, const char *key, const char *value);

typedef struct wl_user_row {
  int64_t id;
  const char *name;
  int64_t created_at;
} wl_user_row;
typedef int (*wl_user_cb)(void *payload, const wl_user_row *row);

/* Planning (issue 12). Observed coverage from `volume import`: the local
 * days [from, to) of one queue count as observed (no row = 0 contacts). */
typedef struct wl_vol_import_row {
  const char *queue_id;
  int64_t from, to;
  int64_t imported_at;
} wl_vol_import_row;
typedef int (*wl_vol_import_cb)(void *payload, const wl_vol_import_row *row);

/* A day set by hand for forecasting: date "YYYY-MM-DD" (local), queue_id ""
 * for every queue of the source; exclude 1 leaves a past day out, else
 * factor_milli/1000 multiplies a future day's forecast. */
typedef struct wl_special_day_row {
  const char *queue_id;
  const char *date;
  int exclude;
  int64_t factor_milli;
} wl_special_day_row;
typedef int (*wl_special_day_cb)(void *payload, const wl_special_day_row *row);

/* A forecast a planner saved (forecast --save NAME), and its values in
 * tenths (volume 12.3 -> 123; aht_x10 -1 when none). */
typedef struct wl_fc_saved_row {
  int64_t id;
  const char *name;
  int64_t created_at, as_of, from, to;
} wl_fc_saved_row;
typedef struct wl_fc_value_row {
  const char *queue_id;
  int64_t start_utc;
  int64_t volume_x10;
  int64_t aht_x10;
  const char *method;
} wl_fc_value_row;
typedef int (*wl_fc_saved_cb)(void *payload, const wl_fc_saved_row *row);
typedef int (*wl_fc_value_cb)(void *payload, const wl_fc_value_row *row);

struct wl_store {
  const char *backend;      /* "sqlite" | "postgresql" */
  void (*close)(wl_store *st);
  int (*schema_version)(wl_store *st, int *out);

  int (*begin)(wl_store *st);
  int (*commit)(wl_store *st);
  int (*rollback)(wl_store *st);

  /* sources: add fills src->id; WL_EEXISTS for a taken name;
   * get/update/remove WL_ENOTFOUND for an unknown one. has_token fields and
   * token_changed_at are read-only here (see set_token). */
  int (*source_add)(wl_store *st, wl_source *src);
  int (*source_update)(wl_store *st, const wl_source *src);
  int (*source_get)(wl_store *st, wl_source *out, const char *name);
  int (*source_get_by_id)(wl_store *st, wl_source *out, int64_t id);
  int (*source_list)(wl_store *st, wl_source_cb cb, void *payload); /* by name */
  int (*source_remove)(wl_store *st, int64_t id); /* and all its data */

  /* tokens are opaque encrypted blobs here (util/secret.h encrypts);
   * get gives WL_ENOTFOUND when none is set; *out is malloc'd */
  int (*token_set)(wl_store *st, int64_t source_id, enum wl_token_kind kind,
                   const unsigned char *blob, size_t len, int64_t now);
  int (*token_get)(wl_store *st, unsigned char **out, size_t *len,
                   int64_t source_id, enum wl_token_kind kind);

  /* settings: source_id 0 is the global scope */
  int (*setting_set)(wl_store *st, int64_t source_id, const char *key, const char *value);
  int (*setting_get)(wl_store *st, char *out, size_t outlen, int64_t source_id,
                     const char *key); /* WL_ENOTFOUND when unset */
  int (*setting_list)(wl_store *st, int64_t source_id, wl_setting_cb cb, void *payload);

  int (*queues_upsert)(wl_store *st, int64_t source_id, const wl_queue_row *rows, size_t n);
  int (*queues_list)(wl_store *st, int64_t source_id, wl_queue_cb cb, void *payload);
  int (*agents_upsert)(wl_store *st, int64_t source_id, const wl_agent_row *rows, size_t n);
  int (*agents_list)(wl_store *st, int64_t source_id, wl_agent_cb cb, void *payload);
  int (*agent_get)(wl_store *st, wl_agent_row *out_unused, int64_t source_id,
                   const char *agent_id); /* 0 if known, WL_ENOTFOUND if not */

  /* interval_volume: replaces every row of the source whose start lies in
   * [from, to) with rows (all inside the window), atomically. */
  int (*intervals_replace)(wl_store *st, int64_t source_id, int64_t from, int64_t to,
                           const wl_interval_row *rows, size_t n);
  /* sets final = 1 on rows that start before `before` */
  int (*intervals_finalize)(wl_store *st, int64_t source_id, int64_t before);
  int (*intervals_delete)(wl_store *st, int64_t source_id, const char *queue_id,
                          int64_t start_utc);
  /* rows with start in [from, to), queue_id NULL for all; by start, queue */
  int (*intervals_query)(wl_store *st, int64_t source_id, const char *queue_id,
                         int64_t from, int64_t to, wl_interval_cb cb, void *payload);

  /* agent_state */
  int (*states_apply)(wl_store *st, int64_t source_id, const wl_state_op *ops, size_t n);
  int (*states_open)(wl_store *st, int64_t source_id, wl_state_cb cb, void *payload);
  /* segments overlapping [from, to) (open ones count as reaching +inf),
   * agent NULL for all; by agent, start. Not clipped. */
  int (*states_query)(wl_store *st, int64_t source_id, const char *agent_id,
                      int64_t from, int64_t to, wl_state_cb cb, void *payload);
  /* states import: for the agent, trims or removes stored segments that
   * overlap [from, to), then inserts rows (all inside [from, to)). */
  int (*states_replace)(wl_store *st, int64_t source_id, const char *agent_id,
                        int64_t from, int64_t to, const wl_state_row *rows, size_t n);

  /* schedule_segment: deletes the agent's segments overlapping [from, to),
   * then inserts rows. */
  int (*schedule_replace)(wl_store *st, int64_t source_id, const char *agent_id,
                          int64_t from, int64_t to, const wl_schedule_row *rows, size_t n);
  int (*schedule_query)(wl_store *st, int64_t source_id, const char *agent_id,
                        int64_t from, int64_t to, wl_schedule_cb cb, void *payload);

  int (*rule_set)(wl_store *st, int64_t source_id, const wl_rule_row *rule);
  int (*rules_list)(wl_store *st, int64_t source_id, wl_rule_cb cb, void *payload);

  /* collection_run */
  int (*run_begin)(wl_store *st, int64_t *out_id, int64_t source_id, const char *kind,
                   int64_t window_from, int64_t window_to, int64_t started);
  int (*run_end)(wl_store *st, int64_t id, int64_t finished, const char *outcome,
                 int64_t pages, int64_t rows, int http_status, const char *error);
  /* newest first; source_id 0 for all */
  int (*runs_list)(wl_store *st, int64_t source_id, int limit, wl_run_cb cb, void *payload);

  /* web accounts (issue 5). Password hashes are Argon2id strings from
   * libsodium; session ids and API keys are stored only as hashes. */
  int (*user_add)(wl_store *st, int64_t *out_id, const char *name, const char *pw_hash,
                  int64_t now);                     /* WL_EEXISTS for a taken name */
  int (*user_set_password)(wl_store *st, const char *name, const char *pw_hash);
  int (*user_get)(wl_store *st, int64_t *out_id, char *pw_hash, size_t hashlen,
                  const char *name);                /* WL_ENOTFOUND */
  int (*users_list)(wl_store *st, wl_user_cb cb, void *payload);
  int (*session_add)(wl_store *st, const char *sid_hash, int64_t user_id, const char *csrf,
                     int64_t expires_at, int64_t now);
  /* WL_ENOTFOUND for unknown or expired (expires_at <= now) sessions */
  int (*session_get)(wl_store *st, int64_t *user_id, char *csrf, size_t csrflen,
                     const char *sid_hash, int64_t now);
  int (*session_delete)(wl_store *st, const char *sid_hash);
  int (*sessions_expire)(wl_store *st, int64_t now);
  int (*apikey_add)(wl_store *st, int64_t user_id, const char *key_hash, int64_t now);
  int (*apikey_find)(wl_store *st, int64_t *user_id, const char *key_hash); /* WL_ENOTFOUND */

  /* source leases (issue 8): several `serve` instances on one database
   * collect a source only while they hold its lease. One row per source;
   * owner names an instance. lease_acquire takes the lease when there is
   * none, when it has expired (expires_at <= now) or when owner already
   * holds it, and then owner holds it until now + ttl_s: *held = 1. A fresh
   * lease of another owner is left alone: *held = 0. The decision is one
   * atomic statement, so two instances never both hold a source.
   * WL_ENOTFOUND for an unknown source, WL_EUSAGE for an empty owner or
   * ttl_s <= 0. Removing a source removes its lease. */
  int (*lease_acquire)(wl_store *st, int *held, int64_t source_id, const char *owner,
                       int64_t now, int64_t ttl_s);
  /* gives up owner's lease on the source (nothing happens when owner does
   * not hold it); source_id 0 gives up all of owner's leases */
  int (*lease_release)(wl_store *st, int64_t source_id, const char *owner);
  /* every lease row, expired ones included, by source id; acquired_at is
   * when the current owner took it (renewals keep it) */
  int (*leases_list)(wl_store *st,
                     int (*cb)(void *payload, int64_t source_id, const char *owner,
                               int64_t acquired_at, int64_t expires_at),
                     void *payload);

  /* collection runs of the source whose window overlaps [from, to), i.e.
   * window_from < to and window_to > from (runs without a window, 0 to 0,
   * only when the range holds 0); kind NULL for every kind. Newest first
   * (by id), at most limit rows (limit <= 0: all). The volume page's data
   * health (issue 7) reads the windows that were collected. */
  int (*runs_in_range)(wl_store *st, int64_t source_id, const char *kind, int64_t from,
                       int64_t to, int limit, wl_run_cb cb, void *payload);

  /* web accounts, continued: ending every login of a user (after a new
   * password), revoking every API key of a user, and removing a user with
   * its sessions and API keys (WL_ENOTFOUND for an unknown name). Deleting
   * what a user does not have is not an error. */
  int (*sessions_delete_user)(wl_store *st, int64_t user_id);
  int (*apikeys_delete_user)(wl_store *st, int64_t user_id);
  int (*user_remove)(wl_store *st, const char *name);

  /* planning (issue 12) */
  /* inserts the rows or replaces stored rows of the same queue and start,
   * atomically; other rows stay */
  int (*intervals_upsert)(wl_store *st, int64_t source_id, const wl_interval_row *rows,
                          size_t n);
  int (*vol_import_add)(wl_store *st, int64_t source_id, const wl_vol_import_row *row);
  /* coverage rows of the queue (NULL: all) overlapping [from, to), by start */
  int (*vol_imports_query)(wl_store *st, int64_t source_id, const char *queue_id, int64_t from,
                           int64_t to, wl_vol_import_cb cb, void *payload);
  /* one row per (queue, date): set replaces */
  int (*special_day_set)(wl_store *st, int64_t source_id, const wl_special_day_row *row);
  int (*special_day_remove)(wl_store *st, int64_t source_id, const char *queue_id,
                            const char *date); /* WL_ENOTFOUND */
  int (*special_days_list)(wl_store *st, int64_t source_id, wl_special_day_cb cb,
                           void *payload); /* by date, queue */
  /* saves under hdr->name, replacing a saved forecast of that name */
  int (*forecast_save)(wl_store *st, int64_t *out_id, int64_t source_id,
                       const wl_fc_saved_row *hdr, const wl_fc_value_row *rows, size_t n);
  int (*forecasts_saved_list)(wl_store *st, int64_t source_id, wl_fc_saved_cb cb,
                              void *payload); /* newest first */
  /* values of a saved forecast with start in [from, to), queue NULL all;
   * by start, queue */
  int (*forecast_saved_values)(wl_store *st, int64_t saved_id, const char *queue_id,
                               int64_t from, int64_t to, wl_fc_value_cb cb, void *payload);
};

/* Opens (creating and migrating) the database named by dsn. WL_EUSAGE for a
 * malformed DSN, WL_EFAIL when the schema is newer than this binary knows. */
int wl_store_open(wl_store **out, const char *dsn);
void wl_store_close(wl_store *st);

/* The newest schema version this binary knows. */
int wl_store_latest_version(void);

/* Backend constructors (store_sqlite.c, store_pg.c). */
int wl_store_sqlite_open(wl_store **out, const char *path);
int wl_store_pg_open(wl_store **out, const char *uri);

#endif
