#ifndef WL_WFM_VOLUME_H
#define WL_WFM_VOLUME_H
/*
 * 8x8 interaction legs -> 15-minute rows per queue (8x8-api.md section 3):
 * a leg belongs to the interval holding its create timestamp; only inbound
 * legs count; entered = legs, accepted = legs with an accept time, abandoned
 * = legs with an abandon time; handle = process + post-process over accepted
 * legs; wait = accept - create (accepted) or abandon - create (abandoned);
 * duplicates (same interaction id and trans-rec-num) count once; a row only
 * where at least one inbound leg entered. Pure: no I/O.
 */
#include <stddef.h>
#include <stdint.h>
#include "wfm/records.h"

typedef struct wl_volume_row {
  char queue_id[64];
  int64_t start_utc;
  int64_t entered, accepted, abandoned, handle_time_s, wait_time_s;
} wl_volume_row;

/* Aggregates legs whose create time lies in [from, to) (others are ignored).
 * *out is malloc'd (caller frees), sorted by start, then queue_id. */
int wl_volume_aggregate(wl_volume_row **out, size_t *nout, const wl_leg *legs,
                        size_t nlegs, int64_t from, int64_t to);

#endif
