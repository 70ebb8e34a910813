/*
 * libFuzzer target: the time parsers of src/util/timeutil.h. The input (up
 * to its first NUL) goes through wl_time_parse_iso, wl_time_parse_arg in UTC
 * and in America/New_York, and wl_duration_parse. Beyond "no crash, no
 * leak, no read past the text", what each parser accepts must hold up:
 *
 * - an instant written back with wl_time_format (UTC and New York) parses
 *   to the same instant (years 1..9998, which %04d writes as four digits);
 * - wl_time_parse_arg agrees with wl_time_parse_iso on every ISO instant;
 * - a bare date gives local midnight: wl_date_format of the result, in the
 *   zone used, is the date itself, and the instant one second earlier is on
 *   another local day;
 * - a duration is never negative.
 *
 * A broken property aborts with a message, which libFuzzer reports as a
 * crash. tests/unit/test_fuzz_corpora.c includes this file (with
 * WL_FUZZ_NO_MAIN, which leaves out the entry point) and runs the same
 * checks over fuzz/corpora/time/ on every test run. Build: fuzz/README.md.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/timeutil.h"
#include "util/tz.h"

/* Longest text looked at; longer inputs are cut (nothing valid is longer). */
#define WL_FUZZ_TIME_MAX 256

/* Instants whose year wl_time_format writes with exactly four digits. */
#define WL_FUZZ_T_MIN (-62135596800LL + 86400) /* 0001-01-02T00:00:00Z */
#define WL_FUZZ_T_MAX (253370764800LL - 86400) /* 9998-12-31T00:00:00Z */

/* The zones are loaded once and kept for the life of the process. */
static int fuzz_time_zones(const wl_tz **utc, const wl_tz **ny)
{
  static wl_tz *u, *n;
  if (!u && wl_tz_load(&u, "UTC") != 0)
    return -1;
  if (!n && wl_tz_load(&n, "America/New_York") != 0)
    return -1;
  *utc = u;
  *ny = n;
  return 0;
}

/* Writes t back in tz and parses it again; the text of the broken property
 * in why when it does not come back. */
static int fuzz_time_roundtrip(char *why, size_t n, int64_t t, const wl_tz *tz)
{
  char iso[WL_ISO_LEN];
  int64_t back = 0;
  if (t < WL_FUZZ_T_MIN || t > WL_FUZZ_T_MAX)
    return 0;
  wl_time_format(iso, sizeof(iso), t, tz);
  if (wl_time_parse_iso(&back, iso) != 0 || back != t) {
    snprintf(why, n, "%lld formatted in %s as '%s' does not parse back", (long long)t,
             wl_tz_name(tz), iso);
    return -1;
  }
  return 0;
}

/* A bare date in tz: local midnight of that very date. */
static int fuzz_time_date(char *why, size_t n, const char *s, int64_t t, const wl_tz *tz)
{
  char day[WL_ISO_LEN], before[WL_ISO_LEN];
  if (t < WL_FUZZ_T_MIN || t > WL_FUZZ_T_MAX)
    return 0;
  wl_date_format(day, sizeof(day), t, tz);
  wl_date_format(before, sizeof(before), t - 1, tz);
  if (strcmp(day, s) != 0 || strcmp(before, s) == 0) {
    snprintf(why, n, "'%s' in %s gave %lld, local day %s (a second earlier: %s)", s,
             wl_tz_name(tz), (long long)t, day, before);
    return -1;
  }
  return 0;
}

/* Runs every parser over text; 0 when all properties hold, else -1 with a
 * description in why. */
static int wl_fuzz_time_check(char *why, size_t n, const uint8_t *data, size_t size)
{
  char s[WL_FUZZ_TIME_MAX + 1];
  const wl_tz *utc, *ny;
  int64_t iso = 0, arg = 0, dur = 0;
  int iso_rc;
  size_t len = size < WL_FUZZ_TIME_MAX ? size : WL_FUZZ_TIME_MAX;
  why[0] = '\0';
  if (fuzz_time_zones(&utc, &ny) != 0) {
    snprintf(why, n, "time zones UTC and America/New_York not loadable");
    return -1;
  }
  memcpy(s, data, len);
  s[len] = '\0';

  iso_rc = wl_time_parse_iso(&iso, s);
  if (iso_rc == 0 &&
      (fuzz_time_roundtrip(why, n, iso, utc) != 0 || fuzz_time_roundtrip(why, n, iso, ny) != 0))
    return -1;
  for (int z = 0; z < 2; z++) {
    const wl_tz *tz = z == 0 ? utc : ny;
    int rc = wl_time_parse_arg(&arg, s, tz);
    if (iso_rc == 0 && (rc != 0 || arg != iso)) {
      snprintf(why, n, "'%s': parse_arg in %s gave %d/%lld, parse_iso 0/%lld", s,
               wl_tz_name(tz), rc, (long long)arg, (long long)iso);
      return -1;
    }
    if (rc == 0 && iso_rc != 0 && fuzz_time_date(why, n, s, arg, tz) != 0)
      return -1;
  }
  if (wl_duration_parse(&dur, s) == 0 && dur < 0) {
    snprintf(why, n, "'%s': negative duration %lld", s, (long long)dur);
    return -1;
  }
  return 0;
}

#ifndef WL_FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char why[512];
  if (wl_fuzz_time_check(why, sizeof(why), data, size) != 0) {
    fprintf(stderr, "fuzz_time: %s\n", why);
    abort();
  }
  return 0;
}
#endif
