/*
 * GET /metrics: Prometheus text format 0.0.4, no login (like /healthz; it
 * names sources and counts, never a token, tenant or agent). The counters
 * kept by this process (core/metrics.c) plus gauges read from the store at
 * scrape time, so a `--only web` instance still reports every source's
 * last poll and watermark lag.
 */
#include "core/metrics.h"
#include "core/settings.h"
#include "core/sources.h"
#include "util/array.h"
#include "util/err.h"
#include "util/timeutil.h"
#include "web/web_int.h"

#include <stdlib.h>
#include <string.h>

#define MAX_SCRAPED 256

typedef struct scraped {
  wl_source src;
  wl_health h;
  int attention[2];
} scraped;

typedef struct scrape {
  wl_store *st;
  scraped *s;
  size_t n;
  int64_t now;
} scrape;

static int has_setting(wl_store *st, int64_t id, const char *key)
{
  char buf[8];
  return wl_setting_get(buf, sizeof(buf), st, id, key) != WL_ENOTFOUND;
}

static int add_source(void *payload, const wl_source *src)
{
  scrape *sc = payload;
  if (sc->n == MAX_SCRAPED)
    return 0;
  scraped *x = &sc->s[sc->n++];
  x->src = *src;
  return 0;
}

static int render_sources(wl_buf *b, const scrape *sc)
{
  int rc = wl_metrics_gauge(b, "wfmlink_source_enabled",
                            "1 for an enabled source, 0 for a disabled one.");
  for (size_t i = 0; i < sc->n && rc == 0; i++)
    rc = wl_metrics_sample(b, "wfmlink_source_enabled", sc->s[i].src.name, NULL,
                           sc->s[i].src.enabled != 0);
  if (rc == 0)
    rc = wl_metrics_gauge(b, "wfmlink_source_attention",
               "1 while a feed's token was refused (401/403) and needs a person.");
  for (size_t i = 0; i < sc->n && rc == 0; i++)
    for (int f = 0; f < 2 && rc == 0; f++)
      rc = wl_metrics_sample(b, "wfmlink_source_attention", sc->s[i].src.name,
                f ? "feed=\"historical\"" : "feed=\"realtime\"", sc->s[i].attention[f]);
  if (rc == 0)
    rc = wl_metrics_gauge(b, "wfmlink_rt_last_success_timestamp_seconds",
               "Unix time of the last successful real-time poll (absent: never).");
  for (size_t i = 0; i < sc->n && rc == 0; i++)
    if (sc->s[i].h.rt_last_ok)
      rc = wl_metrics_sample(b, "wfmlink_rt_last_success_timestamp_seconds", sc->s[i].src.name,
                             NULL,
                (long long)sc->s[i].h.rt_last_ok);
  if (rc == 0)
    rc = wl_metrics_gauge(b, "wfmlink_hist_watermark_lag_seconds",
               "Seconds between now and the historical watermark (absent: no window yet).");
  for (size_t i = 0; i < sc->n && rc == 0; i++)
    if (sc->s[i].h.hist_watermark)
      rc = wl_metrics_sample(b, "wfmlink_hist_watermark_lag_seconds", sc->s[i].src.name, NULL,
                (long long)(sc->now - sc->s[i].h.hist_watermark));
  if (rc == 0)
    rc = wl_metrics_gauge(b, "wfmlink_backfill_windows_remaining",
               "6-hour windows between the watermark and now (backfill progress).");
  for (size_t i = 0; i < sc->n && rc == 0; i++)
    if (sc->s[i].h.hist_watermark)
      rc = wl_metrics_sample(b, "wfmlink_backfill_windows_remaining", sc->s[i].src.name, NULL,
                (long long)sc->s[i].h.windows_behind);
  return rc;
}

static int render_build(wl_buf *b)
{
  int rc = wl_metrics_gauge(b, "wfmlink_build_info", "Always 1; the version in a label.");
  if (rc == 0)
    rc = wl_buf_puts(b, "wfmlink_build_info{version=\"" WL_VERSION_STRING "\"} 1\n");
  return rc;
}

int wl_page_metrics(wl_req *rq)
{
  scrape sc = {rq->app->st, calloc(MAX_SCRAPED, sizeof(scraped)), 0, wl_now()};
  int rc;
  if (!sc.s)
    return wl_err(WL_ENOMEM, "out of memory");
  rc = wl_source_list(sc.st, add_source, &sc);
  for (size_t i = 0; i < sc.n && rc == 0; i++) {
    scraped *x = &sc.s[i];
    rc = wl_health_get(&x->h, sc.st, &x->src, sc.now);
    x->attention[0] = has_setting(sc.st, x->src.id, "attention-realtime");
    x->attention[1] = has_setting(sc.st, x->src.id, "attention-historical");
  }
  if (rc == 0 && (rc = render_build(&rq->out)) == 0 && (rc = render_sources(&rq->out, &sc)) == 0)
    rc = wl_metrics_render(&rq->out);
  free(sc.s);
  rq->ctype = "text/plain; version=0.0.4; charset=utf-8";
  return rc;
}
