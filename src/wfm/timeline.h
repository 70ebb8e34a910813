#ifndef WL_WFM_TIMELINE_H
#define WL_WFM_TIMELINE_H
/*
 * How real-time polls become an agent_state timeline
 * (wfm-definitions.md, "How polls become a timeline"). Pure: given the open
 * segments, the time of the last successful poll and a new snapshot, it
 * returns the operations to apply to the store.
 */
#include <stddef.h>
#include <stdint.h>
#include "wfm/records.h"

typedef struct wl_timeline_ops {
  wl_state_op *ops;
  size_t n, cap;
  char *strings;          /* backing store for the ops' strings */
  size_t slen, scap;
} wl_timeline_ops;

/* open: the current segment of each agent (end_utc == WL_OPEN_END).
 * Starts are capped at what was observed: never before last_ok (or, on the
 * first poll, now), never after now (docs/DECISIONS.md). Linear in agents.
 * last_ok: the response time of the previous successful poll (0: none).
 * now: floor(response time) of this poll. max_gap: rt_max_gap_s. */
int wl_timeline_step(wl_timeline_ops *out, const wl_state_row *open, size_t nopen,
                     int64_t last_ok, const wl_rt_agent *snap, size_t nsnap,
                     int64_t now, int64_t max_gap);
void wl_timeline_ops_free(wl_timeline_ops *ops);

#endif
