/*
 * The HTTP side: libmicrohttpd with a thread per connection, so that a
 * request held by a "hang" fault never delays the others. Requests under
 * /api/ are counted, may be failed by a pending fault, are authenticated
 * (Basic, tenant:token), then answered by api.c; /_emu/ goes to control.c.
 */
#include <arpa/inet.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "emu/emu_int.h"
#include "emu/render.h"
#include "util/err.h"
#include "util/log.h"
#include "util/timeutil.h"

#define MAX_BODY (256u << 20)

static const char *lookup_arg(void *conn, const char *key)
{
  return MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, key);
}

/* ---- Basic authentication ---------------------------------------------- */

static int b64_val(int c)
{
  if (c >= 'A' && c <= 'Z')
    return c - 'A';
  if (c >= 'a' && c <= 'z')
    return c - 'a' + 26;
  if (c >= '0' && c <= '9')
    return c - '0' + 52;
  return c == '+' ? 62 : c == '/' ? 63 : -1;
}

/* Decodes standard base64 (padding optional) into out; -1 when malformed. */
static int b64_decode(char *out, size_t cap, const char *in)
{
  size_t n = 0;
  unsigned acc = 0;
  int bits = 0;
  for (; *in && *in != '='; in++) {
    int v = b64_val((unsigned char)*in);
    if (v < 0)
      return -1;
    acc = (acc << 6) | (unsigned)v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (n + 1 >= cap)
        return -1;
      out[n++] = (char)((acc >> bits) & 0xFF);
    }
  }
  out[n] = '\0';
  return 0;
}

static int same(const char *a, const char *b)
{
  size_t la = strlen(a), lb = strlen(b);
  unsigned char d = la != lb;
  for (size_t i = 0; i < la && i < lb; i++)
    d |= (unsigned char)(a[i] ^ b[i]);
  return d == 0;
}

/* Tenant index for the request's credentials, or -1. */
static int authenticate(wl_emu *e, struct MHD_Connection *c)
{
  const char *h = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Authorization");
  char plain[512];
  if (!h || strncasecmp(h, "Basic ", 6) != 0)
    return -1;
  h += 6;
  while (*h == ' ')
    h++;
  if (strlen(h) > 680 || b64_decode(plain, sizeof(plain), h) != 0)
    return -1;
  char *colon = strchr(plain, ':');
  if (!colon)
    return -1;
  *colon = '\0';
  int found = -1;
  for (int i = 0; i < e->ntenants; i++)
    if (strcmp(e->tenants[i].name, plain) == 0 && same(e->tenants[i].token, colon + 1))
      found = i;
  return found;
}

/* ---- responses --------------------------------------------------------- */

static enum MHD_Result queue_resp(struct MHD_Connection *c, struct MHD_Response *resp,
                                  const emu_resp *r)
{
  char tmp[24];
  if (!resp)
    return MHD_NO;
  MHD_add_response_header(resp, "Content-Type", r->ctype ? r->ctype : "text/plain");
  if (r->retry_after > 0) {
    snprintf(tmp, sizeof(tmp), "%d", r->retry_after);
    MHD_add_response_header(resp, "Retry-After", tmp);
  }
  if (r->status == 401)
    MHD_add_response_header(resp, "WWW-Authenticate", "Basic realm=\"8x8\"");
  enum MHD_Result ret = MHD_queue_response(c, (unsigned)r->status, resp);
  MHD_destroy_response(resp);
  return ret;
}

static enum MHD_Result send_resp(struct MHD_Connection *c, emu_resp *r)
{
  size_t len = r->body.len;
  char *data = wl_buf_detach(&r->body);
  struct MHD_Response *resp =
      MHD_create_response_from_buffer_with_free_callback(len, data, free);
  if (!resp)
    free(data);
  return queue_resp(c, resp, r);
}

typedef struct cut_body {
  char *data;
  size_t cut;
} cut_body;

static ssize_t cut_reader(void *cls, uint64_t pos, char *buf, size_t max)
{
  cut_body *cb = cls;
  if (pos >= cb->cut)
    return MHD_CONTENT_READER_END_WITH_ERROR; /* closes the connection */
  size_t n = cb->cut - (size_t)pos;
  n = n < max ? n : max;
  memcpy(buf, cb->data + pos, n);
  return (ssize_t)n;
}

static void cut_free(void *cls)
{
  cut_body *cb = cls;
  free(cb->data);
  free(cb);
}

/* 200 with the full Content-Length announced, then half the body and a
 * closed connection. */
static enum MHD_Result send_truncated(struct MHD_Connection *c, emu_resp *r)
{
  cut_body *cb = calloc(1, sizeof(*cb));
  size_t len = r->body.len;
  if (!cb)
    return MHD_NO;
  cb->cut = len / 2;
  cb->data = wl_buf_detach(&r->body);
  struct MHD_Response *resp = MHD_create_response_from_callback(len, 4096, cut_reader, cb,
                                                                cut_free);
  if (!resp) {
    cut_free(cb);
    return MHD_NO;
  }
  return queue_resp(c, resp, r);
}

/* Closes the socket with an RST instead of answering. */
static enum MHD_Result reset_connection(struct MHD_Connection *c)
{
  const union MHD_ConnectionInfo *ci =
      MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
  if (ci) {
    struct linger lg = {1, 0};
    setsockopt(ci->connect_fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
  }
  return MHD_NO;
}

/* ---- API requests ------------------------------------------------------ */

static void answer_api(wl_emu *e, struct MHD_Connection *c, emu_req *q, emu_resp *r)
{
  int t = authenticate(e, c);
  if (t < 0) {
    emu_error(r, 401);
    return;
  }
  q->tenant = t;
  emu_api(e, q, r);
}

static enum MHD_Result apply_fault(wl_emu *e, struct MHD_Connection *c, emu_req *q, emu_resp *r,
                                   const emu_fault *f)
{
  switch (f->kind) {
  case EMU_FAULT_HANG:
    emu_hang(e, f->retry_after);
    return MHD_NO;
  case EMU_FAULT_RESET:
    return reset_connection(c);
  case EMU_FAULT_TRUNCATE:
    answer_api(e, c, q, r);
    return send_truncated(c, r);
  case EMU_FAULT_BADJSON:
    answer_api(e, c, q, r);
    r->body.len /= 2;
    wl_buf_puts(&r->body, "#!badjson{\n");
    r->status = 200;
    break;
  case EMU_FAULT_429:
    emu_error(r, 429);
    r->retry_after = f->retry_after;
    break;
  case EMU_FAULT_401:
    emu_error(r, 401);
    break;
  case EMU_FAULT_503:
    emu_error(r, 503);
    break;
  default:
    emu_error(r, 500);
    break;
  }
  return send_resp(c, r);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload,
                                  size_t *upload_size, void **req_cls)
{
  static int seen;
  wl_emu *e = cls;
  (void)version;
  (void)upload;
  if (*req_cls == NULL) { /* headers only so far */
    *req_cls = &seen;
    return MHD_YES;
  }
  if (*upload_size) { /* bodies are ignored */
    *upload_size = 0;
    return MHD_YES;
  }
  emu_req q = {method, url, 0, c, lookup_arg};
  emu_resp r = {0};
  emu_fault f;
  wl_buf_init(&r.body, MAX_BODY);
  if (strcmp(url, "/_emu") == 0 || strncmp(url, "/_emu/", 6) == 0) {
    q.path = url[5] ? url : "/_emu/";
    emu_control(e, &q, &r);
  } else if (strncmp(url, "/ws/", 4) == 0) {
    wl_buf_free(&r.body);
    return (enum MHD_Result)emu_stream_answer(e, c, url);
  } else if (strncmp(url, "/api/", 5) == 0) {
    emu_count_request(e, url);
    if (emu_fault_take(e, url, &f)) {
      enum MHD_Result ret = apply_fault(e, c, &q, &r, &f);
      wl_buf_free(&r.body);
      return ret;
    }
    answer_api(e, c, &q, &r);
  } else {
    emu_error(&r, 404);
  }
  enum MHD_Result ret = send_resp(c, &r);
  wl_buf_free(&r.body);
  return ret;
}

/* ---- listening address ------------------------------------------------- */

typedef struct addr {
  struct sockaddr_storage ss;
  int v6, loopback;
  char text[64]; /* the address without brackets */
} addr;

static int parse_host(addr *out, const char *host)
{
  char h[64];
  size_t n = strlen(host);
  memset(out, 0, sizeof(*out));
  if (n >= sizeof(h))
    return wl_err(WL_EUSAGE, "listen host too long");
  if (host[0] == '[' && n > 2 && host[n - 1] == ']')
    snprintf(h, sizeof(h), "%.*s", (int)(n - 2), host + 1);
  else
    snprintf(h, sizeof(h), "%s", strcmp(host, "localhost") == 0 ? "127.0.0.1" : host);
  memcpy(out->text, h, sizeof(h));
  struct sockaddr_in *s4 = (struct sockaddr_in *)&out->ss;
  struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&out->ss;
  if (inet_pton(AF_INET, h, &s4->sin_addr) == 1) {
    s4->sin_family = AF_INET;
    out->loopback = (ntohl(s4->sin_addr.s_addr) >> 24) == 127;
    return 0;
  }
  if (inet_pton(AF_INET6, h, &s6->sin6_addr) == 1) {
    s6->sin6_family = AF_INET6;
    out->v6 = 1;
    out->loopback = IN6_IS_ADDR_LOOPBACK(&s6->sin6_addr);
    return 0;
  }
  return wl_err(WL_EUSAGE, "listen host '%s' is not an IP address or localhost", h);
}

int emu_http_start(wl_emu *e)
{
  addr a;
  int rc = parse_host(&a, e->cfg.host);
  if (rc)
    return rc;
  if (!a.loopback && !e->cfg.allow_remote)
    return wl_err(WL_EUSAGE, "refusing to listen on non-loopback host '%s' without "
                             "--allow-remote", e->cfg.host);
  if (a.v6)
    ((struct sockaddr_in6 *)&a.ss)->sin6_port = htons(e->cfg.port);
  else
    ((struct sockaddr_in *)&a.ss)->sin_port = htons(e->cfg.port);
  unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_THREAD_PER_CONNECTION |
                   MHD_USE_POLL | MHD_ALLOW_UPGRADE | (a.v6 ? MHD_USE_IPv6 : 0);
  e->mhd = MHD_start_daemon(flags, e->cfg.port, NULL, NULL, on_request, e, MHD_OPTION_SOCK_ADDR,
                            (struct sockaddr *)&a.ss, MHD_OPTION_CONNECTION_TIMEOUT,
                            (unsigned int)120, MHD_OPTION_END);
  if (!e->mhd)
    return wl_err(WL_EFAIL, "cannot listen on %s:%u (port in use?)", e->cfg.host,
                  (unsigned)e->cfg.port);
  const union MHD_DaemonInfo *di = MHD_get_daemon_info(e->mhd, MHD_DAEMON_INFO_BIND_PORT);
  e->port = di ? di->port : e->cfg.port;
  snprintf(e->base_url, sizeof(e->base_url), "http://%s%s%s:%u/api/", a.v6 ? "[" : "", a.text,
           a.v6 ? "]" : "", (unsigned)e->port);
  return 0;
}

void emu_http_stop(wl_emu *e)
{
  pthread_mutex_lock(&e->mu);
  e->stopping = 1;
  pthread_cond_broadcast(&e->cv);
  pthread_mutex_unlock(&e->mu);
  emu_stream_stop(e); /* upgraded connections end before the daemon */
  if (e->mhd)
    MHD_stop_daemon(e->mhd);
  e->mhd = NULL;
}
