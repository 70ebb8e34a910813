#ifndef WL_CORE_VOLUME_IMPORT_H
#define WL_CORE_VOLUME_IMPORT_H
/*
 * `wfmlink volume import`: 15-minute history from another system
 * (forecasting.md "The history a forecast reads"). CSV columns
 * queue_id,interval_start,entered and optionally accepted, abandoned,
 * handle_time_s, queue_name, in any order. The file is checked whole first;
 * any bad row refuses it (WL_EUSAGE, every bad line listed) and nothing is
 * stored. A good file replaces stored rows of the same queue and interval
 * and marks, per queue, its first local day to the end of its last local
 * day as observed, all in one transaction.
 */
#include <stddef.h>
#include "core/app.h"

typedef struct wl_volume_import_result {
  size_t rows, queues;
  int64_t from, to;          /* observed range of all queues together */
} wl_volume_import_result;

int wl_import_volume(wl_volume_import_result *res, wl_app *app, const wl_source *src,
                     const char *text, size_t len);

#endif
