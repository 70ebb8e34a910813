/*
 * GET /sources: every 8x8 tenant with its health at a glance (last good
 * real-time poll, history stored up to, last error), and the buttons to
 * add, edit, disable / enable and remove.
 */
#include "web/web_int.h"
#include "core/sources.h"
#include "util/err.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/tz.h"

#include <microhttpd.h>
#include <stdio.h>
#include <string.h>

typedef struct list_ctx {
  wl_req *rq;
  int n;
} list_ctx;

static void health_cells(wl_buf *b, const wl_source *s, const wl_health *h)
{
  char ago[48], when[32], wm[32];
  wl_tz *tz = NULL;
  wl_tz_load(&tz, s->timezone);
  wl_fmt_ago(ago, sizeof(ago), h->rt_last_ok, h->now);
  wl_fmt_local(when, sizeof(when), h->rt_last_ok, tz);
  wl_fmt_local(wm, sizeof(wm), h->hist_watermark, tz);
  wl_html(b, "<td><span class=\"badge %s\">%s</span></td>", h->css, h->state);
  wl_html(b, "<td title=\"%s\">%s</td>", when, ago);
  if (h->hist_watermark)
    wl_html(b, "<td>%s <span class=\"muted\">%s</span></td>", wm, s->timezone);
  else
    wl_buf_puts(b, "<td class=\"muted\">nothing yet</td>");
  if (h->last_error_at) {
    char eago[48];
    wl_fmt_ago(eago, sizeof(eago), h->last_error_at, h->now);
    wl_html(b, "<td class=\"err\">%s (%s, %s)</td>", h->last_error, h->last_error_kind, eago);
  } else {
    wl_buf_puts(b, "<td class=\"muted\">none</td>");
  }
  wl_tz_free(tz);
}

static void row_actions(wl_req *rq, const wl_source *s)
{
  wl_buf *b = &rq->out;
  wl_html(b, "<td><div class=\"row-actions\"><a class=\"button\" href=\"/source/%s\">Edit</a>",
          s->name);
  wl_html(b, "<a class=\"button\" href=\"/source/%s/rta\">RTA board</a>"
             "<a class=\"button\" href=\"/source/%s/adherence\">Adherence</a>",
          s->name, s->name);
  wl_html(b, "<a class=\"button\" href=\"/source/%s/volume\">Volume</a>", s->name);
  wl_html(b, "<a class=\"button\" href=\"/source/%s/forecast\">Forecast</a>", s->name);
  wl_html(b, "<form method=\"post\" action=\"/source/%s/%s\">", s->name,
          s->enabled ? "disable" : "enable");
  wl_html_csrf(rq);
  wl_html(b, "<button type=\"submit\">%s</button></form>", s->enabled ? "Disable" : "Enable");
  wl_html(b, "<a class=\"button\" href=\"/source/%s/remove\">Remove</a></div></td>", s->name);
}

static int list_row(void *payload, const wl_source *s)
{
  list_ctx *c = payload;
  wl_buf *b = &c->rq->out;
  wl_health h;
  wl_health_get(&h, c->rq->app->st, s, wl_now());
  wl_html(b, "<tr data-source=\"%s\"><td class=\"nowrap\"><a href=\"/source/%s\">%s</a></td>"
             "<td class=\"nowrap\">%s</td>", s->name,
          s->name, s->name, s->tenant);
  health_cells(b, s, &h);
  row_actions(c->rq, s);
  wl_buf_puts(b, "</tr>\n");
  c->n++;
  return 0;
}

int wl_page_sources(wl_req *rq)
{
  wl_buf *b = &rq->out;
  list_ctx c = {rq, 0};
  const char *done = wl_req_query(rq, "removed");
  int rc;
  wl_page_begin(rq, "Sources");
  wl_buf_puts(b, "<h1>Sources</h1><p class=\"sub\">One source per 8x8 tenant. Changes reach the "
                 "collectors within a minute.</p>");
  if (done)
    wl_html(b, "<p class=\"notice ok\">Source %s was removed with all its data.</p>", done);
  wl_buf_puts(b, "<p><a class=\"button primary\" href=\"/sources/new\">Add source</a></p>"
                 "<table id=\"sources\"><thead><tr><th>Name</th><th>Tenant</th><th>Health</th>"
                 "<th>Last good real-time poll</th><th>History stored up to</th>"
                 "<th>Last error</th><th></th></tr></thead><tbody>\n");
  rc = wl_source_list(rq->app->st, list_row, &c);
  if (c.n == 0)
    wl_buf_puts(b, "<tr><td colspan=\"7\" class=\"muted\">No sources yet. Add one to start "
                   "collecting.</td></tr>");
  wl_buf_puts(b, "</tbody></table>");
  wl_page_end(rq);
  return rc;
}

/* ---- enable / disable / remove ---- */

static int load(wl_req *rq, wl_source *s)
{
  int rc = wl_source_get(rq->app->st, s, rq->arg);
  if (rc == WL_ENOTFOUND)
    wl_error_page(rq, MHD_HTTP_NOT_FOUND, "No such source",
                  "There is no source with this name; it may have been removed.");
  return rc;
}

static int set_enabled(wl_req *rq, int on)
{
  wl_source s;
  int rc = load(rq, &s);
  if (rc)
    return rc;
  s.enabled = on;
  s.updated_at = wl_now(); /* the collectors reload changed sources */
  if ((rc = wl_source_update(rq->app, &s, NULL)) != 0)
    return rc;
  wl_info(s.name, "web: %s by '%s'", on ? "enabled" : "disabled", rq->user);
  return wl_redirect(rq, "/sources");
}

int wl_page_source_enable(wl_req *rq)
{
  return set_enabled(rq, 1);
}

int wl_page_source_disable(wl_req *rq)
{
  return set_enabled(rq, 0);
}

int wl_page_source_remove_ask(wl_req *rq)
{
  wl_buf *b = &rq->out;
  wl_source s;
  int rc = load(rq, &s);
  if (rc)
    return rc;
  wl_page_begin(rq, "Remove source");
  wl_html(b, "<h1>Remove source %s?</h1><div class=\"card\"><p>This removes the source "
             "<strong>%s</strong> (tenant %s) and <strong>all its data</strong>: agent states, "
             "15-minute volume, schedules and collection history. It cannot be undone.</p>"
             "<p>To stop collecting but keep the data, disable the source instead.</p>",
          s.name, s.name, s.tenant);
  wl_html(b, "<form method=\"post\" action=\"/source/%s/remove\" class=\"actions\">", s.name);
  wl_html_csrf(rq);
  wl_buf_puts(b, "<button type=\"submit\" class=\"danger\">Remove it and its data</button>"
                 "<a href=\"/sources\">Cancel</a></form></div>");
  wl_page_end(rq);
  return 0;
}

int wl_page_source_remove(wl_req *rq)
{
  wl_source s;
  char loc[160];
  int rc = load(rq, &s);
  if (rc)
    return rc;
  if ((rc = wl_source_remove(rq->app, s.id)) != 0)
    return rc;
  wl_info(s.name, "web: removed by '%s'", rq->user);
  snprintf(loc, sizeof(loc), "/sources?removed=%s", s.name);
  return wl_redirect(rq, loc);
}
