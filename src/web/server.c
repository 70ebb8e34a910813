/*
 * The HTTP server: libmicrohttpd with a small thread pool, a route table
 * (routes.def), capped request bodies, the login check, CSRF on every
 * POST, and the same security headers on every answer.
 *
 * The login check runs on the first call for a request, when only its
 * headers have arrived: a client without a session or API key is answered
 * before a byte of its body is accepted, so nobody unauthenticated can make
 * the server buffer an upload. At most WL_WEB_UPLOADS large bodies are
 * received at a time.
 *
 * Each request borrows a store connection from a pool owned by the server
 * (never the collectors' connection): SQLite handles are not shared between
 * threads, and the pool keeps at most one open connection per busy thread.
 */
#include "web/web_int.h"
#include "core/metrics.h"
#include "core/users.h"
#include "web/guard.h"
#include "web/multipart.h"
#include "core/importer.h"
#include "util/err.h"
#include "util/log.h"
#include "util/timeutil.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <jansson.h>
#include <microhttpd.h>
#include <netdb.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

static const char csp[] =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
  "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

void wl_web_config_init(wl_web_config *cfg)
{
  memset(cfg, 0, sizeof(*cfg));
  cfg->listen = "127.0.0.1:8080";
  cfg->session_ttl_s = 8 * 3600;
  cfg->threads = 4;
  cfg->max_body = 64 * 1024;
}

/* ---- the store pool ---- */

static int pool_get(wl_web *w, wl_app **out)
{
  *out = NULL;
  pthread_mutex_lock(&w->pool_mu);
  if (w->npool > 0)
    *out = w->pool[--w->npool];
  pthread_mutex_unlock(&w->pool_mu);
  return *out ? 0 : wl_app_open(out, w->dsn);
}

static void pool_put(wl_web *w, wl_app *app)
{
  if (!app)
    return;
  pthread_mutex_lock(&w->pool_mu);
  if (w->npool < WL_WEB_POOL) {
    w->pool[w->npool++] = app;
    app = NULL;
  }
  pthread_mutex_unlock(&w->pool_mu);
  wl_app_free(app);
}

/* ---- routing ---- */

/* Matches path against pattern; '*' takes one non-empty segment into arg. */
static int route_match(const char *pattern, const char *path, char *arg, size_t argn)
{
  while (*pattern && *path) {
    if (*pattern == '*') {
      size_t n = strcspn(path, "/");
      if (n == 0 || n >= argn)
        return 0;
      memcpy(arg, path, n);
      arg[n] = '\0';
      path += n;
      pattern++;
      continue;
    }
    if (*pattern++ != *path++)
      return 0;
  }
  return *pattern == '\0' && *path == '\0';
}

static const wl_route *find_route(wl_req *rq, int *path_known)
{
  const char *m = strcmp(rq->method, "HEAD") == 0 ? "GET" : rq->method;
  *path_known = 0;
  for (const wl_route *r = wl_routes; r->method; r++) {
    char arg[sizeof(rq->arg)];
    if (rq->web->cfg.metrics_only && strcmp(r->pattern, "/metrics") != 0)
      continue; /* serve --metrics-listen: nothing but /metrics there */
    if (!route_match(r->pattern, rq->path, arg, sizeof(arg)))
      continue;
    *path_known = 1;
    if (strcmp(r->method, m) == 0) {
      memcpy(rq->arg, arg, sizeof(arg));
      return r;
    }
  }
  return NULL;
}

/* The body cap of a request's route, decided before any of the body is read. */
static size_t body_cap(const wl_req *rq)
{
  size_t cap = rq->web->cfg.max_body;
  int flags = rq->route ? rq->route->flags : 0;
  if ((flags & WL_R_UPLOAD) && cap < WL_UPLOAD_MAX)
    cap = WL_UPLOAD_MAX;
  if ((flags & WL_R_JSON) && cap < WL_JSON_MAX)
    cap = WL_JSON_MAX;
  return cap;
}

static int too_large(wl_req *rq)
{
  int flags = rq->route ? rq->route->flags : 0;
  if (flags & WL_R_UPLOAD)
    return wl_error_page(rq, MHD_HTTP_CONTENT_TOO_LARGE, "Upload too large",
                         "The upload is larger than 16 MiB, the most this address accepts.");
  if (flags & WL_R_JSON)
    return wl_error_page(rq, MHD_HTTP_CONTENT_TOO_LARGE, "Request too large",
                         "The body is larger than 4 MiB, the most this address accepts; "
                         "send the schedule in parts (by agent or by range).");
  return wl_error_page(rq, MHD_HTTP_CONTENT_TOO_LARGE, "Request too large",
                       "The form is larger than this server accepts.");
}

/* A file upload: its plain fields become the form (CSRF token included);
 * the handler reads the file parts from rq->upload itself. */
static int read_multipart(wl_req *rq, const char *ct)
{
  wl_multipart mp;
  if (wl_multipart_parse(&mp, ct, rq->upload.ptr ? rq->upload.ptr : "", rq->upload.len) != 0 ||
      wl_multipart_to_form(&rq->form, &mp) != 0)
    return wl_error_page(rq, MHD_HTTP_BAD_REQUEST, "Bad upload", wl_errmsg());
  return 0;
}

static int read_form(wl_req *rq)
{
  const char *ct = wl_req_header(rq, MHD_HTTP_HEADER_CONTENT_TYPE);
  if (rq->too_large)
    return too_large(rq);
  if ((rq->route->flags & WL_R_UPLOAD) && wl_multipart_is(ct))
    return read_multipart(rq, ct);
  if (rq->upload.len > 0 &&
      (!ct || strncasecmp(ct, "application/x-www-form-urlencoded", 33) != 0))
    return wl_error_page(rq, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "Unsupported form",
                         "Forms must be sent as application/x-www-form-urlencoded.");
  if (wl_form_parse(&rq->form, rq->upload.ptr ? rq->upload.ptr : "", rq->upload.len) != 0)
    return wl_error_page(rq, MHD_HTTP_BAD_REQUEST, "Bad form", wl_errmsg());
  return 0;
}

/* Who is asking: an API key (API routes only) or the session cookie. */
static int authenticate(wl_req *rq)
{
  if (rq->route->flags & WL_R_API) {
    int rc = wl_auth_bearer(rq);
    if (rc == 0)
      return 0;
    if (rc != WL_ENOTFOUND)
      return wl_error_page(rq, MHD_HTTP_UNAUTHORIZED, "Unauthorized",
                           "the API key is not valid (create one with 'wfmlink user api-key NAME')");
  }
  if (wl_auth_session(rq) == 0)
    return 0;
  if (rq->route->flags & WL_R_API)
    return wl_error_page(rq, MHD_HTTP_UNAUTHORIZED, "Unauthorized",
                         "log in, or send 'Authorization: Bearer KEY' (see 'wfmlink user api-key')");
  if (strcmp(rq->route->method, "GET") == 0) {
    char loc[600];
    snprintf(loc, sizeof(loc), "/login?next=%.500s", rq->path);
    return wl_redirect(rq, loc);
  }
  return wl_error_page(rq, MHD_HTTP_FORBIDDEN, "Logged out",
                       "Your session has expired or you have logged out. Log in again; "
                       "nothing was changed.");
}

static int open_store(wl_req *rq)
{
  if (pool_get(rq->web, &rq->app) == 0)
    return 0;
  wl_error(NULL, "web: cannot open the database: %s", wl_errmsg());
  return wl_error_page(rq, MHD_HTTP_SERVICE_UNAVAILABLE, "Database unavailable",
                       "The database cannot be opened right now; try again in a moment."),
         WL_EFAIL;
}

/* One of the WL_WEB_UPLOADS slots for a large body, or a 503 answer. */
static int take_upload_slot(wl_req *rq)
{
  wl_web *w = rq->web;
  pthread_mutex_lock(&w->pool_mu);
  if (w->uploads < WL_WEB_UPLOADS) {
    w->uploads++;
    rq->upload_slot = 1;
  }
  pthread_mutex_unlock(&w->pool_mu);
  if (rq->upload_slot)
    return 0;
  snprintf(rq->retry_after, sizeof(rq->retry_after), "10");
  return wl_error_page(rq, MHD_HTTP_SERVICE_UNAVAILABLE, "Busy",
                       "Other uploads are being received right now; try again in a few "
                       "seconds."),
         WL_EFAIL;
}

static void give_upload_slot(wl_req *rq)
{
  if (!rq->upload_slot)
    return;
  pthread_mutex_lock(&rq->web->pool_mu);
  rq->web->uploads--;
  pthread_mutex_unlock(&rq->web->pool_mu);
  rq->upload_slot = 0;
}

/*
 * What is decided from the headers alone, before any of the body is read:
 * who is asking (every route but the public ones), whether a large body
 * may come now, and whether its declared length fits. Sets rq->status when
 * the request is answered here.
 */
static void admit(wl_req *rq)
{
  if (!rq->route)
    return; /* 404 / 405 once the (capped) body has gone by */
  if (!(rq->route->flags & WL_R_PUBLIC)) {
    if (open_store(rq) != 0 || authenticate(rq) != 0 || rq->status)
      return;
    rq->authed = 1;
  }
  if (rq->too_large)
    too_large(rq);
  else if (rq->route->flags & (WL_R_UPLOAD | WL_R_JSON))
    take_upload_slot(rq);
}

static int check_csrf(wl_req *rq)
{
  const char *sent = wl_form_get(&rq->form, "csrf");
  if (rq->by_key || wl_auth_equal(sent, rq->csrf))
    return 0;
  return wl_error_page(rq, MHD_HTTP_FORBIDDEN, "Form expired",
                       "This form has expired or was not sent from this site, so nothing was "
                       "changed. Reload the page and try again.");
}

static void dispatch(wl_req *rq)
{
  if (!rq->route) {
    if (rq->path_known)
      wl_error_page(rq, MHD_HTTP_METHOD_NOT_ALLOWED, "Method not allowed",
                    "This address does not accept that kind of request.");
    else
      wl_error_page(rq, MHD_HTTP_NOT_FOUND, "Not found", "There is no page at this address.");
    return;
  }
  if (strcmp(rq->route->method, "POST") == 0 && read_form(rq) != 0)
    return;
  if (rq->too_large && too_large(rq) != 0) /* a PUT body */
    return;
  if (rq->status)
    return;
  if (!rq->app && open_store(rq) != 0)
    return;
  if (!(rq->route->flags & WL_R_PUBLIC)) {
    if (!rq->authed) { /* admit() answers these before the body; never reached */
      wl_error_page(rq, MHD_HTTP_FORBIDDEN, "Logged out", "Log in again.");
      return;
    }
    if (strcmp(rq->route->method, "POST") == 0 && (check_csrf(rq) != 0 || rq->status))
      return;
  }
  if (rq->route->fn(rq) != 0 && !rq->status) {
    wl_error(NULL, "web: %s %s: %s", rq->method, rq->path, wl_errmsg());
    wl_error_page(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, "Something went wrong", wl_errmsg());
  } else if (rq->out.err) { /* a chunk is missing: never send the rest as 200 */
    wl_error(NULL, "web: %s %s: the page could not be built whole", rq->method, rq->path);
    wl_error_page(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, "Something went wrong",
                  "The page grew larger than this server builds; narrow the range.");
  }
}

/* ---- libmicrohttpd glue ---- */

static void add_headers(wl_req *rq, struct MHD_Response *r)
{
  MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE,
                          rq->ctype ? rq->ctype : "text/html; charset=utf-8");
  MHD_add_response_header(r, "Content-Security-Policy", csp);
  MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
  MHD_add_response_header(r, "X-Frame-Options", "DENY");
  MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
  MHD_add_response_header(r, "Cross-Origin-Opener-Policy", "same-origin");
  MHD_add_response_header(r, MHD_HTTP_HEADER_CACHE_CONTROL,
                          rq->cacheable ? "max-age=300" : "no-store");
  if (rq->web->tls)
    MHD_add_response_header(r, "Strict-Transport-Security", "max-age=31536000");
  if (rq->location[0])
    MHD_add_response_header(r, MHD_HTTP_HEADER_LOCATION, rq->location);
  for (int i = 0; i < rq->ncookies; i++)
    MHD_add_response_header(r, MHD_HTTP_HEADER_SET_COOKIE, rq->cookies[i]);
  if (rq->retry_after[0])
    MHD_add_response_header(r, MHD_HTTP_HEADER_RETRY_AFTER, rq->retry_after);
  if (rq->status == MHD_HTTP_UNAUTHORIZED && wl_req_is_api(rq))
    MHD_add_response_header(r, MHD_HTTP_HEADER_WWW_AUTHENTICATE, "Bearer realm=\"wfmlink\"");
}

static enum MHD_Result send_response(wl_req *rq)
{
  size_t len = rq->out.len;
  char *body = wl_buf_detach(&rq->out);
  struct MHD_Response *r;
  enum MHD_Result ok;
  if (!rq->status)
    rq->status = MHD_HTTP_OK;
  wl_guard_phase(&rq->web->guard, rq->gc, WL_PH_WORK);
  r = body ? MHD_create_response_from_buffer(len, body, MHD_RESPMEM_MUST_FREE)
           : MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
  if (!r) {
    free(body);
    return MHD_NO;
  }
  add_headers(rq, r);
  ok = MHD_queue_response(rq->conn, (unsigned)rq->status, r);
  MHD_destroy_response(r);
  wl_metrics_web(rq->route ? rq->route->method : "other", rq->route ? rq->route->pattern : "other",
                 rq->status);
  wl_debug(NULL, "web: %s %s %d%s%s", rq->method, rq->path, rq->status, rq->user[0] ? " " : "",
           rq->user);
  return ok;
}

static void client_ip(wl_req *rq)
{
  const union MHD_ConnectionInfo *ci =
    MHD_get_connection_info(rq->conn, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  const struct sockaddr *sa = ci ? ci->client_addr : NULL;
  snprintf(rq->ip, sizeof(rq->ip), "unknown");
  if (sa && sa->sa_family == AF_INET)
    inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, rq->ip,
              sizeof(rq->ip));
  else if (sa && sa->sa_family == AF_INET6)
    inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, rq->ip,
              sizeof(rq->ip));
}

static wl_req *req_new(wl_web *w, struct MHD_Connection *conn, const char *url,
                       const char *method)
{
  wl_req *rq = calloc(1, sizeof(*rq));
  const char *cl;
  size_t cap;
  if (!rq)
    return NULL;
  rq->web = w;
  rq->conn = conn;
  rq->method = method;
  rq->path = url;
  rq->route = find_route(rq, &rq->path_known);
  cap = body_cap(rq); /* larger only for the upload routes */
  wl_buf_init(&rq->upload, cap);
  wl_buf_init(&rq->out, 16 * 1024 * 1024);
  rq->gc = wl_guard_conn(conn);
  wl_guard_phase(&w->guard, rq->gc, WL_PH_BODY); /* the head is in */
  client_ip(rq);
  cl = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);
  if (cl && strtoull(cl, NULL, 10) > cap)
    rq->too_large = 1;
  return rq;
}

static void upload_more(wl_req *rq, const char *data, size_t n)
{
  if (rq->too_large)
    return;
  if (wl_buf_append(&rq->upload, data, n) != 0) {
    rq->too_large = 1;
    sodium_memzero(rq->upload.ptr, rq->upload.cap);
    wl_buf_free(&rq->upload);
  }
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn, const char *url,
                                  const char *method, const char *version,
                                  const char *upload_data, size_t *upload_data_size,
                                  void **con_cls)
{
  wl_req *rq = *con_cls;
  (void)version;
  if (!rq) {
    if (!(*con_cls = req_new(cls, conn, url, method)))
      return MHD_NO;
    rq = *con_cls;
    admit(rq);
    if (!rq->status)
      return MHD_YES;
    return send_response(rq); /* refused before reading a byte of the body */
  }
  if (rq->bg_done) { /* resumed: the background job is done */
    wl_bg_done done = rq->bg_done;
    rq->bg_done = NULL;
    if (done(rq, rq->bg_ctx) != 0 && !rq->status)
      wl_error_page(rq, MHD_HTTP_INTERNAL_SERVER_ERROR, "Something went wrong", wl_errmsg());
    rq->bg_ctx = NULL;
    return send_response(rq);
  }
  if (rq->status) /* answered already: drop the rest */
    return *upload_data_size = 0, MHD_YES;
  if (*upload_data_size) {
    wl_guard_body(&rq->web->guard, rq->gc, *upload_data_size);
    upload_more(rq, upload_data, *upload_data_size);
    *upload_data_size = 0;
    return MHD_YES;
  }
  wl_guard_phase(&rq->web->guard, rq->gc, WL_PH_WORK); /* the body is in */
  if (strcmp(method, "GET") && strcmp(method, "HEAD") && strcmp(method, "POST") &&
      strcmp(method, "PUT"))
    wl_error_page(rq, MHD_HTTP_METHOD_NOT_ALLOWED, "Method not allowed",
                  "Only GET, POST and PUT are used here.");
  else
    dispatch(rq);
  if (rq->bg_done)
    return MHD_YES; /* suspended: answered when its job is done */
  return send_response(rq);
}

static void on_completed(void *cls, struct MHD_Connection *conn, void **con_cls,
                         enum MHD_RequestTerminationCode toe)
{
  wl_req *rq = *con_cls;
  (void)conn;
  (void)toe;
  if (!rq)
    return;
  /* a kept-alive connection waits for its next head: that deadline again */
  wl_guard_phase(&rq->web->guard, rq->gc, WL_PH_HEAD);
  if (rq->bg_done) /* resumed, but the client had gone */
    rq->bg_done(NULL, rq->bg_ctx);
  give_upload_slot(rq);
  pool_put(cls, rq->app);
  wl_form_free(&rq->form);
  if (rq->upload.ptr)
    sodium_memzero(rq->upload.ptr, rq->upload.cap); /* may hold a password or token */
  wl_buf_free(&rq->upload);
  wl_buf_free(&rq->out);
  sodium_memzero(rq->csrf, sizeof(rq->csrf));
  free(rq);
  *con_cls = NULL;
}

static void mhd_log(void *cls, const char *fmt, va_list ap)
{
  char msg[512];
  (void)cls;
  vsnprintf(msg, sizeof(msg), fmt, ap);
  msg[strcspn(msg, "\n")] = '\0';
  wl_debug(NULL, "web: %s", msg);
}

/* ---- listen address ---- */

static int split_listen(char *host, size_t hn, char *port, size_t pn, const char *listen)
{
  const char *colon;
  if (listen[0] == '[') {
    const char *end = strchr(listen, ']');
    if (!end || end[1] != ':')
      return wl_err(WL_EUSAGE, "--listen: '%s' is not [IPv6]:PORT", listen);
    snprintf(host, hn, "%.*s", (int)(end - listen - 1), listen + 1);
    colon = end + 1;
  } else {
    colon = strrchr(listen, ':');
    if (!colon)
      return wl_err(WL_EUSAGE, "--listen: '%s' is not HOST:PORT (e.g. 127.0.0.1:8080)", listen);
    snprintf(host, hn, "%.*s", (int)(colon - listen), listen);
  }
  snprintf(port, pn, "%s", colon + 1);
  if (!port[0] || strspn(port, "0123456789") != strlen(port) || strtol(port, NULL, 10) > 65535)
    return wl_err(WL_EUSAGE, "--listen: '%s' has no valid port (0-65535)", listen);
  if (!host[0])
    return wl_err(WL_EUSAGE, "--listen: '%s' names no host (e.g. 127.0.0.1:8080)", listen);
  return 0;
}

int wl_web_listen_is_loopback(const char *listen)
{
  char host[256], port[16];
  if (split_listen(host, sizeof(host), port, sizeof(port), listen) != 0)
    return 0;
  return strcmp(host, "localhost") == 0 || strcmp(host, "::1") == 0 ||
         (strncmp(host, "127.", 4) == 0 && strspn(host, "0123456789.") == strlen(host));
}

static int resolve_listen(struct sockaddr_storage *ss, socklen_t *len, const char *listen)
{
  char host[256], port[16];
  struct addrinfo hints, *res = NULL;
  int rc = split_listen(host, sizeof(host), port, sizeof(port), listen);
  if (rc)
    return rc;
  memset(&hints, 0, sizeof(hints));
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  if (getaddrinfo(host, port, &hints, &res) != 0 || !res)
    return wl_err(WL_EUSAGE, "--listen: cannot resolve host '%s'", host);
  memcpy(ss, res->ai_addr, res->ai_addrlen);
  *len = res->ai_addrlen;
  freeaddrinfo(res);
  return 0;
}

/* ---- start / stop ---- */

static int load_tls(wl_web *w, const wl_web_config *cfg)
{
  size_t n;
  int rc;
  if (!cfg->tls_cert && !cfg->tls_key)
    return 0;
  if (!cfg->tls_cert || !cfg->tls_key)
    return wl_err(WL_EUSAGE, "--tls-cert and --tls-key go together");
  if (MHD_is_feature_supported(MHD_FEATURE_TLS) != MHD_YES)
    return wl_err(WL_EFAIL, "this libmicrohttpd was built without TLS");
  if ((rc = wl_read_file(&w->cert_pem, &n, cfg->tls_cert)) != 0)
    return wl_err_wrap(WL_EUSAGE, "--tls-cert");
  if ((rc = wl_read_file(&w->key_pem, &n, cfg->tls_key)) != 0)
    return wl_err_wrap(WL_EUSAGE, "--tls-key");
  w->tls = 1;
  return 0;
}

static int copy_config(wl_web *w, const wl_web_config *cfg)
{
  w->cfg = *cfg;
  if (!cfg->dsn)
    return wl_err(WL_EUSAGE, "the web server needs a database");
  w->dsn = strdup(cfg->dsn);
  w->listen = strdup(cfg->listen ? cfg->listen : "127.0.0.1:8080");
  if (!w->dsn || !w->listen)
    return wl_err(WL_ENOMEM, "out of memory");
  w->cfg.dsn = w->dsn;
  w->cfg.listen = w->listen;
  w->cfg.tls_cert = w->cfg.tls_key = NULL; /* read into memory by load_tls */
  if (w->cfg.session_ttl_s <= 0)
    w->cfg.session_ttl_s = 8 * 3600;
  if (w->cfg.threads <= 0 || w->cfg.threads > 64)
    w->cfg.threads = 4;
  if (w->cfg.max_body == 0)
    w->cfg.max_body = 64 * 1024;
  return 0;
}

/* The address a browser on this machine uses: a wildcard becomes loopback. */
static void url_of(wl_web *w, const struct sockaddr_storage *ss)
{
  char host[INET6_ADDRSTRLEN] = "127.0.0.1";
  const char *scheme = w->tls ? "https" : "http";
  if (ss->ss_family == AF_INET6) {
    inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)ss)->sin6_addr, host,
              sizeof(host));
    if (strcmp(host, "::") == 0)
      snprintf(host, sizeof(host), "::1");
    snprintf(w->url, sizeof(w->url), "%s://[%s]:%u", scheme, host, (unsigned)w->port);
    return;
  }
  inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)ss)->sin_addr, host,
            sizeof(host));
  if (strcmp(host, "0.0.0.0") == 0)
    snprintf(host, sizeof(host), "127.0.0.1");
  snprintf(w->url, sizeof(w->url), "%s://%s:%u", scheme, host, (unsigned)w->port);
}

static int start_daemon(wl_web *w)
{
  struct sockaddr_storage ss;
  socklen_t sl = 0;
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG |
                   MHD_ALLOW_SUSPEND_RESUME;
  const union MHD_DaemonInfo *di;
  struct MHD_OptionItem tls[] = {{MHD_OPTION_HTTPS_MEM_CERT, 0, w->cert_pem},
                                 {MHD_OPTION_HTTPS_MEM_KEY, 0, w->key_pem},
                                 {MHD_OPTION_END, 0, NULL}};
  int rc = resolve_listen(&ss, &sl, w->listen);
  if (rc)
    return rc;
  if (ss.ss_family == AF_INET6)
    flags |= MHD_USE_IPv6;
  if (w->tls)
    flags |= MHD_USE_TLS;
  w->d = MHD_start_daemon(
    flags, 0, wl_guard_accept, &w->guard, on_request, w, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&ss,
    MHD_OPTION_THREAD_POOL_SIZE, (unsigned)w->cfg.threads, MHD_OPTION_CONNECTION_TIMEOUT,
    (unsigned)30, MHD_OPTION_CONNECTION_LIMIT, (unsigned)256, MHD_OPTION_NOTIFY_COMPLETED,
    on_completed, w, MHD_OPTION_NOTIFY_CONNECTION, wl_guard_notify, &w->guard,
    MHD_OPTION_EXTERNAL_LOGGER,
    mhd_log, NULL, MHD_OPTION_ARRAY, w->tls ? tls : tls + 2, MHD_OPTION_END);
  if (!w->d)
    return wl_err(WL_EFAIL, "cannot listen on %s (address in use, or a bad TLS certificate "
                            "or key)", w->listen);
  di = MHD_get_daemon_info(w->d, MHD_DAEMON_INFO_BIND_PORT);
  w->port = di ? di->port : 0;
  url_of(w, &ss);
  return 0;
}

int wl_web_start(wl_web **out, const wl_web_config *cfg)
{
  wl_web *w = calloc(1, sizeof(*w));
  wl_app *first = NULL;
  int rc;
  *out = NULL;
  if (!w)
    return wl_err(WL_ENOMEM, "out of memory");
  pthread_mutex_init(&w->pool_mu, NULL);
  wl_rl_init(&w->rl);
  if (sodium_init() < 0) {
    rc = wl_err(WL_EFAIL, "libsodium cannot start");
    goto fail;
  }
  curl_global_init(CURL_GLOBAL_DEFAULT); /* before any thread runs a connection test */
  if ((rc = copy_config(w, cfg)) != 0 || (rc = load_tls(w, cfg)) != 0 ||
      (rc = wl_tz_options(&w->tz_options)) != 0)
    goto fail;
  if (wl_guard_init(&w->guard, &w->cfg) != 0) {
    rc = wl_err(WL_EFAIL, "cannot start the web server's watchdog thread");
    goto fail;
  }
  /* opens (and migrates) the database now, so a bad DSN fails the start */
  if ((rc = wl_app_open(&first, w->dsn)) != 0)
    goto fail;
  pool_put(w, first);
  if ((rc = start_daemon(w)) != 0)
    goto fail;
  if (!w->cfg.quiet)
    wl_info(NULL, "web page on %s", w->url);
  *out = w;
  return 0;
fail:
  wl_web_stop(w);
  return rc;
}

void wl_web_stop(wl_web *w)
{
  if (!w)
    return;
  if (w->d) {
    wl_web_bg_join(w); /* resumes every suspended request first */
    MHD_stop_daemon(w->d);
    if (!w->cfg.quiet)
      wl_info(NULL, "web page stopped");
  }
  wl_guard_destroy(&w->guard); /* after the daemon: its callbacks use the list */
  for (int i = 0; i < w->npool; i++)
    wl_app_free(w->pool[i]);
  pthread_mutex_destroy(&w->pool_mu);
  wl_rl_destroy(&w->rl);
  if (w->key_pem)
    sodium_memzero(w->key_pem, strlen(w->key_pem));
  free(w->key_pem);
  free(w->cert_pem);
  free(w->tz_options);
  free(w->dsn);
  free(w->listen);
  free(w);
}

uint16_t wl_web_port(const wl_web *w)
{
  return w->port;
}

const char *wl_web_url(const wl_web *w)
{
  return w->url;
}
