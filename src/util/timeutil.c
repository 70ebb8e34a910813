/*
 * ISO 8601 instants, durations, 15-minute intervals and the one clock.
 * Parsing is strict on purpose: a time without a UTC offset is ambiguous
 * around DST changes, so it is refused rather than guessed.
 */
#include "util/timeutil.h"

#include "util/err.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Longest input quoted back in an error message. */
#define QUOTE_MAX 80

/* Why a text is not an instant; the public parser turns it into a message. */
enum iso_fail {
  ISO_OK,
  ISO_SYNTAX,
  ISO_NO_OFFSET,
  ISO_MONTH,
  ISO_DAY,
  ISO_TIME,
  ISO_OFFSET
};

static int is_digit(char c)
{
  return c >= '0' && c <= '9';
}

/* Exactly n digits at p. */
static int digits(const char *p, int n, int *v)
{
  int x = 0;
  for (int i = 0; i < n; i++) {
    if (!is_digit(p[i]))
      return 0;
    x = x * 10 + (p[i] - '0');
  }
  *v = x;
  return 1;
}

static int days_in_month(int y, int m)
{
  static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : len[m - 1];
}

/* "YYYY-MM-DD" at s; *end receives the rest. */
static enum iso_fail parse_date(const char *s, int *y, int *m, int *d, const char **end)
{
  if (!digits(s, 4, y) || s[4] != '-' || !digits(s + 5, 2, m) || s[7] != '-' ||
      !digits(s + 8, 2, d))
    return ISO_SYNTAX;
  if (*m < 1 || *m > 12)
    return ISO_MONTH;
  if (*d < 1 || *d > days_in_month(*y, *m))
    return ISO_DAY;
  *end = s + 10;
  return ISO_OK;
}

/* Offset "Z", "+HH", "+HHMM", "+HH:MM" or "+HH:MM:SS" (the last one is what
 * wl_time_format writes for local mean time before 1900). */
static enum iso_fail parse_offset(const char *p, int *off)
{
  int sign, h, mi = 0, se = 0;
  if ((p[0] == 'Z' || p[0] == 'z') && p[1] == '\0') {
    *off = 0;
    return ISO_OK;
  }
  if (p[0] != '+' && p[0] != '-')
    return p[0] == '\0' ? ISO_NO_OFFSET : ISO_SYNTAX;
  sign = p[0] == '-' ? -1 : 1;
  if (!digits(p + 1, 2, &h))
    return ISO_SYNTAX;
  p += 3;
  if (*p == ':') {
    if (!digits(p + 1, 2, &mi))
      return ISO_SYNTAX;
    p += 3;
    if (*p == ':') {
      if (!digits(p + 1, 2, &se))
        return ISO_SYNTAX;
      p += 3;
    }
  } else if (is_digit(*p)) {
    if (!digits(p, 2, &mi))
      return ISO_SYNTAX;
    p += 2;
  }
  if (*p != '\0')
    return ISO_SYNTAX;
  if (h > 23 || mi > 59 || se > 59)
    return ISO_OFFSET;
  *off = sign * (h * 3600 + mi * 60 + se);
  return ISO_OK;
}

/* The whole grammar, without touching the error slot (wl_now uses it). */
static enum iso_fail parse_iso(int64_t *out, const char *s)
{
  int y, mo, d, h, mi, se = 0, off;
  const char *p;
  enum iso_fail f = parse_date(s, &y, &mo, &d, &p);
  if (f != ISO_OK)
    return f;
  if (*p != 'T' && *p != 't' && *p != ' ')
    return *p == '\0' ? ISO_NO_OFFSET : ISO_SYNTAX;
  p++;
  if (!digits(p, 2, &h) || p[2] != ':' || !digits(p + 3, 2, &mi))
    return ISO_SYNTAX;
  p += 5;
  if (*p == ':') {
    if (!digits(p + 1, 2, &se))
      return ISO_SYNTAX;
    p += 3;
    if (*p == '.' || *p == ',') { /* fraction: dropped, i.e. truncated */
      if (!is_digit(*++p))
        return ISO_SYNTAX;
      while (is_digit(*p))
        p++;
    }
  }
  if (h > 23 || mi > 59 || se > 59)
    return ISO_TIME;
  if ((f = parse_offset(p, &off)) != ISO_OK)
    return f;
  *out = wl_days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - off;
  return ISO_OK;
}

static int iso_error(enum iso_fail f, const char *s)
{
  switch (f) {
  case ISO_NO_OFFSET:
    return wl_err(WL_EUSAGE, "'%.*s' has no UTC offset (add Z or -04:00)", QUOTE_MAX, s);
  case ISO_MONTH:
    return wl_err(WL_EUSAGE, "'%.*s': month out of range", QUOTE_MAX, s);
  case ISO_DAY:
    return wl_err(WL_EUSAGE, "'%.*s': day out of range for its month", QUOTE_MAX, s);
  case ISO_TIME:
    return wl_err(WL_EUSAGE, "'%.*s': time of day out of range", QUOTE_MAX, s);
  case ISO_OFFSET:
    return wl_err(WL_EUSAGE, "'%.*s': UTC offset out of range", QUOTE_MAX, s);
  default:
    return wl_err(WL_EUSAGE, "invalid time '%.*s' (expected YYYY-MM-DDTHH:MM:SS+HH:MM)",
                  QUOTE_MAX, s);
  }
}

int wl_time_parse_iso(int64_t *out, const char *s)
{
  if (!s)
    return wl_err(WL_EUSAGE, "missing time");
  enum iso_fail f = parse_iso(out, s);
  return f == ISO_OK ? 0 : iso_error(f, s);
}

int wl_time_parse_arg(int64_t *out, const char *s, const wl_tz *tz)
{
  int y, m, d;
  const char *end;
  if (!s)
    return wl_err(WL_EUSAGE, "missing time");
  enum iso_fail f = parse_date(s, &y, &m, &d, &end);
  if (f == ISO_OK && *end == '\0') {
    *out = wl_tz_date_start(tz, y, m, d);
    return 0;
  }
  if (f != ISO_OK && f != ISO_SYNTAX)
    return iso_error(f, s);
  if ((f = parse_iso(out, s)) == ISO_OK)
    return 0;
  if (f == ISO_SYNTAX)
    return wl_err(WL_EUSAGE,
                  "invalid time '%.*s' (expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS+HH:MM)",
                  QUOTE_MAX, s);
  return iso_error(f, s);
}

char *wl_time_format(char *buf, size_t n, int64_t t, const wl_tz *tz)
{
  wl_civil c;
  int off = wl_tz_offset(tz, t);
  int a = off < 0 ? -off : off;
  char sign = off < 0 ? '-' : '+';
  if (!buf || n == 0)
    return buf;
  wl_tz_to_civil(&c, tz, t);
  if (a % 60) /* local mean time of the 1800s, e.g. -04:56:02 */
    snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d:%02d", c.year, c.month, c.day,
             c.hour, c.min, c.sec, sign, a / 3600, a / 60 % 60, a % 60);
  else
    snprintf(buf, n, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", c.year, c.month, c.day, c.hour,
             c.min, c.sec, sign, a / 3600, a / 60 % 60);
  return buf;
}

char *wl_date_format(char *buf, size_t n, int64_t t, const wl_tz *tz)
{
  wl_civil c;
  if (!buf || n == 0)
    return buf;
  wl_tz_to_civil(&c, tz, t);
  snprintf(buf, n, "%04d-%02d-%02d", c.year, c.month, c.day);
  return buf;
}

int wl_duration_parse(int64_t *out, const char *s)
{
  const char *p = s, *end;
  int64_t parts[3], total = 0;
  int n, round_up = 0;

  if (!s)
    return wl_err(WL_EUSAGE, "missing duration");
  while (*p == ' ' || *p == '\t')
    p++;
  end = p + strlen(p);
  while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
    end--;
  if (p == end) {
    *out = 0;
    return 0;
  }
  if (*p == '-')
    return wl_err(WL_EUSAGE, "negative duration '%.*s'", QUOTE_MAX, s);
  /* "S[.f]", "M:SS[.f]" or "H:MM:SS[.f]": the leading part any width (up to
   * 12 digits, so no overflow), the others two digits below 60, a fraction
   * only at the end. */
  for (n = 0;; n++) {
    int nd = 0;
    int64_t v = 0;
    while (p < end && is_digit(*p)) {
      if (++nd > 12)
        goto bad;
      v = v * 10 + (*p++ - '0');
    }
    if (nd == 0 || (n > 0 && (nd != 2 || v > 59)))
      goto bad;
    parts[n] = v;
    if (p < end && *p == '.') {
      if (++p == end || !is_digit(*p))
        goto bad;
      round_up = *p >= '5';
      while (p < end && is_digit(*p))
        p++;
      if (p != end)
        goto bad;
    }
    if (p == end)
      break;
    if (*p != ':' || n == 2)
      goto bad;
    p++;
  }
  for (int i = 0; i <= n; i++)
    total = total * 60 + parts[i];
  *out = total + round_up;
  return 0;
bad:
  return wl_err(WL_EUSAGE, "invalid duration '%.*s' (expected seconds or H:MM:SS)", QUOTE_MAX,
                s);
}

int64_t wl_interval_floor(int64_t t)
{
  int64_t r = t % WL_INTERVAL_S;
  if (r < 0)
    r += WL_INTERVAL_S;
  if (t < INT64_MIN + r) /* no aligned instant below: the nearest above */
    return t + (WL_INTERVAL_S - r);
  return t - r;
}

int64_t wl_interval_ceil(int64_t t)
{
  int64_t f = wl_interval_floor(t);
  if (f == t || f > INT64_MAX - WL_INTERVAL_S)
    return f;
  return f + WL_INTERVAL_S;
}

int wl_intervals_in_local_day(const wl_tz *tz, int64_t t)
{
  int64_t start = wl_tz_day_start(tz, t);
  int64_t next = wl_tz_next_day_start(tz, t);
  return (int)((next - start) / WL_INTERVAL_S);
}

static int64_t (*_Atomic clock_fn)(void);

void wl_set_clock(int64_t (*fn)(void))
{
  atomic_store(&clock_fn, fn);
}

/* WFMLINK_FAKE_NOW as Unix seconds or an ISO instant; 0 when unset or bad
 * (then the real clock is used: wl_now cannot fail). */
static int fake_now(int64_t *out)
{
  const char *s = getenv("WFMLINK_FAKE_NOW");
  char *end;
  if (!s || !*s)
    return 0;
  long long v = strtoll(s, &end, 10);
  if (*end == '\0' && end != s) {
    *out = v;
    return 1;
  }
  return parse_iso(out, s) == ISO_OK;
}

int64_t wl_now(void)
{
  int64_t (*fn)(void) = atomic_load(&clock_fn);
  int64_t t;
  if (fn)
    return fn();
  if (fake_now(&t))
    return t;
  return (int64_t)time(NULL);
}
