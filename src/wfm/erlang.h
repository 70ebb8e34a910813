#ifndef WL_WFM_ERLANG_H
#define WL_WFM_ERLANG_H
/*
 * Staffing from volume and handle time (../shared/docs/forecasting.md
 * "Staffing", wfm-definitions.md "Staffing (Erlang C)"): Erlang B by
 * recursion, Erlang C, and Erlang A (M/M/N+M) from the exact stationary
 * distribution. Pure functions, no I/O, numerically stable for thousands
 * of Erlangs (no factorials, no powers that overflow).
 */
#include <stdint.h>

enum wl_erlang_model { WL_ERLANG_C = 0, WL_ERLANG_A = 1 };

typedef struct wl_erlang_in {
  enum wl_erlang_model model;
  double calls;            /* contacts arriving in the interval, >= 0 */
  double aht_s;            /* > 0 */
  double interval_s;       /* T, default 900 */
  double target_sl;        /* p as a fraction, 0 < p < 1 ("80/20" -> 0.80) */
  double target_t_s;       /* t, >= 0 */
  double patience_s;       /* Erlang A: mean patience 1/theta, > 0 */
  double shrinkage;        /* 0 <= s < 1 */
  double max_occupancy;    /* 0: none; else 0 < m <= 1 */
  double max_asa_s;        /* 0: none (optional limit) */
  double max_abandon;      /* Erlang A, 0: none; else a fraction */
} wl_erlang_in;

typedef struct wl_erlang_out {
  double traffic_erl;      /* A = calls * aht / T */
  int agents;              /* N */
  int positions;           /* ceil(N / (1 - shrinkage)) */
  double service_level;    /* fraction of all arrivals answered within t */
  double p_wait;
  double asa_s;
  double occupancy;
  double p_abandon;        /* 0 for Erlang C */
} wl_erlang_out;

/* Erlang B: the blocking probability of N servers offered A Erlangs, by
 * the recursion (N >= 0, A >= 0). */
double wl_erlang_b(int n, double a);
/* Parses a --target value "P/T" (80/20: 80 % answered within 20 s) into
 * *p = 0.80 and *t_s = 20; 0 < P < 100, T >= 0, else WL_EUSAGE naming
 * --target. */
int wl_erlang_parse_target(double *p, double *t_s, const char *s);
/* Validates in (WL_EUSAGE naming the field as a CLI flag, e.g.
 * "--shrinkage must be >= 0 and < 1"). */
int wl_erlang_check(const wl_erlang_in *in);
/* The figures for N agents (N >= 0; Erlang C with N <= A: SL 0, P(wait) 1,
 * ASA and occupancy reported as infinite / 1 per the docs). */
int wl_erlang_eval(wl_erlang_out *out, const wl_erlang_in *in, int agents);
/* The required agents for the target (then max occupancy, max ASA, max
 * abandonment), and positions after shrinkage. No volume: 0 agents. */
int wl_erlang_required(wl_erlang_out *out, const wl_erlang_in *in);

#endif
