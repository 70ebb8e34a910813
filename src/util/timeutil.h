#ifndef WL_UTIL_TIMEUTIL_H
#define WL_UTIL_TIMEUTIL_H
/*
 * ISO 8601 instants, 15-minute intervals and durations. All instants are
 * UTC Unix seconds (int64_t).
 */
#include <stddef.h>
#include <stdint.h>
#include "util/tz.h"

#define WL_INTERVAL_S 900

/* Parses "2024-11-03T00:00:00-04:00", "...Z", "...+0530", "...+05", with an
 * optional fraction of a second (truncated toward the earlier second), and a
 * space instead of 'T'. A time without an offset is refused (WL_EUSAGE, the
 * message quotes the text). Validates field ranges (month 13, Feb 30 fail). */
int wl_time_parse_iso(int64_t *out, const char *s);

/* Command-line and CSV times: an ISO instant with offset, or a bare date
 * "YYYY-MM-DD" meaning local midnight in tz. Anything else: WL_EUSAGE. */
int wl_time_parse_arg(int64_t *out, const char *s, const wl_tz *tz);

/* Formats t as "2024-11-03T01:30:00-04:00" in tz (UTC gives "+00:00").
 * buf must hold at least WL_ISO_LEN bytes. Returns buf. */
#define WL_ISO_LEN 32
char *wl_time_format(char *buf, size_t n, int64_t t, const wl_tz *tz);
/* "YYYY-MM-DD" of the local day containing t. */
char *wl_date_format(char *buf, size_t n, int64_t t, const wl_tz *tz);

/* Durations as 8x8 sends them: "123", "123.6", "00:02:03", "1:02:03", "" (0).
 * Rounds half up to whole seconds. Negative or malformed: WL_EUSAGE. */
int wl_duration_parse(int64_t *out, const char *s);

/* 15-minute interval arithmetic, aligned in UTC (floor toward -inf). */
int64_t wl_interval_floor(int64_t t);
int64_t wl_interval_ceil(int64_t t);
/* Number of 15-minute intervals in the local day that contains t
 * (96, or 92 / 100 on DST days; other counts for odd historical zones). */
int wl_intervals_in_local_day(const wl_tz *tz, int64_t t);

/* The one clock (design.md): everything reads time through wl_now(), which
 * tests and the emulator can replace. WFMLINK_FAKE_NOW (Unix seconds or ISO)
 * in the environment fixes it for command-line tests. */
int64_t wl_now(void);
void wl_set_clock(int64_t (*fn)(void));

#endif
