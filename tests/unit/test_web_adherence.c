/*
 * The adherence pages over loopback (in-process server, test_web_common.h):
 * - /source/NAME/adherence shows exactly the rows of wl_report_adherence
 *   and wl_report_exceptions for the four worked examples of
 *   wfm-definitions.md (loaded through the store), a timeline SVG per agent
 *   and day with escaped text, out and forgiven stretches, and 25 / 23 hour
 *   ticks on New York's DST days;
 * - the RTA board and GET /api/v1/sources/NAME/rta (the rows of
 *   wl_report_rta; the feed-down banner);
 * - the rules page: CSRF, a rule row, a new activity, settings checked by
 *   wl_setting_check, and the effect of grace / unscheduled work;
 * - the schedule upload (multipart, larger than the 64 KiB form cap): a bad
 *   row rejected with its line number and nothing stored, unknown agents,
 *   the 16 MiB cap, the CSV export;
 * - PUT / GET /api/v1/sources/NAME/schedules with a bearer key: good and
 *   bad bodies, trimming of segments crossing the range, nothing stored on
 *   a refusal, and the 4 MiB body cap (checked before any parsing).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <malloc.h>

#include "test_web_common.h"
#include "core/report.h"
#include "core/rowsets.h"
#include "core/rules.h"
#include "web/web_int.h"

/* 2024-11-05T12:00:00Z = 07:00 in New York (EST, -05:00) */
#define NOW 1730808000
/* 2024-11-04T00:00:00-05:00 */
#define DAY 1730696400
#define H(h, m) (DAY + (h) * 3600 + (m) * 60)

typedef struct afx {
  wfx *w;
  wl_source src;
  char key[128];
  char auth[200];
} afx;

static void add_agent(afx *a, const char *id, const char *name)
{
  wl_agent_row r = {id, name, ""};
  assert_int_equal(wl_store_agents_upsert(a->w->app->st, a->src.id, &r, 1), 0);
}

static void sched(afx *a, const char *agent, int64_t s, int64_t e, const char *activity)
{
  wl_schedule_row r = {agent, s, e, activity};
  assert_int_equal(wl_store_schedule_replace(a->w->app->st, a->src.id, agent, s, e, &r, 1),
                   0);
}

/* A whole-day timeline of (state, until) pairs starting at `from`. */
static void states(afx *a, const char *agent, int64_t from, int n, ...)
{
  wl_state_row rows[16];
  va_list ap;
  int64_t t = from;
  va_start(ap, n);
  for (int i = 0; i < n; i++) {
    const char *st = va_arg(ap, const char *);
    int64_t until = va_arg(ap, int64_t);
    rows[i] = (wl_state_row){agent, t, until, st, ""};
    t = until;
  }
  va_end(ap);
  assert_int_equal(wl_store_states_replace(a->w->app->st, a->src.id, agent, from, t, rows,
                                                 (size_t)n), 0);
}

/* The four worked examples of wfm-definitions.md on 2024-11-04, one agent
 * each, and a fifth agent with an activity whose name needs escaping. */
static void load_examples(afx *a)
{
  wl_rule_row odd = {"x<y&z", "available", "in", "work"};
  add_agent(a, "a1", "<b>Ann & Co</b>");
  add_agent(a, "a2", "Bob");
  add_agent(a, "a3", "Cy");
  add_agent(a, "a4", "Di");
  add_agent(a, "a5", "Ed");
  /* 1: phone 09-17; available/busy 09:30-17:30 */
  sched(a, "a1", H(9, 0), H(17, 0), "phone");
  states(a, "a1", DAY, 4, "logged_out", (int64_t)H(9, 30), "available", (int64_t)H(13, 0), "busy",
         (int64_t)H(17, 30), "logged_out", (int64_t)H(24, 0));
  /* 2: phone 10-11; logged in 10:10-11:10 */
  sched(a, "a2", H(10, 0), H(11, 0), "phone");
  states(a, "a2", DAY, 3, "logged_out", (int64_t)H(10, 10), "available", (int64_t)H(11, 10),
         "logged_out", (int64_t)H(24, 0));
  /* 3: phone 09-10, break 10:00-10:15, phone 10:15-12; break taken 10:05-10:20 */
  sched(a, "a3", H(9, 0), H(10, 0), "phone");
  sched(a, "a3", H(10, 0), H(10, 15), "break");
  sched(a, "a3", H(10, 15), H(12, 0), "phone");
  states(a, "a3", DAY, 5, "logged_out", (int64_t)H(9, 0), "available", (int64_t)H(10, 5), "break",
         (int64_t)H(10, 20), "available", (int64_t)H(12, 0), "logged_out", (int64_t)H(24, 0));
  /* 4: phone 09-10; the collector was down 09:20-09:30 */
  sched(a, "a4", H(9, 0), H(10, 0), "phone");
  states(a, "a4", DAY, 5, "logged_out", (int64_t)H(9, 0), "available", (int64_t)H(9, 20),
         "unknown", (int64_t)H(9, 30), "available", (int64_t)H(10, 0), "logged_out",
         (int64_t)H(24, 0));
  assert_int_equal(wl_rules_apply(a->w->app, &a->src, &odd, 1), 0);
  sched(a, "a5", H(13, 0), H(14, 0), "x<y&z");
  states(a, "a5", DAY, 3, "logged_out", (int64_t)H(13, 0), "busy", (int64_t)H(14, 0),
         "logged_out", (int64_t)H(24, 0));
}

static int setup(void **state)
{
  afx *a = calloc(1, sizeof(*a));
  wl_store *st;
  int64_t uid;
  assert_non_null(a);
  a->w = wfx_new(0);
  st = a->w->app->st;
  fake_clock = NOW;
  memset(&a->src, 0, sizeof(a->src));
  snprintf(a->src.name, sizeof(a->src.name), "acme");
  snprintf(a->src.vendor, sizeof(a->src.vendor), "8x8");
  snprintf(a->src.base_url, sizeof(a->src.base_url), "https://vcc-na10.8x8.com/api/");
  snprintf(a->src.hist_base_url, sizeof(a->src.hist_base_url), "https://vcc-na10.8x8.com/api/");
  snprintf(a->src.tenant, sizeof(a->src.tenant), "acme");
  snprintf(a->src.hist_tenant, sizeof(a->src.hist_tenant), "acme");
  snprintf(a->src.timezone, sizeof(a->src.timezone), "America/New_York");
  a->src.interval_s = 10;
  a->src.enabled = 1;
  a->src.created_at = a->src.updated_at = NOW - 86400;
  assert_int_equal(wl_store_source_add(st, &a->src), 0);
  assert_int_equal(wl_store_user_get(st, &uid, NULL, 0, TEST_USER), 0);
  assert_int_equal(wl_auth_new_api_key(a->key, sizeof(a->key), st, uid), 0);
  snprintf(a->auth, sizeof(a->auth), "Authorization: Bearer %s", a->key);
  load_examples(a);
  wfx_login(a->w);
  *state = a;
  return 0;
}

static int teardown(void **state)
{
  afx *a = *state;
  assert_null(strstr(a->w->seen.ptr, a->key));
  wfx_free(a->w);
  free(a);
  return 0;
}

/* ---- HTML helpers ---- */

typedef struct cells {
  char **v;
  size_t n;
} cells;

static void cells_free(cells *c)
{
  for (size_t i = 0; i < c->n; i++)
    free(c->v[i]);
  free(c->v);
  c->v = NULL;
  c->n = 0;
}

/* The text of every <td> in the <tbody> of the table with this id, tags
 * inside a cell left out (the text stays HTML-escaped). */
static void table_cells(cells *out, const char *html, const char *id)
{
  char open[80];
  const char *p, *end;
  snprintf(open, sizeof(open), "<table id=\"%s\"", id);
  memset(out, 0, sizeof(*out));
  p = strstr(html, open);
  assert_non_null(p);
  p = strstr(p, "<tbody>");
  end = strstr(p, "</tbody>");
  assert_non_null(p);
  assert_non_null(end);
  while ((p = strstr(p, "<td")) && p < end) {
    const char *q = strchr(p, '>') + 1, *z = strstr(q, "</td>");
    char *s = calloc(1, (size_t)(z - q) + 1);
    size_t n = 0;
    int in_tag = 0;
    for (const char *c = q; c < z; c++) {
      if (*c == '<')
        in_tag = 1;
      else if (*c == '>')
        in_tag = 0;
      else if (!in_tag)
        s[n++] = *c;
    }
    out->v = realloc(out->v, (out->n + 1) * sizeof(*out->v));
    out->v[out->n++] = s;
    p = z;
  }
}

typedef struct expect {
  wl_buf esc;               /* every cell escaped, one per line */
  size_t rows;
  cells raw;                /* unescaped, for lookups */
  size_t ncols;
} expect;

static int expect_row(void *payload, const char *const *values)
{
  expect *e = payload;
  for (size_t i = 0; i < e->ncols; i++) {
    wl_html_esc(&e->esc, values[i]);
    wl_buf_puts(&e->esc, "\n");
    e->raw.v = realloc(e->raw.v, (e->raw.n + 1) * sizeof(char *));
    e->raw.v[e->raw.n++] = strdup(values[i]);
  }
  e->rows++;
  return 0;
}

static void expect_init(expect *e, const char *const *cols)
{
  memset(e, 0, sizeof(*e));
  wl_buf_init(&e->esc, 16u << 20);
  while (cols[e->ncols])
    e->ncols++;
}

static void expect_free(expect *e)
{
  wl_buf_free(&e->esc);
  cells_free(&e->raw);
}

/* The page's table holds exactly the expected cells, in order. */
static void assert_table(const char *html, const char *id, const expect *e)
{
  cells c;
  wl_buf got;
  table_cells(&c, html, id);
  wl_buf_init(&got, 16u << 20);
  for (size_t i = 0; i < c.n; i++) {
    wl_buf_puts(&got, c.v[i]);
    wl_buf_puts(&got, "\n");
  }
  assert_int_equal(c.n, e->rows * e->ncols);
  assert_string_equal(got.ptr ? got.ptr : "", e->esc.ptr ? e->esc.ptr : "");
  wl_buf_free(&got);
  cells_free(&c);
}

/* The cell of (agent, date) in column col of the expected adherence rows. */
static const char *adh_cell(const expect *e, const char *agent, const char *date, const char *col)
{
  int ci = -1;
  for (int i = 0; wl_report_adherence_cols[i]; i++)
    if (!strncmp(wl_report_adherence_cols[i], col, strlen(col)))
      ci = i;
  for (size_t r = 0; r < e->rows; r++)
    if (!strcmp(e->raw.v[r * e->ncols], agent) && !strcmp(e->raw.v[r * e->ncols + 2], date))
      return e->raw.v[r * e->ncols + (size_t)ci];
  fail_msg("no row %s %s", agent, date);
  return NULL;
}

static size_t count(const char *hay, const char *needle)
{
  size_t n = 0;
  for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
    n++;
  return n;
}

/* The text of the <figure> of one agent-day timeline. */
static char *figure(const char *html, const char *agent, const char *date)
{
  char id[120];
  const char *p, *z;
  snprintf(id, sizeof(id), "id=\"tl-%s-%s\"", agent, date);
  p = strstr(html, id);
  assert_non_null(p);
  z = strstr(p, "</figure>");
  assert_non_null(z);
  return strndup(p, (size_t)(z - p));
}

static void report_expect(afx *a, expect *days, expect *exc, int64_t from, int64_t to,
                          const char *agent)
{
  wl_report_range r = {from, to, agent, 1}, rx = {from, to, agent, 0};
  expect_init(days, wl_report_adherence_cols);
  expect_init(exc, wl_report_exceptions_cols);
  assert_int_equal(wl_report_adherence(a->w->app, &a->src, &r, expect_row, days), 0);
  assert_int_equal(wl_report_exceptions(a->w->app, &a->src, &rx, expect_row, exc), 0);
}

/* Like assert_true(wfx_has(...)), but shows the page when it fails. */
#define assert_has(w, needle) assert_has_at(w, needle, __FILE__, __LINE__)
static void assert_has_at(wfx *w, const char *needle, const char *file, int line)
{
  if (!wfx_has(w, needle)) {
    const char *dir = getenv("WL_TEST_TMP");
    char path[600];
    FILE *f;
    snprintf(path, sizeof(path), "%s/failed-page-%d.html", dir && *dir ? dir : "/tmp", line);
    if ((f = fopen(path, "w"))) {
      fputs(wfx_body(w), f);
      fclose(f);
    }
    print_message("%s:%d: not found: %s\n(the page is in %s)\n", file, line, needle, path);
    fail();
  }
}

/* ---- adherence page ---- */

static void test_adherence_page_equals_report(void **state)
{
  afx *a = *state;
  expect days, exc;
  const char *body;
  char *fig;
  assert_int_equal(wfx_get(a->w, "/source/acme/adherence?from=2024-11-04&to=2024-11-05"), 200);
  body = wfx_body(a->w);
  report_expect(a, &days, &exc, DAY, H(24, 0), NULL);
  /* 5 agents, one day each, and a total row per agent */
  assert_int_equal(days.rows, 10);
  assert_table(body, "adherence", &days);
  assert_table(body, "exceptions", &exc);
  /* the worked examples */
  assert_string_equal(adh_cell(&days, "a1", "2024-11-04", "scheduled_s"), "28800");
  assert_string_equal(adh_cell(&days, "a1", "2024-11-04", "in_adherence_s"), "27000");
  assert_string_equal(adh_cell(&days, "a1", "2024-11-04", "out_of_adherence_s"), "1800");
  assert_string_equal(adh_cell(&days, "a1", "2024-11-04", "adherence_pct"), "93.8");
  assert_string_equal(adh_cell(&days, "a1", "2024-11-04", "conformance_pct"), "100.0");
  assert_string_equal(adh_cell(&days, "a2", "2024-11-04", "adherence_pct"), "83.3");
  assert_string_equal(adh_cell(&days, "a2", "2024-11-04", "conformance_pct"), "100.0");
  assert_string_equal(adh_cell(&days, "a3", "2024-11-04", "adherence_pct"), "94.4");
  assert_string_equal(adh_cell(&days, "a4", "2024-11-04", "adherence_pct"), "100.0");
  assert_string_equal(adh_cell(&days, "a4", "2024-11-04", "unknown_s"), "600");
  assert_string_equal(adh_cell(&days, "a4", "2024-11-04", "conformance_pct"), "83.3");
  assert_string_equal(adh_cell(&days, "a1", "total", "adherence_pct"), "93.8");
  assert_has(a->w, "<td class=\"num\" data-col=\"adherence_pct\">93.8</td>");
  /* escaped everywhere, never raw */
  assert_null(strstr(body, "<b>Ann"));
  assert_non_null(strstr(body, "&lt;b&gt;Ann &amp; Co&lt;/b&gt;"));
  assert_null(strstr(body, "x<y"));
  /* a timeline per agent-day, none for the total rows */
  assert_int_equal(count(body, "<svg class=\"timeline\""), 5);
  fig = figure(body, "a1", "2024-11-04");
  assert_non_null(strstr(fig, "<title>scheduled phone 09:00\xe2\x80\x93" "17:00 (8:00:00)</title>"));
  assert_non_null(strstr(fig, "<title>busy 13:00\xe2\x80\x93" "17:30 (4:30:00)</title>"));
  assert_int_equal(count(fig, "class=\"out\""), 1); /* 09:00-09:30 */
  assert_non_null(strstr(fig, "<title>out of adherence 09:00\xe2\x80\x93" "09:30 (30:00)</title>"));
  assert_int_equal(count(fig, "class=\"forgiven\""), 0);
  assert_int_equal(count(fig, "class=\"tick\""), 24);
  free(fig);
  fig = figure(body, "a3", "2024-11-04");
  assert_int_equal(count(fig, "class=\"out\""), 2);
  free(fig);
  fig = figure(body, "a4", "2024-11-04");
  assert_non_null(strstr(fig, "<title>unknown 09:20\xe2\x80\x93" "09:30 (10:00)</title>"));
  free(fig);
  fig = figure(body, "a5", "2024-11-04");
  assert_non_null(strstr(fig, "<title>scheduled x&lt;y&amp;z 13:00\xe2\x80\x93" "14:00 (1:00:00)"
                              "</title>"));
  assert_int_equal(count(fig, "class=\"out\""), 1); /* busy is out for x<y&z */
  free(fig);
  expect_free(&days);
  expect_free(&exc);

  /* one agent */
  assert_int_equal(wfx_get(a->w, "/source/acme/adherence?from=2024-11-04&to=2024-11-05&agent=a3"),
                   200);
  report_expect(a, &days, &exc, DAY, H(24, 0), "a3");
  assert_int_equal(days.rows, 2);
  assert_table(wfx_body(a->w), "adherence", &days);
  assert_table(wfx_body(a->w), "exceptions", &exc);
  assert_int_equal(exc.rows, 2);
  expect_free(&days);
  expect_free(&exc);
}

static void test_adherence_dst_and_errors(void **state)
{
  afx *a = *state;
  char *fig;
  /* 2024-11-03 (25 h) and 2024-03-10 (23 h) in New York */
  sched(a, "a2", 1730642400, 1730646000, "phone");     /* 2024-11-03 09:00-10:00 -05:00 */
  states(a, "a2", 1730642400, 1, "available", (int64_t)1730646000);
  sched(a, "a2", 1710079200, 1710082800, "phone");     /* 2024-03-10 10:00-11:00 -04:00 */
  states(a, "a2", 1710079200, 1, "busy", (int64_t)1710082800);
  assert_int_equal(wfx_get(a->w, "/source/acme/adherence?from=2024-11-03&to=2024-11-04&agent=a2"),
                   200);
  fig = figure(wfx_body(a->w), "a2", "2024-11-03");
  assert_int_equal(count(fig, "class=\"tick\""), 25);
  assert_int_equal(count(fig, ">1</text>"), 2); /* 01:00 twice */
  assert_non_null(strstr(fig, "<title>scheduled phone 09:00\xe2\x80\x93" "10:00 (1:00:00)"));
  free(fig);
  assert_int_equal(wfx_get(a->w, "/source/acme/adherence?from=2024-03-10&to=2024-03-11&agent=a2"),
                   200);
  fig = figure(wfx_body(a->w), "a2", "2024-03-10");
  assert_int_equal(count(fig, "class=\"tick\""), 23);
  assert_int_equal(count(fig, ">2</text>"), 0); /* 02:00 does not exist */
  assert_non_null(strstr(fig, "<title>busy 10:00\xe2\x80\x93" "11:00 (1:00:00)"));
  free(fig);
  /* default range: today in New York (2024-11-05): no rows yet */
  assert_int_equal(wfx_get(a->w, "/source/acme/adherence"), 200);
  assert_has(a->w, "value=\"2024-11-05\"");
  assert_has(a->w, "No scheduled or worked time in this range.");
  /* refusals */
  assert_int_equal(wfx_get(a->w, "/source/acme/adherence?from=yesterday"), 400);
  assert_has(a->w, "id=\"range-error\">From: ");
  assert_int_equal(wfx_get(a->w, "/source/acme/adherence?from=2024-11-05&to=2024-11-04"), 400);
  assert_has(a->w, "To must be after From.");
  assert_int_equal(wfx_get(a->w, "/source/acme/adherence?from=2024-01-01&to=2024-03-01"), 400);
  assert_has(a->w, "longer than 31 days");
  assert_int_equal(wfx_get(a->w, "/source/nope/adherence"), 404);
}

/* ---- rules page ---- */

static wl_adh_verdict verdict_of(afx *a, const char *act, const char *state_name, int *work)
{
  wl_adh_rules *r = NULL;
  wl_adh_verdict v;
  assert_int_equal(wl_rowset_load_rules(&r, a->w->app->st, a->src.id), 0);
  v = wl_adh_rules_verdict(r, act, state_name);
  if (work)
    *work = wl_adh_rules_is_work(r, act);
  wl_adh_rules_free(r);
  return v;
}

static void post_rule(afx *a, const char *csrf, const char *activity, const char *kind,
                      const char *break_verdict, long want)
{
  char body[800];
  snprintf(body, sizeof(body), "csrf=%s&action=rule&activity=%s&kind=%s&v_available=in"
           "&v_offered=in&v_busy=in&v_wrap=in&v_break=%s&v_offline=out&v_logged_out=out",
           csrf, activity, kind, break_verdict);
  assert_int_equal(wfx_post(a->w, "/source/acme/rules", body), want);
}

static void test_rules_page(void **state)
{
  afx *a = *state;
  char body[600], loc[200], v[64];
  int work = 0;
  assert_int_equal(wfx_get(a->w, "/source/acme/rules"), 200);
  wfx_csrf(a->w);
  assert_has(a->w, "<tr data-activity=\"phone\">");
  assert_has(a->w, "<tr data-activity=\"x&lt;y&amp;z\">");
  assert_has(a->w, "id=\"adherence-grace-s\" name=\"adherence-grace-s\" value=\"0\"");
  /* without the CSRF token nothing changes */
  post_rule(a, "forged", "phone", "work", "in", 403);
  assert_int_equal(verdict_of(a, "phone", "break", NULL), WL_ADH_OUT);
  /* a rule row: phone while on break counts as in */
  post_rule(a, a->w->csrf, "phone", "work", "in", 303);
  assert_string_equal(wfx_header(a->w, "Location", loc, sizeof(loc)),
                      "/source/acme/rules?saved=phone");
  assert_int_equal(verdict_of(a, "phone", "break", &work), WL_ADH_IN);
  assert_int_equal(verdict_of(a, "phone", "offline", NULL), WL_ADH_OUT);
  assert_int_equal(work, 1);
  /* a bad verdict: refused in words, nothing stored */
  post_rule(a, a->w->csrf, "phone", "work", "maybe", 400);
  assert_has(a->w, "Nothing was saved: verdict: &#39;maybe&#39; is not in, out or neutral");
  assert_int_equal(verdict_of(a, "phone", "break", NULL), WL_ADH_IN);
  /* a new activity, then again (refused) */
  snprintf(body, sizeof(body), "csrf=%s&action=add&activity=coaching&kind=rest", a->w->csrf);
  assert_int_equal(wfx_post(a->w, "/source/acme/rules", body), 303);
  assert_int_equal(verdict_of(a, "coaching", "available", &work), WL_ADH_OUT);
  assert_int_equal(verdict_of(a, "coaching", "unknown", NULL), WL_ADH_NEUTRAL);
  assert_int_equal(work, 0);
  assert_int_equal(wfx_get(a->w, "/source/acme/rules?saved=coaching"), 200);
  assert_has(a->w, "<tr data-activity=\"coaching\">");
  assert_has(a->w, "id=\"saved\">Saved: coaching.</p>");
  assert_int_equal(wfx_post(a->w, "/source/acme/rules", body), 400);
  assert_has(a->w, "the activity &#39;coaching&#39; exists already");
  /* settings: checked like `source set`, nothing stored on an error */
  snprintf(body, sizeof(body), "csrf=%s&action=settings&adherence-grace-s=abc"
           "&count-unscheduled-work=off&rta-alert-after-s=99999999", a->w->csrf);
  assert_int_equal(wfx_post(a->w, "/source/acme/rules", body), 400);
  assert_has(a->w, "id=\"err-adherence-grace-s\">&#39;abc&#39; is not a whole number");
  assert_has(a->w, "id=\"err-rta-alert-after-s\">99999999 is outside 0..86400");
  assert_has(a->w, "value=\"abc\" class=\"invalid\"");
  assert_int_equal(wl_store_setting_get(a->w->app->st, v, sizeof(v), a->src.id,
                                              "adherence-grace-s"), WL_ENOTFOUND);
  snprintf(body, sizeof(body), "csrf=%s&action=settings&adherence-grace-s=300"
           "&count-unscheduled-work=on&rta-alert-after-s=120", a->w->csrf);
  assert_int_equal(wfx_post(a->w, "/source/acme/rules", body), 303);
  assert_int_equal(wl_store_setting_get(a->w->app->st, v, sizeof(v), a->src.id,
                                              "adherence-grace-s"), 0);
  assert_string_equal(v, "300");
  assert_int_equal(wl_store_setting_get(a->w->app->st, v, sizeof(v), a->src.id,
                                              "count-unscheduled-work"), 0);
  assert_string_equal(v, "on");
}

/* Grace and unscheduled work, set on the rules page, change the page's
 * numbers exactly as the report's (worked examples 2 and 3). */
static void test_settings_change_adherence(void **state)
{
  afx *a = *state;
  expect days, exc;
  char body[400], *fig;
  assert_int_equal(wfx_get(a->w, "/source/acme/rules"), 200);
  wfx_csrf(a->w);
  snprintf(body, sizeof(body), "csrf=%s&action=settings&adherence-grace-s=300"
           "&count-unscheduled-work=on&rta-alert-after-s=300", a->w->csrf);
  assert_int_equal(wfx_post(a->w, "/source/acme/rules", body), 303);
  assert_int_equal(wfx_get(a->w, "/source/acme/adherence?from=2024-11-04&to=2024-11-05"), 200);
  report_expect(a, &days, &exc, DAY, H(24, 0), NULL);
  assert_table(wfx_body(a->w), "adherence", &days);
  assert_table(wfx_body(a->w), "exceptions", &exc);
  assert_string_equal(adh_cell(&days, "a3", "2024-11-04", "adherence_pct"), "100.0");
  assert_has(a->w, "Grace 300 s; working while unscheduled counts as out.");
  fig = figure(wfx_body(a->w), "a3", "2024-11-04");
  assert_int_equal(count(fig, "class=\"forgiven\""), 2);
  assert_int_equal(count(fig, "class=\"out\""), 0);
  free(fig);
  expect_free(&days);
  expect_free(&exc);
  /* example 2 with unscheduled work counted (grace back to 0): 71.4 */
  snprintf(body, sizeof(body), "csrf=%s&action=settings&adherence-grace-s=0"
           "&count-unscheduled-work=on&rta-alert-after-s=300", a->w->csrf);
  assert_int_equal(wfx_post(a->w, "/source/acme/rules", body), 303);
  assert_int_equal(wfx_get(a->w, "/source/acme/adherence?from=2024-11-04&to=2024-11-05&agent=a2"),
                   200);
  report_expect(a, &days, &exc, DAY, H(24, 0), "a2");
  assert_table(wfx_body(a->w), "adherence", &days);
  assert_string_equal(adh_cell(&days, "a2", "2024-11-04", "adherence_pct"), "71.4");
  expect_free(&days);
  expect_free(&exc);
}

/* ---- RTA ---- */

static void set_last_ok(afx *a, int64_t t)
{
  char v[32];
  snprintf(v, sizeof(v), "%lld", (long long)t);
  assert_int_equal(wl_store_setting_set(a->w->app->st, a->src.id, "rt-last-ok", v), 0);
}

/* Agents now (07:00 EST on 2024-11-05): a1 on break since 06:50 during
 * phone (out 600 s > 300: alerting), a2 available during phone (in). */
static void load_now(afx *a)
{
  wl_state_op ops[2] = {
    {WL_STATE_INSERT, {"a1", NOW - 600, WL_OPEN_END, "break", "3"}},
    {WL_STATE_INSERT, {"a2", NOW - 120, WL_OPEN_END, "available", "2"}}};
  sched(a, "a1", NOW - 3600, NOW + 3600, "phone");
  sched(a, "a2", NOW - 3600, NOW + 3600, "phone");
  assert_int_equal(wl_store_states_apply(a->w->app->st, a->src.id, ops, 2), 0);
}

static void assert_rta_json(afx *a, json_t *root)
{
  expect e;
  json_t *rows = json_object_get(root, "rows");
  expect_init(&e, wl_report_rta_cols);
  assert_int_equal(wl_report_rta(a->w->app, &a->src, expect_row, &e), 0);
  assert_true(json_is_array(rows));
  assert_int_equal(json_array_size(rows), e.rows);
  for (size_t i = 0; i < e.rows; i++) {
    json_t *o = json_array_get(rows, i);
    assert_int_equal(json_object_size(o), e.ncols);
    for (size_t c = 0; c < e.ncols; c++) {
      const char *col = wl_report_rta_cols[c], *want = e.raw.v[i * e.ncols + c];
      char name[40];
      json_t *v;
      snprintf(name, sizeof(name), "%.*s", (int)strcspn(col, ":"), col);
      v = json_object_get(o, name);
      if (strstr(col, ":n"))
        assert_int_equal(json_integer_value(v), strtoll(want, NULL, 10));
      else
        assert_string_equal(json_string_value(v), want);
    }
  }
  expect_free(&e);
}

static void test_rta(void **state)
{
  afx *a = *state;
  json_error_t je;
  json_t *root, *a1;
  load_now(a);
  set_last_ok(a, NOW - 5);
  /* JSON with the bearer key and no session */
  curl_easy_setopt(a->w->h, CURLOPT_COOKIELIST, "ALL");
  assert_int_equal(wfx_get(a->w, "/api/v1/sources/acme/rta"), 401);
  assert_int_equal(wfx_req(a->w, "GET", "/api/v1/sources/acme/rta", NULL, NULL, a->auth), 200);
  root = json_loads(wfx_body(a->w), 0, &je);
  assert_non_null(root);
  assert_string_equal(json_string_value(json_object_get(root, "now")), "2024-11-05T07:00:00-05:00");
  assert_true(json_is_true(json_object_get(json_object_get(root, "feed"), "healthy")));
  assert_string_equal(json_string_value(json_object_get(json_object_get(root, "feed"), "last_ok")),
                      "2024-11-05T06:59:55-05:00");
  assert_int_equal(json_integer_value(json_object_get(root, "alert_after_s")), 300);
  assert_rta_json(a, root);
  a1 = json_array_get(json_object_get(root, "rows"), 0);
  assert_string_equal(json_string_value(json_object_get(a1, "agent_id")), "a1");
  assert_string_equal(json_string_value(json_object_get(a1, "state")), "break");
  assert_string_equal(json_string_value(json_object_get(a1, "since")), "2024-11-05T06:50:00-05:00");
  assert_string_equal(json_string_value(json_object_get(a1, "activity")), "phone");
  assert_string_equal(json_string_value(json_object_get(a1, "adherence")), "out");
  assert_int_equal(json_integer_value(json_object_get(a1, "out_for_s")), 600);
  assert_string_equal(json_string_value(json_object_get(a1, "alerting")), "yes");
  json_decref(root);
  assert_int_equal(wfx_req(a->w, "GET", "/api/v1/sources/nope/rta", NULL, NULL, a->auth), 404);

  /* the page, sorted by out_for_s descending: a1 first, highlighted */
  wfx_login(a->w);
  assert_int_equal(wfx_get(a->w, "/source/acme/rta?sort=out_for_s&dir=desc"), 200);
  assert_has(a->w, "<tr data-agent=\"a1\" class=\"alerting\"><td data-col=\"agent_id\">"
                            "a1</td><td data-col=\"agent_name\">&lt;b&gt;Ann &amp; Co&lt;/b&gt;"
                            "</td><td data-col=\"state\"><span class=\"state st-break\">break"
                            "</span> <span class=\"muted\">(code 3)</span></td><td "
                            "data-col=\"since\" data-value=\"2024-11-05T06:50:00-05:00\">06:50:00 "
                            "<span class=\"muted\">(10 min)</span></td><td data-col=\"activity\">"
                            "phone</td><td data-col=\"adherence\"><span class=\"badge bad\">out"
                            "</span></td><td data-col=\"out_for_s\" data-value=\"600\" "
                            "class=\"num\">10:00</td><td data-col=\"alerting\">ALERT</td></tr>");
  assert_true(strstr(wfx_body(a->w), "data-agent=\"a1\"") <
              strstr(wfx_body(a->w), "data-agent=\"a2\""));
  assert_has(a->w, "<th aria-sort=\"descending\"><a href=\"?sort=out_for_s&amp;dir=asc\"");
  assert_has(a->w, "data-api=\"/api/v1/sources/acme/rta\"");
  assert_has(a->w, "<p id=\"rta-banner\" class=\"notice bad\" hidden>");
  assert_has(a->w, "<span class=\"badge alert\">1 alerting</span>");
  assert_false(wfx_has(a->w, "<script>")); /* the script is /static/app.js */
  /* by agent ascending (the default): a1 before a2 too; by name descending: a5 (Ed) first */
  assert_int_equal(wfx_get(a->w, "/source/acme/rta?sort=agent_name&dir=desc"), 200);
  assert_true(strstr(wfx_body(a->w), "data-agent=\"a5\"") <
              strstr(wfx_body(a->w), "data-agent=\"a4\""));

  /* the feed is down: every agent unknown since the last good poll */
  set_last_ok(a, NOW - 3600);
  assert_int_equal(wfx_get(a->w, "/source/acme/rta"), 200);
  assert_has(a->w, "<p id=\"rta-banner\" class=\"notice bad\"><strong>The real-time feed "
                            "is down.</strong>");
  assert_has(a->w, "<span id=\"rta-last-ok\">2024-11-05 06:00:00 (60 min ago)</span>");
  assert_false(wfx_has(a->w, "st-break"));
  assert_has(a->w, "<span class=\"badge off\">0 alerting</span>");
  assert_int_equal(wfx_get(a->w, "/api/v1/sources/acme/rta"), 200); /* session works too */
  root = json_loads(wfx_body(a->w), 0, &je);
  assert_non_null(root);
  assert_true(json_is_false(json_object_get(json_object_get(root, "feed"), "healthy")));
  assert_rta_json(a, root);
  a1 = json_array_get(json_object_get(root, "rows"), 0);
  assert_string_equal(json_string_value(json_object_get(a1, "state")), "unknown");
  assert_string_equal(json_string_value(json_object_get(a1, "adherence")), "neutral");
  json_decref(root);
}

/* ---- schedule upload ---- */

#define BOUNDARY "----wltestBoundary7MA4YWxk"

static long upload(afx *a, const char *csrf, const char *csv, int create)
{
  wl_buf b;
  long st;
  wl_buf_init(&b, 64u << 20);
  wl_buf_printf(&b, "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n%s\r\n",
                csrf);
  if (create)
    wl_buf_puts(&b, "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"create_agents\""
                    "\r\n\r\n1\r\n");
  wl_buf_puts(&b, "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"file\"; "
                  "filename=\"week.csv\"\r\nContent-Type: text/csv\r\n\r\n");
  wl_buf_puts(&b, csv);
  wl_buf_puts(&b, "\r\n--" BOUNDARY "--\r\n");
  st = wfx_req(a->w, "POST", "/source/acme/schedule", b.ptr,
               "multipart/form-data; boundary=" BOUNDARY, NULL);
  wl_buf_free(&b);
  return st;
}

static int count_cb(void *payload, const wl_schedule_row *r)
{
  (void)r;
  ++*(size_t *)payload;
  return 0;
}

static size_t stored_segments(afx *a)
{
  size_t n = 0;
  assert_int_equal(wl_store_schedule_query(a->w->app->st, a->src.id, NULL, 0,
                                                 (int64_t)1 << 40, count_cb, &n), 0);
  return n;
}

static void test_schedule_upload(void **state)
{
  afx *a = *state;
  size_t before = stored_segments(a);
  char loc[200];
  wl_buf big;
  assert_int_equal(wfx_get(a->w, "/source/acme/schedule"), 200);
  wfx_csrf(a->w);
  assert_has(a->w, "enctype=\"multipart/form-data\"");
  assert_has(a->w, "name=\"create_agents\"");
  /* a bad row: rejected with its line number, nothing stored */
  assert_int_equal(upload(a, a->w->csrf,
                          "agent_id,start,end,activity\n"
                          "a1,2024-11-06T09:00:00-05:00,2024-11-06T12:00:00-05:00,phone\n"
                          "a1,2024-11-06T12:00:00-05:00,2024-11-06T13:00:00-05:00,nap\n"
                          "a2,2024-11-06T10:00:00-05:00,2024-11-06T09:00:00-05:00,phone\n", 0),
                   400);
  assert_has(a->w, "<p><strong>schedule rejected, nothing imported (2 bad rows):</strong>"
                            "</p><ul id=\"upload-errors\"><li>line 4: end 2024-11-06T09:00:00-05:00 is "
                            "not after start 2024-11-06T10:00:00-05:00</li><li>line 3: unknown "
                            "activity &#39;nap&#39; (add it with &#39;wfmlink rules set&#39;)"
                            "</li></ul>");
  assert_int_equal(stored_segments(a), before);
  /* an unknown agent, then with "create unknown agents" */
  assert_int_equal(upload(a, a->w->csrf, "agent_id,start,end,activity\n"
                                         "zz,2024-11-06T09:00:00-05:00,2024-11-06T10:00:00-05:00,"
                                         "phone\n", 0), 400);
  assert_has(a->w, "<li>line 2: unknown agent &#39;zz&#39; (use --create-agents to add "
                            "it)</li>");
  assert_has(a->w, "name=\"create_agents\" value=\"1\">");
  assert_int_equal(stored_segments(a), before);
  /* without the CSRF token: refused, nothing stored */
  assert_int_equal(upload(a, "forged", "agent_id,start,end,activity\n"
                                       "zz,2024-11-06T09:00:00-05:00,2024-11-06T10:00:00-05:00,"
                                       "phone\n", 1), 403);
  assert_int_equal(stored_segments(a), before);
  /* a good file larger than the 64 KiB form cap: 1500 rows */
  wl_buf_init(&big, 1u << 20);
  wl_buf_puts(&big, "agent_id,start,end,activity\r\n");
  for (int i = 0; i < 1500; i++)
    wl_buf_printf(&big, "bulk%03d,2024-11-06T09:00:00-05:00,2024-11-06T17:00:00-05:00,phone\r\n", i);
  assert_true(big.len > 64 * 1024);
  assert_int_equal(upload(a, a->w->csrf, big.ptr, 1), 303);
  wl_buf_free(&big);
  assert_string_equal(wfx_header(a->w, "Location", loc, sizeof(loc)),
                      "/source/acme/schedule?imported=1500&agents=1500&created=1500");
  assert_int_equal(stored_segments(a), before + 1500);
  assert_int_equal(wfx_get(a->w, loc), 200);
  assert_has(a->w, "id=\"upload-ok\">imported 1500 schedule segments for 1500 agents "
                            "(1500 new)</p>");
  /* a form POST to another page keeps the 64 KiB cap */
  wl_buf_init(&big, 1u << 20);
  wl_buf_printf(&big, "csrf=%s&action=settings&x=", a->w->csrf);
  for (int i = 0; i < 70000; i++)
    wl_buf_puts(&big, "a");
  assert_int_equal(wfx_post(a->w, "/source/acme/rules", big.ptr), 413);
  wl_buf_free(&big);
}

static void test_schedule_upload_cap_and_export(void **state)
{
  afx *a = *state;
  wl_buf big;
  char ct[120];
  /* more than 16 MiB: refused from its Content-Length */
  wl_buf_init(&big, 20u << 20);
  assert_int_equal(wfx_get(a->w, "/source/acme/schedule"), 200);
  wfx_csrf(a->w);
  while (big.len < (16u << 20) + 100)
    wl_buf_puts(&big, "agent_id,start,end,activity,padding-padding-padding-padding-padding\n");
  assert_int_equal(upload(a, a->w->csrf, big.ptr, 0), 413);
  assert_has(a->w, "The upload is larger than 16 MiB");
  wl_buf_free(&big);
  /* a broken multipart body, and a plain form without a file */
  assert_int_equal(wfx_req(a->w, "POST", "/source/acme/schedule", "--xyz\r\nno headers end",
                           "multipart/form-data; boundary=xyz", NULL), 400);
  assert_has(a->w, "a multipart part has no end of headers");
  assert_int_equal(wfx_req(a->w, "POST", "/source/acme/schedule", "x", "multipart/form-data",
                           NULL), 400);
  assert_has(a->w, "the upload is not multipart/form-data with a boundary");
  snprintf(ct, sizeof(ct), "csrf=%s", a->w->csrf);
  assert_int_equal(wfx_post(a->w, "/source/acme/schedule", ct), 400);
  assert_has(a->w, "Choose a CSV file to upload.");
  /* the export: the CSV of `wfmlink schedule export` */
  assert_int_equal(wfx_get(a->w, "/source/acme/schedule.csv?from=2024-11-04&to=2024-11-05"), 200);
  assert_string_equal(wfx_header(a->w, "Content-Type", ct, sizeof(ct)), "text/csv; charset=utf-8");
  assert_string_equal(wfx_body(a->w),
                      "agent_id,start,end,activity\n"
                      "a1,2024-11-04T09:00:00-05:00,2024-11-04T17:00:00-05:00,phone\n"
                      "a2,2024-11-04T10:00:00-05:00,2024-11-04T11:00:00-05:00,phone\n"
                      "a3,2024-11-04T09:00:00-05:00,2024-11-04T10:00:00-05:00,phone\n"
                      "a3,2024-11-04T10:00:00-05:00,2024-11-04T10:15:00-05:00,break\n"
                      "a3,2024-11-04T10:15:00-05:00,2024-11-04T12:00:00-05:00,phone\n"
                      "a4,2024-11-04T09:00:00-05:00,2024-11-04T10:00:00-05:00,phone\n"
                      "a5,2024-11-04T13:00:00-05:00,2024-11-04T14:00:00-05:00,x<y&z\n");
  assert_int_equal(wfx_get(a->w, "/source/acme/schedule?from=2024-11-04&to=2024-11-05"), 200);
  assert_has(a->w, "<tr><td>2024-11-04</td><td class=\"num\">5</td><td class=\"num\">7"
                            "</td><td class=\"num\">14:00:00</td></tr>");
  assert_has(a->w, "href=\"/source/acme/schedule.csv?from=2024-11-04&amp;to=2024-11-05\"");
  assert_int_equal(wfx_get(a->w, "/source/acme/schedule.csv?from=x"), 400);
}

/* ---- PUT / GET /api/v1/sources/NAME/schedules ---- */

#define SCHED_URL "/api/v1/sources/acme/schedules?agent=a1&from=2024-11-06T09:00:00-05:00" \
                  "&to=2024-11-06T12:00:00-05:00"

static long put(afx *a, const char *url, const char *body)
{
  return wfx_req(a->w, "PUT", url, body, "application/json", a->auth);
}

static void assert_error(afx *a, const char *error, const char *errors_json)
{
  json_error_t je;
  json_t *root = json_loads(wfx_body(a->w), 0, &je), *errs;
  char *txt;
  assert_non_null(root);
  assert_string_equal(json_string_value(json_object_get(root, "error")), error);
  errs = json_object_get(root, "errors");
  txt = json_dumps(errs, JSON_COMPACT);
  assert_string_equal(txt, errors_json);
  free(txt);
  json_decref(root);
}

static void test_put_schedules(void **state)
{
  afx *a = *state;
  size_t before;
  char hdr[120];
  /* no session cookie: the bearer key only */
  curl_easy_setopt(a->w->h, CURLOPT_COOKIELIST, "ALL");
  sched(a, "a1", 1730898000, 1730912400, "offline"); /* 2024-11-06 08:00-12:00, crosses from */
  sched(a, "a1", 1730912400, 1730919600, "phone");   /* 12:00-14:00, touches to: kept whole */
  before = stored_segments(a);
  assert_int_equal(wfx_req(a->w, "PUT", SCHED_URL, "[]", "application/json", NULL), 401);
  assert_string_equal(wfx_header(a->w, "WWW-Authenticate", hdr, sizeof(hdr)),
                      "Bearer realm=\"wfmlink\"");
  assert_int_equal(wfx_req(a->w, "PUT", SCHED_URL, "[]", "application/json",
                           "Authorization: Bearer wlk_0000"), 401);
  /* refusals: every problem listed, nothing stored */
  assert_int_equal(put(a, SCHED_URL,
                       "[{\"start\":\"2024-11-06T09:00:00-05:00\",\"end\":\"2024-11-06T10:00:00-05:00\","
                       "\"activity\":\"phone\"},"
                       "{\"start\":\"2024-11-06T10:00:00-05:00\",\"end\":\"2024-11-06T10:00:00-05:00\","
                       "\"activity\":\"phone\"},"
                       "{\"start\":\"2024-11-06T11:00:00-05:00\",\"end\":\"2024-11-06T13:00:00-05:00\","
                       "\"activity\":\"phone\"},"
                       "{\"start\":\"2024-11-06 11:00\",\"activity\":\"\"}]"), 400);
  assert_error(a, "schedule rejected, nothing stored (5 problems)",
               "[\"segment 2: end 2024-11-06T10:00:00-05:00 is not after start "
               "2024-11-06T10:00:00-05:00\",\"segment 3 (2024-11-06T11:00:00-05:00 to "
               "2024-11-06T13:00:00-05:00) is not inside the range from/to\",\"segment 4: start: "
               "'2024-11-06 11:00' has no UTC offset (add Z or -04:00)\",\"segment 4: \\\"end\\\" "
               "is missing (an ISO 8601 time with offset)\",\"segment 4: \\\"activity\\\" is "
               "missing\"]");
  assert_int_equal(put(a, SCHED_URL,
                       "[{\"start\":\"2024-11-06T09:00:00-05:00\",\"end\":\"2024-11-06T10:30:00-05:00\","
                       "\"activity\":\"phone\"},"
                       "{\"start\":\"2024-11-06T10:00:00-05:00\",\"end\":\"2024-11-06T11:00:00-05:00\","
                       "\"activity\":\"nap\"},"
                       "{\"start\":\"2024-11-06T10:15:00-05:00\",\"end\":\"2024-11-06T11:00:00-05:00\","
                       "\"activity\":\"phone\"}]"), 400);
  assert_error(a, "schedule rejected, nothing stored (1 problem)",
               "[\"segment 2: unknown activity 'nap' (add it with 'wfmlink rules set' or on the "
               "rules page)\"]");
  assert_int_equal(put(a, SCHED_URL,
                       "[{\"start\":\"2024-11-06T10:15:00-05:00\",\"end\":\"2024-11-06T11:00:00-05:00\","
                       "\"activity\":\"phone\"},"
                       "{\"start\":\"2024-11-06T09:00:00-05:00\",\"end\":\"2024-11-06T10:30:00-05:00\","
                       "\"activity\":\"phone\"}]"), 400);
  assert_error(a, "schedule rejected, nothing stored (1 problem)",
               "[\"segment 2 overlaps segment 1 (segments of one agent must not overlap)\"]");
  assert_int_equal(put(a, "/api/v1/sources/acme/schedules?agent=newbie&from=2024-11-06"
                          "&to=2024-11-07", "[]"), 400);
  assert_error(a, "schedule rejected, nothing stored (1 problem)",
               "[\"unknown agent 'newbie' (add create_agent=1 to add it)\"]");
  assert_int_equal(put(a, SCHED_URL, "{\"start\":1}"), 400);
  assert_has(a->w, "\"error\":\"the body must be a JSON array");
  assert_int_equal(put(a, SCHED_URL, "[{"), 400);
  assert_has(a->w, "\"error\":\"the body is not JSON: ");
  assert_int_equal(wfx_req(a->w, "PUT", SCHED_URL, "[]", "text/plain", a->auth), 415);
  assert_int_equal(put(a, "/api/v1/sources/acme/schedules?agent=a1&from=2024-11-06", "[]"), 400);
  assert_has(a->w, "from=TIME and to=TIME are required");
  assert_int_equal(put(a, "/api/v1/sources/nope/schedules?agent=a1&from=2024-11-06"
                          "&to=2024-11-07", "[]"), 404);
  assert_int_equal(stored_segments(a), before);

  /* good: replaces [09:00, 12:00); 08:00-09:00 of the crossing segment stays */
  assert_int_equal(put(a, SCHED_URL,
                       "[{\"start\":\"2024-11-06T10:00:00-05:00\",\"end\":\"2024-11-06T12:00:00-05:00\","
                       "\"activity\":\"phone\"},"
                       "{\"start\":\"2024-11-06T14:00:00Z\",\"end\":\"2024-11-06T10:00:00-05:00\","
                       "\"activity\":\"break\"}]"), 200);
  assert_has(a->w, "\"stored\": 2");
  assert_has(a->w, "\"agent_created\": false");
  assert_int_equal(wfx_req(a->w, "GET", SCHED_URL, NULL, NULL, a->auth), 200);
  assert_string_equal(wfx_body(a->w),
                      "[\n  {\n    \"start\": \"2024-11-06T09:00:00-05:00\",\n"
                      "    \"end\": \"2024-11-06T10:00:00-05:00\",\n    \"activity\": \"break\"\n  },\n"
                      "  {\n    \"start\": \"2024-11-06T10:00:00-05:00\",\n"
                      "    \"end\": \"2024-11-06T12:00:00-05:00\",\n    \"activity\": \"phone\"\n  }\n]\n");
  assert_int_equal(wfx_req(a->w, "GET", "/api/v1/sources/acme/schedules?agent=a1"
                                        "&from=2024-11-06T07:00:00-05:00&to=2024-11-06T15:00:00-05:00",
                           NULL, NULL, a->auth), 200);
  assert_has(a->w, "\"start\": \"2024-11-06T08:00:00-05:00\",\n"
                            "    \"end\": \"2024-11-06T09:00:00-05:00\",\n"
                            "    \"activity\": \"offline\"");
  assert_has(a->w, "\"start\": \"2024-11-06T12:00:00-05:00\",\n"
                            "    \"end\": \"2024-11-06T14:00:00-05:00\",\n"
                            "    \"activity\": \"phone\"");
  assert_int_equal(stored_segments(a), before + 2);
  /* an empty list clears the range; a new agent with create_agent=1 */
  assert_int_equal(put(a, SCHED_URL, "[]"), 200);
  assert_int_equal(stored_segments(a), before);
  assert_int_equal(put(a, "/api/v1/sources/acme/schedules?agent=newbie&from=2024-11-06"
                          "&to=2024-11-07&create_agent=1",
                       "[{\"start\":\"2024-11-06T09:00:00-05:00\",\"end\":\"2024-11-06T17:00:00-05:00\","
                       "\"activity\":\"phone\"}]"), 200);
  assert_has(a->w, "\"agent_created\": true");
  assert_int_equal(wl_store_agent_get(a->w->app->st, NULL, a->src.id, "newbie"), 0);
  /* a segment inside a longer stored one: both outer parts stay */
  sched(a, "a2", 1730898000, 1730926800, "phone"); /* 08:00-16:00 */
  assert_int_equal(put(a, "/api/v1/sources/acme/schedules?agent=a2&from=2024-11-06T12:00:00-05:00"
                          "&to=2024-11-06T13:00:00-05:00",
                       "[{\"start\":\"2024-11-06T12:00:00-05:00\",\"end\":\"2024-11-06T13:00:00-05:00\","
                       "\"activity\":\"lunch\"}]"), 200);
  assert_int_equal(wfx_req(a->w, "GET", "/api/v1/sources/acme/schedules?agent=a2&from=2024-11-06"
                                        "&to=2024-11-07", NULL, NULL, a->auth), 200);
  assert_int_equal(count(wfx_body(a->w), "\"start\""), 3);
  assert_has(a->w, "\"end\": \"2024-11-06T12:00:00-05:00\",\n    \"activity\": \"phone\"");
  assert_has(a->w, "\"end\": \"2024-11-06T13:00:00-05:00\",\n    \"activity\": \"lunch\"");
  assert_has(a->w, "\"start\": \"2024-11-06T13:00:00-05:00\",\n"
                            "    \"end\": \"2024-11-06T16:00:00-05:00\"");
}

/* The PUT body is parsed whole, so its cap is 4 MiB (not the 16 MiB of
 * the upload form): above it the answer is 413 and nothing is parsed. */
static void test_put_schedules_cap(void **state)
{
  afx *a = *state;
  size_t cap = 4u << 20;
  char *body = malloc(cap + 2), head[600], got[4096], chunk[70000];
  int fd;
  assert_non_null(body);
  memset(body, ' ', cap + 1);
  memcpy(body, "[]", 2);
  body[cap] = '\0'; /* exactly 4 MiB: accepted */
  assert_int_equal(put(a, SCHED_URL, body), 200);
  assert_has(a->w, "\"stored\": 0");
  body[cap] = ' ';
  body[cap + 1] = '\0'; /* one byte more: refused from its Content-Length */
  assert_int_equal(put(a, SCHED_URL, body), 413);
  assert_has(a->w, "\"error\":\"The body is larger than 4 MiB, the most this address accepts; "
                   "send the schedule in parts (by agent or by range).\"");
  free(body);
  /* without a Content-Length (chunked): refused once the cap is passed */
  fd = wfx_raw_open(a->w);
  snprintf(head, sizeof(head), "PUT " SCHED_URL " HTTP/1.1\r\nHost: 127.0.0.1\r\n%s\r\n"
                               "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"
                               "\r\n", a->auth);
  wfx_raw_send(fd, head, strlen(head));
  memset(chunk, ' ', sizeof(chunk));
  for (int i = 0; i < 70; i++) { /* 70 x 64 KiB = 4.4 MiB */
    char size[16];
    snprintf(size, sizeof(size), "%x\r\n", 65536);
    wfx_raw_send(fd, size, strlen(size));
    wfx_raw_send(fd, i ? chunk : "[]", i ? 65536 : 2);
    if (!i)
      wfx_raw_send(fd, chunk, 65534);
    wfx_raw_send(fd, "\r\n", 2);
  }
  wfx_raw_send(fd, "0\r\n\r\n", 5);
  wfx_raw_read(fd, got, sizeof(got), 10000);
  close(fd);
  assert_int_equal(strncmp(got, "HTTP/1.1 413 ", 13), 0);
}

/* jansson's memory in this process (the server runs in it), measured by
 * the allocator's own sizes (no header: code may free() what jansson made,
 * such as json_dumps' text; those frees are simply not subtracted). */
static pthread_mutex_t jmem_mu = PTHREAD_MUTEX_INITIALIZER;
static size_t jmem_now, jmem_peak;

static void *jmem_malloc(size_t n)
{
  void *p = malloc(n);
  if (!p)
    return NULL;
  pthread_mutex_lock(&jmem_mu);
  jmem_now += malloc_usable_size(p);
  if (jmem_now > jmem_peak)
    jmem_peak = jmem_now;
  pthread_mutex_unlock(&jmem_mu);
  return p;
}

static void jmem_free(void *p)
{
  if (!p)
    return;
  pthread_mutex_lock(&jmem_mu);
  jmem_now -= malloc_usable_size(p);
  pthread_mutex_unlock(&jmem_mu);
  free(p);
}

static void jmem_reset(void)
{
  pthread_mutex_lock(&jmem_mu);
  jmem_peak = jmem_now;
  pthread_mutex_unlock(&jmem_mu);
}

/* The peak above what was held at the last reset. */
static size_t jmem_grew(size_t base)
{
  size_t peak;
  pthread_mutex_lock(&jmem_mu);
  peak = jmem_peak;
  pthread_mutex_unlock(&jmem_mu);
  return peak > base ? peak - base : 0;
}

/* A 4 MiB body of tiny values is counted before any tree is built: it is
 * refused without jansson holding more than a few KiB (a whole tree of
 * 1.4 million empty objects was ~320 MB), and a body of 40,000 real
 * segments is read one element at a time. */
static void test_put_schedules_memory(void **state)
{
  afx *a = *state;
  size_t cap = 4u << 20, base, o;
  char *body = malloc(cap + 1);
  static const char seg[] = "{\"start\":\"2024-11-06T09:00:00-05:00\",\"end\":"
                            "\"2024-11-06T09:00:01-05:00\",\"activity\":\"phone\"},";
  assert_non_null(body);
  body[0] = '[';
  for (o = 1; o + 3 < cap; o += 3)
    memcpy(body + o, "{},", 3);
  body[o - 1] = ']';
  body[o] = '\0';
  jmem_reset();
  base = jmem_now;
  assert_int_equal(put(a, SCHED_URL, body), 413);
  assert_has(a->w, "\"error\":\"more than 100000 segments in one request; send the schedule "
                   "in parts (by agent or by range)\"");
  assert_true(jmem_grew(base) < 64 * 1024);
  /* one element of many nested values: refused by its size */
  snprintf(body, cap, "[{\"x\":[");
  for (o = strlen(body); o + 10 < 1000000; o += 3)
    memcpy(body + o, "{},", 3);
  memcpy(body + o - 1, "]}]", 4);
  jmem_reset();
  base = jmem_now;
  assert_int_equal(put(a, SCHED_URL, body), 400);
  assert_error(a, "schedule rejected, nothing stored (1 problem)",
               "[\"segment 1 is larger than 4096 bytes\"]");
  assert_true(jmem_grew(base) < 64 * 1024);
  /* 40,000 well-formed segments (3.4 MiB): read element by element */
  body[0] = '[';
  for (o = 1; o < 1 + 40000 * (sizeof(seg) - 1); o += sizeof(seg) - 1)
    memcpy(body + o, seg, sizeof(seg) - 1);
  body[o - 1] = ']';
  body[o] = '\0';
  jmem_reset();
  base = jmem_now;
  assert_int_equal(put(a, SCHED_URL, body), 400); /* they overlap: every one is read first */
  assert_has(a->w, "segment 2 overlaps segment 1");
  assert_true(jmem_grew(base) < 256 * 1024);
  free(body);
}

/* The links between the pages: the sources list and the tabs. */
static void test_links(void **state)
{
  afx *a = *state;
  assert_int_equal(wfx_get(a->w, "/sources"), 200);
  assert_has(a->w, "href=\"/source/acme/rta\">RTA board</a>");
  assert_has(a->w, "href=\"/source/acme/adherence\">Adherence</a>");
  assert_int_equal(wfx_get(a->w, "/source/acme/schedule"), 200);
  assert_has(a->w, "<a href=\"/source/acme/schedule\" class=\"active\" "
                            "aria-current=\"page\">Schedule</a>");
  assert_has(a->w, "<a href=\"/source/acme/rules\">Rules</a>");
  assert_int_equal(wfx_get(a->w, "/static/app.js"), 200);
  assert_has(a->w, "setInterval(refresh");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
  const struct CMUnitTest tests[] = {
    T(test_adherence_page_equals_report),
    T(test_adherence_dst_and_errors),
    T(test_rules_page),
    T(test_settings_change_adherence),
    T(test_rta),
    T(test_schedule_upload),
    T(test_schedule_upload_cap_and_export),
    T(test_put_schedules),
    T(test_put_schedules_cap),
    T(test_put_schedules_memory),
    T(test_links),
  };
  json_set_alloc_funcs(jmem_malloc, jmem_free); /* before any jansson value exists */
  return cmocka_run_group_tests(tests, NULL, NULL);
}
