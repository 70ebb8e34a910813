#include "core/settings.h"
#include "util/err.h"
#include "util/log.h"
#include "util/tz.h"
#include "sources/driver.h"
#include "wfm/erlang.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

const wl_setting_def wl_setting_defs[] = {
  {"base-url", WL_SET_URL, "", 0, 0, 1, "real-time API root, https://HOST/api/"},
  {"tenant", WL_SET_TENANT, "", 0, 0, 1, "8x8 tenant name (Basic auth user)"},
  {"hist-base-url", WL_SET_URL, "", 0, 0, 1, "historical API root (default: base-url)"},
  {"hist-tenant", WL_SET_TENANT, "", 0, 0, 1, "historical tenant (default: tenant)"},
  {"interval", WL_SET_INT, "10", 10, 3600, 1, "real-time poll interval in seconds"},
  {"timezone", WL_SET_TZ, "UTC", 0, 0, 1, "IANA time zone of the contact center"},
  {"enabled", WL_SET_BOOL, "on", 0, 0, 1, "collect from this source"},
  {"allow-fast-poll", WL_SET_BOOL, "off", 0, 0, 0, "allow intervals below 10 s (tests)"},
  {"adherence-grace-s", WL_SET_INT, "0", 0, 86400, 0, "out-of-adherence stretches this short count as in"},
  {"count-unscheduled-work", WL_SET_BOOL, "off", 0, 0, 0, "working while unscheduled counts as out"},
  {"rta-alert-after-s", WL_SET_INT, "300", 0, 86400, 0, "RTA board alerts after this long out"},
  {"rt-max-gap-s", WL_SET_INT, "", 1, 86400, 0, "polls further apart leave unknown time (default 3 x interval)"},
  {"repull-window-s", WL_SET_INT, "8100", 900, 7 * 86400, 0, "trailing window re-pulled every 15 minutes"},
  {"backfill-max-days", WL_SET_INT, "35", 1, 3660, 0, "how far back an outage is backfilled"},
  {"hist-delay-s", WL_SET_INT, "60", 0, 840, 0, "delay after each 15-minute boundary"},
  {"http-timeout-s", WL_SET_INT, "30", 1, 600, 0, "timeout of one historical request"},
  {"stream", WL_SET_BOOL, "off", 0, 0, 0, "agent states pushed by 8x8's Event Streaming (docs/STREAM.md)"},
  {"stream-host", WL_SET_STRING, "", 0, 0, 0, "Event Streaming host, wss://pulsar-ws-use1.8x8.com (default: from base-url when known)"},
  {"stream-poll-s", WL_SET_INT, "60", 1, 3600, 0, "real-time poll interval while the stream is live (reconciliation)"},
  {"staffing-target", WL_SET_TARGET, "80/20", 0, 0, 0, "service level P/T: P % answered within T s"},
  {"staffing-model", WL_SET_MODEL, "erlang-c", 0, 0, 0, "erlang-c, or erlang-a (callers abandon)"},
  {"staffing-patience-s", WL_SET_INT, "120", 1, 86400, 0, "Erlang A: callers' mean patience"},
  {"staffing-shrinkage", WL_SET_FRACTION, "0.30", 0, 999, 0, "share of paid time not on queues (0 to <1)"},
  {"staffing-max-occupancy", WL_SET_FRACTION, "0.85", 1, 1000, 0, "highest occupancy to plan for (0 to 1]"},
  {NULL, 0, NULL, 0, 0, 0, NULL},
};

const wl_setting_def *wl_setting_find(const char *key)
{
  for (const wl_setting_def *d = wl_setting_defs; d->key; d++)
    if (strcmp(d->key, key) == 0)
      return d;
  return NULL;
}

int wl_check_name(const char *name)
{
  size_t n = strlen(name);
  if (n == 0 || n > 63)
    return wl_err(WL_EUSAGE, "NAME: a source name has 1 to 63 characters");
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)name[i];
    if (!isalnum(c) && c != '-' && c != '_' && c != '.')
      return wl_err(WL_EUSAGE, "NAME: '%s' may hold only letters, digits, '-', '_' and '.'", name);
  }
  return 0;
}

static int host_is_loopback(const char *host, size_t n)
{
  if ((n == 9 && strncasecmp(host, "localhost", 9) == 0) || (n == 5 && strncmp(host, "[::1]", 5) == 0))
    return 1;
  return n >= 4 && strncmp(host, "127.", 4) == 0 && strspn(host, "0123456789.") == n;
}

static int url_fail(const char *flag, const char *url, const char *why)
{
  return wl_err(WL_EUSAGE, "%s: '%s' %s (example: https://vcc-na10.8x8.com/api/)", flag, url, why);
}

/* Accepts https://HOST[:PORT]/api[/], or http:// to a loopback host, and a
 * bare host (https://HOST) which gets "/api/" appended. */
int wl_check_base_url(char *out, size_t outlen, const char *flag, const char *url)
{
  const char *host, *path;
  size_t hostlen, plen;
  int https = strncasecmp(url, "https://", 8) == 0;
  if (!https && strncasecmp(url, "http://", 7) != 0)
    return url_fail(flag, url, "must start with https://");
  host = url + (https ? 8 : 7);
  path = strchr(host, '/');
  hostlen = path ? (size_t)(path - host) : strlen(host);
  if (hostlen == 0 || strcspn(host, "@?# \t") < hostlen)
    return url_fail(flag, url, "has no valid host");
  if (strpbrk(url, "?# \t\r\n"))
    return url_fail(flag, url, "must not contain a query, fragment or spaces");
  {
    const char *colon = memchr(host, ':', hostlen);
    size_t bare = colon && host[0] != '[' ? (size_t)(colon - host) : hostlen;
    if (!https && !host_is_loopback(host, bare))
      return url_fail(flag, url, "must use https:// (plain http:// only for 127.0.0.1 or localhost)");
  }
  path = path ? path : "";
  plen = strlen(path);
  if (!(plen == 0 || strcmp(path, "/") == 0 || strcmp(path, "/api") == 0 || strcmp(path, "/api/") == 0))
    return url_fail(flag, url, "must point at the 8x8 API root, ending in /api/");
  if ((size_t)snprintf(out, outlen, "%.*s%.*s/api/", (int)(host - url), url, (int)hostlen, host) >= outlen)
    return url_fail(flag, url, "is too long");
  return 0;
}

int wl_check_tenant(const char *flag, const char *tenant)
{
  size_t n = strlen(tenant);
  if (n == 0)
    return wl_err(WL_EUSAGE, "%s: the tenant must not be empty", flag);
  if (n > 127)
    return wl_err(WL_EUSAGE, "%s: the tenant is longer than 127 characters", flag);
  for (size_t i = 0; i < n; i++) {
    unsigned char c = (unsigned char)tenant[i];
    if (c == ':')
      return wl_err(WL_EUSAGE, "%s: '%s' contains ':', which 8x8 tenant names cannot hold", flag, tenant);
    if (c < 0x20 || c == 0x7f || c == ' ')
      return wl_err(WL_EUSAGE, "%s: the tenant contains a space or control character", flag);
  }
  return 0;
}

static int parse_long(long *out, const char *s)
{
  char *end;
  errno = 0;
  *out = strtol(s, &end, 10);
  return *s && !*end && errno == 0 && !isspace((unsigned char)*s) ? 0 : -1;
}

int wl_check_interval(int *out, const char *flag, const char *value, int allow_fast_poll)
{
  long v;
  long min = allow_fast_poll ? 1 : 10;
  if (parse_long(&v, value))
    return wl_err(WL_EUSAGE, "%s: '%s' is not a whole number of seconds", flag, value);
  if (v < min || v > 3600)
    return wl_err(WL_EUSAGE, "%s: %ld is outside %ld..3600 seconds%s", flag, v, min,
                  allow_fast_poll ? "" : " (below 10 only with --allow-fast-poll)");
  *out = (int)v;
  return 0;
}

int wl_check_timezone(const char *flag, const char *tz)
{
  if (!wl_tz_valid(tz))
    return wl_err(WL_EUSAGE, "%s: '%s' is not an IANA time zone (e.g. America/New_York, UTC)", flag, tz);
  return 0;
}

static int check_bool(char *out, size_t outlen, const char *key, const char *v)
{
  if (!strcasecmp(v, "on") || !strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcmp(v, "1"))
    snprintf(out, outlen, "on");
  else if (!strcasecmp(v, "off") || !strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcmp(v, "0"))
    snprintf(out, outlen, "off");
  else
    return wl_err(WL_EUSAGE, "%s: '%s' is not on or off", key, v);
  return 0;
}

/* The planner's staffing settings, in the forms `wfmlink staffing` takes. */
static int check_staffing(char *out, size_t outlen, const wl_setting_def *def, const char *value)
{
  double p, t, x;
  char *end;
  if (def->type == WL_SET_TARGET) {
    if (wl_erlang_parse_target(&p, &t, value) != 0)
      return wl_err(WL_EUSAGE, "%s: '%s' is not P/T with 0 < P < 100 (e.g. 80/20)", def->key,
                    value);
  } else if (def->type == WL_SET_MODEL) {
    if (strcmp(value, "erlang-c") != 0 && strcmp(value, "erlang-a") != 0)
      return wl_err(WL_EUSAGE, "%s: '%s' is not erlang-c or erlang-a", def->key, value);
  } else {
    errno = 0;
    x = strtod(value, &end);
    if (!*value || *end || errno || x * 1000 < def->min || x * 1000 > def->max ||
        (def->min == 1 && x <= 0))
      return wl_err(WL_EUSAGE, "%s: '%s' must be a number from %g to %s%g", def->key, value,
                    def->min / 1000.0, def->max == 999 ? "below " : "", def->max == 999 ? 1.0 :
                    def->max / 1000.0);
  }
  if ((size_t)snprintf(out, outlen, "%s", value) >= outlen)
    return wl_err(WL_EUSAGE, "%s: the value is too long", def->key);
  return 0;
}

int wl_setting_check(char *out, size_t outlen, const wl_setting_def *def, const char *value,
                     int allow_fast_poll)
{
  long v;
  int iv;
  switch (def->type) {
  case WL_SET_BOOL:
    return check_bool(out, outlen, def->key, value);
  case WL_SET_URL:
    return wl_check_base_url(out, outlen, def->key, value);
  case WL_SET_TENANT:
    if (wl_check_tenant(def->key, value))
      return WL_EUSAGE;
    break;
  case WL_SET_TZ:
    if (wl_check_timezone(def->key, value))
      return WL_EUSAGE;
    break;
  case WL_SET_INT:
    if (strcmp(def->key, "interval") == 0) {
      if (wl_check_interval(&iv, def->key, value, allow_fast_poll))
        return WL_EUSAGE;
      snprintf(out, outlen, "%d", iv);
      return 0;
    }
    if (parse_long(&v, value))
      return wl_err(WL_EUSAGE, "%s: '%s' is not a whole number", def->key, value);
    if (v < def->min || v > def->max)
      return wl_err(WL_EUSAGE, "%s: %ld is outside %ld..%ld", def->key, v, def->min, def->max);
    snprintf(out, outlen, "%ld", v);
    return 0;
  case WL_SET_TARGET:
  case WL_SET_FRACTION:
  case WL_SET_MODEL:
    return check_staffing(out, outlen, def, value);
  case WL_SET_STRING:
    if (strcmp(def->key, "stream-host") == 0)
      return wl_source_stream_host_check(out, outlen, value);
    break;
  }
  if ((size_t)snprintf(out, outlen, "%s", value) >= outlen)
    return wl_err(WL_EUSAGE, "%s: the value is too long", def->key);
  return 0;
}

/* ---- the keys of the `setting` table ---- */

static const char *const state_keys[] = {
  "hist-watermark", "rt-last-ok", "attention-realtime", "attention-historical",
  /* the event stream's position and status rows (core/stream_apply.c) */
  "stream-message-id", "stream-status", "stream-events", "stream-ignored", "stream-other",
  "stream-bad", "stream-agree", "stream-mismatch", NULL};

int wl_setting_key_known(const char *key)
{
  const wl_setting_def *d = key ? wl_setting_find(key) : NULL;
  if (d)
    return !d->is_column;
  for (size_t i = 0; key && state_keys[i]; i++)
    if (strcmp(key, state_keys[i]) == 0)
      return 1;
  /* heartbeats (core/runs.h) */
  return key && ((strncmp(key, "instance:", 9) == 0 && key[9]) ||
                 (strncmp(key, "process:", 8) == 0 && key[8]));
}

static int unknown_key(const char *key)
{
  wl_error(NULL, "BUG: unknown setting key '%s'", key ? key : "(null)");
  return wl_err(WL_EFAIL, "unknown setting key '%s'", key ? key : "(null)");
}

int wl_setting_get(char *out, size_t outlen, wl_store *st, int64_t source_id, const char *key)
{
  if (!wl_setting_key_known(key))
    return unknown_key(key);
  return wl_store_setting_get(st, out, outlen, source_id, key);
}

int wl_setting_set(wl_store *st, int64_t source_id, const char *key, const char *value)
{
  if (!wl_setting_key_known(key))
    return unknown_key(key);
  return wl_store_setting_set(st, source_id, key, value);
}

int wl_setting_set_all(wl_store *st, int64_t source_id, const char *const *keys,
                       const char *const *values, size_t n)
{
  int rc = wl_store_begin(st);
  for (size_t i = 0; i < n && rc == 0; i++)
    rc = wl_setting_set(st, source_id, keys[i], values[i]);
  if (rc) {
    wl_store_rollback(st);
    return rc;
  }
  return wl_store_commit(st);
}

static int instant_get(int64_t *out, wl_store *st, int64_t source_id, const char *key)
{
  char buf[32];
  int rc = wl_setting_get(buf, sizeof(buf), st, source_id, key);
  *out = rc == 0 ? strtoll(buf, NULL, 10) : 0;
  return rc;
}

static int instant_set(wl_store *st, int64_t source_id, const char *key, int64_t t)
{
  char buf[32];
  snprintf(buf, sizeof(buf), "%lld", (long long)t);
  return wl_setting_set(st, source_id, key, buf);
}

int wl_watermark_get(int64_t *out, wl_store *st, int64_t source_id)
{
  return instant_get(out, st, source_id, "hist-watermark");
}

int wl_watermark_set(wl_store *st, int64_t source_id, int64_t t)
{
  return instant_set(st, source_id, "hist-watermark", t);
}

int wl_last_poll_get(int64_t *out, wl_store *st, int64_t source_id)
{
  return instant_get(out, st, source_id, "rt-last-ok");
}

int wl_last_poll_set(wl_store *st, int64_t source_id, int64_t t)
{
  return instant_set(st, source_id, "rt-last-ok", t);
}

/* A typed read of a key the code names: a typo must not read as 0. */
static const wl_setting_def *def_of(const char *key)
{
  const wl_setting_def *d = wl_setting_find(key);
  if (!d) {
    unknown_key(key);
    abort();
  }
  return d;
}

int64_t wl_source_setting_int(wl_store *st, const wl_source *src, const char *key)
{
  char buf[64];
  const wl_setting_def *d = def_of(key);
  long v;
  if (wl_store_setting_get(st, buf, sizeof(buf), src->id, key) == 0 && parse_long(&v, buf) == 0)
    return v;
  if (strcmp(key, "rt-max-gap-s") == 0)
    return 3 * (int64_t)src->interval_s;
  if (parse_long(&v, d->def) == 0)
    return v;
  return 0;
}

int wl_source_setting_bool(wl_store *st, const wl_source *src, const char *key)
{
  char buf[16];
  const wl_setting_def *d = def_of(key);
  if (wl_store_setting_get(st, buf, sizeof(buf), src->id, key) == 0)
    return strcmp(buf, "on") == 0;
  return strcmp(d->def, "on") == 0;
}
