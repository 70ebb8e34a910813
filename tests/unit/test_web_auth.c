/*
 * The web server's front door, over loopback: login and logout, sessions
 * that expire, CSRF on every POST, login rate limiting, security headers,
 * /healthz without login, request bodies that are too large, the login
 * check before any body is read, the cap on uploads at a time, and the
 * `next` address after login.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_web_common.h"
#include "web/web_int.h"

static int setup(void **state)
{
  *state = wfx_new(3600);
  return 0;
}

static int teardown(void **state)
{
  wfx_free(*state);
  return 0;
}

static void test_pages_need_login(void **state)
{
  wfx *f = *state;
  char loc[200];
  assert_int_equal(wfx_get(f, "/sources"), 303);
  assert_string_equal(wfx_header(f, "Location", loc, sizeof(loc)), "/login?next=/sources");
  assert_int_equal(wfx_get(f, "/status"), 303);
  assert_int_equal(wfx_get(f, "/source/x"), 303);
  /* a POST without a session changes nothing and says why */
  assert_int_equal(wfx_post(f, "/sources/new", "name=a"), 403);
  assert_true(wfx_has(f, "Your session has expired or you have logged out"));
  assert_int_equal(wfx_get(f, "/api/v1/sources"), 401);
  assert_true(wfx_has(f, "\"error\""));
}

static void test_login_logout(void **state)
{
  wfx *f = *state;
  char cookie[400], loc[200];
  assert_int_equal(wfx_get(f, "/login"), 200);
  assert_true(wfx_has(f, "<form class=\"card\" method=\"post\" action=\"/login\">"));
  assert_int_equal(wfx_login_as(f, TEST_USER, TEST_PASSWORD), 303);
  wfx_header(f, "Set-Cookie", cookie, sizeof(cookie));
  assert_int_equal(strncmp(cookie, "wl_session=", 11), 0);
  assert_non_null(strstr(cookie, "; HttpOnly; SameSite=Strict"));
  assert_non_null(strstr(cookie, "Max-Age=3600"));
  assert_int_equal(wfx_get(f, "/sources"), 200);
  assert_true(wfx_has(f, "<span class=\"who\">admin</span>"));
  /* the navigation bar comes from the route table */
  assert_true(wfx_has(f, "<a href=\"/sources\" class=\"active\" aria-current=\"page\">Sources</a>"
                         "<a href=\"/status\">Collector status</a>"));
  /* logged in: /login goes straight on */
  assert_int_equal(wfx_get(f, "/login"), 303);
  assert_int_equal(wfx_get(f, "/sources"), 200);
  {
    char body[200];
    snprintf(body, sizeof(body), "csrf=%s", wfx_csrf(f));
    assert_int_equal(wfx_post(f, "/logout", body), 303);
  }
  assert_string_equal(wfx_header(f, "Location", loc, sizeof(loc)), "/login?out=1");
  assert_int_equal(wfx_get(f, "/sources"), 303);
  assert_int_equal(wfx_get(f, "/login?out=1"), 200);
  assert_true(wfx_has(f, "You have logged out."));
}

/* The session row is gone after logout: replaying the old cookie fails. */
static void test_logout_ends_session_in_db(void **state)
{
  wfx *f = *state;
  char body[200];
  struct curl_slist *cookies = NULL;
  char saved[512] = "";
  wfx_login(f);
  curl_easy_getinfo(f->h, CURLINFO_COOKIELIST, &cookies);
  for (struct curl_slist *c = cookies; c; c = c->next)
    if (strstr(c->data, "wl_session"))
      snprintf(saved, sizeof(saved), "%s", c->data);
  curl_slist_free_all(cookies);
  assert_true(saved[0]);
  snprintf(body, sizeof(body), "csrf=%s", f->csrf);
  assert_int_equal(wfx_post(f, "/logout", body), 303);
  curl_easy_setopt(f->h, CURLOPT_COOKIELIST, saved); /* the old cookie, back */
  assert_int_equal(wfx_get(f, "/sources"), 303);
}

static void test_wrong_password(void **state)
{
  wfx *f = *state;
  assert_int_equal(wfx_login_as(f, TEST_USER, "wrong password"), 403);
  assert_true(wfx_has(f, "Wrong user name or password."));
  /* the user name is kept, the password is not */
  assert_true(wfx_has(f, "name=\"user\" value=\"admin\""));
  assert_false(wfx_has(f, "wrong password"));
  assert_int_equal(wfx_login_as(f, "nobody", "whatever-pw"), 403);
  assert_true(wfx_has(f, "Wrong user name or password."));
  assert_int_equal(wfx_get(f, "/sources"), 303);
}

static void test_login_needs_form_token(void **state)
{
  wfx *f = *state;
  /* no login cookie at all (another site posting a form) */
  assert_int_equal(wfx_post(f, "/login", "csrf=abc&user=admin&password=correct+horse+battery"),
                   403);
  assert_true(wfx_has(f, "The log-in form had expired."));
  /* the cookie exists but the form's token differs */
  assert_int_equal(wfx_get(f, "/login"), 200);
  assert_int_equal(
    wfx_post(f, "/login", "csrf=0000000000000000000000000000000000000000000000000000000000000000"
                          "&user=admin&password=correct+horse+battery"),
    403);
  assert_int_equal(wfx_get(f, "/sources"), 303);
}

static void test_csrf_rejected(void **state)
{
  wfx *f = *state;
  wfx_login(f);
  /* missing token */
  assert_int_equal(wfx_post(f, "/sources/new", "action=save&name=evil&base_url=https%3A%2F%2Fx"),
                   403);
  assert_true(wfx_has(f, "This form has expired or was not sent from this site"));
  /* wrong token */
  assert_int_equal(wfx_post(f, "/logout", "csrf=deadbeef"), 403);
  assert_int_equal(wfx_get(f, "/sources"), 200); /* still logged in */
  /* nothing was added */
  {
    wl_source s;
    assert_int_equal(wl_store_source_get(f->app->st, &s, "evil"), WL_ENOTFOUND);
  }
}

static void test_session_expires(void **state)
{
  wfx *f = *state;
  char loc[200];
  wfx_login(f);
  fake_clock += 3599;
  assert_int_equal(wfx_get(f, "/sources"), 200);
  fake_clock += 1; /* expires_at <= now */
  assert_int_equal(wfx_get(f, "/sources"), 303);
  assert_string_equal(wfx_header(f, "Location", loc, sizeof(loc)), "/login?next=/sources");
  assert_int_equal(wfx_get(f, "/api/v1/sources"), 401);
}

static void test_rate_limit(void **state)
{
  wfx *f = *state;
  char ra[32];
  for (int i = 0; i < 5; i++)
    assert_int_equal(wfx_login_as(f, TEST_USER, "wrong password"), 403);
  /* locked: even the right password is refused, with the wait in words */
  assert_int_equal(wfx_login_as(f, TEST_USER, TEST_PASSWORD), 429);
  assert_true(wfx_has(f, "Too many failed log-ins. Wait 30 seconds, then try again."));
  assert_string_equal(wfx_header(f, "Retry-After", ra, sizeof(ra)), "30");
  fake_clock += 29;
  assert_int_equal(wfx_login_as(f, TEST_USER, TEST_PASSWORD), 429);
  assert_true(wfx_has(f, "Wait 1 second, then"));
  fake_clock += 1;
  /* the next failure doubles the lockout */
  assert_int_equal(wfx_login_as(f, TEST_USER, "wrong again"), 403);
  assert_int_equal(wfx_login_as(f, TEST_USER, TEST_PASSWORD), 429);
  assert_string_equal(wfx_header(f, "Retry-After", ra, sizeof(ra)), "60");
  fake_clock += 60;
  assert_int_equal(wfx_login_as(f, TEST_USER, TEST_PASSWORD), 303);
  assert_int_equal(wfx_get(f, "/sources"), 200);
}

/* The address is limited too: guessing other names from one client. */
static void test_rate_limit_per_address(void **state)
{
  wfx *f = *state;
  char name[32];
  for (int i = 0; i < 5; i++) {
    snprintf(name, sizeof(name), "guess%d", i);
    assert_int_equal(wfx_login_as(f, name, "password1"), 403);
  }
  assert_int_equal(wfx_login_as(f, TEST_USER, TEST_PASSWORD), 429);
}

static void check_security_headers(wfx *f)
{
  char v[400];
  assert_string_equal(wfx_header(f, "X-Content-Type-Options", v, sizeof(v)), "nosniff");
  assert_string_equal(wfx_header(f, "X-Frame-Options", v, sizeof(v)), "DENY");
  assert_string_equal(wfx_header(f, "Referrer-Policy", v, sizeof(v)), "no-referrer");
  wfx_header(f, "Content-Security-Policy", v, sizeof(v));
  assert_non_null(strstr(v, "default-src 'none'"));
  assert_non_null(strstr(v, "frame-ancestors 'none'"));
  assert_non_null(strstr(v, "script-src 'self'"));
  assert_null(strstr(v, "unsafe-inline"));
}

static void test_security_headers(void **state)
{
  wfx *f = *state;
  static const char *const paths[] = {"/login", "/sources", "/healthz", "/nope",
                                      "/static/app.css", "/api/v1/sources"};
  for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
    wfx_get(f, paths[i]);
    check_security_headers(f);
  }
  wfx_login(f);
  for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
    wfx_get(f, paths[i]);
    check_security_headers(f);
  }
  wfx_post(f, "/logout", "csrf=bad");
  check_security_headers(f);
}

static void test_healthz_and_errors(void **state)
{
  wfx *f = *state;
  char ct[100], want[200];
  /* the newest schema: every migration applied */
  snprintf(want, sizeof(want), "{\n  \"status\": \"ok\",\n  \"database\": \"ok\",\n"
           "  \"schema_version\": %d,\n  \"version\": \"0.1.0\"\n}\n", wl_store_latest_version());
  assert_int_equal(wfx_get(f, "/healthz"), 200);
  assert_string_equal(wfx_body(f), want);
  assert_string_equal(wfx_header(f, "Content-Type", ct, sizeof(ct)), "application/json");
  assert_int_equal(wfx_get(f, "/no/such/page"), 404);
  assert_int_equal(wfx_post(f, "/healthz", "x=1"), 405);
  assert_int_equal(wfx_req(f, "DELETE", "/sources", NULL, NULL, NULL), 405);
  assert_int_equal(wfx_get(f, "/static/app.js"), 200);
  assert_true(wfx_has(f, "data-test"));
}

static void test_body_limits(void **state)
{
  wfx *f = *state;
  size_t n = 70 * 1024;
  char *big = malloc(n + 1);
  assert_non_null(big);
  memset(big, 'a', n);
  memcpy(big, "user=", 5);
  big[n] = '\0';
  assert_int_equal(wfx_post(f, "/login", big), 413);
  free(big);
  /* a multipart form is refused, not half-parsed */
  assert_int_equal(wfx_req(f, "POST", "/login", "--x\r\n", "multipart/form-data; boundary=x", NULL),
                   415);
  /* a malformed escape refuses the form */
  assert_int_equal(wfx_post(f, "/login", "user=%zz"), 400);
}

/* Logs in afresh with next (form-encoded); the answer must go to want. */
static void login_next(wfx *f, const char *next, const char *want)
{
  char body[600], loc[300];
  curl_easy_setopt(f->h, CURLOPT_COOKIELIST, "ALL"); /* a fresh browser */
  assert_int_equal(wfx_get(f, "/login"), 200);
  snprintf(body, sizeof(body), "csrf=%s&user=admin&password=correct+horse+battery&next=%s",
           wfx_csrf(f), next);
  assert_int_equal(wfx_post(f, "/login", body), 303);
  wfx_header(f, "Location", loc, sizeof(loc));
  if (strcmp(loc, want) != 0)
    fail_msg("next=%s: went to '%s', not '%s'", next, loc, want);
}

static void test_no_open_redirect(void **state)
{
  wfx *f = *state;
  static const char *const bad[] = {
    "%2F%2Fevil.example%2F", "%2F%09%2Fevil.com", "%2F%0D%0ALocation%3A+x", "%2F%0A%2Fevil.com",
    "%2F%5Cevil.com", "%2Fsources%5C..%5C%5Cevil.com", "%2F+%2Fevil.com", "%2F%7F%2Fevil.com",
    "https%3A%2F%2Fevil.com", "evil.com", "%5C%5Cevil.com", "%09%2F%2Fevil.com", "",
    "%2Flogin%3Fnext%3D%2F%2Fevil.com"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
    login_next(f, bad[i], "/");
  /* paths of this site are followed */
  login_next(f, "%2Fsource%2Facme%2Fvolume", "/source/acme/volume");
  login_next(f, "%2Fsources", "/sources");
  /* the login page never puts a bad next into its form */
  curl_easy_setopt(f->h, CURLOPT_COOKIELIST, "ALL");
  assert_int_equal(wfx_get(f, "/login?next=%2F%09%2Fevil.com"), 200);
  assert_true(wfx_has(f, "name=\"next\" value=\"/\""));
}

/* Sends a request's headers (no body) on a raw connection; the answer must
 * begin with status_line within 5 s, i.e. before any body was sent. */
static void answered_before_body(wfx *f, const char *req, const char *status_line)
{
  char got[8192];
  int fd = wfx_raw_open(f);
  wfx_raw_send(fd, req, strlen(req));
  wfx_raw_read(fd, got, sizeof(got), 5000);
  close(fd);
  if (strncmp(got, status_line, strlen(status_line)) != 0)
    fail_msg("%.60s...: answered '%.80s', not '%s'", req, got, status_line);
}

/* Without a session or API key, nothing of a body is read: the answer comes
 * from the headers alone, even for the 16 MiB upload routes. */
static void test_login_checked_before_body(void **state)
{
  wfx *f = *state;
  char req[1200];
  static const char up[] = "POST /source/acme/schedule HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                           "Content-Type: multipart/form-data; boundary=x\r\n"
                           "Content-Length: 10000000\r\n%s\r\n";
  static const char put[] = "PUT /api/v1/sources/acme/schedules?agent=a&from=2024-11-06"
                            "&to=2024-11-07 HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                            "Content-Type: application/json\r\nContent-Length: 4000000\r\n"
                            "%s\r\n";
  snprintf(req, sizeof(req), up, "Expect: 100-continue\r\n"); /* no "100 Continue" either */
  answered_before_body(f, req, "HTTP/1.1 403 ");
  snprintf(req, sizeof(req), up, "");
  answered_before_body(f, req, "HTTP/1.1 403 ");
  snprintf(req, sizeof(req), up, "Cookie: wl_session="
                                 "00000000000000000000000000000000000000000000000000000000000000"
                                 "00\r\n");
  answered_before_body(f, req, "HTTP/1.1 403 ");
  snprintf(req, sizeof(req), put, "Expect: 100-continue\r\n");
  answered_before_body(f, req, "HTTP/1.1 401 ");
  snprintf(req, sizeof(req), put, "Authorization: Bearer wlk_0000\r\n");
  answered_before_body(f, req, "HTTP/1.1 401 ");
  /* a form, and a length above every cap: still the login answer first */
  answered_before_body(f, "POST /sources/new HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: "
                          "application/x-www-form-urlencoded\r\nContent-Length: 60000\r\n\r\n",
                       "HTTP/1.1 403 ");
  answered_before_body(f, "POST /source/acme/schedule HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                          "Content-Length: 100000000\r\n\r\n", "HTTP/1.1 403 ");
  /* the public login form still reads its (small) body */
  assert_int_equal(wfx_login_as(f, TEST_USER, TEST_PASSWORD), 303);
}

/* Two large bodies at a time; a third is answered 503 before its body. */
static void test_upload_slots(void **state)
{
  wfx *f = *state;
  char cookie[100], up[800], put[800], got[4096];
  int fd[2], ok = 0;
  int64_t until;
  wfx_login(f);
  wfx_session_cookie(f, cookie, sizeof(cookie));
  assert_int_equal(strlen(cookie), 64);
  snprintf(up, sizeof(up), "POST /source/acme/schedule HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                           "Cookie: wl_session=%s\r\nContent-Type: multipart/form-data; "
                           "boundary=x\r\nContent-Length: 1000000\r\nExpect: 100-continue\r\n\r\n",
           cookie);
  snprintf(put, sizeof(put), "PUT /api/v1/sources/acme/schedules?agent=a&from=2024-11-06"
                             "&to=2024-11-07 HTTP/1.1\r\nHost: 127.0.0.1\r\nCookie: wl_session=%s"
                             "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n",
           cookie);
  for (int i = 0; i < 2; i++) { /* logged in: the server asks for the body */
    fd[i] = wfx_raw_open(f);
    wfx_raw_send(fd[i], up, strlen(up));
    assert_string_equal(wfx_raw_read(fd[i], got, sizeof(got), 5000), "HTTP/1.1 100 Continue\r\n\r\n");
  }
  answered_before_body(f, up, "HTTP/1.1 503 ");
  {
    int fd3 = wfx_raw_open(f);
    wfx_raw_send(fd3, put, strlen(put));
    wfx_raw_read(fd3, got, sizeof(got), 5000);
    close(fd3);
    assert_int_equal(strncmp(got, "HTTP/1.1 503 ", 13), 0);
    assert_non_null(strstr(got, "\r\nRetry-After: 10\r\n"));
  }
  /* a slot comes back when an upload ends (here: the client goes away) */
  close(fd[0]);
  close(fd[1]);
  until = wfx_ms() + 5000;
  while (!ok && wfx_ms() < until) {
    int fd3 = wfx_raw_open(f);
    wfx_raw_send(fd3, up, strlen(up));
    ok = strcmp(wfx_raw_read(fd3, got, sizeof(got), 5000), "HTTP/1.1 100 Continue\r\n\r\n") == 0;
    close(fd3);
    if (!ok) {
      assert_int_equal(strncmp(got, "HTTP/1.1 503 ", 13), 0);
      usleep(50 * 1000);
    }
  }
  assert_true(ok);
}

static int rl_has(wfx *f, const char *key)
{
  int hit = 0;
  pthread_mutex_lock(&f->web->rl.mu);
  for (int i = 0; i < WL_RL_SLOTS; i++)
    hit |= strcmp(f->web->rl.e[i].key, key) == 0;
  pthread_mutex_unlock(&f->web->rl.mu);
  return hit;
}

/* Failed logins count per address, and per (name, address) for every
 * name alike: an unknown name is counted like an existing one. */
static void test_rate_limit_every_name_alike(void **state)
{
  wfx *f = *state;
  assert_int_equal(wfx_login_as(f, "ghost", "password1"), 403);
  assert_true(rl_has(f, "user:ghost@ip:127.0.0.1"));
  assert_true(rl_has(f, "ip:127.0.0.1"));
  assert_false(rl_has(f, "user:admin@ip:127.0.0.1"));
  assert_int_equal(wfx_login_as(f, TEST_USER, "wrong password"), 403);
  assert_true(rl_has(f, "user:admin@ip:127.0.0.1"));
}

/* The statuses of one wrong try for name from each of 127.0.0.2-6, then
 * one from 127.0.0.7 (with pw), as a string like "403 403 ... 403". */
static void spread_failures(wfx *f, const char *name, const char *pw, char *out, size_t n)
{
  size_t o = 0;
  for (int i = 2; i <= 7; i++) {
    snprintf(f->from, sizeof(f->from), "127.0.0.%d", i);
    o += (size_t)snprintf(out + o, n - o, "%ld ",
                          wfx_login_as(f, name, i < 7 ? "wrong password" : pw));
  }
  f->from[0] = '\0';
}

/* Failures from other addresses lock nobody out of their own address, and
 * an existing name answers exactly like an unknown one (no enumeration). */
static void test_lockout_per_name_and_address(void **state)
{
  wfx *f = *state;
  char known[64], unknown[64];
  spread_failures(f, "ghost", "whatever-pw", unknown, sizeof(unknown));
  spread_failures(f, TEST_USER, "wrong again", known, sizeof(known));
  assert_string_equal(unknown, "403 403 403 403 403 403 ");
  assert_string_equal(known, unknown);
  /* one address guessing: locked after 5, for that address only */
  snprintf(f->from, sizeof(f->from), "127.0.0.8");
  for (int i = 0; i < 5; i++)
    assert_int_equal(wfx_login_as(f, TEST_USER, "wrong password"), 403);
  assert_int_equal(wfx_login_as(f, TEST_USER, TEST_PASSWORD), 429);
  /* the user, from their own address, logs in */
  f->from[0] = '\0';
  assert_int_equal(wfx_login_as(f, TEST_USER, TEST_PASSWORD), 303);
}

static void test_password_never_echoed(void **state)
{
  wfx *f = *state;
  wfx_login_as(f, TEST_USER, "not-the-password-9a8b");
  wfx_login(f);
  assert_null(strstr(f->seen.ptr, TEST_PASSWORD));
  assert_null(strstr(f->seen.ptr, "correct+horse"));
  assert_null(strstr(f->seen.ptr, "not-the-password-9a8b"));
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
  const struct CMUnitTest tests[] = {
    T(test_pages_need_login),   T(test_login_logout),      T(test_logout_ends_session_in_db),
    T(test_wrong_password),     T(test_login_needs_form_token), T(test_csrf_rejected),
    T(test_session_expires),    T(test_rate_limit),        T(test_rate_limit_per_address),
    T(test_security_headers),   T(test_healthz_and_errors), T(test_body_limits),
    T(test_no_open_redirect),   T(test_password_never_echoed), T(test_login_checked_before_body),
    T(test_upload_slots),       T(test_rate_limit_every_name_alike), T(test_lockout_per_name_and_address),
  };
  curl_global_init(CURL_GLOBAL_DEFAULT);
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  curl_global_cleanup();
  return rc;
}
