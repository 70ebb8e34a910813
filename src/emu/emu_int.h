#ifndef WL_EMU_EMU_INT_H
#define WL_EMU_EMU_INT_H
/* Shared inside src/emu/ only. */
#include <pthread.h>
#include <stdint.h>
#include <time.h>

#include "emu/emu.h"
#include "emu/sim.h"
#include "emu/truth.h"
#include "util/buf.h"
#include "util/tz.h"

enum {
  EMU_FAULT_NONE,
  EMU_FAULT_500,
  EMU_FAULT_503,
  EMU_FAULT_429,
  EMU_FAULT_HANG,
  EMU_FAULT_TRUNCATE,
  EMU_FAULT_BADJSON,
  EMU_FAULT_401,
  EMU_FAULT_RESET
};

#define EMU_MAX_FAULTS 32
#define EMU_MAX_PATHS 512
#define EMU_MAX_ZONES 32

typedef struct emu_fault {
  int kind;
  int remaining;
  int retry_after; /* 429: Retry-After; hang: seconds to hold */
  char path[128];  /* substring to match, "" = any */
} emu_fault;

typedef struct emu_pathcount {
  char path[128];
  long count;
} emu_pathcount;

/* Stream faults (/_emu/stream-fault, docs/EMULATOR.md). */
enum {
  EMU_SF_NONE,
  EMU_SF_DROP,    /* half of the next frame, then the connection closes */
  EMU_SF_LOSE,    /* the next event lasting >= 10 s is never delivered */
  EMU_SF_REPEAT,  /* the next event is sent twice */
  EMU_SF_REORDER, /* the next two events are sent in reverse order */
  EMU_SF_STALL,   /* nothing at all (no frames, no pings) for `seconds` */
  EMU_SF_REFUSE,  /* the next connection attempt gets 401 */
  EMU_SF_GARBAGE  /* a burst of bad frames (docs/EMULATOR.md), then events again */
};

typedef struct emu_sfault {
  int kind;
  int remaining;
  int seconds;
} emu_sfault;

#define EMU_MAX_LOST 256

typedef struct emu_stream_thread {
  pthread_t th;
  int done;
  struct emu_stream_thread *next;
} emu_stream_thread;

typedef struct emu_tenant {
  char name[64];
  char token[256];
} emu_tenant;

struct wl_emu {
  wl_emu_config cfg; /* strings point at the copies below */
  char host[64], tzname[64];
  char base_url[96];
  uint16_t port;
  wl_tz *tz;
  emu_sim *sim;
  struct MHD_Daemon *mhd;
  emu_tenant *tenants;
  int ntenants;

  pthread_mutex_t mu; /* everything below */
  pthread_cond_t cv;  /* wakes hanging requests on stop */
  int stopping;
  int64_t fixed_now;  /* > 0: the clock stands still */
  int64_t anchor_sim; /* at speed != 1: sim time at anchor_mono */
  struct timespec anchor_mono;
  unsigned quirks;
  emu_fault faults[EMU_MAX_FAULTS];
  int nfaults;
  emu_pathcount paths[EMU_MAX_PATHS];
  int npaths;
  long total_requests;
  struct {
    char name[64];
    wl_tz *tz;
  } zones[EMU_MAX_ZONES];
  int nzones;
  /* the event stream (stream.c) */
  emu_sfault sfaults[EMU_MAX_FAULTS];
  int nsfaults;
  struct {
    int tenant;
    int64_t dn, seq;
  } lost[EMU_MAX_LOST];
  int nlost;
  emu_stream_thread *streams;
  long stream_conns, stream_frames;
  int stream_open;
};

/* One request as the handlers see it (no libmicrohttpd types). */
typedef struct emu_req {
  const char *method;
  const char *path;
  int tenant; /* 0-based, after authentication */
  void *conn;
  const char *(*arg)(void *conn, const char *key);
} emu_req;

typedef struct emu_resp {
  int status;
  const char *ctype;
  wl_buf body;
  int retry_after; /* > 0: send Retry-After */
} emu_resp;

/* http.c: the libmicrohttpd daemon. */
int emu_http_start(wl_emu *e);
void emu_http_stop(wl_emu *e);

/* faults.c: clock, quirks, faults, request counts, zones. */
int64_t emu_now(wl_emu *e);
unsigned emu_quirks(wl_emu *e);
int emu_fault_kind(const char *name);
const char *emu_fault_name(int kind);
/* Takes one pending fault matching path (decrementing it) into out;
 * returns 0 when none matches. */
int emu_fault_take(wl_emu *e, const char *path, emu_fault *out);
void emu_faults_csv(wl_emu *e, wl_buf *b);
void emu_count_request(wl_emu *e, const char *path);
void emu_requests_csv(wl_emu *e, wl_buf *b);
/* A shared zone by name (loaded once, freed at stop); NULL name: the
 * contact center's zone. WL_EUSAGE for an unknown zone. */
int emu_zone(const wl_tz **out, wl_emu *e, const char *name);
void emu_zones_free(wl_emu *e);
/* Holds the calling thread up to seconds or until stop. */
void emu_hang(wl_emu *e, int seconds);

/* stream.c: the Pulsar-reader-shaped WebSocket endpoint. emu_stream_answer
 * answers a request under /ws/ (an upgrade to a stream, or an error);
 * emu_stream_stop joins the stream threads (before the daemon stops). */
int emu_stream_answer(wl_emu *e, void *mhd_conn, const char *url);
void emu_stream_stop(wl_emu *e);
int emu_stream_fault_kind(const char *name);
int emu_stream_add_fault(wl_emu *e, int kind, int count, int seconds);
void emu_stream_status(wl_emu *e, wl_buf *b);
/* messageId <-> (local day, sequence): protobuf-shaped, base64. */
void emu_stream_msgid(char *out, size_t cap, int64_t dn, int64_t seq);
int emu_stream_msgid_parse(int64_t *dn, int64_t *seq, const char *id);

/* api.c: answers under /api/ (authenticated). */
int emu_api(wl_emu *e, const emu_req *q, emu_resp *r);
/* An 8x8-style error: <API><Error>404 - Not Found.</Error></API>. */
void emu_error(emu_resp *r, int status);

/* control.c: answers under /_emu/. */
int emu_control(wl_emu *e, const emu_req *q, emu_resp *r);

/* Parses an instant from a query ("2024-03-10T00:00:00-05:00" with '+'
 * possibly decoded to ' ', a bare date in tz, or Unix seconds). */
int emu_parse_instant(int64_t *out, const char *s, const wl_tz *tz);

#endif
