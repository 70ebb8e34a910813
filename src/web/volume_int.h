#ifndef WL_WEB_VOLUME_INT_H
#define WL_WEB_VOLUME_INT_H
/*
 * The volume page (page_volume.c, issue 7) in three parts: the view it
 * shows (a source, a range, the chosen queues and the per-interval sums
 * of the chart), the server-drawn SVG chart (volume_chart.c) and the data
 * health of the range (volume_health.c: intervals never collected,
 * provisional ones, the last backfill, filling the gaps).
 */
#include <stddef.h>
#include <stdint.h>

#include "core/report.h"
#include "store/store.h"
#include "util/buf.h"
#include "util/tz.h"

#define WL_VOL_MAX_DAYS 92        /* longest range the page shows */
#define WL_VOL_CHART_MAX_DAYS 31  /* longest range drawn interval by interval */
#define WL_VOL_MAX_QUEUES 100     /* queues that can be picked at once */
#define WL_VOL_MAX_GAPS 50        /* gap ranges listed on the page */
#define WL_VOL_MAX_TABLE_ROWS 20000 /* rows in the page's table (the CSV has all) */

typedef struct wl_vol_view {
  wl_source src;
  wl_tz *tz;
  int64_t from, to;          /* [from, to) as asked */
  int64_t f0;                /* the first interval: wl_interval_ceil(from) */
  size_t n;                  /* intervals starting in [f0, to) */
  enum wl_volume_by by;
  char from_s[64], to_s[64]; /* as given, or the default dates */
  char (*queues)[64];        /* the chosen queue ids; none: every queue */
  size_t capq;
  size_t nq;
  char queue_label[512];     /* "all queues" or their names, for the chart */
  /* per interval i (start f0 + 900 i), summed over the chosen queues */
  int64_t *entered, *accepted, *abandoned, *handle;
  /* intervals with a provisional row (final = 0), any queue */
  int64_t prov_count, prov_first, prov_last;
} wl_vol_view;

/* Whether the view includes this queue. */
int wl_vol_has_queue(const wl_vol_view *v, const char *queue_id);
/* The queue filter for store and report calls: the one chosen queue, or
 * NULL (every queue; several chosen ones are filtered row by row). */
const char *wl_vol_filter(const wl_vol_view *v);

/* "2024-11-03 01:15", with " (UTC-05:00)" added when that wall time occurs
 * twice in the zone (the hour repeated when clocks go back). */
void wl_vol_fmt_local(char *out, size_t n, int64_t t, const wl_tz *tz, int with_date);

/* ---- the chart (volume_chart.c) ---- */

/* Appends the SVG: entered and abandoned per interval as bars (left axis),
 * AHT as a line (right axis), local-time labels. One <g class="iv"> per
 * interval with a <title> tooltip, so it reads without JavaScript. */
int wl_vol_chart(wl_buf *b, const wl_vol_view *v);

/* ---- data health (volume_health.c) ---- */

typedef struct wl_vol_gap {
  int64_t from, to;          /* [from, to), whole intervals */
} wl_vol_gap;

typedef struct wl_vol_health {
  int64_t judged_to;         /* intervals from here on are too recent to judge */
  wl_vol_gap *gaps;          /* never collected, oldest first */
  size_t ngaps, capgaps;
  int64_t missing;           /* intervals in all gaps */
  int64_t watermark;         /* "hist-watermark", 0 none */
  int64_t limit_from;        /* the collectors backfill no further back */
  int64_t next_pull;         /* when an idle collector pulls next */
  /* the newest backfill run of the source, ever (has_backfill 0: none) */
  int has_backfill;
  int64_t bf_started, bf_finished, bf_from, bf_to, bf_rows;
  char bf_outcome[16];
  char bf_error[256];
} wl_vol_health;

/* The gaps of [from, to): 15-minute intervals that no successful
 * historical or backfill run covered, up to judged_to. */
int wl_vol_health_get(wl_vol_health *h, wl_store *st, const wl_source *src, int64_t from,
                      int64_t to, int64_t now);
void wl_vol_health_free(wl_vol_health *h);

/* Where "Fill the gaps" moves the watermark: the start of the earliest gap
 * not older than limit_from (0: nothing the collectors can fill). */
int64_t wl_vol_fill_target(const wl_vol_health *h);

#endif
