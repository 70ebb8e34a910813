/*
 * Time zones: TZif loading (real Debian files and hand-made ones), offsets
 * around DST changes, the POSIX footer rule for far-future instants, wall
 * time -> instant in gaps and repeats, day and week starts. Expected instants
 * were taken from zdump(8) / date(1), not from the code under test.
 * The whole group runs twice, with TZ set to UTC and then to Asia/Tokyo, to
 * show that the process zone never leaks into a result.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/err.h"
#include "util/tz.h"

static char tmpdir[512];

static wl_tz *load(const char *name)
{
  wl_tz *tz = NULL;
  int rc = wl_tz_load(&tz, name);
  if (rc != 0)
    fail_msg("loading %s: %s", name, wl_errmsg());
  assert_non_null(tz);
  return tz;
}

/* ----------------------------------------------------- hand-made TZif files */

static void put32(FILE *f, uint32_t v)
{
  unsigned char b[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                        (unsigned char)(v >> 8), (unsigned char)v};
  fwrite(b, 1, 4, f);
}

static void put64(FILE *f, int64_t v)
{
  put32(f, (uint32_t)((uint64_t)v >> 32));
  put32(f, (uint32_t)v);
}

typedef struct {
  char version; /* 0 for a version 1 file, else '2' or '3' */
  int ntrans;
  const int64_t *trans;
  const unsigned char *idx;
  int ntypes;
  const int32_t *offs;
  const char *footer; /* version 2+ only */
  int leapcnt;        /* writes that many leap second records */
} tzif_spec;

static void write_block(FILE *f, const tzif_spec *s, char version, int tsize)
{
  fwrite("TZif", 1, 4, f);
  fputc(version, f);
  for (int i = 0; i < 15; i++)
    fputc(0, f);
  put32(f, 0);                    /* isutcnt */
  put32(f, 0);                    /* isstdcnt */
  put32(f, (uint32_t)s->leapcnt); /* leapcnt */
  put32(f, (uint32_t)s->ntrans);
  put32(f, (uint32_t)s->ntypes);
  put32(f, 4); /* charcnt: "ABC\0" */
  for (int i = 0; i < s->ntrans; i++)
    tsize == 8 ? put64(f, s->trans[i]) : put32(f, (uint32_t)(int32_t)s->trans[i]);
  if (s->ntrans)
    fwrite(s->idx, 1, (size_t)s->ntrans, f);
  for (int i = 0; i < s->ntypes; i++) {
    put32(f, (uint32_t)s->offs[i]);
    fputc(s->offs[i] != s->offs[0], f); /* isdst */
    fputc(0, f);                        /* abbreviation index */
  }
  fwrite("ABC", 1, 4, f);
  for (int i = 0; i < s->leapcnt; i++) {
    tsize == 8 ? put64(f, 78796800 + i) : put32(f, 78796800u + (uint32_t)i);
    put32(f, (uint32_t)(i + 1));
  }
}

static void write_tzif(const char *name, const tzif_spec *s)
{
  char path[1024];
  snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  write_block(f, s, s->version, 4);
  if (s->version) {
    write_block(f, s, s->version, 8);
    fprintf(f, "\n%s\n", s->footer ? s->footer : "");
  }
  fclose(f);
}

static void write_raw(const char *name, const void *data, size_t len)
{
  char path[1024];
  snprintf(path, sizeof(path), "%s/%s", tmpdir, name);
  FILE *f = fopen(path, "wb");
  assert_non_null(f);
  fwrite(data, 1, len, f);
  fclose(f);
}

/* Loads from the hand-made directory through TZDIR. */
static int load_crafted(wl_tz **out, const char *name)
{
  setenv("TZDIR", tmpdir, 1);
  int rc = wl_tz_load(out, name);
  unsetenv("TZDIR");
  return rc;
}

/* A file with no transitions, one standard type and a footer rule. */
static wl_tz *footer_zone(const char *name, int32_t std_off, const char *footer)
{
  tzif_spec s = {'2', 0, NULL, NULL, 1, &std_off, footer, 0};
  wl_tz *tz = NULL;
  write_tzif(name, &s);
  if (load_crafted(&tz, name) != 0)
    fail_msg("loading %s: %s", footer, wl_errmsg());
  return tz;
}

static void rm_tmpdir(void)
{
  static const char *const files[] = {"v1", "v2", "f_sydney", "f_ist", "f_us", "f_us_norule",
                                      "f_julian", "f_zero", "f_secs", "f_named", "badmagic",
                                      "trunc", "badfooter", "leap", "badidx", "unsorted",
                                      "bigoff", "empty", "v1big", "midgap", "midback"};
  char path[1024];
  for (size_t i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
    snprintf(path, sizeof(path), "%s/%s", tmpdir, files[i]);
    unlink(path);
  }
  snprintf(path, sizeof(path), "%s/sub", tmpdir);
  rmdir(path);
  rmdir(tmpdir);
}

static int group_setup(void **state)
{
  const char *base = getenv("WL_TEST_TMP");
  if (!base || !*base)
    base = "/tmp";
  if (mkdir(base, 0700) < 0 && errno != EEXIST)
    return -1;
  snprintf(tmpdir, sizeof(tmpdir), "%s/tz-%ld", base, (long)getpid());
  rm_tmpdir();
  return mkdir(tmpdir, 0700);
}

static int group_teardown(void **state)
{
  rm_tmpdir();
  return 0;
}

/* ------------------------------------------------------------------- tests */

static void test_process_zone_is_really_set(void **state)
{
  /* Proof that the second run's TZ=Asia/Tokyo took effect for libc. */
  const char *want = getenv("TZ");
  time_t t = 1717243200; /* 2024-06-01T12:00Z */
  struct tm tm;
  localtime_r(&t, &tm);
  if (want && strcmp(want, "Asia/Tokyo") == 0)
    assert_int_equal(tm.tm_hour, 21);
  else
    assert_int_equal(tm.tm_hour, 12);
}

static void test_civil_helpers(void **state)
{
  int y, m, d;
  assert_int_equal(wl_days_from_civil(1970, 1, 1), 0);
  assert_int_equal(wl_days_from_civil(1969, 12, 31), -1);
  assert_int_equal(wl_days_from_civil(2000, 3, 1), 11017);
  assert_int_equal(wl_days_from_civil(2024, 2, 29), 19782);
  assert_int_equal(wl_days_from_civil(1800, 1, 1), -5364662400 / 86400);
  assert_int_equal(wl_days_from_civil(2100, 3, 14) * 86400 + 7 * 3600, 4108690800);
  wl_civil_from_days(19782, &y, &m, &d);
  assert_true(y == 2024 && m == 2 && d == 29);
  wl_civil_from_days(-1, &y, &m, &d);
  assert_true(y == 1969 && m == 12 && d == 31);
  wl_civil_from_days(-719468, &y, &m, &d); /* 0000-03-01 */
  assert_true(y == 0 && m == 3 && d == 1);
  /* Round trip over 1600..2400, both ways. */
  for (int64_t z = wl_days_from_civil(1600, 1, 1); z < wl_days_from_civil(2400, 1, 1); z++) {
    wl_civil_from_days(z, &y, &m, &d);
    assert_int_equal(wl_days_from_civil(y, m, d), z);
  }
  assert_int_equal(wl_weekday_from_days(0), 3);  /* Thursday */
  assert_int_equal(wl_weekday_from_days(-1), 2); /* Wednesday */
  assert_int_equal(wl_weekday_from_days(-4), 6); /* Sunday 1969-12-28 */
  assert_int_equal(wl_weekday_from_days(wl_days_from_civil(2024, 11, 4)), 0);
  assert_int_equal(wl_weekday_from_days(wl_days_from_civil(2024, 3, 10)), 6);
  assert_int_equal(wl_weekday_from_days(wl_days_from_civil(1900, 1, 1)), 0);
}

static void test_load_names(void **state)
{
  wl_tz *tz = load("America/New_York");
  assert_string_equal(wl_tz_name(tz), "America/New_York");
  wl_tz_free(tz);
  tz = load("UTC");
  assert_string_equal(wl_tz_name(tz), "UTC");
  assert_int_equal(wl_tz_offset(tz, 1717243200), 0);
  wl_tz_free(tz);
  assert_true(wl_tz_valid("Etc/UTC"));
  assert_true(wl_tz_valid("GMT"));
  assert_true(wl_tz_valid("Asia/Kathmandu"));
  assert_true(wl_tz_valid("America/Argentina/Buenos_Aires"));
  assert_true(wl_tz_valid("Etc/GMT+5"));
  wl_tz_free(NULL);
}

static void test_load_rejects(void **state)
{
  static const char *const bad[] = {"",           "/etc/passwd", "../etc/passwd",
                                    "America/../UTC", "America",  "America/",
                                    "zone1970.tab", "tzdata.zi",  "America/New York",
                                    "Mars/Olympus", "UTC\n",      "America/New_York/x"};
  wl_tz *tz = (wl_tz *)&tz;
  assert_int_equal(wl_tz_load(&tz, "Mars/Olympus"), WL_EUSAGE);
  assert_null(tz);
  assert_string_equal(wl_errmsg(), "unknown time zone 'Mars/Olympus'");
  assert_int_equal(wl_tz_load(&tz, "../../etc/passwd"), WL_EUSAGE);
  assert_string_equal(wl_errmsg(), "unknown time zone '../../etc/passwd'");
  assert_int_equal(wl_tz_load(&tz, NULL), WL_EUSAGE);
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    tz = NULL;
    if (wl_tz_load(&tz, bad[i]) != WL_EUSAGE)
      fail_msg("'%s' was accepted", bad[i]);
    assert_null(tz);
    assert_non_null(strstr(wl_errmsg(), "unknown time zone"));
    assert_false(wl_tz_valid(bad[i]));
  }
}

static void test_utc_builtin_without_files(void **state)
{
  char empty[600];
  wl_tz *tz = NULL;
  snprintf(empty, sizeof(empty), "%s/sub", tmpdir);
  assert_int_equal(mkdir(empty, 0700), 0);
  setenv("TZDIR", empty, 1);
  static const char *const names[] = {"UTC", "Etc/UTC", "GMT"};
  for (size_t i = 0; i < 3; i++) {
    assert_int_equal(wl_tz_load(&tz, names[i]), 0);
    assert_string_equal(wl_tz_name(tz), names[i]);
    assert_int_equal(wl_tz_offset(tz, 4108690800), 0);
    assert_int_equal(wl_tz_day_start(tz, 1717243200), 1717200000);
    wl_tz_free(tz);
  }
  assert_int_equal(wl_tz_load(&tz, "America/New_York"), WL_EUSAGE);
  unsetenv("TZDIR");
  rmdir(empty);
}

static void check_offsets(const char *zone, const int64_t (*cases)[2], size_t n)
{
  wl_tz *tz = load(zone);
  for (size_t i = 0; i < n; i++)
    if (wl_tz_offset(tz, cases[i][0]) != cases[i][1])
      fail_msg("%s at %lld: got %d, want %lld", zone, (long long)cases[i][0],
               wl_tz_offset(tz, cases[i][0]), (long long)cases[i][1]);
  wl_tz_free(tz);
}

static void test_offsets_2024(void **state)
{
  static const int64_t ny[][2] = {{1710053999, -18000}, {1710054000, -14400},
                                  {1730613599, -14400}, {1730613600, -18000}};
  static const int64_t lon[][2] = {{1711846799, 0}, {1711846800, 3600},
                                   {1729990799, 3600}, {1729990800, 0}};
  static const int64_t syd[][2] = {{1712419199, 39600}, {1712419200, 36000},
                                   {1728143999, 36000}, {1728144000, 39600}};
  static const int64_t kol[][2] = {{1710054000, 19800}, {1730613600, 19800}, {0, 19800}};
  static const int64_t ktm[][2] = {{1717243200, 20700}, {4108690800, 20700}};
  check_offsets("America/New_York", ny, 4);
  check_offsets("Europe/London", lon, 4);
  check_offsets("Australia/Sydney", syd, 4);
  check_offsets("Asia/Kolkata", kol, 3);
  check_offsets("Asia/Kathmandu", ktm, 2);
}

/* Debian's files stop at 2037: these come from the footer rule. */
static void test_offsets_far_future(void **state)
{
  static const int64_t ny[][2] = {
      {2215061999, -18000}, {2215062000, -14400}, {2235621599, -14400}, {2235621600, -18000},
      {4108690799, -18000}, {4108690800, -14400}, {4129250399, -14400}, {4129250400, -18000}};
  static const int64_t lon[][2] = {
      {2216249999, 0}, {2216250000, 3600}, {2234998799, 3600}, {2234998800, 0},
      {4109878799, 0}, {4109878800, 3600}, {4128627599, 3600}, {4128627600, 0}};
  static const int64_t syd[][2] = {
      {2216822399, 39600}, {2216822400, 36000}, {2233151999, 36000}, {2233152000, 39600},
      {4110451199, 39600}, {4110451200, 36000}, {4126175999, 36000}, {4126176000, 39600}};
  /* Footers with a 24:00 rule time and a negative one. */
  static const int64_t scl[][2] = {{2217466799, -10800}, {2217466800, -14400},
                                   {2230171199, -14400}, {2230171200, -10800}};
  static const int64_t nuuk[][2] = {{2216249999, -7200}, {2216250000, -3600},
                                    {2234998799, -3600}, {2234998800, -7200}};
  check_offsets("America/New_York", ny, 8);
  check_offsets("Europe/London", lon, 8);
  check_offsets("Australia/Sydney", syd, 8);
  check_offsets("America/Santiago", scl, 4);
  check_offsets("America/Nuuk", nuuk, 4);
}

static void test_to_civil(void **state)
{
  wl_civil c;
  wl_tz *ny = load("America/New_York"), *ktm = load("Asia/Kathmandu");
  wl_tz_to_civil(&c, ny, 1730611800); /* 05:30Z: first 01:30 */
  assert_true(c.year == 2024 && c.month == 11 && c.day == 3 && c.hour == 1 && c.min == 30);
  wl_tz_to_civil(&c, ny, 1730611800 + 3600); /* second 01:30 */
  assert_true(c.day == 3 && c.hour == 1 && c.min == 30 && c.sec == 0);
  wl_tz_to_civil(&c, ny, 1710054000); /* 03:00 EDT */
  assert_true(c.month == 3 && c.day == 10 && c.hour == 3 && c.min == 0);
  wl_tz_to_civil(&c, ny, 1710053999);
  assert_true(c.day == 10 && c.hour == 1 && c.min == 59 && c.sec == 59);
  wl_tz_to_civil(&c, ktm, 1717243200);
  assert_true(c.year == 2024 && c.month == 6 && c.day == 1 && c.hour == 17 && c.min == 45);
  wl_tz_to_civil(&c, NULL, -1);
  assert_true(c.year == 1969 && c.month == 12 && c.day == 31 && c.hour == 23 && c.min == 59 &&
              c.sec == 59);
  /* Local mean time before 1883: New York was -4:56:02. */
  wl_tz_to_civil(&c, ny, -5364662400);
  assert_true(c.year == 1799 && c.month == 12 && c.day == 31 && c.hour == 19 && c.min == 3 &&
              c.sec == 58);
  wl_tz_free(ny);
  wl_tz_free(ktm);
}

static int64_t civil_to(const wl_tz *tz, int y, int mo, int d, int h, int mi, int later)
{
  wl_civil c = {y, mo, d, h, mi, 0};
  return wl_tz_from_civil(tz, &c, later);
}

static void test_from_civil(void **state)
{
  wl_tz *ny = load("America/New_York"), *lon = load("Europe/London");
  wl_tz *syd = load("Australia/Sydney"), *ktm = load("Asia/Kathmandu");
  /* Ordinary times, either preference. */
  assert_int_equal(civil_to(ny, 2024, 3, 9, 0, 0, 0), 1709960400);
  assert_int_equal(civil_to(ny, 2024, 3, 9, 0, 0, 1), 1709960400);
  assert_int_equal(civil_to(ktm, 2024, 6, 1, 17, 45, 0), 1717243200);
  /* Gap: 02:30 on 2024-03-10 does not exist; the earlier offset applies. */
  assert_int_equal(civil_to(ny, 2024, 3, 10, 2, 30, 0), 1710055800);
  assert_int_equal(civil_to(ny, 2024, 3, 10, 2, 30, 1), 1710055800);
  assert_int_equal(civil_to(ny, 2024, 3, 10, 2, 0, 0), 1710054000);
  assert_int_equal(civil_to(ny, 2024, 3, 10, 3, 0, 0), 1710054000);
  assert_int_equal(civil_to(lon, 2024, 3, 31, 1, 30, 0), 1711848600);
  assert_int_equal(civil_to(syd, 2024, 10, 6, 2, 30, 0), 1728145800);
  /* Repeat: 01:30 on 2024-11-03 happens twice. */
  assert_int_equal(civil_to(ny, 2024, 11, 3, 1, 30, 0), 1730611800);
  assert_int_equal(civil_to(ny, 2024, 11, 3, 1, 30, 1), 1730611800 + 3600);
  assert_int_equal(civil_to(ny, 2024, 11, 3, 1, 0, 0), 1730610000);
  assert_int_equal(civil_to(ny, 2024, 11, 3, 1, 0, 1), 1730613600);
  assert_int_equal(civil_to(ny, 2024, 11, 3, 2, 0, 0), 1730617200);
  assert_int_equal(civil_to(ny, 2024, 11, 3, 2, 0, 1), 1730617200);
  assert_int_equal(civil_to(lon, 2024, 10, 27, 1, 30, 0), 1729992600 - 3600);
  assert_int_equal(civil_to(lon, 2024, 10, 27, 1, 30, 1), 1729992600);
  assert_int_equal(civil_to(syd, 2024, 4, 7, 2, 30, 0), 1712417400);
  assert_int_equal(civil_to(syd, 2024, 4, 7, 2, 30, 1), 1712417400 + 3600);
  /* Far future, through the footer rule. */
  assert_int_equal(civil_to(ny, 2100, 11, 7, 1, 30, 0), 4129250400 - 1800);
  assert_int_equal(civil_to(ny, 2100, 11, 7, 1, 30, 1), 4129250400 + 1800);
  assert_int_equal(civil_to(ny, 2100, 3, 14, 2, 30, 0), 4108690800 + 1800);
  assert_int_equal(civil_to(syd, 2100, 4, 4, 2, 30, 0), 4110451200 - 1800);
  assert_int_equal(civil_to(syd, 2100, 4, 4, 2, 30, 1), 4110451200 + 1800);
  /* Out-of-range fields roll over instead of failing. */
  assert_int_equal(civil_to(NULL, 2024, 6, 1, 24, 0, 0), 1717286400);
  wl_tz_free(ny);
  wl_tz_free(lon);
  wl_tz_free(syd);
  wl_tz_free(ktm);
}

/* to_civil(from_civil(c)) == c for every quarter hour of 2024 outside gaps,
 * and every instant maps back to itself under one of the preferences. */
static void test_round_trips(void **state)
{
  static const char *const zones[] = {"America/New_York", "Europe/London", "Australia/Sydney",
                                      "Asia/Kolkata",     "Asia/Kathmandu", "America/Havana",
                                      "Australia/Lord_Howe"};
  for (size_t z = 0; z < sizeof(zones) / sizeof(zones[0]); z++) {
    wl_tz *tz = load(zones[z]);
    for (int64_t t = 1704067200 - 86400; t < 1735689600 + 86400; t += 900) {
      wl_civil c, back;
      wl_tz_to_civil(&c, tz, t);
      int64_t e = wl_tz_from_civil(tz, &c, 0), l = wl_tz_from_civil(tz, &c, 1);
      if (e != t && l != t)
        fail_msg("%s: %lld -> %lld / %lld", zones[z], (long long)t, (long long)e, (long long)l);
      assert_true(e <= l);
      wl_tz_to_civil(&back, tz, e);
      assert_memory_equal(&c, &back, sizeof(c));
    }
    wl_tz_free(tz);
  }
}

static void test_day_start(void **state)
{
  wl_tz *ny = load("America/New_York"), *hav = load("America/Havana");
  wl_tz *bei = load("Asia/Beirut");
  /* Day of the spring change: from 05:00Z to the next midnight at 04:00Z. */
  assert_int_equal(wl_tz_day_start(ny, 1710054000), 1710046800);
  assert_int_equal(wl_tz_next_day_start(ny, 1710054000), 1710046800 + 23 * 3600);
  assert_int_equal(wl_tz_day_start(ny, 1710046800), 1710046800);
  assert_int_equal(wl_tz_day_start(ny, 1710046799), 1710046800 - 86400);
  assert_int_equal(wl_tz_date_start(ny, 2024, 3, 10), 1710046800);
  assert_int_equal(wl_tz_date_start(ny, 2024, 3, 11), 1710129600);
  /* Havana springs forward at midnight: 2024-03-10 begins at 01:00 CDT. */
  assert_int_equal(wl_tz_date_start(hav, 2024, 3, 10), 1710046800);
  assert_int_equal(wl_tz_day_start(hav, 1710046800 + 3600), 1710046800);
  assert_int_equal(wl_tz_next_day_start(hav, 1710046800 - 1), 1710046800);
  /* Beirut springs forward at midnight too, and falls back at midnight
   * (00:00 EEST -> 23:00 EET), so 2024-10-26 lasts 25 hours. */
  assert_int_equal(wl_tz_date_start(bei, 2024, 3, 31), 1711836000);
  assert_int_equal(wl_tz_date_start(bei, 2024, 10, 26), 1729976400 - 86400);
  assert_int_equal(wl_tz_date_start(bei, 2024, 10, 27), 1729976400 + 3600);
  assert_int_equal(wl_tz_next_day_start(bei, 1729976400), 1729976400 + 3600);
  assert_int_equal(wl_tz_day_start(bei, 1729976400), 1729976400 - 86400);
  wl_tz_free(ny);
  wl_tz_free(hav);
  wl_tz_free(bei);
}

/* Sum of day lengths over a year equals the year: no second is lost. */
static void test_days_tile_the_year(void **state)
{
  static const char *const zones[] = {"America/New_York", "Australia/Sydney", "Asia/Beirut",
                                      "America/Havana", "America/Santiago", "Asia/Kolkata"};
  for (size_t z = 0; z < sizeof(zones) / sizeof(zones[0]); z++) {
    wl_tz *tz = load(zones[z]);
    for (int year = 2024; year <= 2100; year += 76) {
      int64_t first = wl_tz_date_start(tz, year, 1, 1), t = first;
      int days = 0;
      while (t < wl_tz_date_start(tz, year + 1, 1, 1)) {
        int64_t next = wl_tz_next_day_start(tz, t);
        assert_true(next > t);
        assert_int_equal(wl_tz_day_start(tz, next - 1), t);
        t = next;
        days++;
      }
      assert_int_equal(days, year == 2024 ? 366 : 365);
      assert_int_equal(t, wl_tz_date_start(tz, year + 1, 1, 1));
      assert_int_equal(wl_tz_offset(tz, t) - wl_tz_offset(tz, first),
                       (int)((int64_t)days * 86400 - (t - first)));
    }
    wl_tz_free(tz);
  }
}

static void test_week_start(void **state)
{
  wl_tz *ny = load("America/New_York"), *syd = load("Australia/Sydney");
  /* Week of 2024-03-04 (EST Monday) holds the spring change: 167 hours. */
  assert_int_equal(wl_tz_week_start(ny, 1710046800 + 23 * 3600 - 1), 1709528400);
  assert_int_equal(wl_tz_week_start(ny, 1709528400), 1709528400);
  assert_int_equal(wl_tz_week_start(ny, 1709528399), 1709528400 - 7 * 86400);
  assert_int_equal(wl_tz_week_start(ny, 1710129600), 1710129600);
  assert_int_equal(1710129600 - 1709528400, 7 * 86400 - 3600);
  /* Sydney: Monday 2024-09-30 AEST, next Monday in AEDT. */
  assert_int_equal(wl_tz_week_start(syd, 1728144000), 1727618400);
  assert_int_equal(wl_tz_week_start(syd, 1728219600), 1728219600);
  assert_int_equal(wl_tz_week_start(syd, 1728219599), 1727618400);
  /* UTC: Thursday 1970-01-01 belongs to the week of Monday 1969-12-29. */
  assert_int_equal(wl_tz_week_start(NULL, 0), -3 * 86400);
  wl_tz_free(ny);
  wl_tz_free(syd);
}

static void test_footer_forms(void **state)
{
  wl_tz *tz;
  /* No transitions: the footer governs all times, 1990 as much as 2024. */
  tz = footer_zone("f_sydney", 36000, "AEST-10AEDT,M10.1.0,M4.1.0/3");
  assert_int_equal(wl_tz_offset(tz, 638899199), 39600);
  assert_int_equal(wl_tz_offset(tz, 638899200), 36000);
  assert_int_equal(wl_tz_offset(tz, 655228799), 36000);
  assert_int_equal(wl_tz_offset(tz, 655228800), 39600);
  assert_int_equal(wl_tz_offset(tz, 1712419199), 39600);
  assert_int_equal(wl_tz_offset(tz, 1712419200), 36000);
  assert_int_equal(wl_tz_offset(tz, 1728144000), 39600);
  wl_tz_free(tz);

  tz = footer_zone("f_ist", 19800, "<+0530>-5:30");
  assert_int_equal(wl_tz_offset(tz, -5364662400), 19800);
  assert_int_equal(wl_tz_offset(tz, 4108690800), 19800);
  wl_tz_free(tz);

  tz = footer_zone("f_us", -18000, "EST5EDT,M3.2.0,M11.1.0");
  assert_int_equal(wl_tz_offset(tz, 1710053999), -18000);
  assert_int_equal(wl_tz_offset(tz, 1710054000), -14400);
  assert_int_equal(wl_tz_offset(tz, 1730613600), -18000);
  wl_tz_free(tz);

  /* DST without a rule: the US rule, and one hour ahead. */
  tz = footer_zone("f_us_norule", -18000, "EST5EDT");
  assert_int_equal(wl_tz_offset(tz, 1710053999), -18000);
  assert_int_equal(wl_tz_offset(tz, 1710054000), -14400);
  assert_int_equal(wl_tz_offset(tz, 1730613599), -14400);
  assert_int_equal(wl_tz_offset(tz, 1730613600), -18000);
  wl_tz_free(tz);

  /* Jn never counts Feb 29 (J60 is always Mar 1); n does. */
  tz = footer_zone("f_julian", -10800, "AAA3BBB,J60/2,J300/2");
  assert_int_equal(wl_tz_offset(tz, 1709269199), -10800);
  assert_int_equal(wl_tz_offset(tz, 1709269200), -7200);
  assert_int_equal(wl_tz_offset(tz, 1730001599), -7200);
  assert_int_equal(wl_tz_offset(tz, 1730001600), -10800);
  wl_tz_free(tz);
  tz = footer_zone("f_zero", -10800, "AAA3BBB,59/2,299/2");
  assert_int_equal(wl_tz_offset(tz, 1709182799), -10800); /* 2024: Feb 29 */
  assert_int_equal(wl_tz_offset(tz, 1709182800), -7200);
  assert_int_equal(wl_tz_offset(tz, 1729915199), -7200); /* 2024: Oct 26 */
  assert_int_equal(wl_tz_offset(tz, 1729915200), -10800);
  assert_int_equal(wl_tz_offset(tz, 1677646799), -10800); /* 2023: Mar 1 */
  assert_int_equal(wl_tz_offset(tz, 1677646800), -7200);
  assert_int_equal(wl_tz_offset(tz, 1698379200), -10800); /* 2023: Oct 27 */
  wl_tz_free(tz);

  /* Hours:minutes:seconds offsets and quoted names with signs. */
  tz = footer_zone("f_secs", -(4 * 3600 + 56 * 60 + 2), "LMT4:56:02");
  assert_int_equal(wl_tz_offset(tz, 0), -(4 * 3600 + 56 * 60 + 2));
  wl_tz_free(tz);
  tz = footer_zone("f_named", 3600, "<+01>-1<+02>-2:00:00,M3.5.0/2:30,M10.5.0/3:00:00");
  assert_int_equal(wl_tz_offset(tz, 1711848600 - 1), 3600); /* 2024-03-31 01:30Z */
  assert_int_equal(wl_tz_offset(tz, 1711848600), 7200);
  assert_int_equal(wl_tz_offset(tz, 1729990799), 7200); /* 2024-10-27 01:00Z */
  assert_int_equal(wl_tz_offset(tz, 1729990800), 3600);
  wl_tz_free(tz);
}

static void test_v1_and_v2_files(void **state)
{
  static const int64_t trans[] = {1000000000, 1100000000};
  static const unsigned char idx[] = {1, 0};
  static const int32_t offs[] = {0, 3600};
  wl_tz *tz;
  /* Version 1: the 32-bit data; no footer, so the last type stays. */
  tzif_spec v1 = {0, 2, trans, idx, 2, offs, NULL, 0};
  write_tzif("v1", &v1);
  assert_int_equal(load_crafted(&tz, "v1"), 0);
  assert_int_equal(wl_tz_offset(tz, 999999999), 0);
  assert_int_equal(wl_tz_offset(tz, 1000000000), 3600);
  assert_int_equal(wl_tz_offset(tz, 1099999999), 3600);
  assert_int_equal(wl_tz_offset(tz, 1100000000), 0);
  assert_int_equal(wl_tz_offset(tz, 4108690800), 0);
  wl_tz_free(tz);
  /* Version 2: a transition beyond 2038 only the 64-bit data can hold,
   * then the footer takes over. */
  static const int64_t trans2[] = {1000000000, 4108690800};
  tzif_spec v2 = {'2', 2, trans2, idx, 2, offs, "<+02>-2", 0};
  write_tzif("v2", &v2);
  assert_int_equal(load_crafted(&tz, "v2"), 0);
  assert_int_equal(wl_tz_offset(tz, 999999999), 0);
  assert_int_equal(wl_tz_offset(tz, 4108690799), 3600);
  assert_int_equal(wl_tz_offset(tz, 4108690800), 7200);
  wl_tz_free(tz);
}

/* Changes that straddle midnight, which no current zone has but the code
 * must still get right: the day begins at the first instant of its date. */
static void test_changes_across_midnight(void **state)
{
  /* 23:30 -> 00:30 at 2024-03-09T23:30Z: 00:00 on 2024-03-10 never shows. */
  static const int64_t gap[] = {1710027000};
  static const unsigned char idx[] = {1};
  static const int32_t fwd[] = {0, 3600}, back[] = {3600, 0};
  wl_tz *tz;
  wl_civil c;
  tzif_spec s1 = {'2', 1, gap, idx, 2, fwd, "", 0};
  write_tzif("midgap", &s1);
  assert_int_equal(load_crafted(&tz, "midgap"), 0);
  assert_int_equal(wl_tz_date_start(tz, 2024, 3, 10), 1710027000);
  wl_tz_to_civil(&c, tz, 1710027000);
  assert_true(c.day == 10 && c.hour == 0 && c.min == 30);
  assert_int_equal(wl_tz_day_start(tz, 1710027000 + 600), 1710027000);
  assert_int_equal(wl_tz_next_day_start(tz, 1710027000 - 1), 1710027000);
  assert_int_equal(wl_tz_next_day_start(tz, 1710027000), 1710111600); /* 23:00Z */
  /* Wall time in the gap still maps as if the earlier offset applied. */
  wl_civil mid = {2024, 3, 10, 0, 0, 0};
  assert_int_equal(wl_tz_from_civil(tz, &mid, 0), 1710028800);
  wl_tz_free(tz);

  /* 00:30 -> 23:30 at the same instant: 23:30-00:30 runs twice, and the
   * second pass belongs to 2024-03-09 again. */
  tzif_spec s2 = {'2', 1, gap, idx, 2, back, "", 0};
  write_tzif("midback", &s2);
  assert_int_equal(load_crafted(&tz, "midback"), 0);
  assert_int_equal(wl_tz_date_start(tz, 2024, 3, 10), 1710027000 - 1800);
  assert_int_equal(wl_tz_day_start(tz, 1710027000 + 600), 1709938800); /* 03-09 00:00 +01 */
  assert_int_equal(wl_tz_next_day_start(tz, 1710027000 + 600), 1710028800);
  assert_int_equal(wl_tz_next_day_start(tz, 1710027000 - 1801), 1710027000 - 1800);
  wl_tz_free(tz);
}

static void test_bad_files(void **state)
{
  static const int64_t trans[] = {1000000000, 1100000000};
  static const int64_t unsorted[] = {1100000000, 1000000000};
  static const unsigned char idx[] = {1, 0}, bad_idx[] = {1, 2};
  static const int32_t offs[] = {0, 3600}, big[] = {0, 27 * 3600};
  wl_tz *tz = NULL;
  struct {
    const char *name;
    tzif_spec spec;
  } cases[] = {
      {"badfooter", {'2', 2, trans, idx, 2, offs, "EST5EDT,M13.1.0,M11.1.0", 0}},
      {"leap", {'2', 2, trans, idx, 2, offs, "", 2}},
      {"badidx", {'2', 2, trans, bad_idx, 2, offs, "", 0}},
      {"unsorted", {'2', 2, unsorted, idx, 2, offs, "", 0}},
      {"bigoff", {'2', 2, trans, idx, 2, big, "", 0}},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    write_tzif(cases[i].name, &cases[i].spec);
    if (load_crafted(&tz, cases[i].name) != WL_EUSAGE)
      fail_msg("%s was accepted", cases[i].name);
    assert_null(tz);
  }
  unsigned char badmagic[56] = {0};
  memcpy(badmagic, "TZjf2", 5);
  write_raw("badmagic", badmagic, sizeof(badmagic));
  assert_int_equal(load_crafted(&tz, "badmagic"), WL_EUSAGE);
  write_raw("empty", "", 0);
  assert_int_equal(load_crafted(&tz, "empty"), WL_EUSAGE);
  /* A good file cut short, at every length. */
  tzif_spec good = {'2', 2, trans, idx, 2, offs, "<+01>-1", 0};
  char path[1024];
  write_tzif("trunc", &good);
  snprintf(path, sizeof(path), "%s/trunc", tmpdir);
  FILE *f = fopen(path, "rb");
  assert_non_null(f);
  unsigned char data[512];
  size_t n = fread(data, 1, sizeof(data), f);
  fclose(f);
  assert_int_equal(load_crafted(&tz, "trunc"), 0);
  wl_tz_free(tz);
  for (size_t cut = 0; cut < n; cut++) {
    write_raw("trunc", data, cut);
    tz = NULL;
    if (load_crafted(&tz, "trunc") != WL_EUSAGE)
      fail_msg("file cut at %zu of %zu bytes was accepted", cut, n);
    assert_null(tz);
  }
  assert_string_equal(wl_errmsg(), "unknown time zone 'trunc' (unreadable zone file)");
}

static void test_extreme_instants(void **state)
{
  wl_tz *ny = load("America/New_York");
  wl_civil c;
  /* Defined results, no overflow (UBSan watches). */
  assert_int_equal(wl_tz_offset(ny, INT64_MAX), -18000);
  assert_int_equal(wl_tz_offset(ny, INT64_MIN), -(4 * 3600 + 56 * 60 + 2));
  wl_tz_to_civil(&c, ny, INT64_MAX);
  wl_tz_to_civil(&c, ny, INT64_MIN);
  wl_civil big = {INT_MAX, 12, 31, 23, 59, 59};
  (void)wl_tz_from_civil(ny, &big, 0);
  big.year = INT_MIN;
  (void)wl_tz_from_civil(ny, &big, 1);
  (void)wl_tz_day_start(ny, INT64_MAX);
  (void)wl_tz_week_start(ny, INT64_MIN);
  wl_tz_free(ny);
}

static void *thread_year(void *arg)
{
  const wl_tz *tz = arg;
  int64_t total = 0;
  for (int64_t day = wl_days_from_civil(2024, 1, 1); day < wl_days_from_civil(2025, 1, 1); day++) {
    int y, m, d;
    wl_civil_from_days(day, &y, &m, &d);
    int64_t s = wl_tz_date_start(tz, y, m, d);
    total += wl_tz_next_day_start(tz, s) - s;
  }
  return (void *)(intptr_t)(total == 366 * 86400);
}

static void test_shared_between_threads(void **state)
{
  wl_tz *tz = load("Australia/Sydney");
  pthread_t th[4];
  for (int i = 0; i < 4; i++)
    assert_int_equal(pthread_create(&th[i], NULL, thread_year, tz), 0);
  for (int i = 0; i < 4; i++) {
    void *ok;
    assert_int_equal(pthread_join(th[i], &ok), 0);
    assert_true(ok == (void *)1);
  }
  wl_tz_free(tz);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_process_zone_is_really_set),
      cmocka_unit_test(test_civil_helpers),
      cmocka_unit_test(test_load_names),
      cmocka_unit_test(test_load_rejects),
      cmocka_unit_test(test_utc_builtin_without_files),
      cmocka_unit_test(test_offsets_2024),
      cmocka_unit_test(test_offsets_far_future),
      cmocka_unit_test(test_to_civil),
      cmocka_unit_test(test_from_civil),
      cmocka_unit_test(test_round_trips),
      cmocka_unit_test(test_day_start),
      cmocka_unit_test(test_days_tile_the_year),
      cmocka_unit_test(test_week_start),
      cmocka_unit_test(test_footer_forms),
      cmocka_unit_test(test_v1_and_v2_files),
      cmocka_unit_test(test_changes_across_midnight),
      cmocka_unit_test(test_bad_files),
      cmocka_unit_test(test_extreme_instants),
      cmocka_unit_test(test_shared_between_threads),
  };
  int failed;
  setenv("TZ", "UTC", 1);
  tzset();
  failed = cmocka_run_group_tests_name("tz (TZ=UTC)", tests, group_setup, group_teardown);
  setenv("TZ", "Asia/Tokyo", 1);
  tzset();
  failed += cmocka_run_group_tests_name("tz (TZ=Asia/Tokyo)", tests, group_setup, group_teardown);
  return failed;
}
