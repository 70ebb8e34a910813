/*
 * 8x8 answers -> neutral records. The JSON tree (parsed by jansson, or built
 * from XML by parse_xml.c) is loaded and its envelope checked in full before
 * any record is delivered, so a broken body never yields half a result.
 * Field quirks (8x8-api.md "Quirks"): single record as object, empty lists in
 * four spellings, numbers as strings, extra fields, any order.
 */
#include "sources/8x8/parse.h"
#include "sources/8x8/parse_int.h"
#include "util/array.h"
#include "util/err.h"
#include "util/timeutil.h"

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One kind of answer: names for its envelope and for error messages. */
typedef struct kind {
  const char *what;       /* "agents", used in "expected an 8x8 agents answer" */
  const char *root;       /* XML root element / stats JSON wrapper key */
  const char *item;       /* the repeated record element / key */
  const char *json_shape;
  const char *xml_shape;
} kind;

static const kind K_RT_AGENTS = {"agents", "agents", "agent", "{\"agent\": ...}",
                                 "<agents><agent>...</agent></agents>"};
static const kind K_INTERACTIONS = {
    "interactions", "interactions", "interaction",
    "{\"interactions\": {\"interaction\": ...}}",
    "<interactions><interaction>...</interaction></interactions>"};
static const kind K_QUEUES = {"queues", "queues", "queue",
                              "{\"queues\": {\"queue\": ...}} or {\"queue\": ...}",
                              "<queues><queue>...</queue></queues>"};
static const kind K_AGENTS = {"agents", "agents", "agent",
                              "{\"agents\": {\"agent\": ...}}",
                              "<agents><agent>...</agent></agents>"};
static const kind K_STATS = {"statistics", "statistics", "statistic",
                             "{\"statistics\": {\"statistic\": ...}}",
                             "<statistics><statistic>...</statistic></statistics>"};

/* Remote text quoted in an error message: bounded, whole UTF-8 characters,
 * control characters replaced so a hostile answer cannot forge log lines. */
static const char *quotable(char *dst, size_t dsz, const char *s)
{
  wl_8x8_copy_utf8(dst, dsz, s, strlen(s));
  for (char *p = dst; *p; p++)
    if ((unsigned char)*p < 0x20 || *p == 0x7f)
      *p = '?';
  return dst;
}

/* ---- field access. Every getter treats a missing key, null, an array or
 * an object as absent. */

/* Text of a scalar, trimmed and bounded. Returns 1 when non-empty. */
static int value_text(char *dst, size_t dsz, const json_t *v)
{
  char tmp[64];
  const char *s = tmp;
  size_t n;
  if (json_is_string(v)) {
    s = json_string_value(v);
    n = json_string_length(v);
    wl_8x8_trim(&s, &n);
  } else if (json_is_integer(v)) {
    n = (size_t)snprintf(tmp, sizeof(tmp), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
  } else if (json_is_real(v)) {
    double d = json_real_value(v);
    /* 12.0 is how a number id may come back through a float: print "12" */
    if (d == floor(d) && fabs(d) < 1e15)
      n = (size_t)snprintf(tmp, sizeof(tmp), "%.0f", d);
    else
      n = (size_t)snprintf(tmp, sizeof(tmp), "%.17g", d);
  } else if (json_is_boolean(v)) {
    n = (size_t)snprintf(tmp, sizeof(tmp), "%s", json_is_true(v) ? "true" : "false");
  } else {
    n = 0;
  }
  wl_8x8_copy_utf8(dst, dsz, s, n);
  return dst[0] != '\0';
}

static int field_text(char *dst, size_t dsz, const json_t *rec, const char *key)
{
  return value_text(dst, dsz, json_object_get(rec, key));
}

static int field_id(char *dst, size_t dsz, const json_t *rec, const char *key)
{
  if (!field_text(dst, dsz, rec, key))
    return 0;
  wl_8x8_normalize_id(dst);
  return 1;
}

/* A number from a JSON number or a numeric string ("12", "12.0", "-3"). */
static int value_number(double *out, const json_t *v)
{
  *out = 0;
  if (!v || json_is_null(v))
    return WL_8X8_NUM_ABSENT;
  if (json_is_string(v))
    return wl_8x8_text_number(out, json_string_value(v), json_string_length(v));
  if (!json_is_number(v))
    return WL_8X8_NUM_BAD;
  *out = json_number_value(v);
  return wl_8x8_number_in_range(*out);
}

/* Whole seconds: durations are rounded half up per leg (wfm-definitions.md).
 * Missing, null or "" (late data) is 0, and so is a negative number; text
 * that is neither HH:MM:SS nor a number is an error (-1). */
static int value_duration(int64_t *out, const json_t *v)
{
  double d;
  *out = 0;
  if (!v || json_is_null(v))
    return 0;
  if (json_is_string(v))
    return wl_8x8_text_duration(out, json_string_value(v), json_string_length(v));
  if (value_number(&d, v) != WL_8X8_NUM_OK)
    return -1;
  *out = wl_8x8_seconds(d);
  return 0;
}

static int64_t value_count(const json_t *v)
{
  double d;
  if (value_number(&d, v) != WL_8X8_NUM_OK || d <= 0)
    return 0;
  return (int64_t)floor(d + 0.5);
}

/* 1: parsed into *out; 0: absent or ""; -1: present but not an instant. */
static int field_time(int64_t *out, const json_t *rec, const char *key)
{
  const json_t *v = json_object_get(rec, key);
  *out = 0;
  if (!v || json_is_null(v))
    return 0;
  if (!json_is_string(v))
    return -1;
  return wl_8x8_text_time(out, json_string_value(v), json_string_length(v));
}

/* ---- envelope */

/* The text of an 8x8 error answer (<API><Error>403 - Forbidden.</Error>),
 * or NULL. */
static const char *error_text(const char *root_name, const json_t *root)
{
  const json_t *v = root;
  if (!root_name) {
    v = json_object_get(root, "API");
    if (!v)
      v = root;
  } else if (strcmp(root_name, "API") != 0) {
    return NULL;
  }
  v = json_object_get(v, "Error");
  return json_is_string(v) ? json_string_value(v) : NULL;
}

/* "an object with keys "a", "b", ..." and friends, for "got ...". Key names
 * are shown (they are field names, not data); values never are. */
static void describe_json(char *out, size_t n, const json_t *v)
{
  const char *etext = error_text(NULL, v);
  char q[101];
  void *it;
  size_t used, i = 0;
  if (etext) {
    snprintf(out, n, "an 8x8 error answer: \"%s\"", quotable(q, sizeof(q), etext));
  } else if (json_is_object(v) && json_object_size(v) == 0) {
    snprintf(out, n, "an empty object");
  } else if (json_is_object(v)) {
    used = (size_t)snprintf(out, n, "an object with keys");
    for (it = json_object_iter((json_t *)v); it && used < n;
         it = json_object_iter_next((json_t *)v, it), i++) {
      if (i == 3) {
        snprintf(out + used, n - used, ", ...");
        break;
      }
      used += (size_t)snprintf(out + used, n - used, "%s\"%s\"", i ? ", " : " ",
                               quotable(q, 41, json_object_iter_key(it)));
    }
  } else {
    snprintf(out, n, "%s",
             json_is_array(v)     ? "a JSON array"
             : json_is_string(v)  ? "a JSON string"
             : json_is_number(v)  ? "a JSON number"
             : json_is_boolean(v) ? "a JSON boolean"
                                  : "null");
  }
}

static int wrong_shape(const kind *k, enum wl_8x8_format fmt, const char *got)
{
  return wl_err(WL_EFAIL, "expected an 8x8 %s answer (%s), got %s", k->what,
                fmt == WL_8X8_JSON ? k->json_shape : k->xml_shape, got);
}

static int is_empty_value(const json_t *v)
{
  const char *s;
  size_t n;
  if (!v || json_is_null(v))
    return 1;
  if (json_is_object(v))
    return json_object_size(v) == 0;
  if (json_is_array(v))
    return json_array_size(v) == 0;
  if (!json_is_string(v))
    return 0;
  s = json_string_value(v);
  n = json_string_length(v);
  wl_8x8_trim(&s, &n);
  return n == 0;
}

/* The value under the record key -> a new array of records. */
static int as_list(json_t **items, json_t *v, const kind *k, enum wl_8x8_format fmt)
{
  char got[256];
  if (is_empty_value(v)) {
    *items = json_array();
  } else if (json_is_array(v)) {
    *items = json_incref(v);
  } else if (json_is_object(v)) {
    *items = json_array();
    if (*items && json_array_append(*items, v) != 0) {
      json_decref(*items);
      *items = NULL;
    }
  } else {
    describe_json(got, sizeof(got), v);
    snprintf(got + strlen(got), sizeof(got) - strlen(got), " under \"%s\"", k->item);
    return wrong_shape(k, fmt, got);
  }
  return *items ? 0 : wl_err(WL_ENOMEM, "out of memory");
}

/* The value under the root key (<agents>...</agents>). Once the root name
 * matched, a container without records (only other children) is an empty
 * answer, not an error: 8x8 may add summary fields. */
static int from_container(json_t **items, json_t *c, const kind *k, enum wl_8x8_format fmt)
{
  char got[256];
  if (is_empty_value(c) || (json_is_object(c) && !json_object_get(c, k->item)))
    return as_list(items, NULL, k, fmt);
  if (json_is_object(c))
    return as_list(items, json_object_get(c, k->item), k, fmt);
  if (json_is_array(c)) /* {"agents": [...]}: the list without its item key */
    return as_list(items, c, k, fmt);
  if (fmt == WL_8X8_XML) {
    snprintf(got, sizeof(got), "text inside <%s>", k->root);
  } else {
    describe_json(got, sizeof(got), c);
    snprintf(got + strlen(got), sizeof(got) - strlen(got), " under \"%s\"", k->root);
  }
  return wrong_shape(k, fmt, got);
}

static int items_from_json(json_t **items, json_t *root, const kind *k)
{
  char got[256];
  json_t *v;
  if (json_is_object(root)) {
    if ((v = json_object_get(root, k->root)))
      return from_container(items, v, k, WL_8X8_JSON);
    if ((v = json_object_get(root, k->item)) || json_object_size(root) == 0)
      return as_list(items, v, k, WL_8X8_JSON);
  }
  describe_json(got, sizeof(got), root);
  return wrong_shape(k, WL_8X8_JSON, got);
}

static int items_from_xml(json_t **items, json_t *root, const char *name, const kind *k)
{
  char got[256], q[101];
  const char *etext;
  if (strcmp(name, k->root) == 0)
    return from_container(items, root, k, WL_8X8_XML);
  if (strcmp(name, k->item) == 0) /* rtstats /agent/{id} may answer one bare record */
    return as_list(items, root, k, WL_8X8_XML);
  if ((etext = error_text(name, root)))
    snprintf(got, sizeof(got), "an 8x8 error answer: \"%s\"", quotable(q, sizeof(q), etext));
  else
    snprintf(got, sizeof(got), "XML with root <%s>", quotable(q, 65, name));
  return wrong_shape(k, WL_8X8_XML, got);
}

/* Where the content starts: after a UTF-8 byte order mark and blanks. */
static size_t content_start(const char *buf, size_t len)
{
  size_t i = 0;
  if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0)
    i = 3;
  while (i < len && wl_8x8_is_blank(buf[i]))
    i++;
  return i;
}

enum wl_8x8_format wl_8x8_detect_format(const char *buf, size_t len)
{
  size_t i = buf ? content_start(buf, len) : 0;
  return i < len && buf[i] == '<' ? WL_8X8_XML : WL_8X8_JSON;
}

/* "<title>502 Bad Gateway</title>" -> "502 Bad Gateway", printable ASCII only,
 * looked for in the first 4 KiB. */
static void html_title(char *out, size_t n, const char *buf, size_t len)
{
  size_t i, j, lim = len < 4096 ? len : 4096, o = 0;
  out[0] = '\0';
  for (i = 0; i < lim && !wl_8x8_prefix_ci(buf + i, lim - i, "<title"); i++)
    ;
  while (i < lim && buf[i] != '>')
    i++;
  for (j = i + 1; j < lim && buf[j] != '<' && o + 1 < n; j++) {
    unsigned char c = (unsigned char)buf[j];
    if (o == 0 && wl_8x8_is_blank((char)c))
      continue;
    out[o++] = c >= 0x20 && c < 0x7f ? (char)c : ' ';
  }
  while (o > 0 && out[o - 1] == ' ')
    o--;
  out[o] = '\0';
}

/* Answers that are plainly not what was asked for (an empty body, a proxy's
 * HTML error page, the other format) get a message saying so rather than a
 * parser's line/column complaint. */
static int sniff(const kind *k, enum wl_8x8_format fmt, const char *buf, size_t len)
{
  char title[96], got[160];
  size_t i = content_start(buf, len);
  if (i == len)
    return wrong_shape(k, fmt, "an empty body");
  if (wl_8x8_prefix_ci(buf + i, len - i, "<!doctype html") || wl_8x8_prefix_ci(buf + i, len - i, "<html")) {
    html_title(title, sizeof(title), buf + i, len - i);
    if (title[0])
      snprintf(got, sizeof(got), "an HTML page (title \"%s\")", title);
    else
      snprintf(got, sizeof(got), "an HTML page");
    return wrong_shape(k, fmt, got);
  }
  if (fmt == WL_8X8_JSON && buf[i] == '<')
    return wrong_shape(k, fmt, "XML, not JSON");
  if (fmt == WL_8X8_XML && (buf[i] == '{' || buf[i] == '['))
    return wrong_shape(k, fmt, "JSON, not XML");
  return 0;
}

/* Parses the whole body and returns the records as a new array. */
static int load_items(json_t **items, const kind *k, const char *buf, size_t len,
                      enum wl_8x8_format fmt)
{
  json_t *root = NULL;
  json_error_t jerr;
  char name[128];
  int rc;
  *items = NULL;
  if (fmt != WL_8X8_JSON && fmt != WL_8X8_XML)
    return wl_err(WL_EUSAGE, "unknown 8x8 answer format %d", (int)fmt);
  if (!buf && len)
    return wl_err(WL_EUSAGE, "no buffer for a %zu-byte answer", len);
  if (!buf)
    buf = "";
  if ((rc = sniff(k, fmt, buf, len)) != 0)
    return rc;
  if (fmt == WL_8X8_JSON) {
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) { /* a UTF-8 BOM */
      buf += 3;
      len -= 3;
    }
    root = json_loadb(buf, len, JSON_DECODE_ANY, &jerr);
    if (!root)
      return wl_err(WL_EFAIL, "invalid JSON at line %d column %d: %s", jerr.line,
                    jerr.column, jerr.text);
    rc = items_from_json(items, root, k);
  } else {
    if ((rc = wl_8x8_xml_load(&root, name, sizeof(name), buf, len)) != 0)
      return rc;
    rc = items_from_xml(items, root, name, k);
  }
  json_decref(root);
  return rc;
}

/* ---- records */

static void set_status(wl_rt_agent *a, const json_t *v)
{
  double d;
  int r = value_number(&d, v);
  if (wl_8x8_status_from_number(a, r, d))
    return;
  /* missing: vendor code ""; garbage: keep its text so it can be looked at */
  snprintf(a->state, sizeof(a->state), "%s", WL_STATE_UNKNOWN);
  value_text(a->vendor_code, sizeof(a->vendor_code), v);
}

/* 0: a record; 1: skip it. */
static int rt_agent_from(wl_rt_agent *a, const json_t *rec)
{
  double d;
  memset(a, 0, sizeof(*a));
  if (!json_is_object(rec) || !field_text(a->agent_id, sizeof(a->agent_id), rec, "agent-id"))
    return 1;
  field_text(a->name, sizeof(a->name), rec, "agent-name");
  field_id(a->group_id, sizeof(a->group_id), rec, "group-id");
  set_status(a, json_object_get(rec, "agent-status"));
  if (value_number(&d, json_object_get(rec, "time-in-status")) == WL_8X8_NUM_OK && d > 0)
    a->time_in_status = (int64_t)floor(d);
  return 0;
}

/* interaction-direction: only "inbound" legs count (8x8-api.md section 3),
 * in any letter case. */
static int direction_inbound(const json_t *rec)
{
  char dir[32];
  return field_text(dir, sizeof(dir), rec, "interaction-direction") && wl_8x8_is_inbound(dir);
}

/* An accept or abandon time: "" or missing is "not (yet)" (late data); a
 * value that is not an instant with an offset fails the page, so nothing of
 * the window is stored on a guess. */
static int leg_time(int64_t *out, int *has, const wl_leg *l, const json_t *rec, const char *key)
{
  int r = field_time(out, rec, key);
  *has = r == 1;
  if (r < 0)
    return wl_err(WL_EFAIL, "interaction %s: %s is not an ISO 8601 time with an offset",
                  l->interaction_id, key);
  if (!*has)
    *out = 0;
  return 0;
}

static int leg_duration(int64_t *out, const wl_leg *l, const json_t *rec, const char *key)
{
  if (value_duration(out, json_object_get(rec, key)) != 0)
    return wl_err(WL_EFAIL, "interaction %s: %s is not a duration", l->interaction_id, key);
  return 0;
}

/* 1: not a record (skipped and counted); 0: a leg; < 0: a value that cannot
 * be read (the page fails). */
static int leg_from(wl_leg *l, const json_t *rec)
{
  memset(l, 0, sizeof(*l));
  if (!json_is_object(rec))
    return 1;
  field_id(l->interaction_id, sizeof(l->interaction_id), rec, "interaction-id");
  if (field_time(&l->create_ts, rec, "create-timestamp") != 1)
    return wl_err(WL_EFAIL, "interaction %s: create-timestamp is missing or not an ISO 8601 "
                  "time with an offset", l->interaction_id[0] ? l->interaction_id : "(no id)");
  field_id(l->trans_rec_num, sizeof(l->trans_rec_num), rec, "trans-rec-num");
  field_text(l->queue_name, sizeof(l->queue_name), rec, "queue-name");
  field_text(l->media_type, sizeof(l->media_type), rec, "media-type");
  l->inbound = direction_inbound(rec);
  if (leg_time(&l->accept_ts, &l->has_accept, l, rec, "accept-timestamp") ||
      leg_time(&l->abandon_ts, &l->has_abandon, l, rec, "abandon-timestamp") ||
      leg_duration(&l->process_s, l, rec, "process-time") ||
      leg_duration(&l->post_process_s, l, rec, "post-process-time"))
    return WL_EFAIL;
  return 0;
}

/* ---- public entry points */

int wl_8x8_parse_rt_agents(const char *buf, size_t len, enum wl_8x8_format fmt,
                           wl_rt_agent_cb cb, void *payload, size_t *nskipped)
{
  json_t *items;
  wl_rt_agent a;
  size_t i;
  int rc;
  if (nskipped)
    *nskipped = 0;
  if (fmt == WL_8X8_JSON && (rc = wl_8x8_fast_rt_agents(buf, len, cb, payload, nskipped)) <= 0)
    return rc; /* read by the fast path; else the general one */
  if ((rc = load_items(&items, &K_RT_AGENTS, buf, len, fmt)) != 0)
    return rc;
  for (i = 0; i < json_array_size(items) && rc == 0; i++) {
    if (rt_agent_from(&a, json_array_get(items, i)) != 0) {
      if (nskipped)
        (*nskipped)++;
    } else if (cb) {
      rc = cb(payload, &a);
    }
  }
  json_decref(items);
  return rc;
}

int wl_8x8_parse_interactions(const char *buf, size_t len, enum wl_8x8_format fmt,
                              wl_leg_cb cb, void *payload, size_t *nrecords,
                              size_t *nskipped)
{
  json_t *items;
  wl_leg leg;
  size_t i;
  int rc;
  if (nrecords)
    *nrecords = 0;
  if (nskipped)
    *nskipped = 0;
  if (fmt == WL_8X8_JSON && (rc = wl_8x8_fast_interactions(buf, len, cb, payload, nrecords)) <= 0)
    return rc; /* read by the fast path; else the general one */
  if ((rc = load_items(&items, &K_INTERACTIONS, buf, len, fmt)) != 0)
    return rc;
  if (nrecords)
    *nrecords = json_array_size(items);
  for (i = 0; i < json_array_size(items) && rc == 0; i++) {
    int r = leg_from(&leg, json_array_get(items, i));
    if (r < 0)
      rc = r;
    else if (r > 0 && nskipped)
      (*nskipped)++;
    else if (r == 0 && cb)
      rc = cb(payload, &leg);
  }
  json_decref(items);
  return rc;
}

/* The list parsers below: one loop, and per kind a function that reads a
 * record and hands it to the callback (a record without its key is skipped). */
typedef union record_cb {
  wl_8x8_queue_cb queue;
  wl_8x8_agent_cb agent;
  wl_8x8_stat_cb stat;
} record_cb;
typedef int (*record_fn)(const json_t *rec, record_cb cb, void *payload);

static int each_record(const kind *k, const char *buf, size_t len, enum wl_8x8_format fmt,
                       record_fn one, record_cb cb, void *payload)
{
  json_t *items;
  int rc;
  if ((rc = load_items(&items, k, buf, len, fmt)) != 0)
    return rc;
  for (size_t i = 0; i < json_array_size(items) && rc == 0; i++) {
    const json_t *rec = json_array_get(items, i);
    if (json_is_object(rec))
      rc = one(rec, cb, payload);
  }
  json_decref(items);
  return rc;
}

static int queue_one(const json_t *rec, record_cb cb, void *payload)
{
  wl_8x8_queue q;
  memset(&q, 0, sizeof(q));
  if (!field_id(q.queue_id, sizeof(q.queue_id), rec, "queue-id"))
    return 0;
  field_text(q.name, sizeof(q.name), rec, "queue-name");
  field_text(q.media_type, sizeof(q.media_type), rec, "media-type");
  return cb.queue ? cb.queue(payload, &q) : 0;
}

static int agent_one(const json_t *rec, record_cb cb, void *payload)
{
  wl_8x8_agent a;
  memset(&a, 0, sizeof(a));
  if (!field_text(a.agent_id, sizeof(a.agent_id), rec, "agent-id"))
    return 0;
  field_text(a.name, sizeof(a.name), rec, "agent-name");
  field_id(a.group_id, sizeof(a.group_id), rec, "group-id");
  return cb.agent ? cb.agent(payload, &a) : 0;
}

static int stat_one(const json_t *rec, record_cb cb, void *payload)
{
  wl_8x8_stat s;
  memset(&s, 0, sizeof(s));
  if (field_time(&s.start_utc, rec, "time-stamp") != 1)
    return 0;
  field_text(s.queue_name, sizeof(s.queue_name), rec, "queue-name");
  s.entered = value_count(json_object_get(rec, "entered-count"));
  s.accepted = value_count(json_object_get(rec, "accepted-count"));
  s.abandoned = value_count(json_object_get(rec, "abandoned-count"));
  value_duration(&s.time_waiting_s, json_object_get(rec, "time-waiting")); /* not compared */
  return cb.stat ? cb.stat(payload, &s) : 0;
}

int wl_8x8_parse_queues(const char *buf, size_t len, enum wl_8x8_format fmt,
                        wl_8x8_queue_cb cb, void *payload)
{
  return each_record(&K_QUEUES, buf, len, fmt, queue_one, (record_cb){.queue = cb}, payload);
}

int wl_8x8_parse_agents(const char *buf, size_t len, enum wl_8x8_format fmt,
                        wl_8x8_agent_cb cb, void *payload)
{
  return each_record(&K_AGENTS, buf, len, fmt, agent_one, (record_cb){.agent = cb}, payload);
}

int wl_8x8_parse_statistics(const char *buf, size_t len, enum wl_8x8_format fmt,
                            wl_8x8_stat_cb cb, void *payload)
{
  return each_record(&K_STATS, buf, len, fmt, stat_one, (record_cb){.stat = cb}, payload);
}
