/*
 * The real-time adherence board of one source:
 *   GET /source/NAME/rta[?sort=COLUMN][&dir=asc|desc]   the page
 *   GET /api/v1/sources/NAME/rta                         the same as JSON
 * Rows are those of `wfmlink report rta` (core/report.c): every agent with
 * its state now and since when, the activity scheduled now, in / out /
 * neutral, the time out of adherence and whether it is alerting (past
 * rta-alert-after-s). The page's script (assets.c) fetches the JSON every
 * 5 s and redraws the table in place; without script the page reloads
 * itself every 15 s. When the feed is down a banner gives the time it was
 * last healthy (setting rt-last-ok) and the agents show as unknown.
 */
#include "web/adh_web.h"
#include "core/report.h"
#include "core/settings.h"
#include "util/err.h"
#include "util/timeutil.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REFRESH_MS 5000

typedef struct rta_view {
  wl_req *rq;
  wl_source src;
  wl_tz *tz;
  int64_t now, last_ok, alert_after;
  int healthy;
  wl_aw_rows rows;
} rta_view;

/* The feed's health as core/report.c judges it for wl_report_rta: a good
 * poll no longer ago than rt-max-gap-s. */
static void feed_state(rta_view *v)
{
  wl_store *st = v->rq->app->st;
  v->healthy = wl_report_feed_healthy(v->rq->app, &v->src, v->now, &v->last_ok);
  v->alert_after = wl_source_setting_int(st, &v->src, "rta-alert-after-s");
}

/* Loads the source, the feed's state and the rows; WL_ENOTFOUND answered. */
static int rta_load(rta_view *v, wl_req *rq)
{
  int rc;
  memset(v, 0, sizeof(*v));
  v->rq = rq;
  wl_aw_rows_init(&v->rows, wl_report_rta_cols);
  if ((rc = wl_aw_source(rq, &v->src, &v->tz)) != 0)
    return rc;
  v->now = wl_now();
  feed_state(v);
  return wl_report_rta(rq->app, &v->src, wl_aw_rows_add, &v->rows);
}

static void rta_free(rta_view *v)
{
  wl_aw_rows_free(&v->rows);
  wl_tz_free(v->tz);
}

/* ---- JSON ---- */

static json_t *j_time(int64_t t, const wl_tz *tz)
{
  char buf[WL_ISO_LEN];
  return t ? json_string(wl_time_format(buf, sizeof(buf), t, tz)) : json_null();
}

int wl_api_source_rta(wl_req *rq)
{
  rta_view v;
  json_t *rows, *o;
  int rc = rta_load(&v, rq);
  if (rc) {
    rta_free(&v);
    return rq->status ? 0 : rc;
  }
  rows = wl_aw_rows_json(&v.rows, wl_report_rta_cols);
  o = json_pack("{s:s,s:s,s:o,s:{s:b,s:o},s:I,s:o}", "source", v.src.name, "timezone",
                v.src.timezone, "now", j_time(v.now, v.tz), "feed", "healthy", v.healthy,
                "last_ok", j_time(v.last_ok, v.tz), "alert_after_s", (json_int_t)v.alert_after,
                "rows", rows ? rows : json_array());
  rta_free(&v);
  return wl_aw_send_json(rq, 0, o);
}

/* ---- the page ---- */

enum { C_AGENT, C_NAME, C_STATE, C_CODE, C_SINCE, C_ACTIVITY, C_ADH, C_OUTFOR, C_ALERT };

static const char *const sort_keys[] = {"agent_id", "agent_name", "state", "since", "activity",
                                        "adherence", "out_for_s", "alerting", NULL};
static const int sort_cols[] = {C_AGENT, C_NAME, C_STATE, C_SINCE, C_ACTIVITY, C_ADH, C_OUTFOR,
                                C_ALERT};
static const char *const sort_labels[] = {"Agent", "Name", "State", "Since", "Scheduled now",
                                          "Adherence", "Out of adherence for", "Alerting"};

typedef struct sort_ctx {
  const wl_aw_rows *r;
  int col, desc;
} sort_ctx;

static int64_t since_of(const char *iso)
{
  int64_t t = 0;
  return *iso && wl_time_parse_iso(&t, iso) == 0 ? t : 0;
}

/* The same order as the page's script: numbers and instants by value,
 * the rest by bytes; ties by agent id. */
static int cmp_rows(const sort_ctx *s, size_t a, size_t b)
{
  const char *x = wl_aw_cell(s->r, a, (size_t)s->col), *y = wl_aw_cell(s->r, b, (size_t)s->col);
  int c;
  if (s->col == C_OUTFOR || s->col == C_SINCE) {
    int64_t p = s->col == C_SINCE ? since_of(x) : strtoll(x, NULL, 10);
    int64_t q = s->col == C_SINCE ? since_of(y) : strtoll(y, NULL, 10);
    c = p < q ? -1 : p > q;
  } else {
    c = strcmp(x, y);
  }
  if (s->desc)
    c = -c;
  return c ? c : strcmp(wl_aw_cell(s->r, a, C_AGENT), wl_aw_cell(s->r, b, C_AGENT));
}

/* qsort has no context argument: each element carries it. */
typedef struct sort_el {
  const sort_ctx *s;
  size_t i;
} sort_el;

static int cmp_els(const void *a, const void *b)
{
  const sort_el *x = a, *y = b;
  return cmp_rows(x->s, x->i, y->i);
}

/* The row indexes in display order (free() it). */
static size_t *sorted_index(const sort_ctx *s)
{
  size_t n = s->r->n;
  sort_el *el = malloc((n ? n : 1) * sizeof(*el));
  size_t *ix = malloc((n ? n : 1) * sizeof(*ix));
  if (!el || !ix) {
    free(el);
    free(ix);
    return NULL;
  }
  for (size_t i = 0; i < n; i++)
    el[i] = (sort_el){s, i};
  if (n > 1)
    qsort(el, n, sizeof(*el), cmp_els);
  for (size_t i = 0; i < n; i++)
    ix[i] = el[i].i;
  free(el);
  return ix;
}

static void fmt_dur(char *out, size_t n, int64_t s)
{
  if (s < 0)
    s = 0;
  if (s < 60)
    snprintf(out, n, "%lld s", (long long)s);
  else if (s < 3600)
    snprintf(out, n, "%lld min", (long long)(s / 60));
  else
    snprintf(out, n, "%lld h %02lld min", (long long)(s / 3600), (long long)(s / 60 % 60));
}

/* "09:30:05", or "2024-11-03 22:10" when not today (in the source's zone). */
static void fmt_since(char *out, size_t n, const char *iso, const char *now_iso)
{
  if (!*iso)
    snprintf(out, n, "%s", "");
  else if (strncmp(iso, now_iso, 10) == 0)
    snprintf(out, n, "%.8s", iso + 11);
  else
    snprintf(out, n, "%.10s %.5s", iso, iso + 11);
}

static const char *verdict_css(const char *v)
{
  return !strcmp(v, "in") ? "ok" : !strcmp(v, "out") ? "bad" : "off";
}

static void row_html(rta_view *v, size_t i, const char *now_iso)
{
  wl_buf *b = &v->rq->out;
  const wl_aw_rows *r = &v->rows;
  const char *since = wl_aw_cell(r, i, C_SINCE), *code = wl_aw_cell(r, i, C_CODE);
  int alert = !strcmp(wl_aw_cell(r, i, C_ALERT), "yes");
  char when[32], dur[32] = "", outfor[32];
  int64_t t = since_of(since);
  fmt_since(when, sizeof(when), since, now_iso);
  if (t)
    fmt_dur(dur, sizeof(dur), v->now - t);
  wl_aw_fmt_hms(outfor, sizeof(outfor), strtoll(wl_aw_cell(r, i, C_OUTFOR), NULL, 10));
  wl_html(b, "<tr data-agent=\"%s\"", wl_aw_cell(r, i, C_AGENT));
  wl_buf_puts(b, alert ? " class=\"alerting\">" : ">");
  wl_html(b, "<td data-col=\"agent_id\">%s</td><td data-col=\"agent_name\">%s</td>",
          wl_aw_cell(r, i, C_AGENT), wl_aw_cell(r, i, C_NAME));
  wl_html(b, "<td data-col=\"state\"><span class=\"state st-%s\">%s</span>",
          wl_aw_cell(r, i, C_STATE), wl_aw_cell(r, i, C_STATE));
  if (*code)
    wl_html(b, " <span class=\"muted\">(code %s)</span>", code);
  wl_html(b, "</td><td data-col=\"since\" data-value=\"%s\">%s", since, when);
  if (*dur)
    wl_html(b, " <span class=\"muted\">(%s)</span>", dur);
  wl_html(b, "</td><td data-col=\"activity\">%s</td><td data-col=\"adherence\">"
             "<span class=\"badge %s\">%s</span></td>",
          wl_aw_cell(r, i, C_ACTIVITY), verdict_css(wl_aw_cell(r, i, C_ADH)),
          wl_aw_cell(r, i, C_ADH));
  wl_html(b, "<td data-col=\"out_for_s\" data-value=\"%s\" class=\"num\">%s</td>"
             "<td data-col=\"alerting\">%s</td></tr>\n",
          wl_aw_cell(r, i, C_OUTFOR), outfor, alert ? "ALERT" : "");
}

static void banner(rta_view *v)
{
  wl_buf *b = &v->rq->out;
  char when[32], ago[48];
  wl_fmt_local(when, sizeof(when), v->last_ok, v->tz);
  wl_fmt_ago(ago, sizeof(ago), v->last_ok, v->now);
  wl_html(b, "<p id=\"rta-banner\" class=\"notice bad\"%s><strong>The real-time feed is "
             "down.</strong> Every agent shows as unknown (neutral, never alerting). Last "
             "healthy: <span id=\"rta-last-ok\">%s%s%s%s</span>.</p>",
          v->healthy ? " hidden" : "", v->last_ok ? when : "never", v->last_ok ? " (" : "",
          v->last_ok ? ago : "", v->last_ok ? ")" : "");
}

static void counts(rta_view *v)
{
  size_t in = 0, out = 0, alert = 0;
  for (size_t i = 0; i < v->rows.n; i++) {
    in += !strcmp(wl_aw_cell(&v->rows, i, C_ADH), "in");
    out += !strcmp(wl_aw_cell(&v->rows, i, C_ADH), "out");
    alert += !strcmp(wl_aw_cell(&v->rows, i, C_ALERT), "yes");
  }
  wl_html(&v->rq->out, "<p id=\"rta-counts\" class=\"counts\"><span>%zu agents</span>"
                       "<span class=\"badge ok\">%zu in</span><span class=\"badge bad\">%zu "
                       "out</span>", v->rows.n, in, out);
  wl_html(&v->rq->out, "<span class=\"badge %s\">%zu alerting</span></p>",
          alert ? "alert" : "off", alert);
}

static void table(rta_view *v, const sort_ctx *s, int sort_i)
{
  wl_buf *b = &v->rq->out;
  char now_iso[WL_ISO_LEN];
  size_t *ix = sorted_index(s);
  wl_time_format(now_iso, sizeof(now_iso), v->now, v->tz);
  wl_html(b, "<div class=\"scroll\"><table id=\"rta\" class=\"rta\" "
             "data-api=\"/api/v1/sources/%s/rta\" data-sort=\"%s\" data-dir=\"%s\" "
             "data-refresh-ms=\"%d\"><thead><tr>",
          v->src.name, sort_keys[sort_i], s->desc ? "desc" : "asc", REFRESH_MS);
  for (int k = 0; sort_keys[k]; k++) {
    int on = k == sort_i;
    wl_buf_puts(b, !on ? "<th>" : s->desc ? "<th aria-sort=\"descending\">"
                                          : "<th aria-sort=\"ascending\">");
    wl_html(b, "<a href=\"?sort=%s&amp;dir=%s\" data-sort=\"%s\">%s</a></th>", sort_keys[k],
            on && !s->desc ? "desc" : "asc", sort_keys[k], sort_labels[k]);
  }
  wl_buf_puts(b, "</tr></thead><tbody>\n");
  for (size_t i = 0; ix && i < v->rows.n; i++)
    row_html(v, ix[i], now_iso);
  if (v->rows.n == 0)
    wl_buf_puts(b, "<tr class=\"empty\"><td colspan=\"8\" class=\"muted\">No agents yet: they "
                   "appear after the first real-time poll or a schedule import.</td></tr>");
  wl_buf_puts(b, "</tbody></table></div>\n");
  free(ix);
}

int wl_page_rta(wl_req *rq)
{
  rta_view v;
  sort_ctx s;
  const char *sort = wl_req_query(rq, "sort"), *dir = wl_req_query(rq, "dir");
  char upd[32];
  int sort_i = 0, rc = rta_load(&v, rq);
  if (rc) {
    rta_free(&v);
    return rq->status ? 0 : rc;
  }
  for (int k = 0; sort && sort_keys[k]; k++)
    if (!strcmp(sort, sort_keys[k]))
      sort_i = k;
  s = (sort_ctx){&v.rows, sort_cols[sort_i], dir && !strcmp(dir, "desc")};
  wl_fmt_local(upd, sizeof(upd), v.now, v.tz);
  wl_page_begin(rq, "Real-time adherence");
  wl_html(&rq->out, "<h1>Real-time adherence \xe2\x80\x94 %s</h1>", v.src.name);
  wl_aw_tabs(rq, &v.src, "rta");
  /* without script the page reloads itself; the script refreshes in place */
  wl_buf_puts(&rq->out, "<noscript><meta http-equiv=\"refresh\" content=\"15\"></noscript>");
  banner(&v);
  wl_html(&rq->out, "<p class=\"sub\">Updated <time id=\"rta-updated\">%s</time> (%s) · "
                    "refreshes every 5 s · alerting after %lld s out of adherence "
                    "(<a href=\"/source/%s/rules\">change</a>) <span id=\"rta-status\" "
                    "class=\"err\"></span></p>",
          upd, v.src.timezone, (long long)v.alert_after, v.src.name);
  counts(&v);
  table(&v, &s, sort_i);
  wl_page_end(rq);
  rta_free(&v);
  return 0;
}
