/*
 * GET /source/NAME/adherence?from=DATE&to=DATE[&agent=ID]: adherence and
 * conformance per agent and local day (the rows of `wfmlink report
 * adherence`, with a total row per agent), a timeline per agent and day
 * drawn as SVG on the server (schedule above, actual states below,
 * out-of-adherence stretches marked, forgiven ones marked differently, hour
 * ticks in local time), and the exceptions list (`report exceptions`).
 * Default range: today in the source's time zone. Works without script.
 */
#include "web/adh_web.h"
#include "core/sources.h"
#include "core/report.h"
#include "core/rowsets.h"
#include "core/settings.h"
#include "util/err.h"
#include "util/timeutil.h"
#include "wfm/adherence.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RANGE_S (31 * 86400 + 3600) /* 31 local days, DST included */
#define MAX_TIMELINES 150              /* agent-days drawn on one page */
#define MAX_TABLE_ROWS 10000           /* rows of each table (the page stays < 16 MiB) */

/* SVG geometry (viewBox units) */
#define VB_W 1000
#define X0 78.0
#define X1 992.0
#define Y_SCHED 6
#define Y_STATE 30
#define Y_OUT 52
#define BAR_H 18
#define OUT_H 7
#define VB_H 78

typedef struct adh_page {
  wl_req *rq;
  wl_source src;
  wl_tz *tz;
  const char *from_s, *to_s, *agent;
  int64_t from, to, now;
  char err[300];
  wl_aw_rows days, exc;
  wl_adh_timeline *tl;
  wl_adh_settings set;
} adh_page;

/* ---- range ---- */

static int parse_range(adh_page *p)
{
  int64_t day0 = wl_tz_day_start(p->tz, p->now);
  if (p->agent && !*p->agent)
    p->agent = NULL;
  if (p->from_s && *p->from_s) {
    if (wl_time_parse_arg(&p->from, p->from_s, p->tz) != 0)
      return snprintf(p->err, sizeof(p->err), "From: %s", wl_errmsg()), -1;
  } else {
    p->from = day0;
  }
  if (p->to_s && *p->to_s) {
    if (wl_time_parse_arg(&p->to, p->to_s, p->tz) != 0)
      return snprintf(p->err, sizeof(p->err), "To: %s", wl_errmsg()), -1;
  } else {
    p->to = wl_tz_next_day_start(p->tz, p->from);
  }
  if (p->to <= p->from)
    return snprintf(p->err, sizeof(p->err), "To must be after From."), -1;
  if (p->to - p->from > MAX_RANGE_S)
    return snprintf(p->err, sizeof(p->err),
                    "The range is longer than 31 days; choose a shorter one."), -1;
  return 0;
}

/* ---- the timeline inputs: as core/report.c loads them, so grace is judged
 * on the same stretches and the drawing agrees with the table ---- */

static int load_timeline(adh_page *p)
{
  wl_store *st = p->rq->app->st;
  wl_rowset_sched sched = {0};
  wl_rowset_states states = {0};
  wl_adh_rules *rules = NULL;
  int64_t margin;
  int rc;
  p->set.grace_s = wl_source_setting_int(st, &p->src, "adherence-grace-s");
  p->set.count_unscheduled_work = wl_source_setting_bool(st, &p->src, "count-unscheduled-work");
  margin = p->set.grace_s + 1;
  if ((rc = wl_rowset_load_rules(&rules, st, p->src.id)) == 0 &&
      (rc = wl_rowset_load_sched(&sched, st, p->src.id, p->agent, p->from - margin,
                                 p->to + margin)) == 0 &&
      (rc = wl_rowset_load_states(&states, st, p->src.id, p->agent, p->from - margin,
                                  p->to + margin)) == 0)
    rc = wl_adh_timeline_new(&p->tl, sched.rows, sched.n, states.rows, states.n, rules, &p->set,
                             p->from, p->to, p->now);
  wl_rowset_sched_free(&sched);
  wl_rowset_states_free(&states);
  wl_adh_rules_free(rules);
  return rc;
}

/* ---- the form ---- */

static int agent_option(void *payload, const wl_agent_row *a)
{
  adh_page *p = payload;
  wl_html(&p->rq->out, "<option value=\"%s\"%s>%s%s%s</option>", a->agent_id,
          p->agent && strcmp(p->agent, a->agent_id) == 0 ? " selected" : "", a->agent_id,
          a->name[0] ? " · " : "", a->name);
  return 0;
}

static void range_input(adh_page *p, const char *id, const char *label, const char *typed,
                        int64_t t)
{
  char date[16];
  const char *v = typed && *typed ? typed : wl_date_format(date, sizeof(date), t, p->tz);
  int plain = strlen(v) == 10;
  wl_html(&p->rq->out, "<label for=\"%s\">%s</label><input type=\"%s\" id=\"%s\" name=\"%s\" "
                       "value=\"%s\">",
          id, label, plain ? "date" : "text", id, id, v);
}

static void day_link(adh_page *p, int64_t from, const char *label)
{
  char a[16], z[16];
  wl_buf *b = &p->rq->out;
  wl_date_format(a, sizeof(a), from, p->tz);
  wl_date_format(z, sizeof(z), wl_tz_next_day_start(p->tz, from), p->tz);
  wl_html(b, "<a class=\"button\" href=\"/source/%s/adherence?from=%s&amp;to=%s", p->src.name, a,
          z);
  if (p->agent) {
    wl_buf_puts(b, "&amp;agent=");
    wl_buf_urlenc(b, p->agent);
  }
  wl_html(b, "\">%s</a>", label);
}

static void range_form(adh_page *p)
{
  wl_buf *b = &p->rq->out;
  int one_day = !p->err[0] && p->from == wl_tz_day_start(p->tz, p->from) &&
                p->to == wl_tz_next_day_start(p->tz, p->from);
  wl_html(b, "<form class=\"range card\" method=\"get\" action=\"/source/%s/adherence\">",
          p->src.name);
  range_input(p, "from", "From", p->from_s, p->from);
  range_input(p, "to", "To (not included)", p->to_s, p->to);
  wl_buf_puts(b, "<label for=\"agent\">Agent</label><select id=\"agent\" name=\"agent\">"
                 "<option value=\"\">All agents</option>");
  wl_source_agents(p->rq->app->st, p->src.id, agent_option, p);
  wl_buf_puts(b, "</select><button type=\"submit\" class=\"primary\">Show</button>");
  if (one_day) {
    day_link(p, wl_tz_day_start(p->tz, p->from - 1), "\xe2\x86\x90 Previous day");
    day_link(p, p->to, "Next day \xe2\x86\x92");
  }
  wl_buf_puts(b, "</form>\n");
  if (p->err[0])
    wl_html(b, "<p class=\"notice bad\" id=\"range-error\">%s</p>", p->err);
}

/* ---- the table ---- */

static const char *const day_heads[] = {
  "Agent", "Name", "Date", "Sched. s", "In s", "Out s", "Neutral s", "Unknown s", "Adh. %",
  "Conf. %", "Worked s", "Sched. work s"};

static void col_name(char *out, size_t n, const char *col)
{
  snprintf(out, n, "%.*s", (int)strcspn(col, ":"), col);
}

static void too_many(wl_buf *b, size_t n)
{
  if (n > MAX_TABLE_ROWS)
    wl_html(b, "<p class=\"notice warn\">The first %d of %zu rows are shown; choose one agent or "
               "a shorter range, or use <code>wfmlink report</code>.</p>", MAX_TABLE_ROWS, n);
}

static void days_table(adh_page *p)
{
  wl_buf *b = &p->rq->out;
  const wl_aw_rows *r = &p->days;
  int date_col = wl_aw_col(wl_report_adherence_cols, "date");
  wl_buf_puts(b, "<h2>Per agent and day</h2><div class=\"scroll\"><table id=\"adherence\" "
                 "class=\"adh\"><thead><tr>");
  for (size_t c = 0; c < r->ncols; c++) {
    char name[40];
    col_name(name, sizeof(name), wl_report_adherence_cols[c]);
    wl_html(b, "<th title=\"%s\">%s</th>", name, day_heads[c]);
  }
  wl_buf_puts(b, "</tr></thead><tbody>\n");
  for (size_t i = 0; i < r->n && i < MAX_TABLE_ROWS; i++) {
    int total = strcmp(wl_aw_cell(r, i, (size_t)date_col), "total") == 0;
    wl_buf_puts(b, total ? "<tr class=\"total\">" : "<tr>");
    for (size_t c = 0; c < r->ncols; c++) {
      const char *col = wl_report_adherence_cols[c], *v = wl_aw_cell(r, i, c);
      char name[40], hms[32];
      col_name(name, sizeof(name), col);
      if (strstr(col, ":n") && strstr(col, "_s:")) {
        wl_aw_fmt_hms(hms, sizeof(hms), strtoll(v, NULL, 10));
        wl_html(b, "<td class=\"num\" data-col=\"%s\" title=\"%s\">%s</td>", name, hms, v);
      } else if (strstr(col, ":n")) {
        wl_html(b, "<td class=\"num\" data-col=\"%s\">%s</td>", name, v);
      } else if ((int)c == date_col && !total) {
        wl_html(b, "<td data-col=\"%s\"><a href=\"#tl-%s-%s\">%s</a></td>", name,
                wl_aw_cell(r, i, 0), v, v);
      } else {
        wl_html(b, "<td data-col=\"%s\">%s</td>", name, v);
      }
    }
    wl_buf_puts(b, "</tr>\n");
  }
  if (r->n == 0)
    wl_html(b, "<tr><td colspan=\"%zu\" class=\"muted\">No scheduled or worked time in this "
               "range.</td></tr>", r->ncols);
  wl_buf_puts(b, "</tbody></table></div>\n");
  too_many(b, r->n);
}

static void exceptions_table(adh_page *p)
{
  static const char *const heads[] = {"Agent", "Name", "Start", "End", "Scheduled activity",
                                      "State", "Duration (s)"};
  wl_buf *b = &p->rq->out;
  const wl_aw_rows *r = &p->exc;
  wl_html(b, "<h2>Exceptions</h2><p class=\"sub\">Every out-of-adherence stretch (after the "
             "grace of %lld s), cut to the range.</p><div class=\"scroll\"><table "
             "id=\"exceptions\" class=\"adh\"><thead><tr>", (long long)p->set.grace_s);
  for (size_t c = 0; c < r->ncols; c++)
    wl_html(b, "<th>%s</th>", heads[c]);
  wl_buf_puts(b, "</tr></thead><tbody>\n");
  for (size_t i = 0; i < r->n && i < MAX_TABLE_ROWS; i++) {
    wl_buf_puts(b, "<tr>");
    for (size_t c = 0; c < r->ncols; c++) {
      char name[40];
      col_name(name, sizeof(name), wl_report_exceptions_cols[c]);
      wl_html(b, strstr(wl_report_exceptions_cols[c], ":n") ? "<td data-col=\"%s\" class=\"num\">"
                                                            : "<td data-col=\"%s\">", name);
      wl_html(b, "%s</td>", wl_aw_cell(r, i, c));
    }
    wl_buf_puts(b, "</tr>\n");
  }
  if (r->n == 0)
    wl_html(b, "<tr><td colspan=\"%zu\" class=\"muted\">No exceptions.</td></tr>", r->ncols);
  wl_buf_puts(b, "</tbody></table></div>\n");
  too_many(b, r->n);
}

/* ---- the timelines ---- */

static const char *activity_color(const char *a)
{
  static const char *const palette[] = {"#0f766e", "#b45309", "#be185d", "#4d7c0f", "#1d4ed8",
                                        "#7c2d12"};
  unsigned h = 5381;
  if (!strcmp(a, "phone"))
    return "#2f6fb3";
  if (!strcmp(a, "offline"))
    return "#7b5ea7";
  if (!strcmp(a, "break"))
    return "#e0a526";
  if (!strcmp(a, "lunch"))
    return "#c98a12";
  for (; *a; a++)
    h = h * 33 + (unsigned char)*a;
  return palette[h % (sizeof(palette) / sizeof(palette[0]))];
}

/* A state's colour matches the activity it is in adherence with, so a
 * schedule and a day that agree look alike. */
static const char *state_color(const char *s)
{
  static const char *const map[][2] = {
    {"available", "#8ab8e6"}, {"offered", "#6ea3dc"}, {"busy", "#2f6fb3"},
    {"wrap", "#4f86c6"},      {"break", "#e0a526"},   {"offline", "#7b5ea7"},
    {"logged_out", "#aab2bd"}};
  for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
    if (!strcmp(s, map[i][0]))
      return map[i][1];
  return "#e3e6ea"; /* unknown */
}

typedef struct day_view {
  wl_buf *b;
  const wl_tz *tz;
  int64_t d0, d1;           /* the local day */
} day_view;

static double xpos(const day_view *v, int64_t t)
{
  return X0 + (double)(t - v->d0) * (X1 - X0) / (double)(v->d1 - v->d0);
}

static void hhmm(char *out, size_t n, int64_t t, const wl_tz *tz)
{
  wl_civil c;
  wl_tz_to_civil(&c, tz, t);
  snprintf(out, n, "%02d:%02d", c.hour, c.min);
}

/* A rect for [a, z) cut to the day, with a tooltip. */
static void bar(const day_view *v, int64_t a, int64_t z, int y, int h, const char *fill,
                const char *extra, const char *what)
{
  char from[8], to[8], dur[32];
  double x, w;
  if (a < v->d0)
    a = v->d0;
  if (z > v->d1)
    z = v->d1;
  if (z <= a)
    return;
  x = xpos(v, a);
  w = xpos(v, z) - x;
  hhmm(from, sizeof(from), a, v->tz);
  hhmm(to, sizeof(to), z, v->tz);
  wl_aw_fmt_hms(dur, sizeof(dur), z - a);
  wl_html(v->b, "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"", x, y,
          w < 0.6 ? 0.6 : w, h, fill);
  wl_buf_puts(v->b, extra); /* attributes written by this file, not data */
  wl_buf_puts(v->b, ">");
  wl_html(v->b, "<title>%s %s\xe2\x80\x93%s (%s)</title></rect>", what, from, to, dur);
}

typedef int (*piece_want)(const wl_adh_piece *p);
typedef int (*piece_same)(const wl_adh_piece *a, const wl_adh_piece *b);

static int want_sched(const wl_adh_piece *p) { return p->activity[0] != '\0'; }
static int want_state(const wl_adh_piece *p) { return p->observed || p->activity[0]; }
static int want_out(const wl_adh_piece *p) { return p->verdict == WL_ADH_OUT && !p->forgiven; }
static int want_forgiven(const wl_adh_piece *p) { return p->verdict == WL_ADH_OUT && p->forgiven; }
static int same_activity(const wl_adh_piece *a, const wl_adh_piece *b)
{
  return !strcmp(a->activity, b->activity);
}
static int same_state(const wl_adh_piece *a, const wl_adh_piece *b)
{
  return !strcmp(a->state, b->state) && a->observed == b->observed;
}
static int same_any(const wl_adh_piece *a, const wl_adh_piece *b) { return a && b; }

/* Draws maximal runs of contiguous pieces that `want` keeps and `same`
 * joins; layer 0 schedule, 1 states, 2 out, 3 forgiven. */
static void draw_runs(const day_view *v, const wl_adh_piece *pc, size_t n, piece_want want,
                      piece_same same, int layer)
{
  for (size_t i = 0; i < n;) {
    size_t j = i + 1;
    char what[WL_ADH_ACTIVITY_LEN + 64];
    if (!want(&pc[i])) {
      i++;
      continue;
    }
    while (j < n && want(&pc[j]) && pc[j].start_utc == pc[j - 1].end_utc && same(&pc[i], &pc[j]))
      j++;
    if (layer == 0) {
      snprintf(what, sizeof(what), "scheduled %s", pc[i].activity);
      bar(v, pc[i].start_utc, pc[j - 1].end_utc, Y_SCHED, BAR_H, activity_color(pc[i].activity),
          "", what);
    } else if (layer == 1) {
      snprintf(what, sizeof(what), "%s%s", pc[i].state, pc[i].observed ? "" : " (not observed)");
      bar(v, pc[i].start_utc, pc[j - 1].end_utc, Y_STATE, BAR_H, state_color(pc[i].state),
          pc[i].observed ? "" : " class=\"unobserved\"", what);
    } else if (layer == 2) {
      bar(v, pc[i].start_utc, pc[j - 1].end_utc, Y_OUT, OUT_H, "#c92a2a", " class=\"out\"",
          "out of adherence");
    } else {
      bar(v, pc[i].start_utc, pc[j - 1].end_utc, Y_OUT, OUT_H, "url(#adh-forgiven)",
          " class=\"forgiven\"", "forgiven (grace)");
    }
    i = j;
  }
}

/* Hour ticks at every local full hour: 23 or 25 of them on DST days, at
 * half past the UTC hour in zones like Asia/Kolkata. */
static void hour_ticks(const day_view *v)
{
  for (int64_t t = v->d0; t < v->d1; t += WL_INTERVAL_S) {
    wl_civil c;
    double x;
    wl_tz_to_civil(&c, v->tz, t);
    if (c.min != 0 || c.sec != 0)
      continue;
    x = xpos(v, t);
    wl_html(v->b, "<line x1=\"%.1f\" y1=\"4\" x2=\"%.1f\" y2=\"%d\" stroke=\"#d5dbe2\"/>"
                        "<text x=\"%.1f\" y=\"%d\" class=\"tick\" text-anchor=\"middle\" "
                        "font-size=\"10\" fill=\"#5b6675\">%d</text>",
                  x, x, Y_OUT + OUT_H + 3, x, VB_H - 4, c.hour);
  }
}

static void draw_day(adh_page *p, const wl_adh_tl_agent *a, const char *date, int64_t d0,
                     int64_t d1)
{
  day_view v = {&p->rq->out, p->tz, d0, d1};
  const wl_adh_piece *pc = a ? p->tl->pieces + a->first : NULL;
  size_t n = a ? a->count : 0;
  wl_buf *b = v.b;
  wl_html(b, "<svg class=\"timeline\" viewBox=\"0 0 %d %d\" role=\"img\" "
             "aria-label=\"Timeline of %s on %s\">", VB_W, VB_H, a ? a->agent_id : "", date);
  /* outside the requested range */
  if (p->from > d0)
    bar(&v, d0, p->from, 4, Y_OUT + OUT_H - 4, "#f1f3f5", "", "outside the range");
  if (p->to < d1)
    bar(&v, p->to, d1, 4, Y_OUT + OUT_H - 4, "#f1f3f5", "", "outside the range");
  hour_ticks(&v);
  wl_html(b, "<text x=\"0\" y=\"%d\" font-size=\"11\" fill=\"#1d2733\">Schedule</text>"
                   "<text x=\"0\" y=\"%d\" font-size=\"11\" fill=\"#1d2733\">Actual</text>"
                   "<text x=\"0\" y=\"%d\" font-size=\"11\" fill=\"#1d2733\">Out</text>",
                Y_SCHED + 13, Y_STATE + 13, Y_OUT + 7);
  draw_runs(&v, pc, n, want_sched, same_activity, 0);
  draw_runs(&v, pc, n, want_state, same_state, 1);
  draw_runs(&v, pc, n, want_out, same_any, 2);
  draw_runs(&v, pc, n, want_forgiven, same_any, 3);
  if (p->now >= d0 && p->now < d1)
    wl_html(b, "<line class=\"now\" x1=\"%.1f\" y1=\"2\" x2=\"%.1f\" y2=\"%d\" "
                     "stroke=\"#1d2733\" stroke-width=\"1.5\"><title>now</title></line>",
                  xpos(&v, p->now), xpos(&v, p->now), Y_OUT + OUT_H + 2);
  wl_buf_puts(b, "</svg>");
}

static const wl_adh_tl_agent *tl_agent(const wl_adh_timeline *tl, const char *id)
{
  size_t lo = 0, hi = tl ? tl->nagents : 0;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    int c = strcmp(tl->agents[mid].agent_id, id);
    if (c == 0)
      return &tl->agents[mid];
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return NULL;
}

static void legend(wl_buf *b)
{
  static const char *const items[][2] = {
    {"#2f6fb3", "phone / busy"}, {"#8ab8e6", "available"}, {"#7b5ea7", "offline"},
    {"#e0a526", "break"},        {"#c98a12", "lunch"},      {"#aab2bd", "logged out"},
    {"#e3e6ea", "unknown"},      {"#c92a2a", "out of adherence"}};
  wl_buf_puts(b, "<p class=\"legend\">");
  for (size_t i = 0; i < sizeof(items) / sizeof(items[0]); i++)
    wl_html(b, "<span><svg width=\"14\" height=\"10\" aria-hidden=\"true\"><rect width=\"14\" "
               "height=\"10\" fill=\"%s\"/></svg>%s</span>", items[i][0], items[i][1]);
  wl_buf_puts(b, "<span><svg width=\"14\" height=\"10\" aria-hidden=\"true\"><rect width=\"14\" "
                 "height=\"10\" fill=\"url(#adh-forgiven)\"/></svg>forgiven by the grace</span>"
                 "</p>");
}

static void timelines(adh_page *p)
{
  wl_buf *b = &p->rq->out;
  const wl_aw_rows *r = &p->days;
  int date_col = wl_aw_col(wl_report_adherence_cols, "date");
  int pct_col = wl_aw_col(wl_report_adherence_cols, "adherence_pct");
  size_t drawn = 0, days = 0;
  /* one hatch pattern for every timeline of the page */
  wl_buf_puts(b, "<h2>Timelines</h2><svg class=\"svgdefs\" width=\"0\" height=\"0\" "
                 "aria-hidden=\"true\"><defs><pattern id=\"adh-forgiven\" width=\"6\" "
                 "height=\"6\" patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\">"
                 "<rect width=\"6\" height=\"6\" fill=\"#ffe8a3\"/><rect width=\"3\" height=\"6\" "
                 "fill=\"#e8590c\"/></pattern></defs></svg>");
  legend(b);
  wl_buf_puts(b, "<div id=\"timelines\">");
  for (size_t i = 0; i < r->n; i++) {
    const char *agent = wl_aw_cell(r, i, 0), *date = wl_aw_cell(r, i, (size_t)date_col);
    const char *pct = wl_aw_cell(r, i, (size_t)pct_col);
    int y, m, d;
    int64_t d0;
    if (!strcmp(date, "total") || sscanf(date, "%4d-%2d-%2d", &y, &m, &d) != 3)
      continue;
    if (++days > MAX_TIMELINES)
      continue;
    d0 = wl_tz_date_start(p->tz, y, m, d);
    wl_html(b, "<figure class=\"tl\" id=\"tl-%s-%s\" data-agent=\"%s\" data-date=\"%s\">"
               "<figcaption><strong>%s</strong> %s · %s · adherence %s%%</figcaption>",
            agent, date, agent, date, agent, wl_aw_cell(r, i, 1), date,
            *pct ? pct : "\xe2\x80\x93");
    draw_day(p, tl_agent(p->tl, agent), date, d0, wl_tz_next_day_start(p->tz, d0));
    wl_buf_puts(b, "</figure>\n");
    drawn++;
  }
  if (days == 0)
    wl_buf_puts(b, "<p class=\"muted\">Nothing to draw in this range.</p>");
  wl_buf_puts(b, "</div>");
  if (days > drawn)
    wl_html(b, "<p class=\"notice warn\">%zu of %zu agent-days are drawn; choose one agent or a "
               "shorter range to see the others.</p>", drawn, days);
}

/* ---- the page ---- */

static int compute(adh_page *p)
{
  wl_report_range r = {p->from, p->to, p->agent, 1};
  wl_report_range rx = {p->from, p->to, p->agent, 0};
  int rc = wl_report_adherence(p->rq->app, &p->src, &r, wl_aw_rows_add, &p->days);
  if (rc == 0)
    rc = wl_report_exceptions(p->rq->app, &p->src, &rx, wl_aw_rows_add, &p->exc);
  if (rc == 0)
    rc = load_timeline(p);
  return rc;
}

static void settings_line(adh_page *p)
{
  wl_html(&p->rq->out, "<p class=\"sub\">Times in %s. Grace %lld s; working while unscheduled "
                       "%s. As defined in wfm-definitions.md; the numbers equal <code>wfmlink "
                       "report adherence</code>. <a href=\"/source/%s/rules\">Rules and "
                       "settings</a></p>",
          p->src.timezone, (long long)p->set.grace_s,
          p->set.count_unscheduled_work ? "counts as out" : "is not counted", p->src.name);
}

int wl_page_adherence(wl_req *rq)
{
  adh_page p;
  int rc;
  memset(&p, 0, sizeof(p));
  p.rq = rq;
  p.now = wl_now();
  wl_aw_rows_init(&p.days, wl_report_adherence_cols);
  wl_aw_rows_init(&p.exc, wl_report_exceptions_cols);
  if ((rc = wl_aw_source(rq, &p.src, &p.tz)) != 0)
    return rq->status ? 0 : rc;
  p.from_s = wl_req_query(rq, "from");
  p.to_s = wl_req_query(rq, "to");
  p.agent = wl_req_query(rq, "agent");
  if (parse_range(&p) == 0)
    rc = compute(&p);
  else
    rq->status = MHD_HTTP_BAD_REQUEST;
  if (rc == 0) {
    wl_page_begin(rq, "Adherence");
    wl_html(&rq->out, "<h1>Adherence \xe2\x80\x94 %s</h1>", p.src.name);
    wl_aw_tabs(rq, &p.src, "adherence");
    if (!p.err[0])
      settings_line(&p);
    range_form(&p);
    if (!p.err[0]) {
      days_table(&p);
      timelines(&p);
      exceptions_table(&p);
    }
    wl_page_end(rq);
  }
  wl_adh_timeline_free(p.tl);
  wl_aw_rows_free(&p.days);
  wl_aw_rows_free(&p.exc);
  wl_tz_free(p.tz);
  return rc;
}
