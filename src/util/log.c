#include "util/log.h"
#include "util/err.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static enum wl_log_level current = WL_LOG_INFO;
static pthread_mutex_t log_lock = PTHREAD_MUTEX_INITIALIZER;
static const char *names[] = {"DEBUG", "INFO", "WARN", "ERROR"};

void wl_log_set_level(enum wl_log_level lvl) { current = lvl; }
enum wl_log_level wl_log_get_level(void) { return current; }

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
  /* one line per event: text from outside (names, ids) cannot forge lines */
  for (char *p = msg; *p; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f)
      *p = '?';
  gmtime_r(&now, &tm);
  strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%SZ", &tm);
  /* one fprintf under a lock: lines from several threads never interleave */
  pthread_mutex_lock(&log_lock);
  if (source && *source)
    fprintf(stderr, "%s %s [%s] %s\n", stamp, names[lvl], source, msg);
  else
    fprintf(stderr, "%s %s %s\n", stamp, names[lvl], msg);
  pthread_mutex_unlock(&log_lock);
}
