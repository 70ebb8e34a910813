/*
 * The adapter page of one source: "8x8 Adapter — Establish connections to
 * data sources", with the real-time and historical sections, the time zone,
 * and a "Test connection" button per section.
 *
 *   GET  /sources/new, POST /sources/new   a new source
 *   GET  /source/NAME, POST /source/NAME   an existing one
 *
 * POST carries action=save (the default), test-rt or test-hist. A test
 * answers JSON when asked (the page's script) and the page otherwise.
 * Validation uses the same checks as `source add` / `source set`
 * (core/settings.h), so the page and the command line agree. Tokens are
 * never written into a response: the token fields are always empty and
 * only say whether a token is set and when it changed; blank keeps it.
 *
 * A stored token goes only where it is stored for: a test or a save with
 * a blank token field uses it only when the typed base URL and tenant
 * equal the stored ones (for the historical section, its effective ones,
 * which default to the real-time ones). Otherwise the token must be typed,
 * so a web user cannot send the stored token to a host of their choosing.
 * The event stream takes the real-time token too: a save that points the
 * stream elsewhere (its host, typed or derived, other than the stored one
 * or the one the stored base URL gives) needs the token typed as well.
 */
#include "web/web_int.h"
#include "core/sources.h"
#include "core/conntest.h"
#include "core/settings.h"
#include "core/stream.h"
#include "util/err.h"
#include "util/log.h"
#include "util/secret.h"
#include "util/str.h"
#include "util/timeutil.h"
#include "util/tz.h"

#include <jansson.h>
#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TOKEN_MAX 4096
#define TOKEN_MOVED "Type the token: the base URL or tenant changed, so the stored token is not " \
                    "sent there"
#define STREAM_MOVED "Type the token: the stream host changed, so the stored token is not sent " \
                     "there"

enum { F_NAME, F_BASE_URL, F_TENANT, F_TOKEN, F_INTERVAL, F_HIST_BASE_URL, F_HIST_TENANT,
       F_HIST_TOKEN, F_TIMEZONE, F_STREAM_HOST, F_COUNT };

static const char *const fname[F_COUNT] = {"name", "base_url", "tenant", "token", "interval",
                                           "hist_base_url", "hist_tenant", "hist_token",
                                           "timezone", "stream_host"};
static const char *const flabel[F_COUNT] = {
  "Name", "Base URL", "Tenant", "Token", "Transaction Collection Interval (seconds)",
  "Base URL", "Tenant", "Token", "Time zone", "Stream host"};

typedef struct sform {
  int is_new;
  wl_source cur;            /* the stored source; defaults for a new one */
  char v[F_COUNT][640];     /* the values shown (never the tokens) */
  const char *tok[2];       /* tokens typed into this request, or NULL */
  int enabled;
  int fast;                 /* allow-fast-poll is on for this source */
  int stream;               /* the event stream checkbox */
  int cur_stream;           /* the stored `stream` setting */
  char cur_stream_host[300];  /* the stored `stream-host` setting, "" when unset */
  char stream_host[300];    /* the typed stream host, canonical, after validation */
  /* where the stored token may go by stream: the stored source's stream
   * host, and the one its stored base URL gives ("" when none) */
  char stream_was[300], stream_home[300];
  char err[F_COUNT][512];
  int nerr;
  int tested[2];
  wl_conntest_result test[2];
} sform;

/* ---- values in ---- */

static void from_source(sform *f, const wl_source *s)
{
  snprintf(f->v[F_NAME], sizeof(f->v[0]), "%s", s->name);
  snprintf(f->v[F_BASE_URL], sizeof(f->v[0]), "%s", s->base_url);
  snprintf(f->v[F_TENANT], sizeof(f->v[0]), "%s", s->tenant);
  snprintf(f->v[F_INTERVAL], sizeof(f->v[0]), "%d", s->interval_s);
  /* historical values equal to the real-time ones are shown blank: they
   * follow the real-time values until someone sets them apart */
  if (strcmp(s->hist_base_url, s->base_url) != 0)
    snprintf(f->v[F_HIST_BASE_URL], sizeof(f->v[0]), "%s", s->hist_base_url);
  if (strcmp(s->hist_tenant, s->tenant) != 0)
    snprintf(f->v[F_HIST_TENANT], sizeof(f->v[0]), "%s", s->hist_tenant);
  snprintf(f->v[F_TIMEZONE], sizeof(f->v[0]), "%s", s->timezone);
  f->enabled = s->enabled;
}

static void form_new(sform *f)
{
  memset(f, 0, sizeof(*f));
  f->is_new = 1;
  f->cur.interval_s = 10;
  f->cur.enabled = 1;
  snprintf(f->cur.timezone, sizeof(f->cur.timezone), "UTC");
  from_source(f, &f->cur);
}

/* Strips blanks around a typed token in place; NULL when nothing was typed. */
static const char *typed_token(wl_req *rq, const char *key)
{
  char *t = (char *)wl_form_get(&rq->form, key); /* our own copy of the body */
  size_t n;
  if (!t)
    return NULL;
  while (*t == ' ' || *t == '\t')
    t++;
  n = strlen(t);
  while (n && (t[n - 1] == ' ' || t[n - 1] == '\t'))
    t[--n] = '\0';
  return n ? t : NULL;
}

static void from_post(sform *f, wl_req *rq)
{
  for (int i = 0; i < F_COUNT; i++) {
    const char *v = wl_form_get(&rq->form, fname[i]);
    if (i == F_TOKEN || i == F_HIST_TOKEN || (i == F_NAME && !f->is_new))
      continue;
    snprintf(f->v[i], sizeof(f->v[0]), "%s", v ? v : "");
  }
  f->tok[0] = typed_token(rq, "token");
  f->tok[1] = typed_token(rq, "hist_token");
  f->enabled = wl_form_get(&rq->form, "enabled") != NULL;
  f->stream = wl_form_get(&rq->form, "stream") != NULL;
}

/* ---- validation ---- */

/* Records the current error message beside field i, without the
 * "Label: " prefix the shared validators put in front. */
static void field_err(sform *f, int i)
{
  const char *m = wl_errmsg();
  size_t ln = strlen(flabel[i]);
  if (strncmp(m, flabel[i], ln) == 0 && m[ln] == ':' && m[ln + 1] == ' ')
    m += ln + 2;
  else if (strncmp(m, "NAME: ", 6) == 0)
    m += 6;
  else if (i == F_STREAM_HOST && strncmp(m, "stream-host: ", 13) == 0)
    m += 13; /* the setting's name, as `source set` says it */
  if (!f->err[i][0])
    f->nerr++;
  snprintf(f->err[i], sizeof(f->err[0]), "%s", m);
}

static void required(sform *f, int i, const char *what)
{
  wl_err(WL_EUSAGE, "%s", what);
  field_err(f, i);
}

static void check_token(sform *f, int i, const char *tok)
{
  if (!tok)
    return;
  if (strlen(tok) >= TOKEN_MAX) {
    required(f, i, "the token is longer than 4095 characters");
    return;
  }
  for (const char *p = tok; *p; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f) {
      required(f, i, "the token contains a control character");
      return;
    }
}

static void check_url(sform *f, int i, char *out, size_t outlen, int optional)
{
  if (!f->v[i][0]) {
    if (!optional)
      required(f, i, "required: the 8x8 API root, e.g. https://vcc-na10.8x8.com/api/");
    return;
  }
  if (wl_check_base_url(out, outlen, flabel[i], f->v[i]) != 0)
    field_err(f, i);
}

static void check_tenant(sform *f, int i, int optional)
{
  if (!f->v[i][0] && optional)
    return;
  if (!f->v[i][0])
    required(f, i, "required: the 8x8 tenant name");
  else if (wl_check_tenant(flabel[i], f->v[i]) != 0)
    field_err(f, i);
}

/* The real-time section's fields (what its test needs). */
static void check_rt(sform *f, wl_source *s)
{
  check_url(f, F_BASE_URL, s->base_url, sizeof(s->base_url), 0);
  check_tenant(f, F_TENANT, 0);
  check_token(f, F_TOKEN, f->tok[0]);
}

static void check_hist(sform *f, wl_source *s)
{
  check_url(f, F_HIST_BASE_URL, s->hist_base_url, sizeof(s->hist_base_url), 1);
  check_tenant(f, F_HIST_TENANT, 1);
  check_token(f, F_HIST_TOKEN, f->tok[1]);
}

/* Whether a stored token may go to url and tenant: only where it is
 * stored for. */
static int same_place(const char *url, const char *tenant, const char *stored_url,
                      const char *stored_tenant)
{
  return strcmp(url, stored_url) == 0 && strcmp(tenant, stored_tenant) == 0;
}

static void moved_err(sform *f, int i)
{
  if (!f->err[i][0])
    required(f, i, TOKEN_MOVED);
}

/* The stream sends the real-time token to its host: one other than the
 * stored source's (or the one its stored base URL gives) needs the token
 * typed. Checked with the stream off too: turning it on later keeps the
 * host. */
static void check_stream_moved(sform *f, const wl_source *s)
{
  char now[300];
  if (f->tok[0] || !f->cur.has_token || f->err[F_STREAM_HOST][0] ||
      wl_stream_host_for(now, sizeof(now), s, f->stream_host) != 0)
    return; /* no stored token goes, or no host: nothing is sent */
  if (strcmp(now, f->stream_was) != 0 && strcmp(now, f->stream_home) != 0 && !f->err[F_TOKEN][0])
    required(f, F_TOKEN, STREAM_MOVED);
}

/* A save that keeps a stored token (blank field) while its section points
 * elsewhere is refused: the collectors would send the token there. */
static void check_moved(sform *f, const wl_source *s)
{
  const wl_source *c = &f->cur;
  if (f->is_new || f->err[F_BASE_URL][0] || f->err[F_TENANT][0] || f->err[F_HIST_BASE_URL][0] ||
      f->err[F_HIST_TENANT][0])
    return;
  if (!f->tok[0] && c->has_token && !same_place(s->base_url, s->tenant, c->base_url, c->tenant))
    moved_err(f, F_TOKEN);
  check_stream_moved(f, s);
  if (f->tok[1] || same_place(s->hist_base_url, s->hist_tenant, c->hist_base_url, c->hist_tenant))
    return;
  if (c->has_hist_token)
    moved_err(f, F_HIST_TOKEN);
  else if (!f->tok[0] && c->has_token) /* the real-time token would go there */
    moved_err(f, F_TOKEN);
}

/* The stream host: typed, a host the stream accepts; blank with the stream
 * on, one the base URL gives (not when the base URL itself is wrong: its
 * error says what to fix first). */
static void check_stream(sform *f, const wl_source *s)
{
  if (!f->v[F_STREAM_HOST][0] && f->err[F_BASE_URL][0])
    return;
  if (wl_source_stream_check(f->stream_host, sizeof(f->stream_host), s, f->stream,
                             f->v[F_STREAM_HOST]) != 0)
    field_err(f, F_STREAM_HOST);
}

/* Everything; fills s from the form on success (nerr == 0). */
static void validate(sform *f, wl_source *s)
{
  *s = f->cur;
  snprintf(s->vendor, sizeof(s->vendor), "8x8");
  if (f->is_new && wl_check_name(f->v[F_NAME]) != 0)
    field_err(f, F_NAME);
  if (f->is_new)
    wl_strlcpy(s->name, sizeof(s->name), f->v[F_NAME]);
  check_rt(f, s);
  wl_strlcpy(s->tenant, sizeof(s->tenant), f->v[F_TENANT]);
  if (f->is_new && !f->tok[0])
    required(f, F_TOKEN, "required for a new source: the data request token from 8x8");
  if (!f->v[F_INTERVAL][0])
    required(f, F_INTERVAL, "required: seconds between real-time polls (10 is usual)");
  else if (wl_check_interval(&s->interval_s, flabel[F_INTERVAL], f->v[F_INTERVAL], f->fast))
    field_err(f, F_INTERVAL);
  check_hist(f, s);
  if (!f->v[F_HIST_BASE_URL][0])
    snprintf(s->hist_base_url, sizeof(s->hist_base_url), "%s", s->base_url);
  wl_strlcpy(s->hist_tenant, sizeof(s->hist_tenant),
             f->v[F_HIST_TENANT][0] ? f->v[F_HIST_TENANT] : f->v[F_TENANT]);
  if (!f->v[F_TIMEZONE][0])
    required(f, F_TIMEZONE, "required: the contact center's IANA zone, e.g. America/New_York");
  else if (wl_check_timezone(flabel[F_TIMEZONE], f->v[F_TIMEZONE]) != 0)
    field_err(f, F_TIMEZONE);
  wl_strlcpy(s->timezone, sizeof(s->timezone), f->v[F_TIMEZONE]);
  s->enabled = f->enabled;
  check_stream(f, s);
  check_moved(f, s);
}

/* ---- rendering ---- */

static void field(wl_req *rq, sform *f, int i, const char *type, const char *extra,
                  const char *hint)
{
  wl_buf *b = &rq->out;
  int secret = i == F_TOKEN || i == F_HIST_TOKEN;
  wl_html(b, "<div class=\"field\"><label for=\"%s\">%s</label>", fname[i], flabel[i]);
  wl_html(b, "<input type=\"%s\" id=\"%s\" name=\"%s\" value=\"%s\" aria-describedby=\"err-%s\"",
          type, fname[i], fname[i], secret ? "" : f->v[i], fname[i]);
  if (f->err[i][0])
    wl_buf_puts(b, " class=\"invalid\" aria-invalid=\"true\"");
  wl_buf_puts(b, extra);
  wl_html(b, "><div class=\"error\" id=\"err-%s\" data-field=\"%s\" role=\"alert\">%s</div>",
          fname[i], fname[i], f->err[i]);
  if (hint && *hint)
    wl_html(b, "<div class=\"hint\">%s</div>", hint);
  wl_buf_puts(b, "</div>\n");
}

static void token_hint(char *out, size_t n, sform *f, int hist)
{
  int has = hist ? f->cur.has_hist_token : f->cur.has_token;
  int64_t at = hist ? f->cur.hist_token_changed_at : f->cur.token_changed_at;
  char when[32];
  const char *typed = f->tok[hist] && f->nerr ? " The token you typed was not saved and is not "
                                                "shown again: type it again." : "";
  wl_fmt_local(when, sizeof(when), at, NULL);
  if (f->is_new && !hist)
    snprintf(out, n, "The data request token from 8x8 (stored encrypted, never "
             "shown).%s", typed);
  else if (has)
    snprintf(out, n, "A token is set (changed %s UTC). Leave blank to keep it.%s", when, typed);
  else if (hist)
    snprintf(out, n, "No separate token: the real-time token is used. Leave blank to keep it "
             "that way.%s", typed);
  else
    snprintf(out, n, "No token is set: the collectors cannot run until one is.%s", typed);
}

static void test_row(wl_req *rq, sform *f, int k)
{
  wl_buf *b = &rq->out;
  const char *id = k ? "hist" : "rt";
  wl_html(b, "<div class=\"test\"><button type=\"submit\" name=\"action\" value=\"test-%s\" "
             "data-test=\"%s\" data-fields=\"%s\">Test connection</button>",
          id, id, k ? "hist_base_url hist_tenant hist_token base_url tenant token"
                : "base_url tenant token");
  wl_html(b, "<output id=\"result-%s\" class=\"result%s\" aria-live=\"polite\">", id,
          !f->tested[k] ? "" : f->test[k].ok ? " ok" : " bad");
  if (f->tested[k])
    wl_html(b, "%s%s", f->test[k].ok ? "Connection OK: " : "Connection failed: ",
            f->test[k].message);
  wl_buf_puts(b, "</output></div>\n");
}

/* 8x8's Event Streaming: the `stream` and `stream-host` settings. */
static void stream_fields(wl_req *rq, sform *f)
{
  char hint[600];
  wl_html(&rq->out, "<div class=\"field\"><label for=\"stream\">Event stream (pushed agent "
                    "states)</label><div><input type=\"checkbox\" id=\"stream\" name=\"stream\" "
                    "value=\"on\"%s> <label for=\"stream\">on</label></div><div class=\"hint\">"
                    "8x8 pushes each agent state change as it happens; the polls go on as the "
                    "safety net.</div></div>\n", f->stream ? " checked" : "");
  snprintf(hint, sizeof(hint), "May be left empty when it can be derived from the Base URL (the "
           "emulator's can; 8x8's vcc-… hosts cannot). Otherwise the tenant's region host: %s.",
           wl_source_stream_hosts("8x8"));
  field(rq, f, F_STREAM_HOST, "text", " spellcheck=\"false\" autocapitalize=\"none\" "
        "placeholder=\"from the Base URL\"", hint);
}

static void section_rt(wl_req *rq, sform *f)
{
  char hint[400], range[160];
  wl_buf_puts(&rq->out, "<fieldset id=\"realtime\"><legend>Real-time adherence integration"
                        "</legend>");
  field(rq, f, F_BASE_URL, "text", " spellcheck=\"false\" placeholder=\"https://vcc-na10.8x8.com/api/\"",
        "8x8's API root for real-time statistics (rtstats).");
  field(rq, f, F_TENANT, "text", " spellcheck=\"false\" autocapitalize=\"none\"", "");
  token_hint(hint, sizeof(hint), f, 0);
  field(rq, f, F_TOKEN, "password", " autocomplete=\"new-password\" spellcheck=\"false\"", hint);
  snprintf(range, sizeof(range), " inputmode=\"numeric\" min=\"%d\" max=\"3600\"", f->fast ? 1 : 10);
  field(rq, f, F_INTERVAL, "number", range, "How often agent states are polled: 10 to 3600.");
  stream_fields(rq, f);
  test_row(rq, f, 0);
  wl_buf_puts(&rq->out, "</fieldset>\n");
}

static void section_hist(wl_req *rq, sform *f)
{
  char hint[400];
  wl_buf_puts(&rq->out, "<fieldset id=\"historical\"><legend>Historical contact volume data "
                        "collection</legend>");
  field(rq, f, F_HIST_BASE_URL, "text", " spellcheck=\"false\" placeholder=\"same as real-time\"",
        "Leave blank to use the real-time Base URL.");
  field(rq, f, F_HIST_TENANT, "text", " spellcheck=\"false\" placeholder=\"same as real-time\"",
        "Leave blank to use the real-time tenant.");
  token_hint(hint, sizeof(hint), f, 1);
  field(rq, f, F_HIST_TOKEN, "password", " autocomplete=\"new-password\" spellcheck=\"false\"",
        hint);
  test_row(rq, f, 1);
  wl_buf_puts(&rq->out, "</fieldset>\n");
}

static void section_center(wl_req *rq, sform *f)
{
  wl_buf *b = &rq->out;
  wl_buf_puts(b, "<fieldset id=\"center\"><legend>Contact center</legend>");
  field(rq, f, F_TIMEZONE, "text", " list=\"tz-list\" spellcheck=\"false\" autocomplete=\"off\"",
        "IANA zone: reports and 15-minute intervals use the contact center's local time.");
  wl_buf_puts(b, "<datalist id=\"tz-list\">");
  wl_buf_puts(b, rq->web->tz_options);
  wl_buf_puts(b, "</datalist>");
  wl_html(b, "<div class=\"field\"><label for=\"enabled\">Collect data</label><div>"
             "<input type=\"checkbox\" id=\"enabled\" name=\"enabled\" value=\"on\"%s> "
             "<label for=\"enabled\">enabled</label></div></div>",
          f->enabled ? " checked" : "");
  wl_buf_puts(b, "</fieldset>\n");
}

static void source_summary(wl_req *rq, sform *f)
{
  wl_health h;
  char ago[48];
  wl_health_get(&h, rq->app->st, &f->cur, wl_now());
  wl_fmt_ago(ago, sizeof(ago), h.rt_last_ok, h.now);
  wl_html(&rq->out, "<p class=\"sub\">Source <strong>%s</strong> · <span class=\"badge %s\">%s"
                    "</span> · last good real-time poll %s · <a href=\"/status?source=%s\">"
                    "collector status</a></p>",
          f->cur.name, h.css, h.state, ago, f->cur.name);
}

static int render(wl_req *rq, sform *f, const char *notice)
{
  wl_buf *b = &rq->out;
  wl_page_begin(rq, f->is_new ? "Add source" : f->cur.name);
  wl_buf_puts(b, "<h1>8x8 Adapter — Establish connections to data sources</h1>");
  if (f->is_new)
    wl_buf_puts(b, "<p class=\"sub\">A new source: one 8x8 tenant.</p>");
  else
    source_summary(rq, f);
  if (notice)
    wl_html(b, "<p class=\"notice ok\" role=\"status\">%s</p>", notice);
  if (f->nerr)
    wl_html(b, "<p class=\"notice bad\" role=\"alert\">Nothing was saved: %d field%s need%s "
               "attention (marked below).</p>", f->nerr, f->nerr == 1 ? "" : "s",
            f->nerr == 1 ? "s" : "");
  wl_html(b, "<form method=\"post\" action=\"%s%s\" id=\"adapter\" novalidate>",
          f->is_new ? "/sources/new" : "/source/", f->is_new ? "" : f->cur.name);
  wl_buf_puts(b, "<button type=\"submit\" name=\"action\" value=\"save\" class=\"default-submit\" "
                 "tabindex=\"-1\" aria-hidden=\"true\">Save</button>");
  wl_html_csrf(rq);
  if (f->is_new) {
    wl_buf_puts(b, "<fieldset id=\"source\"><legend>Source</legend>");
    field(rq, f, F_NAME, "text", " spellcheck=\"false\" autocapitalize=\"none\"",
          "Your name for this tenant: letters, digits, '-', '_' and '.'.");
    wl_buf_puts(b, "</fieldset>");
  }
  section_rt(rq, f);
  section_hist(rq, f);
  section_center(rq, f);
  wl_buf_puts(b, "<div class=\"actions\"><button type=\"submit\" name=\"action\" value=\"save\" "
                 "class=\"primary\" id=\"save\">Save</button><a href=\"/sources\">Cancel</a>"
                 "</div></form>");
  wl_page_end(rq);
  return 0;
}

/* ---- connection tests ---- */

/* The stored token of exactly this kind (no fallback), or NULL. */
static char *stored_token(wl_req *rq, const sform *f, enum wl_token_kind kind)
{
  char *tok = NULL;
  if (f->is_new || wl_source_token(&tok, rq->app, f->cur.id, kind) != 0)
    return NULL;
  return tok;
}

/* The real-time test covers the event stream when it is on (as saved: the
 * stored settings and token, so a typed stream host is never sent the
 * stored token; save first to test a changed one). */
static void stream_test(wl_app *app, const wl_source *src, wl_conntest_result *res)
{
  wl_conntest_result st;
  size_t n = strlen(res->message);
  wl_conntest_stream(&st, app, src);
  snprintf(res->message + n, sizeof(res->message) - n, "; event stream: %s%.400s",
           st.ok ? "" : "FAILED: ", st.message);
  res->ok = res->ok && st.ok;
}

/* One connection test, run off the request thread (async.c). */
typedef struct test_job {
  sform *f;
  int k;
  char url[sizeof(((wl_source *)0)->base_url)];
  const char *tenant, *tok;  /* into f and the request's form, which outlive the job */
  char *stored;              /* a stored token (wiped when done), or NULL */
  char who[64], name[sizeof(((wl_source *)0)->name)];
  wl_app *app;               /* the suspended request's connection, held until done */
  int stream;                /* also test the event stream (real-time, stream on) */
} test_job;

/* The values to test with, or (0 with res->message set) why nothing is
 * sent. Returns 1 when the job is ready to run. */
static int prepare_test(wl_req *rq, sform *f, int k, test_job *job)
{
  wl_source s = f->cur;
  wl_conntest_result *res = &f->test[k];
  const char *url, *tenant;
  int may_use_stored, has_stored;
  f->tested[k] = 1;
  if (!k) {
    check_rt(f, &s);
  } else { /* the real-time values matter only where the historical ones are blank */
    check_hist(f, &s);
    if (!f->v[F_HIST_BASE_URL][0])
      check_url(f, F_BASE_URL, s.base_url, sizeof(s.base_url), 0);
    if (!f->v[F_HIST_TENANT][0])
      check_tenant(f, F_TENANT, 0);
    check_token(f, F_TOKEN, f->tok[0]);
  }
  memset(res, 0, sizeof(*res));
  if (f->nerr) {
    snprintf(res->message, sizeof(res->message), "fix the marked fields first");
    return 0;
  }
  url = k && f->v[F_HIST_BASE_URL][0] ? s.hist_base_url : s.base_url;
  tenant = k && f->v[F_HIST_TENANT][0] ? f->v[F_HIST_TENANT] : f->v[F_TENANT];
  /* the token the collector would use: typed over stored, historical over
   * real-time; a stored one only where it is stored for */
  may_use_stored = !f->is_new && same_place(url, tenant, k ? f->cur.hist_base_url : f->cur.base_url,
                                            k ? f->cur.hist_tenant : f->cur.tenant);
  has_stored = !f->is_new && (f->cur.has_token || (k && f->cur.has_hist_token));
  job->tok = f->tok[k];
  if (!job->tok && k && may_use_stored)
    job->tok = job->stored = stored_token(rq, f, WL_TOKEN_HIST);
  if (!job->tok)
    job->tok = f->tok[0];
  if (!job->tok && may_use_stored)
    job->tok = job->stored = stored_token(rq, f, WL_TOKEN_RT);
  if (!job->tok) {
    snprintf(res->message, sizeof(res->message), "%s",
             has_stored && !may_use_stored ? TOKEN_MOVED : "no token: type the data request token");
    f->nerr++;
    snprintf(f->err[k ? F_HIST_TOKEN : F_TOKEN], sizeof(f->err[0]), "%s",
             has_stored && !may_use_stored ? TOKEN_MOVED : "type a token to test");
    return 0;
  }
  job->f = f;
  job->k = k;
  job->app = rq->app;
  job->stream = !k && !f->is_new && wl_source_setting_bool(rq->app->st, &f->cur, "stream");
  snprintf(job->url, sizeof(job->url), "%s", url);
  job->tenant = tenant;
  snprintf(job->who, sizeof(job->who), "%s", rq->user);
  snprintf(job->name, sizeof(job->name), "%s", f->is_new ? "" : f->cur.name);
  return 1;
}

static void test_work(void *ctx)
{
  test_job *job = ctx;
  wl_conntest_values(&job->f->test[job->k], "8x8", job->url, job->tenant, job->tok,
                     job->k ? WL_TOKEN_HIST : WL_TOKEN_RT);
  wl_secret_free(job->stored);
  job->stored = NULL;
  if (job->stream)
    stream_test(job->app, &job->f->cur, &job->f->test[job->k]);
}

static int test_answer(wl_req *rq, sform *f, int k);

/* Answers the request once its test is done (rq NULL: only frees). */
static int test_done(wl_req *rq, void *ctx)
{
  test_job *job = ctx;
  sform *f = job->f;
  int rc = 0;
  if (rq) {
    const wl_conntest_result *res = &f->test[job->k];
    wl_info(job->name[0] ? job->name : NULL, "web: %s connection test by '%s': %s (HTTP %ld)",
            job->k ? "historical" : "real-time", job->who, res->ok ? "ok" : "failed",
            res->http_status);
    rc = test_answer(rq, f, job->k);
  }
  wl_secret_free(job->stored);
  free(job);
  free(f);
  return rc;
}

/* Starts the test off the request thread, or answers now: a refusal, or
 * "busy" (503) when WL_WEB_BG tests are running. 1: f now belongs to the
 * job. */
static int run_test(wl_req *rq, sform *f, int k, int *rc)
{
  test_job *job = calloc(1, sizeof(*job));
  *rc = 0;
  if (!job)
    return *rc = wl_err(WL_ENOMEM, "out of memory"), 0;
  if (prepare_test(rq, f, k, job) &&
      wl_req_background(rq, test_work, test_done, job) == 0)
    return 1;
  if (job->f) { /* ready, but no room: say so */
    snprintf(f->test[k].message, sizeof(f->test[k].message), "%s", wl_errmsg());
    rq->status = MHD_HTTP_SERVICE_UNAVAILABLE;
    snprintf(rq->retry_after, sizeof(rq->retry_after), "5");
  }
  wl_secret_free(job->stored);
  free(job);
  *rc = test_answer(rq, f, k);
  return 0;
}

static int test_json(wl_req *rq, sform *f, int k)
{
  json_t *errs = json_object(), *j;
  char *txt;
  for (int i = 0; i < F_COUNT; i++)
    if (f->err[i][0])
      json_object_set_new(errs, fname[i], json_string(f->err[i]));
  j = json_pack("{s:b,s:i,s:s,s:o}", "ok", f->test[k].ok, "http_status",
                (int)f->test[k].http_status, "message", f->test[k].message, "errors", errs);
  txt = j ? json_dumps(j, JSON_COMPACT) : NULL;
  json_decref(j);
  if (!txt)
    return wl_err(WL_ENOMEM, "out of memory");
  rq->ctype = "application/json";
  wl_buf_puts(&rq->out, txt);
  free(txt);
  return 0;
}

/* ---- save ---- */

static int write_source(wl_req *rq, sform *f, wl_source *s)
{
  /* the stream settings only when they change: a save leaves no rows
   * behind that `source set` did not write */
  wl_source_extras ex = {.token = f->tok[0], .hist_token = f->tok[1]};
  if (f->stream != f->cur_stream)
    ex.stream = f->stream ? "on" : "off";
  if (strcmp(f->stream_host, f->cur_stream_host) != 0)
    ex.stream_host = f->stream_host;
  s->updated_at = wl_now(); /* the collectors reload a source whose updated_at changed */
  if (!f->is_new)
    return wl_source_update(rq->app, s, &ex);
  s->created_at = s->updated_at;
  return wl_source_create(rq->app, s, &ex);
}

static int save(wl_req *rq, sform *f)
{
  wl_source s;
  char loc[160];
  int rc;
  validate(f, &s);
  if (f->nerr) {
    rq->status = MHD_HTTP_BAD_REQUEST;
    return render(rq, f, NULL);
  }
  rc = write_source(rq, f, &s);
  if (rc == WL_EEXISTS) {
    wl_err(WL_EUSAGE, "a source named '%s' already exists", s.name);
    field_err(f, F_NAME);
    rq->status = MHD_HTTP_CONFLICT;
    return render(rq, f, NULL);
  }
  if (rc)
    return rc;
  wl_info(s.name, "web: %s by '%s'%s%s", f->is_new ? "added" : "saved", rq->user,
          f->tok[0] ? " (new real-time token)" : "", f->tok[1] ? " (new historical token)" : "");
  snprintf(loc, sizeof(loc), "/source/%s?%s=1", s.name, f->is_new ? "created" : "saved");
  return wl_redirect(rq, loc);
}

/* *owned: f was handed to a connection test (the caller must not free it). */
static int handle_post(wl_req *rq, sform *f, int *owned)
{
  const char *action = wl_form_get(&rq->form, "action");
  int k, rc;
  *owned = 0;
  from_post(f, rq);
  if (!action || strcmp(action, "save") == 0)
    return save(rq, f);
  if (strcmp(action, "test-rt") && strcmp(action, "test-hist"))
    return wl_error_page(rq, MHD_HTTP_BAD_REQUEST, "Bad request", "Unknown action.");
  k = strcmp(action, "test-hist") == 0;
  if (run_test(rq, f, k, &rc))
    *owned = 1; /* answered by test_done */
  return rc;
}

static int test_answer(wl_req *rq, sform *f, int k)
{
  if (wl_req_wants_json(rq))
    return test_json(rq, f, k);
  return render(rq, f, NULL);
}

/* ---- handlers ---- */

static int load_existing(wl_req *rq, sform *f)
{
  int rc;
  memset(f, 0, sizeof(*f));
  rc = wl_source_get(rq->app->st, &f->cur, rq->arg);
  if (rc == WL_ENOTFOUND)
    return wl_error_page(rq, MHD_HTTP_NOT_FOUND, "No such source",
                         "There is no source with this name; it may have been removed."),
           rc;
  if (rc)
    return rc;
  f->fast = wl_source_setting_bool(rq->app->st, &f->cur, "allow-fast-poll");
  from_source(f, &f->cur);
  f->stream = f->cur_stream = wl_source_setting_bool(rq->app->st, &f->cur, "stream");
  if (wl_setting_get(f->cur_stream_host, sizeof(f->cur_stream_host), rq->app->st, f->cur.id,
                     "stream-host") != 0)
    f->cur_stream_host[0] = '\0';
  snprintf(f->v[F_STREAM_HOST], sizeof(f->v[0]), "%s", f->cur_stream_host);
  if (wl_stream_host(f->stream_was, sizeof(f->stream_was), rq->app->st, &f->cur) != 0)
    f->stream_was[0] = '\0';
  if (wl_stream_host_for(f->stream_home, sizeof(f->stream_home), &f->cur, NULL) != 0)
    f->stream_home[0] = '\0';
  return 0;
}

int wl_page_source_new(wl_req *rq)
{
  sform *f = malloc(sizeof(*f));
  int rc;
  if (!f)
    return wl_err(WL_ENOMEM, "out of memory");
  form_new(f);
  rc = render(rq, f, NULL);
  free(f);
  return rc;
}

int wl_page_source_create(wl_req *rq)
{
  sform *f = malloc(sizeof(*f));
  int rc, owned;
  if (!f)
    return wl_err(WL_ENOMEM, "out of memory");
  form_new(f);
  rc = handle_post(rq, f, &owned);
  if (!owned)
    free(f);
  return rc;
}

int wl_page_source_edit(wl_req *rq)
{
  sform *f = malloc(sizeof(*f));
  const char *notice = NULL;
  int rc;
  if (!f)
    return wl_err(WL_ENOMEM, "out of memory");
  if ((rc = load_existing(rq, f)) == 0) {
    if (wl_req_query(rq, "created"))
      notice = "Source added. The collectors start on it within a minute.";
    else if (wl_req_query(rq, "saved"))
      notice = "Saved. Running collectors use the new settings within a minute.";
    rc = render(rq, f, notice);
  }
  free(f);
  return rc == WL_ENOTFOUND ? 0 : rc;
}

int wl_page_source_save(wl_req *rq)
{
  sform *f = malloc(sizeof(*f));
  int rc;
  if (!f)
    return wl_err(WL_ENOMEM, "out of memory");
  int owned = 0;
  if ((rc = load_existing(rq, f)) == 0)
    rc = handle_post(rq, f, &owned);
  if (!owned)
    free(f);
  return rc == WL_ENOTFOUND && rq->status ? 0 : rc;
}
