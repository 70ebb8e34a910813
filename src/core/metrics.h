#ifndef WL_CORE_METRICS_H
#define WL_CORE_METRICS_H
/*
 * In-process counters and histograms for /metrics (Prometheus text format
 * 0.0.4). The collectors and the web server record events here as they
 * happen; the web page renders them (web/page_metrics.c), adding the gauges
 * it reads from the store at scrape time (last poll, watermark lag, ...).
 *
 * Series are keyed by source name only: no token, tenant or agent name ever
 * becomes a label. One mutex guards everything: events are a few per poll,
 * far below any contention worth a lock-free design.
 */
#include <stdint.h>
#include "util/buf.h"

/* The API a request went to: the histogram's "api" label. */
enum wl_metrics_api { WL_API_RTSTATS, WL_API_QUEUES, WL_API_INTERACTIONS, WL_API_N };
/* A failed poll's or window's reason: the "outcome" label. */
const char *wl_metrics_reason(int rc);

/* A real-time poll ended: rc 0 with agents seen and state changes written. */
void wl_metrics_rt_poll(const char *source, int rc, int64_t agents, int64_t changes);
/* A historical or backfill window ended (kind "historical" | "backfill"). */
void wl_metrics_window(const char *source, const char *kind, int rc, int64_t rows);
/* One HTTP request to 8x8 answered (or failed) after seconds. */
void wl_metrics_http(const char *source, enum wl_metrics_api api, double seconds);
/* A request is retried. */
void wl_metrics_retry(const char *source, enum wl_metrics_api api);
/* This process holds (1) or lost (0) a source's collection lease. */
void wl_metrics_lease(const char *source, int held);
/* The event stream of a source (core/stream.h): events applied, events
 * ignored as already stored (repeats, catch-up overlap), frames skipped as
 * bad, states the reconciling poll found different, reconnects. */
enum wl_metrics_stream { WL_MS_APPLIED, WL_MS_DUPLICATE, WL_MS_BAD, WL_MS_MISMATCH,
                         WL_MS_RECONNECT, WL_MS_N };
void wl_metrics_stream(const char *source, enum wl_metrics_stream what, int64_t n);
/* The stream's mode (enum wl_stream_mode: off, live, reconnecting,
 * polling only) as the real-time poll last took it. */
void wl_metrics_stream_mode(const char *source, int mode);
/* A store write transaction of the collectors took seconds. */
void wl_metrics_store_tx(double seconds);
/* A web request was answered; route is the routes.def pattern. */
void wl_metrics_web(const char *method, const char *route, int status);

/* Appends every series kept here, with # HELP and # TYPE lines. */
int wl_metrics_render(wl_buf *out);
/* Appends a label value with \\, \" and \n escaped. */
int wl_metrics_label(wl_buf *out, const char *value);
/* A gauge family's # HELP and # TYPE lines, and one sample of it:
 * name{source="SOURCE"[,EXTRA]} V (extra: further labels, or NULL). The
 * web page writes the gauges it reads from the store with these. */
int wl_metrics_gauge(wl_buf *out, const char *name, const char *help);
int wl_metrics_sample(wl_buf *out, const char *name, const char *source, const char *extra,
                      long long v);
/* Forgets everything (tests). */
void wl_metrics_reset(void);

#endif
