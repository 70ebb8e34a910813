#ifndef WL_WFM_RECORDS_H
#define WL_WFM_RECORDS_H
/*
 * The vendor-neutral records that a source adapter (sources/8x8/) produces
 * and the wfm engine consumes. Nothing here knows about 8x8's field names.
 */
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

#endif
