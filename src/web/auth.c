/*
 * Passwords, sessions and API keys. The session id and API keys are
 * 256-bit random values; the database holds only their SHA-256, so reading
 * the database does not let anyone log in. Password checks run Argon2id
 * even for unknown user names, so timing does not tell which names exist.
 */
#include "web/auth.h"
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

int wl_auth_check_username(const char *name)
{
  size_t n = strlen(name);
  if (n == 0 || n > 63)
    return wl_err(WL_EUSAGE, "NAME: a user name has 1 to 63 characters");
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)name[i];
    if (!isalnum(c) && c != '-' && c != '_' && c != '.' && c != '@')
      return wl_err(WL_EUSAGE, "NAME: a user name may hold only letters, digits, '-', '_', '.' "
                               "and '@'");
  }
  return 0;
}

int wl_auth_check_password(const char *pw)
{
  size_t n = strlen(pw);
  if (n < WL_PASSWORD_MIN)
    return wl_err(WL_EUSAGE, "the password is shorter than %d characters", WL_PASSWORD_MIN);
  if (n > WL_PASSWORD_MAX)
    return wl_err(WL_EUSAGE, "the password is longer than %d characters", WL_PASSWORD_MAX);
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)pw[i] < 0x20 || pw[i] == 0x7f)
      return wl_err(WL_EUSAGE, "the password contains a control character");
  return 0;
}

int wl_auth_hash_password(char *out, size_t outlen, const char *pw)
{
  if (outlen < crypto_pwhash_STRBYTES)
    return wl_err(WL_EFAIL, "password hash buffer too small");
  if (sodium_init() < 0)
    return wl_err(WL_EFAIL, "libsodium cannot start");
  if (crypto_pwhash_str(out, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
    return wl_err(WL_ENOMEM, "not enough memory to hash the password");
  return 0;
}

int wl_auth_verify_password(const char *hash, const char *pw)
{
  return crypto_pwhash_str_verify(hash, pw, strlen(pw)) == 0;
}

static void to_hex(char out[WL_SECRET_HEX_LEN], const unsigned char *bytes)
{
  sodium_bin2hex(out, WL_SECRET_HEX_LEN, bytes, 32);
}

void wl_auth_random_hex(char out[WL_SECRET_HEX_LEN])
{
  unsigned char b[32];
  randombytes_buf(b, sizeof(b));
  to_hex(out, b);
  sodium_memzero(b, sizeof(b));
}

void wl_auth_sha256_hex(char out[WL_SECRET_HEX_LEN], const char *s)
{
  unsigned char h[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(h, (const unsigned char *)s, strlen(s));
  to_hex(out, h);
}

int wl_auth_equal(const char *a, const char *b)
{
  size_t n;
  if (!a || !b || (n = strlen(a)) != strlen(b) || n == 0)
    return 0;
  return sodium_memcmp(a, b, n) == 0;
}

int wl_auth_new_api_key(char *key, size_t keylen, wl_store *st, int64_t user_id)
{
  char hex[WL_SECRET_HEX_LEN], hash[WL_SECRET_HEX_LEN];
  int rc;
  if (keylen < 4 + WL_SECRET_HEX_LEN)
    return wl_err(WL_EFAIL, "API key buffer too small");
  wl_auth_random_hex(hex);
  snprintf(key, keylen, "wlk_%s", hex);
  sodium_memzero(hex, sizeof(hex));
  wl_auth_sha256_hex(hash, key);
  rc = wl_store_apikey_add(st, user_id, hash, wl_now());
  if (rc)
    sodium_memzero(key, keylen);
  return rc;
}

void wl_auth_generate_password(char *out, size_t outlen)
{
  static const char alphabet[] = "abcdefghjkmnpqrstuvwxyzACDEFGHJKLMNPQRTUVWXY34679";
  size_t n = outlen - 1 < 20 ? outlen - 1 : 20;
  for (size_t i = 0; i < n; i++)
    out[i] = alphabet[randombytes_uniform(sizeof(alphabet) - 1)];
  out[n] = '\0';
}

/* ---- sessions ---- */

static int is_hex64(const char *s)
{
  return s && strlen(s) == 64 && strspn(s, "0123456789abcdef") == 64;
}

struct name_find {
  int64_t id;
  char *out;
  size_t n;
};

static int name_cb(void *payload, const wl_user_row *row)
{
  struct name_find *f = payload;
  if (row->id != f->id)
    return 0;
  snprintf(f->out, f->n, "%s", row->name);
  return 1;
}

void wl_auth_user_name(wl_store *st, char *out, size_t outlen, int64_t user_id)
{
  struct name_find f = {user_id, out, outlen};
  snprintf(out, outlen, "user %lld", (long long)user_id);
  wl_store_users_list(st, name_cb, &f);
}

int wl_auth_session(wl_req *rq)
{
  const char *sid = wl_req_cookie(rq, SESSION_COOKIE);
  wl_store *st = rq->app->st;
  int rc;
  if (!is_hex64(sid))
    return WL_ENOTFOUND;
  wl_auth_sha256_hex(rq->sid_hash, sid);
  rc = wl_store_session_get(st, &rq->user_id, rq->csrf, sizeof(rq->csrf), rq->sid_hash, wl_now());
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
  wl_store_sessions_expire(st, now); /* housekeeping; a failure here changes nothing */
  rc = wl_store_session_add(st, rq->sid_hash, user_id, rq->csrf, now + rq->web->cfg.session_ttl_s, now);
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
    wl_store_session_delete(rq->app->st, rq->sid_hash);
  rq->sid_hash[0] = '\0';
  rq->user_id = 0;
  wl_set_cookie(rq, SESSION_COOKIE, "", 0);
}

int wl_auth_bearer(wl_req *rq)
{
  const char *h = wl_req_header(rq, MHD_HTTP_HEADER_AUTHORIZATION);
  char hash[WL_SECRET_HEX_LEN];
  int rc;
  if (!h)
    return WL_ENOTFOUND;
  if (strncasecmp(h, "Bearer ", 7) != 0)
    return wl_err(WL_EAUTH, "the Authorization header is not 'Bearer KEY'");
  h += 7;
  while (*h == ' ')
    h++;
  wl_auth_sha256_hex(hash, h);
  rc = wl_store_apikey_find(rq->app->st, &rq->user_id, hash);
  if (rc == WL_ENOTFOUND)
    return wl_err(WL_EAUTH, "unknown API key");
  if (rc)
    return rc;
  rq->by_key = 1;
  wl_auth_user_name(rq->app->st, rq->user, sizeof(rq->user), rq->user_id);
  return 0;
}
