/*
 * GET  /source/NAME/staffing?queue=&from=&to=&as_of=&method=&target=&model=
 *                            &patience_s=&shrinkage=&max_occupancy=&actual=1
 * GET  /source/NAME/staffing.csv?(the same)
 * POST /source/NAME/staffing/settings
 *
 * Staffing of a source (issue 13): per 15-minute interval the agents the
 * chosen queues require (from the forecast, or the recorded volume with
 * actual=1) against the agents scheduled, and the gap, as a chart and a
 * table; a day summary in agent-hours; the rows of `wfmlink staffing` and
 * a CSV download of exactly those rows; the source's staffing settings
 * (editable, checked like `wfmlink source set`); a small Erlang
 * calculator. The chart and the tables are read from the report's rows,
 * so they can never disagree with the CSV.
 */
#include "web/fc_web.h"
#include "core/settings.h"
#include "util/err.h"
#include "util/log.h"
#include "util/timeutil.h"

#include <math.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { C_QUEUE = 0, C_START = 1, C_AGENTS = 5, C_SCHED = 11 };

typedef struct spage {
  wl_fcw_base b;               /* the view, wl_staffing_report's rows and notes */
  int64_t t0;
  size_t n;                    /* intervals of [from, to) */
  double *req, *sched, *over, *under; /* per interval; NAN: none */
} spage;

/* Required agents summed over the queues, scheduled once per interval. */
static int load_series(void *payload)
{
  spage *p = payload;
  const wl_forecast_req *fc = &p->b.v.req.fc;
  p->t0 = wl_interval_ceil(fc->from);
  p->n = fc->to > p->t0 ? (size_t)((fc->to - p->t0 + WL_INTERVAL_S - 1) / WL_INTERVAL_S) : 0;
  p->req = malloc((p->n + 1) * sizeof(double));
  p->sched = malloc((p->n + 1) * sizeof(double));
  p->over = malloc((p->n + 1) * sizeof(double));
  p->under = malloc((p->n + 1) * sizeof(double));
  if (!p->req || !p->sched || !p->over || !p->under)
    return wl_err(WL_ENOMEM, "out of memory");
  for (size_t i = 0; i < p->n; i++)
    p->req[i] = p->sched[i] = p->over[i] = p->under[i] = NAN;
  for (size_t r = 0; r < p->b.rows.n; r++) {
    const char *ag = wl_aw_cell(&p->b.rows, r, C_AGENTS), *sc = wl_aw_cell(&p->b.rows, r, C_SCHED);
    int64_t t;
    size_t i;
    if (wl_time_parse_arg(&t, wl_aw_cell(&p->b.rows, r, C_START), p->b.v.tz) != 0 || t < p->t0)
      continue;
    i = (size_t)((t - p->t0) / WL_INTERVAL_S);
    if (i >= p->n)
      continue;
    if (*ag)
      p->req[i] = (isnan(p->req[i]) ? 0 : p->req[i]) + strtod(ag, NULL);
    if (*sc)
      p->sched[i] = strtod(sc, NULL);
  }
  for (size_t i = 0; i < p->n; i++)
    if (!isnan(p->req[i]) && !isnan(p->sched[i])) {
      double gap = p->sched[i] - p->req[i];
      p->over[i] = gap > 0 ? gap : 0;
      p->under[i] = gap < 0 ? -gap : 0;
    }
  return 0;
}

static void fmt_num(char *out, size_t n, double v, int decimals)
{
  if (isnan(v))
    out[0] = '\0';
  else
    snprintf(out, n, "%.*f", decimals, fabs(v) < 0.005 ? 0.0 : v);
}

/* ---- chart, interval and day tables ---- */

static void render_chart(spage *p)
{
  wl_buf *b = &p->b.v.rq->out;
  wl_fcc c = {.tz = p->b.v.tz, .t0 = p->t0, .n = p->n, .y_label = "agents",
              .id = "staffing-chart"};
  c.s[c.ns++] = (wl_fcc_series){"Short (under)", "#c8372d", "under", p->under, 1, 0};
  c.s[c.ns++] = (wl_fcc_series){"Required", "#e08600", "required", p->req, 0, 0};
  c.s[c.ns++] = (wl_fcc_series){"Scheduled", "#0a66c2", "scheduled", p->sched, 0, 0};
  wl_buf_puts(b, "<section class=\"card chart-card\" id=\"chart\"><h2>Required against "
                 "scheduled agents</h2>");
  if (p->n > (size_t)WL_FCW_CHART_MAX_DAYS * 96)
    wl_html(b, "<p class=\"muted\">The chart covers at most %d days.</p>",
            WL_FCW_CHART_MAX_DAYS);
  else
    wl_fcc_draw(b, &c);
  wl_buf_puts(b, "<p class=\"hint\">Required: agents on the queues for the target, summed over "
                 "the chosen queues (before shrinkage). Scheduled: agents scheduled on work "
                 "activities (schedules have no queue: the whole source).</p></section>\n");
}

static void render_days(spage *p)
{
  wl_buf *b = &p->b.v.rq->out;
  size_t i = 0;
  wl_buf_puts(b, "<section class=\"card\" id=\"days\"><h2>Per day <span class=\"muted\">"
                 "agent-hours</span></h2><div class=\"table-wrap\"><table class=\"vol\">"
                 "<thead><tr><th>Day</th><th>Required</th><th>Scheduled</th><th>Gap</th>"
                 "</tr></thead><tbody>\n");
  while (i < p->n) {
    int64_t t = p->t0 + (int64_t)i * WL_INTERVAL_S, end = wl_tz_next_day_start(p->b.v.tz, t);
    double rq = 0, sc = 0;
    int any_sched = 0;
    char day[16], a[32], s[32], g[32];
    for (; i < p->n && p->t0 + (int64_t)i * WL_INTERVAL_S < end; i++) {
      rq += isnan(p->req[i]) ? 0 : p->req[i] / 4.0;
      if (!isnan(p->sched[i])) {
        sc += p->sched[i] / 4.0;
        any_sched = 1;
      }
    }
    wl_date_format(day, sizeof(day), t, p->b.v.tz);
    fmt_num(a, sizeof(a), rq, 2);
    fmt_num(s, sizeof(s), any_sched ? sc : NAN, 2);
    fmt_num(g, sizeof(g), any_sched ? sc - rq : NAN, 2);
    wl_html(b, "<tr data-day=\"%s\"><td>%s</td><td class=\"num\">%s</td><td class=\"num\">%s"
               "</td><td class=\"num%s\">%s</td></tr>\n", day, day, a, s,
            any_sched && sc < rq ? " bad" : "", g);
  }
  wl_buf_puts(b, "</tbody></table></div><p class=\"hint\">Gap = scheduled − required; "
                 "negative: short. Empty: no schedules in the range.</p></section>\n");
}

static void render_intervals(spage *p)
{
  wl_buf *b = &p->b.v.rq->out;
  size_t shown = p->n < WL_FCW_MAX_TABLE_ROWS ? p->n : WL_FCW_MAX_TABLE_ROWS;
  wl_buf_puts(b, "<section class=\"card\" id=\"gap\"><h2>Per interval</h2><div "
                 "class=\"table-wrap\"><table class=\"vol\" id=\"gap-table\"><thead><tr>"
                 "<th>Interval</th><th>Required</th><th>Scheduled</th><th>Gap</th></tr></thead>"
                 "<tbody>\n");
  for (size_t i = 0; i < shown; i++) {
    char when[32], a[32], s[32], g[32];
    wl_fcw_local(when, sizeof(when), p->t0 + (int64_t)i * WL_INTERVAL_S, p->b.v.tz);
    fmt_num(a, sizeof(a), p->req[i], 0);
    fmt_num(s, sizeof(s), p->sched[i], 2);
    fmt_num(g, sizeof(g), isnan(p->over[i]) ? NAN : p->over[i] - p->under[i], 2);
    wl_html(b, "<tr><td>%s</td><td class=\"num\">%s</td><td class=\"num\">%s</td>"
               "<td class=\"num%s\">%s</td></tr>\n", when, a, s,
            !isnan(p->under[i]) && p->under[i] > 0 ? " bad" : "", g);
  }
  wl_buf_puts(b, "</tbody></table></div></section>\n");
}

static void render_rows(spage *p)
{
  wl_buf *b = &p->b.v.rq->out;
  wl_buf_puts(b, "<section class=\"card\" id=\"staffing-table\"><h2>Per queue and interval "
                 "<span class=\"muted\">wfmlink staffing</span></h2>");
  wl_fcw_rows_table(&p->b, wl_staffing_cols);
  wl_buf_puts(b, "</section>\n");
}

/* ---- settings and calculator ---- */

static int render_settings(spage *p)
{
  static const char *const label[] = {"Target (P/T: P % answered within T s)",
                                      "Model (erlang-c or erlang-a)",
                                      "Patience, s (Erlang A)", "Shrinkage (0 to below 1)",
                                      "Highest occupancy (0 to 1)"};
  wl_req *rq = p->b.v.rq;
  wl_buf *b = &rq->out;
  char cur[WL_STAFFING_NSET][64];
  int rc = wl_staffing_settings_get(cur, rq->app, &p->b.v.src);
  if (rc)
    return rc;
  wl_html(b, "<section class=\"card\" id=\"settings\"><h2>Staffing settings of %s</h2>"
             "<form method=\"post\" action=\"/source/%s/staffing/settings\" "
             "class=\"vol-controls\">", p->b.v.src.name, p->b.v.src.name);
  wl_html_csrf(rq);
  for (size_t i = 0; i < WL_STAFFING_NSET; i++)
    wl_html(b, "<label>%s<input type=\"text\" name=\"%s\" value=\"%s\" required></label>",
            label[i], wl_staffing_setting_keys[i], cur[i]);
  wl_buf_puts(b, "<button type=\"submit\" class=\"primary\">Save settings</button></form>");
  if (wl_req_query(rq, "settings"))
    wl_buf_puts(b, "<p class=\"notice ok\" id=\"settings-ok\">Saved: the defaults of this page "
                   "and of <code>wfmlink staffing</code>.</p>");
  wl_buf_puts(b, "</section>\n");
  return 0;
}

typedef struct calc {
  const char *calls, *aht, *target, *model, *patience, *agents;
  char err[300];
  wl_erlang_out out;
  int done;
} calc;

static double num(calc *c, const char *s, const char *what)
{
  char *end;
  double v = s ? strtod(s, &end) : NAN;
  if (!c->err[0] && (!s || !*s || *end))
    snprintf(c->err, sizeof(c->err), "%s: '%s' is not a number", what, s ? s : "");
  return v;
}

static void run_calc(calc *c, const wl_staffing_params *def)
{
  wl_erlang_in in = {.interval_s = WL_INTERVAL_S, .shrinkage = def->shrinkage,
                     .max_occupancy = def->max_occupancy, .target_sl = def->target_sl,
                     .target_t_s = def->target_t_s, .patience_s = def->patience_s,
                     .model = def->model};
  in.calls = num(c, c->calls, "calls");
  in.aht_s = num(c, c->aht, "AHT");
  if (c->patience && *c->patience)
    in.patience_s = num(c, c->patience, "patience");
  if (c->model && *c->model)
    in.model = strcmp(c->model, "erlang-a") == 0 ? WL_ERLANG_A : WL_ERLANG_C;
  if (!c->err[0] && c->target && *c->target &&
      wl_erlang_parse_target(&in.target_sl, &in.target_t_s, c->target) != 0)
    snprintf(c->err, sizeof(c->err), "%s", wl_errmsg());
  if (!c->err[0] && wl_erlang_check(&in) != 0)
    snprintf(c->err, sizeof(c->err), "%s", wl_errmsg());
  if (c->err[0])
    return;
  if (c->agents && *c->agents) {
    double n = num(c, c->agents, "agents");
    if (!c->err[0] && (n < 0 || n > 100000 || n != floor(n)))
      snprintf(c->err, sizeof(c->err), "agents: a whole number from 0 to 100000");
    if (!c->err[0] && wl_erlang_eval(&c->out, &in, (int)n) != 0)
      snprintf(c->err, sizeof(c->err), "%s", wl_errmsg());
  } else if (wl_erlang_required(&c->out, &in) != 0) {
    snprintf(c->err, sizeof(c->err), "%s", wl_errmsg());
  }
  c->done = !c->err[0];
}

static void calc_result(wl_buf *b, const calc *c)
{
  char v[6][32];
  if (c->err[0]) {
    wl_html(b, "<p class=\"notice bad\" id=\"calc-error\">%s</p>", c->err);
    return;
  }
  if (!c->done)
    return;
  snprintf(v[0], sizeof(v[0]), "%.2f", c->out.traffic_erl);
  snprintf(v[1], sizeof(v[1]), "%.1f", 100.0 * c->out.service_level);
  snprintf(v[2], sizeof(v[2]), "%.1f", c->out.asa_s);
  snprintf(v[3], sizeof(v[3]), "%.1f", 100.0 * c->out.occupancy);
  snprintf(v[4], sizeof(v[4]), "%.1f", 100.0 * c->out.p_abandon);
  snprintf(v[5], sizeof(v[5]), "%.1f", 100.0 * c->out.p_wait);
  wl_html(b, "<dl class=\"kv\" id=\"calc-result\"><dt>Traffic</dt><dd data-k=\"traffic\">%s "
             "Erlang</dd><dt>Agents</dt><dd data-k=\"agents\">%d</dd><dt>Positions (after "
             "shrinkage)</dt><dd data-k=\"positions\">%d</dd><dt>Service level</dt>"
             "<dd data-k=\"sl\">%s %%</dd><dt>ASA</dt><dd data-k=\"asa\">%s s</dd>"
             "<dt>Occupancy</dt><dd data-k=\"occupancy\">%s %%</dd><dt>Abandoned</dt>"
             "<dd data-k=\"abandon\">%s %%</dd><dt>Waiting at all</dt><dd data-k=\"wait\">%s %%"
             "</dd></dl>", v[0], c->out.agents, c->out.positions, v[1], v[2], v[3], v[4], v[5]);
}

static void render_calc(spage *p)
{
  wl_req *rq = p->b.v.rq;
  wl_buf *b = &rq->out;
  calc c = {.calls = wl_req_query(rq, "calc_calls"), .aht = wl_req_query(rq, "calc_aht"),
            .target = wl_req_query(rq, "calc_target"), .model = wl_req_query(rq, "calc_model"),
            .patience = wl_req_query(rq, "calc_patience"),
            .agents = wl_req_query(rq, "calc_agents")};
  if (c.calls || c.aht)
    run_calc(&c, &p->b.v.req.params);
  wl_html(b, "<section class=\"card\" id=\"calculator\"><h2>Erlang calculator <span "
             "class=\"muted\">one 15-minute interval; shrinkage and occupancy from the settings"
             "</span></h2><form method=\"get\" action=\"/source/%s/staffing#calculator\" "
             "class=\"vol-controls\">", p->b.v.src.name);
  wl_fcw_hidden(b, &p->b.v);
  wl_html(b, "<label>Calls<input type=\"text\" name=\"calc_calls\" value=\"%s\" required>"
             "</label><label>AHT, s<input type=\"text\" name=\"calc_aht\" value=\"%s\" required>"
             "</label><label>Target<input type=\"text\" name=\"calc_target\" value=\"%s\">"
             "</label>", c.calls ? c.calls : "", c.aht ? c.aht : "",
          c.target ? c.target : p->b.v.target_s);
  wl_html(b, "<label>Model<select name=\"calc_model\"><option%s>erlang-c</option><option%s>"
             "erlang-a</option></select></label><label>Patience, s<input type=\"text\" "
             "name=\"calc_patience\" value=\"%s\"></label><label>Agents <span class=\"muted\">"
             "(optional)</span><input type=\"text\" name=\"calc_agents\" value=\"%s\"></label>"
             "<button type=\"submit\">Calculate</button></form>",
          c.model && strcmp(c.model, "erlang-a") == 0 ? "" : " selected",
          c.model && strcmp(c.model, "erlang-a") == 0 ? " selected" : "",
          c.patience ? c.patience : p->b.v.patience_s, c.agents ? c.agents : "");
  calc_result(b, &c);
  wl_buf_puts(b, "<p class=\"hint\">Without agents: the agents the target needs. With agents: "
                 "what that many achieve.</p></section>\n");
}

/* ---- the page ---- */

static void staffing_extra(wl_buf *b, const wl_fcw *v)
{
  wl_html(b, "<label>Target<input type=\"text\" name=\"target\" value=\"%s\" size=\"6\">"
             "</label><label>Model<select name=\"model\"><option%s>erlang-c</option><option%s>"
             "erlang-a</option></select></label>", v->target_s,
          strcmp(v->model_s, "erlang-a") ? " selected" : "",
          strcmp(v->model_s, "erlang-a") ? "" : " selected");
  wl_html(b, "<label>Patience, s<input type=\"text\" name=\"patience_s\" value=\"%s\" "
             "size=\"5\"></label><label>Shrinkage<input type=\"text\" name=\"shrinkage\" "
             "value=\"%s\" size=\"5\"></label><label>Max occupancy<input type=\"text\" "
             "name=\"max_occupancy\" value=\"%s\" size=\"5\"></label><label class=\"inline\">"
             "<input type=\"checkbox\" name=\"actual\" value=\"1\"%s> recorded volume</label>",
          v->patience_s, v->shrinkage_s, v->occupancy_s, v->actual ? " checked" : "");
}

static int render(void *payload)
{
  spage *p = payload;
  wl_req *rq = p->b.v.rq;
  wl_buf *b = &rq->out, href, extra;
  char file[200] = "", a[32], z[32];
  int rc = 0;
  wl_buf_init(&href, 64 * 1024);
  wl_buf_init(&extra, 64 * 1024);
  if (!p->b.v.err[0]) {
    wl_buf_puts(&href, "/source/");
    wl_buf_puts(&href, p->b.v.src.name);
    wl_buf_puts(&href, "/staffing.csv?");
    wl_fcw_query(&href, &p->b.v, 1);
    snprintf(file, sizeof(file), "%s-staffing-%.10s-%.10s.csv", p->b.v.src.name, p->b.v.from_s,
             p->b.v.to_s);
  }
  staffing_extra(&extra, &p->b.v);
  if (!wl_fcw_head(&p->b.v, "Staffing", "staffing")) {
    wl_fcw_local(a, sizeof(a), p->b.v.req.fc.from, p->b.v.tz);
    wl_fcw_local(z, sizeof(z), p->b.v.req.fc.to, p->b.v.tz);
    wl_html(b, "<p class=\"sub\">%s to %s, %s · %s · target %s · %s</p>", a, z,
            p->b.v.src.timezone, p->b.v.actual ? "recorded volume" : "forecast volume",
            p->b.v.target_s, p->b.v.model_s);
  }
  wl_fcw_form(&p->b.v, "staffing", extra.ptr, href.ptr, file);
  wl_buf_free(&href);
  wl_buf_free(&extra);
  if (!p->b.v.err[0]) {
    render_chart(p);
    render_days(p);
    wl_fcw_notes(&p->b);
    render_intervals(p);
    render_rows(p);
  }
  if ((rc = render_settings(p)) == 0)
    render_calc(p);
  return rc;
}

static void spage_free(void *payload)
{
  spage *p = payload;
  free(p->req);
  free(p->sched);
  free(p->over);
  free(p->under);
}

static const wl_fcw_kind kind = {"Staffing", 1, sizeof(spage), load_series, render, spage_free};

int wl_page_staffing(wl_req *rq)
{
  return wl_fcw_serve(rq, &kind, 0);
}

int wl_page_staffing_csv(wl_req *rq)
{
  return wl_fcw_serve(rq, &kind, 1);
}

int wl_page_staffing_settings(wl_req *rq)
{
  wl_source src;
  wl_tz *tz = NULL;
  const char *vals[WL_STAFFING_NSET];
  char loc[300];
  int rc = wl_aw_source(rq, &src, &tz);
  if (rc)
    return rc;
  for (size_t i = 0; i < WL_STAFFING_NSET; i++)
    vals[i] = wl_form_get(&rq->form, wl_staffing_setting_keys[i]);
  rc = wl_staffing_settings_save(rq->app, &src, vals);
  if (rc == WL_EUSAGE) {
    rc = wl_error_page(rq, MHD_HTTP_BAD_REQUEST, "Bad request", wl_errmsg());
  } else if (rc == 0) {
    wl_info(src.name, "web: '%s' changed the staffing settings", rq->user);
    snprintf(loc, sizeof(loc), "/source/%s/staffing?settings=saved#settings", src.name);
    rc = wl_redirect(rq, loc);
  }
  wl_tz_free(tz);
  return rc;
}
