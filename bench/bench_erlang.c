/*
 * Erlang engine benchmark: the required agents (wl_erlang_required) for
 * 100 queues x 6 weeks of 15-minute intervals (403,200 intervals) with
 * realistic, varying volumes (deterministic): per queue a daily volume
 * between 300 and 30,000 contacts, an AHT of 120-600 s and a mean patience
 * of 60-600 s; open 07:00-21:00 with a two-hump intraday profile, weekends
 * lighter, +-15 % noise per interval, closed intervals 0. Target 80/20,
 * shrinkage 0.30, max occupancy 0.85. Single-threaded: one core's figure.
 *
 *   bench_erlang [QUEUES [WEEKS [RUNS [erlang-a|erlang-c]]]]   default 100 6 5 erlang-a
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util/err.h"
#include "wfm/erlang.h"

static uint64_t rng = 0x9E3779B97F4A7C15ULL;
static double unif(void)
{
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return (double)(rng >> 11) / 9007199254740992.0;
}

static double now_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp(const void *a, const void *b)
{
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* Share of a day's volume in interval i (0..95): two humps, 10:30 and 15:00. */
static double profile(int i)
{
  double h = i / 4.0;
  if (h < 7 || h >= 21)
    return 0;
  return exp(-(h - 10.5) * (h - 10.5) / 4.5) + 0.8 * exp(-(h - 15) * (h - 15) / 6.0) + 0.15;
}

int main(int argc, char **argv)
{
  int queues = argc > 1 ? (int)strtol(argv[1], NULL, 10) : 100;
  int weeks = argc > 2 ? (int)strtol(argv[2], NULL, 10) : 6;
  int runs = argc > 3 ? (int)strtol(argv[3], NULL, 10) : 5;
  enum wl_erlang_model model = argc > 4 && strcmp(argv[4], "erlang-c") == 0 ? WL_ERLANG_C : WL_ERLANG_A;
  size_t n = (size_t)queues * (size_t)weeks * 7 * 96, k = 0;
  wl_erlang_in *in = malloc(sizeof(*in) * n);
  double *t = malloc(sizeof(double) * (size_t)(runs > 0 ? runs : 1)), psum = 0;
  if (!in || !t || queues < 1 || weeks < 1 || runs < 1)
    return 1;
  for (int i = 0; i < 96; i++)
    psum += profile(i);
  for (int q = 0; q < queues; q++) {
    double daily = 300 * pow(100, unif()), aht = 120 + 480 * unif(), pat = 60 + 540 * unif();
    for (int d = 0; d < weeks * 7; d++) {
      double day = daily * (d % 7 >= 5 ? 0.45 : 1.0) * (0.9 + 0.2 * unif());
      for (int i = 0; i < 96; i++, k++) {
        wl_erlang_in *x = &in[k];
        memset(x, 0, sizeof(*x));
        x->model = model;
        x->calls = round(day * profile(i) / psum * (0.85 + 0.3 * unif()));
        x->aht_s = aht * (0.9 + 0.2 * unif());
        x->interval_s = 900;
        x->target_sl = 0.80;
        x->target_t_s = 20;
        x->patience_s = pat;
        x->shrinkage = 0.30;
        x->max_occupancy = 0.85;
      }
    }
  }
  long long agents = 0;
  double maxa = 0;
  for (int r = 0; r < runs; r++) {
    double t0 = now_s();
    agents = 0;
    for (size_t i = 0; i < n; i++) {
      wl_erlang_out o;
      if (wl_erlang_required(&o, &in[i]) != 0) {
        fprintf(stderr, "interval %zu: %s\n", i, wl_errmsg());
        return 1;
      }
      agents += o.agents;
      if (o.traffic_erl > maxa)
        maxa = o.traffic_erl;
    }
    t[r] = now_s() - t0;
  }
  qsort(t, (size_t)runs, sizeof(double), cmp);
  printf("%s: %zu intervals (%d queues x %d weeks), traffic up to %.1f Erlangs, "
         "%lld agent-intervals\n",
         model == WL_ERLANG_A ? "erlang-a" : "erlang-c", n, queues, weeks, maxa, agents);
  printf("required agents: min %.3f s, median %.3f s over %d runs (%.2f us per interval)\n", t[0],
         t[runs / 2], runs, t[0] / (double)n * 1e6);
  free(in);
  free(t);
  return 0;
}
