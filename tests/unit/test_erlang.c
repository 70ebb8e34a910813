/*
 * The Erlang engine (erlang.h, forecasting.md "Staffing"): the worked
 * examples exactly, a grid against references written here independently
 * (Erlang C from the textbook sum of A^k / k! in log space; Erlang A from a
 * direct sum over the birth-death chain, its service level by numerical
 * integration of the answered-wait density and, on small cases, by the
 * caller's own phase chain stepped by uniformization), published Erlang B
 * table values, extremes, and the required-agents search.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "wfm/erlang.h"

#define close_to(x, y, tol)                                                                  \
  do {                                                                                       \
    double x_ = (x), y_ = (y);                                                               \
    if (!(fabs(x_ - y_) <= (tol))) {                                                         \
      print_error("%s = %.12g, expected %.12g (tol %g)\n", #x, x_, y_, (double)(tol));      \
      fail();                                                                                \
    }                                                                                        \
  } while (0)

static wl_erlang_in base(enum wl_erlang_model m)
{
  wl_erlang_in in;
  memset(&in, 0, sizeof(in));
  in.model = m;
  in.calls = 100;
  in.aht_s = 180;
  in.interval_s = 1800;
  in.target_sl = 0.80;
  in.target_t_s = 20;
  in.patience_s = 300;
  return in;
}

static double r4(double v) { return round(v * 1e4) / 1e4; }

/* ---- worked examples (forecasting.md, wfm-definitions.md) ---- */

static void test_example_c(void **state)
{
  (void)state;
  wl_erlang_in in = base(WL_ERLANG_C);
  wl_erlang_out o;
  assert_int_equal(wl_erlang_required(&o, &in), 0);
  assert_int_equal(o.agents, 14);
  assert_int_equal(o.positions, 14);
  close_to(o.traffic_erl, 10.0, 1e-12);
  close_to(round(o.service_level * 1e5) / 1e5, 0.88835, 1e-12);
  close_to(round(o.p_wait * 1e5) / 1e5, 0.17413, 1e-12);
  close_to(round(o.asa_s * 1e3) / 1e3, 7.836, 1e-12);
  close_to(r4(o.occupancy), 0.7143, 1e-12);
  close_to(o.p_abandon, 0, 0);
  assert_int_equal(wl_erlang_eval(&o, &in, 13), 0);
  close_to(r4(o.service_level), 0.7956, 1e-12);

  in.shrinkage = 0.30;
  in.max_occupancy = 0.85;
  assert_int_equal(wl_erlang_required(&o, &in), 0);
  assert_int_equal(o.agents, 14);
  assert_int_equal(o.positions, 20); /* 14 / 0.7 is 20.000000000000004 in binary */
  in.max_occupancy = 0.70;
  assert_int_equal(wl_erlang_required(&o, &in), 0);
  assert_int_equal(o.agents, 15);
  assert_int_equal(o.positions, 22);
}

static void test_example_a(void **state)
{
  (void)state;
  wl_erlang_in in = base(WL_ERLANG_A);
  wl_erlang_out o;
  assert_int_equal(wl_erlang_eval(&o, &in, 14), 0);
  close_to(round(o.p_wait * 1e6) / 1e6, 0.145260, 1e-12);
  close_to(round(o.p_abandon * 1e6) / 1e6, 0.013984, 1e-12);
  close_to(round(o.occupancy * 1e6) / 1e6, 0.704297, 1e-12);
  close_to(round(o.service_level * 1e6) / 1e6, 0.916792, 1e-12);
  /* the required N for 80/20: 13 meets it, 12 does not */
  assert_int_equal(wl_erlang_required(&o, &in), 0);
  assert_int_equal(o.agents, 13);
  assert_true(o.service_level >= 0.80);
  assert_int_equal(wl_erlang_eval(&o, &in, 12), 0);
  assert_true(o.service_level < 0.80);
}

/* Erlang B tables (e.g. any teletraffic handbook's table): B(10, 10 E) =
 * 0.21458, B(5, 3 E) = 0.11005, B(10, 5 E) = 0.01838, B(20, 15 E) = 0.04559. */
static void test_erlang_b_tables(void **state)
{
  (void)state;
  close_to(wl_erlang_b(10, 10), 0.21458, 5e-6);
  close_to(wl_erlang_b(5, 3), 0.11005, 5e-6);
  close_to(wl_erlang_b(10, 5), 0.01838, 5e-6);
  close_to(wl_erlang_b(20, 15), 0.04559, 5e-6);
  close_to(wl_erlang_b(0, 4), 1.0, 0);
  close_to(wl_erlang_b(3, 0), 0.0, 0);
}

/* ---- the independent references ---- */

static double lse(double a, double b)
{
  if (a == -INFINITY)
    return b;
  if (b == -INFINITY)
    return a;
  return a > b ? a + log1p(exp(b - a)) : b + log1p(exp(a - b));
}

/* Textbook Erlang C: C = (A^N/N! * N/(N-A)) / (sum_{k<N} A^k/k! + that). */
static double ref_c(int n, double a)
{
  double ls = -INFINITY, lt;
  for (int k = 0; k < n; k++)
    ls = lse(ls, k * log(a) - lgamma(k + 1.0));
  lt = n * log(a) - lgamma(n + 1.0) + log(n / (n - a));
  return exp(lt - lse(ls, lt));
}

typedef struct ref_a_out {
  double pw, pab, occ, sl, asa, lpn, sl_phase;
} ref_a_out;

/* log of the answered-wait density (per arrival seeing N busy, times p_N):
 * d/dt P(answered within t), summed over the callers ahead. */
static double lg(double s, double nmu, double th, double lam)
{
  return log(nmu) - (nmu + th) * s + lam / th * (-expm1(-th * s));
}

/* Composite Simpson of exp(lpn + lg(s)) * s^pw_s over [0, t]. */
static double simpson(double t, int pw_s, double lpn, double nmu, double th, double lam)
{
  const int m = 20000;
  double h = t / m, acc = 0;
  if (t <= 0)
    return 0;
  for (int i = 0; i <= m; i++) {
    double s = i * h, w = (i == 0 || i == m) ? 1 : (i % 2 ? 4 : 2);
    acc += w * exp(lpn + lg(s, nmu, th, lam)) * (pw_s ? s : 1.0);
  }
  return acc * h / 3;
}

/* Direct birth-death sum: p_k proportional to prod lambda / death(i). */
static ref_a_out ref_a(double lam, double mu, double th, int n, double t)
{
  ref_a_out r = {0};
  double lq = 0, lz = -INFINITY, l = 0, lpw = -INFINITY, smax, nmu = n * mu;
  int k;
  double *lp = malloc(sizeof(double) * 4000000);
  assert_non_null(lp);
  lp[0] = 0;
  for (k = 1;; k++) {
    double d = (k < n ? k : n) * mu + (k > n ? k - n : 0) * th;
    l += log(lam / d);
    lp[k] = l;
    if (k > n && lam < d && l < lp[0] - 60 && l < lse(lz, l) - 60)
      break;
    lz = lse(lz, l);
    assert_true(k < 3999999);
  }
  lz = lse(lz, lp[0]);
  for (int i = n; i <= k; i++) {
    lpw = lse(lpw, lp[i] - lz);
    lq += (i - n) * exp(lp[i] - lz);
  }
  r.pw = exp(lpw);
  r.pab = th * lq / lam;
  r.occ = lam * (1 - r.pab) / nmu;
  r.lpn = lp[n] - lz;
  r.sl = (1 - r.pw) + simpson(t, 0, r.lpn, nmu, th, lam);
  /* the density falls after its peak at ln(lambda / (N mu + theta)) / theta */
  smax = lam > nmu + th ? log(lam / (nmu + th)) / th : 0;
  {
    double top = lg(smax, nmu, th, lam), step = 1.0 / (nmu + th);
    while (lg(smax, nmu, th, lam) > top - 60)
      smax += step;
  }
  r.asa = simpson(smax, 1, r.lpn, nmu, th, lam) / (1 - r.pab);
  free(lp);
  return r;
}

/* From the definition itself: a caller finding j ahead moves j -> j-1 at
 * N mu + j theta, is answered from 0 at N mu, leaves at theta; uniformization
 * of that chain gives P(answered by t). Small cases only. */
static double phase_answered(int j, double nmu, double th, double t)
{
  double big = nmu + j * th + th, pois = exp(-big * t), res = 0, cum = 0, served = 0;
  double *v = calloc((size_t)j + 1, sizeof(double)), *nv = calloc((size_t)j + 1, sizeof(double));
  v[j] = 1;
  for (int step = 0; step < 100000; step++) {
    res += pois * served;
    cum += pois;
    if (cum > 1 - 1e-15 && step > big * t)
      break;
    double ns = served;
    memset(nv, 0, sizeof(double) * ((size_t)j + 1));
    for (int m = 0; m <= j; m++) {
      double rate = nmu + m * th, out = v[m] * rate / big;
      if (m == 0)
        ns += out;
      else
        nv[m - 1] += out;
      nv[m] += v[m] * (1 - (rate + th) / big);
    }
    memcpy(v, nv, sizeof(double) * ((size_t)j + 1));
    served = ns;
    pois *= big * t / (step + 1);
  }
  free(v);
  free(nv);
  return res;
}

static double ref_sl_phase(double lam, double mu, double th, int n, double t)
{
  ref_a_out r = ref_a(lam, mu, th, n, 0);
  double sl = 1 - r.pw, pk = exp(r.lpn);
  for (int j = 0; pk > 1e-16 && j < 400; j++) {
    sl += pk * phase_answered(j, n * mu, th, t);
    pk *= lam / (n * mu + (j + 1) * th);
  }
  return sl;
}

/* ---- grids ---- */

static void test_grid_erlang_c(void **state)
{
  (void)state;
  const double traffic[] = {0.5, 2, 10, 47.3, 200, 1000, 2000};
  for (size_t i = 0; i < sizeof(traffic) / sizeof(traffic[0]); i++) {
    double a = traffic[i];
    int offs[] = {1, 2, 5, (int)ceil(2 * sqrt(a)) + 1, (int)ceil(4 * sqrt(a)) + 1};
    for (size_t j = 0; j < 5; j++) {
      int n = (int)floor(a) + offs[j];
      wl_erlang_in in = base(WL_ERLANG_C);
      wl_erlang_out o;
      in.interval_s = 900;
      in.calls = a * 900 / in.aht_s;
      assert_int_equal(wl_erlang_eval(&o, &in, n), 0);
      double c = ref_c(n, a);
      close_to(o.p_wait, c, 1e-10 + 1e-9 * c);
      close_to(o.service_level, 1 - c * exp(-(n - a) * 20 / 180.0), 1e-9);
      close_to(o.asa_s, c * 180 / (n - a), 1e-9 * (1 + o.asa_s));
      close_to(o.occupancy, a / n, 1e-12);
    }
  }
}

/* One Erlang A case against the birth-death reference. */
static void grid_case(double a, double aht, int n, double patience, double t)
{
  wl_erlang_in in = base(WL_ERLANG_A);
  wl_erlang_out o;
  in.interval_s = 900;
  in.aht_s = aht;
  in.calls = a * 900 / aht;
  in.patience_s = patience;
  in.target_t_s = t;
  assert_int_equal(wl_erlang_eval(&o, &in, n), 0);
  ref_a_out r = ref_a(in.calls / 900, 1 / aht, 1 / patience, n, t);
  close_to(o.p_wait, r.pw, 1e-9);
  close_to(o.p_abandon, r.pab, 1e-9);
  /* occupancy is A (1 - P(ab)) / N: the error of P(ab) times A / N */
  close_to(o.occupancy, r.occ, 1e-9 * (1 + a / n));
  close_to(o.service_level, r.sl, 1e-7);
  if (t == 0) /* the ASA does not depend on t */
    close_to(o.asa_s, r.asa, 1e-6 * (1 + r.asa));
}

static void test_grid_erlang_a(void **state)
{
  (void)state;
  const double traffic[] = {0.5, 2, 10, 47.3, 200, 1000, 2000};
  const double patience[] = {10, 120, 600, 3600};
  const double ts[] = {0, 20, 60};
  for (size_t i = 0; i < sizeof(traffic) / sizeof(traffic[0]); i++) {
    double a = traffic[i];
    int ns[] = {1, (int)floor(0.9 * a), (int)ceil(a), (int)ceil(a + sqrt(a)) + 1,
                (int)ceil(a + 3 * sqrt(a)) + 2};
    for (size_t j = 0; j < 5; j++)
      for (size_t p = 0; ns[j] >= 1 && p < 4; p++)
        for (size_t q = 0; q < 3; q++)
          grid_case(a, 180, ns[j], patience[p], ts[q]);
  }
}

/* Short handle times: (N mu + theta) t far beyond exp()'s range, where the
 * answered-within-t probability of the first callers ahead underflows. */
static void test_grid_short_aht(void **state)
{
  (void)state;
  const double traffic[] = {200, 500, 2000};
  for (size_t i = 0; i < 3; i++) {
    double a = traffic[i];
    int ns[] = {(int)floor(0.8 * a), (int)floor(0.97 * a), (int)ceil(a + sqrt(a))};
    for (size_t j = 0; j < 3; j++) {
      grid_case(a, 10, ns[j], 60, 20);
      grid_case(a, 5, ns[j], 600, 60);
    }
  }
}

static void test_sl_phase_chain(void **state)
{
  (void)state;
  const double traffic[] = {0.5, 3, 10, 18};
  const double patience[] = {30, 300, 1800};
  for (size_t i = 0; i < 4; i++) {
    for (size_t p = 0; p < 3; p++) {
      int n0 = (int)ceil(traffic[i]);
      for (int n = n0 > 2 ? n0 - 2 : 1; n <= n0 + 3; n++) {
        wl_erlang_in in = base(WL_ERLANG_A);
        wl_erlang_out o;
        in.interval_s = 900;
        in.calls = traffic[i] * 900 / 180;
        in.patience_s = patience[p];
        in.target_t_s = 30;
        assert_int_equal(wl_erlang_eval(&o, &in, n), 0);
        close_to(o.service_level, ref_sl_phase(in.calls / 900, 1 / 180.0, 1 / patience[p], n, 30),
                 1e-9);
      }
    }
  }
}

/* ---- extremes ---- */

static void test_extremes_monotone(void **state)
{
  (void)state;
  for (int m = 0; m < 2; m++) {
    wl_erlang_in in = base(m ? WL_ERLANG_A : WL_ERLANG_C);
    wl_erlang_out o, prev;
    in.interval_s = 900;
    in.calls = 2000.0 * 900 / 180; /* 2,000 Erlangs */
    in.patience_s = 300;
    memset(&prev, 0, sizeof(prev));
    for (int n = 0; n <= 2500; n++) {
      assert_int_equal(wl_erlang_eval(&o, &in, n), 0);
      assert_true(isfinite(o.service_level) && isfinite(o.p_wait) && isfinite(o.occupancy) &&
                  isfinite(o.p_abandon));
      assert_false(isnan(o.asa_s));
      assert_true(o.service_level >= 0 && o.service_level <= 1);
      assert_true(o.p_wait >= 0 && o.p_wait <= 1);
      assert_true(o.p_abandon >= 0 && o.p_abandon <= 1);
      assert_true(o.occupancy >= 0 && o.occupancy <= 1);
      if (n > 0) {
        assert_true(o.service_level >= prev.service_level - 1e-12);
        assert_true(o.p_wait <= prev.p_wait + 1e-12);
        assert_true(o.p_abandon <= prev.p_abandon + 1e-12);
        /* with N far below A occupancy is 1 up to rounding */
        assert_true(o.occupancy <= prev.occupancy + 1e-9);
        assert_true(o.asa_s <= prev.asa_s + 1e-9 || isinf(prev.asa_s));
      }
      prev = o;
    }
    assert_true(o.service_level > 0.999999);
    /* far above the traffic: 1/B overflows, the limits come out */
    in.calls = 10;
    assert_int_equal(wl_erlang_eval(&o, &in, 2500), 0);
    close_to(o.p_wait, 0, 0);
    close_to(o.service_level, 1, 0);
    close_to(o.asa_s, 0, 0);
  }
}

static void test_edges(void **state)
{
  (void)state;
  wl_erlang_in in = base(WL_ERLANG_C);
  wl_erlang_out o;
  /* Erlang C at N <= A: everybody waits forever */
  assert_int_equal(wl_erlang_eval(&o, &in, 10), 0);
  close_to(o.service_level, 0, 0);
  close_to(o.p_wait, 1, 0);
  close_to(o.occupancy, 1, 0);
  assert_true(isinf(o.asa_s));
  /* no volume: 0 agents, nobody waits */
  in.calls = 0;
  assert_int_equal(wl_erlang_required(&o, &in), 0);
  assert_int_equal(o.agents, 0);
  assert_int_equal(o.positions, 0);
  close_to(o.service_level, 1, 0);
  in.model = WL_ERLANG_A;
  assert_int_equal(wl_erlang_required(&o, &in), 0);
  assert_int_equal(o.agents, 0);
  /* Erlang A with no agents: everyone abandons */
  in.calls = 5;
  assert_int_equal(wl_erlang_eval(&o, &in, 0), 0);
  close_to(o.p_abandon, 1, 0);
  close_to(o.service_level, 0, 0);
  /* t = 0: answered at once only */
  in = base(WL_ERLANG_A);
  in.target_t_s = 0;
  assert_int_equal(wl_erlang_eval(&o, &in, 14), 0);
  close_to(o.service_level, 1 - o.p_wait, 1e-15);
}

static void test_required_monotone_minimal(void **state)
{
  (void)state;
  const double patience[] = {20, 180, 900};
  for (int m = 0; m < 4; m++) {
    wl_erlang_in in = base(m ? WL_ERLANG_A : WL_ERLANG_C);
    int prev = 0;
    in.interval_s = 900;
    in.aht_s = 240;
    if (m)
      in.patience_s = patience[m - 1];
    for (double c = 0; c <= 8000; c += c < 100 ? 1 : 37) {
      wl_erlang_out o, below;
      in.calls = c;
      assert_int_equal(wl_erlang_required(&o, &in), 0);
      assert_true(o.agents >= prev);
      prev = o.agents;
      if (c == 0) {
        assert_int_equal(o.agents, 0);
        continue;
      }
      assert_true(o.service_level >= in.target_sl - 1e-12);
      if (m == 0)
        assert_true(o.agents > o.traffic_erl);
      /* minimal: one agent fewer misses the target (or N <= A for C) */
      assert_int_equal(wl_erlang_eval(&below, &in, o.agents - 1), 0);
      assert_true(below.service_level < in.target_sl);
    }
  }
}

/* metric k of o: 0 abandonment, 1 ASA, 2 occupancy; sets limit k on in */
static double limit_metric(const wl_erlang_out *o, wl_erlang_in *in, int k, double set)
{
  double *f = k == 0 ? &in->max_abandon : k == 1 ? &in->max_asa_s : &in->max_occupancy;
  if (set >= 0)
    *f = set;
  return k == 0 ? o->p_abandon : k == 1 ? o->asa_s : o->occupancy;
}

/* Each limit binds (raises N above the SL's 33 for 30 Erlangs), is met,
 * and one agent fewer misses it. */
static void test_required_limits(void **state)
{
  (void)state;
  const double lim[] = {0.005, 2.0, 0.80};
  const int want[] = {39, 38, 38};
  wl_erlang_out sl, o, b;
  wl_erlang_in in = base(WL_ERLANG_A);
  in.calls = 300;
  assert_int_equal(wl_erlang_required(&sl, &in), 0);
  assert_int_equal(sl.agents, 33);
  for (int k = 0; k < 3; k++) {
    wl_erlang_in x = in;
    limit_metric(&sl, &x, k, lim[k]);
    assert_true(limit_metric(&sl, &x, k, -1) > lim[k]);
    assert_int_equal(wl_erlang_required(&o, &x), 0);
    assert_int_equal(o.agents, want[k]);
    assert_true(limit_metric(&o, &x, k, -1) <= lim[k]);
    assert_int_equal(wl_erlang_eval(&b, &x, o.agents - 1), 0);
    assert_true(limit_metric(&b, &x, k, -1) > lim[k]);
  }
}

static void check_usage(const wl_erlang_in *in, const char *flag)
{
  wl_erlang_out o;
  assert_int_equal(wl_erlang_required(&o, in), WL_EUSAGE);
  if (!strstr(wl_errmsg(), flag)) {
    print_error("'%s' does not name %s\n", wl_errmsg(), flag);
    fail();
  }
}

static void test_check(void **state)
{
  (void)state;
  wl_erlang_in in;
  double p, t;
  assert_int_equal(wl_erlang_parse_target(&p, &t, "80/20"), 0);
  close_to(p, 0.8, 1e-15);
  close_to(t, 20, 0);
  assert_int_equal(wl_erlang_parse_target(&p, &t, "90.5/0"), 0);
  close_to(p, 0.905, 1e-15);
  const char *bad[] = {"120/20", "80-20", "0/20", "100/20", "80/", "/20", "80/-1", "80/20s", "x/20", ""};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    assert_int_equal(wl_erlang_parse_target(&p, &t, bad[i]), WL_EUSAGE);
    assert_non_null(strstr(wl_errmsg(), "--target"));
  }
  /* one bad field at a time: the message names its CLI flag */
  static const struct {
    size_t off;
    double v;
    enum wl_erlang_model m;
    const char *flag;
  } cases[] = {
    {offsetof(wl_erlang_in, shrinkage), 1, WL_ERLANG_C, "--shrinkage"},
    {offsetof(wl_erlang_in, shrinkage), -0.1, WL_ERLANG_C, "--shrinkage"},
    {offsetof(wl_erlang_in, max_occupancy), -0.5, WL_ERLANG_C, "--max-occupancy"},
    {offsetof(wl_erlang_in, max_occupancy), 1.01, WL_ERLANG_C, "--max-occupancy"},
    {offsetof(wl_erlang_in, aht_s), 0, WL_ERLANG_C, "--aht-s"},
    {offsetof(wl_erlang_in, aht_s), -3, WL_ERLANG_C, "--aht-s"},
    {offsetof(wl_erlang_in, patience_s), 0, WL_ERLANG_A, "--patience-s"},
    {offsetof(wl_erlang_in, calls), 10000.5 * 1800, WL_ERLANG_C, "--calls"},
    {offsetof(wl_erlang_in, calls), -1, WL_ERLANG_C, "--calls"},
    {offsetof(wl_erlang_in, target_sl), 1.2, WL_ERLANG_C, "--target"},
    {offsetof(wl_erlang_in, max_abandon), 1, WL_ERLANG_A, "--max-abandon"},
  };
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    in = base(cases[i].m);
    memcpy((char *)&in + cases[i].off, &cases[i].v, sizeof(double));
    check_usage(&in, cases[i].flag);
  }
  in = base(WL_ERLANG_C); in.calls = 10000.0 * 1800; /* exactly 10,000 per second is allowed */
  assert_int_equal(wl_erlang_check(&in), 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_example_c),        cmocka_unit_test(test_example_a),
    cmocka_unit_test(test_erlang_b_tables),  cmocka_unit_test(test_grid_erlang_c),
    cmocka_unit_test(test_grid_erlang_a),    cmocka_unit_test(test_grid_short_aht),
    cmocka_unit_test(test_sl_phase_chain),
    cmocka_unit_test(test_extremes_monotone), cmocka_unit_test(test_edges),
    cmocka_unit_test(test_required_monotone_minimal), cmocka_unit_test(test_required_limits),
    cmocka_unit_test(test_check),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
