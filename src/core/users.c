/*
 * Users, passwords, sessions and API keys (core/users.h). The session id
 * and API keys are 256-bit random values; the database holds only their
 * SHA-256, so reading the database does not let anyone log in.
 */
#include "core/users.h"
#include "util/err.h"
#include "util/timeutil.h"

#include <ctype.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>

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

/* ---- users ---- */

int wl_user_get(wl_store *st, int64_t *out_id, char *pw_hash, size_t hashlen, const char *name)
{
  return wl_store_user_get(st, out_id, pw_hash, hashlen, name);
}

int wl_user_add(wl_store *st, int64_t *out_id, const char *name, const char *password,
                int64_t now)
{
  char hash[WL_PW_HASH_LEN];
  int rc = wl_auth_hash_password(hash, sizeof(hash), password);
  *out_id = 0;
  if (rc == 0)
    rc = wl_store_user_add(st, out_id, name, hash, now);
  sodium_memzero(hash, sizeof(hash));
  return rc;
}

int wl_user_set_password(wl_store *st, int64_t user_id, const char *name, const char *password)
{
  char hash[WL_PW_HASH_LEN];
  int rc = wl_auth_hash_password(hash, sizeof(hash), password);
  if (rc == 0)
    rc = wl_store_user_set_password(st, name, hash);
  if (rc == 0)
    rc = wl_store_sessions_delete_user(st, user_id);
  sodium_memzero(hash, sizeof(hash));
  return rc;
}

int wl_users_list(wl_store *st, wl_user_cb cb, void *payload)
{
  return wl_store_users_list(st, cb, payload);
}

int wl_user_remove(wl_store *st, const char *name)
{
  return wl_store_user_remove(st, name);
}

int wl_user_revoke_api_keys(wl_store *st, int64_t user_id)
{
  return wl_store_apikeys_delete_user(st, user_id);
}

int wl_user_by_api_key(wl_store *st, int64_t *user_id, const char *key)
{
  char hash[WL_SECRET_HEX_LEN];
  wl_auth_sha256_hex(hash, key);
  return wl_store_apikey_find(st, user_id, hash);
}

/* ---- login sessions ---- */

int wl_session_start(wl_store *st, const char *sid_hash, int64_t user_id, const char *csrf,
                     int64_t ttl_s, int64_t now)
{
  wl_store_sessions_expire(st, now); /* housekeeping; a failure here changes nothing */
  return wl_store_session_add(st, sid_hash, user_id, csrf, now + ttl_s, now);
}

int wl_session_find(wl_store *st, int64_t *user_id, char *csrf, size_t csrflen,
                    const char *sid_hash, int64_t now)
{
  return wl_store_session_get(st, user_id, csrf, csrflen, sid_hash, now);
}

int wl_session_end(wl_store *st, const char *sid_hash)
{
  return wl_store_session_delete(st, sid_hash);
}
