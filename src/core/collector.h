#ifndef WL_CORE_COLLECTOR_H
#define WL_CORE_COLLECTOR_H
/*
 * The two collectors (design.md "Collection rules") on one libcurl multi
 * loop: no thread per source, and one writer (the loop thread) per store.
 *
 * A job is one real-time poll, or one historical window read page by page.
 * A window is stored only after every page was read and parsed, in one
 * transaction: a failure or an interruption stores nothing of it.
 */
#include <signal.h>
#include <stdint.h>
#include "core/app.h"

typedef struct wl_collector wl_collector;

/* Called after each backfill window: done of total windows. */
typedef void (*wl_progress_fn)(void *payload, int done, int total, int64_t win_from,
                               int64_t win_to, int64_t rows);

int wl_collector_new(wl_collector **out, wl_app *app, volatile sig_atomic_t *stop);
void wl_collector_free(wl_collector *c);
/* serve: when *reload is set (SIGHUP), the sources are read again at the
 * next turn and *reload is cleared. */
void wl_collector_watch_reload(wl_collector *c, volatile sig_atomic_t *reload);

/* One poll of agent states, retried on transient failures. */
int wl_collect_realtime_once(wl_collector *c, const wl_source *src);
/* The trailing window (repull-window-s up to the last 15-minute boundary). */
int wl_collect_historical_once(wl_collector *c, const wl_source *src);
/* [from, to) in windows of 6 hours, oldest first; windows already stored
 * stay stored when a later one fails. */
int wl_collect_backfill(wl_collector *c, const wl_source *src, int64_t from, int64_t to,
                        wl_progress_fn progress, void *payload);
/* The service loop: every enabled source, both collectors, until *stop.
 * what: bit 1 real-time, bit 2 historical. */
int wl_collector_serve(wl_collector *c, int what);

#define WL_BACKFILL_CHUNK_S (6 * 3600)

/* Wall clock steps, found by comparing it with the monotonic clock between
 * two looks (a wall clock that stands still, as WFMLINK_FAKE_NOW, is no
 * step). Returns the step in whole seconds (> 0 forward), 0 when the two
 * clocks moved alike within WL_CLOCK_JUMP_MS or on the first look. */
#define WL_CLOCK_JUMP_MS 2000
typedef struct wl_clockwatch {
  int64_t wall_s, mono_ms;
  int primed;
} wl_clockwatch;
int64_t wl_clock_jump_s(wl_clockwatch *w, int64_t wall_s, int64_t mono_now_ms);

#endif
