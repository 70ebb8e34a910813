/*
 * Adherence engine benchmark: generates a month of schedules and agent
 * states for many agents (deterministic), then times wl_adh_compute,
 * wl_adh_exceptions and wl_adh_timeline_new over the whole month, plus the
 * engine on reordered copies (agents in another order: the run sort; rows
 * shuffled: the full sort). Single-threaded: the figures
 * are one core's.
 *
 *   bench_adh [AGENTS [DAYS [RUNS]]]     default 1000 31 5
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/err.h"
#include "util/tz.h"
#include "wfm/adherence.h"

static uint64_t rng = 0x2545F4914F6CDD1DULL;
static uint32_t rnd(void)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (uint32_t)(rng >> 16);
}

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const char *const activities[] = {"phone", "phone", "phone", "offline", "break", "lunch"};
static const char *const states[] = {"available", "offered", "busy", "wrap", "busy",
                                     "break", "offline", "logged_out", "unknown"};

typedef struct data {
  wl_schedule_row *s;
  wl_state_row *t;
  size_t ns, nt;
  char (*ids)[16];
} data;

/* Per agent-day: a 9-10 h shift from about 08:00 local in 10 segments, and
 * 60 state segments over the shift (logged out around it), some gaps. */
static int generate(data *d, const wl_tz *tz, int agents, int days, int64_t first_day)
{
  d->s = malloc(sizeof(*d->s) * (size_t)agents * (size_t)days * 10);
  d->t = malloc(sizeof(*d->t) * (size_t)agents * (size_t)days * 62);
  d->ids = malloc(sizeof(*d->ids) * (size_t)agents);
  if (!d->s || !d->t || !d->ids)
    return -1;
  d->ns = d->nt = 0;
  for (int a = 0; a < agents; a++) {
    snprintf(d->ids[a], sizeof(d->ids[a]), "agent%05d", a);
    int64_t day = first_day;
    for (int k = 0; k < days; k++, day = wl_tz_next_day_start(tz, day)) {
      int64_t t = day + 8 * 3600 + (int64_t)(rnd() % 3600);
      for (int i = 0; i < 10; i++) {
        int64_t len = 900 + (int64_t)(rnd() % 4500);
        d->s[d->ns++] = (wl_schedule_row){d->ids[a], t, t + len, activities[rnd() % 6]};
        t += len;
      }
      int64_t end = t + 1800;
      t = day + 7 * 3600 + (int64_t)(rnd() % 3600);
      d->t[d->nt++] = (wl_state_row){d->ids[a], day, t, "logged_out", "0"};
      int64_t step = (end - t) / 60;
      for (int i = 0; i < 60; i++) {
        int64_t len = step / 2 + (int64_t)(rnd() % (uint32_t)step);
        if (i == 59 || t + len > end)
          len = end - t > 0 ? end - t : 1;
        const char *st = states[rnd() % 9];
        d->t[d->nt++] = (wl_state_row){d->ids[a], t, t + len, st, strcmp(st, "unknown") ? "1" : ""};
        t += len + (rnd() % 20 == 0 ? 60 : 0); /* now and then an unobserved gap */
      }
      d->t[d->nt++] = (wl_state_row){d->ids[a], t, wl_tz_next_day_start(tz, day), "logged_out", "0"};
    }
  }
  return 0;
}

static int cmp_double(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

typedef int (*bench_fn)(const data *d, const wl_adh_rules *r, const wl_adh_settings *set,
                        const wl_tz *tz, int64_t from, int64_t to, size_t *nout);

static int run_compute(const data *d, const wl_adh_rules *r, const wl_adh_settings *set,
                       const wl_tz *tz, int64_t from, int64_t to, size_t *nout)
{
  wl_adh_day *rows;
  int rc = wl_adh_compute(&rows, nout, d->s, d->ns, d->t, d->nt, r, set, tz, from, to, to);
  free(rows);
  return rc;
}

static int run_exceptions(const data *d, const wl_adh_rules *r, const wl_adh_settings *set,
                          const wl_tz *tz, int64_t from, int64_t to, size_t *nout)
{
  wl_adh_exception *x;
  (void)tz; /* exceptions are not split by day */
  int rc = wl_adh_exceptions(&x, nout, d->s, d->ns, d->t, d->nt, r, set, from, to, to);
  free(x);
  return rc;
}

static int run_timeline(const data *d, const wl_adh_rules *r, const wl_adh_settings *set,
                        const wl_tz *tz, int64_t from, int64_t to, size_t *nout)
{
  wl_adh_timeline *tl;
  (void)tz;
  int rc = wl_adh_timeline_new(&tl, d->s, d->ns, d->t, d->nt, r, set, from, to, to);
  if (!rc)
    *nout = tl->npieces;
  wl_adh_timeline_free(tl);
  return rc;
}

static int bench(const char *name, bench_fn fn, const data *d, const wl_adh_rules *r,
                 const wl_adh_settings *set, const wl_tz *tz, int64_t from, int64_t to,
                 int runs)
{
  double t[64];
  size_t nout = 0;
  for (int i = 0; i < runs; i++) {
    double t0 = now_s();
    if (fn(d, r, set, tz, from, to, &nout)) {
      fprintf(stderr, "%s: %s\n", name, wl_errmsg());
      return 1;
    }
    t[i] = now_s() - t0;
  }
  qsort(t, (size_t)runs, sizeof(t[0]), cmp_double);
  printf("%-22s %9zu out   min %7.1f ms   median %7.1f ms\n", name, nout, t[0] * 1e3,
         t[runs / 2] * 1e3);
  return 0;
}

/* Agents in reverse order, each agent's rows still in time order: what a
 * database with a non-strcmp collation returns. */
static int reverse_agents(data *d, int agents)
{
  wl_schedule_row *s = malloc(sizeof(*s) * d->ns);
  wl_state_row *t = malloc(sizeof(*t) * d->nt);
  if (!s || !t) {
    free(s);
    free(t);
    return -1;
  }
  size_t ps = d->ns / (size_t)agents, pt = d->nt / (size_t)agents; /* rows per agent */
  for (size_t a = 0; a < (size_t)agents; a++) {
    memcpy(s + a * ps, d->s + ((size_t)agents - 1 - a) * ps, sizeof(*s) * ps);
    memcpy(t + a * pt, d->t + ((size_t)agents - 1 - a) * pt, sizeof(*t) * pt);
  }
  free(d->s);
  free(d->t);
  d->s = s;
  d->t = t;
  return 0;
}

static void shuffle(data *d)
{
  for (size_t i = d->ns; i > 1; i--) {
    size_t j = rnd() % i;
    wl_schedule_row x = d->s[i - 1];
    d->s[i - 1] = d->s[j];
    d->s[j] = x;
  }
  for (size_t i = d->nt; i > 1; i--) {
    size_t j = rnd() % i;
    wl_state_row x = d->t[i - 1];
    d->t[i - 1] = d->t[j];
    d->t[j] = x;
  }
}

int main(int argc, char **argv)
{
  long agents = argc > 1 ? strtol(argv[1], NULL, 10) : 1000;
  long days = argc > 2 ? strtol(argv[2], NULL, 10) : 31;
  long runs = argc > 3 ? strtol(argv[3], NULL, 10) : 5;
  wl_tz *tz = NULL;
  wl_adh_rules *rules = NULL;
  data d = {0};
  int rc = 1;
  if (agents < 1 || agents > 100000 || days < 1 || days > 366 || runs < 1 || runs > 64) {
    fprintf(stderr, "usage: bench_adh [AGENTS 1..100000 [DAYS 1..366 [RUNS 1..64]]]\n");
    return 2;
  }
  if (wl_tz_load(&tz, "America/New_York") || wl_adh_rules_new(&rules, NULL, 0)) {
    fprintf(stderr, "setup: %s\n", wl_errmsg());
    goto out;
  }
  /* March 2024: the month has the 23-hour DST day */
  int64_t from = wl_tz_date_start(tz, 2024, 3, 1), to = from;
  for (long i = 0; i < days; i++)
    to = wl_tz_next_day_start(tz, to);
  double t0 = now_s();
  if (generate(&d, tz, (int)agents, (int)days, from)) {
    fprintf(stderr, "out of memory\n");
    goto out;
  }
  printf("%ld agents x %ld days: %zu schedule rows, %zu state rows (generated in %.0f ms)\n",
         agents, days, d.ns, d.nt, (now_s() - t0) * 1e3);
  wl_adh_settings set = {120, 1};
  if (bench("compute (sorted)", run_compute, &d, rules, &set, tz, from, to, (int)runs) ||
      bench("exceptions (sorted)", run_exceptions, &d, rules, &set, tz, from, to, (int)runs) ||
      bench("timeline (sorted)", run_timeline, &d, rules, &set, tz, from, to, (int)runs))
    goto out;
  if (reverse_agents(&d, (int)agents)) {
    fprintf(stderr, "out of memory\n");
    goto out;
  }
  if (bench("compute (agents rev.)", run_compute, &d, rules, &set, tz, from, to, (int)runs))
    goto out;
  shuffle(&d);
  if (bench("compute (shuffled)", run_compute, &d, rules, &set, tz, from, to, (int)runs))
    goto out;
  rc = 0;
out:
  free(d.s);
  free(d.t);
  free(d.ids);
  wl_adh_rules_free(rules);
  wl_tz_free(tz);
  return rc;
}
