/*
 * The value rules of 8x8 answers on text (parse_int.h), shared by the
 * jansson reader (parse_json.c) and the one-pass reader (parse_fast.c):
 * numbers as strings, durations, instants, agent-status codes.
 */
#include "sources/8x8/parse.h"
#include "sources/8x8/parse_int.h"
#include "util/timeutil.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int wl_8x8_number_in_range(double d)
{
  /* 1e15 is far beyond any count, code or duration; it keeps the later
   * conversions to int64_t and long defined. */
  return !isfinite(d) || fabs(d) > 1e15 ? WL_8X8_NUM_BAD : WL_8X8_NUM_OK;
}

/* Only plain decimal notation: strtod alone would also take "0x1p3", "inf"
 * and "nan". */
int wl_8x8_text_number(double *out, const char *s, size_t n)
{
  char tmp[64], *end;
  size_t i;
  *out = 0;
  wl_8x8_trim(&s, &n);
  if (n == 0)
    return WL_8X8_NUM_ABSENT;
  if (n >= sizeof(tmp))
    return WL_8X8_NUM_BAD;
  for (i = 0; i < n; i++)
    if (s[i] == '\0' || !strchr("0123456789+-.eE", s[i]))
      return WL_8X8_NUM_BAD;
  memcpy(tmp, s, n);
  tmp[n] = '\0';
  *out = strtod(tmp, &end);
  if (end != tmp + n)
    return WL_8X8_NUM_BAD;
  return wl_8x8_number_in_range(*out);
}

int64_t wl_8x8_seconds(double d)
{
  return d > 0 ? (int64_t)floor(d + 0.5) : 0;
}

/* The trimmed text as a C string in tmp: 1, or 0 when blank, -1 when it
 * does not fit (no duration or instant is that long). */
static int trimmed(char *tmp, size_t tsz, const char **s, size_t *n)
{
  wl_8x8_trim(s, n);
  if (*n == 0)
    return 0;
  if (*n >= tsz)
    return -1;
  memcpy(tmp, *s, *n);
  tmp[*n] = '\0';
  return 1;
}

int wl_8x8_text_duration(int64_t *out, const char *s, size_t n)
{
  char tmp[64];
  double d;
  int r;
  *out = 0;
  if ((r = trimmed(tmp, sizeof(tmp), &s, &n)) <= 0)
    return r;
  if (wl_duration_parse(out, tmp) == 0)
    return 0;
  if (wl_8x8_text_number(&d, s, n) != WL_8X8_NUM_OK)
    return -1;
  *out = wl_8x8_seconds(d);
  return 0;
}

int wl_8x8_text_time(int64_t *out, const char *s, size_t n)
{
  char tmp[64];
  int r;
  *out = 0;
  if ((r = trimmed(tmp, sizeof(tmp), &s, &n)) <= 0)
    return r;
  return wl_time_parse_iso(out, tmp) == 0 ? 1 : -1;
}

int wl_8x8_status_from_number(wl_rt_agent *a, int r, double d)
{
  /* any real code is small; the bound keeps (long)d defined everywhere */
  if (r == WL_8X8_NUM_OK && d == floor(d) && fabs(d) <= 2147483647.0) {
    snprintf(a->state, sizeof(a->state), "%s", wl_8x8_state_for_status((long)d));
    snprintf(a->vendor_code, sizeof(a->vendor_code), "%ld", (long)d);
    return 1;
  }
  return 0;
}
