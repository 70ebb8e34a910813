/*
 * The emulated Event Streaming endpoint (8x8-api.md section 5): a Pulsar
 * WebSocket *reader* per tenant,
 *   /ws/v2/reader/persistent/{tenant}/event-v1/{AgentStatusChange|all}
 * authenticated with X-API-Key (or ?x-api-key=) = the tenant's token.
 *
 * The events are the segment starts of the same simulated timelines that
 * rtstats and /_emu/truth/states answer from, so the three always agree.
 * The events of one local day are ordered by (start, agent index); the
 * messageId of event k of day dn is a protobuf-shaped (ledger = dn,
 * entry = k) in base64, so `messageId=<id>` resumes exactly after it.
 *
 * The upgrade is libmicrohttpd's; the RFC 6455 server side (handshake,
 * unmasked frames out, masked frames in, ping / pong / close) is here,
 * one thread per stream connection, joined at stop.
 */
#include <errno.h>
#include <fcntl.h>
#include <libwebsockets.h>
#include <microhttpd.h>
#include <poll.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "emu/emu_int.h"
#include "util/err.h"
#include "util/fdio.h"

#define WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
#define PING_MS 2000          /* the server pings every 2 s of wall time */
#define LOSE_MIN_S 10         /* a lost event's state lasts this long, so a poll can see it */
#define CLIENT_FRAME_MAX 4096 /* clients send only control frames */

typedef struct sev {
  int64_t start, end;
  int32_t agent;
  int16_t code;
} sev;

typedef struct sconn {
  wl_emu *e;
  int tenant;
  int64_t dn, seq; /* the next event to send */
  int sock;
  struct MHD_UpgradeResponseHandle *urh;
  emu_stream_thread *reg;
  sev *ev;
  size_t nev;
  int64_t ev_dn; /* day held in ev, -1 none */
  unsigned char in[CLIENT_FRAME_MAX + 16];
  size_t inlen;
  int closing;
} sconn;

/* ---- message ids ------------------------------------------------------- */

static size_t put_varint(unsigned char *p, uint64_t v)
{
  size_t n = 0;
  do {
    p[n++] = (unsigned char)((v & 0x7f) | (v > 0x7f ? 0x80 : 0));
    v >>= 7;
  } while (v);
  return n;
}

void emu_stream_msgid(char *out, size_t cap, int64_t dn, int64_t seq)
{
  unsigned char b[24];
  size_t n = 0;
  b[n++] = 0x08;
  n += put_varint(b + n, (uint64_t)dn);
  b[n++] = 0x10;
  n += put_varint(b + n, (uint64_t)seq);
  if (cap < sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL)) {
    if (cap)
      out[0] = '\0';
    return;
  }
  sodium_bin2base64(out, cap, b, n, sodium_base64_VARIANT_ORIGINAL);
}

static int get_varint(uint64_t *v, const unsigned char *p, size_t n, size_t *pos)
{
  *v = 0;
  for (int shift = 0; *pos < n && shift < 63; shift += 7) {
    unsigned char c = p[(*pos)++];
    *v |= (uint64_t)(c & 0x7f) << shift;
    if (!(c & 0x80))
      return 0;
  }
  return -1;
}

int emu_stream_msgid_parse(int64_t *dn, int64_t *seq, const char *id)
{
  unsigned char b[32];
  size_t n = 0, pos = 0;
  uint64_t a, s;
  if (strlen(id) > 40 ||
      sodium_base642bin(b, sizeof(b), id, strlen(id), NULL, &n, NULL,
                        sodium_base64_VARIANT_ORIGINAL) != 0)
    return wl_err(WL_EUSAGE, "messageId '%.48s' is not a message id", id);
  if (n < 4 || b[pos++] != 0x08 || get_varint(&a, b, n, &pos) || pos >= n || b[pos++] != 0x10 ||
      get_varint(&s, b, n, &pos) || pos != n || a > 10000000 || s > 100000000)
    return wl_err(WL_EUSAGE, "messageId '%.48s' is not a message id", id);
  *dn = (int64_t)a;
  *seq = (int64_t)s;
  return 0;
}

/* ---- the events of a day ----------------------------------------------- */

static int sev_cmp(const void *pa, const void *pb)
{
  const sev *a = pa, *b = pb;
  if (a->start != b->start)
    return a->start < b->start ? -1 : 1;
  return (a->agent > b->agent) - (a->agent < b->agent);
}

/* Every segment start of the day except the logged-out one each day opens
 * with, which continues the previous day's final logged-out segment. */
static int load_day(sconn *c, int64_t dn)
{
  const emu_day *d;
  int rc;
  if (c->ev_dn == dn)
    return 0;
  free(c->ev);
  c->ev = NULL;
  c->nev = 0;
  c->ev_dn = -1;
  if ((rc = emu_sim_day(&d, c->e->sim, c->tenant, dn)) != 0)
    return rc;
  c->ev = malloc((d->nsegs ? d->nsegs : 1) * sizeof(*c->ev));
  if (!c->ev) {
    emu_sim_day_release(c->e->sim, d);
    return wl_err(WL_ENOMEM, "out of memory");
  }
  int agents = emu_sim_cfg(c->e->sim)->agents;
  for (int a = 0; a < agents; a++) {
    for (size_t i = d->agent_off[a]; i < d->agent_off[a + 1]; i++) {
      const emu_seg *s = &d->segs[i];
      if (s->start == d->start && s->code == EMU_ST_LOGGED_OUT)
        continue;
      c->ev[c->nev++] = (sev){s->start, s->end, a, s->code};
    }
  }
  emu_sim_day_release(c->e->sim, d);
  qsort(c->ev, c->nev, sizeof(*c->ev), sev_cmp);
  c->ev_dn = dn;
  return 0;
}

/* ---- frames ------------------------------------------------------------ */

/* One unmasked server frame; cut > 0 sends only that many bytes of it. */
static int send_frame(sconn *c, int opcode, const void *data, size_t len, size_t cut)
{
  unsigned char h[10];
  size_t hn = 0;
  h[hn++] = (unsigned char)(0x80 | opcode);
  if (len < 126) {
    h[hn++] = (unsigned char)len;
  } else if (len < 65536) {
    h[hn++] = 126;
    h[hn++] = (unsigned char)(len >> 8);
    h[hn++] = (unsigned char)len;
  } else {
    h[hn++] = 127;
    for (int i = 7; i >= 0; i--)
      h[hn++] = (unsigned char)((uint64_t)len >> (8 * i));
  }
  if (cut)
    return wl_write_all(c->sock, h, hn < cut ? hn : cut, 1) ||
           (cut > hn && wl_write_all(c->sock, data, cut - hn < len ? cut - hn : len, 1)) ? -1 : 0;
  return wl_write_all(c->sock, h, hn, 1) || wl_write_all(c->sock, data, len, 1) ? -1 : 0;
}

static uint64_t ms_of(int64_t dn, int64_t seq)
{
  uint64_t x = (uint64_t)dn * 0x9E3779B97F4A7C15ULL ^ (uint64_t)seq * 0xBF58476D1CE4E5B9ULL;
  x ^= x >> 29;
  return (x * 0x94D049BB133111EBULL >> 40) % 1000;
}

/* The Pulsar frame of event seq of the loaded day; *cut_len for "drop". */
static int event_frame(wl_buf *out, sconn *c, int64_t seq)
{
  const sev *v = &c->ev[seq];
  emu_agent ag;
  char id[64], iso[40], payload[512];
  struct tm tm;
  time_t t = (time_t)v->start;
  uint64_t ms = ms_of(c->ev_dn, seq);
  emu_sim_agent(&ag, c->e->sim, c->tenant, v->agent);
  emu_stream_msgid(id, sizeof(id), c->ev_dn, seq);
  gmtime_r(&t, &tm);
  strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%S", &tm);
  int n = snprintf(payload, sizeof(payload),
                   "{\"AgentStatusChange\":{\"agentId\":\"%s\",\"msgInfo\":{\"instanceId\":"
                   "\"emu.8x8.local\",\"sequenceId\":%lld,\"timestamp\":%lld},"
                   "\"newReasonCodeUser\":\"\",\"newState\":%d,\"newSubState\":\"none\","
                   "\"newSubStateReason\":\"none\",\"statusEventTS\":%lld}}",
                   ag.id, (long long)seq, (long long)(v->start * 1000 + (int64_t)ms), v->code,
                   (long long)v->start);
  if (n < 0 || (size_t)n >= sizeof(payload))
    return wl_err(WL_EFAIL, "event too long");
  size_t blen = sodium_base64_ENCODED_LEN((size_t)n, sodium_base64_VARIANT_ORIGINAL);
  char *b64 = malloc(blen);
  if (!b64)
    return wl_err(WL_ENOMEM, "out of memory");
  sodium_bin2base64(b64, blen, (const unsigned char *)payload, (size_t)n,
                    sodium_base64_VARIANT_ORIGINAL);
  wl_buf_reset(out);
  wl_buf_printf(out, "{\"messageId\":\"%s\",\"payload\":\"%s\",\"properties\":{},"
                     "\"publishTime\":\"%s.%03uZ\",\"redeliveryCount\":0}",
                id, b64, iso, (unsigned)ms);
  free(b64);
  return 0;
}

static int is_lost(wl_emu *e, int tenant, int64_t dn, int64_t seq)
{
  int lost = 0;
  pthread_mutex_lock(&e->mu);
  for (int i = 0; i < e->nlost && !lost; i++)
    lost = e->lost[i].tenant == tenant && e->lost[i].dn == dn && e->lost[i].seq == seq;
  pthread_mutex_unlock(&e->mu);
  return lost;
}

static void mark_lost(wl_emu *e, int tenant, int64_t dn, int64_t seq)
{
  pthread_mutex_lock(&e->mu);
  if (e->nlost < EMU_MAX_LOST) {
    e->lost[e->nlost].tenant = tenant;
    e->lost[e->nlost].dn = dn;
    e->lost[e->nlost].seq = seq;
    e->nlost++;
  }
  pthread_mutex_unlock(&e->mu);
}

static int send_event(sconn *c, wl_buf *b, int64_t seq, size_t cut)
{
  if (event_frame(b, c, seq) != 0)
    return -1;
  if (send_frame(c, 1, b->ptr, b->len, cut ? (b->len + 4) / 2 : 0) != 0)
    return -1;
  pthread_mutex_lock(&c->e->mu);
  c->e->stream_frames++;
  pthread_mutex_unlock(&c->e->mu);
  return cut ? -1 : 0;
}

/* ---- faults ------------------------------------------------------------ */

int emu_stream_fault_kind(const char *name)
{
  static const char *const names[] = {"none", "drop", "lose", "repeat", "reorder", "stall",
                                      "refuse", "garbage"};
  for (int i = 0; i < (int)(sizeof(names) / sizeof(names[0])); i++)
    if (strcmp(name, names[i]) == 0)
      return i;
  return -1;
}

int emu_stream_add_fault(wl_emu *e, int kind, int count, int seconds)
{
  int rc = 0;
  pthread_mutex_lock(&e->mu);
  if (kind == EMU_SF_NONE)
    e->nsfaults = 0;
  else if (e->nsfaults >= EMU_MAX_FAULTS)
    rc = wl_err(WL_EUSAGE, "too many pending stream faults");
  else
    e->sfaults[e->nsfaults++] = (emu_sfault){kind, count > 0 ? count : 1, seconds};
  pthread_mutex_unlock(&e->mu);
  return rc;
}

/* Takes one pending fault of a kind for which want(kind) holds. */
static int take_fault(wl_emu *e, emu_sfault *out, int (*want)(int kind))
{
  int got = 0;
  pthread_mutex_lock(&e->mu);
  for (int i = 0; i < e->nsfaults && !got; i++) {
    if (!want(e->sfaults[i].kind))
      continue;
    *out = e->sfaults[i];
    got = 1;
    if (--e->sfaults[i].remaining <= 0) {
      memmove(&e->sfaults[i], &e->sfaults[i + 1], (size_t)(e->nsfaults - i - 1) * sizeof(emu_sfault));
      e->nsfaults--;
    }
  }
  pthread_mutex_unlock(&e->mu);
  return got;
}

static int want_refuse(int k) { return k == EMU_SF_REFUSE; }
static int want_stall(int k) { return k == EMU_SF_STALL; }
static int want_event(int k) { return k >= EMU_SF_DROP && k <= EMU_SF_REORDER; }
static int want_garbage(int k) { return k == EMU_SF_GARBAGE; }

/* One frame carrying payload (base64 unless raw) and the position of the
 * last event sent, so that a client resuming from it loses nothing. */
static int garbage_frame(sconn *c, wl_buf *b, const char *payload, int raw)
{
  char id[64] = "", b64[1024];
  if (c->seq > 0)
    emu_stream_msgid(id, sizeof(id), c->ev_dn, c->seq - 1);
  if (!raw)
    sodium_bin2base64(b64, sizeof(b64), (const unsigned char *)payload, strlen(payload),
                      sodium_base64_VARIANT_ORIGINAL);
  wl_buf_reset(b);
  wl_buf_printf(b, "{\"messageId\":\"%s\",\"payload\":\"%s\",\"properties\":{},"
                   "\"publishTime\":\"2024-01-01T00:00:00.000Z\",\"redeliveryCount\":0}",
                id, raw ? payload : b64);
  return send_frame(c, 1, b->ptr, b->len, 0);
}

/* The bad inputs of issue 15, seven frames: not JSON, a payload that is not
 * base64, one that is not JSON, an event type the agent feed ignores, a
 * newState not in the table (agent "ghost01", code 42, at the emulator's
 * now), an empty agentId, and a 10 MB frame. */
static int send_garbage(sconn *c, wl_buf *b)
{
  char p[400];
  int64_t now = emu_now(c->e);
  size_t big = 10u << 20;
  char *huge = malloc(big);
  int rc;
  if (!huge)
    return -1;
  memset(huge, 'x', big);
  huge[0] = '{';
  huge[big - 1] = '}';
  snprintf(p, sizeof(p), "{\"AgentStatusChange\":{\"agentId\":\"ghost01\",\"newState\":42,"
                         "\"statusEventTS\":%lld}}", (long long)now);
  rc = send_frame(c, 1, "this is not JSON {", 18, 0) || garbage_frame(c, b, "%%%not-base64", 1) ||
       garbage_frame(c, b, "not JSON at all", 0) ||
       garbage_frame(c, b, "{\"InteractionCreated\":{\"queueId\":101}}", 0) ||
       garbage_frame(c, b, p, 0) ||
       garbage_frame(c, b, "{\"AgentStatusChange\":{\"agentId\":\"\",\"newState\":0,"
                           "\"statusEventTS\":1700000000}}", 0) ||
       send_frame(c, 1, huge, big, 0)
           ? -1
           : 0;
  free(huge);
  return rc;
}

void emu_stream_status(wl_emu *e, wl_buf *b)
{
  pthread_mutex_lock(&e->mu);
  wl_buf_printf(b, "connections,%ld\nopen,%d\nframes,%ld\nlost,%d\npending_faults,%d\n",
                e->stream_conns, e->stream_open, e->stream_frames, e->nlost, e->nsfaults);
  pthread_mutex_unlock(&e->mu);
}

/* ---- the connection ---------------------------------------------------- */

static int64_t mono_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int stopping(wl_emu *e)
{
  pthread_mutex_lock(&e->mu);
  int s = e->stopping;
  pthread_mutex_unlock(&e->mu);
  return s;
}

/* Reads what the client sent: pongs and pings (answered), a close (echoed,
 * then the connection ends). -1 when the connection is over. */
static int read_client(sconn *c, int wait_ms)
{
  struct pollfd p = {c->sock, POLLIN, 0};
  int r = poll(&p, 1, wait_ms);
  if (r <= 0)
    return r < 0 && errno != EINTR ? -1 : 0;
  ssize_t n = recv(c->sock, c->in + c->inlen, sizeof(c->in) - c->inlen, 0);
  if (n <= 0)
    return -1;
  c->inlen += (size_t)n;
  for (;;) {
    unsigned char *p0 = c->in;
    size_t need = 2, len;
    if (c->inlen < 2)
      return 0;
    len = p0[1] & 0x7f;
    if (!(p0[1] & 0x80) || len > 125) /* clients mask; control frames only */
      return -1;
    need += 4 + len;
    if (c->inlen < need)
      return 0;
    unsigned char data[128];
    for (size_t i = 0; i < len; i++)
      data[i] = p0[6 + i] ^ p0[2 + (i & 3)];
    int op = p0[0] & 0x0f;
    memmove(c->in, c->in + need, c->inlen - need);
    c->inlen -= need;
    if (op == 0x8) {
      send_frame(c, 0x8, data, len >= 2 ? 2 : 0, 0);
      return -1;
    }
    if (op == 0x9 && send_frame(c, 0xA, data, len, 0) != 0)
      return -1;
  }
}

static void stall(sconn *c, int seconds)
{
  int64_t until = mono_ms() + (int64_t)(seconds > 0 ? seconds : 30) * 1000;
  while (mono_ms() < until && !stopping(c->e))
    usleep(50000);
}

/* Sends the due events; returns -1 when the connection is to end. */
static int send_due(sconn *c, wl_buf *b)
{
  int64_t now = emu_now(c->e);
  emu_sfault f;
  while (c->seq < (int64_t)c->nev && c->ev[c->seq].start <= now) {
    int64_t s = c->seq;
    if (is_lost(c->e, c->tenant, c->ev_dn, s)) {
      c->seq++;
      continue;
    }
    if (!take_fault(c->e, &f, want_event)) {
      if (send_event(c, b, s, 0))
        return -1;
      c->seq++;
      continue;
    }
    switch (f.kind) {
    case EMU_SF_DROP:
      send_event(c, b, s, 1);
      return -1;
    case EMU_SF_LOSE: {
      int64_t k = s;
      while (k < (int64_t)c->nev && c->ev[k].end - c->ev[k].start < LOSE_MIN_S)
        k++;
      if (k < (int64_t)c->nev)
        mark_lost(c->e, c->tenant, c->ev_dn, k);
      continue; /* the loop skips it when it comes */
    }
    case EMU_SF_REPEAT:
      if (send_event(c, b, s, 0) || send_event(c, b, s, 0))
        return -1;
      c->seq++;
      break;
    default: /* reorder: the next two, the later one first */
      if (s + 1 < (int64_t)c->nev && c->ev[s + 1].start <= now &&
          !is_lost(c->e, c->tenant, c->ev_dn, s + 1)) {
        if (send_event(c, b, s + 1, 0) || send_event(c, b, s, 0))
          return -1;
        c->seq += 2;
      } else {
        if (send_event(c, b, s, 0))
          return -1;
        c->seq++;
      }
      break;
    }
  }
  return 0;
}

static void *stream_main(void *arg)
{
  sconn *c = arg;
  wl_buf b;
  int64_t next_ping = mono_ms() + PING_MS;
  emu_sfault f;
  wl_buf_init(&b, 1u << 20);
  while (!stopping(c->e)) {
    if (take_fault(c->e, &f, want_stall)) {
      stall(c, f.seconds);
      next_ping = mono_ms() + PING_MS;
      continue;
    }
    if (take_fault(c->e, &f, want_garbage) && send_garbage(c, &b) != 0)
      break;
    if (load_day(c, c->dn) != 0 || send_due(c, &b) != 0)
      break;
    if (c->seq >= (int64_t)c->nev && emu_sim_day_start(c->e->sim, c->dn + 1) <= emu_now(c->e)) {
      c->dn++;
      c->seq = 0;
      continue;
    }
    if (mono_ms() >= next_ping) {
      if (send_frame(c, 0x9, "emu", 3, 0) != 0)
        break;
      next_ping = mono_ms() + PING_MS;
    }
    if (read_client(c, 50) < 0)
      break;
  }
  if (stopping(c->e))
    send_frame(c, 0x8, "\x03\xe9", 2, 0); /* 1001 going away */
  wl_buf_free(&b);
  free(c->ev);
  MHD_upgrade_action(c->urh, MHD_UPGRADE_ACTION_CLOSE);
  pthread_mutex_lock(&c->e->mu);
  c->reg->done = 1;
  c->e->stream_open--;
  pthread_mutex_unlock(&c->e->mu);
  free(c);
  return NULL;
}

/* Joins the threads of streams that have ended (called with e->mu held:
 * a finished thread no longer takes it after setting done). */
static void reap_locked(wl_emu *e, int all)
{
  emu_stream_thread **pp = &e->streams;
  while (*pp) {
    emu_stream_thread *t = *pp;
    if (t->done || all) {
      *pp = t->next;
      pthread_mutex_unlock(&e->mu);
      pthread_join(t->th, NULL);
      pthread_mutex_lock(&e->mu);
      free(t);
    } else {
      pp = &t->next;
    }
  }
}

void emu_stream_stop(wl_emu *e)
{
  pthread_mutex_lock(&e->mu);
  reap_locked(e, 1);
  pthread_mutex_unlock(&e->mu);
}

static void on_upgrade(void *cls, struct MHD_Connection *conn, void *req_cls, const char *extra,
                       size_t extra_size, MHD_socket sock, struct MHD_UpgradeResponseHandle *urh)
{
  sconn *c = cls;
  emu_stream_thread *t = calloc(1, sizeof(*t));
  (void)conn;
  (void)req_cls;
  (void)extra;
  (void)extra_size; /* a client sends nothing before our first frame */
  c->sock = sock;
  c->urh = urh;
  c->reg = t;
  int fl = fcntl(sock, F_GETFL);
  if (fl >= 0)
    fcntl(sock, F_SETFL, fl & ~O_NONBLOCK);
  struct timeval tv = {5, 0};
  setsockopt(sock, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  pthread_mutex_lock(&c->e->mu);
  reap_locked(c->e, 0);
  if (!t || c->e->stopping || pthread_create(&t->th, NULL, stream_main, c) != 0) {
    pthread_mutex_unlock(&c->e->mu);
    free(t);
    free(c);
    MHD_upgrade_action(urh, MHD_UPGRADE_ACTION_CLOSE);
    return;
  }
  t->next = c->e->streams;
  c->e->streams = t;
  c->e->stream_conns++;
  c->e->stream_open++;
  pthread_mutex_unlock(&c->e->mu);
}

/* ---- the upgrade request ----------------------------------------------- */

static enum MHD_Result plain(struct MHD_Connection *conn, unsigned status, const char *msg)
{
  struct MHD_Response *r =
      MHD_create_response_from_buffer(strlen(msg), (void *)msg, MHD_RESPMEM_MUST_COPY);
  if (!r)
    return MHD_NO;
  MHD_add_response_header(r, "Content-Type", "text/plain");
  enum MHD_Result ret = MHD_queue_response(conn, status, r);
  MHD_destroy_response(r);
  return ret;
}

static int token_ok(const char *want, const char *got)
{
  size_t a = strlen(want), b = got ? strlen(got) : 0;
  unsigned char d = a != b || !got;
  for (size_t i = 0; got && i < a && i < b; i++)
    d |= (unsigned char)(want[i] ^ got[i]);
  return d == 0;
}

/* Where a new reader starts: after messageId, at the first retained event
 * (earliest: the previous local day), or after the events published so
 * far (latest). */
static int start_position(sconn *c, const char *mid)
{
  int64_t now = emu_now(c->e), today = emu_sim_day_of(c->e->sim, now), dn, seq;
  if (mid && strcmp(mid, "earliest") == 0) {
    c->dn = today - 1;
    c->seq = 0;
    return 0;
  }
  if (mid && *mid && strcmp(mid, "latest") != 0) {
    if (emu_stream_msgid_parse(&dn, &seq, mid) != 0)
      return -1;
    if (dn < today - 1) {
      c->dn = today - 1, c->seq = 0;
    } else if (dn <= today) {
      c->dn = dn, c->seq = seq + 1;
    } else {
      return wl_err(WL_EUSAGE, "messageId is in the future");
    }
    return 0;
  }
  c->dn = today;
  if (load_day(c, today) != 0)
    return -1;
  c->seq = 0;
  while (c->seq < (int64_t)c->nev && c->ev[c->seq].start <= now)
    c->seq++;
  return 0;
}

int emu_stream_answer(wl_emu *e, void *mhd_conn, const char *url)
{
  struct MHD_Connection *conn = mhd_conn;
  static const char prefix[] = "/ws/v2/reader/persistent/";
  char tenant[64], key[128], accept[64];
  unsigned char sha[20];
  emu_sfault f;
  const char *p = url + sizeof(prefix) - 1, *slash;
  if (strncmp(url, prefix, sizeof(prefix) - 1) != 0 || !(slash = strchr(p, '/')) ||
      (size_t)(slash - p) >= sizeof(tenant))
    return plain(conn, 404, "no such topic\n");
  snprintf(tenant, sizeof(tenant), "%.*s", (int)(slash - p), p);
  if (strcmp(slash, "/event-v1/AgentStatusChange") != 0 && strcmp(slash, "/event-v1/all") != 0)
    return plain(conn, 404, "no such topic\n");
  int t = -1;
  for (int i = 0; i < e->ntenants; i++)
    if (strcmp(e->tenants[i].name, tenant) == 0)
      t = i;
  const char *tok = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "X-API-Key");
  if (!tok)
    tok = MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "x-api-key");
  if (take_fault(e, &f, want_refuse) || t < 0 || !token_ok(e->tenants[t].token, tok))
    return plain(conn, 401, "HTTP 401 Unauthorized\n");
  const char *up = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Upgrade");
  const char *wskey = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Sec-WebSocket-Key");
  const char *ver = MHD_lookup_connection_value(conn, MHD_HEADER_KIND, "Sec-WebSocket-Version");
  if (!up || strcasecmp(up, "websocket") != 0 || !wskey || strlen(wskey) > 60 || !ver ||
      strcmp(ver, "13") != 0)
    return plain(conn, 400, "a WebSocket upgrade (version 13) is required\n");
  sconn *c = calloc(1, sizeof(*c));
  if (!c)
    return MHD_NO;
  c->e = e;
  c->tenant = t;
  c->ev_dn = -1;
  if (start_position(c, MHD_lookup_connection_value(conn, MHD_GET_ARGUMENT_KIND, "messageId"))) {
    free(c->ev);
    free(c);
    return plain(conn, 400, "bad messageId\n");
  }
  snprintf(key, sizeof(key), "%s%s", wskey, WS_GUID);
  lws_SHA1((const unsigned char *)key, strlen(key), sha);
  sodium_bin2base64(accept, sizeof(accept), sha, sizeof(sha), sodium_base64_VARIANT_ORIGINAL);
  struct MHD_Response *r = MHD_create_response_for_upgrade(on_upgrade, c);
  if (!r) {
    free(c->ev);
    free(c);
    return MHD_NO;
  }
  MHD_add_response_header(r, "Upgrade", "websocket");
  MHD_add_response_header(r, "Sec-WebSocket-Accept", accept);
  enum MHD_Result ret = MHD_queue_response(conn, MHD_HTTP_SWITCHING_PROTOCOLS, r);
  MHD_destroy_response(r);
  return ret;
}
