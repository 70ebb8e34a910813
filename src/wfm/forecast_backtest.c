/*
 * wl_fc_backtest: rolling origin, one week per origin, errors pooled. Each
 * origin calls wl_fc_forecast on exactly the days before it, so a backtest
 * figure is what the forecast of that day would have scored.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "wfm/forecast_int.h"

typedef struct bt_sums {
  int64_t n;
  double abs_err, abs_err_sn, act, fc;
  double mape_sum;
  int64_t mape_n;
  double day_sum;
  int64_t day_n;
} bt_sums;

static int excluded_by_hand(const wl_fc_special *sp, size_t nsp, int64_t day)
{
  for (size_t i = 0; i < nsp; i++)
    if (sp[i].day == day && sp[i].exclude)
      return 1;
  return 0;
}

/* Scores the forecast f (and seasonal-naive's sn) of days[0..nd). */
static void bt_score(bt_sums *s, const wl_fc_day *days, size_t nd, const double *f,
                     const double *sn, const wl_fc_special *sp, size_t nsp)
{
  size_t k = 0;
  for (size_t i = 0; i < nd; k += days[i].n, i++) {
    /* A day left out by hand was known to be abnormal: not a fair test. */
    if (excluded_by_hand(sp, nsp, days[i].day))
      continue;
    double A = 0, F = 0;
    for (size_t j = 0; j < days[i].n; j++) {
      const wl_fc_iv *iv = &days[i].iv[j];
      if (!iv->observed)
        continue;
      double a = iv->entered > 0 ? iv->entered : 0;
      s->n++;
      s->abs_err += fabs(a - f[k + j]);
      s->abs_err_sn += fabs(a - sn[k + j]);
      s->act += a;
      s->fc += f[k + j];
      if (a >= 10) {
        s->mape_sum += fabs(a - f[k + j]) / a;
        s->mape_n++;
      }
      A += a;
      F += f[k + j];
    }
    if (A > 0) {
      s->day_sum += fabs(A - F) / A;
      s->day_n++;
    }
  }
}

static void bt_finish(wl_fc_accuracy *out, const bt_sums *s)
{
  out->intervals = s->n;
  out->wmape_pct = out->mape_pct = out->day_mape_pct = -1;
  if (s->act > 0) {
    out->wmape_pct = 100 * s->abs_err / s->act;
    out->bias_pct = 100 * (s->fc - s->act) / s->act;
    out->has_wmape = out->has_bias = 1;
    if (s->abs_err_sn > 0) {
      out->vs_seasonal_naive_pct = 100 * (s->abs_err / s->abs_err_sn - 1);
      out->has_vs_sn = 1;
    }
  }
  if (s->mape_n) {
    out->mape_pct = 100 * s->mape_sum / (double)s->mape_n;
    out->has_mape = 1;
  }
  if (s->day_n) {
    out->day_mape_pct = 100 * s->day_sum / (double)s->day_n;
    out->has_day_mape = 1;
  }
}

static int bt_origin(bt_sums *s, const wl_fc_day *hist, size_t oi, size_t te,
                     enum wl_fc_method method, const wl_fc_special *sp, size_t nsp)
{
  wl_fc_result r, rsn;
  memset(&rsn, 0, sizeof(rsn));
  wl_fc_opts o = {method, hist[oi].n ? hist[oi].iv[0].start_utc : 0, sp, nsp};
  int rc = wl_fc_forecast(&r, hist, oi, hist + oi, te - oi, &o);
  if (rc)
    return rc;
  const double *sn = r.volume;
  if (method != WL_FC_SEASONAL_NAIVE) {
    o.method = WL_FC_SEASONAL_NAIVE;
    if ((rc = wl_fc_forecast(&rsn, hist, oi, hist + oi, te - oi, &o)))
      goto done;
    sn = rsn.volume;
  }
  bt_score(s, hist + oi, te - oi, r.volume, sn, sp, nsp);
done:
  wl_fc_result_free(&r);
  wl_fc_result_free(&rsn);
  return rc;
}

int wl_fc_backtest(wl_fc_accuracy *out, const wl_fc_day *hist, size_t nhist,
                   int64_t eval_from_day, int64_t eval_to_day, enum wl_fc_method method,
                   const wl_fc_special *special, size_t nspecial)
{
  memset(out, 0, sizeof(*out));
  out->method = method;
  out->wmape_pct = out->mape_pct = out->day_mape_pct = -1;
  if ((int)method < 0 || method >= WL_FC_NMETHODS || (nspecial && !special))
    return wl_err(WL_EUSAGE, "forecast accuracy: bad arguments");
  for (size_t i = 1; i < nhist; i++)
    if (hist[i].day != hist[i - 1].day + 1)
      return wl_err(WL_EUSAGE, "forecast accuracy: history days not consecutive at %zu", i);
  bt_sums s;
  memset(&s, 0, sizeof(s));
  if (nhist == 0)
    return 0;
  int64_t day0 = hist[0].day, dayn = day0 + (int64_t)nhist;
  for (int64_t o = eval_from_day; o < eval_to_day && o < dayn; o += 7) {
    int64_t e = o + 7 < eval_to_day ? o + 7 : eval_to_day;
    if (e > dayn)
      e = dayn;
    if (e <= day0)
      continue;
    int64_t ob = o > day0 ? o : day0; /* days before the history: nothing to score */
    int rc = bt_origin(&s, hist, (size_t)(ob - day0), (size_t)(e - day0), method, special, nspecial);
    if (rc)
      return rc;
  }
  bt_finish(out, &s);
  return 0;
}
