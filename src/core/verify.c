#include "core/verify.h"
#include "sources/8x8/client.h" /* the HTTP transport */
#include "sources/driver.h"
#include "util/array.h"
#include "util/err.h"
#include "util/log.h"
#include "util/str.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BUCKET_S 1800

typedef struct bucket {
  int64_t start;
  int64_t e, a, b;           /* 8x8: entered, accepted, abandoned */
  int64_t se, sa, sb;        /* stored sums */
  int seen_8x8;
  int have[2];               /* stored row present for each 15-minute half */
} bucket;

typedef struct vq {
  wl_src_queue q;
  bucket *b;
  size_t n;
  int64_t from;
  int64_t last_page_first;   /* detects servers that ignore n= */
  size_t page_records;
  int dup_page;
} vq;

static int get_with_retry(wl_8x8_req **out, const wl_src_request *rq, const char *token)
{
  int rc = 0;
  for (int attempt = 0; attempt < 4; attempt++) {
    wl_8x8_req *r = NULL;
    if ((rc = wl_8x8_req_new(&r, rq->base_url, rq->path, rq->query[0] ? rq->query : NULL,
                             rq->tenant, token, 30)))
      return rc;
    if ((rc = wl_8x8_req_perform(r)) == 0) {
      *out = r;
      return 0;
    }
    if (!wl_8x8_req_retryable(r, rc) || attempt == 3) {
      wl_8x8_req_free(r);
      return rc;
    }
    sleep((unsigned)(r->retry_after_s > 0 && r->retry_after_s < 30 ? r->retry_after_s : 1 << attempt));
    wl_8x8_req_free(r);
  }
  return rc;
}

typedef struct qlist {
  vq *q;
  size_t n, cap;
} qlist;

static int add_q(void *payload, const wl_src_queue *q)
{
  qlist *l = payload;
  if (wl_array_reserve(&l->q, &l->cap, l->n, sizeof(*l->q), 16))
    return WL_ENOMEM;
  memset(&l->q[l->n], 0, sizeof(vq));
  l->q[l->n++].q = *q;
  return 0;
}

static bucket *bucket_at(vq *q, int64_t t)
{
  int64_t i = (t - q->from) / BUCKET_S;
  if (t < q->from || i < 0 || (size_t)i >= q->n)
    return NULL;
  return &q->b[i];
}

static int add_stat(void *payload, const wl_src_stat *s)
{
  vq *q = payload;
  bucket *b = bucket_at(q, s->start_utc);
  if (q->page_records++ == 0) {
    q->dup_page = s->start_utc == q->last_page_first;
    q->last_page_first = s->start_utc;
  }
  if (!b || q->dup_page)
    return 0;
  b->seen_8x8 = 1;
  b->e = s->entered;
  b->a = s->accepted;
  b->b = s->abandoned;
  return 0;
}

static int add_stored(void *payload, const wl_interval_row *r)
{
  qlist *l = payload;
  for (size_t i = 0; i < l->n; i++) {
    bucket *b;
    if (strcmp(l->q[i].q.queue_id, r->queue_id) != 0 || !(b = bucket_at(&l->q[i], r->start_utc)))
      continue;
    b->se += r->entered;
    b->sa += r->accepted;
    b->sb += r->abandoned;
    b->have[(r->start_utc - b->start) / WL_INTERVAL_S] = 1;
  }
  return 0;
}

static int fetch_buckets(vq *q, const wl_source_driver *drv, const wl_source *src,
                         const char *token, const wl_tz *tz, int64_t from, int64_t to)
{
  q->last_page_first = INT64_MIN;
  for (int64_t n = 1;; n += drv->page_size) {
    wl_src_request rq;
    wl_8x8_req *r = NULL;
    int rc = drv->statistics_request(&rq, src, tz, q->q.queue_id, from, to, n);
    if (rc == 0)
      rc = get_with_retry(&r, &rq, token);
    if (rc != 0)
      return wl_err_wrap(rc, "statistics of queue %s", q->q.queue_id);
    q->page_records = 0;
    rc = drv->parse_statistics(r->body.ptr, r->body.len, add_stat, q);
    wl_8x8_req_free(r);
    if (rc)
      return wl_err_wrap(rc, "statistics of queue %s", q->q.queue_id);
    if (q->page_records < (size_t)drv->page_size || q->dup_page)
      return 0;
  }
}

static void report_bucket(wl_verify_result *res, const vq *q, const bucket *b, const wl_tz *tz,
                          wl_verify_line_fn line, void *payload)
{
  char when[WL_ISO_LEN], msg[768];
  int64_t e = b->seen_8x8 ? b->e : 0, a = b->seen_8x8 ? b->a : 0, ab = b->seen_8x8 ? b->b : 0;
  if (e == b->se && a == b->sa && ab == b->sb)
    return;
  res->disagreements++;
  wl_time_format(when, sizeof(when), b->start, tz);
  snprintf(msg, sizeof(msg),
           "queue %s (%s) 30-minute bucket %s: 8x8 entered %lld accepted %lld abandoned %lld; "
           "stored entered %lld accepted %lld abandoned %lld",
           q->q.queue_id, q->q.name, when, (long long)e, (long long)a, (long long)ab,
           (long long)b->se, (long long)b->sa, (long long)b->sb);
  line(payload, msg);
  for (int h = 0; h < 2; h++) {
    if (b->have[h] || e == 0)
      continue;
    wl_time_format(when, sizeof(when), b->start + h * WL_INTERVAL_S, tz);
    snprintf(msg, sizeof(msg), "queue %s (%s) interval %s: no stored row (not collected?)",
             q->q.queue_id, q->q.name, when);
    line(payload, msg);
  }
}

/* The queue list, page by page; a page that repeats the previous one (a
 * server ignoring n=) ends it. */
static int fetch_queues(qlist *l, const wl_source_driver *drv, const wl_source *src,
                        const char *token)
{
  char prev[64] = "";
  for (int64_t n = 1;; n += drv->page_size) {
    wl_src_request rq;
    wl_8x8_req *r = NULL;
    size_t before = l->n;
    int rc = drv->queues_request(&rq, src, n);
    if (rc == 0)
      rc = get_with_retry(&r, &rq, token);
    if (rc != 0)
      return wl_err_wrap(rc, "queue list");
    rc = drv->parse_queues(r->body.ptr, r->body.len, add_q, l);
    wl_8x8_req_free(r);
    if (rc)
      return wl_err_wrap(rc, "queue list");
    if (l->n > before && n > 1 && strcmp(l->q[before].q.queue_id, prev) == 0) {
      l->n = before;
      return 0;
    }
    if (l->n - before < (size_t)drv->page_size)
      return 0;
    snprintf(prev, sizeof(prev), "%s", l->q[before].q.queue_id);
  }
}

int wl_verify(wl_verify_result *res, wl_app *app, const wl_source *src, int64_t from, int64_t to,
              wl_verify_line_fn line, void *payload)
{
  const wl_source_driver *drv = wl_source_driver_find(src->vendor);
  char *token = NULL;
  wl_tz *tz = NULL;
  qlist l = {0};
  int rc;
  memset(res, 0, sizeof(*res));
  if (!drv)
    return WL_EUSAGE;
  from = from - ((from % BUCKET_S) + BUCKET_S) % BUCKET_S;
  to = to + (BUCKET_S - ((to % BUCKET_S) + BUCKET_S) % BUCKET_S) % BUCKET_S;
  curl_global_init(CURL_GLOBAL_DEFAULT);
  if ((rc = wl_tz_load(&tz, src->timezone)) != 0 ||
      (rc = wl_token_load(&token, app, src, WL_TOKEN_HIST)) != 0 ||
      (rc = fetch_queues(&l, drv, src, token)) != 0)
    goto out;
  for (size_t i = 0; i < l.n && rc == 0; i++) {
    l.q[i].from = from;
    l.q[i].n = (size_t)((to - from) / BUCKET_S);
    if (!(l.q[i].b = calloc(l.q[i].n ? l.q[i].n : 1, sizeof(bucket)))) {
      rc = wl_err(WL_ENOMEM, "out of memory");
      break;
    }
    for (size_t k = 0; k < l.q[i].n; k++)
      l.q[i].b[k].start = from + (int64_t)k * BUCKET_S;
    rc = fetch_buckets(&l.q[i], drv, src, token, tz, from, to);
  }
  if (rc == 0)
    rc = wl_store_intervals_query(app->st, src->id, NULL, from, to, add_stored, &l);
  for (size_t i = 0; i < l.n && rc == 0; i++) {
    res->queues++;
    for (size_t k = 0; k < l.q[i].n; k++) {
      res->buckets++;
      report_bucket(res, &l.q[i], &l.q[i].b[k], tz, line, payload);
    }
  }
out:
  for (size_t i = 0; i < l.n; i++)
    free(l.q[i].b);
  free(l.q);
  wl_token_free(token);
  wl_tz_free(tz);
  return rc;
}
