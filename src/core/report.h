#ifndef WL_CORE_REPORT_H
#define WL_CORE_REPORT_H
/*
 * The reports of cli.md as rows of text cells, shared by the command line
 * (table, CSV, JSON) and the web pages. Times are formatted in the source's
 * time zone; ranges are half-open [from, to).
 */
#include <stdint.h>
#include "core/app.h"

/* Gets one row: values[i] for each column of the report's column list. */
typedef int (*wl_report_row_cb)(void *payload, const char *const *values);

/* Column lists (":n" marks numbers for JSON; see cli/out.h). */
extern const char *const wl_report_volume_cols[];
extern const char *const wl_report_states_cols[];
extern const char *const wl_report_adherence_cols[];
extern const char *const wl_report_rta_cols[];
extern const char *const wl_report_exceptions_cols[];

enum wl_volume_by { WL_BY_INTERVAL, WL_BY_DAY, WL_BY_WEEK };

typedef struct wl_report_range {
  int64_t from, to;
  const char *filter;    /* queue id (volume) or agent id (states, adherence); NULL all */
  int totals;            /* add total rows (table output) */
} wl_report_range;

int wl_report_volume(wl_app *app, const wl_source *src, const wl_report_range *r,
                     enum wl_volume_by by, wl_report_row_cb cb, void *payload);
int wl_report_states(wl_app *app, const wl_source *src, const wl_report_range *r,
                     wl_report_row_cb cb, void *payload);
int wl_report_adherence(wl_app *app, const wl_source *src, const wl_report_range *r,
                        wl_report_row_cb cb, void *payload);
int wl_report_exceptions(wl_app *app, const wl_source *src, const wl_report_range *r,
                         wl_report_row_cb cb, void *payload);
int wl_report_rta(wl_app *app, const wl_source *src, wl_report_row_cb cb, void *payload);

/* Whether the real-time feed is healthy at `now`: a successful poll (the
 * source's rt-last-ok, returned in *last_ok, 0 if never) no longer ago than
 * rt-max-gap-s. The RTA report, board and API share this rule. */
int wl_report_feed_healthy(wl_app *app, const wl_source *src, int64_t now, int64_t *last_ok);

/* "12.3" = num / den with one decimal, half away from zero; "" when den 0. */
void wl_fmt_ratio1(char *buf, size_t n, int64_t num, int64_t den);

#endif
