/*
 * Replays every file under fuzz/corpora: time/ through the time parsers
 * and csv/ through the CSV reader, with the property checks of their fuzz
 * targets (fuzz/fuzz_time.c, fuzz/fuzz_csv.c, included below), plus exact
 * results for the hand-picked seeds; every other directory through all
 * 8x8 parsers in both formats. Each call must return (success or an error),
 * never crash, leak or read past the buffer (run under ASan). The corpora
 * live in the source tree: $WL_SRC when set, else the nearest ancestor of
 * the current directory that holds fuzz/corpora (ctest runs in the build
 * directory).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sources/8x8/parse.h"
#include "util/csv.h"
#include "util/err.h"
#include "util/timeutil.h"
#include "util/tz.h"

/* The fuzz targets' checks, without their libFuzzer entry points. */
#define WL_FUZZ_NO_MAIN
#include "../../fuzz/fuzz_csv.c"
#include "../../fuzz/fuzz_time.c"
#include "../../fuzz/fuzz_stream_frame.c"

static int is_dir(const char *p)
{
  struct stat st;
  return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Fills out with ".../fuzz/corpora"; 0 when found. */
static int find_corpora(char *out, size_t n)
{
  const char *src = getenv("WL_SRC");
  char dir[PATH_MAX];
  if (src && *src) {
    if (snprintf(out, n, "%s/fuzz/corpora", src) >= (int)n)
      return -1;
    return is_dir(out) ? 0 : -1;
  }
  if (!getcwd(dir, sizeof(dir)))
    return -1;
  for (;;) {
    char *slash;
    if (snprintf(out, n, "%s/fuzz/corpora", strcmp(dir, "/") == 0 ? "" : dir) >= (int)n)
      return -1;
    if (is_dir(out))
      return 0;
    slash = strrchr(dir, '/');
    if (!slash || strcmp(dir, "/") == 0)
      return -1;
    if (slash == dir)
      dir[1] = '\0';
    else
      *slash = '\0';
  }
}

/* The file in a heap buffer of exactly its size (nothing after it). */
static char *slurp(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rb");
  char *buf = NULL;
  long sz;
  assert_non_null(f);
  assert_int_equal(fseek(f, 0, SEEK_END), 0);
  sz = ftell(f);
  assert_true(sz >= 0);
  assert_int_equal(fseek(f, 0, SEEK_SET), 0);
  buf = malloc(sz ? (size_t)sz : 1);
  assert_non_null(buf);
  assert_int_equal(fread(buf, 1, (size_t)sz, f), (size_t)sz);
  fclose(f);
  *len = (size_t)sz;
  return buf;
}

static int count_rt(void *p, const wl_rt_agent *a)
{
  (*(size_t *)p) += strlen(a->agent_id) + strlen(a->name) + strlen(a->vendor_code);
  return 0;
}

static int count_leg(void *p, const wl_leg *l)
{
  (*(size_t *)p) += strlen(l->interaction_id) + strlen(l->queue_name);
  return 0;
}

static int count_queue(void *p, const wl_8x8_queue *q)
{
  (*(size_t *)p) += strlen(q->queue_id) + strlen(q->name);
  return 0;
}

static int count_agent(void *p, const wl_8x8_agent *a)
{
  (*(size_t *)p) += strlen(a->agent_id) + strlen(a->name);
  return 0;
}

static int count_stat(void *p, const wl_8x8_stat *s)
{
  (*(size_t *)p) += strlen(s->queue_name);
  return 0;
}

static int ends_with(const char *s, const char *suffix)
{
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

typedef struct rt_list {
  wl_rt_agent *a;
  size_t n;
} rt_list;

static int keep_rt(void *p, const wl_rt_agent *a)
{
  rt_list *l = p;
  wl_rt_agent *na = realloc(l->a, (l->n + 1) * sizeof(*na));
  assert_non_null(na);
  l->a = na;
  l->a[l->n++] = *a;
  return 0;
}

typedef struct leg_list {
  wl_leg *l;
  size_t n;
} leg_list;

static int keep_leg(void *p, const wl_leg *l)
{
  leg_list *ll = p;
  wl_leg *nl = realloc(ll->l, (ll->n + 1) * sizeof(*nl));
  assert_non_null(nl);
  ll->l = nl;
  ll->l[ll->n++] = *l;
  return 0;
}

/* The one-pass reader (parse_fast.c) must read every answer exactly as the
 * general one: a UTF-8 BOM in front sends the same answer through the
 * general path only. Real-time agents and interactions alike. */
static void same_as_general(const char *buf, size_t len, const char *name)
{
  char *bom = malloc(len + 3);
  rt_list x = {0}, y = {0};
  leg_list lx = {0}, ly = {0};
  size_t sx = 0, sy = 0, nx = 0, ny = 0;
  int rx, ry;
  assert_non_null(bom);
  memcpy(bom, "\xEF\xBB\xBF", 3);
  memcpy(bom + 3, buf, len);
  rx = wl_8x8_parse_rt_agents(buf, len, WL_8X8_JSON, keep_rt, &x, &sx);
  ry = wl_8x8_parse_rt_agents(bom, len + 3, WL_8X8_JSON, keep_rt, &y, &sy);
  if (rx != ry || sx != sy || x.n != y.n || (x.n && memcmp(x.a, y.a, x.n * sizeof(*x.a)) != 0))
    fail_msg("%s: the fast path read %d/%zu/%zu agents, the general one %d/%zu/%zu", name, rx,
             x.n, sx, ry, y.n, sy);
  rx = wl_8x8_parse_interactions(buf, len, WL_8X8_JSON, keep_leg, &lx, &nx, &sx);
  ry = wl_8x8_parse_interactions(bom, len + 3, WL_8X8_JSON, keep_leg, &ly, &ny, &sy);
  if (rx != ry || nx != ny || sx != sy || lx.n != ly.n ||
      (lx.n && memcmp(lx.l, ly.l, lx.n * sizeof(*lx.l)) != 0))
    fail_msg("%s: the fast path read %d/%zu/%zu/%zu legs, the general one %d/%zu/%zu/%zu", name,
             rx, lx.n, nx, sx, ry, ly.n, ny, sy);
  free(x.a);
  free(y.a);
  free(lx.l);
  free(ly.l);
  free(bom);
}

static void replay(const char *path, const char *name)
{
  size_t len, sum = 0, a = 0, b = 0;
  char *buf = slurp(path, &len);
  if (!(len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0))
    same_as_general(buf, len, name);
  for (int f = WL_8X8_JSON; f <= WL_8X8_XML; f++) {
    enum wl_8x8_format fmt = (enum wl_8x8_format)f;
    int rc[5];
    rc[0] = wl_8x8_parse_rt_agents(buf, len, fmt, count_rt, &sum, &a);
    rc[1] = wl_8x8_parse_interactions(buf, len, fmt, count_leg, &sum, &a, &b);
    rc[2] = wl_8x8_parse_queues(buf, len, fmt, count_queue, &sum);
    rc[3] = wl_8x8_parse_agents(buf, len, fmt, count_agent, &sum);
    rc[4] = wl_8x8_parse_statistics(buf, len, fmt, count_stat, &sum);
    for (int i = 0; i < 5; i++)
      assert_true(rc[i] == 0 || rc[i] == WL_EFAIL);
    /* a truncated seed must fail in its own format, whatever the parser */
    if (strncmp(name, "truncated", 9) == 0 &&
        (fmt == WL_8X8_JSON ? ends_with(name, ".json") : ends_with(name, ".xml")))
      for (int i = 0; i < 5; i++)
        assert_int_equal(rc[i], WL_EFAIL);
  }
  free(buf);
}

/* ---- time/ and csv/: properties, and exact results of the seeds -------- */

/* Exact results of the time seeds: rc and value of wl_time_parse_iso,
 * wl_time_parse_arg in UTC and in New York, and wl_duration_parse. */
typedef struct time_seed {
  const char *name;
  int iso_rc;
  int64_t iso;
  int utc_rc;
  int64_t utc;
  int ny_rc;
  int64_t ny;
  int dur_rc;
  int64_t dur;
  int seen;
} time_seed;

#define E WL_EUSAGE
/* An ISO instant: the same for all three time parsers, no duration. */
#define ISO(n, t) {n, 0, t, 0, t, 0, t, E, 0, 0}
static time_seed time_seeds[] = {
    ISO("iso_utc_z.txt", 1730592000),
    ISO("iso_offset_colon.txt", 1730606400),
    ISO("iso_offset_compact_spring.txt", 1710053999), /* last second of EST */
    ISO("iso_offset_hours.txt", 1718434800),
    ISO("iso_fraction_fallback.txt", 1730611800), /* .999 truncated */
    ISO("iso_fraction_comma.txt", 1730615399),
    ISO("iso_space_second_0130.txt", 1730615400), /* the second 01:30 */
    ISO("iso_no_seconds_spring.txt", 1710054000),
    ISO("iso_lmt_offset.txt", -2717650801LL), /* New York's last LMT second */
    /* bare dates: local midnight, 23 and 25-hour days included */
    {"date_dst_spring.txt", E, 0, 0, 1710028800, 0, 1710046800, E, 0, 0},
    {"date_dst_fall.txt", E, 0, 0, 1730592000, 0, 1730606400, E, 0, 0},
    {"date_leap_day.txt", E, 0, 0, 1709164800, 0, 1709182800, E, 0, 0},
    {"bad_feb29_2023.txt", E, 0, E, 0, E, 0, E, 0, 0},
    {"bad_no_offset.txt", E, 0, E, 0, E, 0, E, 0, 0},
    {"bad_month13.txt", E, 0, E, 0, E, 0, E, 0, 0},
    {"bad_offset_24h.txt", E, 0, E, 0, E, 0, E, 0, 0},
    {"dur_seconds_fraction.txt", E, 0, E, 0, E, 0, 0, 123, 0}, /* 122.5 rounds up */
    {"dur_hms_padded.txt", E, 0, E, 0, E, 0, 0, 3723, 0},
    {"dur_mm_ss.txt", E, 0, E, 0, E, 0, 0, 123, 0},
    {"garbage.txt", E, 0, E, 0, E, 0, E, 0, 0},
};
#undef ISO
#undef E

/* Exact results of the CSV seeds: the final return (0 or WL_EUSAGE), the
 * records before it, and one record's field count, line and one field. */
typedef struct csv_seed {
  const char *name;
  int rc;
  size_t nrec;
  size_t rec, nfields;
  long line;
  size_t field;
  const char *value;
  int seen;
} csv_seed;

static csv_seed csv_seeds[] = {
    {"schedule_lf.csv", 0, 3, 2, 4, 3, 3, "break", 0},
    {"schedule_crlf.csv", 0, 3, 1, 4, 2, 1, "2024-03-10T01:30:00-05:00", 0},
    {"schedule_bom_crlf.csv", 0, 2, 0, 4, 1, 0, "agent_id", 0}, /* BOM skipped */
    {"quoted_names.csv", 0, 4, 2, 3, 3, 1, "Pe\xc3\xb1" "a, Jos\xc3\xa9 \"Pepe\"", 0},
    {"embedded_line_breaks.csv", 0, 4, 2, 2, 4, 1, "crlf\r\ninside", 0},
    {"unterminated_quote.csv", WL_EUSAGE, 1, 0, 4, 1, 3, "activity", 0},
    {"text_after_quote.csv", WL_EUSAGE, 1, 0, 2, 1, 0, "agent_id", 0},
    {"blank_lines.csv", 0, 3, 2, 2, 8, 1, "break", 0},
    {"ragged_rows.csv", 0, 5, 3, 5, 4, 4, "5", 0},
    {"empty.csv", 0, 0, 0, 0, 0, 0, NULL, 0},
    {"only_bom.csv", 0, 0, 0, 0, 0, 0, NULL, 0},
    {"lone_cr.csv", 0, 3, 2, 2, 3, 1, "lunch\rlong", 0},
    {"nul_byte.csv", WL_EUSAGE, 1, 0, 2, 1, 1, "activity", 0},
    {"truth_intervals.csv", 0, 4, 3, 9, 4, 1, "Billing & Accounts", 0},
    {"volume_report_quotes.csv", 0, 3, 2, 8, 3, 2, "\"Premium\" Support", 0},
    {"empty_fields.csv", 0, 4, 1, 1, 2, 0, "", 0},
    {"no_final_newline.csv", 0, 2, 1, 4, 2, 3, "phone", 0},
    /* not UTF-8: refused at line 2, after the header (issue 16) */
    {"latin1_bytes.csv", WL_EUSAGE, 1, 0, 2, 1, 0, "agent_id", 0},
};

static void check_time_seed(const char *path, const char *name)
{
  size_t len;
  char *buf = slurp(path, &len), why[512], *s;
  time_seed *e = NULL;
  wl_tz *utc = NULL, *ny = NULL;
  int64_t v;
  if (wl_fuzz_time_check(why, sizeof(why), (const uint8_t *)buf, len) != 0)
    fail_msg("time/%s: %s", name, why);
  for (size_t i = 0; i < sizeof(time_seeds) / sizeof(time_seeds[0]); i++)
    if (strcmp(time_seeds[i].name, name) == 0)
      e = &time_seeds[i];
  if (e) {
    e->seen = 1;
    assert_non_null(s = calloc(1, len + 1));
    memcpy(s, buf, len);
    assert_int_equal(wl_tz_load(&utc, "UTC"), 0);
    assert_int_equal(wl_tz_load(&ny, "America/New_York"), 0);
    v = 0;
    assert_int_equal(wl_time_parse_iso(&v, s), e->iso_rc);
    if (e->iso_rc == 0)
      assert_int_equal(v, e->iso);
    v = 0;
    assert_int_equal(wl_time_parse_arg(&v, s, utc), e->utc_rc);
    if (e->utc_rc == 0)
      assert_int_equal(v, e->utc);
    v = 0;
    assert_int_equal(wl_time_parse_arg(&v, s, ny), e->ny_rc);
    if (e->ny_rc == 0)
      assert_int_equal(v, e->ny);
    v = -1;
    assert_int_equal(wl_duration_parse(&v, s), e->dur_rc);
    if (e->dur_rc == 0)
      assert_int_equal(v, e->dur);
    wl_tz_free(utc);
    wl_tz_free(ny);
    free(s);
  }
  free(buf);
}

static void check_csv_seed(const char *path, const char *name)
{
  size_t len, n, nrec = 0;
  char *buf = slurp(path, &len), why[512], **fields;
  csv_seed *e = NULL;
  wl_csv_reader *r = NULL;
  long line;
  int rc;
  if (wl_fuzz_csv_check(why, sizeof(why), (const uint8_t *)buf, len) != 0)
    fail_msg("csv/%s: %s", name, why);
  for (size_t i = 0; i < sizeof(csv_seeds) / sizeof(csv_seeds[0]); i++)
    if (strcmp(csv_seeds[i].name, name) == 0)
      e = &csv_seeds[i];
  if (e) {
    e->seen = 1;
    assert_int_equal(wl_csv_reader_new(&r, buf, len), 0);
    while ((rc = wl_csv_next(r, &fields, &n, &line)) == 1) {
      if (nrec == e->rec && e->value) {
        assert_int_equal(n, e->nfields);
        assert_int_equal(line, e->line);
        assert_string_equal(fields[e->field], e->value);
      }
      nrec++;
    }
    assert_int_equal(rc, e->rc);
    assert_int_equal(nrec, e->nrec);
    wl_csv_reader_free(r);
  }
  free(buf);
}

/* ---- stream/: the frame parser's properties and the seeds' results ------ */

typedef struct stream_seed {
  const char *name;
  int rc, kind;
  const char *agent, *state, *code;
  int64_t start;
  int seen;
} stream_seed;

static stream_seed stream_seeds[] = {
    {"agent_offline.json", 0, WL_8X8_FRAME_AGENT, "ag64oyEUb_Sk6bxVB9P5yaaa", "offline", "5",
     1669235544, 0},
    {"agent_unknown_code.json", 0, WL_8X8_FRAME_AGENT, "ag64oyEUb_Sk6bxVB9P5yaaa", "unknown", "42",
     1669235544, 0},
    {"agent_state_as_string.json", 0, WL_8X8_FRAME_AGENT, "ag64oyEUb_Sk6bxVB9P5yaaa",
     "available", "0", 1669235544, 0},
    {"agent_ms_only.json", 0, WL_8X8_FRAME_AGENT, "zmuller01", "logged_out", "9", 1669235599, 0},
    {"interaction_event.json", 0, WL_8X8_FRAME_OTHER, "", "", "", 0, 0},
    {"not_json.txt", WL_EFAIL, 0, "", "", "", 0, 0},
    {"payload_not_base64.json", WL_EFAIL, 0, "", "", "", 0, 0},
    {"payload_not_json.json", WL_EFAIL, 0, "", "", "", 0, 0},
    {"empty_agent_id.json", WL_EFAIL, 0, "", "", "", 0, 0},
    {"no_message_id.json", WL_EFAIL, 0, "ag64oyEUb_Sk6bxVB9P5yaaa", "offline", "5", 1669235544, 0},
    {"no_time.json", WL_EFAIL, 0, "a1", "busy", "2", 0, 0},
    {"truncated.json", WL_EFAIL, 0, "", "", "", 0, 0},
    {"array_root.json", WL_EFAIL, 0, "", "", "", 0, 0},
};

static void check_stream_seed(const char *path, const char *name)
{
  size_t len;
  char *buf = slurp(path, &len), why[512];
  wl_8x8_stream_event ev;
  int kind;
  if (wl_fuzz_stream_check(why, sizeof(why), (const uint8_t *)buf, len) != 0)
    fail_msg("stream/%s: %s", name, why);
  int rc = wl_8x8_stream_parse(&ev, &kind, buf, len);
  free(buf);
  for (size_t i = 0; i < sizeof(stream_seeds) / sizeof(stream_seeds[0]); i++) {
    stream_seed *e = &stream_seeds[i];
    if (strcmp(e->name, name) != 0)
      continue;
    e->seen = 1;
    assert_int_equal(rc, e->rc);
    assert_int_equal(kind, e->kind);
    if (rc == 0 && kind == WL_8X8_FRAME_AGENT) {
      assert_string_equal(ev.agent_id, e->agent);
      assert_string_equal(ev.state, e->state);
      assert_string_equal(ev.vendor_code, e->code);
      assert_int_equal(ev.start, e->start);
    }
  }
}

static void test_replay_corpora(void **state)
{
  char root[PATH_MAX], sub[PATH_MAX + 256], file[PATH_MAX + 512];
  DIR *top, *d;
  struct dirent *e, *fe;
  size_t ntargets = 0, nfiles = 0, ntime = 0, ncsv = 0;
  (void)state;
  if (find_corpora(root, sizeof(root)) != 0)
    fail_msg("fuzz/corpora not found (set WL_SRC to the source directory)");
  top = opendir(root);
  assert_non_null(top);
  while ((e = readdir(top))) {
    if (e->d_name[0] == '.')
      continue;
    snprintf(sub, sizeof(sub), "%s/%s", root, e->d_name);
    if (!is_dir(sub) || !(d = opendir(sub)))
      continue;
    ntargets++;
    while ((fe = readdir(d))) {
      snprintf(file, sizeof(file), "%s/%s", sub, fe->d_name);
      if (fe->d_name[0] == '.' || is_dir(file))
        continue;
      if (strcmp(e->d_name, "time") == 0) {
        check_time_seed(file, fe->d_name);
        ntime++;
      } else if (strcmp(e->d_name, "stream") == 0) {
        check_stream_seed(file, fe->d_name);
      } else if (strcmp(e->d_name, "csv") == 0) {
        check_csv_seed(file, fe->d_name);
        ncsv++;
      } else {
        replay(file, fe->d_name);
      }
      nfiles++;
    }
    closedir(d);
  }
  closedir(top);
  assert_true(ntargets >= 4);
  assert_true(nfiles >= 20);
  assert_true(ntime >= 10);
  assert_true(ncsv >= 10);
  /* a seed with exact results that went missing is a failure too */
  for (size_t i = 0; i < sizeof(time_seeds) / sizeof(time_seeds[0]); i++)
    if (!time_seeds[i].seen)
      fail_msg("seed time/%s missing", time_seeds[i].name);
  for (size_t i = 0; i < sizeof(stream_seeds) / sizeof(stream_seeds[0]); i++)
    if (!stream_seeds[i].seen)
      fail_msg("seed stream/%s missing", stream_seeds[i].name);
  for (size_t i = 0; i < sizeof(csv_seeds) / sizeof(csv_seeds[0]); i++)
    if (!csv_seeds[i].seen)
      fail_msg("seed csv/%s missing", csv_seeds[i].name);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_replay_corpora),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
