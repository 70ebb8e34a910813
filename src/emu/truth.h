#ifndef WL_EMU_TRUTH_H
#define WL_EMU_TRUTH_H
/*
 * Ground truth as CSV, computed straight from the simulation (never through
 * src/wfm/), for the /_emu/ endpoints and for tests.
 */
#include <stdint.h>

#include "emu/sim.h"
#include "util/buf.h"
#include "util/tz.h"

/* The 15-minute rows of 8x8-api.md section 3 over the fully filled-in legs
 * (late columns ignored) created in [from, to) and not after now; an accept
 * or abandon after now does not count yet. Every leg resolves within an hour
 * of its creation (at dwell scale 1), so with the default late window any
 * leg no longer late is complete. Rows ordered by start, then queue; only
 * rows with at least one inbound leg. Header:
 * queue_id,queue_name,start_utc,interval_start,entered,accepted,abandoned,
 * handle_time_s,wait_time_s */
int emu_truth_intervals(emu_sim *s, int tenant, int64_t from, int64_t to, int64_t now,
                        const wl_tz *tz, wl_buf *b);
/* Every agent's true timeline clipped to [from, min(to, now)), agent by
 * agent. Header: agent_id,state,vendor_code,start_utc,end_utc */
int emu_truth_states(emu_sim *s, int tenant, int64_t from, int64_t to, int64_t now, wl_buf *b);
/* The schedule segments overlapping [from, to), whole, agent by agent, as a
 * wfmlink schedule CSV: agent_id,start,end,activity (times in tz). */
int emu_schedule_csv(const emu_sim *s, int tenant, int64_t from, int64_t to, const wl_tz *tz,
                     wl_buf *b);
/* Neutral state name of an rtstats status code (wfm-definitions.md). */
const char *emu_state_name(int code);

#endif
