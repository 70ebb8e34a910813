/*
 * Slow work off the request threads: a connection test waits up to 15 s
 * for another server, and the page has only a few request threads. The
 * request is suspended (libmicrohttpd's suspend/resume), the work runs on
 * a thread of its own, and when it is done the request is resumed and
 * answered on a request thread by its `done` function. At most
 * WL_WEB_BG such jobs run at a time; another is refused (WL_EUNAVAIL) and
 * the caller answers "busy". wl_web_stop joins them before stopping the
 * daemon (libmicrohttpd refuses to stop with a suspended request).
 */
#include "web/web_int.h"
#include "util/err.h"

#include <microhttpd.h>
#include <string.h>

static void *bg_main(void *arg)
{
  wl_bg *b = arg;
  wl_web *w = b->web;
  struct MHD_Connection *conn = b->conn;
  b->work(b->ctx);
  MHD_resume_connection(conn); /* the request may be answered and freed from here on */
  pthread_mutex_lock(&w->pool_mu);
  b->done = 1;
  pthread_mutex_unlock(&w->pool_mu);
  return NULL;
}

/* A free slot (a finished thread is joined first), or NULL; under pool_mu. */
static wl_bg *free_slot(wl_web *w)
{
  for (int i = 0; i < WL_WEB_BG; i++) {
    wl_bg *b = &w->bg[i];
    if (b->used && b->done) {
      pthread_join(b->thread, NULL);
      b->used = 0;
    }
    if (!b->used)
      return b;
  }
  return NULL;
}

int wl_req_background(wl_req *rq, wl_bg_work work, wl_bg_done done, void *ctx)
{
  wl_web *w = rq->web;
  wl_bg *b;
  pthread_mutex_lock(&w->pool_mu);
  if (!(b = free_slot(w))) {
    pthread_mutex_unlock(&w->pool_mu);
    return wl_err(WL_EUNAVAIL, "other connection tests are running (at most %d at a time); "
                               "try again in a few seconds", WL_WEB_BG);
  }
  memset(b, 0, sizeof(*b));
  b->used = 1;
  b->web = w;
  b->conn = rq->conn;
  b->work = work;
  b->ctx = ctx;
  rq->bg_done = done;
  rq->bg_ctx = ctx;
  MHD_suspend_connection(rq->conn); /* before the thread can resume it */
  if (pthread_create(&b->thread, NULL, bg_main, b) != 0) {
    b->used = 0;
    pthread_mutex_unlock(&w->pool_mu);
    work(ctx); /* no thread: do it here, as before */
    MHD_resume_connection(rq->conn);
    return 0;
  }
  pthread_mutex_unlock(&w->pool_mu);
  return 0;
}

void wl_web_bg_join(wl_web *w)
{
  for (int i = 0; i < WL_WEB_BG; i++)
    if (w->bg[i].used) {
      pthread_join(w->bg[i].thread, NULL);
      w->bg[i].used = 0;
    }
}
