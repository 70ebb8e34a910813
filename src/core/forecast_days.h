#ifndef WL_CORE_FORECAST_DAYS_H
#define WL_CORE_FORECAST_DAYS_H
/*
 * Local days of 15-minute intervals for the forecast engine: the day
 * skeleton (starts and local slots, computed once per source and range),
 * the observed flags from successful collection runs and `volume import`
 * coverage, and the stored values of one queue. Internal to core/.
 */
#include <stdint.h>
#include "core/app.h"
#include "core/forecast.h"
#include "core/report.h"
#include "util/tz.h"
#include "wfm/forecast.h"

typedef struct wl_fc_grid {
  wl_fc_day *days;
  size_t ndays;
  wl_fc_iv *iv;              /* every interval, in time order */
  size_t niv;
  int64_t t0, t1;            /* [t0, t1): iv[k].start_utc == t0 + 900 k */
  unsigned char *run_ok;     /* per interval: a good historical/backfill run covered it */
} wl_fc_grid;

/* Local day number (days since 1970-01-01) of the instant t. */
int64_t wl_fc_local_day(const wl_tz *tz, int64_t t);

/* The local days [day_from, day_to) with their intervals. */
int wl_fc_grid_new(wl_fc_grid *g, const wl_tz *tz, int64_t day_from, int64_t day_to);
void wl_fc_grid_free(wl_fc_grid *g);

/* Marks the intervals that good runs of the source covered (source-wide). */
int wl_fc_grid_runs(wl_fc_grid *g, wl_app *app, const wl_source *src);

/* Fills the grid with one queue's history: observed = run_ok, or inside an
 * import of the queue, or holding a stored row; only intervals that end at
 * or before `until` (the as-of instant) are read or marked. */
int wl_fc_grid_load_queue(wl_fc_grid *g, wl_app *app, const wl_source *src,
                          const char *queue_id, int64_t until);

/* The special days of the queue (rows for every queue included); *out
 * malloc'd, NULL when none. */
int wl_fc_special_load(wl_fc_special **out, size_t *n, wl_app *app, const wl_source *src,
                       const char *queue_id);

/* The text-row wrappers of the forecast and staffing reports: the rows go
 * to cb, notes to the caller's note callback with the caller's payload. */
typedef struct wl_fc_text {
  wl_report_row_cb cb;
  void *payload;
  const wl_tz *tz;
  wl_forecast_note_cb note;
} wl_fc_text;

int wl_fc_text_note(void *payload, const char *queue_id, const char *text);
/* v with `decimals` decimals, half away from zero, never "-0.0". */
void wl_fc_fmt(char *buf, size_t n, int decimals, double v);

#endif
