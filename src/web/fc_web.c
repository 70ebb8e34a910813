/* Arguments, forms and downloads shared by the forecast and staffing
 * pages and their JSON API (fc_web.h). */
#include "web/fc_web.h"
#include "util/array.h"
#include "util/csv.h"
#include "util/err.h"
#include "util/timeutil.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The request's arguments as key/value pointers (into MHD or the form). */
typedef struct args {
  const char *key[WL_FCW_MAX_ARGS], *val[WL_FCW_MAX_ARGS];
  size_t n;
  int too_many;
} args;

static enum MHD_Result add_arg(void *cls, enum MHD_ValueKind kind, const char *key,
                               const char *value)
{
  args *a = cls;
  (void)kind;
  if (a->n == WL_FCW_MAX_ARGS) {
    a->too_many = 1;
    return MHD_NO;
  }
  a->key[a->n] = key ? key : "";
  a->val[a->n++] = value ? value : "";
  return MHD_YES;
}

static const char *arg(const args *a, const char *key)
{
  for (size_t i = 0; i < a->n; i++)
    if (strcmp(a->key[i], key) == 0)
      return a->val[i];
  return NULL;
}

/* Keeps the first refusal: msg, naming param (prefixed "param: " unless
 * the message already starts with it). */
static void refuse(wl_fcw *v, const char *param, const char *msg)
{
  size_t n = strlen(param);
  if (v->err[0])
    return;
  snprintf(v->param, sizeof(v->param), "%s", param);
  if (strncmp(msg, param, n) == 0 && msg[n] == ':')
    snprintf(v->err, sizeof(v->err), "%.380s", msg);
  else
    snprintf(v->err, sizeof(v->err), "%.23s: %.370s", param, msg);
}

static int collect_queue(void *payload, const wl_queue_row *r)
{
  wl_fcw *v = payload;
  if (wl_array_reserve(&v->all, &v->allcap, v->nall, sizeof(*v->all), 16) != 0)
    return wl_err(WL_ENOMEM, "out of memory");
  snprintf(v->all[v->nall].id, sizeof(v->all[0].id), "%s", r->queue_id);
  snprintf(v->all[v->nall].name, sizeof(v->all[0].name), "%s", r->name ? r->name : "");
  v->nall++;
  return 0;
}

const char *wl_fcw_queue_name(const wl_fcw *v, const char *id)
{
  for (size_t i = 0; i < v->nall; i++)
    if (strcmp(v->all[i].id, id) == 0)
      return v->all[i].name;
  return "";
}

int wl_fcw_chosen(const wl_fcw *v, const char *id)
{
  if (v->nq == 0)
    return 1;
  for (size_t i = 0; i < v->nq; i++)
    if (strcmp(v->queues[i], id) == 0)
      return 1;
  return 0;
}

static void add_queue(wl_fcw *v, const char *id)
{
  if (!*id) /* an empty picker value: no choice */
    return;
  for (size_t i = 0; i < v->nq; i++)
    if (strcmp(v->queues[i], id) == 0)
      return;
  if (strlen(id) >= sizeof(v->queues[0]))
    refuse(v, "queue", "a queue id is longer than 63 characters");
  else if (v->nq == WL_FCW_MAX_QUEUES)
    refuse(v, "queue", "pick at most 64 queues");
  else {
    snprintf(v->queues[v->nq], sizeof(v->queues[0]), "%s", id);
    v->qptr[v->nq] = v->queues[v->nq];
    v->nq++;
  }
}

static void date_plus(char *out, size_t n, const wl_civil *c, int days)
{
  int y, m, d;
  wl_civil_from_days(wl_days_from_civil(c->year, c->month, c->day) + days, &y, &m, &d);
  snprintf(out, n, "%04d-%02d-%02d", y, m, d);
}

static void parse_time(wl_fcw *v, int64_t *out, const char *param, const char *text)
{
  if (wl_time_parse_arg(out, text, v->tz) != 0)
    refuse(v, param, wl_errmsg());
}

/* The argument a core message names by its flag ("--as-of" -> "as_of"). */
static void param_of_flag(wl_fcw *v, const char *msg)
{
  static const char *const map[][2] = {
    {"--max-occupancy", "max_occupancy"}, {"--patience-s", "patience_s"},
    {"--shrinkage", "shrinkage"}, {"--target", "target"}, {"--model", "model"},
    {"--as-of", "as_of"}, {"--queue", "queue"}, {"--method", "method"}, {"--from", "from"},
    {"--to", "to"}};
  const char *best = NULL, *name = "";
  for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++) {
    const char *at = strstr(msg, map[i][0]);
    if (at && (!best || at < best)) {
      best = at;
      name = map[i][1];
    }
  }
  refuse(v, name, msg);
}

static void parse_range(wl_fcw *v, const args *a)
{
  const char *from = arg(a, "from"), *to = arg(a, "to"), *as_of = arg(a, "as_of");
  wl_forecast_req *fc = &v->req.fc;
  wl_civil c;
  wl_tz_to_civil(&c, v->tz, wl_now());
  snprintf(v->from_s, sizeof(v->from_s), "%s", from && *from ? from : "");
  snprintf(v->to_s, sizeof(v->to_s), "%s", to && *to ? to : "");
  if (!v->from_s[0])
    date_plus(v->from_s, sizeof(v->from_s), &c, 0);
  if (!v->to_s[0])
    date_plus(v->to_s, sizeof(v->to_s), &c, 7);
  snprintf(v->as_of_s, sizeof(v->as_of_s), "%s", as_of ? as_of : "");
  parse_time(v, &fc->from, "from", v->from_s);
  parse_time(v, &fc->to, "to", v->to_s);
  fc->as_of = wl_now();
  fc->as_of_given = v->as_of_s[0] != '\0';
  if (fc->as_of_given)
    parse_time(v, &fc->as_of, "as_of", v->as_of_s);
}

static void parse_forecast(wl_fcw *v, const args *a)
{
  const char *m = arg(a, "method");
  wl_forecast_req *fc = &v->req.fc;
  for (size_t i = 0; i < a->n; i++)
    if (strcmp(a->key[i], "queue") == 0)
      add_queue(v, a->val[i]);
  fc->queues = v->nq ? v->qptr : NULL;
  fc->nqueues = v->nq;
  snprintf(v->method_s, sizeof(v->method_s), "%s", m && *m ? m : "auto");
  if (wl_fc_method_parse(&fc->method, v->method_s) != 0)
    refuse(v, "method", wl_errmsg());
  parse_range(v, a);
  if (!v->err[0] && wl_forecast_check(fc) != 0)
    param_of_flag(v, wl_errmsg());
}

static void num_arg(wl_fcw *v, double *out, char *text, size_t n, const char *param,
                    const args *a, double def)
{
  const char *s = arg(a, param);
  char *end;
  if (!s || !*s) {
    snprintf(text, n, "%g", def);
    *out = def;
    return;
  }
  snprintf(text, n, "%s", s);
  *out = strtod(s, &end);
  if (*end || end == s)
    refuse(v, param, "not a number");
}

static void parse_staffing(wl_fcw *v, const args *a)
{
  wl_staffing_params *p = &v->req.params;
  const char *t = arg(a, "target"), *m = arg(a, "model"), *act = arg(a, "actual");
  char def[WL_STAFFING_NSET][64];
  if (wl_staffing_defaults(p, v->rq->app, &v->src) != 0 ||
      wl_staffing_settings_get(def, v->rq->app, &v->src) != 0) {
    refuse(v, "target", wl_errmsg());
    return;
  }
  v->actual = act && (strcmp(act, "1") == 0 || strcmp(act, "on") == 0);
  v->req.actual = v->actual;
  snprintf(v->target_s, sizeof(v->target_s), "%.31s", t && *t ? t : def[0]);
  snprintf(v->model_s, sizeof(v->model_s), "%.15s", m && *m ? m : def[1]);
  if (wl_erlang_parse_target(&p->target_sl, &p->target_t_s, v->target_s) != 0)
    refuse(v, "target", "not P/T with 0 < P < 100 (e.g. 80/20)");
  if (strcmp(v->model_s, "erlang-c") && strcmp(v->model_s, "erlang-a"))
    refuse(v, "model", "not erlang-c or erlang-a");
  p->model = strcmp(v->model_s, "erlang-a") == 0 ? WL_ERLANG_A : WL_ERLANG_C;
  num_arg(v, &p->patience_s, v->patience_s, sizeof(v->patience_s), "patience_s", a,
          p->patience_s);
  num_arg(v, &p->shrinkage, v->shrinkage_s, sizeof(v->shrinkage_s), "shrinkage", a,
          p->shrinkage);
  num_arg(v, &p->max_occupancy, v->occupancy_s, sizeof(v->occupancy_s), "max_occupancy", a,
          p->max_occupancy);
  if (!v->err[0] && wl_staffing_check(p) != 0)
    param_of_flag(v, wl_errmsg());
}

int wl_fcw_open(wl_fcw *v, wl_req *rq, int from_form, int staffing)
{
  args a = {.n = 0};
  int rc;
  memset(v, 0, sizeof(*v));
  v->rq = rq;
  if ((rc = wl_aw_source(rq, &v->src, &v->tz)) != 0 ||
      (rc = wl_forecast_queues(rq->app, &v->src, collect_queue, v)) != 0)
    return rc;
  if (from_form)
    for (size_t i = 0; i < rq->form.n; i++)
      add_arg(&a, MHD_POSTDATA_KIND, rq->form.key[i], rq->form.val[i]);
  else
    MHD_get_connection_values(rq->conn, MHD_GET_ARGUMENT_KIND, add_arg, &a);
  if (a.too_many)
    refuse(v, "queue", "too many arguments (at most 96)");
  parse_forecast(v, &a);
  if (staffing)
    parse_staffing(v, &a);
  return 0;
}

void wl_fcw_close(wl_fcw *v)
{
  free(v->all);
  wl_tz_free(v->tz);
  v->all = NULL;
  v->tz = NULL;
}

/* ---- links and forms ---- */

void wl_fcw_query(wl_buf *b, const wl_fcw *v, int staffing)
{
  wl_buf_puts(b, "from=");
  wl_buf_urlenc(b, v->from_s);
  wl_buf_puts(b, "&to=");
  wl_buf_urlenc(b, v->to_s);
  if (v->as_of_s[0]) {
    wl_buf_puts(b, "&as_of=");
    wl_buf_urlenc(b, v->as_of_s);
  }
  wl_buf_puts(b, "&method=");
  wl_buf_urlenc(b, v->method_s);
  for (size_t i = 0; i < v->nq; i++) {
    wl_buf_puts(b, "&queue=");
    wl_buf_urlenc(b, v->queues[i]);
  }
  if (!staffing)
    return;
  wl_buf_puts(b, "&target=");
  wl_buf_urlenc(b, v->target_s);
  wl_buf_puts(b, "&model=");
  wl_buf_urlenc(b, v->model_s);
  wl_buf_puts(b, "&patience_s=");
  wl_buf_urlenc(b, v->patience_s);
  wl_buf_puts(b, "&shrinkage=");
  wl_buf_urlenc(b, v->shrinkage_s);
  wl_buf_puts(b, "&max_occupancy=");
  wl_buf_urlenc(b, v->occupancy_s);
  if (v->actual)
    wl_buf_puts(b, "&actual=1");
}

void wl_fcw_hidden(wl_buf *b, const wl_fcw *v)
{
  wl_html(b, "<input type=\"hidden\" name=\"from\" value=\"%s\"><input type=\"hidden\" "
             "name=\"to\" value=\"%s\"><input type=\"hidden\" name=\"as_of\" value=\"%s\">"
             "<input type=\"hidden\" name=\"method\" value=\"%s\">",
          v->from_s, v->to_s, v->as_of_s, v->method_s);
  for (size_t i = 0; i < v->nq; i++)
    wl_html(b, "<input type=\"hidden\" name=\"queue\" value=\"%s\">", v->queues[i]);
}

static void method_select(wl_buf *b, const wl_fcw *v)
{
  wl_buf_puts(b, "<label>Method<select name=\"method\">");
  for (int m = 0; m < WL_FC_NMETHODS; m++) {
    const char *name = wl_fc_method_name((enum wl_fc_method)m);
    wl_html(b, "<option value=\"%s\"%s>%s</option>", name,
            strcmp(name, v->method_s) == 0 ? " selected" : "", name);
  }
  wl_buf_puts(b, "</select></label>");
}

static void queue_picks(wl_buf *b, const wl_fcw *v)
{
  wl_buf_puts(b, "<fieldset class=\"queue-picks\"><legend>Queues <span class=\"muted\">(none "
                 "ticked: every queue)</span></legend>");
  for (size_t i = 0; i < v->nall; i++) {
    const wl_fcw_queue *e = &v->all[i];
    wl_html(b, "<label class=\"queue-pick\"><input type=\"checkbox\" name=\"queue\" "
               "value=\"%s\"%s>%s <span class=\"muted\">%s</span></label>",
            e->id, v->nq && wl_fcw_chosen(v, e->id) ? " checked" : "",
            e->name[0] ? e->name : e->id, e->id);
  }
  if (v->nall == 0)
    wl_buf_puts(b, "<span class=\"muted\">No queues known yet: they arrive with the first "
                   "historical pull or a volume import.</span>");
  wl_buf_puts(b, "</fieldset>");
}

void wl_fcw_form(wl_fcw *v, const char *page, const char *extra_html, const char *csv_href,
                 const char *csv_file)
{
  wl_buf *b = &v->rq->out;
  wl_html(b, "<form class=\"card volform\" id=\"fc-form\" method=\"get\" "
             "action=\"/source/%s/%s\"><div class=\"vol-controls\">", v->src.name, page);
  wl_html(b, "<label>From<input type=\"%s\" name=\"from\" value=\"%s\" required></label>",
          strlen(v->from_s) == 10 ? "date" : "text", v->from_s);
  wl_html(b, "<label>Up to (not included)<input type=\"%s\" name=\"to\" value=\"%s\" "
             "required></label>", strlen(v->to_s) == 10 ? "date" : "text", v->to_s);
  wl_html(b, "<label>As of <span class=\"muted\">(empty: now)</span><input type=\"text\" "
             "name=\"as_of\" value=\"%s\" placeholder=\"2024-11-05T10:00:00-05:00\"></label>",
          v->as_of_s);
  method_select(b, v);
  if (extra_html)
    wl_buf_puts(b, extra_html);
  wl_buf_puts(b, "<button type=\"submit\" class=\"primary\">Show</button>");
  if (csv_href && *csv_href)
    wl_html(b, "<a class=\"button\" id=\"csv-link\" href=\"%s\" download=\"%s\">Download CSV"
               "</a>", csv_href, csv_file);
  wl_buf_puts(b, "</div>");
  queue_picks(b, v);
  wl_buf_puts(b, "</form>\n");
}

int wl_fcw_refuse(wl_fcw *v)
{
  wl_req *rq = v->rq;
  if (strncmp(rq->path, "/api/", 5) == 0)
    return wl_aw_send_json(rq, MHD_HTTP_BAD_REQUEST,
                           json_pack("{s:s,s:s}", "error", v->err, "parameter", v->param));
  rq->status = MHD_HTTP_BAD_REQUEST;
  rq->ctype = "text/plain; charset=utf-8";
  wl_buf_reset(&rq->out);
  wl_buf_puts(&rq->out, v->err);
  wl_buf_puts(&rq->out, "\n");
  return 0;
}

int wl_fcw_send_csv(wl_req *rq, const wl_aw_rows *rows, const char *const *cols)
{
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  int rc;
  if (!f)
    return wl_err(WL_ENOMEM, "out of memory");
  for (size_t c = 0; c < rows->ncols; c++) { /* the header: names without ":n" */
    char name[64];
    snprintf(name, sizeof(name), "%.*s", (int)strcspn(cols[c], ":"), cols[c]);
    wl_csv_field(f, name, c == 0);
  }
  fputc('\n', f);
  for (size_t r = 0; r < rows->n; r++) {
    for (size_t c = 0; c < rows->ncols; c++)
      wl_csv_field(f, wl_aw_cell(rows, r, c), c == 0);
    fputc('\n', f);
  }
  fclose(f);
  rq->ctype = "text/csv; charset=utf-8";
  rc = wl_buf_append(&rq->out, text, len);
  free(text);
  return rc;
}

int wl_fcw_refused(wl_fcw *v, int rc)
{
  if (rc != WL_EUSAGE)
    return rc;
  param_of_flag(v, wl_errmsg());
  return 0;
}

int wl_fcw_page(wl_fcw *v, int rc, const char *what, int (*render)(void *payload),
                void *payload)
{
  char title[160];
  if ((rc = wl_fcw_refused(v, rc)) != 0)
    return rc;
  snprintf(title, sizeof(title), "%s · %s", what, v->src.name);
  wl_page_begin(v->rq, title);
  rc = render(payload);
  wl_page_end(v->rq);
  return rc;
}

int wl_fcw_csv(wl_fcw *v, int rc, const wl_aw_rows *rows, const char *const *cols)
{
  if ((rc = wl_fcw_refused(v, rc)) != 0)
    return rc;
  return v->err[0] ? wl_fcw_refuse(v) : wl_fcw_send_csv(v->rq, rows, cols);
}

void wl_fcw_local(char *out, size_t n, int64_t t, const wl_tz *tz)
{
  wl_civil c;
  wl_tz_to_civil(&c, tz, t);
  snprintf(out, n, "%04d-%02d-%02d %02d:%02d", c.year, c.month, c.day, c.hour, c.min);
}

/* ---- a page's rows, and serving a page of a kind ---- */

const char *const wl_fcw_note_cols[] = {"queue_id", "text", NULL};

static int base_row(void *payload, const char *const *values)
{
  return wl_aw_rows_add(&((wl_fcw_base *)payload)->rows, values);
}

static int base_note(void *payload, const char *queue_id, const char *text)
{
  const char *v[2] = {queue_id ? queue_id : "", text};
  return wl_aw_rows_add(&((wl_fcw_base *)payload)->notes, v);
}

int wl_fcw_load_rows(wl_fcw_base *b, int staffing)
{
  wl_app *app = b->v.rq->app;
  wl_aw_rows_init(&b->rows, staffing ? wl_staffing_cols : wl_forecast_cols);
  wl_aw_rows_init(&b->notes, wl_fcw_note_cols);
  return staffing ? wl_staffing_report(app, &b->v.src, &b->v.req, base_row, base_note, b)
                  : wl_forecast_report(app, &b->v.src, &b->v.req.fc, base_row, base_note, b);
}

void wl_fcw_base_free(wl_fcw_base *b)
{
  wl_aw_rows_free(&b->rows);
  wl_aw_rows_free(&b->notes);
  wl_fcw_close(&b->v);
}

int wl_fcw_serve(wl_req *rq, const wl_fcw_kind *k, int csv)
{
  wl_fcw_base *p = calloc(1, k->size);
  int rc;
  if (!p)
    return wl_err(WL_ENOMEM, "out of memory");
  rc = wl_fcw_open(&p->v, rq, 0, k->staffing);
  if (rc == 0 && !p->v.err[0] && (rc = wl_fcw_load_rows(p, k->staffing)) == 0 && !csv && k->load)
    rc = k->load(p);
  if (csv)
    rc = wl_fcw_csv(&p->v, rc, &p->rows, k->staffing ? wl_staffing_cols : wl_forecast_cols);
  else
    rc = wl_fcw_page(&p->v, rc, k->what, k->render, p);
  if (k->release)
    k->release(p);
  wl_fcw_base_free(p);
  free(p);
  return rc;
}

void wl_fcw_rows_table(wl_fcw_base *p, const char *const *cols)
{
  wl_buf *b = &p->v.rq->out;
  size_t shown = p->rows.n < WL_FCW_MAX_TABLE_ROWS ? p->rows.n : WL_FCW_MAX_TABLE_ROWS;
  wl_buf_puts(b, "<div class=\"table-wrap\"><table class=\"vol\" id=\"rows\"><thead><tr>");
  for (size_t c = 0; c < p->rows.ncols; c++) {
    char name[32];
    snprintf(name, sizeof(name), "%.*s", (int)strcspn(cols[c], ":"), cols[c]);
    wl_html(b, "<th data-col=\"%s\">%s</th>", name, name);
  }
  wl_buf_puts(b, "</tr></thead><tbody>\n");
  for (size_t r = 0; r < shown; r++) {
    wl_buf_puts(b, "<tr>");
    for (size_t c = 0; c < p->rows.ncols; c++)
      wl_html(b, strchr(cols[c], ':') ? "<td class=\"num\">%s</td>" : "<td>%s</td>",
              wl_aw_cell(&p->rows, r, c));
    wl_buf_puts(b, "</tr>\n");
  }
  wl_buf_puts(b, "</tbody></table></div>");
  if (shown < p->rows.n)
    wl_html(b, "<p class=\"notice warn\">The table stops after %zu rows; the CSV has all %zu."
               "</p>", shown, p->rows.n);
}

int wl_fcw_head(wl_fcw *v, const char *title, const char *tab)
{
  wl_buf *b = &v->rq->out;
  wl_html(b, "<h1>%s <span class=\"muted\">%s</span></h1>", title, v->src.name);
  wl_aw_tabs(v->rq, &v->src, tab);
  if (!v->err[0])
    return 0;
  wl_html(b, "<p class=\"notice bad\" id=\"error\">%s</p>", v->err);
  v->rq->status = MHD_HTTP_BAD_REQUEST;
  return 1;
}

void wl_fcw_notes(wl_fcw_base *p)
{
  wl_buf *b = &p->v.rq->out;
  wl_buf_puts(b, "<section class=\"card\" id=\"notes\"><h2>Notes</h2>");
  if (p->notes.n == 0)
    wl_buf_puts(b, "<p class=\"muted\">None: every day of the history was used.</p>");
  else
    wl_buf_puts(b, "<ul class=\"fc-notes\">");
  for (size_t i = 0; i < p->notes.n; i++) {
    const char *q = wl_aw_cell(&p->notes, i, 0);
    wl_html(b, "<li>%s%s%s</li>", q, q[0] ? ": " : "", wl_aw_cell(&p->notes, i, 1));
  }
  wl_buf_puts(b, p->notes.n ? "</ul></section>\n" : "</section>\n");
}
