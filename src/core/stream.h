#ifndef WL_CORE_STREAM_H
#define WL_CORE_STREAM_H
/*
 * Agent states pushed by 8x8's Event Streaming (issue 15, docs/STREAM.md).
 *
 * One libwebsockets thread serves the streams of all sources (stream_ws.c):
 * it connects, reconnects with capped backoff and jitter, resumes after the
 * last message id it received, parses frames and queues the events. The
 * collector's loop thread, the only writer of the store, drains the queue
 * (stream_apply.c): each batch of a source is one transaction holding the
 * state changes and the last message id they came from, so a restart or a
 * kill -9 resumes exactly there and nothing is applied twice.
 *
 * The rtstats poll keeps running as the reconciler: while the stream is
 * live it only compares (and the poll wins where they disagree); while the
 * stream is down for up to rt-max-gap-s it waits for the catch-up; after
 * that the timeline is the poll's until the stream is back.
 */
#include <curl/curl.h>
#include <stdint.h>
#include "core/app.h"
#include "sources/driver.h"
#include "wfm/records.h"
#include "wfm/timeline.h"

typedef struct wl_streams wl_streams;

/* How a real-time poll treats its snapshot. */
enum wl_stream_mode {
  WL_STREAM_OFF = 0,    /* no stream: the poll builds the timeline */
  WL_STREAM_LIVE,       /* the stream builds it; the poll reconciles */
  WL_STREAM_WAIT,       /* down shorter than rt-max-gap-s: the catch-up will fill it */
  WL_STREAM_POLL_ONLY   /* down longer: the poll builds it until the stream is back */
};

/* One event as queued by the stream thread (kind: WL_SRC_FRAME_* or 0 for
 * a bad frame, why says what was wrong with it). The source's driver
 * (sources/driver.h) knows the stream's hosts, URL and frames. */
typedef struct wl_stream_item {
  int64_t source_id;
  unsigned gen;
  int kind;
  wl_src_event ev;
  char why[120];
} wl_stream_item;

/* wake: a curl multi handle to wake (curl_multi_wakeup) when events wait;
 * NULL: none. */
int wl_streams_new(wl_streams **out, wl_app *app, CURLM *wake);
void wl_streams_free(wl_streams *s);

/* Keeps the stream of src running on host (wl_stream_host) or, with host
 * NULL or "", stops it. Reads the token and the stored message id when it
 * starts; call every loop turn (cheap). */
void wl_streams_want(wl_streams *s, const wl_source *src, const char *host);
/* Applies the queued events to the store; writes status rows. */
void wl_streams_drain(wl_streams *s);
/* The mode for src's next poll (OFF when its stream is not wanted);
 * max_gap is rt-max-gap-s. When the mode differs from *last, the source's
 * stream-status row is rewritten and *last updated. */
enum wl_stream_mode wl_streams_mode(wl_streams *s, const wl_source *src, int64_t max_gap,
                                    int *last);

/* ---- internal to core/stream_*.c --------------------------------------- */

wl_app *wl_streams_app(wl_streams *s);
/* Takes the queued items (the caller frees *items). */
void wl_streams_take(wl_streams *s, wl_stream_item **items, size_t *n);
/* The stream of source_id resumes from message_id (what the store holds)
 * after a failed transaction: queued items of it are dropped. */
void wl_streams_restart(wl_streams *s, int64_t source_id, const char *message_id);
/* Connection facts for the status rows and the mode. */
typedef struct wl_stream_info {
  int wanted, live;
  int64_t since;          /* wall seconds: live since, or down since */
  long reconnects;
  char last_error[256];
} wl_stream_info;
int wl_streams_info(wl_streams *s, int64_t source_id, wl_stream_info *out);

/* One change at t for one agent (a streamed event) inside the caller's
 * transaction, by wl_timeline_change's plan (returned in *plan). */
int wl_stream_apply_change(wl_change_plan *plan, wl_store *st, int64_t source_id,
                           const char *agent, int64_t t, const char *state, const char *code);

/* The reconciliation of one poll while the stream is live: compares every
 * polled agent with its stored open segment, counts agreement (status rows
 * stream-agree / stream-mismatch), logs mismatches, and returns in ops what
 * the poll writes: agents the stream has not seen yet, and mismatches
 * older than the grace (the poll's view wins from then on, at the poll's
 * estimated start). last_ok: the previous poll (rt-last-ok), the floor of
 * a seeded agent's start. Inside the caller's transaction. */
int wl_stream_reconcile(wl_timeline_ops *ops, wl_store *st, const wl_source *src,
                        const wl_state_row *open, size_t nopen, const wl_rt_agent *snap,
                        size_t nsnap, int64_t last_ok, int64_t now);

/* The stream's figures for `source show` and the source page: its status
 * line, the reconciliation's agreement ("99.8 % (4123 of 4131 polled agent
 * states agreed; 8 mismatches)") and the event counts. Empty strings when
 * the source never streamed. */
typedef struct wl_stream_summary {
  char status[512];
  char agreement[160];
  char events[200];
} wl_stream_summary;
void wl_stream_summarize(wl_stream_summary *out, wl_store *st, const wl_source *src);

/* The connection test of a source's stream (conntest.c): connects, waits
 * up to timeout_s for a frame or a pong, and explains failures (401, a host
 * that does not resolve or answer, TLS). msg gets one line either way. */
int wl_stream_test(char *msg, size_t cap, wl_app *app, const wl_source *src, int timeout_s);
/* The stream host of src: the stream-host setting, else derived from the
 * base URL; WL_ENOTFOUND with an explanation when neither gives one. */
int wl_stream_host(char *out, size_t cap, wl_store *st, const wl_source *src);
/* The same without the store, for a stream-host value about to be saved
 * (host NULL or "": derived from src->base_url), in the canonical form
 * wss://HOST:PORT (so two hosts compare as strings). */
int wl_stream_host_for(char *out, size_t cap, const wl_source *src, const char *host);

#endif
