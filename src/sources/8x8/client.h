#ifndef WL_8X8_CLIENT_H
#define WL_8X8_CLIENT_H
/*
 * HTTP requests to one 8x8 API root, as libcurl easy handles that either run
 * alone (wl_8x8_req_perform, for connection tests) or inside a curl multi
 * loop owned by core/collector.c. The token is handed to libcurl as the Basic
 * auth password and never appears in a URL, a log line or a message.
 */
#include <curl/curl.h>
#include <stdint.h>
#include "util/buf.h"

#define WL_8X8_PAGE_SIZE 50
#define WL_8X8_MAX_BODY (32u * 1024 * 1024)

typedef struct wl_8x8_req {
  CURL *easy;
  wl_buf body;
  long status;            /* HTTP status, 0 before an answer */
  int64_t retry_after_s;  /* from Retry-After, -1 when absent */
  char url[2048];         /* without credentials */
  char host[256];
  char errbuf[CURL_ERROR_SIZE];
  long timeout_s;
  void *user;             /* the owner's job */
} wl_8x8_req;

/* path is relative to the API root ("rtstats/stats/agents.json"); query is
 * already escaped ("d=...&n=51") or NULL. */
int wl_8x8_req_new(wl_8x8_req **out, const char *base_url, const char *path, const char *query,
                   const char *tenant, const char *token, long timeout_s);
void wl_8x8_req_free(wl_8x8_req *r);
/* Runs the request to completion (blocking) and classifies it. */
int wl_8x8_req_perform(wl_8x8_req *r);
/* After the transfer ended with cc: 0 for a 2xx answer; otherwise an error
 * code with a message in words an administrator understands (WL_EAUTH for
 * 401/403, WL_ETIMEOUT, WL_EFAIL). */
int wl_8x8_req_result(wl_8x8_req *r, CURLcode cc);
/* Whether a failure of this kind is worth retrying (5xx, 429, timeout,
 * reset, truncated body; not 401/403/404/400). */
int wl_8x8_req_retryable(const wl_8x8_req *r, int rc);

/* Percent-encodes s into out (for d= and tz= values). */
int wl_8x8_escape(char *out, size_t outlen, const char *s);

#endif
