/*
 * The stream connections of all sources on one libwebsockets thread
 * (core/stream.h). The collector thread asks for streams through `want`
 * flags under the mutex and wakes the service with lws_cancel_service();
 * the service thread owns every wsi. A 200 ms timer does the bookkeeping:
 * connects that are due, idle hang-ups, waking the collector.
 */
#include "core/stream.h"
#include "core/metrics.h"
#include "core/settings.h"
#include "util/array.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/timeutil.h"

#include <libwebsockets.h>
#include <netdb.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#define TICK_US (200 * LWS_US_PER_MS)
#define BACKOFF_MIN_MS 1000
#define BACKOFF_MAX_MS 60000
#define QUEUE_MAX 200000 /* events waiting for the store; beyond: reconnect later */
#define RX_BUFFER (64u * 1024) /* lws reads at most this much at once */
#define CA_FILE "/etc/ssl/certs/ca-certificates.crt"

typedef struct sconn {
  int64_t source_id;
  const wl_source_stream *drv; /* the source's driver's stream */
  char name[64];
  char host_setting[300], tenant[128];
  char *token;
  char resume[128];       /* where the next connect starts */
  int want;               /* the collector wants it */
  int kill;               /* the service thread is to close wsi */
  unsigned gen;
  struct lws *wsi;
  int connecting;
  int64_t up_since_ms;    /* established at (monotonic), 0 when not */
  int64_t down_since;     /* wall seconds since the stream is not live */
  int64_t live_since;     /* wall seconds */
  int64_t next_try_ms;
  int fails;
  int64_t last_rx_ms;
  long reconnects;
  wl_buf msg;             /* a message arriving in fragments */
  int oversize;
  char last_error[256];
  struct sconn *next;
} sconn;

struct wl_streams {
  wl_app *app;
  CURLM *wake;
  pthread_t th;
  int started;
  pthread_mutex_t mu;
  int quit;
  struct lws_context *ctx;
  lws_sorted_usec_list_t sul;
  lws_retry_bo_t retry;
  int64_t idle_ms;
  sconn *conns;
  wl_stream_item *q;
  size_t nq, capq;
  int64_t last_wake_ms;
};

static int64_t mono_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void conn_free(sconn *c)
{
  if (c->token) {
    sodium_memzero(c->token, strlen(c->token));
    free(c->token);
  }
  wl_buf_free(&c->msg);
  free(c);
}

/* ---- the queue (mutex held) -------------------------------------------- */

static void wake_collector(wl_streams *s, int force)
{
  int64_t now = mono_ms();
  if (s->wake && s->nq && (force || now - s->last_wake_ms >= 100)) {
    curl_multi_wakeup(s->wake);
    s->last_wake_ms = now;
  }
}

static void enqueue(wl_streams *s, sconn *c, const wl_src_event *ev, int kind,
                    const char *why)
{
  if (s->nq >= QUEUE_MAX) {
    /* the store is not keeping up: start over later from the last id
     * taken (every queued event is still applied) */
    c->kill = 1;
    return;
  }
  if (wl_array_reserve(&s->q, &s->capq, s->nq, sizeof(*s->q), 256)) {
    c->kill = 1;
    return;
  }
  wl_stream_item *it = &s->q[s->nq++];
  it->source_id = c->source_id;
  it->gen = c->gen;
  it->kind = kind;
  it->ev = *ev;
  snprintf(it->why, sizeof(it->why), "%s", why ? why : "");
  if (ev->message_id[0])
    snprintf(c->resume, sizeof(c->resume), "%s", ev->message_id);
  wake_collector(s, 0);
}

wl_app *wl_streams_app(wl_streams *s)
{
  return s->app;
}

void wl_streams_take(wl_streams *s, wl_stream_item **items, size_t *n)
{
  pthread_mutex_lock(&s->mu);
  *items = s->q;
  *n = s->nq;
  s->q = NULL;
  s->nq = s->capq = 0;
  pthread_mutex_unlock(&s->mu);
}

static sconn *find_conn(wl_streams *s, int64_t id)
{
  for (sconn *c = s->conns; c; c = c->next)
    if (c->source_id == id && c->want)
      return c;
  return NULL;
}

void wl_streams_restart(wl_streams *s, int64_t source_id, const char *message_id)
{
  pthread_mutex_lock(&s->mu);
  sconn *c = find_conn(s, source_id);
  if (c) {
    size_t k = 0;
    c->gen++;
    snprintf(c->resume, sizeof(c->resume), "%s", message_id && *message_id ? message_id : "latest");
    c->kill = 1;
    for (size_t i = 0; i < s->nq; i++)
      if (s->q[i].source_id != source_id)
        s->q[k++] = s->q[i];
    s->nq = k;
  }
  pthread_mutex_unlock(&s->mu);
  if (s->ctx)
    lws_cancel_service(s->ctx);
}

int wl_streams_info(wl_streams *s, int64_t source_id, wl_stream_info *out)
{
  memset(out, 0, sizeof(*out));
  pthread_mutex_lock(&s->mu);
  sconn *c = find_conn(s, source_id);
  if (c) {
    out->wanted = 1;
    out->live = c->up_since_ms != 0;
    out->since = out->live ? c->live_since : c->down_since;
    out->reconnects = c->reconnects;
    snprintf(out->last_error, sizeof(out->last_error), "%s", c->last_error);
  }
  pthread_mutex_unlock(&s->mu);
  return c ? 0 : WL_ENOTFOUND;
}

/* ---- frames ------------------------------------------------------------ */

static void on_message(wl_streams *s, sconn *c, const char *data, size_t len)
{
  wl_src_event ev;
  int kind = 0;
  int rc = c->drv->parse(&ev, &kind, data, len);
  enqueue(s, c, &ev, rc == 0 ? kind : 0, rc == 0 ? NULL : wl_errmsg());
}

static void on_receive(wl_streams *s, sconn *c, struct lws *wsi, const void *in, size_t len)
{
  int final = lws_is_final_fragment(wsi) && lws_remaining_packet_payload(wsi) == 0;
  c->last_rx_ms = mono_ms();
  if (!c->oversize && c->msg.len + len > c->drv->max_frame) {
    c->oversize = 1; /* skipped unread; counted once it ends */
    wl_buf_reset(&c->msg);
  }
  if (!c->oversize && wl_buf_append(&c->msg, in, len) != 0) {
    c->oversize = 1;
    wl_buf_reset(&c->msg);
  }
  if (!final)
    return;
  if (c->oversize) {
    wl_src_event ev;
    memset(&ev, 0, sizeof(ev));
    enqueue(s, c, &ev, 0, "frame larger than the limit, skipped");
  } else {
    on_message(s, c, c->msg.ptr ? c->msg.ptr : "", c->msg.len);
  }
  c->oversize = 0;
  wl_buf_reset(&c->msg);
}

/* ---- connections ------------------------------------------------------- */

static void went_down(sconn *c, const char *why)
{
  if (why && *why)
    snprintf(c->last_error, sizeof(c->last_error), "%s", why);
  if (c->up_since_ms)
    c->down_since = wl_now();
  c->up_since_ms = 0;
  c->wsi = NULL;
  c->connecting = 0;
  c->kill = 0;
  c->fails++;
  /* capped exponential backoff with full jitter on top of the minimum */
  int shift = c->fails < 7 ? c->fails - 1 : 6;
  int64_t cap = (int64_t)BACKOFF_MIN_MS << shift;
  if (cap > BACKOFF_MAX_MS)
    cap = BACKOFF_MAX_MS;
  c->next_try_ms = mono_ms() + BACKOFF_MIN_MS / 2 + randombytes_uniform((uint32_t)cap);
}

static int callback(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
  wl_streams *s = lws_context_user(lws_get_context(wsi));
  sconn *c = user;
  int ret = 0;
  if (!s)
    return 0;
  pthread_mutex_lock(&s->mu);
  switch (reason) {
  case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER: {
    unsigned char **p = in, *end = *p + len;
    if (c && c->token &&
        lws_add_http_header_by_name(wsi, (const unsigned char *)"x-api-key:",
                                    (const unsigned char *)c->token, (int)strlen(c->token), p, end))
      ret = -1;
    break;
  }
  case LWS_CALLBACK_CLIENT_ESTABLISHED:
    if (c) {
      c->connecting = 0;
      c->up_since_ms = c->last_rx_ms = mono_ms();
      c->live_since = wl_now();
      c->fails = 0;
      c->last_error[0] = '\0';
      wl_info(c->name, "event stream connected (from %s)", c->resume);
    }
    break;
  case LWS_CALLBACK_CLIENT_RECEIVE:
    if (c && c->want && !c->kill)
      on_receive(s, c, wsi, in, len);
    break;
  case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
    if (c)
      c->last_rx_ms = mono_ms();
    break;
  case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
    if (c && c->wsi == wsi) {
      if (c->fails == 0 || (c->fails & (c->fails - 1)) == 0)
        wl_warn(c->name, "event stream: cannot connect: %s", in ? (const char *)in : "error");
      went_down(c, in ? (const char *)in : "connection error");
    }
    break;
  case LWS_CALLBACK_CLIENT_CLOSED:
    if (c && c->wsi == wsi) {
      if (c->want && !s->quit)
        wl_warn(c->name, "event stream closed; reconnecting");
      went_down(c, "closed by the server or the network");
      c->reconnects++;
      wl_metrics_stream(c->name, WL_MS_RECONNECT, 1);
    }
    break;
  case LWS_CALLBACK_EVENT_WAIT_CANCELLED:
    break; /* the tick does the work; it runs right after */
  default:
    break;
  }
  pthread_mutex_unlock(&s->mu);
  return ret;
}

static const struct lws_protocols protocols[] = {
  {"wl-stream", callback, 0, RX_BUFFER, 0, NULL, 0},
  {NULL, NULL, 0, 0, 0, NULL, 0},
};

static void start_connect(wl_streams *s, sconn *c)
{
  wl_src_stream_url u;
  struct lws_client_connect_info ci;
  if (c->drv->url(&u, c->host_setting, c->tenant, c->resume)) {
    went_down(c, wl_errmsg());
    return;
  }
  memset(&ci, 0, sizeof(ci));
  ci.context = s->ctx;
  ci.address = u.host;
  ci.port = u.port;
  ci.path = u.path;
  ci.host = u.host;
  ci.origin = u.host;
  ci.ssl_connection = u.tls ? LCCSCF_USE_SSL : 0;
  ci.local_protocol_name = "wl-stream";
  ci.userdata = c;
  ci.pwsi = &c->wsi;
  ci.retry_and_idle_policy = &s->retry;
  c->connecting = 1;
  c->next_try_ms = mono_ms() + BACKOFF_MAX_MS; /* until the outcome is known */
  /* lws calls back (possibly with an error) from inside this call */
  pthread_mutex_unlock(&s->mu);
  struct lws *w = lws_client_connect_via_info(&ci);
  pthread_mutex_lock(&s->mu);
  if (!w && c->connecting)
    went_down(c, "cannot start the connection");
}

static void tick_conns(wl_streams *s)
{
  int64_t now = mono_ms();
  sconn **pp = &s->conns;
  while (*pp) {
    sconn *c = *pp;
    if (c->wsi && (c->kill || !c->want ||
                   (c->up_since_ms && now - c->last_rx_ms > s->idle_ms))) {
      if (c->up_since_ms && now - c->last_rx_ms > s->idle_ms)
        snprintf(c->last_error, sizeof(c->last_error), "nothing received for %lld s",
                 (long long)((now - c->last_rx_ms) / 1000));
      lws_set_timeout(c->wsi, PENDING_TIMEOUT_USER_OK, LWS_TO_KILL_ASYNC);
      c->kill = 0;
      c->want = c->want ? c->want : 0;
    }
    if (!c->want && !c->wsi && !c->connecting) {
      *pp = c->next;
      conn_free(c);
      continue;
    }
    if (c->want && !c->wsi && !c->connecting && now >= c->next_try_ms)
      start_connect(s, c);
    pp = &(*pp)->next;
  }
  wake_collector(s, 1);
}

static void tick(lws_sorted_usec_list_t *sul)
{
  wl_streams *s = lws_container_of(sul, wl_streams, sul);
  pthread_mutex_lock(&s->mu);
  tick_conns(s);
  pthread_mutex_unlock(&s->mu);
  lws_sul_schedule(s->ctx, 0, &s->sul, tick, TICK_US);
}

static void *service_main(void *arg)
{
  wl_streams *s = arg;
  lws_sul_schedule(s->ctx, 0, &s->sul, tick, 1);
  for (;;) {
    pthread_mutex_lock(&s->mu);
    int quit = s->quit;
    pthread_mutex_unlock(&s->mu);
    if (quit)
      break;
    lws_service(s->ctx, 0);
  }
  return NULL;
}

static void log_emit(int level, const char *line)
{
  size_t n = strlen(line);
  while (n && (line[n - 1] == '\n' || line[n - 1] == ' '))
    n--;
  if (level & LLL_ERR)
    wl_warn(NULL, "libwebsockets: %.*s", (int)n, line);
}

/* WFMLINK_STREAM_IDLE_S: silence after which a stream is dropped (default
 * 30 s; the client pings after a third of it). */
static int64_t idle_seconds(void)
{
  const char *e = getenv("WFMLINK_STREAM_IDLE_S");
  long v = e && *e ? strtol(e, NULL, 10) : 30;
  return v >= 2 && v <= 3600 ? v : 30;
}

/* A client-only context: TLS verified against the system CA store. */
static struct lws_context *client_context(const struct lws_protocols *protos, void *user,
                                          int connect_timeout_s)
{
  struct lws_context_creation_info info;
  lws_set_log_level(LLL_ERR, log_emit);
  memset(&info, 0, sizeof(info));
  info.port = CONTEXT_PORT_NO_LISTEN;
  info.protocols = protos;
  info.options = LWS_SERVER_OPTION_DO_SSL_GLOBAL_INIT;
  if (access(CA_FILE, R_OK) == 0)
    info.client_ssl_ca_filepath = CA_FILE;
  info.user = user;
  info.gid = -1;
  info.uid = -1;
  if (connect_timeout_s > 0)
    info.connect_timeout_secs = (unsigned)connect_timeout_s;
  return lws_create_context(&info);
}

int wl_streams_new(wl_streams **out, wl_app *app, CURLM *wake)
{
  wl_streams *s = calloc(1, sizeof(*s));
  if (!s)
    return wl_err(WL_ENOMEM, "out of memory");
  s->app = app;
  s->wake = wake;
  pthread_mutex_init(&s->mu, NULL);
  int64_t idle = idle_seconds();
  s->idle_ms = idle * 1000;
  s->retry.secs_since_valid_ping = (uint16_t)(idle / 3 > 1 ? idle / 3 : 1);
  s->retry.secs_since_valid_hangup = (uint16_t)(idle + 5);
  s->ctx = client_context(protocols, s, 0);
  if (!s->ctx) {
    pthread_mutex_destroy(&s->mu);
    free(s);
    return wl_err(WL_EFAIL, "cannot start the WebSocket client");
  }
  if (pthread_create(&s->th, NULL, service_main, s) != 0) {
    lws_context_destroy(s->ctx);
    pthread_mutex_destroy(&s->mu);
    free(s);
    return wl_err(WL_EFAIL, "cannot start the stream thread");
  }
  s->started = 1;
  *out = s;
  return 0;
}

void wl_streams_free(wl_streams *s)
{
  if (!s)
    return;
  pthread_mutex_lock(&s->mu);
  s->quit = 1;
  pthread_mutex_unlock(&s->mu);
  lws_cancel_service(s->ctx);
  if (s->started)
    pthread_join(s->th, NULL);
  lws_context_destroy(s->ctx); /* closes what is still open */
  for (sconn *c = s->conns, *n; c; c = n) {
    n = c->next;
    conn_free(c);
  }
  free(s->q);
  pthread_mutex_destroy(&s->mu);
  free(s);
}

/* ---- what the collector wants ------------------------------------------ */

static sconn *conn_new(wl_streams *s, const wl_source *src, const char *host)
{
  const wl_source_driver *drv = wl_source_driver_find(src->vendor);
  sconn *c;
  if (!drv || !drv->stream) {
    wl_error(src->name, "%s", drv ? "this source's driver has no event stream" : wl_errmsg());
    return NULL;
  }
  if (!(c = calloc(1, sizeof(*c))))
    return NULL;
  c->source_id = src->id;
  c->drv = drv->stream;
  snprintf(c->name, sizeof(c->name), "%s", src->name);
  snprintf(c->host_setting, sizeof(c->host_setting), "%s", host);
  snprintf(c->tenant, sizeof(c->tenant), "%s", src->tenant);
  wl_buf_init(&c->msg, c->drv->max_frame + 1);
  if (wl_setting_get(c->resume, sizeof(c->resume), s->app->st, src->id, "stream-message-id") != 0 ||
      !c->resume[0])
    snprintf(c->resume, sizeof(c->resume), "latest");
  if (wl_token_load(&c->token, s->app, src, WL_TOKEN_RT) != 0) {
    snprintf(c->last_error, sizeof(c->last_error), "%s", wl_errmsg());
    c->token = NULL;
  }
  c->want = 1;
  c->down_since = wl_now();
  return c;
}

void wl_streams_want(wl_streams *s, const wl_source *src, const char *host)
{
  int changed = 0, on = host && *host;
  host = on ? host : "";
  pthread_mutex_lock(&s->mu);
  sconn *c = find_conn(s, src->id);
  if (c && (!on || strcmp(c->host_setting, host) != 0 || strcmp(c->tenant, src->tenant) != 0)) {
    c->want = 0; /* the service thread closes and frees it */
    c = NULL;
    changed = 1;
  }
  if (!c && on) {
    sconn *n = conn_new(s, src, host);
    if (n) {
      n->next = s->conns;
      s->conns = n;
      changed = 1;
      wl_info(src->name, "event stream on (%s)", host);
    }
  }
  pthread_mutex_unlock(&s->mu);
  if (changed)
    lws_cancel_service(s->ctx);
}

/* ---- the connection test ----------------------------------------------- */

typedef struct probe {
  const char *token;
  int done, ok, established, pinged;
  char error[256];
} probe;

static int probe_cb(struct lws *wsi, enum lws_callback_reasons reason, void *user, void *in,
                    size_t len)
{
  probe *p = lws_context_user(lws_get_context(wsi));
  unsigned char ping[LWS_PRE + 8];
  (void)user;
  if (!p)
    return 0;
  switch (reason) {
  case LWS_CALLBACK_CLIENT_APPEND_HANDSHAKE_HEADER: {
    unsigned char **pp = in, *end = *pp + len;
    if (p->token && lws_add_http_header_by_name(wsi, (const unsigned char *)"x-api-key:",
                                                (const unsigned char *)p->token,
                                                (int)strlen(p->token), pp, end))
      return -1;
    break;
  }
  case LWS_CALLBACK_CLIENT_ESTABLISHED:
    p->established = 1;
    lws_callback_on_writable(wsi); /* a ping: the answer proves the stream is alive */
    break;
  case LWS_CALLBACK_CLIENT_WRITEABLE:
    if (!p->pinged) {
      p->pinged = 1;
      memcpy(ping + LWS_PRE, "wfmlink", 7);
      if (lws_write(wsi, ping + LWS_PRE, 7, LWS_WRITE_PING) < 0)
        return -1;
    }
    break;
  case LWS_CALLBACK_CLIENT_RECEIVE:
  case LWS_CALLBACK_CLIENT_RECEIVE_PONG:
    p->ok = p->done = 1;
    return -1; /* enough: close */
  case LWS_CALLBACK_CLIENT_CONNECTION_ERROR:
    snprintf(p->error, sizeof(p->error), "%s", in ? (const char *)in : "connection error");
    p->done = 1;
    break;
  case LWS_CALLBACK_CLIENT_CLOSED:
    if (!p->ok && !p->error[0])
      snprintf(p->error, sizeof(p->error), "the server closed the connection");
    p->done = 1;
    break;
  default:
    break;
  }
  return 0;
}

static int has(const char *s, const char *what)
{
  size_t n = strlen(what);
  for (; *s; s++)
    if (strncasecmp(s, what, n) == 0)
      return 1;
  return 0;
}

/* libwebsockets' reason, in words an administrator can act on. */
static void explain(char *msg, size_t cap, const char *why, const wl_src_stream_url *u,
                    const wl_source_stream *drv, const char *tenant)
{
  const char *regions = drv->hosts_hint;
  if (has(why, "unauthorized") || has(why, "401"))
    snprintf(msg, cap, "401 Unauthorized from %s: the token was refused for tenant '%s'. Use the "
             "%s", u->host, tenant, drv->token_hint);
  else if (has(why, "not 101") || has(why, "40") || has(why, "50"))
    snprintf(msg, cap, "%s answered, but not as this tenant's Event Streaming host (%s): set "
             "stream-host to the tenant's region (%s)", u->host, why, regions);
  else if (has(why, "dns") || has(why, "getaddrinfo") || has(why, "resolve") ||
           has(why, "lookup"))
    snprintf(msg, cap, "%s does not resolve: set stream-host to the tenant's region (%s)",
             u->host, regions);
  else if (has(why, "ssl") || has(why, "tls") || has(why, "cert") || has(why, "x509"))
    snprintf(msg, cap, "TLS with %s failed (%s): the host's certificate must be valid for its "
             "name (verification stays on); a proxy that intercepts TLS needs its CA in the "
             "system store", u->host, why);
  else if (has(why, "timed out") || has(why, "timeout") || has(why, "connect") ||
           has(why, "refused"))
    snprintf(msg, cap, "cannot reach %s port %d (%s): a wrong region host, or outbound "
             "WebSockets on port %d are blocked", u->host, u->port, why, u->port);
  else
    snprintf(msg, cap, "event stream at %s: %s", u->host, why);
}

static int probe_run(probe *p, const wl_src_stream_url *u, int timeout_s)
{
  static const struct lws_protocols probe_protocols[] = {
    {"wl-probe", probe_cb, 0, 4096, 0, NULL, 0},
    {NULL, NULL, 0, 0, 0, NULL, 0},
  };
  struct lws_client_connect_info ci;
  struct lws_context *ctx = client_context(probe_protocols, p, timeout_s);
  if (!ctx)
    return wl_err(WL_EFAIL, "cannot start the WebSocket client");
  memset(&ci, 0, sizeof(ci));
  ci.context = ctx;
  ci.address = u->host;
  ci.port = u->port;
  ci.path = u->path;
  ci.host = u->host;
  ci.origin = u->host;
  ci.ssl_connection = u->tls ? LCCSCF_USE_SSL : 0;
  ci.local_protocol_name = "wl-probe";
  if (!lws_client_connect_via_info(&ci) && !p->done) {
    /* lws resolves synchronously and gives no reason: ask the resolver */
    struct addrinfo *ai = NULL, hints = {.ai_socktype = SOCK_STREAM};
    int bad_name = getaddrinfo(u->host, NULL, &hints, &ai) != 0;
    if (ai)
      freeaddrinfo(ai);
    snprintf(p->error, sizeof(p->error), "%s",
             bad_name ? "dns lookup failed" : "cannot start the connection");
    p->done = 1;
  }
  int64_t until = mono_ms() + (int64_t)timeout_s * 1000;
  while (!p->done && mono_ms() < until)
    lws_service(ctx, 100);
  lws_context_destroy(ctx);
  return 0;
}

int wl_stream_test(char *msg, size_t cap, wl_app *app, const wl_source *src, int timeout_s)
{
  const wl_source_driver *drv = wl_source_driver_find(src->vendor);
  char host[300], *token = NULL;
  wl_src_stream_url u;
  probe p;
  int rc;
  memset(&p, 0, sizeof(p));
  /* wl_stream_host fails for a driver without a stream */
  if ((rc = wl_stream_host(host, sizeof(host), app->st, src)) != 0 ||
      (rc = drv->stream->url(&u, host, src->tenant, "latest")) != 0 ||
      (rc = wl_token_load(&token, app, src, WL_TOKEN_RT)) != 0) {
    snprintf(msg, cap, "%s", wl_errmsg());
    return rc;
  }
  p.token = token;
  rc = probe_run(&p, &u, timeout_s);
  wl_token_free(token);
  if (rc) {
    snprintf(msg, cap, "%s", wl_errmsg());
    return rc;
  }
  if (p.ok) {
    snprintf(msg, cap, "connected to %s://%s:%d; the stream answers", u.tls ? "wss" : "ws",
             u.host, u.port);
    return 0;
  }
  if (p.established)
    snprintf(msg, cap, "connected to %s, but nothing arrived (no event, no pong) within %d s",
             u.host, timeout_s);
  else
    explain(msg, cap, p.error[0] ? p.error : "no answer", &u, drv->stream, src->tenant);
  return wl_err(WL_EFAIL, "%s", msg);
}
