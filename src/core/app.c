#include "core/runs.h"
#include "core/app.h"
#include "util/err.h"
#include "util/secret.h"
#include "util/timeutil.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>
#include <errno.h>

#define TOKEN_MAX 4096

int wl_app_open(wl_app **out, const char *dsn)
{
  wl_app *app = calloc(1, sizeof(*app));
  int rc;
  if (!app)
    return wl_err(WL_ENOMEM, "out of memory");
  if ((rc = wl_secret_key_path(app->key_path, sizeof(app->key_path), dsn)) != 0 ||
      (rc = wl_store_open(&app->st, dsn)) != 0) {
    free(app);
    return rc;
  }
  wl_owner_id(app->owner, sizeof(app->owner));
  *out = app;
  return 0;
}

void wl_app_free(wl_app *app)
{
  if (!app)
    return;
  wl_store_close(app->st);
  free(app);
}

int wl_app_schema_version(wl_app *app, int *out)
{
  return wl_store_schema_version(app->st, out);
}

int wl_app_source(wl_app *app, wl_source *out, const char *name)
{
  int rc = wl_store_source_get(app->st, out, name);
  if (rc == WL_ENOTFOUND)
    return wl_err(WL_EUSAGE, "no source named '%s' (see 'wfmlink source list')", name);
  return rc;
}

/* Strips surrounding white space and refuses control characters inside. */
static int clean_token(char *t, const char *flag)
{
  size_t n = strlen(t);
  char *s = t;
  while (n && (t[n - 1] == '\n' || t[n - 1] == '\r' || t[n - 1] == ' ' || t[n - 1] == '\t'))
    t[--n] = '\0';
  while (*s == ' ' || *s == '\t')
    s++;
  memmove(t, s, strlen(s) + 1);
  if (!*t)
    return wl_err(WL_EUSAGE, "%s: the token is empty", flag);
  for (s = t; *s; s++)
    if ((unsigned char)*s < 0x20 || *s == 0x7f)
      return wl_err(WL_EUSAGE, "%s: the token contains a control character or line break", flag);
  return 0;
}

static int read_stream(char *buf, size_t cap, FILE *f, const char *flag)
{
  size_t n = fread(buf, 1, cap - 1, f);
  buf[n] = '\0';
  if (n == cap - 1)
    return wl_err(WL_EUSAGE, "%s: the token is longer than %d bytes", flag, TOKEN_MAX - 1);
  if (memchr(buf, '\0', n))
    return wl_err(WL_EUSAGE, "%s: the token contains a NUL byte", flag);
  return 0;
}

void wl_read_hidden_line(char *buf, size_t cap, const char *prompt)
{
  struct termios old, quiet;
  int echo_off = tcgetattr(STDIN_FILENO, &old) == 0;
  fprintf(stderr, "%s: ", prompt);
  fflush(stderr);
  if (echo_off) {
    quiet = old;
    quiet.c_lflag &= ~(tcflag_t)ECHO;
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
  }
  if (!fgets(buf, (int)cap, stdin))
    buf[0] = '\0';
  if (echo_off)
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
  fputc('\n', stderr);
}

int wl_token_read(char **out, const char *file, const char *flag, const char *env_name,
                  const char *prompt)
{
  char *buf = sodium_init() < 0 ? NULL : sodium_malloc(TOKEN_MAX);
  const char *env = env_name ? getenv(env_name) : NULL;
  int rc = 0;
  *out = NULL;
  if (!buf)
    return wl_err(WL_ENOMEM, "out of memory");
  buf[0] = '\0';
  if (file) {
    FILE *f = fopen(file, "rb");
    if (!f) {
      rc = wl_err(WL_EUSAGE, "%s: cannot read '%s'", flag, file);
      goto done;
    }
    rc = read_stream(buf, TOKEN_MAX, f, flag);
    fclose(f);
  } else if (env && *env) {
    snprintf(buf, TOKEN_MAX, "%s", env);
  } else if (isatty(STDIN_FILENO)) {
    wl_read_hidden_line(buf, TOKEN_MAX, prompt);
  } else {
    rc = read_stream(buf, TOKEN_MAX, stdin, "standard input");
    if (rc == 0 && strspn(buf, " \t\r\n") == strlen(buf))
      goto done; /* nothing given: no token */
  }
  if (rc == 0)
    rc = clean_token(buf, file ? flag : env && *env ? env_name : "standard input");
  if (rc == 0) {
    *out = strdup(buf);
    if (!*out)
      rc = wl_err(WL_ENOMEM, "out of memory");
  }
done:
  sodium_free(buf);
  return rc;
}

static int count_tokens(void *payload, const wl_source *src)
{
  *(int *)payload += src->has_token || src->has_hist_token;
  return 0;
}

/* Encrypting creates a missing key file. While tokens encrypted under the
 * lost one are stored, a new key would leave them unreadable for good with
 * no word said: refuse and explain instead. */
static int key_file_check(wl_app *app)
{
  int n = 0, rc;
  if (access(app->key_path, F_OK) == 0 || errno != ENOENT)
    return 0;
  if ((rc = wl_store_source_list(app->st, count_tokens, &n)) != 0 || n == 0)
    return rc;
  return wl_err(WL_EFAIL, "the key file %s is missing, but %d source%s %s tokens encrypted "
                "with it: restore the key file (from a backup of the machine that created "
                "it, or set $WFMLINK_KEY_FILE to where it is); a new key could not read them",
                app->key_path, n, n == 1 ? "" : "s", n == 1 ? "has" : "have");
}

int wl_token_store(wl_app *app, int64_t source_id, enum wl_token_kind kind, const char *token)
{
  unsigned char *blob = NULL;
  size_t len = 0;
  int rc = key_file_check(app);
  if (rc == 0)
    rc = wl_secret_encrypt(&blob, &len, app->key_path, token);
  if (rc == 0)
    rc = wl_store_token_set(app->st, source_id, kind, blob, len, wl_now());
  free(blob);
  return rc;
}

int wl_token_load(char **out, wl_app *app, const wl_source *src, enum wl_token_kind kind)
{
  unsigned char *blob = NULL;
  size_t len = 0;
  int rc = wl_store_token_get(app->st, &blob, &len, src->id, kind);
  if (rc == WL_ENOTFOUND && kind == WL_TOKEN_HIST)
    rc = wl_store_token_get(app->st, &blob, &len, src->id, WL_TOKEN_RT);
  if (rc == WL_ENOTFOUND)
    return wl_err(WL_EUSAGE, "source '%s' has no token; set one with "
                  "'wfmlink source set %s token-file=FILE'", src->name, src->name);
  if (rc == 0)
    rc = wl_secret_decrypt(out, app->key_path, blob, len);
  free(blob);
  return rc;
}

void wl_token_free(char *token)
{
  if (token) {
    sodium_memzero(token, strlen(token));
    free(token);
  }
}
