#ifndef WL_CORE_STAFFING_H
#define WL_CORE_STAFFING_H
/*
 * Staffing per queue and interval (forecasting.md "Staffing", "Scheduled
 * against required"; cli.md `wfmlink staffing`): the forecast (or the
 * recorded volume with --actual) through Erlang C or A, set against the
 * agents scheduled on work activities. Shared by the command line and the
 * web page so that both show the same rows.
 *
 * Schedules have no queue: `scheduled` is the source's scheduled agents in
 * the interval (each work segment counts the part of the interval it
 * covers), the same on every queue's row. With several queues, compare it
 * with the sum of their required agents (the day summary does).
 */
#include <stdint.h>
#include "core/app.h"
#include "core/forecast.h"
#include "core/report.h"
#include "wfm/erlang.h"

/* The staffing parameters: the source's settings (staffing-target,
 * staffing-model, staffing-patience-s, staffing-shrinkage,
 * staffing-max-occupancy), then what the caller overrides. */
typedef struct wl_staffing_params {
  enum wl_erlang_model model;
  double target_sl, target_t_s, patience_s, shrinkage, max_occupancy;
} wl_staffing_params;

int wl_staffing_defaults(wl_staffing_params *out, wl_app *app, const wl_source *src);
/* WL_EUSAGE naming the flag (--target, --shrinkage, ...). */
int wl_staffing_check(const wl_staffing_params *p);

/* The staffing settings' keys (NULL-terminated, WL_STAFFING_NSET of
 * them), their stored values (the default where unset) and a save that
 * checks every value with wl_setting_check before storing any of them
 * (WL_EUSAGE naming the key). */
#define WL_STAFFING_NSET 5
extern const char *const wl_staffing_setting_keys[];
int wl_staffing_settings_get(char (*out)[64], wl_app *app, const wl_source *src);
int wl_staffing_settings_save(wl_app *app, const wl_source *src, const char *const *values);

typedef struct wl_staffing_req {
  wl_forecast_req fc;        /* range, queues, as-of, method */
  int actual;                /* staff the recorded volume */
  wl_staffing_params params;
} wl_staffing_req;

typedef struct wl_staffing_row {
  const char *queue_id, *queue_name;
  int64_t start_utc;
  double volume, aht_s;      /* aht_s < 0: none */
  int aht_fallback;          /* aht_s is the queue's forecast AHT */
  wl_erlang_out erl;         /* agents -1: not computable (no AHT at all) */
  int has_scheduled;
  double scheduled;
} wl_staffing_row;

typedef int (*wl_staffing_cb)(void *payload, const wl_staffing_row *row);

int wl_staffing(wl_app *app, const wl_source *src, const wl_staffing_req *req,
                wl_staffing_cb cb, wl_forecast_note_cb note, void *payload);

/* The rows of cli.md as text cells (columns wl_staffing_cols). */
extern const char *const wl_staffing_cols[];
int wl_staffing_report(wl_app *app, const wl_source *src, const wl_staffing_req *req,
                       wl_report_row_cb cb, wl_forecast_note_cb note, void *payload);

#endif
