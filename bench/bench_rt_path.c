/*
 * The real-time path without network or store: parsing an 8x8 agents answer
 * (wl_8x8_parse_rt_agents, JSON) and turning it into timeline operations
 * (wl_timeline_step), as one poll of `serve` does between the answer and
 * the database. Build and use: bench/README.md ("bench_rt_path.c").
 *
 *   bench_rt_path SNAP1.json NOW1 SNAP2.json NOW2 [RUNS]
 *
 * SNAP1 is the first poll (no open segments); SNAP2, taken NOW2 - NOW1
 * seconds later, is the measured steady-state poll: its open segments are
 * the ones SNAP1 opened. Prints the minimum and median CPU time
 * (CLOCK_PROCESS_CPUTIME_ID) of RUNS runs per 1,000 agent records, for the
 * parse, the timeline step and both.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sources/8x8/parse.h"
#include "util/array.h"
#include "wfm/timeline.h"

typedef struct snap {
  wl_rt_agent *a;
  size_t n, cap;
} snap;

static int add_agent(void *payload, const wl_rt_agent *a)
{
  snap *s = payload;
  if (wl_array_reserve(&s->a, &s->cap, s->n, sizeof(*s->a), 1024))
    return -1;
  s->a[s->n++] = *a;
  return 0;
}

static char *slurp(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rb");
  char *buf;
  long n;
  if (!f || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
      !(buf = malloc((size_t)n + 1)) || fread(buf, 1, (size_t)n, f) != (size_t)n) {
    fprintf(stderr, "cannot read %s\n", path);
    exit(2);
  }
  fclose(f);
  *len = (size_t)n;
  return buf;
}

static double cpu_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_d(const void *x, const void *y)
{
  double a = *(const double *)x, b = *(const double *)y;
  return a < b ? -1 : a > b;
}

static void parse_or_die(snap *s, const char *buf, size_t len)
{
  size_t skipped;
  s->n = 0;
  if (wl_8x8_parse_rt_agents(buf, len, WL_8X8_JSON, add_agent, s, &skipped) != 0) {
    fprintf(stderr, "not an agents answer\n");
    exit(1);
  }
}

int main(int argc, char **argv)
{
  size_t len1, len2;
  char *b1, *b2;
  int64_t now1, now2;
  char *end = NULL;
  long runs = argc > 5 ? strtol(argv[5], &end, 10) : 5;
  snap s1 = {0}, s2 = {0};
  wl_timeline_ops first, ops;
  wl_state_row *open;
  size_t nopen = 0, nops = 0;
  double *tp, *tt, *ta;
  if (argc < 5 || runs < 1 || runs > 1000 || (end && *end)) {
    fprintf(stderr, "usage: bench_rt_path SNAP1.json NOW1 SNAP2.json NOW2 [RUNS]\n");
    return 2;
  }
  b1 = slurp(argv[1], &len1);
  b2 = slurp(argv[3], &len2);
  now1 = strtoll(argv[2], NULL, 10);
  now2 = strtoll(argv[4], NULL, 10);
  parse_or_die(&s1, b1, len1);
  if (wl_timeline_step(&first, NULL, 0, 0, s1.a, s1.n, now1, 30) != 0)
    return 1;
  open = calloc(first.n ? first.n : 1, sizeof(*open));
  for (size_t i = 0; i < first.n; i++)
    if (first.ops[i].kind == WL_STATE_INSERT && first.ops[i].row.end_utc == WL_OPEN_END)
      open[nopen++] = first.ops[i].row;
  tp = calloc((size_t)runs, sizeof(double));
  tt = calloc((size_t)runs, sizeof(double));
  ta = calloc((size_t)runs, sizeof(double));
  for (int r = 0; r < runs; r++) {
    double t0 = cpu_now(), t1, t2;
    parse_or_die(&s2, b2, len2);
    t1 = cpu_now();
    if (wl_timeline_step(&ops, open, nopen, now1, s2.a, s2.n, now2, 30) != 0)
      return 1;
    t2 = cpu_now();
    nops = ops.n;
    wl_timeline_ops_free(&ops);
    tp[r] = (t1 - t0) * 1e6 / (double)s2.n; /* ms per 1,000 records */
    tt[r] = (t2 - t1) * 1e6 / (double)s2.n;
    ta[r] = (t2 - t0) * 1e6 / (double)s2.n;
  }
  qsort(tp, (size_t)runs, sizeof(double), cmp_d);
  qsort(tt, (size_t)runs, sizeof(double), cmp_d);
  qsort(ta, (size_t)runs, sizeof(double), cmp_d);
  printf("agents %zu, %ld runs, %zu ops in the measured poll (%zu bytes)\n", s2.n, runs, nops, len2);
  printf("  CPU ms per 1,000 records   min     median\n");
  printf("  parse                      %7.3f %7.3f\n", tp[0], tp[runs / 2]);
  printf("  timeline                   %7.3f %7.3f\n", tt[0], tt[runs / 2]);
  printf("  parse + timeline           %7.3f %7.3f\n", ta[0], ta[runs / 2]);
  wl_timeline_ops_free(&first);
  free(open);
  free(s1.a);
  free(s2.a);
  free(b1);
  free(b2);
  free(tp);
  free(tt);
  free(ta);
  return 0;
}
