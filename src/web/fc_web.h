#ifndef WL_WEB_FC_WEB_H
#define WL_WEB_FC_WEB_H
/*
 * Shared by the forecast and staffing pages of one source (page_forecast.c,
 * page_staffing.c), their CSV downloads and the JSON API (api_forecast.c):
 * the request's arguments (from the query string, or a posted form) turned
 * into the same wl_forecast_req / wl_staffing_req the command line builds,
 * with the same checks, plus the server-drawn line chart (forecast_chart.c).
 *
 * Arguments: queue (repeatable; none: every queue), from, to (dates or ISO
 * instants, default today .. today + 7 days), as_of (default now), method
 * (default auto); staffing adds target, model, patience_s, shrinkage,
 * max_occupancy (default: the source's settings) and actual (1: staff the
 * recorded volume).
 */
#include <stddef.h>
#include <stdint.h>

#include "core/forecast.h"
#include "core/staffing.h"
#include "web/adh_web.h"
#include "web/web_int.h"

#define WL_FCW_MAX_QUEUES 64        /* as `--queue` on the command line */
#define WL_FCW_MAX_ARGS 96
#define WL_FCW_MAX_TABLE_ROWS 20000 /* rows in a page's table (the CSV has all) */
#define WL_FCW_MAX_CHARTS 12        /* one chart per queue, at most */
#define WL_FCW_CHART_MAX_DAYS 62    /* longest span drawn */
#define WL_FCW_ACTUAL_DAYS 7        /* recorded volume drawn before the forecast */
#define WL_FCW_ACCURACY_DAYS 28     /* the accuracy table's backtest, before as-of */

typedef struct wl_fcw_queue {
  char id[64], name[128];
} wl_fcw_queue;

typedef struct wl_fcw {
  wl_req *rq;
  wl_source src;
  wl_tz *tz;
  wl_fcw_queue *all;                /* the source's queues (picker) */
  size_t nall, allcap;
  char queues[WL_FCW_MAX_QUEUES][64];
  const char *qptr[WL_FCW_MAX_QUEUES];
  size_t nq;
  char from_s[64], to_s[64], as_of_s[64], method_s[32];
  /* staffing */
  char target_s[32], model_s[16], patience_s[32], shrinkage_s[32], occupancy_s[32];
  int actual;
  wl_staffing_req req;              /* req.fc: the forecast request */
  char err[400];                    /* why the arguments were refused, "" fine */
  char param[24];                   /* the argument named by err */
} wl_fcw;

/* The columns of the notes rows: queue_id, text. */
extern const char *const wl_fcw_note_cols[];

/* The start of a page's state: the view, the report's rows and notes. */
typedef struct wl_fcw_base {
  wl_fcw v;
  wl_aw_rows rows;                  /* wl_forecast_report / wl_staffing_report */
  wl_aw_rows notes;                 /* queue_id, text */
} wl_fcw_base;

/* A page of this kind: its state is `size` bytes starting with a
 * wl_fcw_base; load adds to the rows what the page shows besides (may be
 * NULL), render writes it, release frees what load took (may be NULL). */
typedef struct wl_fcw_kind {
  const char *what;                 /* "Forecast": the title */
  int staffing;
  size_t size;
  int (*load)(void *page);
  int (*render)(void *page);
  void (*release)(void *page);
} wl_fcw_kind;

/* Answers the page (csv 0) or its CSV download (csv 1) of this kind. */
int wl_fcw_serve(wl_req *rq, const wl_fcw_kind *k, int csv);
/* The view's report rows and notes into b (b->v opened without error). */
int wl_fcw_load_rows(wl_fcw_base *b, int staffing);
/* Frees the rows and notes, and closes the view. */
void wl_fcw_base_free(wl_fcw_base *b);

/* The report rows as a table (id "rows"; the column names as headers),
 * stopping after WL_FCW_MAX_TABLE_ROWS with a notice. */
void wl_fcw_rows_table(wl_fcw_base *p, const char *const *cols);

/* The heading "TITLE source", the source's tabs (tab active) and v->err
 * when the arguments were refused (then 400, and 1 is returned). */
int wl_fcw_head(wl_fcw *v, const char *title, const char *tab);
/* The engine's notes (left-out days, auto's choice, AHT fallbacks). */
void wl_fcw_notes(wl_fcw_base *p);

/* Loads the source named by rq->arg (WL_ENOTFOUND after answering 404) and
 * its queues, then reads the arguments: from the posted form when
 * from_form, else the query string; staffing reads its parameters too.
 * A refused argument is not an error: v->err and v->param say why. */
int wl_fcw_open(wl_fcw *v, wl_req *rq, int from_form, int staffing);
void wl_fcw_close(wl_fcw *v);

/* The queue's name from the source's table ("" when unknown). */
const char *wl_fcw_queue_name(const wl_fcw *v, const char *id);
/* Whether the queue was chosen (no choice: every queue). */
int wl_fcw_chosen(const wl_fcw *v, const char *id);

/* The arguments as a query string (percent-encoded, not HTML-escaped). */
void wl_fcw_query(wl_buf *b, const wl_fcw *v, int staffing);
/* Hidden <input>s carrying the arguments (for the forms that post). */
void wl_fcw_hidden(wl_buf *b, const wl_fcw *v);
/* The form: range, as-of, method, queue checkboxes; extra is HTML added
 * inside (staffing's parameters), csv_path the download ("" none). */
void wl_fcw_form(wl_fcw *v, const char *page, const char *extra_html, const char *csv_href,
                 const char *csv_file);
/* A 400 answer naming v->param: JSON {"error", "parameter"} under /api/,
 * else plain text (CSV downloads). */
int wl_fcw_refuse(wl_fcw *v);
/* An engine's refusal (rc WL_EUSAGE) of arguments the checks let through
 * becomes v->err naming its argument, and 0; other rc are returned. */
int wl_fcw_refused(wl_fcw *v, int rc);
/* Answers a page after loading (rc): an engine's refusal (WL_EUSAGE)
 * becomes v->err, shown by render (400); title "WHAT · SOURCE". */
int wl_fcw_page(wl_fcw *v, int rc, const char *what, int (*render)(void *payload),
                void *payload);
/* Answers a CSV download after loading (rc): v->err or an engine's refusal
 * as a 400, else the rows under the command line's header. */
int wl_fcw_csv(wl_fcw *v, int rc, const wl_aw_rows *rows, const char *const *cols);
/* Report rows as the command line's CSV (header, then the rows). */
int wl_fcw_send_csv(wl_req *rq, const wl_aw_rows *rows, const char *const *cols);
/* "2024-11-03 09:15" local, for tables and charts. */
void wl_fcw_local(char *out, size_t n, int64_t t, const wl_tz *tz);

/* ---- the line chart (forecast_chart.c) ---- */

#define WL_FCC_MAX_SERIES 4

typedef struct wl_fcc_series {
  const char *label, *color, *css;  /* css: class of its <polyline> */
  const double *y;                  /* per slot; NAN: no value */
  int bars;                         /* drawn as bars, not a line */
  int dashed;
} wl_fcc_series;

typedef struct wl_fcc {
  const wl_tz *tz;
  int64_t t0;                       /* slot i starts at t0 + 900 i */
  size_t n;
  wl_fcc_series s[WL_FCC_MAX_SERIES];
  size_t ns;
  int64_t mark;                     /* a vertical "as of" line, 0 none */
  const char *mark_label;
  const char *y_label;              /* "contacts per 15 min", "agents" */
  const char *id;                   /* the <svg> id */
} wl_fcc;

/* Appends the SVG (local-time axis, day lines, legend, one <title> per
 * series so it reads without script). */
void wl_fcc_draw(wl_buf *b, const wl_fcc *c);

#endif
