#ifndef WL_WEB_ADH_WEB_H
#define WL_WEB_ADH_WEB_H
/*
 * Shared by the adherence pages of one source (page_adherence.c,
 * page_rta.c, page_rules.c, page_schedule.c, api_schedules.c): loading the
 * source from the URL, the row of links between its pages, report rows kept
 * in memory, and report rows as JSON the way `--format json` prints them.
 */
#include <jansson.h>
#include <stddef.h>

#include "util/tz.h"
#include "web/web_int.h"

/* The source named by rq->arg and its zone (*tz: free with wl_tz_free).
 * WL_ENOTFOUND after answering 404 (a page, or JSON under /api/). */
int wl_aw_source(wl_req *rq, wl_source *src, wl_tz **tz);

/* Links between the pages of one source; active is the current one
 * ("adapter", "adherence", "rta", "schedule", "rules", "volume", "forecast",
 * "staffing"). */
void wl_aw_tabs(wl_req *rq, const wl_source *src, const char *active);

/* Report rows (core/report.h) copied into memory. */
typedef struct wl_aw_rows {
  size_t ncols, n, cap;
  char **cell;              /* n * ncols strings */
} wl_aw_rows;

/* cols: a report's column list (NULL-terminated). */
void wl_aw_rows_init(wl_aw_rows *r, const char *const *cols);
/* A wl_report_row_cb that appends to the wl_aw_rows given as payload. */
int wl_aw_rows_add(void *payload, const char *const *values);
const char *wl_aw_cell(const wl_aw_rows *r, size_t row, size_t col);
void wl_aw_rows_free(wl_aw_rows *r);
/* The index of a column by name (":n" ignored), or -1. */
int wl_aw_col(const char *const *cols, const char *name);

/* Rows as a JSON array of objects, exactly as cli/out.c prints them:
 * ":n" columns are numbers (empty: null), the others strings. */
json_t *wl_aw_rows_json(const wl_aw_rows *r, const char *const *cols);

/* Answers with j (taken) as application/json; status 0 keeps 200. */
int wl_aw_send_json(wl_req *rq, int status, json_t *j);


/* Seconds as "1:02:05" / "12:05" (mm:ss under an hour). */
void wl_aw_fmt_hms(char *out, size_t n, long long s);

#endif
