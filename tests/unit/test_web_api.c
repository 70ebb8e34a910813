/*
 * The JSON API under /api/v1/ over loopback: authenticated by a bearer API
 * key (wl_auth_new_api_key, as `wfmlink user api-key` makes them) or by the
 * session cookie; sources without tokens; runs; errors as JSON. Also the
 * building blocks: HTML escaping, form parsing and the rate limiter (a full
 * table never evicts a locked entry; IPv6 clients counted by their /64).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_web_common.h"
#include "web/web_int.h"

#define SECRET_TOKEN "tok-api-5c2d9e-never-shown"

typedef struct afx {
  wfx *w;
  char key[128];
  char auth[200];   /* "Authorization: Bearer KEY" */
  int64_t sid;
} afx;

static int setup(void **state)
{
  afx *a = calloc(1, sizeof(*a));
  wl_source s;
  int64_t uid, run;
  wl_store *st;
  assert_non_null(a);
  a->w = wfx_new(0);
  st = a->w->app->st;
  assert_int_equal(wl_store_user_get(st, &uid, NULL, 0, TEST_USER), 0);
  assert_int_equal(wl_auth_new_api_key(a->key, sizeof(a->key), st, uid), 0);
  assert_int_equal(strlen(a->key), 68);
  assert_int_equal(strncmp(a->key, "wlk_", 4), 0);
  snprintf(a->auth, sizeof(a->auth), "Authorization: Bearer %s", a->key);
  memset(&s, 0, sizeof(s));
  snprintf(s.name, sizeof(s.name), "acme");
  snprintf(s.vendor, sizeof(s.vendor), "8x8");
  snprintf(s.base_url, sizeof(s.base_url), "https://vcc-na10.8x8.com/api/");
  snprintf(s.hist_base_url, sizeof(s.hist_base_url), "https://vcc-na10.8x8.com/api/");
  snprintf(s.tenant, sizeof(s.tenant), "acme");
  snprintf(s.hist_tenant, sizeof(s.hist_tenant), "acme");
  snprintf(s.timezone, sizeof(s.timezone), "America/New_York");
  s.interval_s = 10;
  s.enabled = 1;
  s.created_at = s.updated_at = 1729990000;
  assert_int_equal(wl_store_source_add(st, &s), 0);
  assert_int_equal(wl_token_store(a->w->app, s.id, WL_TOKEN_RT, SECRET_TOKEN), 0);
  a->sid = s.id;
  assert_int_equal(wl_store_run_begin(st, &run, s.id, "historical", 1729990800, 1729998000,
                                 1729998060), 0);
  assert_int_equal(wl_store_run_end(st, run, 1729998062, "ok", 2, 48, 200, ""), 0);
  assert_int_equal(wl_store_run_begin(st, &run, s.id, "realtime", 0, 0, 1729999990), 0);
  assert_int_equal(wl_store_run_end(st, run, 1729999991, "error", 0, 0, 503, "8x8 answered 503"), 0);
  *state = a;
  return 0;
}

static int teardown(void **state)
{
  afx *a = *state;
  assert_null(strstr(a->w->seen.ptr, SECRET_TOKEN));
  assert_null(strstr(a->w->seen.ptr, a->key));
  wfx_free(a->w);
  free(a);
  return 0;
}

static const char sources_json[] =
  "[\n"
  "  {\n"
  "    \"name\": \"acme\",\n"
  "    \"vendor\": \"8x8\",\n"
  "    \"base_url\": \"https://vcc-na10.8x8.com/api/\",\n"
  "    \"tenant\": \"acme\",\n"
  "    \"hist_base_url\": \"https://vcc-na10.8x8.com/api/\",\n"
  "    \"hist_tenant\": \"acme\",\n"
  "    \"interval_s\": 10,\n"
  "    \"timezone\": \"America/New_York\",\n"
  "    \"enabled\": true,\n"
  "    \"token_set\": true,\n"
  "    \"token_changed_at\": \"2024-10-27T03:33:20+00:00\",\n"
  "    \"hist_token_set\": false,\n"
  "    \"hist_token_changed_at\": null,\n"
  "    \"health\": {\n"
  "      \"state\": \"failing\",\n"
  "      \"rt_last_ok\": null,\n"
  "      \"hist_watermark\": null,\n"
  "      \"last_error\": \"8x8 answered 503\",\n"
  "      \"last_error_at\": \"2024-10-26T23:33:11-04:00\",\n"
  "      \"last_error_http\": 503\n"
  "    }\n"
  "  }\n"
  "]\n";

static void test_bearer_key(void **state)
{
  afx *a = *state;
  wfx *f = a->w;
  char ct[100];
  assert_int_equal(wfx_req(f, "GET", "/api/v1/sources", NULL, NULL, a->auth), 200);
  assert_string_equal(wfx_header(f, "Content-Type", ct, sizeof(ct)), "application/json");
  assert_string_equal(wfx_body(f), sources_json);
  assert_int_equal(wfx_req(f, "GET", "/api/v1/sources/acme", NULL, NULL, a->auth), 200);
  assert_true(wfx_has(f, "\"name\": \"acme\""));
  assert_false(wfx_has(f, "[")); /* one object */
  /* the key is not a session: pages still need a login */
  assert_int_equal(wfx_req(f, "GET", "/sources", NULL, NULL, a->auth), 303);
}

static void test_bad_keys(void **state)
{
  afx *a = *state;
  wfx *f = a->w;
  char v[100];
  assert_int_equal(wfx_req(f, "GET", "/api/v1/sources", NULL, NULL,
                           "Authorization: Bearer wlk_0000"), 401);
  assert_string_equal(wfx_header(f, "WWW-Authenticate", v, sizeof(v)), "Bearer realm=\"wfmlink\"");
  assert_string_equal(wfx_body(f), "{\"error\":\"the API key is not valid (create one with "
                                   "'wfmlink user api-key NAME')\"}\n");
  assert_int_equal(wfx_req(f, "GET", "/api/v1/sources", NULL, NULL, "Authorization: Basic eDp5"),
                   401);
  assert_int_equal(wfx_get(f, "/api/v1/runs"), 401);
  assert_string_equal(wfx_body(f), "{\"error\":\"log in, or send 'Authorization: Bearer KEY' (see "
                                   "'wfmlink user api-key')\"}\n");
}

static void test_session_cookie(void **state)
{
  afx *a = *state;
  wfx *f = a->w;
  wfx_login(f);
  assert_int_equal(wfx_get(f, "/api/v1/sources"), 200);
  assert_string_equal(wfx_body(f), sources_json);
}

static void test_runs(void **state)
{
  afx *a = *state;
  wfx *f = a->w;
  assert_int_equal(wfx_req(f, "GET", "/api/v1/runs?source=acme&limit=1", NULL, NULL, a->auth), 200);
  assert_string_equal(wfx_body(f), "[\n"
                                   "  {\n"
                                   "    \"id\": 2,\n"
                                   "    \"source\": \"acme\",\n"
                                   "    \"kind\": \"realtime\",\n"
                                   "    \"window_from\": null,\n"
                                   "    \"window_to\": null,\n"
                                   "    \"started\": \"2024-10-26T23:33:10-04:00\",\n"
                                   "    \"finished\": \"2024-10-26T23:33:11-04:00\",\n"
                                   "    \"outcome\": \"error\",\n"
                                   "    \"pages\": 0,\n"
                                   "    \"rows\": 0,\n"
                                   "    \"http_status\": 503,\n"
                                   "    \"error\": \"8x8 answered 503\"\n"
                                   "  }\n"
                                   "]\n");
  assert_int_equal(wfx_req(f, "GET", "/api/v1/runs", NULL, NULL, a->auth), 200);
  assert_true(wfx_has(f, "\"window_from\": \"2024-10-26T21:00:00-04:00\""));
  assert_true(wfx_has(f, "\"rows\": 48"));
  assert_int_equal(wfx_req(f, "GET", "/api/v1/runs?source=nope", NULL, NULL, a->auth), 404);
  assert_string_equal(wfx_body(f), "{\"error\":\"no source with this name\"}\n");
  assert_int_equal(wfx_req(f, "GET", "/api/v1/runs?limit=x", NULL, NULL, a->auth), 400);
  assert_int_equal(wfx_req(f, "GET", "/api/v1/sources/nope", NULL, NULL, a->auth), 404);
}

/* ---- building blocks ---- */

static void test_html_escape(void **state)
{
  wl_buf b;
  (void)state;
  wl_buf_init(&b, 4096);
  wl_html_esc(&b, "<a href=\"x\">Tom & 'Jerry'</a>");
  assert_string_equal(b.ptr, "&lt;a href=&quot;x&quot;&gt;Tom &amp; &#39;Jerry&#39;&lt;/a&gt;");
  wl_buf_reset(&b);
  wl_html(&b, "<p title=\"%s\">%d %ld %lld %zu 100%%</p>", "\"><script>", -1, 2L, 3LL, (size_t)4);
  assert_string_equal(b.ptr, "<p title=\"&quot;&gt;&lt;script&gt;\">-1 2 3 4 100%</p>");
  wl_buf_free(&b);
}

static void test_form_parse(void **state)
{
  wl_form f;
  (void)state;
  assert_int_equal(wl_form_parse(&f, "a=1&b=x+y%26z&empty=&flag&a=2", 29), 0);
  assert_int_equal((int)f.n, 5);
  assert_string_equal(wl_form_get(&f, "a"), "1");
  assert_string_equal(wl_form_get(&f, "b"), "x y&z");
  assert_string_equal(wl_form_get(&f, "empty"), "");
  assert_string_equal(wl_form_get(&f, "flag"), "");
  assert_null(wl_form_get(&f, "c"));
  wl_form_free(&f);
  assert_int_equal(wl_form_parse(&f, "a=%4", 4), WL_EUSAGE);
  assert_int_equal(wl_form_parse(&f, "a=%00", 5), WL_EUSAGE);
  {
    char many[1024];
    for (int i = 0; i < 65; i++)
      memcpy(many + 4 * i, "k=v&", 4);
    many[4 * 65] = '\0';
    assert_int_equal(wl_form_parse(&f, many, strlen(many)), WL_EUSAGE);
  }
}

static void test_rate_limiter(void **state)
{
  static wl_ratelimit rl;
  (void)state;
  wl_rl_init(&rl);
  for (int i = 0; i < 4; i++)
    wl_rl_fail(&rl, "user:a", 1000);
  assert_true(wl_rl_wait(&rl, "user:a", 1000) == 0);
  wl_rl_fail(&rl, "user:a", 1000); /* the fifth */
  assert_true(wl_rl_wait(&rl, "user:a", 1000) == 30);
  assert_true(wl_rl_wait(&rl, "user:b", 1000) == 0);
  for (int i = 0; i < 10; i++)
    wl_rl_fail(&rl, "user:a", 2000);
  assert_true(wl_rl_wait(&rl, "user:a", 2000) == WL_RL_MAX_LOCK_S);
  wl_rl_success(&rl, "user:a");
  assert_true(wl_rl_wait(&rl, "user:a", 2000) == 0);
  /* forgotten after an hour without failures */
  wl_rl_fail(&rl, "user:c", 5000);
  wl_rl_fail(&rl, "user:c", 5000 + WL_RL_FORGET_S);
  assert_true(wl_rl_wait(&rl, "user:c", 5000 + WL_RL_FORGET_S) == 0);
  wl_rl_destroy(&rl);
}

static int rl_holds(wl_ratelimit *rl, const char *key)
{
  for (int i = 0; i < WL_RL_SLOTS; i++)
    if (strcmp(rl->e[i].key, key) == 0)
      return 1;
  return 0;
}

/* A full table reuses the unlocked entry idle the longest and never a
 * locked one, however old: a flood of new keys cannot lift a lockout. */
static void test_rate_limiter_full_table(void **state)
{
  static wl_ratelimit rl;
  char k[32];
  (void)state;
  wl_rl_init(&rl);
  /* every slot but one locked at t=1000 (until 1030); the last unlocked */
  for (int i = 0; i < WL_RL_SLOTS - 1; i++) {
    snprintf(k, sizeof(k), "ip:L%d", i);
    for (int j = 0; j < WL_RL_FREE_FAILS; j++)
      wl_rl_fail(&rl, k, 1000);
  }
  wl_rl_fail(&rl, "ip:U", 1005);
  /* a new key takes the unlocked slot, though the locked ones are older */
  wl_rl_fail(&rl, "ip:X", 1010);
  assert_false(rl_holds(&rl, "ip:U"));
  assert_true(rl_holds(&rl, "ip:X"));
  for (int i = 0; i < WL_RL_SLOTS - 1; i++) {
    snprintf(k, sizeof(k), "ip:L%d", i);
    assert_true(wl_rl_wait(&rl, k, 1010) == 20);
  }
  /* a key locked in the last free slot: now every entry is locked */
  for (int j = 0; j < WL_RL_FREE_FAILS; j++)
    wl_rl_fail(&rl, "ip:Y", 1011);
  assert_false(rl_holds(&rl, "ip:X"));
  assert_true(wl_rl_wait(&rl, "ip:Y", 1011) == 30);
  /* a flood of new keys is refused (it waits for the first lock to end)
   * and evicts nothing */
  for (int i = 0; i < 3000; i++) {
    snprintf(k, sizeof(k), "ip:F%d", i);
    assert_true(wl_rl_wait(&rl, k, 1012) == 18);
    wl_rl_fail(&rl, k, 1012);
  }
  assert_false(rl_holds(&rl, "ip:F0"));
  for (int i = 0; i < WL_RL_SLOTS - 1; i++) {
    snprintf(k, sizeof(k), "ip:L%d", i);
    assert_true(wl_rl_wait(&rl, k, 1012) == 18);
  }
  assert_true(wl_rl_wait(&rl, "ip:Y", 1012) == 29);
  /* once locks end, their entries are reused, the idlest first */
  assert_true(wl_rl_wait(&rl, "ip:new", 1030) == 0);
  wl_rl_fail(&rl, "ip:new", 1030);
  assert_true(rl_holds(&rl, "ip:new"));
  assert_false(rl_holds(&rl, "ip:L0"));
  assert_true(rl_holds(&rl, "ip:Y"));
  wl_rl_destroy(&rl);
}

static void test_rate_limit_client_keys(void **state)
{
  char k[96];
  (void)state;
  wl_rl_client_key(k, sizeof(k), "192.0.2.7");
  assert_string_equal(k, "ip:192.0.2.7");
  /* an IPv6 host holds a whole /64: its addresses are one client */
  wl_rl_client_key(k, sizeof(k), "2001:db8:1:2:3:4:5:6");
  assert_string_equal(k, "ip:2001:db8:1:2::/64");
  wl_rl_client_key(k, sizeof(k), "2001:db8:1:2:ffff:ffff:ffff:ffff");
  assert_string_equal(k, "ip:2001:db8:1:2::/64");
  wl_rl_client_key(k, sizeof(k), "2001:db8:1:3::1");
  assert_string_equal(k, "ip:2001:db8:1:3::/64");
  wl_rl_client_key(k, sizeof(k), "::1");
  assert_string_equal(k, "ip:::/64");
  /* IPv4 through a dual-stack socket counts as IPv4 */
  wl_rl_client_key(k, sizeof(k), "::ffff:192.0.2.7");
  assert_string_equal(k, "ip:192.0.2.7");
  wl_rl_client_key(k, sizeof(k), "unknown");
  assert_string_equal(k, "ip:unknown");
}

static void test_listen_addresses(void **state)
{
  (void)state;
  assert_true(wl_web_listen_is_loopback("127.0.0.1:8080"));
  assert_true(wl_web_listen_is_loopback("localhost:1"));
  assert_true(wl_web_listen_is_loopback("[::1]:8080"));
  assert_false(wl_web_listen_is_loopback("0.0.0.0:8080"));
  assert_false(wl_web_listen_is_loopback("[::]:8080"));
  assert_false(wl_web_listen_is_loopback("192.168.1.5:8080"));
  assert_false(wl_web_listen_is_loopback("127.example.com:80"));
  {
    wl_web *w = NULL;
    wl_web_config cfg;
    wl_web_config_init(&cfg);
    cfg.dsn = "sqlite::memory:";
    cfg.listen = "127.0.0.1";
    cfg.quiet = 1;
    assert_int_equal(wl_web_start(&w, &cfg), WL_EUSAGE);
    assert_string_equal(wl_errmsg(), "--listen: '127.0.0.1' is not HOST:PORT (e.g. 127.0.0.1:8080)");
    cfg.listen = "127.0.0.1:99999";
    assert_int_equal(wl_web_start(&w, &cfg), WL_EUSAGE);
    cfg.listen = "127.0.0.1:0";
    cfg.tls_cert = "/nonexistent.pem";
    assert_int_equal(wl_web_start(&w, &cfg), WL_EUSAGE);
    assert_null(w);
  }
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
  const struct CMUnitTest tests[] = {
    T(test_bearer_key), T(test_bad_keys), T(test_session_cookie), T(test_runs),
    cmocka_unit_test(test_html_escape), cmocka_unit_test(test_form_parse),
    cmocka_unit_test(test_rate_limiter), cmocka_unit_test(test_rate_limiter_full_table),
    cmocka_unit_test(test_rate_limit_client_keys), cmocka_unit_test(test_listen_addresses),
  };
  curl_global_init(CURL_GLOBAL_DEFAULT);
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  curl_global_cleanup();
  return rc;
}
