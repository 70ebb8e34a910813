/*
 * A source's health at a glance, from what the collectors leave behind: the
 * "rt-last-ok" and "hist-watermark" settings and the recent collection_run
 * rows. The sources page, the status page and /api/v1 all use this, so they
 * always agree.
 */
#include "web/web_int.h"
#include "core/sources.h"
#include "core/collector.h"
#include "core/settings.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RUNS_SCANNED 200

static int is_hist(const char *kind)
{
  return strcmp(kind, "historical") == 0 || strcmp(kind, "backfill") == 0;
}

/* Runs come newest first: the first finished run of each kind decides. */
static int scan_run(void *payload, const wl_run_row *r)
{
  wl_health *h = payload;
  int rt = strcmp(r->kind, "realtime") == 0, hist = is_hist(r->kind);
  if (strcmp(r->outcome, "running") == 0) {
    if (strcmp(r->kind, "backfill") == 0 && !h->backfill_from) {
      h->backfill_from = r->window_from;
      h->backfill_to = r->window_to;
    }
    return 0;
  }
  if (rt && !h->rt_outcome[0])
    snprintf(h->rt_outcome, sizeof(h->rt_outcome), "%s", r->outcome);
  if (hist && !h->hist_outcome[0]) {
    snprintf(h->hist_outcome, sizeof(h->hist_outcome), "%s", r->outcome);
    snprintf(h->hist_kind, sizeof(h->hist_kind), "%s", r->kind);
  }
  if (strcmp(r->outcome, "error") == 0 && !h->last_error_at) {
    snprintf(h->last_error, sizeof(h->last_error), "%s", r->error);
    h->last_error_at = r->finished ? r->finished : r->started;
    h->last_error_http = r->http_status;
    snprintf(h->last_error_kind, sizeof(h->last_error_kind), "%s", r->kind);
  }
  return 0;
}

static void set_state(wl_health *h, const char *state, const char *css)
{
  h->state = state;
  h->css = css;
}

static void decide(wl_health *h, wl_store *st, const wl_source *src)
{
  int64_t rt_fresh = 3 * (int64_t)src->interval_s + 60;
  int64_t hist_behind = wl_source_setting_int(st, src, "repull-window-s") + 3600;
  if (!src->enabled)
    return set_state(h, "disabled", "off");
  if (!src->has_token)
    return set_state(h, "no token", "bad");
  if (!strcmp(h->rt_outcome, "error") || !strcmp(h->hist_outcome, "error"))
    return set_state(h, "failing", "bad");
  if (!h->rt_last_ok && !h->hist_outcome[0])
    return set_state(h, "waiting", "off");
  if (h->now - h->rt_last_ok > rt_fresh)
    return set_state(h, "stale", "warn");
  if (strcmp(h->hist_outcome, "ok") != 0 || h->now - h->hist_watermark > hist_behind)
    return set_state(h, "catching up", "warn");
  set_state(h, "healthy", "ok");
}

int wl_health_get(wl_health *h, wl_store *st, const wl_source *src, int64_t now)
{
  int rc;
  memset(h, 0, sizeof(*h));
  h->now = now;
  wl_last_poll_get(&h->rt_last_ok, st, src->id);
  wl_watermark_get(&h->hist_watermark, st, src->id);
  rc = wl_source_runs(st, src->id, RUNS_SCANNED, scan_run, h);
  if (h->hist_watermark > 0 && now > h->hist_watermark)
    h->windows_behind = (now - h->hist_watermark) / WL_BACKFILL_CHUNK_S;
  decide(h, st, src);
  return rc;
}
