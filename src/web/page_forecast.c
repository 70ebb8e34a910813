/*
 * GET  /source/NAME/forecast?queue=&from=&to=&as_of=&method=
 * GET  /source/NAME/forecast.csv?(the same)
 * POST /source/NAME/forecast/save   (the same, plus name)
 *
 * The forecast of a source's queues (issue 12): one chart per queue with
 * the last days of recorded volume, the forecast and (when as-of falls in
 * the first day of the range) the intraday re-forecast of that day as its
 * own line; the engine's notes; the accuracy of every method over the 4
 * weeks before as-of with auto's pick marked; the table of `wfmlink
 * forecast` rows, and a CSV download of exactly those rows
 * (`wfmlink forecast --format csv` with the same arguments). Forecasts can
 * be saved under a name, and the saved ones are listed with how they did.
 */
#include "web/fc_web.h"
#include "core/report.h"
#include "util/err.h"
#include "util/log.h"
#include "util/timeutil.h"

#include <math.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct qchart {
  char id[64];
  double *actual, *forecast, *intraday;
  char auto_pick[32];        /* the method auto uses for this queue */
} qchart;

typedef struct fpage {
  wl_fcw_base b;             /* the view, wl_forecast_report's rows and notes */
  qchart q[WL_FCW_MAX_CHARTS];
  size_t nq;
  int64_t t0;                /* the charts' first interval */
  size_t n;                  /* intervals per chart, 0: no chart */
  int64_t intraday_from, intraday_to; /* the re-forecast day, 0: none */
  int64_t acc_from, acc_to;
} fpage;

/* ---- charts ---- */

static qchart *chart_of(fpage *p, const char *queue_id)
{
  for (size_t i = 0; i < p->nq; i++)
    if (strcmp(p->q[i].id, queue_id) == 0)
      return &p->q[i];
  return NULL;
}

static int slot_of(const fpage *p, int64_t t, size_t *out)
{
  if (t < p->t0 || t >= p->t0 + (int64_t)p->n * WL_INTERVAL_S)
    return 0;
  *out = (size_t)((t - p->t0) / WL_INTERVAL_S);
  return 1;
}

static int chart_row(void *payload, const wl_forecast_row *r)
{
  fpage *p = payload;
  qchart *q = chart_of(p, r->queue_id);
  size_t i;
  if (!q)
    return 0;
  snprintf(q->auto_pick, sizeof(q->auto_pick), "%s", r->method);
  if (!slot_of(p, r->start_utc, &i))
    return 0;
  q->forecast[i] = r->base_volume;
  if (r->start_utc >= p->intraday_from && r->start_utc < p->intraday_to)
    q->intraday[i] = r->volume;
  return 0;
}

static int actual_row(void *payload, const char *const *values)
{
  fpage *p = payload;
  qchart *q = chart_of(p, values[0]);
  int64_t t;
  size_t i;
  if (q && wl_time_parse_arg(&t, values[2], p->b.v.tz) == 0 && slot_of(p, t, &i))
    q->actual[i] = strtod(values[3], NULL);
  return 0;
}

static int auto_row(void *payload, const wl_forecast_row *r)
{
  qchart *q = chart_of(payload, r->queue_id);
  if (q)
    snprintf(q->auto_pick, sizeof(q->auto_pick), "%s", r->method);
  return 0;
}

/* The forecast of the charted queues with method, up to `to`, to cb. */
static int chart_forecast(fpage *p, enum wl_fc_method method, int64_t to, wl_forecast_cb cb)
{
  wl_forecast_req r = p->b.v.req.fc;
  const char *ids[WL_FCW_MAX_CHARTS];
  for (size_t i = 0; i < p->nq; i++)
    ids[i] = p->q[i].id;
  r.queues = ids;
  r.nqueues = p->nq;
  r.method = method;
  if (to != r.to) {
    r.to = to;
    r.as_of_given = 0; /* a shorter range: the as-of limit against --to is moot */
  }
  return wl_forecast(p->b.v.rq->app, &p->b.v.src, &r, cb, NULL, p);
}

static void chart_span(fpage *p)
{
  const wl_forecast_req *fc = &p->b.v.req.fc;
  int64_t base = fc->as_of < fc->from ? fc->as_of : fc->from;
  wl_civil c;
  wl_tz_to_civil(&c, p->b.v.tz, base);
  c.hour = c.min = c.sec = 0;
  {
    int y, m, d;
    wl_civil_from_days(wl_days_from_civil(c.year, c.month, c.day) - WL_FCW_ACTUAL_DAYS, &y, &m,
                       &d);
    c.year = y;
    c.month = m;
    c.day = d;
  }
  p->t0 = wl_interval_ceil(wl_tz_from_civil(p->b.v.tz, &c, 0));
  p->n = fc->to - p->t0 <= (int64_t)WL_FCW_CHART_MAX_DAYS * 86400 + 7200
           ? (size_t)((fc->to - p->t0 + WL_INTERVAL_S - 1) / WL_INTERVAL_S) : 0;
  /* the intraday re-forecast applies when as-of is inside the first day */
  if (fc->as_of > fc->from && fc->as_of < wl_tz_next_day_start(p->b.v.tz, fc->from)) {
    p->intraday_from = fc->from;
    p->intraday_to = wl_tz_next_day_start(p->b.v.tz, fc->from);
  }
}

static int alloc_charts(fpage *p)
{
  for (size_t i = 0; i < p->b.v.nall + p->b.v.nq && p->nq < WL_FCW_MAX_CHARTS; i++) {
    const char *id = i < p->b.v.nq ? p->b.v.queues[i] : p->b.v.all[i - p->b.v.nq].id;
    qchart *q;
    if ((p->b.v.nq && i >= p->b.v.nq) || chart_of(p, id))
      continue;
    q = &p->q[p->nq++];
    snprintf(q->id, sizeof(q->id), "%s", id);
    q->actual = malloc((p->n ? p->n : 1) * sizeof(double));
    q->forecast = malloc((p->n ? p->n : 1) * sizeof(double));
    q->intraday = malloc((p->n ? p->n : 1) * sizeof(double));
    if (!q->actual || !q->forecast || !q->intraday)
      return wl_err(WL_ENOMEM, "out of memory");
    for (size_t k = 0; k < p->n; k++)
      q->actual[k] = q->forecast[k] = q->intraday[k] = NAN;
  }
  return 0;
}

static int load_charts(void *payload)
{
  fpage *p = payload;
  wl_report_range r = {p->t0, p->b.v.req.fc.to, NULL, 0};
  int rc;
  chart_span(p);
  if ((rc = alloc_charts(p)) != 0 || p->nq == 0)
    return rc;
  r.filter = p->nq == 1 ? p->q[0].id : NULL;
  if (p->n && (rc = wl_report_volume(p->b.v.rq->app, &p->b.v.src, &r, WL_BY_INTERVAL, actual_row,
                                     p)) != 0)
    return rc;
  rc = chart_forecast(p, p->b.v.req.fc.method, p->b.v.req.fc.to, chart_row);
  /* which method auto picks per queue, when the view uses another */
  if (rc == 0 && p->b.v.req.fc.method != WL_FC_AUTO)
    rc = chart_forecast(p, WL_FC_AUTO, wl_tz_next_day_start(p->b.v.tz, p->b.v.req.fc.from),
                        auto_row);
  return rc;
}

static void render_chart(fpage *p, const qchart *q)
{
  wl_buf *b = &p->b.v.rq->out;
  const char *name = wl_fcw_queue_name(&p->b.v, q->id);
  char id[96];
  wl_fcc c = {.tz = p->b.v.tz, .t0 = p->t0, .n = p->n, .mark = p->b.v.req.fc.as_of,
              .mark_label = "as of", .y_label = "contacts per 15 min", .id = id};
  snprintf(id, sizeof(id), "fc-chart-%zu", (size_t)(q - p->q));
  c.s[c.ns++] = (wl_fcc_series){"Recorded", "#8db8e8", "actual", q->actual, 1, 0};
  c.s[c.ns++] = (wl_fcc_series){"Forecast", "#e08600", "forecast", q->forecast, 0, 0};
  if (p->intraday_from)
    c.s[c.ns++] = (wl_fcc_series){"Intraday re-forecast", "#7b2cbf", "intraday", q->intraday,
                                  0, 1};
  wl_html(b, "<section class=\"card chart-card\" data-queue=\"%s\"><h2>%s <span class=\"muted\">"
             "%s</span></h2>", q->id, name[0] ? name : q->id, q->id);
  wl_fcc_draw(b, &c);
  wl_buf_puts(b, "</section>\n");
}

static void render_charts(fpage *p)
{
  wl_buf *b = &p->b.v.rq->out;
  if (!p->n) {
    wl_html(b, "<p class=\"notice warn\">The charts cover at most %d days; choose a shorter "
               "range to see them.</p>", WL_FCW_CHART_MAX_DAYS - WL_FCW_ACTUAL_DAYS);
    return;
  }
  for (size_t i = 0; i < p->nq; i++)
    render_chart(p, &p->q[i]);
  if (p->b.v.nq == 0 && p->b.v.nall > WL_FCW_MAX_CHARTS)
    wl_html(b, "<p class=\"notice warn\">Charts for the first %d queues; pick queues to see "
               "others.</p>", WL_FCW_MAX_CHARTS);
}

/* ---- notes, accuracy, table ---- */

static void accuracy_range(fpage *p)
{
  wl_civil c;
  int y, m, d;
  wl_tz_to_civil(&c, p->b.v.tz, p->b.v.req.fc.as_of);
  p->acc_to = wl_tz_day_start(p->b.v.tz, p->b.v.req.fc.as_of);
  wl_civil_from_days(wl_days_from_civil(c.year, c.month, c.day) - WL_FCW_ACCURACY_DAYS, &y, &m,
                     &d);
  c = (wl_civil){.year = y, .month = m, .day = d};
  p->acc_from = wl_tz_from_civil(p->b.v.tz, &c, 0);
}

typedef struct acc_ctx {
  fpage *p;
  size_t rows;
} acc_ctx;

static int accuracy_row(void *payload, const char *const *v)
{
  acc_ctx *a = payload;
  wl_buf *b = &a->p->b.v.rq->out;
  qchart *q = chart_of(a->p, v[0]);
  int pick = q && strcmp(q->auto_pick, v[1]) == 0;
  wl_html(b, "<tr data-queue=\"%s\" data-method=\"%s\"", v[0], v[1]);
  wl_buf_puts(b, pick ? " class=\"auto-pick\">" : ">");
  wl_html(b, "<td>%s</td><td>%s", v[0], v[1]);
  wl_buf_puts(b, pick ? " <span class=\"badge ok\">auto's pick</span></td>" : "</td>");
  for (size_t i = 2; i < 8; i++)
    wl_html(b, "<td class=\"num\">%s</td>", v[i]);
  wl_buf_puts(b, "</tr>\n");
  a->rows++;
  return 0;
}

static int render_accuracy(fpage *p)
{
  wl_buf *b = &p->b.v.rq->out;
  const char *ids[WL_FCW_MAX_CHARTS];
  acc_ctx a = {p, 0};
  wl_accuracy_req r = {.queues = ids, .nqueues = p->nq};
  char from[32], to[32];
  int rc;
  accuracy_range(p);
  r.from = p->acc_from;
  r.to = p->acc_to;
  for (size_t i = 0; i < p->nq; i++)
    ids[i] = p->q[i].id;
  wl_date_format(from, sizeof(from), p->acc_from, p->b.v.tz);
  wl_date_format(to, sizeof(to), p->acc_to, p->b.v.tz);
  wl_html(b, "<section class=\"card\" id=\"accuracy\"><h2>Accuracy per method <span "
             "class=\"muted\">backtest %s to %s (not included), one forecast per week</span></h2>"
             "<div class=\"table-wrap\"><table class=\"vol\"><thead><tr><th>Queue</th>"
             "<th>Method</th><th>Intervals</th><th>wMAPE %%</th><th>MAPE %%</th><th>Bias %%</th>"
             "<th>Day MAPE %%</th><th>vs seasonal naive %%</th></tr></thead><tbody>\n", from, to);
  rc = p->nq ? wl_forecast_accuracy(p->b.v.rq->app, &p->b.v.src, &r, accuracy_row, NULL, &a) : 0;
  if (rc == 0 && a.rows == 0)
    wl_buf_puts(b, "<tr class=\"empty\"><td colspan=\"8\" class=\"muted\">No queues to "
                   "evaluate.</td></tr>");
  wl_buf_puts(b, "</tbody></table></div><p class=\"hint\">wMAPE: absolute errors over the "
                 "recorded contacts; vs seasonal naive: negative is better. The marked row is "
                 "the method <code>auto</code> uses for the queue now; the row named auto pools "
                 "what auto picked week by week.</p></section>\n");
  return rc;
}

static void render_table(fpage *p)
{
  wl_buf *b = &p->b.v.rq->out;
  wl_buf_puts(b, "<section class=\"card\" id=\"forecast-table\"><h2>15-minute intervals</h2>");
  wl_fcw_rows_table(&p->b, wl_forecast_cols);
  wl_buf_puts(b, "</section>\n");
}

/* ---- saved forecasts ---- */

typedef struct saved_ctx {
  fpage *p;
  size_t n;
} saved_ctx;

static int saved_row(void *payload, const wl_forecast_saved_cmp *s)
{
  saved_ctx *c = payload;
  wl_buf *b = &c->p->b.v.rq->out;
  const wl_tz *tz = c->p->b.v.tz;
  char made[32], asof[32], from[32], to[32], fsum[32], asum[32], w[32];
  wl_fcw_local(made, sizeof(made), s->created_at, tz);
  wl_fcw_local(asof, sizeof(asof), s->as_of, tz);
  wl_fcw_local(from, sizeof(from), s->from, tz);
  wl_fcw_local(to, sizeof(to), s->to, tz);
  snprintf(fsum, sizeof(fsum), "%.1f", s->forecast_sum);
  snprintf(asum, sizeof(asum), "%.1f", s->actual_sum);
  if (s->has_wmape)
    snprintf(w, sizeof(w), "%.2f", s->wmape_pct);
  else
    snprintf(w, sizeof(w), "%s", s->intervals ? "no contacts" : "nothing yet");
  wl_html(b, "<tr data-name=\"%s\"><td>%s</td><td>%s</td><td>%s</td><td>%s – %s</td>"
             "<td class=\"num\">%lld</td><td class=\"num\">%lld</td><td class=\"num\">%s</td>"
             "<td class=\"num\">%s</td><td class=\"num wmape\">%s</td></tr>\n",
          s->name, s->name, made, asof, from, to, (long long)s->values,
          (long long)s->intervals, fsum, asum, w);
  c->n++;
  return 0;
}

static int render_saved(fpage *p)
{
  wl_req *rq = p->b.v.rq;
  wl_buf *b = &rq->out;
  saved_ctx c = {p, 0};
  int rc;
  wl_html(b, "<section class=\"card\" id=\"saved\"><h2>Saved forecasts</h2>"
             "<form method=\"post\" action=\"/source/%s/forecast/save\" class=\"fill\">",
          p->b.v.src.name);
  wl_html_csrf(rq);
  wl_fcw_hidden(b, &p->b.v);
  wl_buf_puts(b, "<label>Save this forecast as <input type=\"text\" name=\"name\" "
                 "maxlength=\"100\" required></label> <button type=\"submit\">Save</button>"
                 "</form>");
  if (wl_req_query(rq, "saved"))
    wl_buf_puts(b, "<p class=\"notice ok\" id=\"saved-ok\">Saved.</p>");
  wl_buf_puts(b, "<div class=\"table-wrap\"><table class=\"vol\"><thead><tr><th>Name</th>"
                 "<th>Saved</th><th>As of</th><th>Range</th><th>Values</th>"
                 "<th>Compared</th><th>Forecast</th><th>Recorded</th><th>wMAPE %</th></tr>"
                 "</thead><tbody>\n");
  rc = wl_forecast_saved_compare(rq->app, &p->b.v.src, wl_now(), saved_row, &c);
  if (rc == 0 && c.n == 0)
    wl_buf_puts(b, "<tr class=\"empty\"><td colspan=\"9\" class=\"muted\">None saved yet."
                   "</td></tr>");
  wl_buf_puts(b, "</tbody></table></div><p class=\"hint\">Compared: intervals of the saved "
                 "range that have been recorded by now (collected or imported); wMAPE over "
                 "them, every queue pooled.</p></section>\n");
  return rc;
}

/* ---- the page ---- */

static void csv_link(wl_buf *href, char *file, size_t n, const wl_fcw *v, const char *what)
{
  wl_buf_puts(href, "/source/");
  wl_buf_puts(href, v->src.name);
  wl_buf_puts(href, "/");
  wl_buf_puts(href, what);
  wl_buf_puts(href, ".csv?");
  wl_fcw_query(href, v, strcmp(what, "staffing") == 0);
  snprintf(file, n, "%s-%s-%.10s-%.10s.csv", v->src.name, what, v->from_s, v->to_s);
}

static int render(void *payload)
{
  fpage *p = payload;
  wl_req *rq = p->b.v.rq;
  wl_buf *b = &rq->out, href;
  char file[200], a[32], z[32], asof[32];
  int rc = 0;
  wl_buf_init(&href, 64 * 1024);
  if (!p->b.v.err[0])
    csv_link(&href, file, sizeof(file), &p->b.v, "forecast");
  if (!wl_fcw_head(&p->b.v, "Forecast", "forecast")) {
    wl_fcw_local(a, sizeof(a), p->b.v.req.fc.from, p->b.v.tz);
    wl_fcw_local(z, sizeof(z), p->b.v.req.fc.to, p->b.v.tz);
    wl_fcw_local(asof, sizeof(asof), p->b.v.req.fc.as_of, p->b.v.tz);
    wl_html(b, "<p class=\"sub\">%s to %s, %s · as of %s · method %s</p>", a, z,
            p->b.v.src.timezone, asof, p->b.v.method_s);
  }
  wl_fcw_form(&p->b.v, "forecast", NULL, href.ptr, file);
  wl_buf_free(&href);
  if (!p->b.v.err[0]) {
    render_charts(p);
    wl_fcw_notes(&p->b);
    if ((rc = render_accuracy(p)) == 0) {
      render_table(p);
      rc = render_saved(p);
    }
  }
  return rc;
}

static void fpage_free(void *payload)
{
  fpage *p = payload;
  for (size_t i = 0; i < p->nq; i++) {
    free(p->q[i].actual);
    free(p->q[i].forecast);
    free(p->q[i].intraday);
  }
}

static const wl_fcw_kind kind = {"Forecast", 0, sizeof(fpage), load_charts, render, fpage_free};

int wl_page_forecast(wl_req *rq)
{
  return wl_fcw_serve(rq, &kind, 0);
}

int wl_page_forecast_csv(wl_req *rq)
{
  return wl_fcw_serve(rq, &kind, 1);
}

/* ---- save ---- */

static int check_name(const char *name)
{
  size_t n = name ? strlen(name) : 0;
  if (n == 0 || n > 100)
    return 0;
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)name[i] < 0x20)
      return 0;
  return 1;
}

int wl_page_forecast_save(wl_req *rq)
{
  wl_fcw *v = calloc(1, sizeof(*v));
  const char *name = wl_form_get(&rq->form, "name");
  wl_buf loc;
  int rc;
  if (!v)
    return wl_err(WL_ENOMEM, "out of memory");
  wl_buf_init(&loc, 64 * 1024);
  rc = wl_fcw_open(v, rq, 1, 0);
  if (rc == 0 && !v->err[0] && !check_name(name))
    snprintf(v->err, sizeof(v->err), "name: give the forecast a name of 1 to 100 characters.");
  if (rc == 0 && v->err[0])
    wl_error_page(rq, MHD_HTTP_BAD_REQUEST, "Bad request", v->err);
  else if (rc == 0 && (rc = wl_forecast_save(rq->app, &v->src, &v->req.fc, name, NULL,
                                             NULL)) == 0) {
    wl_info(v->src.name, "web: '%s' saved the forecast '%s'", rq->user, name);
    wl_buf_puts(&loc, "/source/");
    wl_buf_puts(&loc, v->src.name);
    wl_buf_puts(&loc, "/forecast?");
    wl_fcw_query(&loc, v, 0);
    wl_buf_puts(&loc, "&saved=1#saved");
    if (!loc.ptr || loc.len >= sizeof(rq->location)) { /* too long: the default view */
      wl_buf_reset(&loc);
      wl_buf_puts(&loc, "/source/");
      wl_buf_puts(&loc, v->src.name);
      wl_buf_puts(&loc, "/forecast?saved=1#saved");
    }
    rc = wl_redirect(rq, loc.ptr ? loc.ptr : "/sources");
  } else if (rc == WL_EUSAGE) {
    rc = wl_error_page(rq, MHD_HTTP_BAD_REQUEST, "Bad request", wl_errmsg());
  }
  wl_buf_free(&loc);
  wl_fcw_close(v);
  free(v);
  return rc;
}
