/*
 * The login session of a request: its cookie, and API keys sent as
 * 'Authorization: Bearer KEY'. The accounts themselves are core/users.c.
 */
#include "web/web_int.h"
#include "util/err.h"
#include "util/timeutil.h"

#include <ctype.h>
#include <microhttpd.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define SESSION_COOKIE "wl_session"

static int is_hex64(const char *s)
{
  return s && strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

int wl_auth_session(wl_req *rq)
{
  const char *sid = wl_req_cookie(rq, SESSION_COOKIE);
  wl_store *st = rq->app->st;
  int rc;
  if (!is_hex64(sid))
    return WL_ENOTFOUND;
  wl_auth_sha256_hex(rq->sid_hash, sid);
  rc = wl_session_find(st, &rq->user_id, rq->csrf, sizeof(rq->csrf), rq->sid_hash, wl_now());
  if (rc != 0) {
    rq->sid_hash[0] = '\0';
    return rc;
  }
  wl_auth_user_name(st, rq->user, sizeof(rq->user), rq->user_id);
  return 0;
}

int wl_auth_login(wl_req *rq, int64_t user_id, const char *user)
{
  char sid[WL_SECRET_HEX_LEN];
  wl_store *st = rq->app->st;
  int64_t now = wl_now();
  int rc;
  wl_auth_random_hex(sid);
  wl_auth_random_hex(rq->csrf);
  wl_auth_sha256_hex(rq->sid_hash, sid);
  rc = wl_session_start(st, rq->sid_hash, user_id, rq->csrf, rq->web->cfg.session_ttl_s, now);
  if (rc == 0) {
    rq->user_id = user_id;
    snprintf(rq->user, sizeof(rq->user), "%s", user);
    wl_set_cookie(rq, SESSION_COOKIE, sid, rq->web->cfg.session_ttl_s);
  }
  sodium_memzero(sid, sizeof(sid));
  return rc;
}

void wl_auth_logout(wl_req *rq)
{
  if (rq->sid_hash[0])
    wl_session_end(rq->app->st, rq->sid_hash);
  rq->sid_hash[0] = '\0';
  rq->user_id = 0;
  wl_set_cookie(rq, SESSION_COOKIE, "", 0);
}

int wl_auth_bearer(wl_req *rq)
{
  const char *h = wl_req_header(rq, MHD_HTTP_HEADER_AUTHORIZATION);
  int rc;
  if (!h)
    return WL_ENOTFOUND;
  if (strncasecmp(h, "Bearer ", 7) != 0)
    return wl_err(WL_EAUTH, "the Authorization header is not 'Bearer KEY'");
  h += 7;
  while (*h == ' ')
    h++;
  rc = wl_user_by_api_key(rq->app->st, &rq->user_id, h);
  if (rc == WL_ENOTFOUND)
    return wl_err(WL_EAUTH, "unknown API key");
  if (rc)
    return rc;
  rq->by_key = 1;
  wl_auth_user_name(rq->app->st, rq->user, sizeof(rq->user), rq->user_id);
  return 0;
}
