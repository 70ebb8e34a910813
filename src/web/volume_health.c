/*
 * Data health of a range on the volume page: which 15-minute intervals were
 * never collected, judged from the collection_run rows. An interval counts
 * as collected once a historical or backfill run whose window covers it
 * ended "ok" (that run stored every row 8x8 had for it, possibly none on a
 * quiet night); anything else - no run, failed or interrupted runs only -
 * is a gap. Rows lost after a good run are not visible here: `wfmlink
 * verify` compares the stored rows with 8x8's own statistics.
 */
#include "web/volume_int.h"
#include "core/sources.h"
#include "util/array.h"
#include "core/settings.h"
#include "util/err.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct cover_ctx {
  unsigned char *ok; /* one flag per interval of [f0, f0 + 900 n) */
  int64_t f0;
  size_t n;
} cover_ctx;

static int cover_run(void *payload, const wl_run_row *r)
{
  cover_ctx *c = payload;
  int64_t a, z;
  if (strcmp(r->outcome, "ok") != 0 ||
      (strcmp(r->kind, "historical") != 0 && strcmp(r->kind, "backfill") != 0))
    return 0;
  /* only intervals the window holds entirely */
  a = (wl_interval_ceil(r->window_from) - c->f0) / WL_INTERVAL_S;
  z = (wl_interval_floor(r->window_to) - c->f0) / WL_INTERVAL_S;
  if (a < 0)
    a = 0;
  if (z > (int64_t)c->n)
    z = (int64_t)c->n;
  for (int64_t i = a; i < z; i++)
    c->ok[i] = 1;
  return 0;
}

static int last_backfill(void *payload, const wl_run_row *r)
{
  wl_vol_health *h = payload;
  h->has_backfill = 1;
  h->bf_started = r->started;
  h->bf_finished = r->finished;
  h->bf_from = r->window_from;
  h->bf_to = r->window_to;
  h->bf_rows = r->rows;
  snprintf(h->bf_outcome, sizeof(h->bf_outcome), "%s", r->outcome);
  snprintf(h->bf_error, sizeof(h->bf_error), "%s", r->error);
  return 1; /* the newest one is enough */
}

static int add_gap(wl_vol_health *h, int64_t from, int64_t to)
{
  if (wl_array_reserve(&h->gaps, &h->capgaps, h->ngaps, sizeof(*h->gaps), 8) != 0)
    return WL_ENOMEM;
  h->gaps[h->ngaps].from = from;
  h->gaps[h->ngaps].to = to;
  h->ngaps++;
  h->missing += (to - from) / WL_INTERVAL_S;
  return 0;
}

static int find_gaps(wl_vol_health *h, const cover_ctx *c)
{
  size_t i = 0;
  while (i < c->n) {
    size_t j = i;
    int rc;
    if (c->ok[i]) {
      i++;
      continue;
    }
    while (j < c->n && !c->ok[j])
      j++;
    if ((rc = add_gap(h, c->f0 + (int64_t)i * WL_INTERVAL_S, c->f0 + (int64_t)j * WL_INTERVAL_S)))
      return rc;
    i = j;
  }
  return 0;
}

static void read_settings(wl_vol_health *h, wl_store *st, const wl_source *src, int64_t now)
{
  int64_t delay = wl_source_setting_int(st, src, "hist-delay-s");
  int64_t days = wl_source_setting_int(st, src, "backfill-max-days");
  wl_watermark_get(&h->watermark, st, src->id);
  /* as the collector plans its windows (core/collector.c) */
  h->limit_from = wl_interval_floor(now - 86400 * days);
  h->next_pull = wl_interval_floor(now) + delay;
  if (h->next_pull <= now)
    h->next_pull += WL_INTERVAL_S;
  /* the interval that ended last is pulled hist-delay-s after its end and
   * takes a moment to store: it is judged one interval later */
  h->judged_to = wl_interval_floor(now - delay) - WL_INTERVAL_S;
}

int wl_vol_health_get(wl_vol_health *h, wl_store *st, const wl_source *src, int64_t from,
                      int64_t to, int64_t now)
{
  cover_ctx c = {NULL, wl_interval_ceil(from), 0};
  int64_t end;
  int rc;
  memset(h, 0, sizeof(*h));
  read_settings(h, st, src, now);
  end = to < h->judged_to ? to : h->judged_to;
  if (end > c.f0)
    c.n = (size_t)((end - c.f0 + WL_INTERVAL_S - 1) / WL_INTERVAL_S);
  if (c.n && !(c.ok = calloc(c.n, 1)))
    return wl_err(WL_ENOMEM, "out of memory");
  rc = c.n ? wl_source_runs_in_range(st, src->id, NULL, c.f0, c.f0 + (int64_t)c.n * WL_INTERVAL_S, 0,
                               cover_run, &c)
           : 0;
  if (rc == 0)
    rc = find_gaps(h, &c);
  if (rc == 0) {
    rc = wl_source_runs_in_range(st, src->id, "backfill", INT64_MIN + 1, INT64_MAX, 1, last_backfill, h);
    rc = rc == 1 ? 0 : rc;
  }
  free(c.ok);
  if (rc)
    wl_vol_health_free(h);
  return rc;
}

void wl_vol_health_free(wl_vol_health *h)
{
  free(h->gaps);
  h->gaps = NULL;
  h->ngaps = h->capgaps = 0;
}

int64_t wl_vol_fill_target(const wl_vol_health *h)
{
  for (size_t i = 0; i < h->ngaps; i++)
    if (h->gaps[i].to > h->limit_from)
      return h->gaps[i].from > h->limit_from ? h->gaps[i].from : h->limit_from;
  return 0;
}
