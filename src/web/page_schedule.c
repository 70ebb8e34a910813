/*
 * Schedules of one source on the web:
 *   GET  /source/NAME/schedule[?from=DATE&to=DATE]  upload form, what is
 *        stored per day, export form
 *   POST /source/NAME/schedule       multipart/form-data: file (the CSV),
 *        create_agents (checkbox), csrf. Up to 16 MiB (a WL_R_UPLOAD route).
 *   GET  /source/NAME/schedule.csv?from=DATE&to=DATE   the export
 * The upload goes through wl_import_schedule, exactly like `wfmlink
 * schedule import`: the whole file is checked first, a bad row rejects it
 * (the lines are listed) and nothing is stored.
 */
#include "web/adh_web.h"
#include "core/sources.h"
#include "web/multipart.h"
#include "core/importer.h"
#include "util/csv.h"
#include "util/err.h"
#include "util/log.h"
#include "util/timeutil.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_DAYS 7
#define MAX_SUMMARY_DAYS 62

typedef struct day_sum {
  char date[16];
  size_t segments, agents;
  int64_t seconds;
  char last_agent[128];
} day_sum;

typedef struct sched_page {
  wl_req *rq;
  wl_source src;
  wl_tz *tz;
  const char *from_s, *to_s;
  int64_t from, to;
  char range_err[300];
  char *upload_err;         /* the importer's message after a refused upload */
  int create_checked;
  day_sum days[MAX_SUMMARY_DAYS];
  size_t ndays;
} sched_page;

static int open_page(sched_page *p, wl_req *rq)
{
  memset(p, 0, sizeof(*p));
  p->rq = rq;
  return wl_aw_source(rq, &p->src, &p->tz);
}

/* from/to of the export and the summary; default: 7 days from today. */
static int parse_range(sched_page *p)
{
  p->from_s = wl_req_query(p->rq, "from");
  p->to_s = wl_req_query(p->rq, "to");
  p->from = wl_tz_day_start(p->tz, wl_now());
  if (p->from_s && *p->from_s && wl_time_parse_arg(&p->from, p->from_s, p->tz) != 0)
    return snprintf(p->range_err, sizeof(p->range_err), "From: %s", wl_errmsg()), -1;
  p->to = p->from;
  for (int i = 0; i < DEFAULT_DAYS; i++)
    p->to = wl_tz_next_day_start(p->tz, p->to);
  if (p->to_s && *p->to_s && wl_time_parse_arg(&p->to, p->to_s, p->tz) != 0)
    return snprintf(p->range_err, sizeof(p->range_err), "To: %s", wl_errmsg()), -1;
  if (p->to <= p->from)
    return snprintf(p->range_err, sizeof(p->range_err), "To must be after From."), -1;
  return 0;
}

/* ---- what is stored, per local day of the segment's start ---- */

static int sum_row(void *payload, const wl_schedule_row *r)
{
  sched_page *p = payload;
  char date[16];
  day_sum *d = NULL;
  wl_date_format(date, sizeof(date), r->start_utc, p->tz);
  for (size_t i = 0; i < p->ndays && !d; i++)
    if (!strcmp(p->days[i].date, date))
      d = &p->days[i];
  if (!d) {
    if (p->ndays == MAX_SUMMARY_DAYS)
      return 0;
    d = &p->days[p->ndays++];
    memset(d, 0, sizeof(*d));
    snprintf(d->date, sizeof(d->date), "%s", date);
  }
  d->segments++;
  d->seconds += r->end_utc - r->start_utc;
  /* rows come by agent, then start: a new agent for this day */
  if (strcmp(d->last_agent, r->agent_id) != 0) {
    d->agents++;
    snprintf(d->last_agent, sizeof(d->last_agent), "%s", r->agent_id);
  }
  return 0;
}

static int cmp_day(const void *a, const void *b)
{
  return strcmp(((const day_sum *)a)->date, ((const day_sum *)b)->date);
}

static void summary(sched_page *p)
{
  wl_buf *b = &p->rq->out;
  char a[16], z[16];
  wl_date_format(a, sizeof(a), p->from, p->tz);
  wl_date_format(z, sizeof(z), p->to - 1, p->tz);
  wl_source_schedule(p->rq->app->st, p->src.id, NULL, p->from, p->to, sum_row, p);
  if (p->ndays > 1)
    qsort(p->days, p->ndays, sizeof(p->days[0]), cmp_day);
  wl_html(b, "<h2>Stored schedule, %s to %s</h2><table id=\"schedule-days\"><thead><tr>"
             "<th>Date (segment start)</th><th>Agents</th><th>Segments</th>"
             "<th>Scheduled</th></tr></thead><tbody>", a, z);
  for (size_t i = 0; i < p->ndays; i++) {
    char hms[32];
    wl_aw_fmt_hms(hms, sizeof(hms), p->days[i].seconds);
    wl_html(b, "<tr><td>%s</td><td class=\"num\">%zu</td><td class=\"num\">%zu</td>"
               "<td class=\"num\">%s</td></tr>",
            p->days[i].date, p->days[i].agents, p->days[i].segments, hms);
  }
  if (p->ndays == 0)
    wl_buf_puts(b, "<tr><td colspan=\"4\" class=\"muted\">No schedule stored in this range."
                   "</td></tr>");
  wl_buf_puts(b, "</tbody></table>\n");
}

/* ---- the page ---- */

/* The importer's message: a first line, then "  line N: ..." lines. */
static void upload_errors(wl_buf *b, const char *msg)
{
  const char *nl = strchr(msg, '\n');
  char line[700];
  snprintf(line, sizeof(line), "%.*s", (int)(nl ? (size_t)(nl - msg) : strlen(msg)), msg);
  wl_html(b, "<div class=\"notice bad\" id=\"upload-error\"><p><strong>%s</strong></p>", line);
  if (nl)
    wl_buf_puts(b, "<ul id=\"upload-errors\">");
  while (nl) {
    const char *s = nl + 1;
    size_t n;
    nl = strchr(s, '\n');
    n = nl ? (size_t)(nl - s) : strlen(s);
    for (; n && *s == ' '; n--)
      s++;
    snprintf(line, sizeof(line), "%.*s", (int)n, s);
    wl_html(b, "<li>%s</li>", line);
    if (!nl)
      wl_buf_puts(b, "</ul>");
  }
  wl_buf_puts(b, "</div>");
}

static void upload_form(sched_page *p)
{
  wl_buf *b = &p->rq->out;
  wl_html(b, "<form class=\"card\" id=\"upload\" method=\"post\" action=\"/source/%s/schedule\" "
             "enctype=\"multipart/form-data\"><h2>Upload a schedule</h2><p class=\"sub\">A CSV "
             "file with a header row and the columns <code>agent_id,start,end,activity</code> "
             "(times ISO 8601 with offset, e.g. <code>2024-11-04T09:00:00-05:00</code>). Each "
             "agent's stored segments that the file's segments overlap are replaced, all at "
             "once. A bad row rejects the whole file and nothing is imported. Up to 16 MiB."
             "</p>", p->src.name);
  wl_html_csrf(p->rq);
  wl_html(b, "<div class=\"actions\"><input type=\"file\" id=\"file\" name=\"file\" "
             "accept=\".csv,text/csv\" required><label><input type=\"checkbox\" "
             "id=\"create_agents\" name=\"create_agents\" value=\"1\"%s> Create unknown agents"
             "</label><button type=\"submit\" class=\"primary\" id=\"upload-submit\">Upload"
             "</button></div></form>\n",
          p->create_checked ? " checked" : "");
}

static void export_form(sched_page *p)
{
  wl_buf *b = &p->rq->out;
  char a[16], z[16];
  const char *fa = p->from_s && *p->from_s ? p->from_s
                                            : wl_date_format(a, sizeof(a), p->from, p->tz);
  const char *fz = p->to_s && *p->to_s ? p->to_s : wl_date_format(z, sizeof(z), p->to, p->tz);
  wl_html(b, "<form class=\"range card\" id=\"export\" method=\"get\" "
             "action=\"/source/%s/schedule\"><strong>Range</strong>", p->src.name);
  wl_html(b, "<label for=\"from\">From</label><input type=\"text\" id=\"from\" name=\"from\" "
             "value=\"%s\"><label for=\"to\">To (not included)</label><input type=\"text\" "
             "id=\"to\" name=\"to\" value=\"%s\"><button type=\"submit\">Show</button>",
          fa, fz);
  wl_html(b, "<a class=\"button\" id=\"export-link\" href=\"/source/%s/schedule.csv?from=",
          p->src.name);
  wl_buf_urlenc(b, fa);
  wl_buf_puts(b, "&amp;to=");
  wl_buf_urlenc(b, fz);
  wl_buf_puts(b, "\" download>Export CSV</a></form>\n");
}

static int render(sched_page *p)
{
  wl_req *rq = p->rq;
  const char *imported = wl_req_query(rq, "imported");
  wl_page_begin(rq, "Schedule");
  wl_html(&rq->out, "<h1>Schedule \xe2\x80\x94 %s</h1>", p->src.name);
  wl_aw_tabs(rq, &p->src, "schedule");
  if (imported && !p->upload_err) {
    const char *ag = wl_req_query(rq, "agents"), *nw = wl_req_query(rq, "created");
    wl_html(&rq->out, "<p class=\"notice ok\" id=\"upload-ok\">imported %s schedule segments for "
                      "%s agent%s (%s new)</p>",
            imported, ag ? ag : "0", ag && !strcmp(ag, "1") ? "" : "s", nw ? nw : "0");
  }
  if (p->upload_err)
    upload_errors(&rq->out, p->upload_err);
  upload_form(p);
  if (p->range_err[0])
    wl_html(&rq->out, "<p class=\"notice bad\" id=\"range-error\">%s</p>", p->range_err);
  export_form(p);
  if (!p->range_err[0])
    summary(p);
  wl_page_end(rq);
  return 0;
}

int wl_page_schedule(wl_req *rq)
{
  sched_page p;
  int rc = open_page(&p, rq);
  if (rc == 0) {
    parse_range(&p);
    rc = render(&p);
  }
  wl_tz_free(p.tz);
  return rq->status ? 0 : rc;
}

/* ---- upload ---- */

static int refuse(sched_page *p, const char *msg)
{
  /* a copy: wl_errmsg() is overwritten by the next error */
  if (!(p->upload_err = strdup(msg)))
    return wl_err(WL_ENOMEM, "out of memory");
  p->rq->status = MHD_HTTP_BAD_REQUEST;
  parse_range(p);
  return render(p);
}

int wl_page_schedule_upload(wl_req *rq)
{
  sched_page p;
  wl_multipart mp;
  const wl_mp_part *file;
  const char *ct = wl_req_header(rq, MHD_HTTP_HEADER_CONTENT_TYPE);
  wl_import_result res;
  char loc[300];
  int rc = open_page(&p, rq);
  if (rc)
    goto out;
  p.create_checked = wl_form_get(&rq->form, "create_agents") != NULL;
  /* the server parsed the fields (and checked the CSRF token) already */
  if (!wl_multipart_is(ct) ||
      wl_multipart_parse(&mp, ct, rq->upload.ptr ? rq->upload.ptr : "", rq->upload.len) != 0 ||
      !(file = wl_multipart_get(&mp, "file")) || file->len == 0) {
    rc = refuse(&p, "Choose a CSV file to upload.");
    goto out;
  }
  rc = wl_import_schedule(&res, rq->app, &p.src, file->data, file->len, p.create_checked);
  if (rc == WL_EUSAGE) {
    rc = refuse(&p, wl_errmsg());
    goto out;
  }
  if (rc)
    goto out;
  wl_info(p.src.name, "web: schedule uploaded by '%s': %zu segments for %zu agents (%zu new)",
          rq->user, res.rows, res.agents, res.agents_created);
  snprintf(loc, sizeof(loc), "/source/%s/schedule?imported=%zu&agents=%zu&created=%zu",
           p.src.name, res.rows, res.agents, res.agents_created);
  rc = wl_redirect(rq, loc);
out:
  free(p.upload_err);
  wl_tz_free(p.tz);
  return rq->status ? 0 : rc;
}

/* ---- export: the CSV of `wfmlink schedule export` ---- */

typedef struct export_ctx {
  FILE *f;
  const wl_tz *tz;
} export_ctx;

static int export_row(void *payload, const wl_schedule_row *r)
{
  export_ctx *e = payload;
  char a[WL_ISO_LEN], z[WL_ISO_LEN];
  const char *v[4] = {r->agent_id, a, z, r->activity};
  wl_time_format(a, sizeof(a), r->start_utc, e->tz);
  wl_time_format(z, sizeof(z), r->end_utc, e->tz);
  wl_csv_row(e->f, v, 4);
  return 0;
}

int wl_page_schedule_export(wl_req *rq)
{
  static const char *const cols[] = {"agent_id", "start", "end", "activity"};
  sched_page p;
  char *text = NULL;
  size_t len = 0;
  export_ctx e;
  int rc = open_page(&p, rq);
  if (rc)
    goto out;
  if (parse_range(&p) != 0) {
    rc = wl_error_page(rq, MHD_HTTP_BAD_REQUEST, "Bad range", p.range_err);
    goto out;
  }
  if (!(e.f = open_memstream(&text, &len))) {
    rc = wl_err(WL_ENOMEM, "out of memory");
    goto out;
  }
  e.tz = p.tz;
  wl_csv_row(e.f, cols, 4);
  rc = wl_source_schedule(rq->app->st, p.src.id, NULL, p.from, p.to, export_row, &e);
  fclose(e.f);
  if (rc == 0 && wl_buf_append(&rq->out, text, len) != 0)
    rc = wl_error_page(rq, MHD_HTTP_BAD_REQUEST, "Export too large",
                       "The export is larger than 16 MiB; choose a shorter range, or use "
                       "'wfmlink schedule export'.");
  else if (rc == 0)
    rq->ctype = "text/csv; charset=utf-8";
  free(text);
out:
  wl_tz_free(p.tz);
  return rq->status ? 0 : rc;
}
