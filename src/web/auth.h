#ifndef WL_WEB_AUTH_H
#define WL_WEB_AUTH_H
/*
 * Accounts of the web page: Argon2id password hashes (libsodium's
 * crypto_pwhash_str), random session ids and API keys that the database
 * stores only as SHA-256 hashes, so a copied database opens no session.
 * Shared by the server and `wfmlink user`.
 */
#include <stddef.h>
#include <stdint.h>
#include "store/store.h"

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

#endif
