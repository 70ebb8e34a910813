#ifndef WL_UTIL_SECRET_H
#define WL_UTIL_SECRET_H
/*
 * Token encryption at rest. Tokens are stored in the database only as
 * libsodium secretbox blobs (nonce || ciphertext+MAC) under a 32-byte key
 * that lives in a separate file, so a copied database alone does not leak
 * the tokens. A fresh random nonce is drawn for every encryption.
 *
 * None of these functions logs or records the plaintext; error messages name
 * only the key file.
 */
#include <stddef.h>

#define WL_SECRET_KEY_BYTES 32

/* Where the key for this database lives: $WFMLINK_KEY_FILE when set,
 * "PATH.key" for "sqlite:PATH", else "wfmlink.key" in the current directory.
 * WL_EFAIL if the path does not fit in n bytes. */
int wl_secret_key_path(char *out, size_t n, const char *dsn);

/* Encrypts plain into a malloc'd blob. Creates the key file (mode 0600,
 * whatever the umask) when it does not exist yet. A key file of the wrong
 * size is refused (WL_EFAIL naming the path). */
int wl_secret_encrypt(unsigned char **out, size_t *outlen, const char *key_path,
                      const char *plain);

/* Decrypts a blob into a malloc'd NUL-terminated string (free it with
 * wl_secret_free). Never creates the key file. WL_EFAIL when the key does not
 * open the blob (a replaced key file, a damaged blob). */
int wl_secret_decrypt(char **plain, const char *key_path, const unsigned char *blob,
                      size_t len);

/* Wipes and frees a string returned by wl_secret_decrypt. NULL is fine. */
void wl_secret_free(char *plain);

#endif
