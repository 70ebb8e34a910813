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

/*
 * One timestamped change (a streamed AgentStatusChange): "from t on, the
 * agent is in state/code". cur is the agent's stored segment containing t
 * (NULL: none), next the stored segment after it (see below). The plan keeps the rules of
 * wfm-definitions.md: segments never overlap and are never empty.
 *   IGNORE  nothing to do: the same change is stored already ("duplicate":
 *           same state and start), the agent is in that state since earlier
 *           ("same-state"), or a closed segment of another state starts at
 *           exactly t ("conflict": the stored one is kept)
 *   APPEND  cur is the open segment: close it at `from`, open a new one
 *           there (from = t, or cur's start + 1 when cur opened at t)
 *   SPLIT   the new segment is [from, to), inside or before closed time
 *           (an event that arrived out of order, or a catch-up that is more
 *           precise than the poll's estimate): whatever is stored there is
 *           trimmed around it
 *   NEW     the agent has nothing at or after t: a new open segment at t
 *   MERGE   like SPLIT, but the segment that follows (starting at
 *           close_start, ending at `to`, WL_OPEN_END when open) has the
 *           event's state: the poll saw the change late, so that segment
 *           now starts at `from` (one segment, not two of the same state)
 *
 * next is the segment starting where cur ends (cur closed), or the first
 * one after t (no cur); NULL when there is none.
 */
enum wl_change_kind { WL_CHANGE_IGNORE, WL_CHANGE_APPEND, WL_CHANGE_SPLIT, WL_CHANGE_NEW,
                      WL_CHANGE_MERGE };
typedef struct wl_change_plan {
  enum wl_change_kind kind;
  int64_t from, to;       /* the new segment; to = WL_OPEN_END when open */
  int64_t close_start;    /* APPEND: start of the open segment closed at from */
  const char *why;        /* IGNORE: "duplicate" | "same-state" | "conflict" */
} wl_change_plan;

void wl_timeline_change(wl_change_plan *out, const wl_state_row *cur, const wl_state_row *next,
                        int64_t t, const char *state, const char *code);

#endif
