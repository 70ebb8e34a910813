#ifndef WL_CORE_RUNS_H
#define WL_CORE_RUNS_H
/*
 * Who runs a collection run, so that a run left `running` is closed only
 * once the process running it is gone (issue 16).
 *
 * Every process has an owner id, "HOST:PID:RANDOM" (wl_app.owner), stored
 * with each run it begins, and keeps a heartbeat in the global settings
 * while it collects: `serve` its "instance:OWNER" (which also shares the
 * sources out, core/collector.c), `backfill` and `collect` a
 * "process:OWNER"; each holds the unix time it expires. A run still
 * `running` is stale when it has no owner (recorded before owners were),
 * or its owner ran on this host and that process no longer exists, or the
 * owner's heartbeat is missing or expired. So a `backfill` started beside a
 * running `serve` leaves the service's runs alone, and the reverse.
 */
#include <stddef.h>
#include <stdint.h>
#include "core/app.h"

/* A new owner id for this process ("HOST:PID:RANDOM", at most 90 bytes). */
void wl_owner_id(char *out, size_t n);

/* How long a heartbeat lasts: WFMLINK_LEASE_TTL_S (tests), else 30 s. */
int64_t wl_heartbeat_ttl_s(void);

/* Writes or renews "process:OWNER" = now + ttl_s; _clear removes it. */
int wl_process_heartbeat(wl_app *app, int64_t ttl_s);
void wl_process_heartbeat_clear(wl_app *app);

/* Marks the source's stale runs (see above) `interrupted`; *marked tells
 * how many. Runs of live processes, and this process's own, are kept. */
int wl_runs_interrupt_stale(int *marked, wl_app *app, int64_t source_id);

#endif
