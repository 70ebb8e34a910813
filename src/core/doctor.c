#include "core/doctor.h"
#include "core/app.h"
#include "core/settings.h"
#include "util/err.h"
#include "util/secret.h"
#include "util/timeutil.h"

#include <curl/curl.h>
#include <stdarg.h>
#include <stdio.h>
#include <strings.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>

#define MiB (1024.0 * 1024.0)

typedef struct doc {
  const wl_doctor_opts *o;
  wl_doctor_fn cb;
  void *payload;
  int failures;
  wl_app *app;
  int tokens_bad;
} doc;

static void say(doc *d, enum wl_doc_verdict v, const char *check, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void say(doc *d, enum wl_doc_verdict v, const char *check, const char *fmt, ...)
{
  char detail[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(detail, sizeof(detail), fmt, ap);
  va_end(ap);
  if (v == WL_DOC_FAIL)
    d->failures++;
  d->cb(d->payload, v, check, detail);
}

void wl_doctor_opts_init(wl_doctor_opts *o, const char *dsn)
{
  memset(o, 0, sizeof(*o));
  o->dsn = dsn;
  o->network = 1;
  o->clock_warn_s = 10;
  o->clock_fail_s = 120;
  o->lag_fail_s = 86400;
}

static const char *sqlite_path(const char *dsn)
{
  return strncmp(dsn, "sqlite:", 7) == 0 ? dsn + 7 : NULL;
}

/* Opening creates a missing SQLite file: look first. */
static int check_database(doc *d)
{
  const char *path = sqlite_path(d->o->dsn);
  struct stat sb;
  int version = 0;
  if (path && stat(path, &sb) != 0) {
    say(d, WL_DOC_FAIL, "database", "no SQLite database at %s", path);
    return WL_ENOTFOUND;
  }
  if (wl_app_open(&d->app, d->o->dsn) != 0) {
    say(d, WL_DOC_FAIL, "database", "cannot open: %s", wl_errmsg());
    return WL_EFAIL;
  }
  if (wl_store_schema_version(d->app->st, &version) != 0) {
    say(d, WL_DOC_FAIL, "database", "reachable, but the schema version is unreadable: %s",
        wl_errmsg());
    return WL_EFAIL;
  }
  say(d, version == wl_store_latest_version() ? WL_DOC_OK : WL_DOC_FAIL, "database",
      "%s reachable (%s), schema version %d of %d", path ? path : "PostgreSQL",
      wl_store_backend(d->app->st), version, wl_store_latest_version());
  return 0;
}

static int count_tokens(void *payload, const wl_source *src)
{
  int *n = payload;
  *n += src->has_token + src->has_hist_token;
  return 0;
}

/* Every stored token must open with the key file: a replaced key file
 * silently stops every feed. */
static int try_tokens(void *payload, const wl_source *src)
{
  doc *d = payload;
  for (int k = 0; k < 2; k++) {
    char *tok = NULL;
    if (!(k ? src->has_hist_token : src->has_token))
      continue;
    if (wl_token_load(&tok, d->app, src, k ? WL_TOKEN_HIST : WL_TOKEN_RT) != 0) {
      say(d, WL_DOC_FAIL, "key file", "the %s token of source %s does not open: %s",
          k ? "historical" : "real-time", src->name, wl_errmsg());
      d->tokens_bad++;
    }
    wl_token_free(tok);
  }
  return 0;
}

static void check_key(doc *d)
{
  struct stat sb;
  int tokens = 0;
  wl_store_source_list(d->app->st, count_tokens, &tokens);
  if (stat(d->app->key_path, &sb) != 0) {
    if (tokens)
      say(d, WL_DOC_FAIL, "key file", "%s is missing: %d stored token%s cannot be read",
          d->app->key_path, tokens, tokens == 1 ? "" : "s");
    else
      say(d, WL_DOC_OK, "key file", "%s not created yet (no token stored)", d->app->key_path);
    return;
  }
  if (sb.st_size != WL_SECRET_KEY_BYTES) {
    say(d, WL_DOC_FAIL, "key file", "%s has %lld bytes, not %d", d->app->key_path,
        (long long)sb.st_size, WL_SECRET_KEY_BYTES);
    return;
  }
  wl_store_source_list(d->app->st, try_tokens, d);
  if (d->tokens_bad)
    return;
  if (sb.st_mode & 077)
    say(d, WL_DOC_WARN, "key file", "%s is readable by group or others (chmod 600 it)",
        d->app->key_path);
  else
    say(d, WL_DOC_OK, "key file", "%s opens all %d stored token%s", d->app->key_path, tokens,
        tokens == 1 ? "" : "s");
}

static void check_realtime(doc *d, const wl_source *src, int64_t now)
{
  char check[96];
  int64_t last, fresh = 3 * (int64_t)src->interval_s + 60; /* as the status page */
  wl_last_poll_get(&last, d->app->st, src->id);
  snprintf(check, sizeof(check), "source %s real-time", src->name);
  if (!last)
    say(d, WL_DOC_FAIL, check, "no successful poll yet (is 'wfmlink serve' running?)");
  else if (now - last > fresh)
    say(d, WL_DOC_FAIL, check, "stale: last successful poll %lld s ago (expected every %d s)",
        (long long)(now - last), src->interval_s);
  else
    say(d, WL_DOC_OK, check, "last successful poll %lld s ago", (long long)(now - last));
}

static void check_historical(doc *d, const wl_source *src, int64_t now)
{
  char check[96];
  int64_t wm, behind = wl_source_setting_int(d->app->st, src, "repull-window-s") + 3600;
  wl_watermark_get(&wm, d->app->st, src->id);
  snprintf(check, sizeof(check), "source %s historical", src->name);
  if (!wm)
    say(d, WL_DOC_WARN, check, "no historical window stored yet");
  else if (now - wm > d->o->lag_fail_s)
    say(d, WL_DOC_FAIL, check, "watermark lag %lld s (more than %lld s)", (long long)(now - wm),
        (long long)d->o->lag_fail_s);
  else
    say(d, now - wm > behind ? WL_DOC_WARN : WL_DOC_OK, check, "watermark lag %lld s%s",
        (long long)(now - wm), now - wm > behind ? " (catching up)" : "");
}

static void check_attention(doc *d, const wl_source *src)
{
  static const char *const keys[] = {"attention-realtime", "attention-historical"};
  char msg[600], check[96];
  for (int i = 0; i < 2; i++) {
    if (wl_setting_get(msg, sizeof(msg), d->app->st, src->id, keys[i]) != 0)
      continue;
    snprintf(check, sizeof(check), "source %s token", src->name);
    say(d, WL_DOC_FAIL, check, "%s feed refused: %s", i ? "historical" : "real-time", msg);
  }
}

static size_t on_header(char *p, size_t size, size_t n, void *user)
{
  time_t *date = user;
  size_t len = size * n;
  char line[128];
  if (len > 5 && len < sizeof(line) && strncasecmp(p, "Date:", 5) == 0) {
    memcpy(line, p + 5, len - 5);
    line[len - 5] = '\0';
    *date = curl_getdate(line, NULL);
  }
  return len;
}

/* 8x8's Date header against our clock: timestamps are ours, windows are
 * theirs. Any answer carries the header, so no token is sent. */
static void check_clock(doc *d, const wl_source *src)
{
  char check[96];
  time_t date = -1, mine;
  CURL *e = curl_easy_init();
  CURLcode cc;
  snprintf(check, sizeof(check), "source %s clock", src->name);
  if (!e)
    return say(d, WL_DOC_FAIL, check, "out of memory");
  curl_easy_setopt(e, CURLOPT_URL, src->base_url);
  curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
  curl_easy_setopt(e, CURLOPT_TIMEOUT, 10L);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, &date);
  cc = curl_easy_perform(e);
  mine = time(NULL);
  curl_easy_cleanup(e);
  if (cc != CURLE_OK)
    return say(d, WL_DOC_FAIL, check, "cannot reach %s: %s", src->base_url, curl_easy_strerror(cc));
  if (date < 0)
    return say(d, WL_DOC_WARN, check, "the API sent no Date header");
  long long skew = (long long)(mine - date), abs_skew = skew < 0 ? -skew : skew;
  say(d, abs_skew > d->o->clock_fail_s ? WL_DOC_FAIL : abs_skew > d->o->clock_warn_s ? WL_DOC_WARN
                                                                                   : WL_DOC_OK,
      check, "our clock is %lld s %s 8x8's", abs_skew, skew < 0 ? "behind" : "ahead of");
}

static int check_source(void *payload, const wl_source *src)
{
  doc *d = payload;
  int64_t now = wl_now();
  char check[96];
  if (!src->enabled) {
    snprintf(check, sizeof(check), "source %s", src->name);
    say(d, WL_DOC_SKIP, check, "disabled");
    return 0;
  }
  check_realtime(d, src, now);
  check_historical(d, src, now);
  check_attention(d, src);
  if (d->o->network)
    check_clock(d, src);
  return 0;
}

/* Free space where SQLite writes the database and its journal. */
static void check_disk(doc *d)
{
  const char *path = sqlite_path(d->o->dsn);
  char dir[4096];
  struct statvfs vfs;
  if (!path)
    return say(d, WL_DOC_SKIP, "disk", "PostgreSQL: the server's disk is checked there");
  snprintf(dir, sizeof(dir), "%s", path);
  char *slash = strrchr(dir, '/');
  if (!slash)
    snprintf(dir, sizeof(dir), ".");
  else
    slash[slash == dir] = '\0';
  if (statvfs(dir, &vfs) != 0)
    return say(d, WL_DOC_FAIL, "disk", "cannot stat %s", dir);
  double free_mb = (double)vfs.f_bavail * (double)vfs.f_frsize / MiB;
  double pct = vfs.f_blocks ? 100.0 * (double)vfs.f_bavail / (double)vfs.f_blocks : 100.0;
  enum wl_doc_verdict v = free_mb < 100 || pct < 1 ? WL_DOC_FAIL
                          : free_mb < 1024 || pct < 5 ? WL_DOC_WARN : WL_DOC_OK;
  say(d, v, "disk", "%.0f MiB free (%.1f%%) in %s", free_mb, pct, dir);
}

int wl_doctor_run(int *failures, const wl_doctor_opts *o, wl_doctor_fn cb, void *payload)
{
  doc d = {o, cb, payload, 0, NULL, 0};
  if (check_database(&d) == 0) {
    check_key(&d);
    if (wl_store_source_list(d.app->st, check_source, &d) != 0)
      say(&d, WL_DOC_FAIL, "sources", "cannot list: %s", wl_errmsg());
  }
  check_disk(&d);
  wl_app_free(d.app);
  *failures = d.failures;
  return 0;
}
