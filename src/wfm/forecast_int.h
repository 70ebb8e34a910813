#ifndef WL_WFM_FORECAST_INT_H
#define WL_WFM_FORECAST_INT_H
/*
 * Internals shared by the forecast files (forecast.c: the public entry
 * points, forecast_methods.c: the methods on a day x slot grid,
 * forecast_backtest.c: wl_fc_backtest). Not for use outside src/wfm/.
 */
#include <stddef.h>
#include <stdint.h>

#include "wfm/forecast.h"

#define FC_SLOTS 96
/* Patterns (weekday averages, profiles, closed hours) read at most this many
 * weeks before the forecast origin; outlier detection looks at as many
 * neighbours around a day. */
#define FC_WINDOW_DAYS (12 * 7)
/* The long-run AHT (the fallback of thin cells) reads this far back. */
#define FC_LONGRUN_DAYS (26 * 7)
/* auto's own backtest: origins 1..FC_AUTO_ORIGINS weeks before the end
 * (8: the pick is stable; 4 made it noisier for no time saved worth having). */
#ifndef FC_AUTO_ORIGINS
#define FC_AUTO_ORIGINS 8
#endif
/* The grid holds this many days before the end: every look-back above,
 * from every origin auto tries, fits in it, so a forecast reads the same
 * days whether the caller passed one year of history or ten. */
#define FC_GRID_DAYS (FC_LONGRUN_DAYS + 7 * FC_AUTO_ORIGINS)
/* double-seasonal: weekly decay of the weights of the day totals and of
 * the intraday profiles (see fit_double_seasonal). */
#ifndef FC_DS_A_TOTAL /* overridable for tuning (bench) */
#define FC_DS_A_TOTAL 0.8
#endif
#ifndef FC_DS_A_LEVEL
#define FC_DS_A_LEVEL 0.8
#endif
#ifndef FC_DS_TREND_DAMP
#define FC_DS_TREND_DAMP 0.5
#endif
#ifndef FC_DS_POOL
#define FC_DS_POOL 1.0
#endif
#ifndef FC_DS_SMOOTH
#define FC_DS_SMOOTH 0.375
#endif
/* The drift is at most 0.2 %/day (about +-100 %/year) and applied for at
 * most 6 weeks ahead: beyond, the forecast stays at that level. */
#define FC_DS_MAX_DRIFT 0.002
#define FC_DRIFT_DAYS 42
#ifndef FC_DS_A_PROFILE
#define FC_DS_A_PROFILE 0.92
#endif
/* AHT cells with fewer accepted contacts fall back to the long-run AHT. */
#define FC_AHT_MIN_ACCEPTED 30.0

/* History as local days x 96 slots. A slot present twice (the repeated hour
 * of a 100-interval day) holds the mean of its observed occurrences for
 * volume and the sums for AHT; a slot absent (92-interval day) is missing. */
typedef struct fc_grid {
  size_t nd;
  int64_t day0;          /* day number of row 0 */
  int *wday;             /* nd */
  double *x;             /* nd * 96 entered */
  unsigned char *obs;    /* nd * 96: 1 observed */
  double *acc, *hs;      /* nd * 96 accepted and handle seconds (sums) */
  double *tot;           /* nd: sum of x when every present slot observed, else -1 */
  unsigned char *hand;   /* nd: 1 left out by hand (special day) */
  unsigned char *bad;    /* nd: 1 detected unusual (recomputed per fit) */
  double *typical;       /* nd: the typical total a bad day was compared with */
  double *seen;          /* nd: and its own (over its observed slots) */
} fc_grid;

int fc_grid_build(fc_grid *g, const wl_fc_day *hist, size_t nhist,
                  const wl_fc_special *special, size_t nspecial);
void fc_grid_free(fc_grid *g);

/* A fitted method as of the end of row `end` (rows [0, end) are history):
 * the forecast of a day with weekday w at slot s, d days after the end
 * (d = 0: the first day after the history), is pat[w][s] * trend^d. */
typedef struct fc_fit {
  double pat[7][FC_SLOTS];
  double trend;          /* per-day multiplicative drift, 1 for flat methods */
} fc_fit;

/* Marks unusual days among the rows the methods may read before `end`. */
void fc_detect_unusual(fc_grid *g, size_t end);
/* Fits `m` (not AUTO) on rows before end; call fc_detect_unusual first. */
void fc_fit_method(fc_fit *f, const fc_grid *g, size_t end, enum wl_fc_method m);
/* AUTO: the method with the lowest pooled wMAPE over auto's own backtest
 * before `end`, seasonal-naive unless one beats it. wmape/wmape_sn (may be
 * NULL) receive the pooled figures, < 0 when no backtest was possible. */
enum wl_fc_method fc_auto_pick(fc_grid *g, size_t end, double *wmape, double *wmape_sn);
/* AHT per weekday and slot (< 0: none can be said). */
void fc_fit_aht(double aht[7][FC_SLOTS], const fc_grid *g, size_t end);

/* Local date "YYYY-MM-DD" of a day number. */
void fc_date_str(char out[16], int64_t day);

#endif
