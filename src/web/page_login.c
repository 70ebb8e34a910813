/*
 * GET/POST /login and POST /logout.
 *
 * The login form has no session yet, so its CSRF token is a random value in
 * a short-lived HttpOnly, SameSite=Strict cookie that the form repeats
 * (double submit). Failed logins are rate-limited per client address (an
 * IPv6 client by its /64) and per user name (ratelimit.c); only names that
 * exist are counted, so made-up names cannot fill the table. An unknown
 * name costs the same Argon2id work as a wrong password.
 */
#include "core/users.h"
#include "web/web_int.h"
#include "util/err.h"
#include "util/log.h"
#include "util/timeutil.h"

#include <microhttpd.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define LOGIN_COOKIE "wl_login"
#define LOGIN_COOKIE_AGE 3600

/* Only paths of this site are followed after login (no open redirect):
 * one leading '/' and no backslash (browsers read "//host" and "/\host"
 * as another host), and no control character or space anywhere (browsers drop
 * a tab, so "/<TAB>/host" would become "//host"). Anything else goes to "/". */
static const char *safe_next(const char *next)
{
  if (!next || next[0] != '/' || next[1] == '/' || strlen(next) > 500 ||
      strncmp(next, "/login", 6) == 0)
    return "/";
  for (const unsigned char *p = (const unsigned char *)next; *p; p++)
    if (*p < 0x21 || *p == 0x7f || *p == '\\' || *p == '"' || *p == '<' || *p == '>')
      return "/";
  return next;
}

static void login_form(wl_req *rq, const char *token, const char *user, const char *next,
                       const char *error, const char *notice)
{
  wl_buf *b = &rq->out;
  wl_page_begin(rq, "Log in");
  wl_buf_puts(b, "<div class=\"login\"><h1>Log in</h1>"
                 "<p class=\"sub\">wfmlink — 8x8 data for workforce management</p>");
  if (notice)
    wl_html(b, "<p class=\"notice ok\">%s</p>", notice);
  if (error)
    wl_html(b, "<p class=\"notice bad\" role=\"alert\" id=\"login-error\">%s</p>", error);
  wl_html(b, "<form class=\"card\" method=\"post\" action=\"/login\">"
             "<input type=\"hidden\" name=\"csrf\" value=\"%s\">"
             "<input type=\"hidden\" name=\"next\" value=\"%s\">"
             "<div class=\"field\"><label for=\"user\">User name</label>"
             "<input type=\"text\" id=\"user\" name=\"user\" value=\"%s\" autocomplete=\"username\" "
             "autocapitalize=\"none\" required autofocus></div>"
             "<div class=\"field\"><label for=\"password\">Password</label>"
             "<input type=\"password\" id=\"password\" name=\"password\" "
             "autocomplete=\"current-password\" required></div>"
             "<div class=\"actions\"><button type=\"submit\" class=\"primary\">Log in</button></div>"
             "</form><p class=\"muted\">Accounts are created on the server with "
             "<code>wfmlink user add NAME</code>.</p></div>",
          token, safe_next(next), user ? user : "");
  wl_page_end(rq);
}

/* The form's token: the cookie's when it is well-formed, else a new one. */
static void login_token(wl_req *rq, char out[WL_SECRET_HEX_LEN])
{
  const char *c = wl_req_cookie(rq, LOGIN_COOKIE);
  if (c && strlen(c) == 64 && strspn(c, "0123456789abcdef") == 64) {
    snprintf(out, WL_SECRET_HEX_LEN, "%s", c);
    return;
  }
  wl_auth_random_hex(out);
  wl_set_cookie(rq, LOGIN_COOKIE, out, LOGIN_COOKIE_AGE);
}

int wl_page_login(wl_req *rq)
{
  char token[WL_SECRET_HEX_LEN];
  const char *out = wl_req_query(rq, "out");
  if (wl_auth_session(rq) == 0)
    return wl_redirect(rq, safe_next(wl_req_query(rq, "next")));
  rq->user_id = 0; /* no navigation bar on this page */
  login_token(rq, token);
  login_form(rq, token, NULL, wl_req_query(rq, "next"), NULL,
             out ? "You have logged out." : NULL);
  return 0;
}

/* Runs Argon2id against a fixed hash so an unknown name takes as long as a
 * wrong password. */
static pthread_once_t dummy_once = PTHREAD_ONCE_INIT;
static char dummy_hash[WL_PW_HASH_LEN];

static void make_dummy(void)
{
  char pw[WL_SECRET_HEX_LEN];
  wl_auth_random_hex(pw);
  if (wl_auth_hash_password(dummy_hash, sizeof(dummy_hash), pw) != 0)
    dummy_hash[0] = '\0';
}

static int check_password(wl_store *st, int64_t *uid, const char *user, const char *pw)
{
  char hash[WL_PW_HASH_LEN];
  int ok;
  if (wl_user_get(st, uid, hash, sizeof(hash), user) == 0) {
    ok = wl_auth_verify_password(hash, pw);
  } else {
    pthread_once(&dummy_once, make_dummy);
    wl_auth_verify_password(dummy_hash, pw);
    *uid = 0;
    ok = 0;
  }
  sodium_memzero(hash, sizeof(hash));
  return ok;
}

static int refuse(wl_req *rq, int status, const char *token, const char *user, const char *msg)
{
  rq->status = status;
  login_form(rq, token, user, wl_form_get(&rq->form, "next"), msg, NULL);
  return 0;
}

static int locked_out(wl_req *rq, const char *token, const char *user, const char *ukey,
                      const char *ikey)
{
  int64_t now = wl_now(), wu = wl_rl_wait(&rq->web->rl, ukey, now);
  int64_t wi = wl_rl_wait(&rq->web->rl, ikey, now), w = wu > wi ? wu : wi;
  char msg[200];
  if (w <= 0)
    return 0;
  snprintf(rq->retry_after, sizeof(rq->retry_after), "%lld", (long long)w);
  snprintf(msg, sizeof(msg), "Too many failed log-ins. Wait %lld second%s, then try again.",
           (long long)w, w == 1 ? "" : "s");
  refuse(rq, MHD_HTTP_TOO_MANY_REQUESTS, token, user, msg);
  return 1;
}

int wl_page_login_post(wl_req *rq)
{
  const char *user = wl_form_get(&rq->form, "user"), *pw = wl_form_get(&rq->form, "password");
  const char *sent = wl_form_get(&rq->form, "csrf"), *cookie = wl_req_cookie(rq, LOGIN_COOKIE);
  char token[WL_SECRET_HEX_LEN], ukey[WL_RL_KEY_LEN], ikey[WL_RL_KEY_LEN];
  int64_t uid = 0;
  login_token(rq, token);
  if (!wl_auth_equal(sent, cookie))
    return refuse(rq, MHD_HTTP_FORBIDDEN, token, user,
                  "The log-in form had expired. Please try again.");
  if (!user || !*user || !pw || !*pw)
    return refuse(rq, MHD_HTTP_BAD_REQUEST, token, user, "Enter your user name and password.");
  wl_rl_client_key(ikey, sizeof(ikey), rq->ip);
  /* the name's key includes the address: others cannot lock this user out */
  snprintf(ukey, sizeof(ukey), "user:%.80s@%.64s", user, ikey);
  if (locked_out(rq, token, user, ukey, ikey))
    return 0;
  if (!check_password(rq->app->st, &uid, user, pw)) {
    wl_rl_fail(&rq->web->rl, ukey, wl_now()); /* every name alike, known or not */
    wl_rl_fail(&rq->web->rl, ikey, wl_now());
    if (uid)
      wl_warn(NULL, "web: failed log-in for user '%s' from %s", user, rq->ip);
    else
      wl_warn(NULL, "web: failed log-in for an unknown user from %s", rq->ip);
    return refuse(rq, MHD_HTTP_FORBIDDEN, token, user, "Wrong user name or password.");
  }
  wl_rl_success(&rq->web->rl, ukey);
  wl_rl_success(&rq->web->rl, ikey);
  rq->ncookies = 0; /* the session cookie replaces the login token */
  if (wl_auth_login(rq, uid, user) != 0)
    return WL_EFAIL;
  wl_set_cookie(rq, LOGIN_COOKIE, "", 0);
  wl_info(NULL, "web: '%s' logged in from %s", user, rq->ip);
  return wl_redirect(rq, safe_next(wl_form_get(&rq->form, "next")));
}

int wl_page_logout(wl_req *rq)
{
  wl_info(NULL, "web: '%s' logged out", rq->user);
  wl_auth_logout(rq);
  return wl_redirect(rq, "/login?out=1");
}
