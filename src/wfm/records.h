#ifndef WL_WFM_RECORDS_H
#define WL_WFM_RECORDS_H
/*
 * The vendor-neutral records that a source adapter (sources/8x8/) produces,
 * the wfm engine consumes and the store (store/store.h) keeps: sources,
 * queues, agents, intervals, state segments, schedules, rules, runs and
 * users. Nothing here knows about 8x8's field names or about SQL; wfm/
 * includes this header, never the store's.
 *
 * Strings in row structs are valid only during the callback that delivers
 * them; a callback returning non-zero stops the query and that value is
 * returned.
 */
#include <stddef.h>
#include <stdint.h>

/* Neutral agent states (wfm-definitions.md). */
#define WL_STATE_AVAILABLE  "available"
#define WL_STATE_OFFERED    "offered"
#define WL_STATE_BUSY       "busy"
#define WL_STATE_WRAP       "wrap"
#define WL_STATE_BREAK      "break"
#define WL_STATE_OFFLINE    "offline"
#define WL_STATE_LOGGED_OUT "logged_out"
#define WL_STATE_UNKNOWN    "unknown"

/* Whether s is one of the eight neutral state names. */
int wl_state_valid(const char *s);
/* Logged in = not logged_out and not unknown. Working = available, offered,
 * busy, wrap, offline. */
int wl_state_working(const char *s);

/* One agent in one real-time snapshot. */
typedef struct wl_rt_agent {
  char agent_id[128];
  char name[256];
  char group_id[32];
  char state[16];        /* neutral name */
  char vendor_code[16];  /* 8x8 agent-status as text, e.g. "7" */
  int64_t time_in_status;/* seconds; negative or missing is taken as 0 */
} wl_rt_agent;

/* One queue leg of an interaction from the historical API. */
typedef struct wl_leg {
  char interaction_id[64];
  char trans_rec_num[32];
  char queue_id[64];     /* resolved by the adapter from queue-name */
  char queue_name[256];
  char media_type[16];
  int inbound;           /* interaction-direction == inbound */
  int64_t create_ts;
  int has_accept;
  int64_t accept_ts;
  int has_abandon;
  int64_t abandon_ts;
  int64_t process_s;     /* rounded to whole seconds */
  int64_t post_process_s;
} wl_leg;

/* ---- stored rows ---- */

#define WL_OPEN_END INT64_MIN /* agent_state.end_utc while the segment is current */

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
  const char *owner;        /* the process that runs it (core/runs.h), "" when none */
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

#endif
