/*
 * The adapter page and the sources list, over loopback, against the
 * in-process 8x8 emulator: add with validation errors beside the fields,
 * edit with a blank token keeping the stored one, "Test connection" (pass,
 * and a wrong token's 401 explained), enable / disable / remove, the status
 * page, escaped output, and no token in any response. A stored token goes
 * only to the base URL and tenant it is stored for: never to a typed host.
 * The event stream's fields (stream, stream-host): shown as stored, checked
 * as `source set` checks them, saved with the source or not at all.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_web_common.h"
#include "core/settings.h"
#include "core/sources.h"
#include "core/stream.h"
#include "emu/emu.h"
#include "util/secret.h"

#define TOKEN_A "tok-A-7f3e9c1d-never-shown"
#define TOKEN_B "tok-B-0b8a44e2-never-shown"

typedef struct sfx {
  wfx *w;
  wl_emu *emu;
  char base[200];     /* the emulator's API root, form-encoded */
  char etoken[100];   /* the emulator's token */
} sfx;

static int setup(void **state)
{
  sfx *s = calloc(1, sizeof(*s));
  wl_emu_config cfg;
  assert_non_null(s);
  s->w = wfx_new(0);
  wl_emu_config_init(&cfg);
  cfg.quiet = 1;
  if (wl_emu_start(&s->emu, &cfg) != 0)
    fail_msg("emulator: %s", wl_errmsg());
  wfx_esc(s->base, sizeof(s->base), wl_emu_base_url(s->emu));
  snprintf(s->etoken, sizeof(s->etoken), "%s", wl_emu_tenant_token(s->emu, 1));
  wfx_login(s->w);
  *state = s;
  return 0;
}

static int teardown(void **state)
{
  sfx *s = *state;
  wfx *f = s->w;
  /* no test token ever reached a response */
  assert_null(strstr(f->seen.ptr, TOKEN_A));
  assert_null(strstr(f->seen.ptr, TOKEN_B));
  assert_null(strstr(f->seen.ptr, s->etoken));
  wfx_free(f);
  wl_emu_stop(s->emu);
  free(s);
  return 0;
}

/* The text of the error element beside a field. */
static void field_error(wfx *f, const char *field, char *out, size_t n)
{
  char open[100];
  const char *p, *e;
  snprintf(open, sizeof(open), "id=\"err-%s\" data-field=\"%s\" role=\"alert\">", field, field);
  p = strstr(wfx_body(f), open);
  out[0] = '\0';
  if (!p)
    fail_msg("no error element for %s", field);
  p += strlen(open);
  e = strstr(p, "</div>");
  snprintf(out, n, "%.*s", (int)(e - p), p);
}

static void add_form(char *out, size_t n, wfx *f, const char *name, const char *base,
                     const char *tenant, const char *token, const char *interval, const char *tz)
{
  char t[200];
  wfx_esc(t, sizeof(t), tenant);
  snprintf(out, n, "csrf=%s&action=save&name=%s&base_url=%s&tenant=%s&token=%s&interval=%s"
                   "&hist_base_url=&hist_tenant=&hist_token=&timezone=%s&enabled=on",
           f->csrf, name, base, t, token, interval, tz);
}

static int count_source(void *payload, const wl_source *src)
{
  (void)src;
  (*(int *)payload)++;
  return 0;
}

static void test_validation_errors(void **state)
{
  sfx *s = *state;
  wfx *f = s->w;
  char body[2000], e[600];
  int n = 0;
  add_form(body, sizeof(body), f, "", "ftp%3A%2F%2Fx", "a:b", "", "5", "Mars%2FOlympus");
  assert_int_equal(wfx_post(f, "/sources/new", body), 400);
  assert_true(wfx_has(f, "Nothing was saved: 6 fields need attention (marked below)."));
  field_error(f, "name", e, sizeof(e));
  assert_string_equal(e, "a source name has 1 to 63 characters");
  field_error(f, "base_url", e, sizeof(e));
  assert_string_equal(e, "&#39;ftp://x&#39; must start with https:// (example: "
                         "https://vcc-na10.8x8.com/api/)");
  field_error(f, "tenant", e, sizeof(e));
  assert_string_equal(e, "&#39;a:b&#39; contains &#39;:&#39;, which 8x8 tenant names cannot hold");
  field_error(f, "token", e, sizeof(e));
  assert_string_equal(e, "required for a new source: the data request token from 8x8");
  field_error(f, "interval", e, sizeof(e));
  assert_string_equal(e, "5 is outside 10..3600 seconds (below 10 only with --allow-fast-poll)");
  field_error(f, "timezone", e, sizeof(e));
  assert_string_equal(e, "&#39;Mars/Olympus&#39; is not an IANA time zone (e.g. "
                         "America/New_York, UTC)");
  field_error(f, "hist_base_url", e, sizeof(e));
  assert_string_equal(e, "");
  /* the other values are kept */
  assert_true(wfx_has(f, "name=\"base_url\" value=\"ftp://x\""));
  assert_true(wfx_has(f, "name=\"tenant\" value=\"a:b\""));
  assert_true(wfx_has(f, "name=\"interval\" value=\"5\""));
  assert_true(wfx_has(f, "name=\"timezone\" value=\"Mars/Olympus\""));
  assert_true(wfx_has(f, "<h1>8x8 Adapter — Establish connections to data sources</h1>"));
  assert_int_equal(wl_store_source_list(f->app->st, count_source, &n), 0);
  assert_int_equal(n, 0); /* nothing was stored */
}

static void test_add_edit_keeps_token(void **state)
{
  sfx *s = *state;
  wfx *f = s->w;
  char body[2000], loc[200], *tok = NULL;
  wl_source src;
  int64_t changed;
  add_form(body, sizeof(body), f, "acme", s->base, "demo", TOKEN_A, "10", "America%2FNew_York");
  assert_int_equal(wfx_post(f, "/sources/new", body), 303);
  assert_string_equal(wfx_header(f, "Location", loc, sizeof(loc)), "/source/acme?created=1");
  assert_int_equal(wl_store_source_get(f->app->st, &src, "acme"), 0);
  assert_string_equal(src.base_url, wl_emu_base_url(s->emu));
  assert_string_equal(src.hist_base_url, wl_emu_base_url(s->emu));
  assert_string_equal(src.tenant, "demo");
  assert_string_equal(src.hist_tenant, "demo");
  assert_string_equal(src.timezone, "America/New_York");
  assert_int_equal(src.interval_s, 10);
  assert_int_equal(src.enabled, 1);
  assert_true(src.updated_at == 1730000000 && src.token_changed_at == 1730000000);
  assert_int_equal(wl_token_load(&tok, f->app, &src, WL_TOKEN_RT), 0);
  assert_string_equal(tok, TOKEN_A);
  wl_token_free(tok);
  /* the page says a token is set, and when; the field is empty */
  assert_int_equal(wfx_get(f, "/source/acme?created=1"), 200);
  assert_true(wfx_has(f, "Source added. The collectors start on it within a minute."));
  assert_true(wfx_has(f, "A token is set (changed 2024-10-27 03:33:20 UTC). Leave blank to keep it."));
  assert_true(wfx_has(f, "name=\"token\" value=\"\""));
  assert_true(wfx_has(f, "No separate token: the real-time token is used."));
  /* edit with a blank token: the token stays, updated_at moves */
  changed = src.token_changed_at;
  fake_clock += 100;
  wfx_csrf(f);
  snprintf(body, sizeof(body), "csrf=%s&action=save&base_url=%s&tenant=demo&token=&interval=30"
                               "&hist_base_url=&hist_tenant=&hist_token=%s&timezone=UTC&enabled=on",
           f->csrf, s->base, TOKEN_B);
  assert_int_equal(wfx_post(f, "/source/acme", body), 303);
  assert_string_equal(wfx_header(f, "Location", loc, sizeof(loc)), "/source/acme?saved=1");
  assert_int_equal(wl_store_source_get(f->app->st, &src, "acme"), 0);
  assert_int_equal(src.interval_s, 30);
  assert_string_equal(src.timezone, "UTC");
  assert_true(src.token_changed_at == changed);
  assert_true(src.updated_at == 1730000100);
  assert_int_equal(src.has_hist_token, 1);
  assert_int_equal(wl_token_load(&tok, f->app, &src, WL_TOKEN_RT), 0);
  assert_string_equal(tok, TOKEN_A);
  wl_token_free(tok);
  assert_int_equal(wl_token_load(&tok, f->app, &src, WL_TOKEN_HIST), 0);
  assert_string_equal(tok, TOKEN_B);
  wl_token_free(tok);
  assert_int_equal(wfx_get(f, "/source/acme?saved=1"), 200);
  assert_true(wfx_has(f, "Saved. Running collectors use the new settings within a minute."));
}

static void add_acme(sfx *s, const char *token)
{
  char body[2000];
  add_form(body, sizeof(body), s->w, "acme", s->base, "demo", token, "10", "UTC");
  assert_int_equal(wfx_post(s->w, "/sources/new", body), 303);
  assert_int_equal(wfx_get(s->w, "/source/acme"), 200);
  wfx_csrf(s->w);
}

static void test_edit_error_keeps_values(void **state)
{
  sfx *s = *state;
  wfx *f = s->w;
  char body[2000], e[300];
  wl_source src;
  add_acme(s, TOKEN_A);
  snprintf(body, sizeof(body), "csrf=%s&action=save&base_url=%s&tenant=other&token=%s&interval=abc"
                               "&hist_base_url=&hist_tenant=&hist_token=&timezone=UTC",
           f->csrf, s->base, TOKEN_B);
  assert_int_equal(wfx_post(f, "/source/acme", body), 400);
  field_error(f, "interval", e, sizeof(e));
  assert_string_equal(e, "&#39;abc&#39; is not a whole number of seconds");
  assert_true(wfx_has(f, "name=\"tenant\" value=\"other\""));
  assert_true(wfx_has(f, "The token you typed was not saved and is not shown again: type it again."));
  assert_true(wfx_has(f, "Nothing was saved: 1 field needs attention"));
  assert_int_equal(wl_store_source_get(f->app->st, &src, "acme"), 0);
  assert_string_equal(src.tenant, "demo");
  assert_int_equal(src.enabled, 1);
  /* a name that exists */
  wfx_get(f, "/sources/new");
  wfx_csrf(f);
  add_form(body, sizeof(body), f, "acme", s->base, "demo", TOKEN_A, "10", "UTC");
  assert_int_equal(wfx_post(f, "/sources/new", body), 409);
  field_error(f, "name", e, sizeof(e));
  assert_string_equal(e, "a source named &#39;acme&#39; already exists");
}

static void test_connection_json(void **state)
{
  sfx *s = *state;
  wfx *f = s->w;
  char body[2000];
  const char *json = "Accept: application/json";
  const char *ct = "application/x-www-form-urlencoded";
  /* typed values, not saved yet */
  snprintf(body, sizeof(body), "csrf=%s&action=test-rt&name=new1&base_url=%s&tenant=demo&token=%s"
                               "&interval=10&timezone=UTC", f->csrf, s->base, s->etoken);
  assert_int_equal(wfx_req(f, "POST", "/sources/new", body, ct, json), 200);
  assert_string_equal(wfx_body(f), "{\"ok\":true,\"http_status\":200,\"message\":\"connected; "
                                   "20 agents\",\"errors\":{}}");
  snprintf(body, sizeof(body), "csrf=%s&action=test-hist&base_url=%s&tenant=demo&token=%s",
           f->csrf, s->base, s->etoken);
  assert_int_equal(wfx_req(f, "POST", "/sources/new", body, ct, json), 200);
  assert_string_equal(wfx_body(f), "{\"ok\":true,\"http_status\":200,\"message\":\"connected; "
                                   "4 queues\",\"errors\":{}}");
  /* a wrong token: 401 explained */
  snprintf(body, sizeof(body), "csrf=%s&action=test-rt&base_url=%s&tenant=demo&token=%s",
           f->csrf, s->base, TOKEN_A);
  assert_int_equal(wfx_req(f, "POST", "/sources/new", body, ct, json), 200);
  assert_true(wfx_has(f, "\"ok\":false,\"http_status\":401,\"message\":\"authentication failed "
                         "(401) at "));
  /* a bad field is named, and nothing is sent */
  snprintf(body, sizeof(body), "csrf=%s&action=test-rt&base_url=nope&tenant=demo&token=x", f->csrf);
  assert_int_equal(wfx_req(f, "POST", "/sources/new", body, ct, json), 200);
  assert_string_equal(wfx_body(f), "{\"ok\":false,\"http_status\":0,\"message\":\"fix the marked "
                                   "fields first\",\"errors\":{\"base_url\":\"'nope' must start "
                                   "with https:// (example: https://vcc-na10.8x8.com/api/)\"}}");
}

/* A saved source tests with its stored token when the field is blank, and
 * the page (without JavaScript) shows the result beside the button. */
static void test_connection_stored_token_html(void **state)
{
  sfx *s = *state;
  wfx *f = s->w;
  char body[2000];
  add_acme(s, s->etoken);
  snprintf(body, sizeof(body), "csrf=%s&action=test-rt&base_url=%s&tenant=demo&token=&interval=10"
                               "&timezone=UTC&enabled=on", f->csrf, s->base);
  assert_int_equal(wfx_post(f, "/source/acme", body), 200);
  assert_true(wfx_has(f, "<output id=\"result-rt\" class=\"result ok\" aria-live=\"polite\">"
                         "Connection OK: connected; 20 agents</output>"));
  snprintf(body, sizeof(body), "csrf=%s&action=test-hist&base_url=%s&tenant=demo&token=&"
                               "hist_token=%s&interval=10&timezone=UTC", f->csrf, s->base, TOKEN_B);
  assert_int_equal(wfx_post(f, "/source/acme", body), 200);
  assert_true(wfx_has(f, "<output id=\"result-hist\" class=\"result bad\" aria-live=\"polite\">"
                         "Connection failed: authentication failed (401) at "));
  /* testing saves nothing */
  {
    wl_source src;
    assert_int_equal(wl_store_source_get(f->app->st, &src, "acme"), 0);
    assert_int_equal(src.has_hist_token, 0);
  }
}

#define MOVED "Type the token: the base URL or tenant changed, so the stored token is not sent " \
              "there"

/* A test with a blank token field, as JSON: {"ok":false,...} with the
 * error beside field. */
static void test_refused(sfx *s, const char *body, const char *field)
{
  char want[400];
  assert_int_equal(wfx_req(s->w, "POST", "/source/acme", body, "application/x-www-form-urlencoded",
                           "Accept: application/json"), 200);
  snprintf(want, sizeof(want), "{\"ok\":false,\"http_status\":0,\"message\":\"" MOVED "\","
                               "\"errors\":{\"%s\":\"" MOVED "\"}}", field);
  assert_string_equal(wfx_body(s->w), want);
}

/* The stored token is sent only where it is stored for: a typed base URL
 * or tenant that differs needs the token typed, for a test and for a save.
 * A listener on 127.0.0.1 stands for a host of the web user's choosing. */
static void test_stored_token_stays_home(void **state)
{
  sfx *s = *state;
  wfx *f = s->w;
  wfx_cap cap;
  char body[2000], evil[200], e[300], *tok = NULL;
  wl_source src;
  wfx_cap_start(&cap);
  snprintf(evil, sizeof(evil), "http%%3A%%2F%%2F127.0.0.1%%3A%u%%2Fapi%%2F", (unsigned)cap.port);
  add_acme(s, s->etoken);
  /* real-time test: another host, or another tenant */
  snprintf(body, sizeof(body), "csrf=%s&action=test-rt&base_url=%s&tenant=demo&token=", f->csrf,
           evil);
  test_refused(s, body, "token");
  snprintf(body, sizeof(body), "csrf=%s&action=test-rt&base_url=%s&tenant=other&token=", f->csrf,
           s->base);
  test_refused(s, body, "token");
  /* historical test: its own fields, or the real-time ones it follows */
  snprintf(body, sizeof(body), "csrf=%s&action=test-hist&base_url=%s&tenant=demo&token="
                               "&hist_base_url=%s&hist_tenant=&hist_token=", f->csrf, s->base, evil);
  test_refused(s, body, "hist_token");
  snprintf(body, sizeof(body), "csrf=%s&action=test-hist&base_url=%s&tenant=demo&token="
                               "&hist_base_url=&hist_tenant=&hist_token=", f->csrf, evil);
  test_refused(s, body, "hist_token");
  /* the page without JavaScript: the message beside the token field */
  snprintf(body, sizeof(body), "csrf=%s&action=test-rt&base_url=%s&tenant=demo&token=&interval=10"
                               "&timezone=UTC", f->csrf, evil);
  assert_int_equal(wfx_post(f, "/source/acme", body), 200);
  field_error(f, "token", e, sizeof(e));
  assert_string_equal(e, MOVED);
  /* the same place still tests with the stored token */
  snprintf(body, sizeof(body), "csrf=%s&action=test-hist&base_url=%s&tenant=demo&token="
                               "&hist_base_url=&hist_tenant=&hist_token=", f->csrf, s->base);
  assert_int_equal(wfx_req(f, "POST", "/source/acme", body, "application/x-www-form-urlencoded",
                           "Accept: application/json"), 200);
  assert_string_equal(wfx_body(f), "{\"ok\":true,\"http_status\":200,\"message\":\"connected; "
                                   "4 queues\",\"errors\":{}}");
  /* save: refused beside the token field, the other values kept */
  snprintf(body, sizeof(body), "csrf=%s&action=save&base_url=%s&tenant=demo&token=&interval=30"
                               "&hist_base_url=&hist_tenant=&hist_token=&timezone=UTC&enabled=on",
           f->csrf, evil);
  assert_int_equal(wfx_post(f, "/source/acme", body), 400);
  field_error(f, "token", e, sizeof(e));
  assert_string_equal(e, MOVED);
  assert_true(wfx_has(f, "Nothing was saved: 1 field needs attention"));
  assert_true(wfx_has(f, "name=\"interval\" value=\"30\""));
  {
    char v[200];
    snprintf(v, sizeof(v), "name=\"base_url\" value=\"http://127.0.0.1:%u/api/\"", (unsigned)cap.port);
    assert_true(wfx_has(f, v));
  }
  snprintf(body, sizeof(body), "csrf=%s&action=save&base_url=%s&tenant=demo&token=&interval=10"
                               "&hist_base_url=&hist_tenant=evil&hist_token=&timezone=UTC&enabled=on",
           f->csrf, s->base);
  assert_int_equal(wfx_post(f, "/source/acme", body), 400); /* the real-time token would go */
  field_error(f, "token", e, sizeof(e));
  assert_string_equal(e, MOVED);
  assert_int_equal(wl_store_source_get(f->app->st, &src, "acme"), 0);
  assert_string_equal(src.base_url, wl_emu_base_url(s->emu));
  assert_string_equal(src.hist_tenant, "demo");
  assert_int_equal(src.interval_s, 10);
  /* with a historical token of its own, that one is asked for */
  snprintf(body, sizeof(body), "csrf=%s&action=save&base_url=%s&tenant=demo&token=&interval=10"
                               "&hist_base_url=&hist_tenant=&hist_token=%s&timezone=UTC&enabled=on",
           f->csrf, s->base, TOKEN_B);
  assert_int_equal(wfx_post(f, "/source/acme", body), 303);
  wfx_get(f, "/source/acme");
  wfx_csrf(f);
  snprintf(body, sizeof(body), "csrf=%s&action=save&base_url=%s&tenant=demo&token=%s&interval=10"
                               "&hist_base_url=%s&hist_tenant=&hist_token=&timezone=UTC&enabled=on",
           f->csrf, s->base, TOKEN_A, evil);
  assert_int_equal(wfx_post(f, "/source/acme", body), 400);
  field_error(f, "hist_token", e, sizeof(e));
  assert_string_equal(e, MOVED);
  field_error(f, "token", e, sizeof(e));
  assert_string_equal(e, "");
  /* typed tokens may go anywhere: they are the web user's own */
  snprintf(body, sizeof(body), "csrf=%s&action=test-rt&base_url=%s&tenant=demo&token=%s", f->csrf,
           evil, TOKEN_A);
  assert_int_equal(wfx_req(f, "POST", "/source/acme", body, "application/x-www-form-urlencoded",
                           "Accept: application/json"), 200);
  assert_true(wfx_has(f, "\"ok\":false,\"http_status\":401"));
  snprintf(body, sizeof(body), "csrf=%s&action=save&base_url=%s&tenant=demo&token=%s&interval=10"
                               "&hist_base_url=&hist_tenant=&hist_token=%s&timezone=UTC&enabled=on",
           f->csrf, evil, TOKEN_A, TOKEN_B);
  assert_int_equal(wfx_post(f, "/source/acme", body), 303);
  assert_int_equal(wl_store_source_get(f->app->st, &src, "acme"), 0);
  assert_int_equal(wl_token_load(&tok, f->app, &src, WL_TOKEN_RT), 0);
  assert_string_equal(tok, TOKEN_A);
  wl_token_free(tok);
  wfx_cap_stop(&cap); /* joins the listener: every request is in */
  /* the listener got the typed token once, and never the stored one */
  assert_int_equal(cap.requests, 1);
  assert_true(wfx_cap_saw(&cap, TOKEN_A));
  assert_false(wfx_cap_saw(&cap, s->etoken));
  wfx_cap_free(&cap);
}

static void test_escaped_output(void **state)
{
  sfx *s = *state;
  wfx *f = s->w;
  char body[2000];
  add_form(body, sizeof(body), f, "x1", s->base, "<script>alert(1)</script>", TOKEN_A, "10", "UTC");
  assert_int_equal(wfx_post(f, "/sources/new", body), 303);
  assert_int_equal(wfx_get(f, "/sources"), 200);
  assert_true(wfx_has(f, "<td class=\"nowrap\">&lt;script&gt;alert(1)&lt;/script&gt;</td>"));
  assert_false(wfx_has(f, "<script>alert"));
  assert_int_equal(wfx_get(f, "/source/x1"), 200);
  assert_true(wfx_has(f, "value=\"&lt;script&gt;alert(1)&lt;/script&gt;\""));
  assert_false(wfx_has(f, "<script>alert"));
  /* an error message that quotes the input */
  wfx_csrf(f);
  snprintf(body, sizeof(body), "csrf=%s&action=save&base_url=%%22%%3E%%3Cscript%%3Ex&tenant=a"
                               "&interval=10&timezone=UTC", f->csrf);
  assert_int_equal(wfx_post(f, "/source/x1", body), 400);
  assert_false(wfx_has(f, "<script>x"));
  assert_true(wfx_has(f, "&#39;&quot;&gt;&lt;script&gt;x&#39; must start with https://"));
  /* the API too */
  assert_int_equal(wfx_get(f, "/api/v1/sources/x1"), 200);
  assert_true(wfx_has(f, "\"tenant\": \"<script>alert(1)</script>\""));
  {
    char ct[100];
    assert_string_equal(wfx_header(f, "Content-Type", ct, sizeof(ct)), "application/json");
  }
}

static void test_enable_disable_remove(void **state)
{
  sfx *s = *state;
  wfx *f = s->w;
  char body[200], loc[200];
  wl_source src;
  add_acme(s, TOKEN_A);
  fake_clock += 50;
  snprintf(body, sizeof(body), "csrf=%s", f->csrf);
  assert_int_equal(wfx_post(f, "/source/acme/disable", body), 303);
  assert_int_equal(wl_store_source_get(f->app->st, &src, "acme"), 0);
  assert_int_equal(src.enabled, 0);
  assert_true(src.updated_at == 1730000050);
  assert_int_equal(wfx_get(f, "/sources"), 200);
  assert_true(wfx_has(f, "<span class=\"badge off\">disabled</span>"));
  assert_true(wfx_has(f, "action=\"/source/acme/enable\""));
  assert_int_equal(wfx_post(f, "/source/acme/enable", body), 303);
  assert_int_equal(wl_store_source_get(f->app->st, &src, "acme"), 0);
  assert_int_equal(src.enabled, 1);
  assert_int_equal(wfx_get(f, "/source/acme/remove"), 200);
  assert_true(wfx_has(f, "<h1>Remove source acme?</h1>"));
  assert_int_equal(wfx_post(f, "/source/acme/remove", body), 303);
  assert_string_equal(wfx_header(f, "Location", loc, sizeof(loc)), "/sources?removed=acme");
  assert_int_equal(wl_store_source_get(f->app->st, &src, "acme"), WL_ENOTFOUND);
  assert_int_equal(wfx_get(f, "/source/acme"), 404);
  assert_int_equal(wfx_post(f, "/source/acme/remove", body), 404);
}

static int64_t add_run(wfx *f, int64_t sid, const char *kind, int64_t from, int64_t to,
                       int64_t started, const char *outcome, int64_t rows, int http,
                       const char *err)
{
  int64_t id;
  wl_store *st = f->app->st;
  assert_int_equal(wl_store_run_begin(st, &id, sid, kind, from, to, started), 0);
  if (strcmp(outcome, "running") != 0)
    assert_int_equal(wl_store_run_end(st, id, started + 2, outcome, 1, rows, http, err), 0);
  return id;
}

static void test_health_and_status(void **state)
{
  sfx *s = *state;
  wfx *f = s->w;
  wl_source src;
  wl_store *st = f->app->st;
  char v[32];
  int64_t now = fake_clock;
  add_acme(s, TOKEN_A);
  assert_int_equal(wl_store_source_get(st, &src, "acme"), 0);
  assert_int_equal(wfx_get(f, "/sources"), 200);
  assert_true(wfx_has(f, "<span class=\"badge off\">waiting</span>"));
  /* a good poll and a good historical pull: healthy */
  snprintf(v, sizeof(v), "%lld", (long long)(now - 5));
  wl_store_setting_set(st, src.id, "rt-last-ok", v);
  snprintf(v, sizeof(v), "%lld", (long long)(now - 8100 - 900));
  wl_store_setting_set(st, src.id, "hist-watermark", v);
  add_run(f, src.id, "historical", now - 9000, now - 900, now - 60, "ok", 48, 200, "");
  add_run(f, src.id, "realtime", 0, 0, now - 5, "ok", 3, 200, "");
  assert_int_equal(wfx_get(f, "/sources"), 200);
  assert_true(wfx_has(f, "<td><span class=\"badge ok\">healthy</span></td><td title=\"2024-10-27 "
                         "03:33:15\">5 s ago</td><td>2024-10-27 01:03:20 <span class=\"muted\">UTC"
                         "</span></td><td class=\"muted\">none</td>"));
  /* a failing poll: failing, with its error */
  add_run(f, src.id, "realtime", 0, 0, now - 2, "error", 0, 401,
          "authentication failed (401) at 127.0.0.1: <check> the token");
  assert_int_equal(wfx_get(f, "/sources"), 200);
  assert_true(wfx_has(f, "<span class=\"badge bad\">failing</span>"));
  assert_true(wfx_has(f, "<td class=\"err\">authentication failed (401) at 127.0.0.1: &lt;check&gt; "
                         "the token (realtime, 0 s ago)</td>"));
  /* the status page: a card per source and the runs, newest first */
  add_run(f, src.id, "backfill", now - 86400, now - 64800, now - 1, "running", 0, 0, "");
  assert_int_equal(wfx_get(f, "/status"), 200);
  assert_true(wfx_has(f, "<meta http-equiv=\"refresh\" content=\"15\">"));
  assert_true(wfx_has(f, "data-health=\"failing\""));
  assert_true(wfx_has(f, "<dt>Backfill</dt><dd>running: 2024-10-26 03:33:20 to 2024-10-26 "
                         "09:33:20</dd>"));
  assert_true(wfx_has(f, "<dt>Last error</dt><dd class=\"err\">authentication failed (401) at "
                         "127.0.0.1: &lt;check&gt; the token <span class=\"muted\">(realtime, "
                         "HTTP 401, 0 s ago)</span></dd>"));
  assert_true(wfx_has(f, "<tr><td>acme</td><td>realtime</td><td></td><td>2024-10-27 03:33:18</td>"
                         "<td class=\"num\">2 s</td><td><span class=\"badge bad\">error</span></td>"
                         "<td class=\"num\">0</td><td class=\"num\">401</td>"));
  assert_true(wfx_has(f, "<tr><td>acme</td><td>historical</td><td>2024-10-27 01:03:20 – "
                         "03:18:20</td><td>2024-10-27 03:32:20</td><td class=\"num\">2 s</td><td>"
                         "<span class=\"badge ok\">ok</span></td><td class=\"num\">48</td>"));
  {
    const char *a = strstr(wfx_body(f), "<td>backfill</td>");
    const char *b = strstr(wfx_body(f), "<td>historical</td>");
    assert_true(a && b && a < b);
  }
  assert_int_equal(wfx_get(f, "/status?source=acme&limit=1"), 200);
  assert_true(wfx_has(f, "<td>backfill</td>"));
  assert_false(wfx_has(f, "<td>historical</td>"));
  assert_int_equal(wfx_get(f, "/status?source=nope"), 404);
}

/* A test of a server that is not 8x8 says so, and repeats nothing of its
 * answer: no key names, no XML root, no redirect address. */
static void test_connection_no_echo(void **state)
{
  sfx *s = *state;
  wfx *f = s->w;
  wfx_cap cap;
  char body[2000], url[200], want[400];
  static const char *const answers[] = {
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 44\r\n"
    "Connection: close\r\n\r\n{\"internal_db_password\":1,\"zz_secret_key\":2}",
    "HTTP/1.1 200 OK\r\nContent-Type: application/xml\r\nContent-Length: 37\r\n"
    "Connection: close\r\n\r\n<corpSecretRoot><x/></corpSecretRoot>",
    "HTTP/1.1 302 Found\r\nLocation: http://intranet.corp.example/secret-path\r\n"
    "Content-Length: 0\r\nConnection: close\r\n\r\n",
  };
  wfx_cap_start(&cap);
  snprintf(url, sizeof(url), "http%%3A%%2F%%2F127.0.0.1%%3A%u%%2Fapi%%2F", (unsigned)cap.port);
  for (int i = 0; i < 3; i++) {
    cap.answer = answers[i];
    snprintf(body, sizeof(body), "csrf=%s&action=test-rt&base_url=%s&tenant=demo&token=tk",
             f->csrf, url);
    assert_int_equal(wfx_req(f, "POST", "/sources/new", body, "application/x-www-form-urlencoded",
                             "Accept: application/json"), 200);
    if (i < 2)
      snprintf(want, sizeof(want), "{\"ok\":false,\"http_status\":200,\"message\":\"not an 8x8 "
               "answer: 127.0.0.1 answered HTTP 200, but not with 8x8 real-time statistics; check "
               "the base URL\",\"errors\":{}}");
    else
      snprintf(want, sizeof(want), "{\"ok\":false,\"http_status\":302,\"message\":\"127.0.0.1 "
               "redirects (HTTP 302): set the base URL to 8x8's API address itself "
               "(https://vcc-REGION.8x8.com/api/)\",\"errors\":{}}");
    assert_string_equal(wfx_body(f), want);
  }
  wfx_cap_stop(&cap);
  wfx_cap_free(&cap);
  assert_null(strstr(f->seen.ptr, "internal_db"));
  assert_null(strstr(f->seen.ptr, "zz_secret"));
  assert_null(strstr(f->seen.ptr, "corpSecret"));
  assert_null(strstr(f->seen.ptr, "intranet"));
}

/* Tests run off the request threads (2 here): four tests waiting on a slow
 * server leave the page answering; a fifth is refused while they run. */
static void test_connection_off_thread(void **state)
{
  sfx *s = *state;
  wfx *f = s->w;
  wfx_cap cap;
  char cookie[100], form[1000], req[2000], got[4096], url[200];
  int fd[4];
  int64_t until;
  wfx_cap_start(&cap);
  cap.hold = 1;
  wfx_session_cookie(f, cookie, sizeof(cookie));
  snprintf(url, sizeof(url), "http%%3A%%2F%%2F127.0.0.1%%3A%u%%2Fapi%%2F", (unsigned)cap.port);
  snprintf(form, sizeof(form), "csrf=%s&action=test-rt&base_url=%s&tenant=demo&token=tk", f->csrf,
           url);
  snprintf(req, sizeof(req), "POST /sources/new HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: "
                             "wl_session=%s\r\nAccept: application/json\r\nContent-Type: "
                             "application/x-www-form-urlencoded\r\nContent-Length: %zu\r\n\r\n%s",
           cookie, strlen(form), form);
  for (int i = 0; i < 4; i++) {
    fd[i] = wfx_raw_open(f);
    wfx_raw_send(fd[i], req, strlen(req));
  }
  until = wfx_ms() + 5000;
  while (wfx_cap_requests(&cap) < 4 && wfx_ms() < until)
    usleep(20 * 1000);
  assert_int_equal(wfx_cap_requests(&cap), 4); /* all four waiting at once */
  assert_int_equal(wfx_get(f, "/sources"), 200);
  assert_int_equal(wfx_req(f, "POST", "/sources/new", form, "application/x-www-form-urlencoded",
                           "Accept: application/json"), 503);
  assert_string_equal(wfx_body(f), "{\"ok\":false,\"http_status\":0,\"message\":\"other "
                                   "connection tests are running (at most 4 at a time); try again "
                                   "in a few seconds\",\"errors\":{}}");
  cap.hold = 0;
  for (int i = 0; i < 4; i++) {
    wfx_raw_read(fd[i], got, sizeof(got), 10000);
    assert_int_equal(strncmp(got, "HTTP/1.1 200 ", 13), 0);
    close(fd[i]);
  }
  wfx_cap_stop(&cap);
  wfx_cap_free(&cap);
  /* the slots are free again */
  assert_int_equal(wfx_req(f, "POST", "/sources/new", form, "application/x-www-form-urlencoded",
                           "Accept: application/json"), 200);
}

/* ---- the event stream's fields ---- */

#define REGIONS "pulsar-ws-use1.8x8.com US1, pulsar-ws-usw2.8x8.com US2, pulsar-ws-euw2.8x8.com UK3"
#define STREAM_MOVED "Type the token: the stream host changed, so the stored token is not sent " \
                     "there"
#define CHECKBOX "<input type=\"checkbox\" id=\"stream\" name=\"stream\" value=\"on\""

/* A stored setting of source name read through core, "(unset)" when none. */
static const char *stored(sfx *s, const char *name, const char *key, char *out, size_t n)
{
  wl_source src;
  int rc;
  assert_int_equal(wl_source_get(s->w->app->st, &src, name), 0);
  rc = wl_setting_get(out, n, s->w->app->st, src.id, key);
  if (rc == WL_ENOTFOUND)
    snprintf(out, n, "(unset)");
  else
    assert_int_equal(rc, 0);
  return out;
}

/* Saves acme (the emulator, tenant demo, interval 30) with stream ticked
 * or not and host typed (plain text; encoded here). */
static long save_stream(sfx *s, int stream, const char *host, const char *token)
{
  char body[2000], h[400];
  wfx_esc(h, sizeof(h), host);
  snprintf(body, sizeof(body), "csrf=%s&action=save&base_url=%s&tenant=demo&token=%s&interval=30"
                               "&hist_base_url=&hist_tenant=&hist_token=&timezone=UTC&enabled=on"
                               "%s&stream_host=%s",
           s->w->csrf, s->base, token ? token : "", stream ? "&stream=on" : "", h);
  return wfx_post(s->w, "/source/acme", body);
}

static void test_stream_fields_shown(void **state)
{
  sfx *s = *state;
  wfx *f = s->w;
  wl_source src;
  const char *b, *rt, *hist, *box;
  assert_int_equal(wfx_get(f, "/sources/new"), 200);
  assert_true(wfx_has(f, "<div class=\"field\"><label for=\"stream\">Event stream (pushed agent "
                         "states)</label><div>" CHECKBOX "> <label for=\"stream\">on</label></div>"));
  assert_true(wfx_has(f, "<label for=\"stream_host\">Stream host</label><input type=\"text\" "
                         "id=\"stream_host\" name=\"stream_host\" value=\"\" "
                         "aria-describedby=\"err-stream_host\""));
  assert_true(wfx_has(f, "<div class=\"hint\">May be left empty when it can be derived from the "
                         "Base URL (the emulator&#39;s can; 8x8&#39;s vcc-… hosts cannot). "
                         "Otherwise the tenant&#39;s region host: " REGIONS ".</div>"));
  /* in the real-time section */
  b = wfx_body(f);
  rt = strstr(b, "<fieldset id=\"realtime\">");
  hist = strstr(b, "<fieldset id=\"historical\">");
  box = strstr(b, CHECKBOX);
  assert_true(rt && hist && box && rt < box && box < hist && strstr(b, "id=\"stream_host\"") < hist);
  /* stored values are shown, escaped */
  add_acme(s, TOKEN_A);
  assert_true(wfx_has(f, CHECKBOX "> "));
  assert_int_equal(wl_source_get(f->app->st, &src, "acme"), 0);
  assert_int_equal(wl_setting_set(f->app->st, src.id, "stream", "on"), 0);
  assert_int_equal(wl_setting_set(f->app->st, src.id, "stream-host", "wss://\"><b>x:443"), 0);
  assert_int_equal(wfx_get(f, "/source/acme"), 200);
  assert_true(wfx_has(f, CHECKBOX " checked> "));
  assert_true(wfx_has(f, "name=\"stream_host\" value=\"wss://&quot;&gt;&lt;b&gt;x:443\""));
  assert_false(wfx_has(f, "<b>x"));
}

/* A host the stream refuses: its error beside the field, nothing saved. */
static void test_stream_bad_host_stores_nothing(void **state)
{
  sfx *s = *state;
  wfx *f = s->w;
  static const char *const bad[][2] = {
    {"http://pulsar-ws-use1.8x8.com", "&#39;http://pulsar-ws-use1.8x8.com&#39; must start with "
                                      "wss:// (or be a bare host)"},
    {"wss://pulsar-ws-use1.8x8.com/ws/v2", "&#39;wss://pulsar-ws-use1.8x8.com/ws/v2&#39; must be "
                                           "a host, without a path"},
    {"ws://pulsar-ws-use1.8x8.com", "&#39;ws://pulsar-ws-use1.8x8.com&#39;: plain ws:// only to "
                                    "127.0.0.1 or localhost; use wss://"},
    {"wss://pulsar-ws-use1.8x8.com:70000", "&#39;wss://pulsar-ws-use1.8x8.com:70000&#39; has a bad "
                                           "port"},
  };
  char e[600], want[300], v[300];
  wl_source src;
  add_acme(s, TOKEN_A);
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    assert_int_equal(save_stream(s, 1, bad[i][0], NULL), 400);
    field_error(f, "stream_host", e, sizeof(e));
    assert_string_equal(e, bad[i][1]);
    field_error(f, "token", e, sizeof(e));
    assert_string_equal(e, "");
    assert_true(wfx_has(f, "Nothing was saved: 1 field needs attention (marked below)."));
    snprintf(want, sizeof(want), "name=\"stream_host\" value=\"%s\" "
                                 "aria-describedby=\"err-stream_host\" class=\"invalid\"", bad[i][0]);
    assert_true(wfx_has(f, want));
    assert_true(wfx_has(f, CHECKBOX " checked> "));
  }
  assert_int_equal(wl_source_get(f->app->st, &src, "acme"), 0);
  assert_int_equal(src.interval_s, 10);
  assert_string_equal(stored(s, "acme", "stream", v, sizeof(v)), "(unset)");
  assert_string_equal(stored(s, "acme", "stream-host", v, sizeof(v)), "(unset)");
}

/* 8x8's vcc-* base URLs tell no region: with the stream on, the host must
 * be typed; with it off, nothing is asked. */
static void test_stream_needs_host(void **state)
{
  sfx *s = *state;
  wfx *f = s->w;
  const char *vcc = "https%3A%2F%2Fvcc-na10.8x8.com%2Fapi%2F";
  char body[2000], e[600], v[300];
  int n = 0;
  add_form(body, sizeof(body), f, "vcc", vcc, "demo", TOKEN_A, "10", "UTC");
  strncat(body, "&stream=on&stream_host=", sizeof(body) - strlen(body) - 1);
  assert_int_equal(wfx_post(f, "/sources/new", body), 400);
  field_error(f, "stream_host", e, sizeof(e));
  assert_string_equal(e, "required while the event stream is on: https://vcc-na10.8x8.com/api/ "
                         "does not tell the stream host; set the tenant&#39;s region host ("
                         REGIONS ")");
  assert_true(wfx_has(f, "Nothing was saved: 1 field needs attention (marked below)."));
  assert_true(wfx_has(f, CHECKBOX " checked> "));
  assert_int_equal(wl_source_list(f->app->st, count_source, &n), 0);
  assert_int_equal(n, 0);
  /* with the region's host */
  add_form(body, sizeof(body), f, "vcc", vcc, "demo", TOKEN_A, "10", "UTC");
  strncat(body, "&stream=on&stream_host=pulsar-ws-usw2.8x8.com", sizeof(body) - strlen(body) - 1);
  assert_int_equal(wfx_post(f, "/sources/new", body), 303);
  assert_string_equal(stored(s, "vcc", "stream", v, sizeof(v)), "on");
  assert_string_equal(stored(s, "vcc", "stream-host", v, sizeof(v)),
                      "wss://pulsar-ws-usw2.8x8.com:443");
  /* off: no host needed, and no stream rows written */
  wfx_get(f, "/sources/new");
  wfx_csrf(f);
  add_form(body, sizeof(body), f, "vcc2", vcc, "demo", TOKEN_A, "10", "UTC");
  strncat(body, "&stream_host=", sizeof(body) - strlen(body) - 1);
  assert_int_equal(wfx_post(f, "/sources/new", body), 303);
  assert_string_equal(stored(s, "vcc2", "stream", v, sizeof(v)), "(unset)");
  assert_string_equal(stored(s, "vcc2", "stream-host", v, sizeof(v)), "(unset)");
}

/* A good save stores both settings with the source; a host that the
 * stored token would newly go to needs the token typed. */
static void test_stream_save(void **state)
{
  sfx *s = *state;
  wfx *f = s->w;
  char e[600], v[300], want[300], *tok = NULL;
  wl_source src;
  add_acme(s, TOKEN_A);
  /* on, host blank: derived from the emulator's base URL */
  assert_int_equal(save_stream(s, 1, "", NULL), 303);
  assert_int_equal(wl_source_get(f->app->st, &src, "acme"), 0);
  assert_int_equal(src.interval_s, 30);
  assert_int_equal(wl_source_setting_bool(f->app->st, &src, "stream"), 1);
  assert_string_equal(stored(s, "acme", "stream-host", v, sizeof(v)), "(unset)");
  snprintf(want, sizeof(want), "ws://%s", wl_emu_base_url(s->emu) + strlen("http://"));
  want[strlen(want) - strlen("/api/")] = '\0';
  assert_int_equal(wl_stream_host(v, sizeof(v), f->app->st, &src), 0);
  assert_string_equal(v, want);
  assert_int_equal(wfx_get(f, "/source/acme?saved=1"), 200);
  assert_true(wfx_has(f, CHECKBOX " checked> "));
  assert_true(wfx_has(f, "name=\"stream_host\" value=\"\""));
  wfx_csrf(f);
  /* another host with the stored token: refused, on or off */
  assert_int_equal(save_stream(s, 1, "pulsar-ws-use1.8x8.com", NULL), 400);
  field_error(f, "token", e, sizeof(e));
  assert_string_equal(e, STREAM_MOVED);
  field_error(f, "stream_host", e, sizeof(e));
  assert_string_equal(e, "");
  assert_int_equal(save_stream(s, 0, "wss://127.0.0.2:9", NULL), 400);
  field_error(f, "token", e, sizeof(e));
  assert_string_equal(e, STREAM_MOVED);
  assert_string_equal(stored(s, "acme", "stream-host", v, sizeof(v)), "(unset)");
  /* with the token typed */
  assert_int_equal(save_stream(s, 1, "pulsar-ws-use1.8x8.com", TOKEN_B), 303);
  assert_int_equal(wl_source_get(f->app->st, &src, "acme"), 0);
  assert_string_equal(stored(s, "acme", "stream", v, sizeof(v)), "on");
  assert_string_equal(stored(s, "acme", "stream-host", v, sizeof(v)),
                      "wss://pulsar-ws-use1.8x8.com:443");
  assert_int_equal(wl_stream_host(v, sizeof(v), f->app->st, &src), 0);
  assert_string_equal(v, "wss://pulsar-ws-use1.8x8.com:443");
  assert_int_equal(wl_token_load(&tok, f->app, &src, WL_TOKEN_RT), 0);
  assert_string_equal(tok, TOKEN_B);
  wl_token_free(tok);
  assert_int_equal(wfx_get(f, "/source/acme"), 200);
  assert_true(wfx_has(f, CHECKBOX " checked> "));
  assert_true(wfx_has(f, "name=\"stream_host\" value=\"wss://pulsar-ws-use1.8x8.com:443\""));
  wfx_csrf(f);
  /* the stored host again, and back home (blank, off): no token needed */
  assert_int_equal(save_stream(s, 1, "wss://pulsar-ws-use1.8x8.com:443", NULL), 303);
  assert_int_equal(save_stream(s, 0, "", NULL), 303);
  assert_string_equal(stored(s, "acme", "stream", v, sizeof(v)), "off");
  assert_string_equal(stored(s, "acme", "stream-host", v, sizeof(v)), "(unset)");
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
  const struct CMUnitTest tests[] = {
    T(test_validation_errors),   T(test_add_edit_keeps_token), T(test_edit_error_keeps_values),
    T(test_connection_json),     T(test_connection_stored_token_html), T(test_connection_no_echo), T(test_connection_off_thread), T(test_escaped_output),
    T(test_enable_disable_remove), T(test_health_and_status), T(test_stored_token_stays_home),
    T(test_stream_fields_shown), T(test_stream_bad_host_stores_nothing), T(test_stream_needs_host),
    T(test_stream_save),
  };
  curl_global_init(CURL_GLOBAL_DEFAULT);
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  curl_global_cleanup();
  return rc;
}
