/*
 * GET /status[?source=NAME][&limit=N]: the collectors' health per source
 * (last good poll, history stored up to, a running backfill, the last
 * error) and the recent collection_run rows, readable without SQL. The page
 * reloads itself every 15 seconds.
 */
#include "web/web_int.h"
#include "core/stream.h"
#include "core/sources.h"
#include "util/array.h"
#include "util/err.h"
#include "util/timeutil.h"
#include "util/tz.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_RUNS 50
#define MAX_RUNS 500

typedef struct src_ent {
  wl_source src;
  wl_tz *tz;
} src_ent;

typedef struct status_ctx {
  wl_req *rq;
  src_ent *s;
  size_t n, cap;
  const char *only;
  int64_t now;
} status_ctx;

static int collect_source(void *payload, const wl_source *src)
{
  status_ctx *c = payload;
  if (c->only && strcmp(c->only, src->name) != 0)
    return 0;
  if (wl_array_reserve(&c->s, &c->cap, c->n, sizeof(*c->s), 8) != 0)
    return WL_ENOMEM;
  c->s[c->n].src = *src;
  c->s[c->n].tz = NULL;
  wl_tz_load(&c->s[c->n].tz, src->timezone);
  c->n++;
  return 0;
}

static const src_ent *by_id(const status_ctx *c, int64_t id)
{
  for (size_t i = 0; i < c->n; i++)
    if (c->s[i].src.id == id)
      return &c->s[i];
  return NULL;
}

static void kv_time(wl_buf *b, const char *label, int64_t t, int64_t now, const src_ent *e)
{
  char ago[48], when[32];
  wl_fmt_ago(ago, sizeof(ago), t, now);
  wl_fmt_local(when, sizeof(when), t, e->tz);
  if (t)
    wl_html(b, "<dt>%s</dt><dd>%s <span class=\"muted\">(%s)</span></dd>", label, ago, when);
  else
    wl_html(b, "<dt>%s</dt><dd class=\"muted\">never</dd>", label);
}

static void backfill_line(wl_buf *b, const wl_health *h, const src_ent *e)
{
  char a[32], z[32];
  if (h->backfill_from) {
    wl_fmt_local(a, sizeof(a), h->backfill_from, e->tz);
    wl_fmt_local(z, sizeof(z), h->backfill_to, e->tz);
    wl_html(b, "<dt>Backfill</dt><dd>running: %s to %s", a, z);
    if (h->windows_behind > 0)
      wl_html(b, " · about %lld six-hour windows to go", (long long)h->windows_behind);
    wl_buf_puts(b, "</dd>");
  } else if (h->windows_behind > 0) {
    wl_html(b, "<dt>Backfill</dt><dd>%lld six-hour windows behind</dd>",
            (long long)h->windows_behind);
  } else {
    wl_buf_puts(b, "<dt>Backfill</dt><dd class=\"muted\">none needed</dd>");
  }
}

/* The event stream (docs/STREAM.md): live, reconnecting or polling only,
 * and how often the reconciliation poll agreed with it. */
static void stream_lines(status_ctx *c, const src_ent *e)
{
  wl_stream_summary sum;
  wl_stream_summarize(&sum, c->rq->app->st, &e->src);
  if (!sum.status[0] && !sum.agreement[0])
    return;
  wl_html(&c->rq->out, "<dt>Event stream</dt><dd data-stream>%s</dd>",
          sum.status[0] ? sum.status : "off");
  wl_html(&c->rq->out, "<dt>Stream agreement</dt><dd>%s</dd><dt>Stream events</dt><dd>%s</dd>",
          sum.agreement[0] ? sum.agreement : "no reconciliation poll yet", sum.events);
}

static void source_card(status_ctx *c, const src_ent *e)
{
  wl_buf *b = &c->rq->out;
  wl_health h;
  char wm[32];
  wl_health_get(&h, c->rq->app->st, &e->src, c->now);
  wl_html(b, "<div class=\"card\" data-source=\"%s\"><h2><a href=\"/source/%s\">%s</a> "
             "<span class=\"badge %s\" data-health=\"%s\">%s</span></h2><dl class=\"kv\">",
          e->src.name, e->src.name, e->src.name, h.css, h.state, h.state);
  kv_time(b, "Last good real-time poll", h.rt_last_ok, c->now, e);
  wl_html(b, "<dt>Poll interval</dt><dd>%d s</dd>", e->src.interval_s);
  wl_fmt_local(wm, sizeof(wm), h.hist_watermark, e->tz);
  if (h.hist_watermark)
    wl_html(b, "<dt>History stored up to</dt><dd>%s <span class=\"muted\">%s</span></dd>", wm,
            e->src.timezone);
  else
    wl_buf_puts(b, "<dt>History stored up to</dt><dd class=\"muted\">nothing yet</dd>");
  backfill_line(b, &h, e);
  stream_lines(c, e);
  if (h.last_error_at) {
    char ago[48];
    wl_fmt_ago(ago, sizeof(ago), h.last_error_at, c->now);
    wl_html(b, "<dt>Last error</dt><dd class=\"err\">%s <span class=\"muted\">(%s, ", h.last_error,
            h.last_error_kind);
    if (h.last_error_http)
      wl_html(b, "HTTP %d, ", h.last_error_http);
    wl_html(b, "%s)</span></dd>", ago);
  } else {
    wl_buf_puts(b, "<dt>Last error</dt><dd class=\"muted\">none</dd>");
  }
  wl_buf_puts(b, "</dl></div>\n");
}

static void fmt_window(char *out, size_t n, const wl_run_row *r, const src_ent *e)
{
  char a[32], z[32];
  if (!r->window_from && !r->window_to) {
    snprintf(out, n, "%s", "");
    return;
  }
  wl_fmt_local(a, sizeof(a), r->window_from, e ? e->tz : NULL);
  wl_fmt_local(z, sizeof(z), r->window_to, e ? e->tz : NULL);
  snprintf(out, n, "%s – %s", a, z + (strncmp(a, z, 11) == 0 ? 11 : 0));
}

static int run_row(void *payload, const wl_run_row *r)
{
  status_ctx *c = payload;
  const src_ent *e = by_id(c, r->source_id);
  wl_buf *b = &c->rq->out;
  char win[80], started[32], took[32], http[16];
  const char *css = !strcmp(r->outcome, "ok") ? "ok" : !strcmp(r->outcome, "error") ? "bad"
                    : !strcmp(r->outcome, "running") ? "warn" : "off";
  if (c->only && !e)
    return 0;
  fmt_window(win, sizeof(win), r, e);
  wl_fmt_local(started, sizeof(started), r->started, e ? e->tz : NULL);
  if (r->finished)
    snprintf(took, sizeof(took), "%lld s", (long long)(r->finished - r->started));
  else
    snprintf(took, sizeof(took), "…");
  snprintf(http, sizeof(http), "%d", r->http_status);
  wl_html(b, "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td class=\"num\">%s</td>",
          e ? e->src.name : "(removed)", r->kind, win, started, took);
  wl_html(b, "<td><span class=\"badge %s\">%s</span></td><td class=\"num\">%lld</td>"
             "<td class=\"num\">%s</td><td class=\"err\">%s</td></tr>\n",
          css, r->outcome, (long long)r->rows, r->http_status ? http : "", r->error);
  return 0;
}

static int parse_limit(const char *s)
{
  char *end;
  long v;
  if (!s)
    return DEFAULT_RUNS;
  v = strtol(s, &end, 10);
  if (*end || v <= 0)
    return DEFAULT_RUNS;
  return v > MAX_RUNS ? MAX_RUNS : (int)v;
}

static int runs_table(status_ctx *c, int limit)
{
  wl_buf *b = &c->rq->out;
  wl_store *st = c->rq->app->st;
  int64_t id = c->only && c->n ? c->s[0].src.id : 0;
  int rc;
  wl_buf_puts(b, "<h2>Recent collection runs</h2><table id=\"runs\"><thead><tr><th>Source</th>"
                 "<th>Kind</th><th>Window</th><th>Started</th><th>Took</th><th>Outcome</th>"
                 "<th>Rows</th><th>HTTP</th><th>Error</th></tr></thead><tbody>\n");
  rc = wl_source_runs(st, id, limit, run_row, c);
  wl_buf_puts(b, "</tbody></table>");
  return rc;
}

int wl_page_status(wl_req *rq)
{
  status_ctx c = {rq, NULL, 0, 0, wl_req_query(rq, "source"), wl_now()};
  wl_buf *b = &rq->out;
  int rc = wl_source_list(rq->app->st, collect_source, &c);
  if (rc == 0 && c.only && c.n == 0)
    rc = wl_error_page(rq, MHD_HTTP_NOT_FOUND, "No such source",
                       "There is no source with this name; it may have been removed.");
  if (rc == 0 && !rq->status) {
    rq->refresh_s = 15;
    wl_page_begin(rq, "Collector status");
    wl_buf_puts(b, "<h1>Collector status</h1><p class=\"sub\">What the collectors did recently; "
                   "times are in each source's time zone. This page refreshes every 15 s.");
    if (c.only)
      wl_buf_puts(b, " <a href=\"/status\">All sources</a>");
    wl_buf_puts(b, "</p><div class=\"grid\">");
    for (size_t i = 0; i < c.n; i++)
      source_card(&c, &c.s[i]);
    if (c.n == 0)
      wl_buf_puts(b, "<p class=\"muted\">No sources yet.</p>");
    wl_buf_puts(b, "</div>");
    rc = runs_table(&c, parse_limit(wl_req_query(rq, "limit")));
    wl_page_end(rq);
  }
  for (size_t i = 0; i < c.n; i++)
    wl_tz_free(c.s[i].tz);
  free(c.s);
  return rc;
}
