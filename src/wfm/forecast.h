#ifndef WL_WFM_FORECAST_H
#define WL_WFM_FORECAST_H
/*
 * Forecasting contact volume and handle time per 15-minute interval
 * (../shared/docs/forecasting.md). Pure functions: no I/O, no clock, no
 * time zone lookups. The caller (core/forecast.c) turns stored rows into
 * local days and guarantees that nothing at or after the as-of instant is
 * in the history it passes.
 *
 * Patterns are keyed by local weekday and local time-of-day "slot"
 * (minutes since local midnight / 15, 0..95). A DST day carries its
 * intervals as they are: 92 (a slot range absent) or 100 (a slot range
 * present twice, once per occurrence, in time order).
 *
 * Conventions: 0 or a negative WL_E* code (util/err.h) with wl_err().
 */
#include <stddef.h>
#include <stdint.h>

/* One 15-minute interval of a local day. */
typedef struct wl_fc_iv {
  int64_t start_utc;   /* multiple of 900 */
  int slot;            /* local (minutes since midnight) / 15, 0..95 */
  int observed;        /* history only: 0 = missing, never read as 0 */
  double entered;      /* history only */
  double accepted;     /* history only */
  double handle_s;     /* history only: sum of handle time of accepted */
} wl_fc_iv;

/* One local day: consecutive local days, oldest first, no day skipped
 * (a day nobody observed is present with every interval unobserved). */
typedef struct wl_fc_day {
  int64_t day;         /* days since 1970-01-01 of the local date */
  int wday;            /* 0 = Monday .. 6 = Sunday */
  size_t n;            /* intervals: 96, or 92 / 100 on DST days */
  wl_fc_iv *iv;
} wl_fc_day;

enum wl_fc_method {
  WL_FC_AUTO = 0,
  WL_FC_SEASONAL_NAIVE,   /* same local weekday and slot one week earlier */
  WL_FC_WEEKDAY_MEAN,     /* mean of the last 4 same weekdays, per slot */
  WL_FC_WEEKDAY_MEDIAN,   /* median of the last 4 same weekdays, per slot */
  WL_FC_DAY_PROFILE,      /* day total x intraday profile */
  WL_FC_DOUBLE_SEASONAL,  /* Taylor's double-seasonal exponential smoothing, or better */
  WL_FC_NMETHODS
};

/* "auto", "seasonal-naive", "weekday-mean", "weekday-median", "day-profile",
 * "double-seasonal". */
const char *wl_fc_method_name(enum wl_fc_method m);
/* WL_EUSAGE naming the value for an unknown name. */
int wl_fc_method_parse(enum wl_fc_method *out, const char *name);

/* A day set by hand (`forecast special-day`): a past day to leave out of
 * the history, or a future day whose forecast is multiplied by factor. */
typedef struct wl_fc_special {
  int64_t day;         /* local date, days since 1970-01-01 */
  int exclude;         /* 1: leave out of history */
  double factor;       /* used when exclude is 0: 1.0 normal, 0 closed */
} wl_fc_special;

typedef struct wl_fc_opts {
  enum wl_fc_method method;
  int64_t as_of;                 /* history holds nothing at or after it */
  const wl_fc_special *special;  /* may be NULL */
  size_t nspecial;
} wl_fc_opts;

/* A note for the output (stderr / JSON "notes"). */
#define WL_FC_NOTE_LEN 160
typedef struct wl_fc_note {
  int64_t day;                   /* the local day concerned, or -1 */
  char text[WL_FC_NOTE_LEN];     /* "2024-12-25 left out: total 12 vs typical 480 (holiday?)" */
} wl_fc_note;

/* The forecast of one queue. Arrays are parallel to the target intervals
 * (in the order of the target days and their intervals). */
typedef struct wl_fc_result {
  enum wl_fc_method method;      /* the method used (auto resolved) */
  size_t n;
  double *volume;                /* expected contacts entered, >= 0 */
  double *base_volume;           /* before the intraday re-forecast (== volume
                                    outside the as-of day) */
  double *aht_s;                 /* expected AHT; < 0 when none can be said */
  wl_fc_note *notes;
  size_t nnotes;
} wl_fc_result;

/* Forecasts the target days (only start_utc and slot of their intervals are
 * read) from history (complete local days before the as-of day, then the
 * as-of day itself with its intervals before as_of, if the as-of day is a
 * target day). An empty history gives volume 0 everywhere and a note. */
int wl_fc_forecast(wl_fc_result *out, const wl_fc_day *hist, size_t nhist,
                   const wl_fc_day *target, size_t ntarget, const wl_fc_opts *opts);
void wl_fc_result_free(wl_fc_result *r);

/* Rolling-origin backtest (forecasting.md "How a forecast is judged"):
 * for every week starting at eval_from_day, eval_from_day + 7, ... before
 * eval_to_day, a forecast as of that week's first local midnight (history:
 * the days before it) covers that week (clipped to eval_to_day); errors are
 * pooled over all weeks, on observed intervals only. hist holds every day
 * up to eval_to_day. */
typedef struct wl_fc_accuracy {
  enum wl_fc_method method;      /* for AUTO: the pooled result of auto's picks */
  int64_t intervals;             /* evaluated (observed) intervals */
  double wmape_pct;              /* < 0 when undefined (no actual contacts) */
  double mape_pct;               /* over intervals with >= 10 actual; < 0 none */
  double bias_pct;               /* < 0 allowed; NAN-free: 0 when undefined */
  double day_mape_pct;           /* over days with a non-zero actual total */
  double vs_seasonal_naive_pct;  /* (wmape / wmape_sn - 1) * 100 */
  int has_wmape, has_mape, has_bias, has_day_mape, has_vs_sn;
} wl_fc_accuracy;

int wl_fc_backtest(wl_fc_accuracy *out, const wl_fc_day *hist, size_t nhist,
                   int64_t eval_from_day, int64_t eval_to_day, enum wl_fc_method method,
                   const wl_fc_special *special, size_t nspecial);

#endif
