#ifndef WL_CORE_SOURCES_H
#define WL_CORE_SOURCES_H
/*
 * Sources as the command line, the web page and the demo change them: one
 * function per use-case, each one transaction, so `source add`, the web
 * form and `wfmlink demo` create a source the same way (the row, the
 * built-in adherence rules, the tokens). And the reads the front-ends show
 * of a source (its queues, agents, runs, intervals, schedule): cli/ and
 * web/ call these, never the store (the lint checks it).
 */
#include <stddef.h>
#include <stdint.h>
#include "core/app.h"

/* What a new or changed source brings besides its row. */
typedef struct wl_source_extras {
  const char *token;        /* real-time token; NULL: none given (kept) */
  const char *hist_token;   /* historical token; NULL: none given (kept) */
  int allow_fast_poll;      /* stores allow-fast-poll = on */
  const char *stream;       /* the `stream` setting, "on" or "off"; NULL: kept */
  const char *stream_host;  /* the `stream-host` setting (checked again here and stored
                             * in canonical form); "": removed, so the host is derived
                             * from the base URL; NULL: kept */
} wl_source_extras;

/* Adds src (filling src->id) with the built-in adherence rules and what ex
 * gives (ex may be NULL), in one transaction: nothing is stored when a step
 * fails. WL_EEXISTS for a taken name. */
int wl_source_create(wl_app *app, wl_source *src, const wl_source_extras *ex);
/* Stores the changed row and what ex gives (tokens, settings), in one
 * transaction (it joins the caller's, if one is open). */
int wl_source_update(wl_app *app, const wl_source *src, const wl_source_extras *ex);
/* Checks the event stream settings a front-end is about to save with src
 * (its vendor and base URL as they will be saved): host, the stream-host
 * value ("" or NULL: derived from the base URL), must be one the stream
 * accepts; with stream on, a host must be known. Writes host's canonical
 * form to out ("" when host is empty). WL_EUSAGE with a message that
 * starts "stream-host: " (an unknown host names the region hosts). */
int wl_source_stream_check(char *out, size_t cap, const wl_source *src, int stream,
                           const char *host);
/* The vendor's event stream hosts in words ("pulsar-ws-use1.8x8.com US1,
 * ..."), for hints; "" for a vendor without a stream. */
const char *wl_source_stream_hosts(const char *vendor);
/* Removes the source and all its data. */
int wl_source_remove(wl_app *app, int64_t source_id);

/* Transactions for a front-end that makes several changes at once. */
int wl_source_begin(wl_app *app);
int wl_source_commit(wl_app *app);
void wl_source_rollback(wl_app *app);

/* The source named name / with id; WL_ENOTFOUND when there is none. */
int wl_source_get(wl_store *st, wl_source *out, const char *name);
int wl_source_get_by_id(wl_store *st, wl_source *out, int64_t id);
/* Every source, by name. */
int wl_source_list(wl_store *st, wl_source_cb cb, void *payload);
/* The stored token of kind, decrypted (no fallback between kinds);
 * WL_ENOTFOUND when none is set. The caller frees with wl_token_free. */
int wl_source_token(char **out, wl_app *app, int64_t source_id, enum wl_token_kind kind);

/* What the source holds (store/store.h explains the orders and windows). */
int wl_source_queues(wl_store *st, int64_t source_id, wl_queue_cb cb, void *payload);
int wl_source_agents(wl_store *st, int64_t source_id, wl_agent_cb cb, void *payload);
int wl_source_intervals(wl_store *st, int64_t source_id, const char *queue_id, int64_t from,
                        int64_t to, wl_interval_cb cb, void *payload);
int wl_source_schedule(wl_store *st, int64_t source_id, const char *agent_id, int64_t from,
                       int64_t to, wl_schedule_cb cb, void *payload);
/* Collection runs, newest first: the latest limit (source 0: all sources),
 * or those whose window overlaps [from, to) (kind NULL: every kind). */
int wl_source_runs(wl_store *st, int64_t source_id, int limit, wl_run_cb cb, void *payload);
int wl_source_runs_in_range(wl_store *st, int64_t source_id, const char *kind, int64_t from,
                            int64_t to, int limit, wl_run_cb cb, void *payload);

#endif
