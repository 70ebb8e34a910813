#include "core/collector.h"
#include "core/runs.h"
#include "core/metrics.h"
#include "util/sdnotify.h"
#include "core/settings.h"
#include "core/job.h"
#include "core/stream.h"
#include "util/array.h"
#include "util/err.h"
#include "util/log.h"
#include "util/timeutil.h"

#include <curl/curl.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct wl_collector {
  wl_app *app;
  int64_t heartbeat_due_ms; /* run_job: next "process:" heartbeat (core/runs.h) */
  int heartbeat_set;
  CURLM *multi;
  volatile sig_atomic_t *stop;
  volatile sig_atomic_t *reload; /* serve: re-read the sources now (SIGHUP) */
  wl_job **jobs;
  size_t njobs, capjobs;
  wl_streams *streams;  /* serve only: the event streams' thread */
};

static int64_t mono_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int wl_collector_new(wl_collector **out, wl_app *app, volatile sig_atomic_t *stop)
{
  wl_collector *c = calloc(1, sizeof(*c));
  if (!c)
    return wl_err(WL_ENOMEM, "out of memory");
  curl_global_init(CURL_GLOBAL_DEFAULT);
  c->app = app;
  c->stop = stop;
  c->multi = curl_multi_init();
  if (!c->multi) {
    free(c);
    return wl_err(WL_EFAIL, "cannot start the HTTP client");
  }
  *out = c;
  return 0;
}

void wl_collector_watch_reload(wl_collector *c, volatile sig_atomic_t *reload)
{
  c->reload = reload;
}

void wl_collector_free(wl_collector *c)
{
  if (!c)
    return;
  wl_streams_free(c->streams); /* before the multi handle it wakes */
  if (c->heartbeat_set)
    wl_process_heartbeat_clear(c->app);
  for (size_t i = 0; i < c->njobs; i++) {
    if (c->jobs[i]->req)
      curl_multi_remove_handle(c->multi, c->jobs[i]->req->easy);
    wl_job_free(c->jobs[i]);
  }
  free(c->jobs);
  curl_multi_cleanup(c->multi);
  free(c);
}

static int add_job(wl_collector *c, wl_job *j)
{
  if (wl_array_reserve(&c->jobs, &c->capjobs, c->njobs, sizeof(*c->jobs), 16))
    return WL_ENOMEM;
  c->jobs[c->njobs++] = j;
  return 0;
}

static void drop_job(wl_collector *c, size_t i)
{
  wl_job *j = c->jobs[i];
  if (j->req) {
    curl_multi_remove_handle(c->multi, j->req->easy);
    wl_8x8_req_free(j->req);
    j->req = NULL;
  }
  c->jobs[i] = c->jobs[--c->njobs];
}

static void start_due_requests(wl_collector *c, int64_t now_ms)
{
  for (size_t i = 0; i < c->njobs; i++) {
    wl_job *j = c->jobs[i];
    if (j->finished || j->req || now_ms < j->wait_until_ms)
      continue;
    if (wl_job_start_request(j) == 0)
      curl_multi_add_handle(c->multi, j->req->easy);
  }
}

/* Hands finished transfers to their jobs; returns how many there were. */
static int collect_completions(wl_collector *c)
{
  CURLMsg *msg;
  int left, n = 0;
  while ((msg = curl_multi_info_read(c->multi, &left)) != NULL) {
    wl_8x8_req *r = NULL;
    if (msg->msg != CURLMSG_DONE)
      continue;
    curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&r);
    curl_multi_remove_handle(c->multi, msg->easy_handle);
    wl_job_request_done(r->user, msg->data.result, mono_ms());
    n++;
  }
  return n;
}

/* Abandons every unfinished job (their windows are not stored). */
static void abandon_all(wl_collector *c)
{
  for (size_t i = 0; i < c->njobs; i++)
    if (!c->jobs[i]->finished)
      wl_job_abandon(c->jobs[i]);
}

/* One turn of the loop: start what is due, move transfers, handle answers. */
static void loop_turn(wl_collector *c, int max_wait_ms)
{
  int running = 0;
  int64_t now = mono_ms();
  int wait = max_wait_ms;
  start_due_requests(c, now);
  curl_multi_perform(c->multi, &running);
  /* a finished transfer may have finished a job or made its next request
   * due: go round again at once instead of sleeping in the poll (a backfill
   * lost 0.2 s per window here) */
  if (collect_completions(c) > 0)
    wait = 0;
  for (size_t i = 0; i < c->njobs; i++) {
    wl_job *j = c->jobs[i];
    if (!j->finished && !j->req) {
      int64_t w = j->wait_until_ms - now;
      if (w < wait)
        wait = w < 0 ? 0 : (int)w;
    }
  }
  curl_multi_poll(c->multi, NULL, 0, wait, NULL);
}

/* backfill and collect: the heartbeat that tells other processes this
 * one's runs are live, renewed every third of its lifetime */
static void keep_heartbeat(wl_collector *c)
{
  int64_t now = mono_ms(), ttl;
  if (now < c->heartbeat_due_ms) /* every loop turn: only a clock read */
    return;
  ttl = wl_heartbeat_ttl_s();
  if (wl_process_heartbeat(c->app, ttl) == 0) {
    c->heartbeat_set = 1;
    c->heartbeat_due_ms = now + ttl * 1000 / 3;
  } else {
    c->heartbeat_due_ms = now + 1000; /* a busy database: try again soon */
  }
}

/* Runs one job to its end (or until *stop) and returns its result. */
static int run_job(wl_collector *c, wl_job *j)
{
  int rc;
  if ((rc = add_job(c, j)) != 0) {
    wl_job_free(j);
    return rc;
  }
  while (!j->finished) {
    if (c->stop && *c->stop) {
      abandon_all(c);
      break;
    }
    keep_heartbeat(c);
    loop_turn(c, 200);
  }
  rc = j->rc;
  if (rc)
    wl_err(rc, "%s", j->err);
  for (size_t i = 0; i < c->njobs; i++)
    if (c->jobs[i] == j)
      drop_job(c, i);
  wl_job_free(j);
  return rc;
}

int wl_collect_realtime_once(wl_collector *c, const wl_source *src)
{
  wl_job *j;
  int rc;
  keep_heartbeat(c); /* before the run is recorded */
  rc = wl_job_new_realtime(&j, c->app, src, 1);
  return rc ? rc : run_job(c, j);
}

static void trailing_window(int64_t *from, int64_t *to, wl_store *st, const wl_source *src)
{
  int64_t repull = wl_source_setting_int(st, src, "repull-window-s");
  *to = wl_interval_floor(wl_now());
  *from = *to - wl_interval_ceil(repull);
}

int wl_collect_historical_once(wl_collector *c, const wl_source *src)
{
  int64_t from, to;
  wl_job *j;
  int rc;
  trailing_window(&from, &to, c->app->st, src);
  keep_heartbeat(c); /* before the run is recorded */
  rc = wl_job_new_window(&j, c->app, src, from, to, "historical", 1);
  return rc ? rc : run_job(c, j);
}

int wl_collect_backfill(wl_collector *c, const wl_source *src, int64_t from, int64_t to,
                        wl_progress_fn progress, void *payload)
{
  int64_t start = wl_interval_floor(from), end = wl_interval_ceil(to);
  /* 8x8 has nothing after now: the range stops at the current interval */
  if (end > wl_interval_ceil(wl_now()))
    end = wl_interval_ceil(wl_now());
  if (start >= end)
    return wl_err(WL_EUSAGE, "--from is in the future: nothing to backfill");
  int total = (int)((end - start + WL_BACKFILL_CHUNK_S - 1) / WL_BACKFILL_CHUNK_S), done = 0;
  for (int64_t w = start; w < end; w += WL_BACKFILL_CHUNK_S, done++) {
    int64_t we = w + WL_BACKFILL_CHUNK_S < end ? w + WL_BACKFILL_CHUNK_S : end;
    wl_job *j;
    int rc;
    if (c->stop && *c->stop)
      return wl_err(WL_EINTR, "interrupted: %d of %d windows stored; rerun to complete", done, total);
    keep_heartbeat(c); /* before the run is recorded */
    if ((rc = wl_job_new_window(&j, c->app, src, w, we, "backfill", 1)) != 0)
      return rc;
    rc = run_job(c, j);
    if (rc == 0 && c->stop && *c->stop)
      rc = WL_EINTR;
    if (rc) {
      char a[WL_ISO_LEN], b[WL_ISO_LEN];
      wl_tz *tz = NULL;
      wl_tz_load(&tz, src->timezone);
      wl_time_format(a, sizeof(a), w, tz);
      wl_time_format(b, sizeof(b), we, tz);
      wl_tz_free(tz);
      if (rc == WL_EINTR)
        return wl_err(WL_EINTR, "interrupted during window %s .. %s: %d of %d windows stored; "
                      "rerun to complete", a, b, done, total);
      return wl_err_wrap(rc, "window %s .. %s not stored (%d of %d windows stored before it)",
                         a, b, done, total);
    }
    if (progress)
      progress(payload, done + 1, total, w, we, 0);
  }
  return 0;
}

/* ---- the service ---- */

typedef struct src_state {
  wl_source src;
  int seen;             /* still in the store at the last reload */
  int leased;           /* this instance holds the source's lease */
  /* both on the monotonic clock (0: now), so a wall clock step neither
   * stalls nor rushes them; next_hist_ms is planned from a wall boundary */
  int64_t next_rt_ms, next_hist_ms;
  int waits_boundary;              /* next_hist_ms is the next 15-min boundary */
  int64_t wm_seen;                 /* the watermark when last planned */
  wl_job *rt, *hist;
  int rt_fails, hist_fails;
  char stream_host[300];           /* "" when the stream is off */
  int stream_last;                 /* enum wl_stream_mode last noted */
  int64_t max_gap, stream_poll_s;
  wl_rt_backlog *backlog;          /* polls waiting for a busy database (heap:
                                      the array of states may move) */
} src_state;

static void drop_backlog(src_state *ss)
{
  if (ss->backlog)
    wl_rt_backlog_clear(ss->backlog);
  free(ss->backlog);
  ss->backlog = NULL;
}

typedef struct service {
  wl_collector *c;
  int what;
  src_state *s;
  size_t n, cap;
  int64_t next_reload_ms, next_lease_ms;
  char owner[160];      /* this instance, in leases and logs */
  int64_t lease_ttl_s;
  int64_t next_sweep_ms; /* next look for runs of ended processes */
  wl_clockwatch clock;
} service;

#define SERVE_LOCK_WAIT_MS 200

static src_state *find_state(service *sv, int64_t id)
{
  for (size_t i = 0; i < sv->n; i++)
    if (sv->s[i].src.id == id)
      return &sv->s[i];
  return NULL;
}

/* Someone moved the watermark back ("Fill the gaps" on the volume page, or
 * by hand): backfill from there now instead of at the next boundary. */
static void watch_watermark(service *sv, src_state *ss)
{
  int64_t wm;
  if (wl_watermark_get(&wm, sv->c->app->st, ss->src.id) != 0)
    return;
  if (ss->wm_seen && wm < ss->wm_seen) {
    wl_info(ss->src.name, "history requested again from an earlier time; backfilling now");
    ss->next_hist_ms = 0;
  }
  ss->wm_seen = wm;
}

/* The stream settings, re-read with the sources (not every loop turn). */
static void read_stream_settings(service *sv, src_state *ss)
{
  wl_store *st = sv->c->app->st;
  char host[sizeof(ss->stream_host)] = "";
  ss->max_gap = wl_source_setting_int(st, &ss->src, "rt-max-gap-s");
  ss->stream_poll_s = wl_source_setting_int(st, &ss->src, "stream-poll-s");
  if ((sv->what & 1) && wl_source_setting_bool(st, &ss->src, "stream") &&
      wl_stream_host(host, sizeof(host), st, &ss->src) != 0) {
    if (strcmp(ss->stream_host, "!") != 0)
      wl_error(ss->src.name, "event stream on but not started: %s", wl_errmsg());
    snprintf(ss->stream_host, sizeof(ss->stream_host), "!");
    return;
  }
  snprintf(ss->stream_host, sizeof(ss->stream_host), "%s", host);
}

/* Keeps the streams of the sources this instance collects running and
 * notes their state; the poll's interval follows it. */
static void tend_streams(service *sv, int64_t now_ms)
{
  wl_collector *c = sv->c;
  int any = 0;
  for (size_t i = 0; i < sv->n; i++)
    any |= sv->s[i].stream_host[0] && sv->s[i].stream_host[0] != '!';
  if (!any && !c->streams)
    return;
  if (!c->streams && wl_streams_new(&c->streams, c->app, c->multi) != 0) {
    wl_error(NULL, "event streams not started: %s", wl_errmsg());
    return;
  }
  for (size_t i = 0; i < sv->n; i++) {
    src_state *ss = &sv->s[i];
    int on = ss->seen && ss->leased && ss->stream_host[0] && ss->stream_host[0] != '!';
    wl_streams_want(c->streams, &ss->src, on ? ss->stream_host : NULL);
    int m = on || ss->stream_last
                ? (int)wl_streams_mode(c->streams, &ss->src, ss->max_gap, &ss->stream_last)
                : 0;
    /* the stream is not live: back to the normal interval at once */
    if (on && m != WL_STREAM_LIVE && !ss->rt &&
        ss->next_rt_ms > now_ms + (int64_t)ss->src.interval_s * 1000)
      ss->next_rt_ms = now_ms + (int64_t)ss->src.interval_s * 1000;
  }
}

static int reload_cb(void *payload, const wl_source *src)
{
  service *sv = payload;
  src_state *ss = find_state(sv, src->id);
  if (!src->enabled)
    return 0;
  if (!ss) {
    if (wl_array_reserve(&sv->s, &sv->cap, sv->n, sizeof(*sv->s), 8))
      return WL_ENOMEM;
    ss = &sv->s[sv->n++];
    memset(ss, 0, sizeof(*ss));
    /* spread the first polls over one interval, so that many sources do not
     * hit the same 8x8 host at the same moment every interval */
    ss->next_rt_ms = mono_ms() + randombytes_uniform((uint32_t)src->interval_s * 1000u);
    wl_info(src->name, "collecting (real-time every %d s, historical every 15 min)", src->interval_s);
  } else if (ss->src.updated_at != src->updated_at) {
    wl_info(src->name, "settings changed; using them from now on");
  }
  ss->src = *src;
  ss->seen = 1;
  watch_watermark(sv, ss);
  read_stream_settings(sv, ss);
  return 0;
}

/* Picks up sources added, changed, disabled or removed while serving. */
static void reload_sources(service *sv)
{
  size_t i = 0;
  for (i = 0; i < sv->n; i++)
    sv->s[i].seen = 0;
  if (wl_store_source_list(sv->c->app->st, reload_cb, sv) != 0) {
    wl_warn(NULL, "cannot read the sources: %s", wl_errmsg());
    for (i = 0; i < sv->n; i++)
      sv->s[i].seen = 1;
    return;
  }
  for (i = 0; i < sv->n;) {
    if (!sv->s[i].seen && !sv->s[i].rt && !sv->s[i].hist) {
      wl_info(sv->s[i].src.name, "no longer collected (removed or disabled)");
      if (sv->c->streams)
        wl_streams_want(sv->c->streams, &sv->s[i].src, NULL);
      drop_backlog(&sv->s[i]);
      sv->s[i] = sv->s[--sv->n];
    } else {
      i++;
    }
  }
}

/* Failures are logged at 1, 2, 4, 8, ... in a row, then "recovered" once. */
static void note_result(const char *name, const char *what, int *fails, int rc, const char *err)
{
  if (rc == 0) {
    if (*fails)
      wl_info(name, "%s recovered after %d failed attempt%s", what, *fails, *fails > 1 ? "s" : "");
    *fails = 0;
    return;
  }
  (*fails)++;
  if ((*fails & (*fails - 1)) == 0)
    wl_error(name, "%s failed (%d in a row): %s", what, *fails, err);
}

static int64_t next_boundary(const wl_store *st, const wl_source *src, int64_t now)
{
  int64_t delay = wl_source_setting_int((wl_store *)st, src, "hist-delay-s");
  int64_t b = wl_interval_floor(now) + delay;
  return b > now ? b : b + WL_INTERVAL_S;
}

/* The next boundary of the wall clock, as a time of the monotonic clock. */
static void wait_boundary(service *sv, src_state *ss)
{
  int64_t now = wl_now();
  ss->next_hist_ms = mono_ms() + (next_boundary(sv->c->app->st, &ss->src, now) - now) * 1000;
  ss->waits_boundary = 1;
}

int64_t wl_clock_jump_s(wl_clockwatch *w, int64_t wall_s, int64_t mono_now_ms)
{
  int64_t off_ms = (wall_s - w->wall_s) * 1000 - (mono_now_ms - w->mono_ms);
  int primed = w->primed;
  w->wall_s = wall_s;
  w->mono_ms = mono_now_ms;
  w->primed = 1;
  /* wall seconds are whole: up to 1 s of difference is rounding */
  if (!primed || (off_ms < WL_CLOCK_JUMP_MS && off_ms > -WL_CLOCK_JUMP_MS))
    return 0;
  return (off_ms + (off_ms > 0 ? 500 : -500)) / 1000;
}

/* A step of the wall clock (NTP, an administrator, a VM resumed): logged,
 * and the historical pulls waiting for a boundary are planned again from the
 * new wall clock. Real-time starts are never placed after now
 * (wfm/timeline.c), so segments recorded before a step back are kept until
 * the clock passes them. */
static void on_clock_jump(service *sv, int64_t jump_s)
{
  wl_warn(NULL, "the wall clock jumped %s by %lld s (against the monotonic clock); "
          "historical pulls rescheduled on the new time",
          jump_s > 0 ? "forward" : "back", (long long)(jump_s > 0 ? jump_s : -jump_s));
  for (size_t i = 0; i < sv->n; i++)
    if (sv->s[i].waits_boundary)
      wait_boundary(sv, &sv->s[i]);
}

/* The next historical window: the oldest missing one after the watermark,
 * else the trailing window. */
static int plan_window(int64_t *from, int64_t *to, const char **kind, wl_store *st,
                       const wl_source *src)
{
  int64_t tf, tt, wm;
  int64_t min_from = wl_interval_floor(wl_now() - 86400 * wl_source_setting_int(st, src, "backfill-max-days"));
  trailing_window(&tf, &tt, st, src);
  wl_watermark_get(&wm, st, src->id);
  if (wm == 0) {
    /* a new source: its history starts at local midnight of today (older
     * days come from `wfmlink backfill`); remembered so the catch-up
     * windows below continue from it */
    wl_tz *tz = NULL;
    if (wl_tz_load(&tz, src->timezone) == 0)
      wm = wl_interval_floor(wl_tz_day_start(tz, wl_now()));
    wl_tz_free(tz);
    if (wl_watermark_set(st, src->id, wm) != 0)
      wl_warn(src->name, "cannot store the watermark: %s", wl_errmsg());
  }
  if (wm < min_from) {
    /* the gap older than the limit is given up for good: the watermark
     * moves to the limit, so the catch-up continues from there */
    wl_warn(src->name, "history before the %lld-day backfill limit is not collected "
            "(use 'wfmlink backfill' for it)",
            (long long)wl_source_setting_int(st, src, "backfill-max-days"));
    wm = min_from;
    if (wl_watermark_set(st, src->id, wm) != 0)
      wl_warn(src->name, "cannot store the watermark: %s", wl_errmsg());
  }
  wm = wl_interval_floor(wm);
  if (wm < tf) {
    *from = wm;
    *to = wm + WL_BACKFILL_CHUNK_S < tf ? wm + WL_BACKFILL_CHUNK_S : tf;
    *kind = "backfill";
  } else {
    *from = tf;
    *to = tt;
    *kind = "historical";
  }
  return 0;
}

static int lease_job(service *sv, wl_job *j)
{
  j->lease_owner = sv->owner;
  j->lease_ttl_s = sv->lease_ttl_s;
  return 1;
}

/* Several instances on one database split the sources through leases: a
 * source is collected only while this instance holds its lease, renewed
 * every third of the TTL, so a dead instance's sources move within about
 * 1.3 TTL (30 s by default; WFMLINK_LEASE_TTL_S for tests).
 *
 * To share the work, each instance also keeps a heartbeat in the global
 * settings ("instance:OWNER" = expiry) and holds at most its fair share,
 * ceil(sources / live instances): it takes free sources up to that share and
 * lets idle extras go, so instances that start later get their part. */
typedef struct live_count {
  int64_t now;
  int live;
  char stale[8][200];
  int nstale;
} live_count;

static int count_instance(void *payload, const char *key, const char *value)
{
  live_count *lc = payload;
  if (strncmp(key, "instance:", 9) != 0)
    return 0;
  if (strtoll(value, NULL, 10) > lc->now)
    lc->live++;
  else if (lc->nstale < 8)
    snprintf(lc->stale[lc->nstale++], sizeof(lc->stale[0]), "%s", key);
  return 0;
}

static int live_instances(service *sv)
{
  wl_store *st = sv->c->app->st;
  live_count lc = {.now = wl_lease_now()};
  char key[200], val[32];
  snprintf(key, sizeof(key), "instance:%s", sv->owner);
  snprintf(val, sizeof(val), "%lld", (long long)(lc.now + sv->lease_ttl_s));
  if (wl_setting_set(st, 0, key, val) != 0 || wl_store_setting_list(st, 0, count_instance, &lc) != 0)
    return 1;
  for (int i = 0; i < lc.nstale; i++)
    wl_setting_set(st, 0, lc.stale[i], NULL);
  return lc.live > 0 ? lc.live : 1;
}

/* Taking a source over (at start-up or from an instance that died), and
 * once a minute while holding it (sweep): its runs still `running` whose
 * process is gone (a killed backfill, a dead instance; core/runs.h) would
 * show as live on the status page forever. */
static void set_leased(service *sv, src_state *ss, int held, int sweep)
{
  int marked = 0;
  if (held != ss->leased)
    wl_info(ss->src.name, held ? "collected by this instance (%s)" : "left to other instances (%s)",
            sv->owner);
  if (held && (!ss->leased || sweep)) {
    if (wl_runs_interrupt_stale(&marked, sv->c->app, ss->src.id) != 0)
      wl_warn(ss->src.name, "cannot close the runs left running: %s", wl_errmsg());
    else if (marked)
      wl_info(ss->src.name, "%d run%s left running by an earlier process marked interrupted",
              marked, marked > 1 ? "s" : "");
  }
  if (!held && !ss->rt)
    drop_backlog(ss); /* another instance continues the timeline */
  ss->leased = held;
  wl_metrics_lease(ss->src.name, held);
}

static void renew_leases(service *sv)
{
  wl_store *st = sv->c->app->st;
  size_t seen = 0, held_count = 0, fair;
  int live = live_instances(sv), sweep = mono_ms() >= sv->next_sweep_ms;
  if (sweep)
    sv->next_sweep_ms = mono_ms() + 60000;
  for (size_t i = 0; i < sv->n; i++)
    seen += sv->s[i].seen;
  fair = (seen + (size_t)live - 1) / (size_t)live;
  /* renew what is held first, then take free sources up to the fair share */
  for (int pass = 0; pass < 2; pass++) {
    for (size_t i = 0; i < sv->n; i++) {
      src_state *ss = &sv->s[i];
      int held = 0;
      if (!ss->seen || ss->leased != (pass == 0) || (pass == 1 && held_count >= fair))
        continue;
      int lrc = wl_store_lease_acquire(st, &held, ss->src.id, sv->owner, wl_lease_now(),
                                       sv->lease_ttl_s);
      if (lrc != 0) {
        /* another process holds the write lock (a long import): the lease
         * stays what it was and is tried again at the next turn; it lasts
         * lease-ttl-s, and every write renews it (issue 16) */
        int busy = lrc == WL_EUNAVAIL;
        wl_warn(ss->src.name, "cannot renew the lease%s: %s", busy ? " now" : "", wl_errmsg());
        held = busy ? ss->leased : 0;
      }
      set_leased(sv, ss, held, sweep);
      held_count += (size_t)held;
    }
  }
  /* more than the share: let idle sources go, never one with work in flight */
  for (size_t i = sv->n; i-- > 0 && held_count > fair;) {
    src_state *ss = &sv->s[i];
    if (!ss->leased || ss->rt || ss->hist)
      continue;
    if (wl_store_lease_release(st, ss->src.id, sv->owner) == 0) {
      set_leased(sv, ss, 0, 0);
      held_count--;
    }
  }
}

/* The instance is the process: its leases and its runs carry one owner. */
static void service_init(service *sv)
{
  snprintf(sv->owner, sizeof(sv->owner), "%s", sv->c->app->owner);
  sv->lease_ttl_s = wl_heartbeat_ttl_s();
}

static void schedule_source(service *sv, src_state *ss, int64_t now_ms)
{
  wl_collector *c = sv->c;
  if (!ss->leased)
    return;
  if ((sv->what & 1) && !ss->rt && now_ms >= ss->next_rt_ms) {
    if (!ss->backlog)
      ss->backlog = calloc(1, sizeof(*ss->backlog));
    if (wl_job_new_realtime(&ss->rt, c->app, &ss->src, 0) == 0 && lease_job(sv, ss->rt) &&
        (ss->rt->backlog = ss->backlog) != NULL && add_job(c, ss->rt) == 0) {
      int64_t every = ss->src.interval_s;
      ss->rt->stream_mode = ss->stream_last;
      if (ss->stream_last == WL_STREAM_LIVE && ss->stream_poll_s > every)
        every = ss->stream_poll_s; /* reconciliation only: less often */
      ss->next_rt_ms = now_ms + every * 1000;
    } else {
      note_result(ss->src.name, "real-time poll", &ss->rt_fails, -1, wl_errmsg());
      wl_job_free(ss->rt);
      ss->rt = NULL;
      ss->next_rt_ms = now_ms + (int64_t)ss->src.interval_s * 1000;
    }
  }
  if ((sv->what & 2) && !ss->hist && now_ms >= ss->next_hist_ms) {
    int64_t from, to;
    const char *kind;
    plan_window(&from, &to, &kind, c->app->st, &ss->src);
    if (wl_job_new_window(&ss->hist, c->app, &ss->src, from, to, kind, 0) != 0 ||
        !lease_job(sv, ss->hist) || add_job(c, ss->hist) != 0) {
      note_result(ss->src.name, "historical pull", &ss->hist_fails, -1, wl_errmsg());
      wl_job_free(ss->hist);
      ss->hist = NULL;
      wait_boundary(sv, ss);
    }
  }
}

static void reap_job(service *sv, src_state *ss, wl_job **slot, int is_rt)
{
  wl_job *j = *slot;
  if (!j || !j->finished)
    return;
  if (j->rc == WL_EINTR) {
    /* shutting down: an abandoned request is not a failure */
  } else if (is_rt) {
    note_result(ss->src.name, "real-time poll", &ss->rt_fails, j->rc, j->err);
    if (j->rc) {
      /* back off: the interval doubles per failure in a row, up to 5 minutes */
      int64_t back = (int64_t)ss->src.interval_s * 1000 << (ss->rt_fails < 5 ? ss->rt_fails : 5);
      ss->next_rt_ms = mono_ms() + (back < 300000 ? back : 300000);
    }
  } else {
    note_result(ss->src.name, "historical pull", &ss->hist_fails, j->rc, j->err);
    if (j->rc == 0 && strcmp(j->run_kind, "backfill") == 0) {
      ss->next_hist_ms = 0; /* catch up without waiting for the next boundary */
      ss->waits_boundary = 0;
    } else if (j->rc == 0) {
      wait_boundary(sv, ss);
    } else {
      /* retry before the next boundary: 30 s, doubling up to 15 minutes
       * (WFMLINK_RETRY_BASE_MS scales it for tests) */
      const char *env = getenv("WFMLINK_RETRY_BASE_MS");
      int64_t base = env && *env ? strtoll(env, NULL, 10) : 1000;
      int64_t back = 30 * base << (ss->hist_fails < 5 ? ss->hist_fails - 1 : 4);
      int64_t retry = mono_ms() + (back < 900000 ? back : 900000);
      wait_boundary(sv, ss);
      if (retry < ss->next_hist_ms) {
        ss->next_hist_ms = retry;
        ss->waits_boundary = 0;
      }
    }
  }
  for (size_t i = 0; i < sv->c->njobs; i++)
    if (sv->c->jobs[i] == j)
      drop_job(sv->c, i);
  wl_job_free(j);
  *slot = NULL;
}

/* Sources are re-read every 30 s (WFMLINK_RELOAD_S overrides, for tests):
 * changes made on the page or the command line apply within a minute. */
static int64_t reload_interval_ms(void)
{
  const char *env = getenv("WFMLINK_RELOAD_S");
  long s = env && *env ? strtol(env, NULL, 10) : 30;
  return (s > 0 ? s : 30) * 1000;
}

int wl_collector_serve(wl_collector *c, int what)
{
  service sv = {.c = c, .what = what};
  service_init(&sv);
  wl_info(NULL, "instance %s", sv.owner);
  /* One thread polls every source: waiting seconds for another process's
   * write lock (a long schedule import) would stop every poll. A short wait,
   * then the poll is kept in memory and stored with the next one (job.c),
   * the lease kept as it was (issue 16). */
  if (wl_store_lock_wait(c->app->st, SERVE_LOCK_WAIT_MS) != 0)
    wl_warn(NULL, "%s", wl_errmsg());
  while (!(c->stop && *c->stop)) {
    int64_t now_ms = mono_ms(), jump = wl_clock_jump_s(&sv.clock, wl_now(), now_ms);
    if (jump)
      on_clock_jump(&sv, jump);
    if (c->reload && *c->reload) {
      *c->reload = 0;
      wl_info(NULL, "SIGHUP: reading the sources again");
      sv.next_reload_ms = 0;
    }
    if (now_ms >= sv.next_reload_ms) {
      reload_sources(&sv);
      sv.next_reload_ms = now_ms + reload_interval_ms();
      sv.next_lease_ms = 0;
    }
    if (now_ms >= sv.next_lease_ms) {
      renew_leases(&sv);
      sv.next_lease_ms = now_ms + sv.lease_ttl_s * 1000 / 3;
    }
    tend_streams(&sv, now_ms);
    for (size_t i = 0; i < sv.n; i++)
      if (sv.s[i].seen)
        schedule_source(&sv, &sv.s[i], now_ms);
    loop_turn(c, 250);
    if (c->streams)
      wl_streams_drain(c->streams);
    wl_sd_heartbeat(); /* the systemd watchdog pings while this loop turns */
    for (size_t i = 0; i < sv.n; i++) {
      reap_job(&sv, &sv.s[i], &sv.s[i].rt, 1);
      reap_job(&sv, &sv.s[i], &sv.s[i].hist, 0);
    }
  }
  abandon_all(c);
  for (size_t i = 0; i < sv.n; i++) {
    reap_job(&sv, &sv.s[i], &sv.s[i].rt, 1);
    reap_job(&sv, &sv.s[i], &sv.s[i].hist, 0);
  }
  for (size_t i = 0; i < sv.n; i++)
    drop_backlog(&sv.s[i]);
  free(sv.s);
  if (wl_store_lease_release(c->app->st, 0, sv.owner) != 0)
    wl_warn(NULL, "cannot release the leases: %s", wl_errmsg());
  {
    char key[200];
    snprintf(key, sizeof(key), "instance:%s", sv.owner);
    wl_setting_set(c->app->st, 0, key, NULL);
  }
  wl_info(NULL, "collectors stopped");
  return 0;
}
