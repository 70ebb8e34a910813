#ifndef WL_CORE_USERS_H
#define WL_CORE_USERS_H
/*
 * Accounts of the web page as use-cases: users with Argon2id password
 * hashes (libsodium's crypto_pwhash_str), login sessions and API keys,
 * whose random ids the database stores only as SHA-256 hashes, so a copied
 * database opens no session. `wfmlink user`, the demo and the web server
 * (web/auth.c: cookies and headers) call these, never the store.
 */
#include <stddef.h>
#include <stdint.h>
#include "store/store.h"
#include "wfm/records.h"

#define WL_PW_HASH_LEN 128   /* crypto_pwhash_STRBYTES */
#define WL_SECRET_HEX_LEN 65 /* 32 random bytes as hex, NUL included */
#define WL_PASSWORD_MIN 8
#define WL_PASSWORD_MAX 1024

/* User names: 1-63 letters, digits, '.', '_', '-' or '@'. WL_EUSAGE names it. */
int wl_auth_check_username(const char *name);
/* Length WL_PASSWORD_MIN..WL_PASSWORD_MAX, no control characters. */
int wl_auth_check_password(const char *pw);
/* Argon2id with libsodium's interactive limits. */
int wl_auth_hash_password(char *out, size_t outlen, const char *pw);
/* 1 when pw matches the stored hash, 0 otherwise. */
int wl_auth_verify_password(const char *hash, const char *pw);

/* 32 random bytes as 64 lowercase hex digits (session ids, CSRF tokens). */
void wl_auth_random_hex(char out[WL_SECRET_HEX_LEN]);
/* SHA-256 of s as 64 hex digits: what the database keeps of ids and keys. */
void wl_auth_sha256_hex(char out[WL_SECRET_HEX_LEN], const char *s);
/* Constant-time comparison of two strings; 1 when equal. */
int wl_auth_equal(const char *a, const char *b);

/* Creates an API key for the user: key receives "wlk_" + 64 hex digits
 * (shown once, never stored), the database its hash. */
int wl_auth_new_api_key(char *key, size_t keylen, wl_store *st, int64_t user_id);

/* A generated password: 20 characters from an unambiguous alphabet. */
void wl_auth_generate_password(char *out, size_t outlen);
/* The name of a user id ("user ID" when there is none). */
void wl_auth_user_name(wl_store *st, char *out, size_t outlen, int64_t user_id);

/* ---- users ---- */

/* The user's id and (pw_hash may be NULL) password hash; WL_ENOTFOUND. */
int wl_user_get(wl_store *st, int64_t *out_id, char *pw_hash, size_t hashlen, const char *name);
/* Adds a user with the password (hashed here); WL_EEXISTS for a taken name. */
int wl_user_add(wl_store *st, int64_t *out_id, const char *name, const char *password,
                int64_t now);
/* Sets a new password (hashed here) and ends every login of the user:
 * whoever knew the old one may still be logged in. WL_ENOTFOUND. */
int wl_user_set_password(wl_store *st, int64_t user_id, const char *name, const char *password);
int wl_users_list(wl_store *st, wl_user_cb cb, void *payload);
/* Removes the user with its sessions and API keys; WL_ENOTFOUND. */
int wl_user_remove(wl_store *st, const char *name);
/* Revokes every API key of the user. */
int wl_user_revoke_api_keys(wl_store *st, int64_t user_id);
/* The user of an API key as sent ("wlk_..."); WL_ENOTFOUND when unknown. */
int wl_user_by_api_key(wl_store *st, int64_t *user_id, const char *key);

/* ---- login sessions (sid_hash: wl_auth_sha256_hex of the cookie) ---- */

/* Stores a session valid for ttl_s, after dropping expired ones. */
int wl_session_start(wl_store *st, const char *sid_hash, int64_t user_id, const char *csrf,
                     int64_t ttl_s, int64_t now);
/* The user and CSRF token of a live session; WL_ENOTFOUND. */
int wl_session_find(wl_store *st, int64_t *user_id, char *csrf, size_t csrflen,
                    const char *sid_hash, int64_t now);
int wl_session_end(wl_store *st, const char *sid_hash);

#endif
