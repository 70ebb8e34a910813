/*
 * GET  /source/NAME/volume?from=DATE&to=DATE&queue=ID...&by=interval|day|week
 * GET  /source/NAME/volume.csv?(the same)
 * POST /source/NAME/volume/fill
 *
 * Contact volume and handle time of one source (issue 7): a queue picker
 * and a range (default: the last 7 local days, today included), the
 * interval chart (SVG from the server), the table of `wfmlink report volume`
 * rows with per-queue totals, a CSV of exactly those rows, and the data
 * health of the range with a button that has the collectors fill the gaps.
 * Ranges are half-open [from, to) as on the command line: a date is local
 * midnight in the source's time zone.
 */
#include "web/volume_int.h"
#include "core/sources.h"
#include "core/settings.h"
#include "util/array.h"
#include "web/web_int.h"
#include "core/report.h"
#include "util/csv.h"
#include "util/err.h"
#include "util/log.h"
#include "util/timeutil.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct queue_ent {
  char id[64], name[128], media[32];
} queue_ent;

typedef struct queues {
  queue_ent *q;
  size_t n, cap;
} queues;

typedef struct page {
  wl_req *rq;
  wl_vol_view v;
  queues all;       /* the source's queue table, for the picker */
  char err[300];    /* why the parameters were refused, "" when fine */
  size_t rows;      /* table rows written */
  size_t hidden;    /* rows past WL_VOL_MAX_TABLE_ROWS (the CSV has them) */
  FILE *csv;        /* the CSV download */
} page;

/* ---- the view: parameters ---- */

int wl_vol_has_queue(const wl_vol_view *v, const char *queue_id)
{
  if (v->nq == 0)
    return 1;
  for (size_t i = 0; i < v->nq; i++)
    if (strcmp(v->queues[i], queue_id) == 0)
      return 1;
  return 0;
}

const char *wl_vol_filter(const wl_vol_view *v)
{
  return v->nq == 1 ? v->queues[0] : NULL;
}

static int add_queue(page *p, const char *id)
{
  wl_vol_view *v = &p->v;
  if (!id || !*id || (v->nq > 0 && wl_vol_has_queue(v, id)))
    return 0;
  if (strlen(id) >= sizeof(v->queues[0])) {
    snprintf(p->err, sizeof(p->err), "A queue id is longer than 63 characters.");
    return 0;
  }
  if (v->nq >= WL_VOL_MAX_QUEUES) {
    snprintf(p->err, sizeof(p->err), "Pick at most %d queues.", WL_VOL_MAX_QUEUES);
    return 0;
  }
  if (wl_array_reserve(&v->queues, &v->capq, v->nq, sizeof(v->queues[0]), 4) != 0)
    return WL_ENOMEM;
  snprintf(v->queues[v->nq++], sizeof(v->queues[0]), "%s", id);
  return 0;
}

static enum MHD_Result arg_queue(void *cls, enum MHD_ValueKind kind, const char *key,
                                 const char *value)
{
  (void)kind;
  if (key && strcmp(key, "queue") == 0 && add_queue(cls, value) != 0)
    return MHD_NO;
  return MHD_YES;
}

static int collect_queue(void *payload, const wl_queue_row *r)
{
  queues *qs = payload;
  queue_ent *np;
  if (wl_array_reserve(&qs->q, &qs->cap, qs->n, sizeof(*qs->q), 16) != 0)
    return WL_ENOMEM;
  np = qs->q;
  snprintf(np[qs->n].id, sizeof(np[0].id), "%s", r->queue_id);
  snprintf(np[qs->n].name, sizeof(np[0].name), "%s", r->name ? r->name : "");
  snprintf(np[qs->n].media, sizeof(np[0].media), "%s", r->media_type ? r->media_type : "");
  qs->n++;
  return 0;
}

static const char *queue_name(const page *p, const char *id)
{
  for (size_t i = 0; i < p->all.n; i++)
    if (strcmp(p->all.q[i].id, id) == 0)
      return p->all.q[i].name[0] ? p->all.q[i].name : id;
  return id;
}

/* Every queue of the table picked is the same as no choice: all queues
 * (rows of queues 8x8 no longer lists included). */
static void simplify_queues(page *p)
{
  wl_vol_view *v = &p->v;
  char *lab = v->queue_label;
  size_t len;
  if (v->nq && v->nq == p->all.n) {
    size_t hit = 0;
    for (size_t i = 0; i < p->all.n; i++)
      hit += (size_t)wl_vol_has_queue(v, p->all.q[i].id);
    if (hit == p->all.n)
      v->nq = 0;
  }
  if (v->nq == 0) {
    snprintf(lab, sizeof(v->queue_label), "all queues");
    return;
  }
  lab[0] = '\0';
  for (size_t i = 0; i < v->nq; i++) {
    len = strlen(lab);
    snprintf(lab + len, sizeof(v->queue_label) - len, "%s%s", i ? ", " : "",
             queue_name(p, v->queues[i]));
  }
}

static void default_range(wl_vol_view *v, int64_t now)
{
  wl_civil c;
  int y, m, d;
  wl_tz_to_civil(&c, v->tz, now);
  wl_civil_from_days(wl_days_from_civil(c.year, c.month, c.day) - 6, &y, &m, &d);
  snprintf(v->from_s, sizeof(v->from_s), "%04d-%02d-%02d", y, m, d);
  wl_civil_from_days(wl_days_from_civil(c.year, c.month, c.day) + 1, &y, &m, &d);
  snprintf(v->to_s, sizeof(v->to_s), "%04d-%02d-%02d", y, m, d);
}

static void parse_by(page *p, const char *by)
{
  if (!by || !*by || strcmp(by, "day") == 0)
    p->v.by = WL_BY_DAY;
  else if (strcmp(by, "interval") == 0)
    p->v.by = WL_BY_INTERVAL;
  else if (strcmp(by, "week") == 0)
    p->v.by = WL_BY_WEEK;
  else
    snprintf(p->err, sizeof(p->err), "Rows by: choose 15-minute intervals, days or weeks.");
}

/* 15-minute rows of a long range would make a page of many megabytes. */
static void check_size(page *p)
{
  if (!p->err[0] && p->v.by == WL_BY_INTERVAL &&
      p->v.to - p->v.from > (int64_t)WL_VOL_CHART_MAX_DAYS * 86400 + 7200)
    snprintf(p->err, sizeof(p->err), "15-minute rows cover at most %d days; choose days or "
                                     "weeks, or a shorter range.", WL_VOL_CHART_MAX_DAYS);
}

static void parse_range(page *p, const char *from, const char *to)
{
  wl_vol_view *v = &p->v;
  if ((from && *from) || (to && *to)) {
    snprintf(v->from_s, sizeof(v->from_s), "%s", from ? from : "");
    snprintf(v->to_s, sizeof(v->to_s), "%s", to ? to : "");
  } else {
    default_range(v, wl_now());
  }
  if (wl_time_parse_arg(&v->from, v->from_s, v->tz) != 0)
    snprintf(p->err, sizeof(p->err), "From: %s", wl_errmsg());
  else if (wl_time_parse_arg(&v->to, v->to_s, v->tz) != 0)
    snprintf(p->err, sizeof(p->err), "Up to: %s", wl_errmsg());
  else if (v->to <= v->from)
    snprintf(p->err, sizeof(p->err), "The range is empty: \"up to\" must be after \"from\" "
                                     "(the range ends where \"up to\" begins).");
  else if (v->to - v->from > (int64_t)WL_VOL_MAX_DAYS * 86400 + 7200)
    snprintf(p->err, sizeof(p->err), "The range is longer than %d days; choose a shorter one "
                                     "(or use wfmlink report volume).", WL_VOL_MAX_DAYS);
  if (p->err[0]) {
    v->from = v->to = 0;
    return;
  }
  v->f0 = wl_interval_ceil(v->from);
  v->n = v->to > v->f0 ? (size_t)((v->to - v->f0 + WL_INTERVAL_S - 1) / WL_INTERVAL_S) : 0;
}

/* Loads the source (404 page when unknown) and its queues. */
static int load(page *p)
{
  wl_store *st = p->rq->app->st;
  int rc = wl_source_get(st, &p->v.src, p->rq->arg);
  if (rc == WL_ENOTFOUND) {
    wl_error_page(p->rq, MHD_HTTP_NOT_FOUND, "No such source",
                  "There is no source with this name; it may have been removed.");
    return rc;
  }
  if (rc || (rc = wl_tz_load(&p->v.tz, p->v.src.timezone)) != 0)
    return rc;
  return wl_source_queues(st, p->v.src.id, collect_queue, &p->all);
}

static int parse_get(page *p)
{
  wl_req *rq = p->rq;
  int rc = load(p);
  if (rc)
    return rc;
  parse_range(p, wl_req_query(rq, "from"), wl_req_query(rq, "to"));
  parse_by(p, wl_req_query(rq, "by"));
  check_size(p);
  if (MHD_get_connection_values(rq->conn, MHD_GET_ARGUMENT_KIND, arg_queue, p) < 0)
    return wl_err(WL_EFAIL, "cannot read the query");
  simplify_queues(p);
  return 0;
}

static int parse_post(page *p)
{
  const wl_form *f = &p->rq->form;
  int rc = load(p);
  if (rc)
    return rc;
  parse_range(p, wl_form_get(f, "from"), wl_form_get(f, "to"));
  parse_by(p, wl_form_get(f, "by"));
  check_size(p);
  for (size_t i = 0; i < f->n && rc == 0; i++)
    if (strcmp(f->key[i], "queue") == 0)
      rc = add_queue(p, f->val[i]);
  simplify_queues(p);
  return rc;
}

static void page_free(page *p)
{
  free(p->v.queues);
  free(p->v.entered);
  free(p->v.accepted);
  free(p->v.abandoned);
  free(p->v.handle);
  free(p->all.q);
  wl_tz_free(p->v.tz);
}

static const char *by_name(enum wl_volume_by by)
{
  return by == WL_BY_INTERVAL ? "interval" : by == WL_BY_WEEK ? "week" : "day";
}

/* "from=..&to=..&by=..&queue=.." for links, percent-encoded (not escaped
 * for HTML: wl_html does that). */
static void view_query(wl_buf *b, const wl_vol_view *v)
{
  wl_buf_puts(b, "from=");
  wl_buf_urlenc(b, v->from_s);
  wl_buf_puts(b, "&to=");
  wl_buf_urlenc(b, v->to_s);
  wl_buf_puts(b, "&by=");
  wl_buf_puts(b, by_name(v->by));
  for (size_t i = 0; i < v->nq; i++) {
    wl_buf_puts(b, "&queue=");
    wl_buf_urlenc(b, v->queues[i]);
  }
}

/* ---- the figures ---- */

static int scan_row(void *payload, const wl_interval_row *r)
{
  wl_vol_view *v = payload;
  size_t i;
  if (r->start_utc < v->f0)
    return 0;
  i = (size_t)((r->start_utc - v->f0) / WL_INTERVAL_S);
  if (!r->final && r->start_utc != v->prov_last) { /* rows come by start, then queue */
    if (!v->prov_count++)
      v->prov_first = r->start_utc;
    v->prov_last = r->start_utc;
  }
  if (i >= v->n || !wl_vol_has_queue(v, r->queue_id))
    return 0;
  v->entered[i] += r->entered;
  v->accepted[i] += r->accepted;
  v->abandoned[i] += r->abandoned;
  v->handle[i] += r->handle_time_s;
  return 0;
}

static int load_series(wl_vol_view *v, wl_store *st)
{
  size_t n = v->n ? v->n : 1;
  v->entered = calloc(n, sizeof(int64_t));
  v->accepted = calloc(n, sizeof(int64_t));
  v->abandoned = calloc(n, sizeof(int64_t));
  v->handle = calloc(n, sizeof(int64_t));
  if (!v->entered || !v->accepted || !v->abandoned || !v->handle)
    return wl_err(WL_ENOMEM, "out of memory");
  v->prov_last = INT64_MIN;
  return wl_source_intervals(st, v->src.id, NULL, v->f0, v->to, scan_row, v);
}

static int report(page *p, wl_report_row_cb cb)
{
  wl_report_range r = {p->v.from, p->v.to, wl_vol_filter(&p->v), 1};
  return wl_report_volume(p->rq->app, &p->v.src, &r, p->v.by, cb, p);
}

/* ---- the page ---- */

static const char *col_label(const char *col, enum wl_volume_by by)
{
  static const char *const map[][2] = {
    {"queue_id", "Queue"}, {"queue_name", "Name"}, {"entered", "Entered"},
    {"accepted", "Accepted"}, {"abandoned", "Abandoned"}, {"handle_time_s", "Handle time (s)"},
    {"aht_s", "AHT (s)"}, {"wait_time_s", "Wait time (s)"}, {"final", "Final"}};
  if (strcmp(col, "interval_start") == 0)
    return by == WL_BY_INTERVAL ? "Interval" : by == WL_BY_DAY ? "Day" : "Week";
  for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
    if (strcmp(col, map[i][0]) == 0)
      return map[i][1];
  return col;
}

/* The report's columns (wl_report_volume_cols), at most MAX_COLS. */
#define MAX_COLS 16
static size_t ncols(void)
{
  size_t n = 0;
  while (n < MAX_COLS && wl_report_volume_cols[n])
    n++;
  return n;
}

static void col_name(char *out, size_t n, const char *col)
{
  snprintf(out, n, "%.*s", (int)strcspn(col, ":"), col);
}

static int table_row(void *payload, const char *const *values)
{
  page *p = payload;
  wl_buf *b = &p->rq->out;
  if (!wl_vol_has_queue(&p->v, values[0]))
    return 0;
  if (p->rows >= WL_VOL_MAX_TABLE_ROWS) {
    p->hidden++;
    return 0;
  }
  wl_buf_puts(b, strcmp(values[2], "total") == 0 ? "<tr class=\"total\">" : "<tr>");
  for (size_t i = 0; i < ncols(); i++)
    wl_html(b, strchr(wl_report_volume_cols[i], ':') ? "<td class=\"num\">%s</td>" : "<td>%s</td>",
            values[i] ? values[i] : "");
  wl_buf_puts(b, "</tr>\n");
  p->rows++;
  return 0;
}

static int render_table(page *p)
{
  wl_buf *b = &p->rq->out;
  char name[32];
  int rc;
  wl_html(b, "<section class=\"card\" id=\"volume-table\"><h2>%s, with totals per queue</h2>"
             "<div class=\"table-wrap\"><table class=\"vol\"><thead><tr>",
          p->v.by == WL_BY_INTERVAL ? "15-minute intervals" : p->v.by == WL_BY_DAY ? "Days"
                                                                                   : "Weeks");
  for (size_t i = 0; i < ncols(); i++) {
    col_name(name, sizeof(name), wl_report_volume_cols[i]);
    wl_html(b, "<th data-col=\"%s\">%s</th>", name, col_label(name, p->v.by));
  }
  wl_buf_puts(b, "</tr></thead><tbody>\n");
  rc = report(p, table_row);
  if (rc == 0 && p->rows == 0)
    wl_html(b, "<tr class=\"empty\"><td colspan=\"%zu\" class=\"muted\">No contacts in this "
               "range for these queues.</td></tr>", ncols());
  wl_buf_puts(b, "</tbody></table></div>");
  if (p->hidden)
    wl_html(b, "<p class=\"notice warn\">The table stops after %zu rows; the CSV has all %zu.</p>",
            p->rows, p->rows + p->hidden);
  wl_buf_puts(b, "<p class=\"hint\">Final 1: older than the re-pull "
                 "window, no longer updated; 0: provisional, 8x8 may still change it. AHT is "
                 "handle time / accepted, recomputed from the sums.</p></section>\n");
  return rc;
}

static void render_form(page *p)
{
  wl_req *rq = p->rq;
  wl_buf *b = &rq->out, q;
  const wl_vol_view *v = &p->v;
  static const char *const bys[][2] = {{"interval", "15-minute intervals"}, {"day", "Days"},
                                       {"week", "Weeks (from Monday)"}};
  int date_from = strlen(v->from_s) == 10, date_to = strlen(v->to_s) == 10;
  wl_html(b, "<form class=\"card volform\" method=\"get\" action=\"/source/%s/volume\">"
             "<div class=\"vol-controls\">", v->src.name);
  wl_html(b, "<label>From<input type=\"%s\" name=\"from\" value=\"%s\" required></label>",
          date_from ? "date" : "text", v->from_s);
  wl_html(b, "<label>Up to (not included)<input type=\"%s\" name=\"to\" value=\"%s\" required>"
             "</label><label>Table rows<select name=\"by\">", date_to ? "date" : "text", v->to_s);
  for (size_t i = 0; i < 3; i++)
    wl_html(b, "<option value=\"%s\"%s>%s</option>", bys[i][0],
            strcmp(bys[i][0], by_name(v->by)) == 0 ? " selected" : "", bys[i][1]);
  wl_buf_puts(b, "</select></label><button type=\"submit\" class=\"primary\">Show</button>");
  if (!p->err[0]) {
    char file[200];
    wl_buf_init(&q, 64 * 1024);
    view_query(&q, v);
    snprintf(file, sizeof(file), "%s-volume-%.10s-%.10s.csv", v->src.name, v->from_s, v->to_s);
    wl_html(b, "<a class=\"button\" id=\"csv-link\" href=\"/source/%s/volume.csv?%s\" "
               "download=\"%s\">Download CSV</a>", v->src.name, q.ptr ? q.ptr : "", file);
    wl_buf_free(&q);
  }
  wl_buf_puts(b, "</div><fieldset class=\"queue-picks\"><legend>Queues <span class=\"muted\">"
                 "(all ticked or none: every queue)</span></legend>");
  for (size_t i = 0; i < p->all.n; i++) {
    const queue_ent *e = &p->all.q[i];
    wl_html(b, "<label class=\"queue-pick\"><input type=\"checkbox\" name=\"queue\" value=\"%s\"%s>"
               "%s <span class=\"muted\">%s%s%s</span></label>",
            e->id, v->nq == 0 || wl_vol_has_queue(v, e->id) ? " checked" : "",
            e->name[0] ? e->name : e->id, e->id, e->media[0] ? " · " : "", e->media);
  }
  if (p->all.n == 0)
    wl_buf_puts(b, "<span class=\"muted\">No queues known yet: they arrive with the first "
                   "historical pull.</span>");
  wl_buf_puts(b, "</fieldset></form>\n");
}

static void render_chart(page *p)
{
  wl_buf *b = &p->rq->out;
  wl_buf_puts(b, "<section class=\"card chart-card\" id=\"chart\">");
  wl_html(b, "<h2>Per 15-minute interval <span class=\"muted\">%s</span></h2>", p->v.queue_label);
  if (p->v.to - p->v.from > (int64_t)WL_VOL_CHART_MAX_DAYS * 86400 + 7200)
    wl_html(b, "<p class=\"muted\">The interval chart covers at most %d days; choose a shorter "
               "range to see it.</p>", WL_VOL_CHART_MAX_DAYS);
  else
    wl_vol_chart(b, &p->v);
  wl_buf_puts(b, "</section>\n");
}

static void fmt_span(char *out, size_t n, int64_t a, int64_t z, const wl_tz *tz)
{
  char sa[64], sz[64];
  wl_civil ca, cz;
  wl_tz_to_civil(&ca, tz, a);
  wl_tz_to_civil(&cz, tz, z);
  wl_vol_fmt_local(sa, sizeof(sa), a, tz, 1);
  wl_vol_fmt_local(sz, sizeof(sz), z, tz,
                   !(ca.year == cz.year && ca.month == cz.month && ca.day == cz.day));
  snprintf(out, n, "%s – %s", sa, sz);
}

static void health_gaps(page *p, const wl_vol_health *h)
{
  wl_buf *b = &p->rq->out;
  char span[160], ia[WL_ISO_LEN], iz[WL_ISO_LEN], upto[64];
  int64_t end = p->v.to < h->judged_to ? p->v.to : h->judged_to;
  wl_vol_fmt_local(upto, sizeof(upto), end, p->v.tz, 1);
  if (h->missing == 0) {
    wl_html(b, "<dt>Never collected</dt><dd id=\"gaps\" data-missing=\"0\">None: every interval "
               "up to %s was collected.", upto);
  } else {
    wl_html(b, "<dt>Never collected</dt><dd id=\"gaps\" data-missing=\"%lld\"><strong>%lld "
               "interval%s</strong> in %zu range%s:<ul class=\"gaps\">", (long long)h->missing,
            (long long)h->missing, h->missing == 1 ? "" : "s", h->ngaps, h->ngaps == 1 ? "" : "s");
    for (size_t i = 0; i < h->ngaps && i < WL_VOL_MAX_GAPS; i++) {
      int64_t k = (h->gaps[i].to - h->gaps[i].from) / WL_INTERVAL_S;
      fmt_span(span, sizeof(span), h->gaps[i].from, h->gaps[i].to, p->v.tz);
      wl_time_format(ia, sizeof(ia), h->gaps[i].from, p->v.tz);
      wl_time_format(iz, sizeof(iz), h->gaps[i].to, p->v.tz);
      wl_html(b, "<li data-from=\"%s\" data-to=\"%s\">%s <span class=\"muted\">%lld interval%s"
                 "</span></li>", ia, iz, span, (long long)k, k == 1 ? "" : "s");
    }
    if (h->ngaps > WL_VOL_MAX_GAPS)
      wl_html(b, "<li class=\"muted\">and %zu more ranges</li>", h->ngaps - WL_VOL_MAX_GAPS);
    wl_buf_puts(b, "</ul>");
  }
  if (h->judged_to < p->v.to)
    wl_html(b, " <span class=\"muted\">Later intervals are too recent to judge.</span>");
  wl_buf_puts(b, "</dd>");
}

static void health_rest(page *p, const wl_vol_health *h)
{
  wl_buf *b = &p->rq->out;
  const wl_vol_view *v = &p->v;
  char a[64], z[64], span[160], ago[48];
  if (v->prov_count) {
    fmt_span(span, sizeof(span), v->prov_first, v->prov_last + WL_INTERVAL_S, v->tz);
    wl_html(b, "<dt>Provisional</dt><dd id=\"provisional\" data-count=\"%lld\">%lld interval%s, "
               "%s <span class=\"muted\">(re-pulled until final; 8x8 may still change them)"
               "</span></dd>", (long long)v->prov_count, (long long)v->prov_count,
            v->prov_count == 1 ? "" : "s", span);
  } else {
    wl_buf_puts(b, "<dt>Provisional</dt><dd id=\"provisional\" data-count=\"0\">None: every "
                   "stored interval in the range is final.</dd>");
  }
  if (h->has_backfill) {
    const char *css = !strcmp(h->bf_outcome, "ok") ? "ok" : !strcmp(h->bf_outcome, "error") ? "bad"
                      : !strcmp(h->bf_outcome, "running") ? "warn" : "off";
    wl_vol_fmt_local(a, sizeof(a), h->bf_started, v->tz, 1);
    wl_fmt_ago(ago, sizeof(ago), h->bf_started, wl_now());
    fmt_span(span, sizeof(span), h->bf_from, h->bf_to, v->tz);
    wl_html(b, "<dt>Last backfill</dt><dd id=\"last-backfill\">%s <span class=\"muted\">(%s)"
               "</span>, window %s, %lld rows <span class=\"badge %s\">%s</span>", a, ago, span,
            (long long)h->bf_rows, css, h->bf_outcome);
    if (h->bf_error[0])
      wl_html(b, " <span class=\"err\">%s</span>", h->bf_error);
    wl_buf_puts(b, "</dd>");
  } else {
    wl_buf_puts(b, "<dt>Last backfill</dt><dd id=\"last-backfill\" class=\"muted\">none yet"
                   "</dd>");
  }
  wl_vol_fmt_local(z, sizeof(z), h->watermark, v->tz, 1);
  if (h->watermark)
    wl_html(b, "<dt>History stored up to</dt><dd id=\"watermark\">%s</dd>", z);
  else
    wl_buf_puts(b, "<dt>History stored up to</dt><dd id=\"watermark\" class=\"muted\">not "
                   "started</dd>");
}

static void fill_form(page *p, const wl_vol_health *h)
{
  wl_req *rq = p->rq;
  wl_buf *b = &rq->out;
  const wl_vol_view *v = &p->v;
  int64_t target = wl_vol_fill_target(h);
  char t[64], next[16], ia[WL_ISO_LEN], iz[WL_ISO_LEN];
  wl_civil c;
  if (h->missing == 0)
    return;
  wl_time_format(ia, sizeof(ia), h->gaps[0].from, v->tz);
  wl_time_format(iz, sizeof(iz), h->gaps[h->ngaps - 1].to, v->tz);
  if (target && h->watermark && h->watermark <= target) {
    wl_vol_fmt_local(t, sizeof(t), h->watermark, v->tz, 1);
    wl_html(b, "<p class=\"notice warn\">The collectors are catching up from %s, before these "
               "gaps: running collectors fill them without help.</p>", t);
  } else if (target) {
    wl_tz_to_civil(&c, v->tz, h->next_pull);
    snprintf(next, sizeof(next), "%02d:%02d", c.hour, c.min);
    wl_vol_fmt_local(t, sizeof(t), target, v->tz, 1);
    wl_html(b, "<form method=\"post\" action=\"/source/%s/volume/fill\" class=\"fill\">",
            v->src.name);
    wl_html_csrf(rq);
    wl_html(b, "<input type=\"hidden\" name=\"from\" value=\"%s\"><input type=\"hidden\" "
               "name=\"to\" value=\"%s\"><input type=\"hidden\" name=\"by\" value=\"%s\">",
            v->from_s, v->to_s, by_name(v->by));
    for (size_t i = 0; i < v->nq; i++)
      wl_html(b, "<input type=\"hidden\" name=\"queue\" value=\"%s\">", v->queues[i]);
    wl_html(b, "<button type=\"submit\" class=\"primary\" id=\"fill-gaps\">Fill the gaps</button>"
               "<p>Moves the history watermark back to <strong>%s</strong>. Collectors running "
               "under <code>wfmlink serve</code> pull again from there at their next historical "
               "pull (by %s), then window after window (6 hours each, seconds apart) until they "
               "are current; stored rows are replaced by 8x8's figures.</p></form>", t, next);
  } else {
    wl_html(b, "<p class=\"notice warn\">These gaps are older than the backfill limit "
               "(backfill-max-days), so the collectors do not go back that far.</p>");
  }
  wl_html(b, "<p class=\"hint\">From the command line: <code>wfmlink backfill %s --from %s --to "
             "%s</code></p>", v->src.name, ia, iz);
}

static int render_health(page *p)
{
  wl_buf *b = &p->rq->out;
  wl_vol_health h;
  int rc = wl_vol_health_get(&h, p->rq->app->st, &p->v.src, p->v.from, p->v.to, wl_now());
  if (rc)
    return rc;
  wl_buf_puts(b, "<section class=\"card health\" id=\"health\"><h2>Data health</h2>"
                 "<dl class=\"kv\">");
  health_gaps(p, &h);
  health_rest(p, &h);
  wl_buf_puts(b, "</dl>");
  fill_form(p, &h);
  wl_buf_puts(b, "<p class=\"hint\">An interval counts as collected once a historical or "
                 "backfill pull of it succeeded. Rows lost after that are found by "
                 "<code>wfmlink verify</code>.</p></section>\n");
  wl_vol_health_free(&h);
  return 0;
}

static void render_notice(page *p)
{
  wl_buf *b = &p->rq->out;
  const char *f = wl_req_query(p->rq, "filled");
  char wm[64];
  int64_t t;
  if (!f)
    return;
  if (strcmp(f, "moved") == 0 && wl_watermark_get(&t, p->rq->app->st, p->v.src.id) == 0) {
    wl_vol_fmt_local(wm, sizeof(wm), t, p->v.tz, 1);
    wl_html(b, "<p class=\"notice ok\" id=\"filled\">The history watermark is now %s: running "
               "collectors pull the gaps again from there within a minute, then continue "
               "without waiting. Reload this page to follow them.</p>", wm);
  } else if (strcmp(f, "already") == 0) {
    wl_buf_puts(b, "<p class=\"notice warn\" id=\"filled\">Nothing changed: the collectors are "
                   "already catching up from before these gaps.</p>");
  } else if (strcmp(f, "none") == 0) {
    wl_buf_puts(b, "<p class=\"notice ok\" id=\"filled\">Nothing to fill: no interval in this "
                   "range is missing.</p>");
  } else if (strcmp(f, "old") == 0) {
    wl_buf_puts(b, "<p class=\"notice warn\" id=\"filled\">Nothing changed: the gaps are older "
                   "than the backfill limit; use wfmlink backfill.</p>");
  }
}

static void render_sub(page *p)
{
  wl_buf *b = &p->rq->out;
  char a[64], z[64];
  if (p->err[0]) {
    wl_html(b, "<p class=\"notice bad\" id=\"error\">%s</p>", p->err);
    return;
  }
  wl_vol_fmt_local(a, sizeof(a), p->v.from, p->v.tz, 1);
  wl_vol_fmt_local(z, sizeof(z), p->v.to, p->v.tz, 1);
  wl_html(b, "<p class=\"sub\">%s to %s, %s · %zu intervals · %s. A contact counts in the "
             "interval it entered the queue.</p>", a, z, p->v.src.timezone, p->v.n,
          p->v.queue_label);
}

int wl_page_volume(wl_req *rq)
{
  page p = {.rq = rq};
  wl_buf *b = &rq->out;
  char title[120];
  int rc = parse_get(&p);
  if (rc == 0 && !p.err[0])
    rc = load_series(&p.v, rq->app->st);
  if (rc == 0) {
    snprintf(title, sizeof(title), "Volume · %s", p.v.src.name);
    wl_page_begin(rq, title);
    wl_html(b, "<h1>Volume and handle time <span class=\"muted\">%s</span></h1>", p.v.src.name);
    render_sub(&p);
    render_notice(&p);
    render_form(&p);
    if (p.err[0])
      rq->status = MHD_HTTP_BAD_REQUEST;
    else {
      render_chart(&p);
      if ((rc = render_health(&p)) == 0)
        rc = render_table(&p);
    }
    wl_page_end(rq);
  }
  page_free(&p);
  return rc;
}

/* ---- CSV: exactly the table's rows, the command line's header ---- */

static int csv_row(void *payload, const char *const *values)
{
  page *p = payload;
  if (!wl_vol_has_queue(&p->v, values[0]))
    return 0;
  wl_csv_row(p->csv, values, ncols());
  return 0;
}

static int write_csv(page *p)
{
  char *text = NULL, names[MAX_COLS][32];
  const char *header[MAX_COLS];
  size_t len = 0;
  int rc;
  if (!(p->csv = open_memstream(&text, &len)))
    return wl_err(WL_ENOMEM, "out of memory");
  for (size_t i = 0; i < ncols(); i++) {
    col_name(names[i], sizeof(names[i]), wl_report_volume_cols[i]);
    header[i] = names[i];
  }
  wl_csv_row(p->csv, header, ncols());
  rc = report(p, csv_row);
  fclose(p->csv);
  if (rc == 0) {
    p->rq->ctype = "text/csv; charset=utf-8";
    rc = wl_buf_append(&p->rq->out, text, len);
  }
  free(text);
  return rc;
}

int wl_page_volume_csv(wl_req *rq)
{
  page p = {.rq = rq};
  int rc = parse_get(&p);
  if (rc == 0 && p.err[0]) {
    rq->status = MHD_HTTP_BAD_REQUEST;
    rq->ctype = "text/plain; charset=utf-8";
    wl_buf_puts(&rq->out, p.err);
    wl_buf_puts(&rq->out, "\n");
  } else if (rc == 0) {
    rc = write_csv(&p);
  }
  page_free(&p);
  return rc;
}

/* ---- Fill the gaps ---- */

/* Moves "hist-watermark" back to the earliest gap the collectors can
 * fill; their plan_window() backfills from the watermark onwards. *what
 * says what happened: "moved", "already" (the watermark is before the
 * gaps), "none" (no gaps), "old" (gaps older than backfill-max-days). */
static int fill(const char **what, page *p)
{
  wl_store *st = p->rq->app->st;
  wl_vol_health h;
  int64_t target;
  char iso[WL_ISO_LEN];
  int rc = wl_vol_health_get(&h, st, &p->v.src, p->v.from, p->v.to, wl_now());
  if (rc)
    return rc;
  target = wl_vol_fill_target(&h);
  *what = h.missing == 0 ? "none" : !target ? "old"
          : h.watermark && h.watermark <= target ? "already" : "moved";
  wl_vol_health_free(&h);
  if (strcmp(*what, "moved") != 0)
    return 0;
  if ((rc = wl_watermark_set(st, p->v.src.id, target)) != 0)
    return rc;
  wl_time_format(iso, sizeof(iso), target, p->v.tz);
  wl_info(p->v.src.name, "web: '%s' moved the history watermark back to %s to fill gaps",
          p->rq->user, iso);
  return 0;
}

/* Back to the page it came from (POST, redirect, GET); a view too long
 * for one address keeps its range and loses its queue choice. */
static void page_address(wl_buf *loc, page *p, const char *what)
{
  wl_buf_reset(loc);
  wl_buf_puts(loc, "/source/");
  wl_buf_puts(loc, p->v.src.name);
  wl_buf_puts(loc, "/volume?");
  view_query(loc, &p->v);
  wl_buf_puts(loc, "&filled=");
  wl_buf_puts(loc, what);
  wl_buf_puts(loc, "#health");
}

static int back_to_page(page *p, const char *what)
{
  wl_buf loc;
  int rc;
  wl_buf_init(&loc, 64 * 1024);
  page_address(&loc, p, what);
  if (!loc.ptr || loc.err || loc.len >= sizeof(p->rq->location)) {
    p->v.nq = 0;
    page_address(&loc, p, what);
  }
  rc = wl_redirect(p->rq, loc.ptr && !loc.err ? loc.ptr : "/sources");
  wl_buf_free(&loc);
  return rc;
}

int wl_page_volume_fill(wl_req *rq)
{
  page p = {.rq = rq};
  const char *what = NULL;
  int rc = parse_post(&p);
  if (rc == 0 && p.err[0])
    wl_error_page(rq, MHD_HTTP_BAD_REQUEST, "Bad request", p.err);
  else if (rc == 0 && (rc = fill(&what, &p)) == 0)
    rc = back_to_page(&p, what);
  page_free(&p);
  return rc;
}
