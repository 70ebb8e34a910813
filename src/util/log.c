#include "util/log.h"
#include "util/err.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static enum wl_log_level current = WL_LOG_INFO;
static enum wl_log_format format = WL_LOG_TEXT;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static const char *names[] = {"DEBUG", "INFO", "WARN", "ERROR"};

void wl_log_set_level(enum wl_log_level lvl) { current = lvl; }
enum wl_log_level wl_log_get_level(void) { return current; }

void wl_log_set_format(enum wl_log_format f) { format = f; }

int wl_log_parse_format(enum wl_log_format *out, const char *s)
{
  if (strcmp(s, "text") == 0 || strcmp(s, "json") == 0) {
    *out = s[0] == 'j' ? WL_LOG_JSON : WL_LOG_TEXT;
    return 0;
  }
  return wl_err(WL_EUSAGE, "--log-format: '%s' is not text or json", s);
}

/* Length of the valid UTF-8 sequence at s, or 0 (then one byte is replaced):
 * a message cut at the buffer's end must still be valid JSON. */
static size_t utf8_len(const unsigned char *s)
{
  size_t n = s[0] >= 0xf5 ? 0 : s[0] >= 0xf0 ? 4 : s[0] >= 0xe0 ? 3 : s[0] >= 0xc2 ? 2 : 0;
  for (size_t i = 1; i < n; i++)
    if ((s[i] & 0xc0) != 0x80)
      return 0;
  return n;
}

/* Appends s as a JSON string body to out (capacity cap, always terminated). */
static void json_str(char *out, size_t cap, const char *s)
{
  size_t o = strlen(out);
  const unsigned char *p = (const unsigned char *)s;
  while (*p && o + 8 < cap) {
    size_t n = *p < 0x80 ? 1 : utf8_len(p);
    if (*p == '"' || *p == '\\') {
      out[o++] = '\\';
      out[o++] = (char)*p++;
    } else if (*p < 0x20 || *p == 0x7f) {
      o += (size_t)snprintf(out + o, cap - o, "\\u%04x", *p++);
    } else if (n == 0) {
      o += (size_t)snprintf(out + o, cap - o, "\\ufffd");
      p++;
    } else {
      memcpy(out + o, p, n);
      o += n;
      p += n;
    }
  }
  out[o] = '\0';
}

static void append(char *out, size_t cap, const char *s)
{
  size_t o = strlen(out);
  snprintf(out + o, cap - o, "%s", s);
}

static void log_json(enum wl_log_level lvl, const char *stamp, const char *source, const char *msg)
{
  static const char *lower[] = {"debug", "info", "warn", "error"};
  /* the message is at most 1 KiB, six bytes per escaped byte at worst */
  char line[8192];
  size_t body = sizeof(line) - 64; /* room for the closing fields */
  snprintf(line, sizeof(line), "{\"time\":\"%s\",\"level\":\"%s\",\"source\":", stamp,
           lower[lvl]);
  if (source && *source) {
    append(line, body, "\"");
    json_str(line, body, source);
    append(line, body, "\"");
  } else {
    append(line, body, "null");
  }
  append(line, body, ",\"message\":\"");
  json_str(line, body, msg);
  size_t o = strlen(line);
  snprintf(line + o, sizeof(line) - o, "\",\"fields\":{\"pid\":%ld}}", (long)getpid());
  pthread_mutex_lock(&log_lock);
  fprintf(stderr, "%s\n", line);
  pthread_mutex_unlock(&log_lock);
}

int wl_log_parse_level(enum wl_log_level *out, const char *s)
{
  static const char *lower[] = {"debug", "info", "warn", "error"};
  for (int i = 0; i < 4; i++) {
    if (strcmp(s, lower[i]) == 0) {
      *out = (enum wl_log_level)i;
      return 0;
    }
  }
  return wl_err(WL_EUSAGE, "--log-level: '%s' is not one of debug, info, warn, error", s);
}

void wl_log(enum wl_log_level lvl, const char *source, const char *fmt, ...)
{
  char msg[1024], stamp[32];
  struct tm tm;
  time_t now = time(NULL);
  va_list ap;
  if (lvl < current)
    return;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  gmtime_r(&now, &tm);
  strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (format == WL_LOG_JSON) {
    log_json(lvl, stamp, source, msg);
    return;
  }
  /* one line per event: text from outside (names, ids) cannot forge lines */
  for (char *p = msg; *p; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f)
      *p = '?';
  /* one fprintf under a lock: lines from several threads never interleave */
  pthread_mutex_lock(&log_lock);
  if (source && *source)
    fprintf(stderr, "%s %s [%s] %s\n", stamp, names[lvl], source, msg);
  else
    fprintf(stderr, "%s %s %s\n", stamp, names[lvl], msg);
  pthread_mutex_unlock(&log_lock);
}
