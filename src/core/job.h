#ifndef WL_CORE_JOB_H
#define WL_CORE_JOB_H
/*
 * One unit of collection work, driven by core/collector.c's curl multi loop:
 * a real-time poll (one request), or a historical window (the queue list,
 * then the interactions page by page). What to request and how to read the
 * answers is the source's driver (sources/driver.h); a job owns the
 * retries (capped exponential backoff with jitter, Retry-After honoured;
 * pages already read are kept, so a retry repeats one page), the lease
 * checks and the transactions that store what was read.
 */
#include <curl/curl.h>
#include <stdint.h>
#include "core/app.h"
#include "sources/8x8/client.h" /* the HTTP transport */
#include "sources/driver.h"
#include "util/tz.h"

enum wl_job_kind { WL_JOB_REALTIME, WL_JOB_WINDOW };

/* Real-time polls read while another process held the database's write
 * lock: kept in memory, oldest first, and stored with the next poll that
 * gets the lock, so a long import never costs polls (issue 16). */
typedef struct wl_rt_held {
  wl_rt_agent *a;
  size_t n;
  int64_t now;             /* the poll's response time */
} wl_rt_held;
typedef struct wl_rt_backlog {
  wl_rt_held *polls;
  size_t n, cap;
} wl_rt_backlog;
/* At most this many polls wait (10 minutes at the default 10 s interval);
 * beyond it the oldest is dropped and the timeline shows the gap. */
#define WL_RT_BACKLOG_MAX 60
void wl_rt_backlog_clear(wl_rt_backlog *b);

typedef struct wl_job {
  enum wl_job_kind kind;
  wl_app *app;
  wl_source src;
  const wl_source_driver *drv; /* the source's vendor: requests and answers */
  wl_tz *tz;               /* the source's zone, for d= and tz= */
  char *token;
  int64_t from, to;        /* window */
  const char *run_kind;    /* "realtime" | "historical" | "backfill" */
  int record_run;          /* real-time polls record a run only on demand */
  int64_t run_id;
  int phase;               /* window: 0 queue list, 1 interaction pages */
  int64_t next_n;          /* 1-based index of the next page's first record */
  char page_first[128];    /* first record of the previous page */
  wl_src_queue *queues;
  size_t nqueues, capqueues;
  wl_leg *legs;
  size_t nlegs, caplegs, skipped;
  int attempt, max_attempts;
  int64_t wait_until_ms;
  wl_8x8_req *req;
  int64_t pages, rows;
  int64_t agents_seen;     /* real-time: agents in the answer (metrics) */
  long last_status;
  int finished, rc;
  char err[768];
  const char *lease_owner; /* serve: writes only while this instance holds the
                              source's lease (NULL: no lease, CLI commands) */
  int64_t lease_ttl_s;
  int stream_mode;         /* real-time: enum wl_stream_mode (core/stream.h);
                              0 = no stream, the poll builds the timeline */
  wl_rt_backlog *backlog;  /* serve: where a poll waits for a busy database
                              (NULL: a busy database fails the poll) */
} wl_job;

/* Leases are about process liveness, not data time: real clock seconds. */
int64_t wl_lease_now(void);

/* interactive: more attempts (a command waiting for its answer). */
int wl_job_new_realtime(wl_job **out, wl_app *app, const wl_source *src, int interactive);
int wl_job_new_window(wl_job **out, wl_app *app, const wl_source *src, int64_t from, int64_t to,
                      const char *run_kind, int interactive);
void wl_job_free(wl_job *j);

/* Creates j->req for the job's next request. */
int wl_job_start_request(wl_job *j);
/* Handles the end of j->req (frees it). */
void wl_job_request_done(wl_job *j, CURLcode cc, int64_t now_ms);
/* Stops the job without storing anything (shutdown). */
void wl_job_abandon(wl_job *j);

#endif
