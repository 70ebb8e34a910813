/*
 * Erlang B / C / A (forecasting.md "Staffing"). Everything is written in
 * ratios to the stationary probability of state N (all agents busy), so no
 * factorial or power of A is ever formed:
 *
 *   y(N) = sum_{k<N} p_k / p_N = 1/B(N) - 1, by y(0) = 0,
 *          y(N) = N/A * (1 + y(N-1))          (the Erlang B recursion)
 *   w_j  = p_{N+j} / p_N = prod_{i=1..j} lambda / (N mu + i theta)
 *
 * so P(wait) = W / (y + W) with W = sum w_j. y overflows to +inf only when
 * N is far above A, where the limits (no wait) come out of the same
 * formulas; w_j is rescaled when it grows (N far below A).
 *
 * Erlang A service level: a caller finding j ahead is answered when the
 * queue ahead has cleared (stage rates N mu + m theta, m = j..1) and one
 * more agent frees up (N mu), before his own patience runs out (theta).
 * The stage sum has density K (1 - e^{-theta s})^j e^{-N mu s}, which gives
 *   P(answered within t | j) = r / (r + j + 1) * I_u(j + 1, r + 1),
 * r = N mu / theta, u = 1 - e^{-theta t}, I the regularized incomplete beta;
 * I is carried along j by its recurrence (one multiply per term), and the
 * mean wait of the answered callers by sum_{i=1..j+1} 1 / (N mu + i theta).
 */
#include "wfm/erlang.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

/* Comparisons against targets forgive rounding of A = c * h / T. */
#define WL_ERLANG_EPS 1e-12
#define WL_ERLANG_RESCALE 1e200
#define WL_ERLANG_MAX_AGENTS 10000000

int wl_erlang_parse_target(double *p, double *t_s, const char *s)
{
  char *end;
  double pv, tv;
  const char *slash = s ? strchr(s, '/') : NULL;
  if (!slash || slash == s)
    return wl_err(WL_EUSAGE, "--target must be P/T, e.g. 80/20 (80 %% answered within 20 s)");
  pv = strtod(s, &end);
  if (end != slash || !isfinite(pv) || pv <= 0 || pv >= 100)
    return wl_err(WL_EUSAGE, "--target: the percentage must be > 0 and < 100 (e.g. 80/20)");
  if (!slash[1] || slash[1] == ' ' || slash[1] == '+' || slash[1] == '-')
    return wl_err(WL_EUSAGE, "--target: the time must be a number of seconds >= 0 (e.g. 80/20)");
  tv = strtod(slash + 1, &end);
  if (*end || !isfinite(tv) || tv < 0)
    return wl_err(WL_EUSAGE, "--target: the time must be a number of seconds >= 0 (e.g. 80/20)");
  *p = pv / 100.0;
  *t_s = tv;
  return 0;
}

/* isfinite() and a lower bound; NaN fails every comparison. */
static int bad(double v, double lo, int lo_open)
{
  return !isfinite(v) || (lo_open ? !(v > lo) : !(v >= lo));
}

int wl_erlang_check(const wl_erlang_in *in)
{
  if (in->model != WL_ERLANG_C && in->model != WL_ERLANG_A)
    return wl_err(WL_EUSAGE, "--model must be erlang-c or erlang-a");
  if (bad(in->interval_s, 0, 1))
    return wl_err(WL_EUSAGE, "--interval-s must be > 0");
  if (bad(in->calls, 0, 0))
    return wl_err(WL_EUSAGE, "--calls must be a number >= 0");
  if (in->calls / in->interval_s > 10000)
    return wl_err(WL_EUSAGE, "--calls: more than 10,000 calls per second (%.10g in %.10g s)", in->calls,
                  in->interval_s);
  if (bad(in->aht_s, 0, 1) || in->aht_s > 86400)
    return wl_err(WL_EUSAGE, "--aht-s must be > 0 and at most 86400");
  if (!isfinite(in->target_sl) || !(in->target_sl > 0) || !(in->target_sl < 1))
    return wl_err(WL_EUSAGE, "--target: the percentage must be > 0 and < 100 (e.g. 80/20)");
  if (bad(in->target_t_s, 0, 0))
    return wl_err(WL_EUSAGE, "--target: the time must be a number of seconds >= 0 (e.g. 80/20)");
  if (in->model == WL_ERLANG_A && (bad(in->patience_s, 0, 1) || in->patience_s > 86400))
    return wl_err(WL_EUSAGE, "--patience-s must be > 0 and at most 86400 with erlang-a");
  if (bad(in->shrinkage, 0, 0) || in->shrinkage >= 1)
    return wl_err(WL_EUSAGE, "--shrinkage must be >= 0 and < 1");
  /* the optional limits: 0 means none */
  if (bad(in->max_occupancy, 0, 0) || in->max_occupancy > 1)
    return wl_err(WL_EUSAGE, "--max-occupancy must be > 0 and <= 1");
  if (bad(in->max_asa_s, 0, 0))
    return wl_err(WL_EUSAGE, "--max-asa-s must be > 0");
  if (bad(in->max_abandon, 0, 0) || in->max_abandon >= 1)
    return wl_err(WL_EUSAGE, "--max-abandon must be > 0 and < 1");
  return 0;
}

/* y(N) = 1/B(N) - 1 from y(from) at `from` (y(0) = 0). */
static double y_up(double y, int from, int to, double a)
{
  for (int k = from + 1; k <= to; k++)
    y = (double)k / a * (1.0 + y);
  return y;
}

double wl_erlang_b(int n, double a)
{
  if (a <= 0)
    return n == 0 ? 1.0 : 0.0;
  return 1.0 / (1.0 + y_up(0, 0, n, a));
}

static int positions(int n, double shrinkage)
{
  double p = ceil((double)n / (1.0 - shrinkage) - 1e-9);
  return p > (double)INT32_MAX ? INT32_MAX : (int)p;
}

static void out_idle(wl_erlang_out *out, int n)
{
  out->agents = n;
  out->service_level = 1;
  out->p_wait = out->asa_s = out->occupancy = out->p_abandon = 0;
}

/* Erlang C at N with y = y(N). */
static void eval_c(wl_erlang_out *out, const wl_erlang_in *in, int n, double y)
{
  double a = out->traffic_erl, c;
  out->agents = n;
  out->p_abandon = 0;
  if ((double)n <= a) {
    out->service_level = 0;
    out->p_wait = 1;
    out->asa_s = INFINITY;
    out->occupancy = 1;
    return;
  }
  c = isinf(y) ? 0 : (double)n / ((double)n + y * ((double)n - a));
  out->p_wait = c;
  out->service_level = 1.0 - c * exp(-((double)n - a) * in->target_t_s / in->aht_s);
  out->asa_s = c * in->aht_s / ((double)n - a);
  out->occupancy = a / (double)n;
}

/* Erlang A sums over the queue states N + j, relative to p_N. */
typedef struct tail {
  double w;      /* sum w_j: P(wait) / p_N */
  double lq;     /* sum j w_j: Lq / p_N */
  double miss;   /* sum w_j (1 - P(answered within t | j)) */
  double srv;    /* sum w_j P(answered | j) */
  double wsrv;   /* sum w_j P(answered | j) E[wait | answered, j] */
  int scale;     /* the sums are divided by RESCALE^scale */
} tail;

static void tail_rescale(tail *s, double *term)
{
  const double f = 1.0 / WL_ERLANG_RESCALE;
  s->w *= f;
  s->lq *= f;
  s->miss *= f;
  s->srv *= f;
  s->wsrv *= f;
  *term *= f;
  s->scale++;
}

static void tail_sum(tail *s, const wl_erlang_in *in, int n)
{
  double mu = 1.0 / in->aht_s, th = 1.0 / in->patience_s, lam = in->calls / in->interval_s;
  double nmu = (double)n * mu, r = nmu / th, b = r + 1.0;
  double u = -expm1(-th * in->target_t_s);  /* 1 - e^{-theta t} */
  double ib = -expm1(-(nmu + th) * in->target_t_s); /* I_u(1, r + 1) */
  /* d = I_u(a,b) - I_u(a+1,b) at a = 1, a negative binomial probability:
   * it starts as small as e^{-(N mu + theta) t} and rises, so it is kept as
   * d * RESCALE^-dk until it is large enough to matter */
  double ld = u > 0 ? log(b * u) - (nmu + th) * in->target_t_s : -INFINITY;
  int dk = ld < -600 && isfinite(ld) ? (int)ceil((-600 - ld) / log(WL_ERLANG_RESCALE)) : 0;
  double d = exp(ld + dk * log(WL_ERLANG_RESCALE));
  double term = 1.0, h = 1.0 / (nmu + th);
  memset(s, 0, sizeof(*s));
  for (long j = 0;; j++) {
    double ps = r / (r + (double)j + 1.0), pt = ps * (ib > 0 ? ib : 0);
    s->w += term;
    s->lq += (double)j * term;
    s->miss += term * (1.0 - pt);
    s->srv += term * ps;
    s->wsrv += term * ps * h;
    /* past the peak (terms falling) and negligible: done */
    double rate = nmu + (double)(j + 1) * th;
    if (lam < rate && term < s->w * 1e-17)
      break;
    term *= lam / rate;
    if (term > WL_ERLANG_RESCALE)
      tail_rescale(s, &term);
    h += 1.0 / (rate + th);
    if (dk == 0)
      ib -= d;
    d *= u * ((double)j + 1.0 + b) / ((double)j + 2.0);
    if (dk > 0 && d > 1) { /* d / RESCALE is a normal double again */
      d /= WL_ERLANG_RESCALE;
      dk--;
    }
  }
}

/* Erlang A at N >= 1 with y = y(N). */
static void eval_a(wl_erlang_out *out, const wl_erlang_in *in, int n, double y)
{
  double lam = in->calls / in->interval_s, th = 1.0 / in->patience_s, mu = 1.0 / in->aht_s;
  double z, pn;
  tail s;
  tail_sum(&s, in, n);
  /* p_N = 1 / (y + W), with y brought to the scale of the sums */
  if (s.scale > 0)
    y = y * pow(1.0 / WL_ERLANG_RESCALE, s.scale);
  z = y + s.w;
  pn = 1.0 / z; /* 0 when y is infinite: nobody waits */
  out->agents = n;
  out->p_wait = s.w * pn;
  out->p_abandon = th * s.lq * pn / lam;
  if (out->p_abandon > 1)
    out->p_abandon = 1;
  out->service_level = 1.0 - s.miss * pn;
  if (out->service_level < 0)
    out->service_level = 0;
  out->occupancy = lam * (1.0 - out->p_abandon) / ((double)n * mu);
  if (out->occupancy > 1) /* rounding when N is far below A */
    out->occupancy = 1;
  /* answered = those served at once (share y/z) and those served after a wait */
  out->asa_s = s.wsrv * pn / (isinf(y) ? 1.0 : (y * pn + s.srv * pn));
}

/* N = 0 agents with volume: nobody is ever answered. */
static void eval_none(wl_erlang_out *out, const wl_erlang_in *in)
{
  out->agents = 0;
  out->service_level = 0;
  out->p_wait = 1;
  out->asa_s = INFINITY;
  out->occupancy = 1;
  out->p_abandon = in->model == WL_ERLANG_A ? 1 : 0;
}

static void eval_y(wl_erlang_out *out, const wl_erlang_in *in, int n, double y)
{
  if (n == 0)
    eval_none(out, in);
  else if (in->model == WL_ERLANG_C)
    eval_c(out, in, n, y);
  else
    eval_a(out, in, n, y);
  out->positions = positions(n, in->shrinkage);
}

int wl_erlang_eval(wl_erlang_out *out, const wl_erlang_in *in, int agents)
{
  int rc;
  memset(out, 0, sizeof(*out));
  if ((rc = wl_erlang_check(in)) != 0)
    return rc;
  if (agents < 0 || agents > WL_ERLANG_MAX_AGENTS)
    return wl_err(WL_EUSAGE, "--agents must be >= 0 and at most %d", WL_ERLANG_MAX_AGENTS);
  out->traffic_erl = in->calls * in->aht_s / in->interval_s;
  if (out->traffic_erl <= 0) {
    out_idle(out, agents);
    out->positions = positions(agents, in->shrinkage);
    return 0;
  }
  eval_y(out, in, agents, y_up(0, 0, agents, out->traffic_erl));
  return 0;
}

/* All limits met (each improves with N, so the smallest such N is the
 * target's N raised for the limits). */
static int meets(const wl_erlang_out *o, const wl_erlang_in *in)
{
  if (o->service_level < in->target_sl - WL_ERLANG_EPS)
    return 0;
  if (in->max_occupancy > 0 && o->occupancy > in->max_occupancy + WL_ERLANG_EPS)
    return 0;
  if (in->max_asa_s > 0 && o->asa_s > in->max_asa_s + WL_ERLANG_EPS)
    return 0;
  if (in->max_abandon > 0 && o->p_abandon > in->max_abandon + WL_ERLANG_EPS)
    return 0;
  return 1;
}

/* Erlang C: step up from the first N > A; each step is O(1). */
static int required_c(wl_erlang_out *out, const wl_erlang_in *in)
{
  double a = out->traffic_erl;
  int n = (int)floor(a) + 1;
  double y = y_up(0, 0, n, a);
  for (;; n++) {
    if (n > 1 + (int)floor(a))
      y = y_up(y, n - 1, n, a);
    eval_c(out, in, n, y);
    if (meets(out, in))
      return 0;
    if (n >= WL_ERLANG_MAX_AGENTS)
      return wl_err(WL_EUSAGE, "the target needs more than %d agents", WL_ERLANG_MAX_AGENTS);
  }
}

/* y(k) for the search, each computed once (the recursion is the cost when
 * A is in the thousands); past the buffer, from its last entry. */
#define WL_YCACHE 2048
typedef struct ycache {
  double a;
  int filled; /* y(0..filled-1) known */
  double y[WL_YCACHE];
} ycache;

static double y_at(ycache *c, int n)
{
  for (; c->filled <= n && c->filled < WL_YCACHE; c->filled++)
    c->y[c->filled] = c->filled == 0 ? 0 : y_up(c->y[c->filled - 1], c->filled - 1, c->filled, c->a);
  if (n < c->filled)
    return c->y[n];
  return y_up(c->y[WL_YCACHE - 1], WL_YCACHE - 1, n, c->a);
}

static int ok_a(wl_erlang_out *o, const wl_erlang_in *in, int n, ycache *c)
{
  eval_y(o, in, n, y_at(c, n));
  return meets(o, in);
}

/* Erlang A: start at the Erlang C answer (close for usual patience),
 * gallop down or up to bracket the answer, then bisect. Below p * A agents
 * the target cannot be met (SL <= answered share <= N / A). */
static int required_a(wl_erlang_out *out, const wl_erlang_in *in)
{
  wl_erlang_in c = *in;
  wl_erlang_out probe = *out;
  int lo, hi, step = 1, rc = 0;
  ycache *yc = malloc(sizeof(*yc));
  if (!yc)
    return wl_err(WL_ENOMEM, "out of memory");
  yc->a = out->traffic_erl;
  yc->filled = 0;
  c.model = WL_ERLANG_C;
  c.max_abandon = 0;
  required_c(&probe, &c);
  lo = (int)ceil(in->target_sl * out->traffic_erl) - 1;
  if (lo < 0)
    lo = 0;
  hi = probe.agents;
  if (ok_a(&probe, in, hi, yc)) {
    for (int m = hi - 1; m > lo && ok_a(&probe, in, m, yc); m = hi - step) {
      hi = m;
      step *= 2;
    }
    if (hi - step > lo) /* the gallop stopped on a failing N */
      lo = hi - step;
  } else {
    for (lo = hi;; step *= 2) {
      hi = lo + step;
      if (hi > WL_ERLANG_MAX_AGENTS) {
        rc = wl_err(WL_EUSAGE, "the target needs more than %d agents", WL_ERLANG_MAX_AGENTS);
        goto out;
      }
      if (ok_a(&probe, in, hi, yc))
        break;
      lo = hi;
    }
  }
  while (hi - lo > 1) { /* lo fails, hi meets */
    int m = lo + (hi - lo) / 2;
    if (ok_a(&probe, in, m, yc))
      hi = m;
    else
      lo = m;
  }
  ok_a(out, in, hi, yc);
out:
  free(yc);
  return rc;
}

int wl_erlang_required(wl_erlang_out *out, const wl_erlang_in *in)
{
  int rc;
  memset(out, 0, sizeof(*out));
  if ((rc = wl_erlang_check(in)) != 0)
    return rc;
  out->traffic_erl = in->calls * in->aht_s / in->interval_s;
  if (out->traffic_erl <= 0) {
    out_idle(out, 0);
    return 0;
  }
  if (out->traffic_erl >= WL_ERLANG_MAX_AGENTS)
    return wl_err(WL_EUSAGE, "--calls: %.10g Erlangs would need more than %d agents",
                  out->traffic_erl, WL_ERLANG_MAX_AGENTS);
  rc = in->model == WL_ERLANG_C ? required_c(out, in) : required_a(out, in);
  if (rc == 0)
    out->positions = positions(out->agents, in->shrinkage);
  return rc;
}
