/* The connection guard (guard.h). */
#include "web/guard.h"
#include "util/log.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t mono_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The group an address counts in: IPv4 (also when mapped into IPv6) as
 * ::ffff:a.b.c.d, IPv6 by its /64. */
static void addr_group(unsigned char out[16], const struct sockaddr *sa)
{
  memset(out, 0, 16);
  if (sa && sa->sa_family == AF_INET) {
    out[10] = out[11] = 0xff;
    memcpy(out + 12, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, 4);
  } else if (sa && sa->sa_family == AF_INET6) {
    const struct in6_addr *a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
    memcpy(out, a, 16);
    if (!IN6_IS_ADDR_V4MAPPED(a))
      memset(out + 8, 0, 8);
  }
}

static void addr_text(char *out, size_t n, const struct sockaddr *sa)
{
  snprintf(out, n, "unknown");
  if (sa && sa->sa_family == AF_INET)
    inet_ntop(AF_INET, &((const struct sockaddr_in *)(const void *)sa)->sin_addr, out,
              (socklen_t)n);
  else if (sa && sa->sa_family == AF_INET6)
    inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr, out,
              (socklen_t)n);
}

enum MHD_Result wl_guard_accept(void *cls, const struct sockaddr *addr, socklen_t len)
{
  wl_guard *g = cls;
  unsigned char grp[16];
  int n = 0;
  (void)len;
  addr_group(grp, addr);
  pthread_mutex_lock(&g->mu);
  for (wl_conn *c = g->head; c; c = c->next)
    n += memcmp(c->grp, grp, 16) == 0;
  pthread_mutex_unlock(&g->mu);
  if (n < g->per_address)
    return MHD_YES;
  wl_debug(NULL, "web: refused a connection: %d already open from that address", n);
  return MHD_NO;
}

static void track(wl_guard *g, struct MHD_Connection *conn, void **socket_context)
{
  const union MHD_ConnectionInfo *fd = MHD_get_connection_info(conn,
                                                               MHD_CONNECTION_INFO_CONNECTION_FD);
  const union MHD_ConnectionInfo *ci = MHD_get_connection_info(conn,
                                                               MHD_CONNECTION_INFO_CLIENT_ADDRESS);
  wl_conn *c = calloc(1, sizeof(*c));
  *socket_context = c;
  if (!c)
    return; /* not guarded, but served */
  c->fd = fd ? fd->connect_fd : -1;
  addr_group(c->grp, ci ? ci->client_addr : NULL);
  addr_text(c->ip, sizeof(c->ip), ci ? ci->client_addr : NULL);
  c->since_ms = mono_ms();
  pthread_mutex_lock(&g->mu);
  c->next = g->head;
  if (g->head)
    g->head->prev = c;
  g->head = c;
  pthread_mutex_unlock(&g->mu);
}

static void untrack(wl_guard *g, void **socket_context)
{
  wl_conn *c = *socket_context;
  if (!c)
    return;
  pthread_mutex_lock(&g->mu);
  if (c->prev)
    c->prev->next = c->next;
  else
    g->head = c->next;
  if (c->next)
    c->next->prev = c->prev;
  pthread_mutex_unlock(&g->mu);
  free(c);
  *socket_context = NULL;
}

void wl_guard_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                     enum MHD_ConnectionNotificationCode code)
{
  if (code == MHD_CONNECTION_NOTIFY_STARTED)
    track(cls, conn, socket_context);
  else
    untrack(cls, socket_context);
}

wl_conn *wl_guard_conn(struct MHD_Connection *conn)
{
  const union MHD_ConnectionInfo *ci =
    MHD_get_connection_info(conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);
  return ci ? ci->socket_context : NULL;
}

void wl_guard_phase(wl_guard *g, wl_conn *c, int phase)
{
  if (!c)
    return;
  pthread_mutex_lock(&g->mu);
  if (c->phase != phase) {
    c->phase = phase;
    c->since_ms = mono_ms();
    c->bytes = 0;
  }
  pthread_mutex_unlock(&g->mu);
}

void wl_guard_body(wl_guard *g, wl_conn *c, size_t n)
{
  if (!c)
    return;
  pthread_mutex_lock(&g->mu);
  c->bytes += n;
  pthread_mutex_unlock(&g->mu);
}

/* Whether a body has fallen behind: too slow after the grace, or too long. */
static int body_late(const wl_guard *g, const wl_conn *c, int64_t el)
{
  int64_t grace = (int64_t)g->upload_grace_s * 1000;
  if (el > (int64_t)g->upload_max_s * 1000)
    return 1;
  return el > grace && (double)c->bytes < (double)g->upload_min_rate * (double)(el - grace) / 1000.0;
}

static void end_conn(wl_guard *g, wl_conn *c, int64_t el)
{
  c->closing = 1;
  if (c->fd >= 0)
    shutdown(c->fd, SHUT_RDWR);
  if (c->phase == WL_PH_HEAD) {
    g->late_heads++; /* reported in bulk: a flood must not flood the log */
    snprintf(g->late_ip, sizeof(g->late_ip), "%s", c->ip);
    return;
  }
  wl_warn(NULL, "web: closed a request body from %s: %llu bytes in %lld s (a body must come at "
                "%zu bytes/s after the first %d s, and whole within %d s)",
          c->ip, (unsigned long long)c->bytes, (long long)(el / 1000), g->upload_min_rate,
          g->upload_grace_s, g->upload_max_s);
}

static void check_all(wl_guard *g, int64_t now)
{
  for (wl_conn *c = g->head; c; c = c->next) {
    int64_t el = now - c->since_ms;
    if (c->closing)
      continue;
    if ((c->phase == WL_PH_HEAD && el > (int64_t)g->head_timeout_s * 1000) ||
        (c->phase == WL_PH_BODY && body_late(g, c, el)))
      end_conn(g, c, el);
  }
  if (g->late_heads && now - g->last_warn_ms >= 60000) {
    wl_warn(NULL, "web: closed %u connection%s whose request head did not arrive within %d s "
                  "(the last from %s)", g->late_heads, g->late_heads == 1 ? "" : "s",
            g->head_timeout_s, g->late_ip);
    g->late_heads = 0;
    g->last_warn_ms = now;
  }
}

static void *watchdog(void *arg)
{
  wl_guard *g = arg;
  pthread_mutex_lock(&g->mu);
  while (!g->stop) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    ts.tv_nsec += 200 * 1000000L;
    if (ts.tv_nsec >= 1000000000L) {
      ts.tv_sec++;
      ts.tv_nsec -= 1000000000L;
    }
    pthread_cond_timedwait(&g->cv, &g->mu, &ts);
    if (!g->stop)
      check_all(g, mono_ms());
  }
  pthread_mutex_unlock(&g->mu);
  return NULL;
}

int wl_guard_init(wl_guard *g, const wl_web_config *cfg)
{
  pthread_condattr_t ca;
  memset(g, 0, sizeof(*g));
  g->head_timeout_s = cfg->head_timeout_s > 0 ? cfg->head_timeout_s : 10;
  g->per_address = cfg->per_address > 0 ? cfg->per_address : 16;
  g->upload_grace_s = cfg->upload_grace_s > 0 ? cfg->upload_grace_s : 10;
  g->upload_max_s = cfg->upload_max_s > 0 ? cfg->upload_max_s : 120;
  g->upload_min_rate = cfg->upload_min_rate > 0 ? cfg->upload_min_rate : 32 * 1024;
  g->last_warn_ms = mono_ms() - 60000;
  pthread_mutex_init(&g->mu, NULL);
  pthread_condattr_init(&ca);
  pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
  pthread_cond_init(&g->cv, &ca);
  pthread_condattr_destroy(&ca);
  g->inited = 1;
  if (pthread_create(&g->thread, NULL, watchdog, g) != 0)
    return -1;
  g->running = 1;
  return 0;
}

void wl_guard_destroy(wl_guard *g)
{
  if (!g->inited)
    return;
  if (g->running) {
    pthread_mutex_lock(&g->mu);
    g->stop = 1;
    pthread_cond_signal(&g->cv);
    pthread_mutex_unlock(&g->mu);
    pthread_join(g->thread, NULL);
  }
  pthread_cond_destroy(&g->cv);
  pthread_mutex_destroy(&g->mu);
  g->inited = 0;
}
