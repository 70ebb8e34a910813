#ifndef WL_UTIL_LOG_H
#define WL_UTIL_LOG_H
/*
 * One line per event on stderr: "2024-11-03T10:00:00Z LEVEL [source] message",
 * or with the json format one object per line (for journald and log
 * shippers): {"time":"...Z","level":"info","source":"acme"|null,
 * "message":"...","fields":{"pid":N}}.
 * Callers never pass secrets; tokens are not even reachable from log call sites
 * (they live only inside the HTTP client for the duration of a request).
 */
enum wl_log_level { WL_LOG_DEBUG, WL_LOG_INFO, WL_LOG_WARN, WL_LOG_ERROR };

enum wl_log_format { WL_LOG_TEXT, WL_LOG_JSON };

void wl_log_set_format(enum wl_log_format f);
/* Parses "text|json"; returns 0 or WL_EUSAGE. */
int wl_log_parse_format(enum wl_log_format *out, const char *s);
void wl_log_set_level(enum wl_log_level lvl);
enum wl_log_level wl_log_get_level(void);
/* Parses "debug|info|warn|error"; returns 0 or WL_EUSAGE. */
int wl_log_parse_level(enum wl_log_level *out, const char *s);
void wl_log(enum wl_log_level lvl, const char *source, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define wl_debug(src, ...) wl_log(WL_LOG_DEBUG, src, __VA_ARGS__)
#define wl_info(src, ...)  wl_log(WL_LOG_INFO, src, __VA_ARGS__)
#define wl_warn(src, ...)  wl_log(WL_LOG_WARN, src, __VA_ARGS__)
#define wl_error(src, ...) wl_log(WL_LOG_ERROR, src, __VA_ARGS__)

#endif
