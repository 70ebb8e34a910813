#ifndef WL_CORE_FORECAST_H
#define WL_CORE_FORECAST_H
/*
 * Forecasts of a source's queues (forecasting.md, cli.md "Forecasting and
 * staffing"): reads the stored history as local days (observed vs
 * missing), runs the engine of wfm/forecast.h per queue, and hands out rows.
 * Shared by the command line and the web page, so that a page table, its
 * CSV download and `wfmlink forecast --format csv` are the same rows.
 *
 * As of: nothing of intervals starting at or after the effective as-of
 * instant is read. A range that starts before --as-of is forecast as of its
 * start (what would have been forecast then), except that an as-of inside
 * the range's first local day re-forecasts the rest of that day from the
 * complete intervals before it (intraday).
 */
#include <stdint.h>
#include "core/app.h"
#include "core/report.h"
#include "wfm/forecast.h"

#define WL_FC_MAX_QUEUES 1000
#define WL_FC_MAX_RANGE_DAYS 400
#define WL_FC_HISTORY_DAYS 371 /* 53 weeks of history before the as-of day */

typedef struct wl_forecast_req {
  int64_t from, to;          /* [from, to) */
  int64_t as_of;
  int as_of_given;           /* 0: as_of is "now" (no limit against --to) */
  const char *const *queues; /* NULL / nqueues 0: every queue of the source */
  size_t nqueues;
  enum wl_fc_method method;
} wl_forecast_req;

typedef struct wl_forecast_row {
  const char *queue_id, *queue_name;
  int64_t start_utc;
  double volume;             /* after the intraday re-forecast */
  double base_volume;        /* before it (== volume outside the as-of day) */
  double aht_s;              /* < 0: none */
  const char *method;        /* the method used for the queue */
} wl_forecast_row;

typedef int (*wl_forecast_cb)(void *payload, const wl_forecast_row *row);
/* A note about a queue (left-out days, no history, AHT fallback). */
typedef int (*wl_forecast_note_cb)(void *payload, const char *queue_id, const char *text);

/* Checks the request (exit-2 errors naming the flag: --to, --as-of,
 * --queue) against the contract's limits. */
int wl_forecast_check(const wl_forecast_req *req);

int wl_forecast(wl_app *app, const wl_source *src, const wl_forecast_req *req,
                wl_forecast_cb cb, wl_forecast_note_cb note, void *payload);

/* The source's queues (for pickers), as the store lists them. */
int wl_forecast_queues(wl_app *app, const wl_source *src, wl_queue_cb cb, void *payload);

/* The forecast report of cli.md as text cells: columns wl_forecast_cols. */
extern const char *const wl_forecast_cols[];
int wl_forecast_report(wl_app *app, const wl_source *src, const wl_forecast_req *req,
                       wl_report_row_cb cb, wl_forecast_note_cb note, void *payload);

/* Rolling-origin backtest per queue and method over [from, to). */
typedef struct wl_accuracy_req {
  int64_t from, to;
  const char *const *queues;
  size_t nqueues;
  const enum wl_fc_method *methods; /* NULL / 0: every method, auto last */
  size_t nmethods;
} wl_accuracy_req;

extern const char *const wl_accuracy_cols[];
int wl_forecast_accuracy(wl_app *app, const wl_source *src, const wl_accuracy_req *req,
                         wl_report_row_cb cb, wl_forecast_note_cb note, void *payload);

/* Saves the forecast's rows under name (replacing one of that name). */
int wl_forecast_save(wl_app *app, const wl_source *src, const wl_forecast_req *req,
                     const char *name, wl_forecast_note_cb note, void *payload);

/* A saved forecast against what happened: wMAPE over the intervals of
 * [from, min(to, now)) that are observed now (collected, imported or with
 * a stored row), pooled over its queues. */
typedef struct wl_forecast_saved_cmp {
  int64_t id;
  const char *name;
  int64_t created_at, as_of, from, to;
  int64_t values;            /* saved rows */
  int64_t intervals;         /* of them, compared (observed by now) */
  double forecast_sum, actual_sum;
  int has_wmape;             /* actual_sum > 0 */
  double wmape_pct;          /* 100 * sum |forecast - actual| / sum actual */
} wl_forecast_saved_cmp;

typedef int (*wl_forecast_saved_cb)(void *payload, const wl_forecast_saved_cmp *row);

/* Every saved forecast of the source, newest first, compared at `now`. */
int wl_forecast_saved_compare(wl_app *app, const wl_source *src, int64_t now,
                              wl_forecast_saved_cb cb, void *payload);

/* Special days (`forecast special-day`): date "YYYY-MM-DD", queue_id NULL
 * or "" for every queue; exclude, or factor (0..100). clear removes. */
int wl_forecast_special_day(wl_app *app, const wl_source *src, const char *date,
                            const char *queue_id, int exclude, double factor, int clear);

int wl_forecast_special_days(wl_app *app, const wl_source *src, wl_special_day_cb cb,
                             void *payload);

#endif
