#ifndef WL_EMU_SIM_H
#define WL_EMU_SIM_H
/*
 * The emulator's simulated contact center. Everything is a pure function of
 * (seed, tenant, agent or queue, local day): a day is generated on demand
 * (all agents' state timelines and all queue legs of that day) and kept in a
 * small bounded cache, so any past range can be served again identically
 * without holding history in memory.
 *
 * A local day is the contact center's calendar day in its time zone,
 * numbered as days since 1970-01-01 (wl_days_from_civil). Every leg generated
 * for a day was created inside that day; every agent's day starts and ends
 * logged out, so days can be concatenated.
 */
#include <stddef.h>
#include <stdint.h>

#include "util/tz.h"

enum { EMU_MEDIA_PHONE, EMU_MEDIA_CHAT, EMU_MEDIA_EMAIL, EMU_MEDIA_VMAIL };

/* rtstats agent-status codes (8x8-api.md); 7 is the "unknown code" one
 * agent sometimes shows. */
enum {
  EMU_ST_AVAILABLE = 0,
  EMU_ST_OFFERED = 1,
  EMU_ST_BUSY = 2,
  EMU_ST_WRAP = 3,
  EMU_ST_BREAK = 4,
  EMU_ST_OFFLINE = 5,
  EMU_ST_ODD = 7,
  EMU_ST_LOGGED_OUT = 9
};

/* Schedule activities (wfm-definitions.md). */
enum { EMU_ACT_PHONE, EMU_ACT_OFFLINE, EMU_ACT_BREAK, EMU_ACT_LUNCH };

/* The agent whose idle time sometimes shows status 7 (when it exists). */
#define EMU_ODD_AGENT 2
#define EMU_MAX_AGENTS 9999
#define EMU_MAX_QUEUES 999
#define EMU_MAX_TENANTS 1000

typedef struct emu_sim_config {
  uint64_t seed;
  int tenants;        /* >= 1 */
  int agents;         /* per tenant, 1..EMU_MAX_AGENTS */
  int queues;         /* per tenant, 1..EMU_MAX_QUEUES */
  const wl_tz *tz;    /* borrowed; must outlive the simulation */
  double dwell_scale; /* multiplies call-cycle state durations */
  size_t cache_items; /* cache budget in legs + segments; 0: 2,000,000 */
} emu_sim_config;

/* One queue leg. Times are UTC seconds; 0 means "never". */
typedef struct emu_leg {
  int64_t id;      /* interaction-id */
  int64_t create;  /* entered the queue */
  int64_t offer;   /* offered to the agent (accepted legs) */
  int64_t accept;
  int64_t abandon;
  int64_t xfer;    /* left this queue by transfer (first leg of a transfer) */
  int32_t agent;   /* agent index, -1 when none */
  int32_t process; /* seconds of talk + hold */
  int32_t post;    /* seconds of wrap-up */
  int16_t queue;   /* queue index */
  uint8_t trn;     /* trans-rec-num, 1-based */
  uint8_t outbound;
} emu_leg;

/* When the leg is finished (accepted: after wrap-up; abandoned; transferred
 * away), 0 if never. */
int64_t emu_leg_end(const emu_leg *l);
/* Wait time as section 3 counts it: accept or abandon minus create, else 0. */
int64_t emu_leg_wait(const emu_leg *l);

/* One segment [start, end) of an agent's true timeline. queue is the queue
 * of the contact being offered / handled / wrapped (-1 otherwise). */
typedef struct emu_seg {
  int64_t start, end;
  int16_t code;
  int16_t queue;
} emu_seg;

typedef struct emu_sched {
  int64_t start, end;
  int activity;
} emu_sched;

typedef struct emu_day {
  int tenant;
  int64_t dn;         /* local day number */
  int64_t start, end; /* UTC instants of local midnight and the next one */
  emu_leg *legs;      /* ordered by create, id, trn */
  size_t nlegs;
  emu_seg *segs;      /* agent a owns segs[agent_off[a] .. agent_off[a+1]) */
  size_t nsegs;
  size_t *agent_off;
  /* cache bookkeeping (sim.c) */
  int refs, dead;
  struct emu_day *next;
} emu_day;

typedef struct emu_agent {
  char id[48];
  char name[96];
  int group;      /* group-id */
  int queue;      /* index of the queue the agent serves */
  int shift_min;  /* scheduled start, minutes after local midnight */
  int lunch_min;  /* 30 or 60 */
  int lunch_logs_out;
} emu_agent;

typedef struct emu_queue {
  int64_t id;
  char name[64];
  int media;
  int sla_target; /* seconds */
} emu_queue;

typedef struct emu_sim emu_sim;

int emu_sim_new(emu_sim **out, const emu_sim_config *cfg);
void emu_sim_free(emu_sim *s);
const emu_sim_config *emu_sim_cfg(const emu_sim *s);

void emu_sim_agent(emu_agent *out, const emu_sim *s, int tenant, int idx);
/* Index of the agent with this login id, or -1. */
int emu_sim_agent_find(const emu_sim *s, int tenant, const char *id);
void emu_sim_queue(emu_queue *out, const emu_sim *s, int tenant, int idx);
/* Index of the queue with this queue-id, or -1. */
int emu_sim_queue_find(const emu_sim *s, int tenant, int64_t id);
const char *emu_media_name(int media);

/* Local day number containing t, and the UTC start of a local day. */
int64_t emu_sim_day_of(const emu_sim *s, int64_t t);
int64_t emu_sim_day_start(const emu_sim *s, int64_t dn);

/* The whole generated day (cached, shared, read-only). Release it. */
int emu_sim_day(const emu_day **out, emu_sim *s, int tenant, int64_t dn);
void emu_sim_day_release(emu_sim *s, const emu_day *d);

/* The planned schedule of one agent on one local day, in order. Returns the
 * number of segments (0 on a day off); cap >= 12 is always enough. */
size_t emu_sim_schedule(emu_sched *out, size_t cap, const emu_sim *s, int tenant, int agent,
                        int64_t dn);

/* Agent state at instant t, with the true start of that state (looking back
 * across days; at most 31 days) and its end. */
typedef struct emu_state {
  int code;
  int64_t start, end;
  int queue;
} emu_state;
int emu_sim_state_at(emu_state *out, emu_sim *s, int tenant, int agent, int64_t t);

/* Calls cb for every leg whose create is in [from, to] (both inclusive), in
 * order (create, interaction-id, trans-rec-num). A non-zero return from cb
 * stops the walk and is returned. */
typedef int (*emu_leg_cb)(void *ud, const emu_leg *leg);
int emu_sim_legs(emu_sim *s, int tenant, int64_t from, int64_t to, emu_leg_cb cb, void *ud);

/* The agent's true timeline clipped to [from, to): adjacent segments with the
 * same code are merged (also across local midnight), so the segments are
 * contiguous and non-overlapping. */
typedef int (*emu_seg_cb)(void *ud, const emu_seg *seg);
int emu_sim_timeline(emu_sim *s, int tenant, int agent, int64_t from, int64_t to, emu_seg_cb cb,
                     void *ud);

/* Relative call load at t (intraday x weekday pattern, in the sim's zone). */
double emu_sim_load(const emu_sim *s, int64_t t);

#endif
