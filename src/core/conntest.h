#ifndef WL_CORE_CONNTEST_H
#define WL_CORE_CONNTEST_H
/* The connection test behind `source test` and the page's buttons: one
 * request to the API, explained in words an administrator understands. */
#include "core/app.h"
#include "sources/driver.h" /* wl_conntest_result */

/* kind WL_TOKEN_RT tests rtstats (agents), WL_TOKEN_HIST the stats API
 * (queue list). Never fails itself: the outcome is in *out. */
void wl_conntest(wl_conntest_result *out, wl_app *app, const wl_source *src,
                 enum wl_token_kind kind);
/* The same with explicit values (the page tests what is typed before saving)
 * through the driver of vendor ("8x8"). */
void wl_conntest_values(wl_conntest_result *out, const char *vendor, const char *base_url,
                        const char *tenant, const char *token, enum wl_token_kind kind);

/* The event stream of src (when its `stream` setting is on): connects,
 * waits a few seconds for a frame or a pong, explains failures. */
void wl_conntest_stream(wl_conntest_result *out, wl_app *app, const wl_source *src);

/* Stores the built-in activity rules (wfm-definitions.md) for a new source. */
int wl_seed_default_rules(wl_store *st, int64_t source_id);

#endif
