#include "util/secret.h"
#include "util/fdio.h"
#include "util/err.h"
#include "util/log.h"

#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define BLOB_OVERHEAD (crypto_secretbox_NONCEBYTES + crypto_secretbox_MACBYTES)

_Static_assert(WL_SECRET_KEY_BYTES == crypto_secretbox_KEYBYTES, "key size");

int wl_secret_key_path(char *out, size_t n, const char *dsn)
{
  const char *env = getenv("WFMLINK_KEY_FILE");
  int len;
  if (env && *env)
    len = snprintf(out, n, "%s", env);
  else if (dsn && strncmp(dsn, "sqlite:", 7) == 0 && dsn[7] && strcmp(dsn + 7, ":memory:") != 0)
    len = snprintf(out, n, "%s.key", dsn + 7);
  else
    len = snprintf(out, n, "%s", "wfmlink.key");
  if (len < 0 || (size_t)len >= n)
    return wl_err(WL_EFAIL, "key file path is longer than %zu bytes", n ? n - 1 : 0);
  return 0;
}

/* sodium_init() is itself thread-safe and idempotent (returns 1 when done). */
static int sodium_ready(void)
{
  if (sodium_init() < 0)
    return wl_err(WL_EFAIL, "libsodium failed to initialise");
  return 0;
}

/* Creates a new key file; *created stays 0 if another process won the race. */
static int key_create(const char *path, int *created)
{
  unsigned char key[WL_SECRET_KEY_BYTES];
  int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  int rc = 0;
  *created = 0;
  if (fd < 0) {
    if (errno == EEXIST)
      return 0;
    return wl_err(WL_EFAIL, "cannot create key file %s: %s", path, strerror(errno));
  }
  crypto_secretbox_keygen(key);
  /* the umask may have widened or narrowed 0600; set it exactly */
  if (fchmod(fd, 0600) != 0 || wl_write_all(fd, key, sizeof(key), 0) != 0 || fsync(fd) != 0) {
    rc = wl_err(WL_EFAIL, "cannot write key file %s: %s", path, strerror(errno));
    unlink(path); /* a half-written key must not be picked up later */
  }
  sodium_memzero(key, sizeof(key));
  if (close(fd) != 0 && rc == 0) {
    rc = wl_err(WL_EFAIL, "cannot write key file %s: %s", path, strerror(errno));
    unlink(path);
  }
  if (rc == 0)
    *created = 1;
  return rc;
}

static int read_exact(int fd, unsigned char *p, size_t n)
{
  while (n > 0) {
    ssize_t r = read(fd, p, n);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      return -1;
    p += r;
    n -= (size_t)r;
  }
  return 0;
}

static int key_read(unsigned char key[WL_SECRET_KEY_BYTES], const char *path)
{
  struct stat sb;
  int rc = 0;
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return wl_err(WL_EFAIL, "cannot read key file %s: %s", path, strerror(errno));
  if (fstat(fd, &sb) != 0)
    rc = wl_err(WL_EFAIL, "cannot read key file %s: %s", path, strerror(errno));
  else if (sb.st_size != WL_SECRET_KEY_BYTES)
    rc = wl_err(WL_EFAIL, "key file %s has %lld bytes, expected %d", path,
                (long long)sb.st_size, WL_SECRET_KEY_BYTES);
  else if (read_exact(fd, key, WL_SECRET_KEY_BYTES) != 0)
    rc = wl_err(WL_EFAIL, "cannot read key file %s", path);
  else if (sb.st_mode & 077)
    wl_warn(NULL, "key file %s is accessible to other users; run chmod 600 on it", path);
  close(fd);
  if (rc != 0)
    sodium_memzero(key, WL_SECRET_KEY_BYTES);
  return rc;
}

static int key_load(unsigned char key[WL_SECRET_KEY_BYTES], const char *path, int create)
{
  int created = 0;
  int rc;
  if (!path || !*path)
    return wl_err(WL_EUSAGE, "no key file path given");
  if (create && access(path, F_OK) != 0 && errno == ENOENT) {
    rc = key_create(path, &created);
    if (rc != 0)
      return rc;
    if (created)
      wl_info(NULL, "created key file %s; keep it with the database, tokens cannot be "
                    "decrypted without it", path);
  }
  return key_read(key, path);
}

int wl_secret_encrypt(unsigned char **out, size_t *outlen, const char *key_path,
                      const char *plain)
{
  unsigned char key[WL_SECRET_KEY_BYTES];
  unsigned char *blob;
  size_t plen;
  int rc;
  *out = NULL;
  *outlen = 0;
  if (!plain)
    return wl_err(WL_EUSAGE, "no token to encrypt");
  if ((rc = sodium_ready()) != 0 || (rc = key_load(key, key_path, 1)) != 0)
    return rc;
  plen = strlen(plain);
  blob = malloc(plen + BLOB_OVERHEAD);
  if (!blob) {
    sodium_memzero(key, sizeof(key));
    return wl_err(WL_ENOMEM, "out of memory encrypting a token");
  }
  randombytes_buf(blob, crypto_secretbox_NONCEBYTES);
  crypto_secretbox_easy(blob + crypto_secretbox_NONCEBYTES, (const unsigned char *)plain,
                        plen, blob, key);
  sodium_memzero(key, sizeof(key));
  *out = blob;
  *outlen = plen + BLOB_OVERHEAD;
  return 0;
}

int wl_secret_decrypt(char **plain, const char *key_path, const unsigned char *blob,
                      size_t len)
{
  unsigned char key[WL_SECRET_KEY_BYTES];
  unsigned char *text;
  size_t tlen;
  int rc, bad;
  *plain = NULL;
  if ((rc = sodium_ready()) != 0 || (rc = key_load(key, key_path, 0)) != 0)
    return rc;
  if (!blob || len < BLOB_OVERHEAD) {
    sodium_memzero(key, sizeof(key));
    goto undecryptable;
  }
  tlen = len - BLOB_OVERHEAD;
  text = malloc(tlen + 1);
  if (!text) {
    sodium_memzero(key, sizeof(key));
    return wl_err(WL_ENOMEM, "out of memory decrypting a token");
  }
  bad = crypto_secretbox_open_easy(text, blob + crypto_secretbox_NONCEBYTES,
                                   len - crypto_secretbox_NONCEBYTES, blob, key);
  sodium_memzero(key, sizeof(key));
  if (bad) {
    free(text);
    goto undecryptable;
  }
  text[tlen] = '\0';
  *plain = (char *)text;
  return 0;

undecryptable:
  return wl_err(WL_EFAIL, "token cannot be decrypted with key file %s (was the key file replaced?)",
                key_path);
}

void wl_secret_free(char *plain)
{
  if (!plain)
    return;
  sodium_memzero(plain, strlen(plain));
  free(plain);
}
