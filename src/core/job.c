#include "core/job.h"
#include "core/metrics.h"
#include "core/settings.h"
#include "util/array.h"
#include "util/err.h"
#include "util/log.h"
#include "util/str.h"
#include "util/timeutil.h"
#include "wfm/timeline.h"
#include "core/stream.h"
#include "wfm/volume.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int job_alloc(wl_job **out, wl_app *app, const wl_source *src, enum wl_token_kind tk)
{
  wl_job *j = calloc(1, sizeof(*j));
  int rc;
  if (!j)
    return wl_err(WL_ENOMEM, "out of memory");
  j->app = app;
  j->src = *src;
  rc = WL_EUSAGE; /* no driver: wl_source_driver_find said why */
  if (!(j->drv = wl_source_driver_find(src->vendor)) ||
      (rc = wl_tz_load(&j->tz, src->timezone)) != 0 ||
      (rc = wl_token_load(&j->token, app, src, tk)) != 0) {
    wl_job_free(j);
    return rc;
  }
  *out = j;
  return 0;
}

static void begin_run(wl_job *j)
{
  if (j->record_run &&
      wl_store_run_begin_owned(j->app->st, &j->run_id, j->src.id, j->run_kind, j->from, j->to,
                               wl_now(), j->app->owner) != 0)
    wl_warn(j->src.name, "cannot record the run: %s", wl_errmsg());
}

int wl_job_new_realtime(wl_job **out, wl_app *app, const wl_source *src, int interactive)
{
  wl_job *j;
  int rc = job_alloc(&j, app, src, WL_TOKEN_RT);
  if (rc)
    return rc;
  j->kind = WL_JOB_REALTIME;
  j->run_kind = "realtime";
  j->record_run = interactive;
  j->max_attempts = interactive ? 5 : 1;
  begin_run(j);
  *out = j;
  return 0;
}

int wl_job_new_window(wl_job **out, wl_app *app, const wl_source *src, int64_t from, int64_t to,
                      const char *run_kind, int interactive)
{
  wl_job *j;
  int rc = job_alloc(&j, app, src, WL_TOKEN_HIST);
  if (rc)
    return rc;
  j->kind = WL_JOB_WINDOW;
  j->from = from;
  j->to = to;
  j->run_kind = run_kind;
  j->record_run = 1;
  j->next_n = 1;
  j->max_attempts = interactive ? 5 : 3;
  begin_run(j);
  *out = j;
  return 0;
}

void wl_job_free(wl_job *j)
{
  if (!j)
    return;
  wl_token_free(j->token);
  wl_8x8_req_free(j->req);
  wl_tz_free(j->tz);
  free(j->queues);
  free(j->legs);
  free(j);
}

/* A 401/403 needs a person (a new token, the right host): the source is
 * marked so that `source show` and the page say so; the next success clears
 * the mark. */
static void mark_attention(wl_job *j, int rc)
{
  wl_store *st = j->app->st;
  char buf[8], msg[1024], when[WL_ISO_LEN];
  /* one mark per feed: a working real-time feed must not hide a broken
   * historical token */
  const char *key = j->kind == WL_JOB_REALTIME ? "attention-realtime" : "attention-historical";
  if (rc == WL_EAUTH) {
    wl_time_format(when, sizeof(when), wl_now(), j->tz);
    snprintf(msg, sizeof(msg), "since %s: %s%s", when, j->err,
             j->kind == WL_JOB_WINDOW ? " (the historical token: hist-token-file, or the "
                                        "real-time token when none is set)" : "");
    wl_setting_set(st, j->src.id, key, msg);
  } else if (rc == 0 && wl_setting_get(buf, sizeof(buf), st, j->src.id, key) != WL_ENOTFOUND) {
    wl_setting_set(st, j->src.id, key, NULL);
  }
}

static void finish(wl_job *j, int rc, const char *outcome)
{
  j->finished = 1;
  j->rc = rc;
  if (rc)
    snprintf(j->err, sizeof(j->err), "%s", wl_errmsg());
  mark_attention(j, rc);
  if (j->kind == WL_JOB_REALTIME)
    wl_metrics_rt_poll(j->src.name, rc, j->agents_seen, j->rows);
  else
    wl_metrics_window(j->src.name, j->run_kind, rc, j->rows);
  if (j->run_id &&
      wl_store_run_end(j->app->st, j->run_id, wl_now(), outcome, j->pages, j->rows,
                          (int)j->last_status, rc ? j->err : "") != 0)
    wl_warn(j->src.name, "cannot record the run: %s", wl_errmsg());
}

void wl_job_abandon(wl_job *j)
{
  if (j->req)
    j->last_status = 0; /* the request in flight never answered */
  wl_8x8_req_free(j->req);
  j->req = NULL;
  wl_err(WL_EINTR, "interrupted before the answer was complete; nothing of this window stored");
  finish(j, WL_EINTR, "interrupted");
}

static long timeout_s(const wl_job *j)
{
  if (j->kind == WL_JOB_REALTIME) {
    long t = j->max_attempts > 1 ? 10 : (long)j->src.interval_s * 3 / 4;
    return t < 2 ? 2 : t > 30 ? 30 : t;
  }
  return (long)wl_source_setting_int(j->app->st, &j->src, "http-timeout-s");
}

int wl_job_start_request(wl_job *j)
{
  wl_src_request rq;
  int rc;
  if (j->kind == WL_JOB_REALTIME)
    rc = j->drv->realtime_request(&rq, &j->src);
  else if (j->phase == 0)
    rc = j->drv->queues_request(&rq, &j->src, j->next_n);
  else
    rc = j->drv->window_request(&rq, &j->src, j->tz, j->from, j->to, j->next_n);
  if (rc == 0)
    rc = wl_8x8_req_new(&j->req, rq.base_url, rq.path, rq.query[0] ? rq.query : NULL,
                        rq.tenant, j->token, timeout_s(j));
  if (rc) {
    finish(j, rc, "error");
    return rc;
  }
  j->req->user = j;
  return 0;
}

static int64_t backoff_ms(const wl_job *j, const wl_8x8_req *r)
{
  const char *env = getenv("WFMLINK_RETRY_BASE_MS");
  int64_t base = env && *env ? strtoll(env, NULL, 10) : 1000;
  int64_t d = base << (j->attempt < 6 ? j->attempt : 6);
  if (d > 30000)
    d = 30000;
  /* jitter: instances retrying the same host spread out */
  d = d / 2 + (d > 1 ? (int64_t)randombytes_uniform((uint32_t)(d / 2 + 1)) : 0);
  if (r->retry_after_s >= 0) {
    int64_t ra = (r->retry_after_s > 120 ? 120 : r->retry_after_s) * 1000;
    if (ra > d)
      d = ra;
  }
  return d;
}

int64_t wl_lease_now(void)
{
  return (int64_t)time(NULL);
}

/* Renewing the lease inside the write transaction locks its row, so an
 * instance that lost the source to another one stores nothing. */
static int check_lease(wl_job *j)
{
  int held = 0, rc;
  if (!j->lease_owner)
    return 0;
  rc = wl_store_lease_acquire(j->app->st, &held, j->src.id, j->lease_owner, wl_lease_now(),
                                 j->lease_ttl_s);
  if (rc == 0 && !held)
    rc = wl_err(WL_EFAIL, "another instance collects this source now; nothing stored");
  return rc;
}

/* ---- real-time ---- */

typedef struct snapshot {
  wl_rt_agent *a;
  size_t n, cap;
} snapshot;

static int add_agent(void *payload, const wl_rt_agent *a)
{
  snapshot *s = payload;
  if (wl_array_reserve(&s->a, &s->cap, s->n, sizeof(*s->a), 64))
    return WL_ENOMEM;
  s->a[s->n++] = *a;
  return 0;
}

typedef struct open_rows {
  wl_state_row *r;
  char (*agent)[128];
  char (*state)[16];
  char (*code)[16];
  size_t n, cap;
} open_rows;

static int add_open(void *payload, const wl_state_row *row)
{
  open_rows *o = payload;
  if (o->n == o->cap) {
    /* four parallel arrays grow together */
    size_t c1 = o->cap, c2 = o->cap, c3 = o->cap, c4 = o->cap;
    if (wl_array_reserve(&o->r, &c1, o->n, sizeof(*o->r), 64) ||
        wl_array_reserve(&o->agent, &c2, o->n, sizeof(*o->agent), 64) ||
        wl_array_reserve(&o->state, &c3, o->n, sizeof(*o->state), 64) ||
        wl_array_reserve(&o->code, &c4, o->n, sizeof(*o->code), 64))
      return WL_ENOMEM;
    o->cap = c4;
  }
  snprintf(o->agent[o->n], sizeof(o->agent[0]), "%s", row->agent_id);
  snprintf(o->state[o->n], sizeof(o->state[0]), "%s", row->state);
  snprintf(o->code[o->n], sizeof(o->code[0]), "%s", row->vendor_code);
  o->r[o->n] = *row;
  o->n++;
  return 0;
}

static void open_rows_free(open_rows *o)
{
  free(o->r);
  free(o->agent);
  free(o->state);
  free(o->code);
}

/* With a live event stream the poll reconciles; while the stream catches
 * up it writes nothing; otherwise it builds the timeline (core/stream.h). */
static int snapshot_ops(wl_timeline_ops *ops, wl_job *j, const open_rows *o, int64_t last_ok,
                        const wl_rt_agent *a, size_t n, int64_t now)
{
  wl_store *st = j->app->st;
  if (j->stream_mode == WL_STREAM_LIVE)
    return wl_stream_reconcile(ops, st, &j->src, o->r, o->n, a, n, last_ok, now);
  if (j->stream_mode == WL_STREAM_WAIT) {
    memset(ops, 0, sizeof(*ops));
    return 0;
  }
  return wl_timeline_step(ops, o->r, o->n, last_ok, a, n, now,
                          wl_source_setting_int(st, &j->src, "rt-max-gap-s"));
}

/* One poll's changes, inside the caller's transaction. */
static int apply_snapshot(wl_job *j, const wl_rt_agent *a, size_t n, int64_t now)
{
  wl_store *st = j->app->st;
  open_rows o = {0};
  wl_timeline_ops ops = {0};
  wl_agent_row *agents = calloc(n ? n : 1, sizeof(*agents));
  int64_t last_ok = 0;
  int rc;
  if (!agents)
    return wl_err(WL_ENOMEM, "out of memory");
  for (size_t i = 0; i < n; i++)
    agents[i] = (wl_agent_row){a[i].agent_id, a[i].name, a[i].group_id};
  if ((rc = wl_store_states_open(st, j->src.id, add_open, &o)) != 0)
    goto out;
  for (size_t i = 0; i < o.n; i++) {
    o.r[i].agent_id = o.agent[i];
    o.r[i].state = o.state[i];
    o.r[i].vendor_code = o.code[i];
  }
  wl_last_poll_get(&last_ok, st, j->src.id);
  if ((rc = snapshot_ops(&ops, j, &o, last_ok, a, n, now)) != 0 ||
      (rc = wl_store_agents_upsert(st, j->src.id, agents, n)) != 0 ||
      (rc = wl_store_states_apply(st, j->src.id, ops.ops, ops.n)) != 0 ||
      (rc = wl_last_poll_set(st, j->src.id, now)) != 0)
    goto out;
  j->rows += (int64_t)ops.n;
out:
  wl_timeline_ops_free(&ops);
  open_rows_free(&o);
  free(agents);
  return rc;
}

void wl_rt_backlog_clear(wl_rt_backlog *b)
{
  for (size_t i = 0; i < b->n; i++)
    free(b->polls[i].a);
  free(b->polls);
  memset(b, 0, sizeof(*b));
}

/* The database was busy: the poll waits in memory (takes s->a). */
static int keep_poll(wl_job *j, snapshot *s, int64_t now)
{
  wl_rt_backlog *b = j->backlog;
  if (b->n == WL_RT_BACKLOG_MAX) {
    free(b->polls[0].a);
    memmove(b->polls, b->polls + 1, (b->n - 1) * sizeof(*b->polls));
    b->n--;
    wl_warn(j->src.name, "database busy for %d polls: the oldest waiting poll is dropped",
            WL_RT_BACKLOG_MAX);
  }
  if (wl_array_reserve(&b->polls, &b->cap, b->n, sizeof(*b->polls), 8))
    return wl_err(WL_ENOMEM, "out of memory");
  b->polls[b->n++] = (wl_rt_held){s->a, s->n, now};
  s->a = NULL;
  wl_warn(j->src.name, "%s; the poll is kept in memory (%zu waiting)", wl_errmsg(), b->n);
  return 0;
}

/* The polls that waited for the lock, then this one, in one transaction. */
static int store_snapshot(wl_job *j, snapshot *s, int64_t now)
{
  wl_store *st = j->app->st;
  wl_rt_backlog *b = j->backlog;
  size_t waiting = b ? b->n : 0;
  int rc = wl_store_begin(st);
  j->rows = 0;
  if (rc == 0) {
    rc = check_lease(j);
    for (size_t i = 0; rc == 0 && i < waiting; i++)
      rc = apply_snapshot(j, b->polls[i].a, b->polls[i].n, b->polls[i].now);
    if (rc == 0)
      rc = apply_snapshot(j, s->a, s->n, now);
    rc = rc ? (wl_store_rollback(st), rc) : wl_store_commit(st);
  }
  if (rc == WL_EUNAVAIL && b)
    return keep_poll(j, s, now);
  if (rc == 0 && waiting) {
    wl_info(j->src.name, "stored %zu poll%s kept while the database was busy", waiting,
            waiting > 1 ? "s" : "");
    wl_rt_backlog_clear(b);
  }
  return rc;
}

static double mono_s(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int handle_realtime(wl_job *j)
{
  snapshot s = {0};
  size_t skipped = 0;
  int64_t now = wl_now();
  int rc = j->drv->parse_realtime(j->req->body.ptr, j->req->body.len, add_agent, &s, &skipped);
  if (rc == 0) {
    if (skipped)
      wl_warn(j->src.name, "skipped %zu agent record%s without agent-id", skipped,
              skipped > 1 ? "s" : "");
    double t0 = mono_s();
    j->agents_seen = (int64_t)s.n;
    rc = store_snapshot(j, &s, now);
    wl_metrics_store_tx(mono_s() - t0);
    if (rc)
      rc = wl_err_wrap(rc, "storing agent states");
  }
  free(s.a);
  if (rc == 0) {
    j->pages = 1;
    finish(j, 0, "ok");
  }
  return rc;
}

/* ---- historical ---- */

static int add_queue(void *payload, const wl_src_queue *q)
{
  wl_job *j = payload;
  if (wl_array_reserve(&j->queues, &j->capqueues, j->nqueues, sizeof(*j->queues), 16))
    return WL_ENOMEM;
  j->queues[j->nqueues++] = *q;
  return 0;
}

static int add_leg(void *payload, const wl_leg *leg)
{
  wl_job *j = payload;
  if (wl_array_reserve(&j->legs, &j->caplegs, j->nlegs, sizeof(*j->legs), 256))
    return WL_ENOMEM;
  j->legs[j->nlegs++] = *leg;
  return 0;
}

/* Legs name their queue; rows are keyed by queue-id (through /stats/queues).
 * A queue missing from that list keeps its name as id, so no contact is lost. */
static void map_queues(wl_job *j)
{
  for (size_t i = 0; i < j->nlegs; i++) {
    wl_leg *l = &j->legs[i];
    size_t q;
    if (l->queue_id[0])
      continue;
    for (q = 0; q < j->nqueues; q++)
      if (strcmp(j->queues[q].name, l->queue_name) == 0)
        break;
    snprintf(l->queue_id, sizeof(l->queue_id), "%.63s",
             q < j->nqueues ? j->queues[q].queue_id : l->queue_name);
  }
}

static int update_watermark(wl_job *j, int64_t final_edge)
{
  wl_store *st = j->app->st;
  int64_t wm, nw;
  wl_watermark_get(&wm, st, j->src.id);
  /* only a window that continues the stored history moves the watermark */
  if (wm == 0 ? strcmp(j->run_kind, "historical") != 0 : j->from > wm)
    return 0;
  nw = j->to < final_edge ? j->to : final_edge;
  if (nw <= wm)
    return 0;
  return wl_watermark_set(st, j->src.id, nw);
}

/* Rows become final once older than the re-pull window, but only up to the
 * watermark: history before it was read again after 8x8 completed it (the
 * catch-up re-reads everything after the watermark), while a row after it
 * may hold late columns that a missed pull never completed. */
static int finalize_rows(wl_job *j, int64_t final_edge)
{
  wl_store *st = j->app->st;
  int64_t wm, edge;
  wl_watermark_get(&wm, st, j->src.id);
  edge = wm < final_edge ? wm : final_edge;
  return edge > 0 ? wl_store_intervals_finalize(st, j->src.id, edge - WL_INTERVAL_S + 1) : 0;
}

static int store_window(wl_job *j)
{
  wl_store *st = j->app->st;
  wl_volume_row *vr = NULL;
  wl_interval_row *rows = NULL;
  wl_queue_row *qr = calloc(j->nqueues ? j->nqueues : 1, sizeof(*qr));
  size_t n = 0;
  int64_t now = wl_now();
  int64_t repull = wl_source_setting_int(st, &j->src, "repull-window-s");
  int64_t final_edge = wl_interval_floor(now - repull);
  int rc;
  map_queues(j);
  if (!qr || (rc = wl_volume_aggregate(&vr, &n, j->legs, j->nlegs, j->from, j->to)) != 0) {
    rc = qr ? rc : wl_err(WL_ENOMEM, "out of memory");
    goto out;
  }
  if (!(rows = calloc(n ? n : 1, sizeof(*rows)))) {
    rc = wl_err(WL_ENOMEM, "out of memory");
    goto out;
  }
  for (size_t i = 0; i < n; i++)
    rows[i] = (wl_interval_row){vr[i].queue_id, vr[i].start_utc, vr[i].entered, vr[i].accepted,
                                vr[i].abandoned, vr[i].handle_time_s, vr[i].wait_time_s,
                                vr[i].start_utc + WL_INTERVAL_S <= final_edge, now};
  for (size_t i = 0; i < j->nqueues; i++)
    qr[i] = (wl_queue_row){j->queues[i].queue_id, j->queues[i].name, j->queues[i].media_type};
  if ((rc = wl_store_begin(st)) != 0)
    goto out;
  if ((rc = check_lease(j)) != 0 || (rc = wl_store_queues_upsert(st, j->src.id, qr, j->nqueues)) != 0 ||
      (rc = wl_store_intervals_replace(st, j->src.id, j->from, j->to, rows, n)) != 0 ||
      (rc = update_watermark(j, final_edge)) != 0 || (rc = finalize_rows(j, final_edge)) != 0) {
    wl_store_rollback(st);
    goto out;
  }
  rc = wl_store_commit(st);
  j->rows = (int64_t)n;
out:
  free(vr);
  free(rows);
  free(qr);
  return rc;
}

/* A server that ignores n= would send the first page forever: a page that
 * starts with the same record as the previous one ends the paging. */
static int same_page_again(wl_job *j, const char *first)
{
  int again = j->next_n > 1 && strcmp(first, j->page_first) == 0;
  wl_strlcpy(j->page_first, sizeof(j->page_first), first);
  if (again)
    wl_warn(j->src.name, "8x8 answered n=%lld with the previous page again; paging stops",
            (long long)j->next_n);
  return again;
}

/* The queue list, paged like the interactions. */
static int handle_queue_page(wl_job *j)
{
  size_t before = j->nqueues;
  int rc = j->drv->parse_queues(j->req->body.ptr, j->req->body.len, add_queue, j);
  size_t got;
  if (rc) {
    j->nqueues = before;
    return wl_err_wrap(rc, "queue list");
  }
  got = j->nqueues - before;
  if (got >= (size_t)j->drv->page_size && !same_page_again(j, j->queues[before].queue_id)) {
    j->next_n += (int64_t)got;
    return 0;
  }
  if (got && j->next_n > 1 && strcmp(j->queues[before].queue_id, j->page_first) == 0)
    j->nqueues = before; /* the repeated page adds nothing */
  j->phase = 1;
  j->next_n = 1;
  j->page_first[0] = '\0';
  return 0;
}

/* A window's records are kept until its last page (it is stored whole), so
 * an answer that pages without end would grow without bound (20,000 pages:
 * 0.5 GB): at most WINDOW_MAX_MB of records per window (about 137,000
 * interaction legs per 6-hour window; WFMLINK_WINDOW_MAX_MB lowers it for
 * tests), then the window fails, not retried (issue 16). */
#define WINDOW_MAX_MB 64

static int window_too_big(wl_job *j)
{
  const char *env = getenv("WFMLINK_WINDOW_MAX_MB");
  long long mb = env && *env ? strtoll(env, NULL, 10) : WINDOW_MAX_MB;
  size_t bytes = j->nlegs * sizeof(*j->legs) + j->nqueues * sizeof(*j->queues);
  char a[WL_ISO_LEN], b[WL_ISO_LEN];
  if (mb <= 0 || bytes <= (size_t)mb * 1024 * 1024)
    return 0;
  wl_time_format(a, sizeof(a), j->from, j->tz);
  wl_time_format(b, sizeof(b), j->to, j->tz);
  wl_err(WL_EFAIL, "window %s .. %s: more than %lld MB of interaction records (%zu records in "
         "%lld pages): 8x8 does not stop paging, or the window is too large; nothing of it "
         "stored",
         a, b, mb, j->nlegs, (long long)j->pages);
  free(j->legs);
  j->legs = NULL;
  j->nlegs = j->caplegs = 0;
  finish(j, WL_EFAIL, "error");
  return WL_EFAIL;
}

static int handle_window(wl_job *j)
{
  size_t nrec = 0, skipped = 0, before = j->nlegs;
  int64_t next_n = j->next_n;
  char first[128];
  int rc, more;
  if (j->phase == 0)
    return handle_queue_page(j);
  rc = j->drv->parse_window(j->req->body.ptr, j->req->body.len, add_leg, j, &nrec, &skipped);
  if (rc) {
    j->nlegs = before; /* the page is read again whole */
    return wl_err_wrap(rc, "interactions page n=%lld", (long long)j->next_n);
  }
  j->pages++;
  j->skipped += skipped;
  if (window_too_big(j))
    return WL_EFAIL;
  if ((more = j->drv->next_page(&next_n, nrec, j->pages)) < 0)
    return more;
  if (more) {
    snprintf(first, sizeof(first), "%s/%s/%lld", j->nlegs > before ? j->legs[before].interaction_id : "",
             j->nlegs > before ? j->legs[before].trans_rec_num : "",
             (long long)(j->nlegs > before ? j->legs[before].create_ts : 0));
    if (j->nlegs == before || !same_page_again(j, first)) {
      j->next_n = next_n;
      return 0;
    }
    j->nlegs = before;
  }
  if (j->skipped)
    wl_warn(j->src.name, "skipped %zu interaction record%s without id or create time",
            j->skipped, j->skipped > 1 ? "s" : "");
  double t0 = mono_s();
  rc = store_window(j);
  wl_metrics_store_tx(mono_s() - t0);
  if (rc != 0)
    return wl_err_wrap(rc, "storing the window");
  finish(j, 0, "ok");
  return 0;
}

void wl_job_request_done(wl_job *j, CURLcode cc, int64_t now_ms)
{
  wl_8x8_req *r = j->req;
  int rc = wl_8x8_req_result(r, cc);
  enum wl_metrics_api api = j->kind == WL_JOB_REALTIME ? WL_API_RTSTATS
                            : j->phase == 0            ? WL_API_QUEUES
                                                       : WL_API_INTERACTIONS;
  curl_off_t us = 0;
  curl_easy_getinfo(r->easy, CURLINFO_TOTAL_TIME_T, &us);
  wl_metrics_http(j->src.name, api, (double)us / 1e6);
  j->last_status = r->status;
  if (rc == 0) {
    rc = j->kind == WL_JOB_REALTIME ? handle_realtime(j) : handle_window(j);
    if (rc == 0)
      j->attempt = 0;
  }
  if (rc && !j->finished) {
    j->attempt++;
    if (j->attempt < j->max_attempts && wl_8x8_req_retryable(r, rc)) {
      int64_t wait = backoff_ms(j, r);
      wl_metrics_retry(j->src.name, api);
      wl_warn(j->src.name, "%s; retrying in %.1f s (attempt %d of %d)", wl_errmsg(),
              (double)wait / 1000.0, j->attempt + 1, j->max_attempts);
      j->wait_until_ms = now_ms + wait;
    } else {
      finish(j, rc, "error");
    }
  }
  wl_8x8_req_free(r);
  j->req = NULL;
}
