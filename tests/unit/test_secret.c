#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/err.h"
#include "util/secret.h"

static const char *const token = "eyJhbGciOiJIUzI1NiJ9.secret-token-value-0123456789";
static int seq;

/* A fresh, not yet existing key file path per test. */
static void key_path(char *out, size_t n)
{
  const char *tmp = getenv("WL_TEST_TMP");
  if (!tmp || !*tmp)
    tmp = "/tmp";
  if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
    fail_msg("cannot create %s", tmp);
  snprintf(out, n, "%s/test_secret_%ld_%d.key", tmp, (long)getpid(), ++seq);
  unlink(out);
}

static void test_round_trip(void **state)
{
  char path[512];
  unsigned char *blob = NULL;
  size_t len = 0;
  char *plain = NULL;
  (void)state;
  key_path(path, sizeof(path));
  assert_int_equal(wl_secret_encrypt(&blob, &len, path, token), 0);
  assert_int_equal(len, strlen(token) + 24 + 16); /* nonce || ciphertext+MAC */
  assert_int_equal(wl_secret_decrypt(&plain, path, blob, len), 0);
  assert_string_equal(plain, token);
  wl_secret_free(plain);
  free(blob);

  /* the empty string is a valid secret too */
  assert_int_equal(wl_secret_encrypt(&blob, &len, path, ""), 0);
  assert_int_equal(wl_secret_decrypt(&plain, path, blob, len), 0);
  assert_string_equal(plain, "");
  wl_secret_free(plain);
  free(blob);
  unlink(path);
}

static void test_key_file_mode(void **state)
{
  char path[512];
  unsigned char *blob = NULL;
  size_t len = 0;
  struct stat sb;
  mode_t old = umask(0); /* the most permissive umask must not widen the key */
  (void)state;
  key_path(path, sizeof(path));
  assert_int_equal(wl_secret_encrypt(&blob, &len, path, token), 0);
  umask(old);
  assert_int_equal(stat(path, &sb), 0);
  assert_int_equal(sb.st_mode & 0777, 0600);
  assert_int_equal(sb.st_size, WL_SECRET_KEY_BYTES);
  free(blob);
  unlink(path);
}

static void test_nonces_differ(void **state)
{
  char path[512];
  unsigned char *a = NULL, *b = NULL;
  size_t la = 0, lb = 0;
  (void)state;
  key_path(path, sizeof(path));
  assert_int_equal(wl_secret_encrypt(&a, &la, path, token), 0);
  assert_int_equal(wl_secret_encrypt(&b, &lb, path, token), 0);
  assert_int_equal(la, lb);
  assert_memory_not_equal(a, b, 24);           /* nonces */
  assert_memory_not_equal(a + 24, b + 24, la - 24); /* ciphertexts */
  free(a);
  free(b);
  unlink(path);
}

/* memmem is a GNU extension; the build asks for POSIX only */
static int contains(const unsigned char *hay, size_t n, const char *needle)
{
  size_t m = strlen(needle);
  for (size_t i = 0; m <= n && i <= n - m; i++)
    if (memcmp(hay + i, needle, m) == 0)
      return 1;
  return 0;
}

static void test_plaintext_not_in_blob(void **state)
{
  char path[512];
  unsigned char *blob = NULL;
  size_t len = 0;
  (void)state;
  key_path(path, sizeof(path));
  assert_int_equal(wl_secret_encrypt(&blob, &len, path, token), 0);
  assert_false(contains(blob, len, token));
  assert_false(contains(blob, len, "secret-token"));
  free(blob);
  unlink(path);
}

static void test_wrong_key(void **state)
{
  char path[512], other[512], want[1200];
  unsigned char *blob = NULL;
  size_t len = 0;
  char *plain = (char *)1;
  (void)state;
  key_path(path, sizeof(path));
  key_path(other, sizeof(other));
  assert_int_equal(wl_secret_encrypt(&blob, &len, path, token), 0);
  /* a different key file (created by encrypting something with it) */
  {
    unsigned char *tmp = NULL;
    size_t tl = 0;
    assert_int_equal(wl_secret_encrypt(&tmp, &tl, other, "x"), 0);
    free(tmp);
  }
  assert_int_equal(wl_secret_decrypt(&plain, other, blob, len), WL_EFAIL);
  assert_null(plain);
  snprintf(want, sizeof(want),
           "token cannot be decrypted with key file %s (was the key file replaced?)", other);
  assert_string_equal(wl_errmsg(), want);
  assert_null(strstr(wl_errmsg(), token));

  /* a tampered blob fails the same way */
  blob[len - 1] ^= 1;
  assert_int_equal(wl_secret_decrypt(&plain, path, blob, len), WL_EFAIL);
  blob[len - 1] ^= 1;
  /* a truncated one too */
  assert_int_equal(wl_secret_decrypt(&plain, path, blob, 10), WL_EFAIL);
  free(blob);
  unlink(path);
  unlink(other);
}

static void test_missing_key_not_created_on_decrypt(void **state)
{
  char path[512];
  unsigned char blob[64] = {0};
  char *plain = NULL;
  (void)state;
  key_path(path, sizeof(path));
  assert_int_equal(wl_secret_decrypt(&plain, path, blob, sizeof(blob)), WL_EFAIL);
  assert_non_null(strstr(wl_errmsg(), path));
  assert_int_equal(access(path, F_OK), -1);
}

static void test_wrong_key_size(void **state)
{
  char path[512];
  unsigned char *blob = NULL;
  size_t len = 0;
  int fd;
  (void)state;
  key_path(path, sizeof(path));
  fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
  assert_true(fd >= 0);
  assert_int_equal(write(fd, "short", 5), 5);
  close(fd);
  assert_int_equal(wl_secret_encrypt(&blob, &len, path, token), WL_EFAIL);
  assert_null(blob);
  assert_non_null(strstr(wl_errmsg(), path));
  assert_non_null(strstr(wl_errmsg(), "5 bytes"));
  unlink(path);
}

static void test_key_path(void **state)
{
  char out[256];
  (void)state;
  unsetenv("WFMLINK_KEY_FILE");
  assert_int_equal(wl_secret_key_path(out, sizeof(out), "sqlite:/var/lib/wfmlink/w.db"), 0);
  assert_string_equal(out, "/var/lib/wfmlink/w.db.key");
  assert_int_equal(wl_secret_key_path(out, sizeof(out), "sqlite:rel.db"), 0);
  assert_string_equal(out, "rel.db.key");
  assert_int_equal(wl_secret_key_path(out, sizeof(out), "postgresql://u@h/db"), 0);
  assert_string_equal(out, "wfmlink.key");
  assert_int_equal(wl_secret_key_path(out, sizeof(out), NULL), 0);
  assert_string_equal(out, "wfmlink.key");
  assert_int_equal(wl_secret_key_path(out, 8, "sqlite:/a/long/path.db"), WL_EFAIL);
  setenv("WFMLINK_KEY_FILE", "/etc/wfmlink/token.key", 1);
  assert_int_equal(wl_secret_key_path(out, sizeof(out), "sqlite:/x.db"), 0);
  assert_string_equal(out, "/etc/wfmlink/token.key");
  unsetenv("WFMLINK_KEY_FILE");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_round_trip),
    cmocka_unit_test(test_key_file_mode),
    cmocka_unit_test(test_nonces_differ),
    cmocka_unit_test(test_plaintext_not_in_blob),
    cmocka_unit_test(test_wrong_key),
    cmocka_unit_test(test_missing_key_not_created_on_decrypt),
    cmocka_unit_test(test_wrong_key_size),
    cmocka_unit_test(test_key_path),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
