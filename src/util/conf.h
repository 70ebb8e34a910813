#ifndef WL_UTIL_CONF_H
#define WL_UTIL_CONF_H
/*
 * The configuration file (/etc/wfmlink/wfmlink.conf, or --config FILE): the
 * process-level options, one "key = value" per line, '#' starts a comment
 * line, a value may be wrapped in double quotes. Flags and environment
 * variables override the file; the file overrides the built-in defaults.
 * Every problem is refused with "FILE:LINE: why" (WL_EUSAGE), so that a
 * service never starts on a half-understood file.
 */
#include <stddef.h>

#define WL_CONF_DEFAULT "/etc/wfmlink/wfmlink.conf"

typedef struct wl_conf {
  char path[1024];
  int n;                 /* settings read */
  char db[1024];         /* "" when not set */
  char key_file[1024];
  char listen[256];
  char metrics_listen[256];
  char tls_cert[1024];
  char tls_key[1024];
  char log_level[16];
  char log_format[16];
} wl_conf;

/* Reads path into c (zeroed first). WL_ENOTFOUND when the file does not
 * exist, WL_EFAIL when it cannot be read, WL_EUSAGE "PATH:LINE: ..." for a bad
 * line. */
int wl_conf_load(wl_conf *c, const char *path);
/* The keys understood, with their meaning (help, man page). */
typedef struct wl_conf_key {
  const char *key, *help;
} wl_conf_key;
extern const wl_conf_key wl_conf_keys[];

#endif
