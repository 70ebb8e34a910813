/*
 * The JSON API (docs/WEB.md): the same data as the pages, for scripts.
 *   GET /healthz                  no login: {"status":"ok",...}
 *   GET /api/v1/sources           every source, without tokens, with health
 *   GET /api/v1/sources/NAME      one source
 *   GET /api/v1/runs[?source=NAME][&limit=N]   collection runs, newest first
 * Authenticated by the session cookie or "Authorization: Bearer KEY"
 * (wfmlink user api-key). Times are ISO 8601 in the source's time zone.
 */
#include "web/web_int.h"
#include "core/sources.h"
#include "util/array.h"
#include "util/err.h"
#include "util/timeutil.h"
#include "util/tz.h"

#include <jansson.h>
#include <microhttpd.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_RUNS 100
#define MAX_RUNS 1000

static int send_json(wl_req *rq, json_t *j)
{
  char *txt = j ? json_dumps(j, JSON_INDENT(2)) : NULL;
  json_decref(j);
  if (!txt)
    return wl_err(WL_ENOMEM, "out of memory");
  rq->ctype = "application/json";
  wl_buf_puts(&rq->out, txt);
  wl_buf_puts(&rq->out, "\n");
  free(txt);
  return 0;
}

/* An instant as ISO 8601 in tz, or null for 0. */
static json_t *j_time(int64_t t, const wl_tz *tz)
{
  char buf[WL_ISO_LEN];
  if (t == 0)
    return json_null();
  return json_string(wl_time_format(buf, sizeof(buf), t, tz));
}

static json_t *j_health(wl_store *st, const wl_source *s, const wl_tz *tz)
{
  wl_health h;
  wl_health_get(&h, st, s, wl_now());
  return json_pack("{s:s,s:o,s:o,s:s?,s:o,s:i}", "state", h.state, "rt_last_ok",
                   j_time(h.rt_last_ok, tz), "hist_watermark", j_time(h.hist_watermark, tz),
                   "last_error", h.last_error_at ? h.last_error : NULL, "last_error_at",
                   j_time(h.last_error_at, tz), "last_error_http", h.last_error_http);
}

static json_t *j_source(wl_store *st, const wl_source *s)
{
  wl_tz *tz = NULL;
  json_t *o;
  wl_tz_load(&tz, s->timezone);
  o = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:i,s:s,s:b,s:b,s:o,s:b,s:o,s:o}", "name", s->name,
                "vendor", s->vendor, "base_url", s->base_url, "tenant", s->tenant,
                "hist_base_url", s->hist_base_url, "hist_tenant", s->hist_tenant, "interval_s",
                s->interval_s, "timezone", s->timezone, "enabled", s->enabled, "token_set",
                s->has_token, "token_changed_at", j_time(s->token_changed_at, NULL),
                "hist_token_set", s->has_hist_token, "hist_token_changed_at",
                j_time(s->hist_token_changed_at, NULL), "health", j_health(st, s, tz));
  wl_tz_free(tz);
  return o;
}

typedef struct list_ctx {
  wl_store *st;
  json_t *arr;
} list_ctx;

static int add_source(void *payload, const wl_source *s)
{
  list_ctx *c = payload;
  return json_array_append_new(c->arr, j_source(c->st, s)) == 0 ? 0 : WL_ENOMEM;
}

int wl_api_sources(wl_req *rq)
{
  list_ctx c = {rq->app->st, json_array()};
  int rc = wl_source_list(rq->app->st, add_source, &c);
  if (rc) {
    json_decref(c.arr);
    return rc;
  }
  return send_json(rq, c.arr);
}

int wl_api_source(wl_req *rq)
{
  wl_source s;
  int rc = wl_source_get(rq->app->st, &s, rq->arg);
  if (rc == WL_ENOTFOUND)
    return wl_error_page(rq, MHD_HTTP_NOT_FOUND, "Not found", "no source with this name");
  return rc ? rc : send_json(rq, j_source(rq->app->st, &s));
}

typedef struct run_ctx {
  json_t *arr;
  wl_source *src;           /* all sources, to name and zone each run */
  wl_tz **tz;
  size_t n, cap;
} run_ctx;

static int add_src(void *payload, const wl_source *s)
{
  run_ctx *c = payload;
  size_t cap = c->cap; /* the two arrays grow together */
  if (wl_array_reserve(&c->src, &cap, c->n, sizeof(*c->src), 8) != 0 ||
      wl_array_reserve(&c->tz, &c->cap, c->n, sizeof(*c->tz), 8) != 0)
    return WL_ENOMEM;
  c->src[c->n] = *s;
  c->tz[c->n] = NULL;
  wl_tz_load(&c->tz[c->n], s->timezone);
  c->n++;
  return 0;
}

static int add_run(void *payload, const wl_run_row *r)
{
  run_ctx *c = payload;
  size_t i = 0;
  json_t *o;
  while (i < c->n && c->src[i].id != r->source_id)
    i++;
  {
    const wl_tz *tz = i < c->n ? c->tz[i] : NULL;
    o = json_pack("{s:I,s:s?,s:s,s:o,s:o,s:o,s:o,s:s,s:I,s:I,s:i,s:s}", "id", (json_int_t)r->id,
                  "source", i < c->n ? c->src[i].name : NULL, "kind", r->kind, "window_from",
                  j_time(r->window_from, tz), "window_to", j_time(r->window_to, tz), "started",
                  j_time(r->started, tz), "finished", j_time(r->finished, tz), "outcome",
                  r->outcome, "pages", (json_int_t)r->pages, "rows", (json_int_t)r->rows,
                  "http_status", r->http_status, "error", r->error);
  }
  return json_array_append_new(c->arr, o) == 0 ? 0 : WL_ENOMEM;
}

static int runs_limit(wl_req *rq)
{
  const char *s = wl_req_query(rq, "limit");
  char *end;
  long v = s ? strtol(s, &end, 10) : DEFAULT_RUNS;
  if (s && (*end || v <= 0))
    return -1;
  return v > MAX_RUNS ? MAX_RUNS : (int)v;
}

int wl_api_runs(wl_req *rq)
{
  run_ctx c = {json_array(), NULL, NULL, 0, 0};
  const char *name = wl_req_query(rq, "source");
  int64_t id = 0;
  int limit = runs_limit(rq), rc;
  if (limit < 0)
    rc = wl_error_page(rq, MHD_HTTP_BAD_REQUEST, "Bad request", "limit must be a positive number");
  else
    rc = wl_source_list(rq->app->st, add_src, &c);
  if (rc == 0 && !rq->status && name) {
    for (size_t i = 0; i < c.n && !id; i++)
      if (strcmp(c.src[i].name, name) == 0)
        id = c.src[i].id;
    if (!id)
      rc = wl_error_page(rq, MHD_HTTP_NOT_FOUND, "Not found", "no source with this name");
  }
  if (rc == 0 && !rq->status)
    rc = wl_source_runs(rq->app->st, id, limit, add_run, &c);
  if (rc == 0 && !rq->status) {
    rc = send_json(rq, c.arr);
    c.arr = NULL;
  }
  json_decref(c.arr);
  for (size_t i = 0; i < c.n; i++)
    wl_tz_free(c.tz[i]);
  free(c.src);
  free(c.tz);
  return rc == WL_ENOMEM ? wl_err(WL_ENOMEM, "out of memory") : rc;
}

int wl_api_healthz(wl_req *rq)
{
  int version = 0;
  int rc = wl_app_schema_version(rq->app, &version);
  if (rc) {
    rq->status = MHD_HTTP_SERVICE_UNAVAILABLE;
    return send_json(rq, json_pack("{s:s,s:s}", "status", "error", "database", "unavailable"));
  }
  return send_json(rq, json_pack("{s:s,s:s,s:i,s:s}", "status", "ok", "database", "ok",
                                 "schema_version", version, "version", "0.1.0"));
}
