#ifndef WL_SOURCES_DRIVER_H
#define WL_SOURCES_DRIVER_H
/*
 * What a contact-center source adapter provides (Fluent Bit's plugin
 * shape): one const struct of its knowledge, the requests to make and how
 * to read the answers, so core/ (the collector, jobs, the connection test)
 * holds no vendor's paths, paging or formats. A driver lives in a folder
 * beside sources/8x8/ and is listed in sources/drivers.c; a source row
 * names its driver by vendor ("8x8").
 *
 * Requests are described, not sent: core/ runs them on its curl multi loop
 * with the retries, leases and transactions it owns.
 */
#include <stddef.h>
#include <stdint.h>
#include "util/tz.h"
#include "wfm/records.h"

/* One queue of a source's queue list. */
typedef struct wl_src_queue {
  char queue_id[64];
  char name[256];
  char media_type[16];
} wl_src_queue;

/* One row of the vendor's own per-interval queue statistics (what
 * `wfmlink verify` compares the stored rows with). */
typedef struct wl_src_stat {
  char queue_name[256];
  int64_t start_utc;
  int64_t entered, accepted, abandoned, time_waiting_s;
} wl_src_stat;

typedef int (*wl_rt_agent_cb)(void *payload, const wl_rt_agent *a);
typedef int (*wl_leg_cb)(void *payload, const wl_leg *leg);
typedef int (*wl_src_queue_cb)(void *payload, const wl_src_queue *q);
typedef int (*wl_src_stat_cb)(void *payload, const wl_src_stat *s);

/* A request to make: which API root, as which tenant, what path. */
typedef struct wl_src_request {
  const char *base_url;     /* points into the source given */
  const char *tenant;
  char path[128];           /* relative to base_url */
  char query[512];          /* escaped; "" for none */
} wl_src_request;

/* The outcome of a connection test, in words an administrator understands. */
typedef struct wl_conntest_result {
  int ok;
  long http_status;
  char message[768];
} wl_conntest_result;

/* One agent state change pushed by a source's event stream. */
typedef struct wl_src_event {
  char message_id[128];  /* the reader's position after it; "" when the frame had none */
  char agent_id[128];
  char state[16];        /* neutral name; "unknown" for a code not in the status map */
  char vendor_code[16];
  int64_t start;         /* when the new state began, Unix s */
  int64_t ts_ms;         /* the vendor's send time in ms, 0 when absent */
  int64_t sequence;      /* the vendor's sequence number, -1 when absent */
} wl_src_event;

/* What a parsed frame was: an agent state change, or another event type
 * (ignored by the agent-state feed). */
enum wl_src_frame_kind { WL_SRC_FRAME_AGENT = 1, WL_SRC_FRAME_OTHER = 2 };

/* Where a stream reader connects: plain ws only to loopback. */
typedef struct wl_src_stream_url {
  int tls;
  char host[256];
  int port;
  char path[1024];
} wl_src_stream_url;

/* A driver's push feed of agent states over a WebSocket (8x8's Event
 * Streaming). core/stream_*.c owns the connections, the resume and the
 * writes; the driver knows the hosts, the URL and the frames. */
typedef struct wl_source_stream {
  size_t max_frame;         /* larger frames are skipped unread */
  const char *hosts_hint;   /* the vendor's stream hosts, named when a connection fails */
  const char *token_hint;   /* which token the stream takes, named after a 401 */
  /* a stream-host setting: checked, written in canonical form */
  int (*host_check)(char *out, size_t outlen, const char *value);
  /* the stream host implied by a base URL, or WL_ENOTFOUND with why */
  int (*host_default)(char *out, size_t outlen, const char *base_url);
  /* the agent-state reader's URL resuming after message_id (NULL or "":
   * the newest) */
  int (*url)(wl_src_stream_url *out, const char *host, const char *tenant,
             const char *message_id);
  /* one text frame: 0 with *kind, or WL_EFAIL with why (out->message_id
   * kept when it could be read, so the position still moves on) */
  int (*parse)(wl_src_event *out, int *kind, const char *frame, size_t len);
} wl_source_stream;

typedef struct wl_source_driver {
  const char *vendor;       /* wl_source.vendor */
  int page_size;            /* a page this full means more may follow */
  int max_pages;            /* pages of one window before paging is refused */

  /* the real-time snapshot of every agent */
  int (*realtime_request)(wl_src_request *out, const wl_source *src);
  /* the queue list, page by page (next_n: 1-based index of the page's
   * first record) */
  int (*queues_request)(wl_src_request *out, const wl_source *src, int64_t next_n);
  /* the interactions of [from, to) (UTC; the driver turns the window into
   * the vendor's bounds in the source's zone tz), page by page */
  int (*window_request)(wl_src_request *out, const wl_source *src, const wl_tz *tz,
                        int64_t from, int64_t to, int64_t next_n);

  /* the vendor's statistics of one queue over [from, to), page by page */
  int (*statistics_request)(wl_src_request *out, const wl_source *src, const wl_tz *tz,
                            const char *queue_id, int64_t from, int64_t to, int64_t next_n);

  /* Answers to those requests, whole bodies (the format is detected here,
   * once). Records go to cb; counts may be NULL. */
  int (*parse_realtime)(const char *buf, size_t len, wl_rt_agent_cb cb, void *payload,
                        size_t *nskipped);
  int (*parse_queues)(const char *buf, size_t len, wl_src_queue_cb cb, void *payload);
  int (*parse_window)(const char *buf, size_t len, wl_leg_cb cb, void *payload,
                      size_t *nrecords, size_t *nskipped);
  int (*parse_statistics)(const char *buf, size_t len, wl_src_stat_cb cb, void *payload);

  /* After a window page of nrecords (pages read so far, this one
   * included): 1 and *next_n moved on when another page follows, 0 when
   * the window is complete, WL_EFAIL past max_pages. */
  int (*next_page)(int64_t *next_n, size_t nrecords, int64_t pages);

  /* One blocking request that shows whether base_url, tenant and token
   * work: the real-time API, or (historical) the statistics API. */
  void (*test)(wl_conntest_result *out, const char *base_url, const char *tenant,
               const char *token, int historical);

  /* the real-time push feed; NULL when the vendor has none */
  const wl_source_stream *stream;
} wl_source_driver;

/* The driver of a vendor ("8x8"), or NULL with an error naming it. */
const wl_source_driver *wl_source_driver_find(const char *vendor);

/* A stream-host setting (not tied to a source): accepted when some
 * driver's stream accepts it, in that driver's canonical form. */
int wl_source_stream_host_check(char *out, size_t outlen, const char *value);

#endif
