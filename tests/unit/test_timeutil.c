/*
 * ISO 8601 parsing and formatting, durations, 15-minute intervals (with the
 * DST day counts of wfm-definitions.md) and the replaceable clock. Expected
 * instants come from date(1) / zdump(8). The group runs twice, with TZ=UTC
 * and TZ=Asia/Tokyo, to show the process zone never leaks into a result.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/err.h"
#include "util/timeutil.h"
#include "util/tz.h"

static wl_tz *load(const char *name)
{
  wl_tz *tz = NULL;
  if (wl_tz_load(&tz, name) != 0)
    fail_msg("loading %s: %s", name, wl_errmsg());
  return tz;
}

static void expect_format(const char *zone, int64_t t, const char *want)
{
  char buf[WL_ISO_LEN];
  wl_tz *tz = zone ? load(zone) : NULL;
  assert_string_equal(wl_time_format(buf, sizeof(buf), t, tz), want);
  wl_tz_free(tz);
}

static void test_format(void **state)
{
  expect_format("UTC", 0, "1970-01-01T00:00:00+00:00");
  expect_format(NULL, -1, "1969-12-31T23:59:59+00:00");
  expect_format("America/New_York", 1730611800, "2024-11-03T01:30:00-04:00");
  expect_format("America/New_York", 1730611800 + 3600, "2024-11-03T01:30:00-05:00");
  expect_format("America/New_York", 1710054000, "2024-03-10T03:00:00-04:00");
  expect_format("America/New_York", 4129250400, "2100-11-07T01:00:00-05:00");
  expect_format("Asia/Kathmandu", 1717243200, "2024-06-01T17:45:00+05:45");
  expect_format("Asia/Kolkata", 1717243200, "2024-06-01T17:30:00+05:30");
  expect_format("Australia/Sydney", 1728144000, "2024-10-06T03:00:00+11:00");
  expect_format("Australia/Lord_Howe", 1712415600, "2024-04-07T01:30:00+10:30");
  expect_format("America/St_Johns", 1717243200, "2024-06-01T09:30:00-02:30");
  /* Local mean time keeps its seconds so that parsing gives t back. */
  expect_format("America/New_York", -5364662400, "1799-12-31T19:03:58-04:56:02");

  char small[10], date[11];
  assert_string_equal(wl_time_format(small, sizeof(small), 0, NULL), "1970-01-0");
  wl_tz *syd = load("Australia/Sydney");
  assert_string_equal(wl_date_format(date, sizeof(date), 1728136799, syd), "2024-10-05");
  assert_string_equal(wl_date_format(date, sizeof(date), 1728136800, syd), "2024-10-06");
  assert_string_equal(wl_date_format(date, sizeof(date), 1728136800, NULL), "2024-10-05");
  wl_tz_free(syd);
}

static void expect_parse(const char *s, int64_t want)
{
  int64_t t = 12345;
  if (wl_time_parse_iso(&t, s) != 0)
    fail_msg("'%s' refused: %s", s, wl_errmsg());
  if (t != want)
    fail_msg("'%s' gave %lld, want %lld", s, (long long)t, (long long)want);
}

static void test_parse_iso(void **state)
{
  const int64_t t = 1730606400; /* 2024-11-03T04:00:00Z */
  expect_parse("2024-11-03T00:00:00-04:00", t);
  expect_parse("2024-11-03T04:00:00Z", t);
  expect_parse("2024-11-03T04:00:00z", t);
  expect_parse("2024-11-03t04:00:00Z", t);
  expect_parse("2024-11-03 04:00:00Z", t);
  expect_parse("2024-11-03T04:00:00+00:00", t);
  expect_parse("2024-11-03T04:00:00-00:00", t);
  expect_parse("2024-11-03T09:30:00+05:30", t);
  expect_parse("2024-11-03T09:30:00+0530", t);
  expect_parse("2024-11-03T09:00:00+05", t);
  expect_parse("2024-11-03T00:00:00-04", t);
  expect_parse("2024-11-02T23:00:00-0500", t);
  expect_parse("2024-11-03T04:00Z", t);
  expect_parse("2024-11-03T09:45+05:45", t);
  /* Fractions are dropped: truncated toward the earlier second. */
  expect_parse("2024-11-03T04:00:00.999Z", t);
  expect_parse("2024-11-03T04:00:00,5Z", t);
  expect_parse("2024-11-03T04:00:00.000000001-00:00", t);
  expect_parse("1969-12-31T23:59:59.5Z", -1);
  expect_parse("1970-01-01T00:00:00Z", 0);
  expect_parse("2024-02-29T00:00:00Z", 1709164800);
  expect_parse("2000-02-29T00:00:00Z", 951782400);
  expect_parse("2100-11-07T01:00:00-05:00", 4129250400);
  expect_parse("1799-12-31T19:03:58-04:56:02", -5364662400);
  expect_parse("0001-01-01T00:00:00Z", -62135596800);
}

static void expect_refused(const char *s, const char *msg)
{
  int64_t t = 777;
  wl_err_clear();
  if (wl_time_parse_iso(&t, s) != WL_EUSAGE)
    fail_msg("'%s' was accepted as %lld", s, (long long)t);
  assert_int_equal(t, 777);
  if (msg)
    assert_string_equal(wl_errmsg(), msg);
}

static void test_parse_iso_rejects(void **state)
{
  expect_refused("2024-11-03T00:00:00",
                 "'2024-11-03T00:00:00' has no UTC offset (add Z or -04:00)");
  expect_refused("2024-11-03 00:00", "'2024-11-03 00:00' has no UTC offset (add Z or -04:00)");
  expect_refused("2024-11-03T00:00:00.5",
                 "'2024-11-03T00:00:00.5' has no UTC offset (add Z or -04:00)");
  expect_refused("2024-11-03", "'2024-11-03' has no UTC offset (add Z or -04:00)");
  expect_refused("2024-13-01T00:00:00Z", "'2024-13-01T00:00:00Z': month out of range");
  expect_refused("2024-00-01T00:00:00Z", "'2024-00-01T00:00:00Z': month out of range");
  expect_refused("2023-02-29T00:00:00Z", "'2023-02-29T00:00:00Z': day out of range for its month");
  expect_refused("2023-02-30T00:00:00Z", NULL);
  expect_refused("2024-02-30T00:00:00Z", NULL);
  expect_refused("1900-02-29T00:00:00Z", NULL);
  expect_refused("2024-04-31T00:00:00Z", NULL);
  expect_refused("2024-04-00T00:00:00Z", NULL);
  expect_refused("2024-11-03T24:00:00Z", "'2024-11-03T24:00:00Z': time of day out of range");
  expect_refused("2024-11-03T23:60:00Z", NULL);
  expect_refused("2024-11-03T23:59:60Z", NULL);
  expect_refused("2024-11-03T00:00:00+24:00", "'2024-11-03T00:00:00+24:00': UTC offset out of range");
  expect_refused("2024-11-03T00:00:00+05:60", NULL);
  expect_refused("garbage",
                 "invalid time 'garbage' (expected YYYY-MM-DDTHH:MM:SS+HH:MM)");
  expect_refused("", NULL);
  expect_refused("2024-11-03T00:00:00Zjunk", NULL);
  expect_refused("2024-11-03T00:00:00+05:00x", NULL);
  expect_refused("2024-11-03T00:00:00+0530x", NULL);
  expect_refused("2024-11-03T00:00:00+05:0", NULL);
  expect_refused("2024-11-03T00:00:00+5", NULL);
  expect_refused("2024-11-03T00:00:00 Z", NULL);
  expect_refused("2024-11-03T00:00:00Z ", NULL);
  expect_refused(" 2024-11-03T00:00:00Z", NULL);
  expect_refused("2024-11-03T00:00:00.Z", NULL);
  expect_refused("2024-11-03T00:00.5Z", NULL);
  expect_refused("2024-11-03T0:00:00Z", NULL);
  expect_refused("2024-11-3T00:00:00Z", NULL);
  expect_refused("24-11-03T00:00:00Z", NULL);
  expect_refused("2024/11/03T00:00:00Z", NULL);
  expect_refused("2024-11-03X00:00:00Z", NULL);
  expect_refused("2024-11-03T00Z", NULL);
  expect_refused("1730606400", NULL);
  assert_int_equal(wl_time_parse_iso(&(int64_t){0}, NULL), WL_EUSAGE);
  /* A long value is quoted, but only its beginning. */
  char longs[300];
  memset(longs, 'x', sizeof(longs) - 1);
  longs[sizeof(longs) - 1] = '\0';
  expect_refused(longs, NULL);
  assert_true(strlen(wl_errmsg()) < 200);
}

static void test_parse_arg(void **state)
{
  wl_tz *ny = load("America/New_York"), *syd = load("Australia/Sydney");
  wl_tz *hav = load("America/Havana");
  int64_t t = 0;
  assert_int_equal(wl_time_parse_arg(&t, "2024-03-10", ny), 0);
  assert_int_equal(t, 1710046800);
  assert_int_equal(wl_time_parse_arg(&t, "2024-10-06", syd), 0);
  assert_int_equal(t, 1728136800);
  assert_int_equal(wl_time_parse_arg(&t, "2024-03-10", hav), 0); /* midnight skipped */
  assert_int_equal(t, 1710046800);
  assert_int_equal(wl_time_parse_arg(&t, "2024-06-01", NULL), 0);
  assert_int_equal(t, 1717200000);
  assert_int_equal(wl_time_parse_arg(&t, "2024-11-03T00:00:00-04:00", syd), 0);
  assert_int_equal(t, 1730606400);
  assert_int_equal(wl_time_parse_arg(&t, "2024-11-03 04:00:00Z", ny), 0);
  assert_int_equal(t, 1730606400);

  t = 5;
  assert_int_equal(wl_time_parse_arg(&t, "2024-13-01", ny), WL_EUSAGE);
  assert_string_equal(wl_errmsg(), "'2024-13-01': month out of range");
  assert_int_equal(wl_time_parse_arg(&t, "2023-02-29", ny), WL_EUSAGE);
  assert_string_equal(wl_errmsg(), "'2023-02-29': day out of range for its month");
  assert_int_equal(wl_time_parse_arg(&t, "tomorrow", ny), WL_EUSAGE);
  assert_string_equal(wl_errmsg(),
                      "invalid time 'tomorrow' (expected YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS+HH:MM)");
  assert_int_equal(wl_time_parse_arg(&t, "2024-11-03T00:00", ny), WL_EUSAGE);
  assert_string_equal(wl_errmsg(), "'2024-11-03T00:00' has no UTC offset (add Z or -04:00)");
  assert_int_equal(wl_time_parse_arg(&t, "2024-11-03 ", ny), WL_EUSAGE);
  assert_int_equal(wl_time_parse_arg(&t, "2024-11-03x", ny), WL_EUSAGE);
  assert_int_equal(wl_time_parse_arg(&t, "", ny), WL_EUSAGE);
  assert_int_equal(wl_time_parse_arg(&t, "2024-11-03T25:00:00Z", ny), WL_EUSAGE);
  assert_string_equal(wl_errmsg(), "'2024-11-03T25:00:00Z': time of day out of range");
  assert_int_equal(wl_time_parse_arg(&t, NULL, ny), WL_EUSAGE);
  assert_int_equal(t, 5);
  wl_tz_free(ny);
  wl_tz_free(syd);
  wl_tz_free(hav);
}

/* format -> parse gives the instant back, in every zone, around DST days,
 * far in the future and in the 1800s; the date prefix parses to day start. */
static void test_round_trips(void **state)
{
  static const char *const zones[] = {"UTC",           "America/New_York", "Europe/London",
                                      "Australia/Sydney", "Asia/Kolkata",   "Asia/Kathmandu",
                                      "Australia/Lord_Howe", "America/Santiago",
                                      "Pacific/Chatham", "America/St_Johns"};
  static const int64_t ranges[][2] = {{1704067200, 1735689600},
                                      {4102444800, 4133980800},
                                      {-5364662400, -5333126400}};
  for (size_t z = 0; z < sizeof(zones) / sizeof(zones[0]); z++) {
    wl_tz *tz = load(zones[z]);
    for (size_t r = 0; r < 3; r++)
      for (int64_t t = ranges[r][0]; t < ranges[r][1]; t += 3571) {
        char buf[WL_ISO_LEN], date[11];
        int64_t back = 0, day = 0;
        wl_time_format(buf, sizeof(buf), t, tz);
        if (wl_time_parse_iso(&back, buf) != 0 || back != t)
          fail_msg("%s: %lld -> %s -> %lld (%s)", zones[z], (long long)t, buf, (long long)back,
                   wl_errmsg());
        assert_int_equal(wl_time_parse_arg(&back, buf, NULL), 0);
        assert_int_equal(back, t);
        wl_date_format(date, sizeof(date), t, tz);
        assert_memory_equal(date, buf, 10);
        assert_int_equal(wl_time_parse_arg(&day, date, tz), 0);
        assert_int_equal(day, wl_tz_day_start(tz, t));
      }
    wl_tz_free(tz);
  }
}

static void expect_duration(const char *s, int64_t want)
{
  int64_t d = -99;
  if (wl_duration_parse(&d, s) != 0)
    fail_msg("'%s' refused: %s", s, wl_errmsg());
  if (d != want)
    fail_msg("'%s' gave %lld, want %lld", s, (long long)d, (long long)want);
}

static void test_duration(void **state)
{
  expect_duration("", 0);
  expect_duration("  ", 0);
  expect_duration("0", 0);
  expect_duration("123", 123);
  expect_duration("123.5", 124);
  expect_duration("123.4", 123);
  expect_duration("123.49", 123);
  expect_duration("123.6", 124);
  expect_duration("0.5", 1);
  expect_duration("0.05", 0);
  expect_duration("00:02:03", 123);
  expect_duration("1:02:03", 3723);
  expect_duration("12:00:00", 43200);
  expect_duration("100:00:00", 360000);
  expect_duration("02:03", 123);
  expect_duration("2:03", 123);
  expect_duration("75:00", 4500);
  expect_duration("00:00:59.5", 60);
  expect_duration("00:01:02.4", 62);
  expect_duration(" 12 ", 12);
  expect_duration("999999999999", 999999999999);

  static const char *const bad[] = {"-5",     "-0:01",   "abc",      "1:2:3",    "1:60:00",
                                    "1:00:60", "1:2",    "12.",      ".5",       "1e3",
                                    "1::2",   "1:00:00:00", "12a",   "1:00.5:00", ":30",
                                    "30:",    "+5",      "0x10",     "1 2",      "1000000000000",
                                    "1.5.2",  "1:000:00"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    int64_t d = 7;
    if (wl_duration_parse(&d, bad[i]) != WL_EUSAGE)
      fail_msg("'%s' was accepted as %lld", bad[i], (long long)d);
    assert_int_equal(d, 7);
  }
  int64_t d;
  wl_duration_parse(&d, "-5");
  assert_string_equal(wl_errmsg(), "negative duration '-5'");
  wl_duration_parse(&d, "1:60:00");
  assert_string_equal(wl_errmsg(), "invalid duration '1:60:00' (expected seconds or H:MM:SS)");
  assert_int_equal(wl_duration_parse(&d, NULL), WL_EUSAGE);
}

static void test_interval_floor_ceil(void **state)
{
  static const int64_t cases[][3] = {
      /* t, floor, ceil */
      {0, 0, 0},         {1, 0, 900},        {899, 0, 900},       {900, 900, 900},
      {901, 900, 1800},  {-1, -900, 0},      {-899, -900, 0},     {-900, -900, -900},
      {-901, -1800, -900}, {-1800, -1800, -1800}, {1730611800, 1730611800, 1730611800},
      {1730611801, 1730611800, 1730612700}, {-5364662399, -5364662400, -5364661500}};
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    assert_int_equal(wl_interval_floor(cases[i][0]), cases[i][1]);
    assert_int_equal(wl_interval_ceil(cases[i][0]), cases[i][2]);
  }
  /* The ends of the range stay defined (UBSan watches) and aligned. */
  assert_int_equal(wl_interval_floor(INT64_MIN) % 900, 0);
  assert_true(wl_interval_floor(INT64_MIN) >= INT64_MIN);
  assert_int_equal(wl_interval_ceil(INT64_MAX) % 900, 0);
  assert_int_equal(wl_interval_floor(INT64_MAX) % 900, 0);
  assert_int_equal(WL_INTERVAL_S, 900);
}

static void expect_intervals(const wl_tz *tz, int y, int m, int d, int want)
{
  int64_t start = wl_tz_date_start(tz, y, m, d);
  int64_t next = wl_tz_next_day_start(tz, start);
  /* Same answer from any instant of the day. */
  const int64_t probes[] = {start, start + 1, start + (next - start) / 2, next - 1};
  for (size_t i = 0; i < 4; i++)
    if (wl_intervals_in_local_day(tz, probes[i]) != want)
      fail_msg("%s %d-%02d-%02d: %d intervals, want %d", wl_tz_name(tz), y, m, d,
               wl_intervals_in_local_day(tz, probes[i]), want);
}

static void test_intervals_in_local_day(void **state)
{
  wl_tz *ny = load("America/New_York"), *lon = load("Europe/London");
  wl_tz *syd = load("Australia/Sydney"), *kol = load("Asia/Kolkata");
  wl_tz *lhi = load("Australia/Lord_Howe"), *hav = load("America/Havana");
  wl_tz *bei = load("Asia/Beirut"), *utc = load("UTC");
  /* wfm-definitions.md */
  expect_intervals(ny, 2024, 3, 10, 92);
  expect_intervals(ny, 2024, 11, 3, 100);
  expect_intervals(lon, 2024, 3, 31, 92);
  expect_intervals(lon, 2024, 10, 27, 100);
  expect_intervals(syd, 2024, 4, 7, 100);
  expect_intervals(syd, 2024, 10, 6, 92);
  assert_int_equal(wl_intervals_in_local_day(ny, 1710054000), 92);
  assert_int_equal(wl_intervals_in_local_day(ny, 1730613600), 100);
  assert_int_equal(wl_intervals_in_local_day(syd, 1728144000), 92);
  /* Normal days around them. */
  expect_intervals(ny, 2024, 3, 9, 96);
  expect_intervals(ny, 2024, 3, 11, 96);
  expect_intervals(ny, 2024, 11, 2, 96);
  expect_intervals(ny, 2024, 11, 4, 96);
  expect_intervals(ny, 2024, 7, 4, 96);
  expect_intervals(lon, 2024, 3, 30, 96);
  expect_intervals(syd, 2024, 4, 6, 96);
  expect_intervals(syd, 2024, 10, 7, 96);
  expect_intervals(utc, 2024, 3, 10, 96);
  /* Far future, from the footer rule. */
  expect_intervals(ny, 2040, 3, 11, 92);
  expect_intervals(ny, 2040, 11, 4, 100);
  expect_intervals(ny, 2100, 3, 14, 92);
  expect_intervals(ny, 2100, 11, 7, 100);
  expect_intervals(ny, 2100, 3, 7, 96);
  expect_intervals(lon, 2100, 3, 28, 92);
  expect_intervals(lon, 2100, 10, 31, 100);
  expect_intervals(syd, 2100, 4, 4, 100);
  expect_intervals(syd, 2100, 10, 3, 92);
  /* Half-hour DST, and changes at midnight. */
  expect_intervals(lhi, 2024, 4, 7, 98);
  expect_intervals(lhi, 2024, 10, 6, 94);
  expect_intervals(hav, 2024, 3, 10, 92);
  expect_intervals(hav, 2024, 11, 3, 100);
  expect_intervals(bei, 2024, 3, 31, 92);
  expect_intervals(bei, 2024, 10, 26, 100);
  expect_intervals(bei, 2024, 10, 27, 96);
  /* Kolkata: every day of 2024 and 2040 is 96; New York's year sums up. */
  int64_t ny_total = 0;
  for (int64_t day = wl_days_from_civil(2024, 1, 1); day < wl_days_from_civil(2025, 1, 1); day++) {
    int y, m, d;
    wl_civil_from_days(day, &y, &m, &d);
    expect_intervals(kol, y, m, d, 96);
    expect_intervals(kol, y + 16, m, d > 28 && m == 2 ? 28 : d, 96);
    ny_total += wl_intervals_in_local_day(ny, wl_tz_date_start(ny, y, m, d));
  }
  assert_int_equal(ny_total, 366 * 96);
  wl_tz_free(ny);
  wl_tz_free(lon);
  wl_tz_free(syd);
  wl_tz_free(kol);
  wl_tz_free(lhi);
  wl_tz_free(hav);
  wl_tz_free(bei);
  wl_tz_free(utc);
}

static int64_t clock_42(void)
{
  return 42;
}

static void test_clock(void **state)
{
  unsetenv("WFMLINK_FAKE_NOW");
  int64_t before = (int64_t)time(NULL), now = wl_now(), after = (int64_t)time(NULL);
  assert_true(before <= now && now <= after);

  setenv("WFMLINK_FAKE_NOW", "1730606400", 1);
  assert_int_equal(wl_now(), 1730606400);
  setenv("WFMLINK_FAKE_NOW", "-5", 1);
  assert_int_equal(wl_now(), -5);
  setenv("WFMLINK_FAKE_NOW", "2024-11-03T01:30:00-04:00", 1);
  assert_int_equal(wl_now(), 1730611800);
  setenv("WFMLINK_FAKE_NOW", "2024-11-03T05:30:00Z", 1);
  assert_int_equal(wl_now(), 1730611800);

  /* An unusable value falls back to the real clock and leaves the error
   * message of the caller alone. */
  wl_err(WL_EFAIL, "earlier error");
  static const char *const bad[] = {"soon", "2024-11-03T01:30:00", "12abc"};
  for (size_t i = 0; i < 3; i++) {
    setenv("WFMLINK_FAKE_NOW", bad[i], 1);
    before = (int64_t)time(NULL);
    now = wl_now();
    after = (int64_t)time(NULL);
    assert_true(before <= now && now <= after);
  }
  assert_string_equal(wl_errmsg(), "earlier error");

  /* A clock function wins over the environment, until removed. */
  setenv("WFMLINK_FAKE_NOW", "1730606400", 1);
  wl_set_clock(clock_42);
  assert_int_equal(wl_now(), 42);
  wl_set_clock(NULL);
  assert_int_equal(wl_now(), 1730606400);
  unsetenv("WFMLINK_FAKE_NOW");
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_format),
      cmocka_unit_test(test_parse_iso),
      cmocka_unit_test(test_parse_iso_rejects),
      cmocka_unit_test(test_parse_arg),
      cmocka_unit_test(test_round_trips),
      cmocka_unit_test(test_duration),
      cmocka_unit_test(test_interval_floor_ceil),
      cmocka_unit_test(test_intervals_in_local_day),
      cmocka_unit_test(test_clock),
  };
  int failed;
  setenv("TZ", "UTC", 1);
  tzset();
  failed = cmocka_run_group_tests_name("timeutil (TZ=UTC)", tests, NULL, NULL);
  setenv("TZ", "Asia/Tokyo", 1);
  tzset();
  failed += cmocka_run_group_tests_name("timeutil (TZ=Asia/Tokyo)", tests, NULL, NULL);
  return failed;
}
