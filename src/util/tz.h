#ifndef WL_UTIL_TZ_H
#define WL_UTIL_TZ_H
/*
 * IANA time zones without touching the process zone (the service is
 * multi-threaded; setenv("TZ") + tzset would race). A small reader of the
 * system's TZif files (/usr/share/zoneinfo, Debian's tzdata), including the
 * POSIX TZ footer rule for instants after the last transition.
 * A wl_tz is immutable once loaded and safe to share between threads.
 */
#include <stdint.h>

typedef struct wl_tz wl_tz;

/* Calendar fields of a local (or UTC) time. month 1-12, day 1-31. */
typedef struct wl_civil {
  int year, month, day, hour, min, sec;
} wl_civil;

/* Loads "UTC", "Etc/UTC", "America/New_York", ... ; WL_EUSAGE with a message
 * naming the zone when it does not exist or the name is unsafe ("../x"). */
int wl_tz_load(wl_tz **out, const char *name);
void wl_tz_free(wl_tz *tz);
const char *wl_tz_name(const wl_tz *tz);
/* Whether name is a loadable zone (convenience for validation). */
int wl_tz_valid(const char *name);

/* Offset east of UTC in seconds in force at the UTC instant t. */
int wl_tz_offset(const wl_tz *tz, int64_t t);
/* UTC instant -> local calendar fields. */
void wl_tz_to_civil(wl_civil *out, const wl_tz *tz, int64_t t);

/* Local wall time -> UTC instant. A wall time that repeats (fall back) gives
 * the earlier instant when prefer_later is 0, the later one otherwise; a wall
 * time in a gap (spring forward) maps as if the earlier offset still applied
 * (02:30 in New York on 2024-03-10 -> 07:30Z, i.e. 03:30 EDT). */
int64_t wl_tz_from_civil(const wl_tz *tz, const wl_civil *local, int prefer_later);

/* Start (UTC instant) of the local day containing t, and of the next day.
 * Local midnight that falls in a gap maps to the first instant of the day. */
int64_t wl_tz_day_start(const wl_tz *tz, int64_t t);
int64_t wl_tz_next_day_start(const wl_tz *tz, int64_t t);
/* Local midnight of a given date. */
int64_t wl_tz_date_start(const wl_tz *tz, int year, int month, int day);
/* Start of the local day of the Monday of the week containing t. */
int64_t wl_tz_week_start(const wl_tz *tz, int64_t t);

/* Proleptic Gregorian helpers (Howard Hinnant's algorithms). */
int64_t wl_days_from_civil(int y, int m, int d);
void wl_civil_from_days(int64_t z, int *y, int *m, int *d);
/* Day of week 0 = Monday .. 6 = Sunday for days since 1970-01-01. */
int wl_weekday_from_days(int64_t z);

#endif
