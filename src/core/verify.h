#ifndef WL_CORE_VERIFY_H
#define WL_CORE_VERIFY_H
/*
 * `wfmlink verify`: stored 15-minute rows against 8x8's own 30-minute
 * /queues/{id}/statistics buckets (entered, accepted, abandoned). Each
 * disagreeing bucket is one line; 15-minute intervals with no stored row
 * inside a disagreeing bucket are named too.
 */
#include "core/app.h"

typedef struct wl_verify_result {
  size_t queues, buckets, disagreements;
} wl_verify_result;

typedef void (*wl_verify_line_fn)(void *payload, const char *line);

int wl_verify(wl_verify_result *res, wl_app *app, const wl_source *src, int64_t from, int64_t to,
              wl_verify_line_fn line, void *payload);

#endif
