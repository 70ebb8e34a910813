/*
 * Schedules for other WFM tools to push to (docs/WEB.md):
 *   PUT /api/v1/sources/NAME/schedules?agent=ID&from=TIME&to=TIME[&create_agent=1]
 *       body: [{"start":"ISO","end":"ISO","activity":"phone"}, ...]
 *       replaces the agent's schedule inside [from, to) with the body, in one
 *       transaction; a stored segment that crosses from or to keeps its part
 *       outside the range.
 *   GET  the same address: the agent's segments overlapping [from, to).
 * TIME: ISO 8601 with offset, or YYYY-MM-DD (local midnight of the source).
 * Checks (all segments are checked and every problem listed; nothing is
 * stored when one fails): start and end are ISO instants, end > start, the
 * segment lies inside [from, to), segments do not overlap, the activity has
 * rules (`wfmlink rules set` adds one), the agent is known unless
 * create_agent=1. Authenticated by a bearer API key or the session. The
 * body is at most WL_JSON_MAX (4 MiB, a WL_R_JSON route): the server refuses
 * a larger one with 413 before this parser sees it.
 *
 * The body is never built as one jansson tree: a tree costs many times its
 * text (4 MiB of "{}," is 1.4 million objects, about 320 MB). A pre-scan
 * finds the array's elements and counts them, so more than MAX_SEGMENTS is
 * refused before anything is allocated; then each element (at most
 * MAX_SEGMENT_BYTES) is parsed alone, copied out and freed.
 */
#include "web/adh_web.h"
#include "core/schedules.h"
#include "core/sources.h"
#include "core/rowsets.h"
#include "util/err.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "wfm/adherence.h"

#include <microhttpd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_SEGMENTS 100000
#define MAX_SEGMENT_BYTES 4096  /* one {"start","end","activity"} is ~100 bytes */
#define MAX_LISTED 20

/* Where an element of the body's array lies. */
typedef struct span {
  size_t off, len;
  int line;                 /* of its first byte, for messages */
} span;

typedef struct put_req {
  wl_req *rq;
  wl_source src;
  wl_tz *tz;
  const char *agent;
  int64_t from, to;
  int create_agent;
  struct seg {
    wl_schedule_row row;    /* activity points into acts once all are read */
    size_t index;           /* in the body, for messages */
    size_t act_off;         /* the activity's offset in acts */
  } *segs;
  size_t n;
  wl_buf acts;              /* the activities, NUL-separated */
  json_t *problems;         /* array of messages */
  size_t nproblems;
} put_req;

static int bad_request(wl_req *rq, const char *msg)
{
  return wl_error_page(rq, MHD_HTTP_BAD_REQUEST, "Bad request", msg);
}

/* Source, agent and range from the address; answers 400/404 itself. */
static int read_target(put_req *p, wl_req *rq)
{
  const char *from = wl_req_query(rq, "from"), *to = wl_req_query(rq, "to");
  const char *create = wl_req_query(rq, "create_agent");
  int rc;
  char msg[400];
  memset(p, 0, sizeof(*p));
  p->rq = rq;
  if ((rc = wl_aw_source(rq, &p->src, &p->tz)) != 0)
    return rc;
  p->agent = wl_req_query(rq, "agent");
  p->create_agent = create && (!strcmp(create, "1") || !strcasecmp(create, "true"));
  if (!p->agent || !*p->agent || strlen(p->agent) >= WL_ADH_AGENT_LEN)
    return bad_request(rq, "agent=ID is required (at most 127 characters)"), WL_EUSAGE;
  if (!from || !to)
    return bad_request(rq, "from=TIME and to=TIME are required (ISO 8601 with offset)"),
           WL_EUSAGE;
  if (wl_time_parse_arg(&p->from, from, p->tz) != 0 || wl_time_parse_arg(&p->to, to, p->tz) != 0) {
    snprintf(msg, sizeof(msg), "from/to: %s", wl_errmsg());
    return bad_request(rq, msg), WL_EUSAGE;
  }
  if (p->to <= p->from)
    return bad_request(rq, "to must be after from"), WL_EUSAGE;
  return 0;
}

/* ---- GET ---- */

typedef struct get_ctx {
  json_t *arr;
  const wl_tz *tz;
} get_ctx;

static int get_row(void *payload, const wl_schedule_row *r)
{
  get_ctx *g = payload;
  char a[WL_ISO_LEN], z[WL_ISO_LEN];
  json_t *o = json_pack("{s:s,s:s,s:s}", "start", wl_time_format(a, sizeof(a), r->start_utc, g->tz),
                        "end", wl_time_format(z, sizeof(z), r->end_utc, g->tz), "activity",
                        r->activity);
  return o && json_array_append_new(g->arr, o) == 0 ? 0 : wl_err(WL_ENOMEM, "out of memory");
}

int wl_api_schedules_get(wl_req *rq)
{
  put_req p;
  get_ctx g;
  int rc = read_target(&p, rq);
  if (rc == 0) {
    g = (get_ctx){json_array(), p.tz};
    rc = wl_source_schedule(rq->app->st, p.src.id, p.agent, p.from, p.to, get_row, &g);
    if (rc == 0)
      rc = wl_aw_send_json(rq, 0, g.arr);
    else
      json_decref(g.arr);
  }
  wl_tz_free(p.tz);
  return rq->status ? 0 : rc;
}

/* ---- PUT: checks ---- */

static void problem(put_req *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void problem(put_req *p, const char *fmt, ...)
{
  char msg[600];
  va_list ap;
  if (++p->nproblems > MAX_LISTED)
    return;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  json_array_append_new(p->problems, json_string(msg));
}

static const char *str_member(json_t *o, const char *key)
{
  json_t *v = json_object_get(o, key);
  return json_is_string(v) ? json_string_value(v) : NULL;
}

static void read_time(int64_t *out, put_req *p, size_t i, const char *key, const char *v)
{
  if (!v)
    problem(p, "segment %zu: \"%s\" is missing (an ISO 8601 time with offset)", i + 1, key);
  else if (wl_time_parse_iso(out, v) != 0)
    problem(p, "segment %zu: %s: %s", i + 1, key, wl_errmsg());
}

/* One element of the body into p->segs[i]. */
static void read_segment(put_req *p, size_t i, json_t *o)
{
  wl_schedule_row *r = &p->segs[i].row;
  const char *s = str_member(o, "start"), *e = str_member(o, "end");
  size_t nproblems = p->nproblems;
  p->segs[i].index = i;
  r->agent_id = p->agent;
  r->activity = str_member(o, "activity");
  if (!json_is_object(o)) {
    problem(p, "segment %zu is not an object {\"start\",\"end\",\"activity\"}", i + 1);
    return;
  }
  read_time(&r->start_utc, p, i, "start", s);
  read_time(&r->end_utc, p, i, "end", e);
  if (!r->activity || !*r->activity)
    problem(p, "segment %zu: \"activity\" is missing", i + 1);
  if (p->nproblems > nproblems)
    return;
  /* the element's tree is freed next: keep a copy of the activity */
  p->segs[i].act_off = p->acts.len;
  if (wl_buf_append(&p->acts, r->activity, strlen(r->activity) + 1) != 0)
    problem(p, "segment %zu: out of memory", i + 1);
  if (r->end_utc <= r->start_utc)
    problem(p, "segment %zu: end %s is not after start %s", i + 1, e, s);
  else if (r->start_utc < p->from || r->end_utc > p->to)
    problem(p, "segment %zu (%s to %s) is not inside the range from/to", i + 1, s, e);
}

static int cmp_start(const void *a, const void *b)
{
  const struct seg *x = a, *y = b;
  return x->row.start_utc < y->row.start_utc ? -1 : x->row.start_utc > y->row.start_utc;
}

/* Activities have rules, segments do not overlap, the agent is known. */
static int check_all(put_req *p)
{
  wl_store *st = p->rq->app->st;
  wl_adh_rules *rules = NULL;
  int rc = wl_rowset_load_rules(&rules, st, p->src.id);
  if (rc)
    return rc;
  for (size_t i = 0; i < p->n; i++) {
    if (!wl_adh_rules_has(rules, p->segs[i].row.activity))
      problem(p, "segment %zu: unknown activity '%s' (add it with 'wfmlink rules set' or on the "
                 "rules page)", i + 1, p->segs[i].row.activity);
  }
  wl_adh_rules_free(rules);
  if (p->nproblems == 0 && p->n > 1) {
    qsort(p->segs, p->n, sizeof(*p->segs), cmp_start);
    for (size_t i = 1; i < p->n; i++)
      if (p->segs[i].row.start_utc < p->segs[i - 1].row.end_utc) {
        size_t a = p->segs[i - 1].index + 1, b = p->segs[i].index + 1;
        problem(p, "segment %zu overlaps segment %zu (segments of one agent must not overlap)",
                a > b ? a : b, a > b ? b : a);
      }
  }
  if (!p->create_agent && !wl_schedule_agent_known(st, p->src.id, p->agent))
    problem(p, "unknown agent '%s' (add create_agent=1 to add it)", p->agent);
  return 0;
}

/* ---- PUT ---- */

static int store(put_req *p, int *created)
{
  wl_schedule_row *rows = calloc(p->n ? p->n : 1, sizeof(*rows));
  int rc;
  *created = 0;
  if (!rows)
    return wl_err(WL_ENOMEM, "out of memory");
  for (size_t i = 0; i < p->n; i++)
    rows[i] = p->segs[i].row;
  rc = wl_schedule_replace_range(p->rq->app, &p->src, p->agent, p->from, p->to, rows, p->n,
                                 p->create_agent, created);
  free(rows);
  return rc;
}


static int refuse(put_req *p)
{
  char msg[160];
  json_t *o;
  if (p->nproblems > MAX_LISTED)
    problem(p, "... and %zu more", p->nproblems - MAX_LISTED);
  snprintf(msg, sizeof(msg), "schedule rejected, nothing stored (%zu problem%s)", p->nproblems,
           p->nproblems == 1 ? "" : "s");
  o = json_pack("{s:s,s:O}", "error", msg, "errors", p->problems);
  return wl_aw_send_json(p->rq, MHD_HTTP_BAD_REQUEST, o);
}

static size_t skip_ws(const char *b, size_t i, size_t n, int *line)
{
  for (; i < n && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r'); i++)
    *line += b[i] == '\n';
  return i;
}

/* The end of the value starting at b[i]: strings and nesting are followed,
 * the rest is left to jansson (it parses each element). */
static size_t value_end(const char *b, size_t i, size_t n, int *line)
{
  int depth = 0, in_str = 0;
  for (; i < n; i++) {
    char c = b[i];
    if (in_str) {
      if (c == '\\') {
        i++;
      } else if (c == '"') {
        in_str = 0;
        if (depth == 0)
          return i + 1;
      }
      continue;
    }
    if (c == '"') {
      in_str = 1;
    } else if (c == '{' || c == '[') {
      depth++;
    } else if (c == '}' || c == ']') {
      if (depth == 0)
        return i; /* the end of the outer array */
      if (--depth == 0)
        return i + 1;
    } else if (depth == 0 && (c == ',' || c == ' ' || c == '\t' || c == '\n' || c == '\r')) {
      return i;
    }
    *line += c == '\n';
  }
  return n;
}

static int not_json(wl_req *rq, const char *what, int line)
{
  char msg[300];
  snprintf(msg, sizeof(msg), "the body is not JSON: %s (line %d)", what, line);
  return bad_request(rq, msg), WL_EUSAGE;
}

/* The elements of the body's top-level array into *out (*n of them),
 * counted before any is parsed. Answers 400/413 itself. */
static int scan_body(put_req *p, span **out, size_t *n)
{
  wl_req *rq = p->rq;
  const char *b = rq->upload.ptr ? rq->upload.ptr : "";
  size_t len = rq->upload.len, i, cap = 0;
  int line = 1;
  *out = NULL;
  *n = 0;
  i = skip_ws(b, 0, len, &line);
  if (i >= len)
    return not_json(rq, "'[' or '{' expected near end of file", line);
  if (b[i] != '[')
    return bad_request(rq, "the body must be a JSON array of {\"start\",\"end\",\"activity\"}"),
           WL_EUSAGE;
  i = skip_ws(b, i + 1, len, &line);
  while (i < len && b[i] != ']') {
    size_t end;
    int start_line = line;
    if (*n >= MAX_SEGMENTS) {
      free(*out);
      *out = NULL;
      return wl_error_page(rq, MHD_HTTP_CONTENT_TOO_LARGE, "Request too large",
                           "more than 100000 segments in one request; send the schedule in "
                           "parts (by agent or by range)"), WL_EUSAGE;
    }
    end = value_end(b, i, len, &line);
    if (end == i)
      return free(*out), *out = NULL, not_json(rq, "a value expected", line);
    if (*n == cap) {
      span *grown = realloc(*out, (cap ? cap * 2 : 256) * sizeof(**out));
      if (!grown)
        return free(*out), *out = NULL, wl_err(WL_ENOMEM, "out of memory");
      *out = grown;
      cap = cap ? cap * 2 : 256;
    }
    (*out)[(*n)++] = (span){i, end - i, start_line};
    i = skip_ws(b, end, len, &line);
    if (i < len && b[i] == ',') {
      i = skip_ws(b, i + 1, len, &line);
      if (i < len && b[i] == ']')
        return free(*out), *out = NULL, not_json(rq, "a value expected after ','", line);
    } else if (i < len && b[i] != ']') {
      return free(*out), *out = NULL, not_json(rq, "',' or ']' expected", line);
    }
  }
  if (i >= len || skip_ws(b, i + 1, len, &line) != len)
    return free(*out), *out = NULL,
           not_json(rq, i >= len ? "']' expected near end of file" : "end of file expected",
                    line);
  return 0;
}

static int check_type(put_req *p)
{
  const char *ct = wl_req_header(p->rq, MHD_HTTP_HEADER_CONTENT_TYPE);
  if (!ct || strncasecmp(ct, "application/json", 16) != 0)
    return wl_error_page(p->rq, MHD_HTTP_UNSUPPORTED_MEDIA_TYPE, "Unsupported body",
                         "send the segments as Content-Type: application/json"), WL_EUSAGE;
  if (p->rq->upload.len > WL_JSON_MAX) /* the route's cap, should the route table change */
    return wl_error_page(p->rq, MHD_HTTP_CONTENT_TOO_LARGE, "Request too large",
                         "The body is larger than 4 MiB, the most this address accepts."),
           WL_EUSAGE;
  return 0;
}

/* Element i alone: parsed, read into p->segs[i], freed. A syntax error
 * answers 400 (WL_EUSAGE); a bad segment is a problem listed later. */
static int read_element(put_req *p, size_t i, const span *sp)
{
  const char *b = p->rq->upload.ptr;
  json_error_t je;
  json_t *o;
  if (sp->len > MAX_SEGMENT_BYTES) {
    problem(p, "segment %zu is larger than %d bytes", i + 1, MAX_SEGMENT_BYTES);
    return 0;
  }
  o = json_loadb(b + sp->off, sp->len, JSON_REJECT_DUPLICATES | JSON_DECODE_ANY, &je);
  if (!o)
    return not_json(p->rq, je.text, sp->line + je.line - 1);
  read_segment(p, i, o);
  json_decref(o);
  return 0;
}

static int read_body(put_req *p)
{
  span *sp = NULL;
  int rc = check_type(p);
  if (rc == 0)
    rc = scan_body(p, &sp, &p->n);
  if (rc == 0 && (!(p->segs = calloc(p->n ? p->n : 1, sizeof(*p->segs))) ||
                  !(p->problems = json_array())))
    rc = wl_err(WL_ENOMEM, "out of memory");
  for (size_t i = 0; rc == 0 && i < p->n; i++)
    rc = read_element(p, i, &sp[i]);
  free(sp);
  if (rc == 0 && p->acts.err)
    rc = wl_err(WL_ENOMEM, "out of memory");
  for (size_t i = 0; rc == 0 && p->nproblems == 0 && i < p->n; i++)
    p->segs[i].row.activity = p->acts.ptr + p->segs[i].act_off;
  return rc;
}

int wl_api_schedules_put(wl_req *rq)
{
  put_req p;
  int created = 0, rc = read_target(&p, rq);
  wl_buf_init(&p.acts, WL_JSON_MAX);
  if (rc == 0 && (rc = read_body(&p)) == 0) {
    if (p.nproblems == 0)
      rc = check_all(&p);
    if (rc == 0 && p.nproblems)
      rc = refuse(&p);
    else if (rc == 0 && (rc = store(&p, &created)) == 0) {
      char a[WL_ISO_LEN], z[WL_ISO_LEN];
      wl_info(p.src.name, "web: schedule of agent '%s' replaced by '%s' (%zu segments)", p.agent,
              rq->user, p.n);
      rc = wl_aw_send_json(rq, 0, json_pack("{s:s,s:s,s:s,s:I,s:b}", "agent", p.agent, "from",
                                            wl_time_format(a, sizeof(a), p.from, p.tz), "to",
                                            wl_time_format(z, sizeof(z), p.to, p.tz), "stored",
                                            (json_int_t)p.n, "agent_created", created));
    }
  }
  json_decref(p.problems);
  wl_buf_free(&p.acts);
  free(p.segs);
  wl_tz_free(p.tz);
  return rq->status ? 0 : rc;
}
