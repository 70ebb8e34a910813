/*
 * Time zones from the system's TZif files (RFC 8536), read without touching
 * the process zone: no TZ, tzset or localtime, so any thread may convert in
 * any zone. A loaded wl_tz holds its transitions as (instant, offset) pairs
 * plus the POSIX TZ rule of the file's footer, which governs every instant
 * after the last stored transition (Debian's files stop at 2037).
 */
#include "util/tz.h"

#include "util/err.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define TZ_DEFAULT_DIR "/usr/share/zoneinfo"
#define TZ_MAX_NAME 255
#define TZ_MAX_FILE (256 * 1024) /* real files are under 4 KiB */
#define TZ_MAX_OFFSET (26 * 3600) /* beyond any offset ever used, LMT included */
#define TZ_RULE_MAX_TIME (167 * 3600 + 59 * 60 + 59) /* RFC 8536 extension */
/* Instants are clamped to about +-142 million years, so that calendar
 * arithmetic on them can neither overflow int64 nor an int year. */
#define TZ_T_LIMIT ((int64_t)1 << 52)
#define DAY_S 86400

/* One date of a POSIX rule: Jn (1-365, no Feb 29), n (0-365) or Mm.w.d. */
typedef struct {
  char kind; /* 'J', 'N' or 'M' */
  int n;     /* day for 'J' and 'N' */
  int m, w, d;
  int32_t time; /* seconds after local midnight, may be negative or > 24 h */
} tz_rule_date;

typedef struct {
  int32_t std_off; /* east of UTC */
  int32_t dst_off;
  int has_dst;
  tz_rule_date start, end; /* start: in standard time; end: in DST */
} tz_rule;

struct wl_tz {
  char *name;
  size_t ntrans;
  int64_t *trans;     /* ascending instants */
  int32_t *trans_off; /* offset in force from trans[i] on */
  int32_t first_off;  /* before the first transition: time type 0 */
  int has_rule;
  tz_rule rule;
};

/* ---------------------------------------------------------------- calendar */

static int64_t floor_div(int64_t a, int64_t b)
{
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0)))
    q--;
  return q;
}

static int64_t clamp_t(int64_t t)
{
  if (t > TZ_T_LIMIT)
    return TZ_T_LIMIT;
  if (t < -TZ_T_LIMIT)
    return -TZ_T_LIMIT;
  return t;
}

int64_t wl_days_from_civil(int y, int m, int d)
{
  int64_t yy = (int64_t)y - (m <= 2);
  int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
  int64_t yoe = yy - era * 400;
  int64_t doy = (153 * (int64_t)(m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

void wl_civil_from_days(int64_t z, int *y, int *m, int *d)
{
  z += 719468;
  int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  int64_t doe = z - era * 146097;
  int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t yy = yoe + era * 400;
  int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  int64_t mp = (5 * doy + 2) / 153;
  int dd = (int)(doy - (153 * mp + 2) / 5 + 1);
  int mm = (int)(mp < 10 ? mp + 3 : mp - 9);
  yy += (mm <= 2);
  if (yy > INT_MAX)
    yy = INT_MAX;
  if (yy < INT_MIN)
    yy = INT_MIN;
  *y = (int)yy;
  *m = mm;
  *d = dd;
}

int wl_weekday_from_days(int64_t z)
{
  /* 1970-01-01 was a Thursday (3 when Monday is 0). */
  return (int)(((z % 7) + 7 + 3) % 7);
}

static int is_leap(int y)
{
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int month_days(int y, int m)
{
  static const int len[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return m == 2 && is_leap(y) ? 29 : len[m - 1];
}

/* --------------------------------------------------------------- POSIX rule */

/* Day (since the epoch) on which a rule date falls in year y. */
static int64_t rule_day(const tz_rule_date *r, int y)
{
  int64_t jan1 = wl_days_from_civil(y, 1, 1);
  if (r->kind == 'J') /* Feb 29 is never counted, so day 60 is always Mar 1 */
    return jan1 + r->n - 1 + (is_leap(y) && r->n >= 60);
  if (r->kind == 'N')
    return jan1 + r->n;
  int64_t first = wl_days_from_civil(y, r->m, 1);
  int first_sun = (wl_weekday_from_days(first) + 1) % 7; /* 0 = Sunday */
  int day = 1 + (r->d - first_sun + 7) % 7 + 7 * (r->w - 1);
  int len = month_days(y, r->m);
  while (day > len) /* w == 5: "last" */
    day -= 7;
  return first + day - 1;
}

static int64_t rule_start(const tz_rule *r, int y)
{
  return rule_day(&r->start, y) * DAY_S + r->start.time - r->std_off;
}

static int64_t rule_end(const tz_rule *r, int y)
{
  return rule_day(&r->end, y) * DAY_S + r->end.time - r->dst_off;
}

static int year_of(int64_t t)
{
  int y, m, d;
  wl_civil_from_days(floor_div(t, DAY_S), &y, &m, &d);
  return y;
}

static int32_t rule_offset(const tz_rule *r, int64_t t)
{
  if (!r->has_dst)
    return r->std_off;
  int y = year_of(t + r->std_off);
  int64_t s = rule_start(r, y), e = rule_end(r, y);
  int dst = s < e ? (t >= s && t < e) /* northern: DST inside the year */
                  : !(t >= e && t < s); /* southern: DST spans new year */
  return dst ? r->dst_off : r->std_off;
}

/* Smallest rule transition instant strictly after t (INT64_MAX if none).
 * Two transitions a year, so the years around t's always hold one. */
static int64_t rule_next(const tz_rule *r, int64_t t)
{
  if (!r->has_dst)
    return INT64_MAX;
  int64_t best = INT64_MAX;
  int y = year_of(t);
  for (int yy = y - 1; yy <= y + 2; yy++) {
    int64_t c[2] = {rule_start(r, yy), rule_end(r, yy)};
    for (int i = 0; i < 2; i++)
      if (c[i] > t && c[i] < best)
        best = c[i];
  }
  return best;
}

/* Parses digits into *v (at most max); returns the end or NULL. */
static const char *parse_num(const char *p, int *v, int max)
{
  if (*p < '0' || *p > '9')
    return NULL;
  long n = 0;
  while (*p >= '0' && *p <= '9') {
    n = n * 10 + (*p - '0');
    if (n > max)
      return NULL;
    p++;
  }
  *v = (int)n;
  return p;
}

/* [+-]hh[:mm[:ss]] in seconds, hours up to max_h. */
static const char *parse_hms(const char *p, int32_t *out, int max_h)
{
  int sign = 1, h, m = 0, s = 0;
  if (*p == '+' || *p == '-')
    sign = *p++ == '-' ? -1 : 1;
  if (!(p = parse_num(p, &h, max_h)))
    return NULL;
  if (*p == ':') {
    if (!(p = parse_num(p + 1, &m, 59)))
      return NULL;
    if (*p == ':' && !(p = parse_num(p + 1, &s, 59)))
      return NULL;
  }
  *out = sign * (h * 3600 + m * 60 + s);
  return p;
}

/* A zone abbreviation: three or more letters, or <...> with signs/digits. */
static const char *parse_abbr(const char *p)
{
  const char *b = p;
  if (*p == '<') {
    for (b = ++p; *p && *p != '>'; p++)
      if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') ||
            (*p >= '0' && *p <= '9') || *p == '+' || *p == '-'))
        return NULL;
    return (*p == '>' && p - b >= 3) ? p + 1 : NULL;
  }
  while ((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z'))
    p++;
  return p - b >= 3 ? p : NULL;
}

static const char *parse_rule_date(const char *p, tz_rule_date *r)
{
  r->time = 2 * 3600;
  if (*p == 'J') {
    r->kind = 'J';
    if (!(p = parse_num(p + 1, &r->n, 365)) || r->n < 1)
      return NULL;
  } else if (*p == 'M') {
    r->kind = 'M';
    if (!(p = parse_num(p + 1, &r->m, 12)) || r->m < 1 || *p != '.')
      return NULL;
    if (!(p = parse_num(p + 1, &r->w, 5)) || r->w < 1 || *p != '.')
      return NULL;
    if (!(p = parse_num(p + 1, &r->d, 6)))
      return NULL;
  } else {
    r->kind = 'N';
    if (!(p = parse_num(p, &r->n, 365)))
      return NULL;
  }
  if (*p == '/')
    p = parse_hms(p + 1, &r->time, 167);
  return p;
}

/* "EST5EDT,M3.2.0,M11.1.0", "<+0530>-5:30", "AEST-10AEDT,M10.1.0,M4.1.0/3".
 * POSIX offsets count west of UTC; we keep them east. */
static int parse_posix(tz_rule *r, const char *s)
{
  int32_t off;
  const char *p = parse_abbr(s);
  memset(r, 0, sizeof(*r));
  if (!p || !(p = parse_hms(p, &off, 24)))
    return -1;
  r->std_off = -off;
  if (*p == '\0')
    return 0;
  if (!(p = parse_abbr(p)))
    return -1;
  r->has_dst = 1;
  r->dst_off = r->std_off + 3600;
  if (*p && *p != ',') {
    if (!(p = parse_hms(p, &off, 24)))
      return -1;
    r->dst_off = -off;
  }
  if (*p == '\0') { /* no rule given: POSIX leaves it open, use the US one */
    r->start = (tz_rule_date){'M', 0, 3, 2, 0, 2 * 3600};
    r->end = (tz_rule_date){'M', 0, 11, 1, 0, 2 * 3600};
    return 0;
  }
  if (*p != ',' || !(p = parse_rule_date(p + 1, &r->start)))
    return -1;
  if (*p != ',' || !(p = parse_rule_date(p + 1, &r->end)))
    return -1;
  return *p == '\0' ? 0 : -1;
}

/* ------------------------------------------------------------------- TZif */

typedef struct {
  uint32_t isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt;
} tzif_counts;

static uint32_t be32(const unsigned char *p)
{
  return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const unsigned char *p)
{
  return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

static int parse_header(tzif_counts *c, const unsigned char *p, size_t len, char *version)
{
  if (len < 44 || memcmp(p, "TZif", 4) != 0)
    return -1;
  *version = (char)p[4];
  c->isutcnt = be32(p + 20);
  c->isstdcnt = be32(p + 24);
  c->leapcnt = be32(p + 28);
  c->timecnt = be32(p + 32);
  c->typecnt = be32(p + 36);
  c->charcnt = be32(p + 40);
  if (c->typecnt == 0 || c->typecnt > 256 || c->timecnt > TZ_MAX_FILE ||
      c->charcnt > TZ_MAX_FILE || c->leapcnt > TZ_MAX_FILE ||
      (c->isstdcnt != 0 && c->isstdcnt != c->typecnt) ||
      (c->isutcnt != 0 && c->isutcnt != c->typecnt))
    return -1;
  return 0;
}

static size_t block_len(const tzif_counts *c, size_t tsize)
{
  return c->timecnt * tsize + c->timecnt + c->typecnt * 6 + c->charcnt +
         c->leapcnt * (tsize + 4) + c->isstdcnt + c->isutcnt;
}

/* Fills tz's transitions from one data block (tsize 4 or 8 bytes a time). */
static int load_block(wl_tz *tz, const tzif_counts *c, const unsigned char *p, size_t tsize)
{
  const unsigned char *times = p, *idx = p + c->timecnt * tsize;
  const unsigned char *types = idx + c->timecnt;
  int32_t offs[256];
  if (c->leapcnt) /* "right/" zones count leap seconds: intervals would drift */
    return -1;
  for (uint32_t i = 0; i < c->typecnt; i++) {
    offs[i] = (int32_t)be32(types + 6 * i);
    if (offs[i] > TZ_MAX_OFFSET || offs[i] < -TZ_MAX_OFFSET)
      return -1;
  }
  tz->first_off = offs[0];
  tz->ntrans = c->timecnt;
  if (c->timecnt == 0)
    return 0;
  tz->trans = malloc(c->timecnt * sizeof(*tz->trans));
  tz->trans_off = malloc(c->timecnt * sizeof(*tz->trans_off));
  if (!tz->trans || !tz->trans_off)
    return -1;
  for (uint32_t i = 0; i < c->timecnt; i++) {
    tz->trans[i] = tsize == 8 ? be64(times + 8 * i) : (int32_t)be32(times + 4 * i);
    if (idx[i] >= c->typecnt || (i > 0 && tz->trans[i] <= tz->trans[i - 1]))
      return -1;
    tz->trans_off[i] = offs[idx[i]];
  }
  return 0;
}

static int parse_tzif(wl_tz *tz, const unsigned char *p, size_t len)
{
  tzif_counts c;
  char version;
  if (parse_header(&c, p, len, &version) < 0)
    return -1;
  size_t b1 = block_len(&c, 4);
  if (len - 44 < b1)
    return -1;
  if (version == '\0') /* version 1: 32-bit data only, no footer */
    return load_block(tz, &c, p + 44, 4);

  p += 44 + b1;
  len -= 44 + b1;
  if (parse_header(&c, p, len, &version) < 0)
    return -1;
  size_t b2 = block_len(&c, 8);
  if (len - 44 < b2 || load_block(tz, &c, p + 44, 8) < 0)
    return -1;
  p += 44 + b2;
  len -= 44 + b2;
  /* Footer: "\n<POSIX TZ string>\n"; an empty string means no rule. */
  if (len < 2 || p[0] != '\n')
    return -1;
  const unsigned char *nl = memchr(p + 1, '\n', len - 1);
  if (!nl || nl - p - 1 > 255)
    return -1;
  char footer[256];
  memcpy(footer, p + 1, (size_t)(nl - p - 1));
  footer[nl - p - 1] = '\0';
  if (footer[0] == '\0')
    return 0;
  if (parse_posix(&tz->rule, footer) < 0)
    return -1;
  tz->has_rule = 1;
  return 0;
}

/* ------------------------------------------------------------------ loading */

static int name_is_safe(const char *name)
{
  size_t n = strlen(name);
  if (n == 0 || n > TZ_MAX_NAME || name[0] == '/' || strstr(name, ".."))
    return 0;
  for (const char *p = name; *p; p++)
    if (!((*p >= 'A' && *p <= 'Z') || (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') ||
          *p == '/' || *p == '_' || *p == '-' || *p == '+' || *p == '.'))
      return 0;
  return 1;
}

static int is_builtin_utc(const char *name)
{
  static const char *const utc[] = {"UTC", "Etc/UTC", "GMT", "Etc/GMT"};
  for (size_t i = 0; i < sizeof(utc) / sizeof(utc[0]); i++)
    if (strcmp(name, utc[i]) == 0)
      return 1;
  return 0;
}

/* Reads the whole zone file into *out (caller frees). */
static int read_zone_file(unsigned char **out, size_t *len, const char *name)
{
  const char *dir = getenv("TZDIR");
  char path[4096];
  struct stat st;
  unsigned char *data = NULL;
  size_t got = 0;
  int fd, rc = -1;

  if (!dir || !*dir)
    dir = TZ_DEFAULT_DIR;
  if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
    return -1;
  fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return -1;
  if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size < 44 || st.st_size > TZ_MAX_FILE)
    goto cleanup;
  data = malloc((size_t)st.st_size);
  if (!data)
    goto cleanup;
  while (got < (size_t)st.st_size) {
    ssize_t r = read(fd, data + got, (size_t)st.st_size - got);
    if (r < 0 && errno == EINTR)
      continue;
    if (r <= 0)
      goto cleanup;
    got += (size_t)r;
  }
  *out = data;
  *len = got;
  data = NULL;
  rc = 0;
cleanup:
  free(data);
  close(fd);
  return rc;
}

int wl_tz_load(wl_tz **out, const char *name)
{
  unsigned char *data = NULL;
  size_t len = 0;
  wl_tz *tz = NULL;
  int rc = WL_EUSAGE;

  *out = NULL;
  if (!name || !name_is_safe(name))
    return wl_err(WL_EUSAGE, "unknown time zone '%.300s'", name ? name : "(null)");
  tz = calloc(1, sizeof(*tz));
  if (!tz || !(tz->name = strdup(name))) {
    rc = wl_err(WL_ENOMEM, "out of memory loading time zone '%s'", name);
    goto cleanup;
  }
  if (is_builtin_utc(name)) { /* works even without tzdata installed */
    *out = tz;
    tz = NULL;
    rc = 0;
    goto cleanup;
  }
  if (read_zone_file(&data, &len, name) < 0) {
    rc = wl_err(WL_EUSAGE, "unknown time zone '%s'", name);
    goto cleanup;
  }
  if (parse_tzif(tz, data, len) < 0) {
    rc = wl_err(WL_EUSAGE, "unknown time zone '%s' (unreadable zone file)", name);
    goto cleanup;
  }
  *out = tz;
  tz = NULL;
  rc = 0;
cleanup:
  free(data);
  wl_tz_free(tz);
  return rc;
}

void wl_tz_free(wl_tz *tz)
{
  if (!tz)
    return;
  free(tz->name);
  free(tz->trans);
  free(tz->trans_off);
  free(tz);
}

const char *wl_tz_name(const wl_tz *tz)
{
  return tz ? tz->name : "UTC";
}

int wl_tz_valid(const char *name)
{
  wl_tz *tz;
  if (wl_tz_load(&tz, name) < 0)
    return 0;
  wl_tz_free(tz);
  return 1;
}

/* -------------------------------------------------------------- conversion */

/* Whether the footer rule governs t: after the last transition, or always
 * when the file stores none. */
static int rule_applies(const wl_tz *tz, int64_t t)
{
  return tz->has_rule && (tz->ntrans == 0 || t >= tz->trans[tz->ntrans - 1]);
}

/* Index of the last transition <= t, or -1. */
static ptrdiff_t trans_index(const wl_tz *tz, int64_t t)
{
  size_t lo = 0, hi = tz->ntrans;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (tz->trans[mid] <= t)
      lo = mid + 1;
    else
      hi = mid;
  }
  return (ptrdiff_t)lo - 1;
}

int wl_tz_offset(const wl_tz *tz, int64_t t)
{
  if (!tz)
    return 0;
  t = clamp_t(t);
  if (rule_applies(tz, t))
    return rule_offset(&tz->rule, t);
  ptrdiff_t i = trans_index(tz, t);
  return i < 0 ? tz->first_off : tz->trans_off[i];
}

/* First instant after t at which the offset may change (INT64_MAX: never). */
static int64_t next_change(const wl_tz *tz, int64_t t)
{
  if (!tz)
    return INT64_MAX;
  if (rule_applies(tz, t))
    return rule_next(&tz->rule, t);
  ptrdiff_t i = trans_index(tz, t);
  if ((size_t)(i + 1) < tz->ntrans)
    return tz->trans[i + 1];
  return INT64_MAX;
}

void wl_tz_to_civil(wl_civil *out, const wl_tz *tz, int64_t t)
{
  t = clamp_t(t);
  int64_t local = t + wl_tz_offset(tz, t);
  int64_t days = floor_div(local, DAY_S);
  int64_t secs = local - days * DAY_S;
  wl_civil_from_days(days, &out->year, &out->month, &out->day);
  out->hour = (int)(secs / 3600);
  out->min = (int)(secs / 60 % 60);
  out->sec = (int)(secs % 60);
}

/* Local seconds L (wall clock read as if it were UTC) -> instant. Walks the
 * stretches of constant offset that can contain a solution t = L - offset
 * and keeps the first or last match. No match means L is in a gap: then
 * *gap_at receives the transition that skipped it and the result applies
 * the offset from before the gap. */
static int64_t resolve_local(const wl_tz *tz, int64_t L, int prefer_later, int64_t *gap_at)
{
  const int64_t win = TZ_MAX_OFFSET + 3600;
  int64_t p = L - win, hi = L + win;
  int64_t found = 0, gap_t = INT64_MIN, gap_result = 0;
  int nfound = 0;

  *gap_at = INT64_MIN;
  while (p <= hi) {
    int64_t q = next_change(tz, p);
    int32_t off = wl_tz_offset(tz, p);
    int64_t t = L - off;
    if (t >= p && t < q) {
      if (nfound == 0 || prefer_later)
        found = t;
      nfound++;
    } else if (gap_t == INT64_MIN && q != INT64_MAX && q + off <= L &&
               q + wl_tz_offset(tz, q) > L) {
      /* This stretch ends before L on the wall clock and the next one
       * starts after it: L was skipped at q. */
      gap_t = q;
      gap_result = t;
    }
    if (q == INT64_MAX)
      break;
    p = q;
  }
  if (nfound)
    return found;
  if (gap_t != INT64_MIN) {
    *gap_at = gap_t;
    return gap_result;
  }
  return L - wl_tz_offset(tz, L);
}

static int64_t civil_local_seconds(const wl_civil *c)
{
  return wl_days_from_civil(c->year, c->month, c->day) * DAY_S + (int64_t)c->hour * 3600 +
         (int64_t)c->min * 60 + c->sec;
}

int64_t wl_tz_from_civil(const wl_tz *tz, const wl_civil *local, int prefer_later)
{
  int64_t gap_at;
  return resolve_local(tz, clamp_t(civil_local_seconds(local)), prefer_later, &gap_at);
}

int64_t wl_tz_date_start(const wl_tz *tz, int year, int month, int day)
{
  int64_t gap_at;
  int64_t L = clamp_t(wl_days_from_civil(year, month, day) * DAY_S);
  int64_t t = resolve_local(tz, L, 0, &gap_at);
  /* Midnight skipped: the day begins when the clocks jump into it. */
  return gap_at != INT64_MIN ? gap_at : t;
}

int64_t wl_tz_day_start(const wl_tz *tz, int64_t t)
{
  wl_civil c;
  wl_tz_to_civil(&c, tz, t);
  return wl_tz_date_start(tz, c.year, c.month, c.day);
}

int64_t wl_tz_next_day_start(const wl_tz *tz, int64_t t)
{
  wl_civil c;
  int y, m, d;
  wl_tz_to_civil(&c, tz, t);
  wl_civil_from_days(wl_days_from_civil(c.year, c.month, c.day) + 1, &y, &m, &d);
  int64_t next = wl_tz_date_start(tz, y, m, d);
  if (next <= t) { /* midnight repeated by a fall-back: take its later pass */
    int64_t gap_at;
    next = resolve_local(tz, wl_days_from_civil(y, m, d) * DAY_S, 1, &gap_at);
  }
  return next;
}

int64_t wl_tz_week_start(const wl_tz *tz, int64_t t)
{
  wl_civil c;
  int y, m, d;
  wl_tz_to_civil(&c, tz, t);
  int64_t days = wl_days_from_civil(c.year, c.month, c.day);
  wl_civil_from_days(days - wl_weekday_from_days(days), &y, &m, &d);
  return wl_tz_date_start(tz, y, m, d);
}
