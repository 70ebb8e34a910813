/*
 * The one-pass reader of the common JSON answers (issue 16: building and
 * freeing jansson's tree was 95 % of the real-time path and 80 % of the
 * historical pull). It reads {"agent": [{...}, ...]} (rtstats /agents) and
 * {"interactions": {"interaction": [{...}, ...]}} (stats /allinteractions)
 * straight from the bytes, keeping only the fields a record needs, and
 * validates what it skips as jansson would. Anything it does not read
 * exactly like the general path (parse_json.c) -- escapes in a kept field
 * or in a key, reals, other shapes, a BOM, a value that cannot be read,
 * anything invalid -- answers 1, and the general path reads the whole
 * answer, errors and quirks included. Records are handed over only once the
 * whole answer was read. tests/unit/test_fuzz_corpora.c checks both paths
 * agree on every corpus answer.
 */
#include "sources/8x8/parse.h"
#include "sources/8x8/parse_int.h"
#include "util/array.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct rt_val {
  char type; /* 0 absent, 's' string without escapes, 'i' integer, 'n' null */
  const char *p;
  size_t n;
} rt_val;

typedef struct rt_scan {
  const char *p, *end;
  int depth;
} rt_scan;

static void rs_ws(rt_scan *s)
{
  while (s->p < s->end && wl_8x8_is_blank(*s->p))
    s->p++;
}

static int rs_lit(rt_scan *s, char c)
{
  rs_ws(s);
  if (s->p < s->end && *s->p == c) {
    s->p++;
    return 1;
  }
  return 0;
}

/* One UTF-8 sequence as jansson accepts it (no overlongs, no surrogates,
 * at most U+10FFFF); its length or 0. */
static size_t rs_utf8(const unsigned char *p, const unsigned char *end)
{
  unsigned c = p[0], v;
  size_t n = c >= 0xF0 && c <= 0xF4 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 && c < 0xE0 ? 2 : 0;
  if (n == 0 || c > 0xF4 || (size_t)(end - p) < n)
    return 0;
  v = c & (n == 2 ? 0x1F : n == 3 ? 0x0F : 0x07);
  for (size_t i = 1; i < n; i++) {
    if ((p[i] & 0xC0) != 0x80)
      return 0;
    v = v << 6 | (p[i] & 0x3F);
  }
  if ((n == 3 && (v < 0x800 || (v >= 0xD800 && v <= 0xDFFF))) || (n == 4 && (v < 0x10000 || v > 0x10FFFF)))
    return 0;
  return n;
}

static int rs_hex4(const char *p, unsigned *v)
{
  *v = 0;
  for (int i = 0; i < 4; i++) {
    char c = p[i];
    int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
          : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
    if (d < 0)
      return 0;
    *v = *v << 4 | (unsigned)d;
  }
  return 1;
}

/* A string at s->p ('"'); *esc tells whether it had escapes. 0 when it is
 * not one jansson would take the same way. */
/* Skips the plain bytes at p (printable ASCII but '"' and '\\') eight at a
 * time: values are mostly plain, and byte by byte this loop was the
 * largest cost of a page. Each test below is exact for "some byte of w is
 * ...", so a word is skipped only when all eight bytes are plain. */
static const char *rs_plain_run(const char *p, const char *end)
{
  const uint64_t ones = 0x0101010101010101u, highs = 0x8080808080808080u;
  while (end - p >= 8) {
    uint64_t w, q, b;
    memcpy(&w, p, 8);
    q = w ^ (ones * '"');
    b = w ^ (ones * '\\');
    if (((w | ((w - ones * 0x20) & ~w) | ((q - ones) & ~q) | ((b - ones) & ~b)) & highs) != 0)
      break;
    p += 8;
  }
  return p;
}

static int rs_string(rt_scan *s, rt_val *v, int *esc)
{
  const char *p = s->p + 1;
  *esc = 0;
  while ((p = rs_plain_run(p, s->end)) < s->end && *p != '"') {
    unsigned char c = (unsigned char)*p;
    unsigned u;
    size_t n;
    if (c < 0x20)
      return 0;
    if (c == '\\') {
      *esc = 1;
      if (p + 1 >= s->end)
        return 0;
      if (p[1] == 'u') {
        /* \u0000 and surrogates: the general path decides */
        if (s->end - p < 6 || !rs_hex4(p + 2, &u) || u == 0 || (u >= 0xD800 && u <= 0xDFFF))
          return 0;
        p += 6;
        continue;
      }
      if (!strchr("\"\\/bfnrt", p[1]) || p[1] == '\0')
        return 0;
      p += 2;
      continue;
    }
    if (c < 0x80) {
      p++;
      continue;
    }
    if ((n = rs_utf8((const unsigned char *)p, (const unsigned char *)s->end)) == 0)
      return 0;
    p += n;
  }
  if (p >= s->end)
    return 0;
  v->type = 's';
  v->p = s->p + 1;
  v->n = (size_t)(p - (s->p + 1));
  s->p = p + 1;
  return 1;
}

/* A number; integers of up to 18 digits only (larger ones and reals go to
 * the general path, which knows jansson's limits). */
static int rs_number(rt_scan *s, rt_val *v)
{
  const char *p = s->p, *d;
  if (p < s->end && *p == '-')
    p++;
  d = p;
  while (p < s->end && *p >= '0' && *p <= '9')
    p++;
  if (p == d || p - d > 18 || (*d == '0' && p - d > 1) || (d > s->p && p - d == 1 && *d == '0'))
    return 0; /* also "-0": jansson prints it as 0 */
  if (p < s->end && (*p == '.' || *p == 'e' || *p == 'E'))
    return 0;
  v->type = 'i';
  v->p = s->p;
  v->n = (size_t)(p - s->p);
  s->p = p;
  return 1;
}

static int rs_value(rt_scan *s, rt_val *v, int *esc);

static int rs_container(rt_scan *s, char close)
{
  rt_val v;
  int esc;
  if (++s->depth > 64)
    return 0;
  s->p++;
  if (rs_lit(s, close))
    return s->depth--, 1;
  do {
    if (close == '}') {
      rs_ws(s);
      if (s->p >= s->end || *s->p != '"' || !rs_string(s, &v, &esc) || !rs_lit(s, ':'))
        return 0;
    }
    if (!rs_value(s, &v, &esc))
      return 0;
  } while (rs_lit(s, ','));
  if (!rs_lit(s, close))
    return 0;
  s->depth--;
  return 1;
}

static int rs_value(rt_scan *s, rt_val *v, int *esc)
{
  static const char *const lits[] = {"true", "false", "null"};
  rs_ws(s);
  *esc = 0;
  memset(v, 0, sizeof(*v));
  if (s->p >= s->end)
    return 0;
  switch (*s->p) {
  case '"': return rs_string(s, v, esc);
  case '{': return rs_container(s, '}') ? (v->type = 'o', 1) : 0;
  case '[': return rs_container(s, ']') ? (v->type = 'o', 1) : 0;
  default: break;
  }
  for (int i = 0; i < 3; i++) {
    size_t n = strlen(lits[i]);
    if ((size_t)(s->end - s->p) >= n && memcmp(s->p, lits[i], n) == 0) {
      s->p += n;
      v->type = i == 2 ? 'n' : 'b';
      return 1;
    }
  }
  return rs_number(s, v);
}

/* ---- kept fields and their values */

#define RS_MAX_FIELDS 10

/* Which of names[0..n) key is; -1 for a field the record does not keep. */
static int rs_field(const rt_val *key, const char *const *names, int n)
{
  /* strncmp stops at the name's end, so names[i][key->n] is in bounds */
  for (int i = 0; i < n; i++)
    if (key->n > 0 && names[i][0] == key->p[0] && strncmp(names[i], key->p, key->n) == 0 &&
        names[i][key->n] == '\0')
      return i;
  return -1;
}

/* value_text for a kept value (a string without escapes or an integer) */
static int rv_text(char *dst, size_t dsz, const rt_val *v)
{
  const char *p = v->p;
  size_t n = v->n;
  if (v->type != 's' && v->type != 'i') { /* absent or null */
    dst[0] = '\0';
    return 0;
  }
  if (v->type == 's')
    wl_8x8_trim(&p, &n);
  wl_8x8_copy_utf8(dst, dsz, p, n);
  return dst[0] != '\0';
}

static int rv_id(char *dst, size_t dsz, const rt_val *v)
{
  if (!rv_text(dst, dsz, v))
    return 0;
  wl_8x8_normalize_id(dst);
  return 1;
}

/* value_number for a kept value */
static int rv_number(double *d, const rt_val *v)
{
  char tmp[24];
  *d = 0;
  if (v->type == 'i') {
    memcpy(tmp, v->p, v->n); /* at most 19 bytes: rs_number */
    tmp[v->n] = '\0';
    *d = (double)strtoll(tmp, NULL, 10);
    return wl_8x8_number_in_range(*d);
  }
  if (v->type == 's')
    return wl_8x8_text_number(d, v->p, v->n);
  return WL_8X8_NUM_ABSENT;
}

/* value_duration for a kept value: 0 or -1 */
static int rv_duration(int64_t *out, const rt_val *v)
{
  double d;
  *out = 0;
  if (v->type == 's')
    return wl_8x8_text_duration(out, v->p, v->n);
  if (v->type != 'i')
    return 0;
  if (rv_number(&d, v) != WL_8X8_NUM_OK)
    return -1;
  *out = wl_8x8_seconds(d);
  return 0;
}

/* field_time for a kept value: 1, 0 or -1 */
static int rv_time(int64_t *out, const rt_val *v)
{
  *out = 0;
  if (v->type == 's')
    return wl_8x8_text_time(out, v->p, v->n);
  return v->type == 'i' ? -1 : 0;
}

/* ---- one list of records */

/* Turns the kept values of one record into the caller's record: 0 kept,
 * 1 skipped, -1 not handled here. */
typedef int (*rs_take)(void *rec, const rt_val *f);

typedef struct rs_list {
  const char *const *names; /* the fields kept, in f[] order */
  int nfields;
  size_t rec_size;
  rs_take take;
  char *recs; /* the records kept, rec_size each */
  size_t n, cap, skipped;
} rs_list;

/* One record object; 1 read (kept or skipped), 0 not handled. */
static int rs_record(rt_scan *s, rs_list *l)
{
  rt_val f[RS_MAX_FIELDS], key, v;
  int esc, i, r;
  memset(f, 0, sizeof(f));
  if (!rs_lit(s, '{'))
    return 0;
  if (!rs_lit(s, '}')) {
    do {
      rs_ws(s);
      if (s->p >= s->end || *s->p != '"' || !rs_string(s, &key, &esc) || esc || !rs_lit(s, ':'))
        return 0;
      if (!rs_value(s, &v, &esc))
        return 0;
      if ((i = rs_field(&key, l->names, l->nfields)) < 0)
        continue;
      /* the last of duplicate keys counts, as in jansson */
      if (esc || v.type == 'o' || v.type == 'b')
        return 0;
      f[i] = v;
    } while (rs_lit(s, ','));
    if (!rs_lit(s, '}'))
      return 0;
  }
  if (wl_array_reserve(&l->recs, &l->cap, l->n, l->rec_size, 64))
    return 0;
  if ((r = l->take(l->recs + l->n * l->rec_size, f)) < 0)
    return 0;
  if (r)
    l->skipped++;
  else
    l->n++;
  return 1;
}

/* The array of records at s->p; 1 read, 0 not handled. */
static int rs_records(rt_scan *s, rs_list *l)
{
  if (!rs_lit(s, '['))
    return 0;
  if (rs_lit(s, ']'))
    return 1;
  do {
    if (!rs_record(s, l))
      return 0;
  } while (rs_lit(s, ','));
  return rs_lit(s, ']');
}

/* {"KEY": at s->p; 1 when it is there (escapes in the key: not handled) */
static int rs_open_key(rt_scan *s, const char *name)
{
  rt_val key;
  int esc;
  if (!rs_lit(s, '{'))
    return 0;
  rs_ws(s);
  return s->p < s->end && *s->p == '"' && rs_string(s, &key, &esc) && !esc &&
         key.n == strlen(name) && memcmp(key.p, name, key.n) == 0 && rs_lit(s, ':');
}

/* The whole answer: the envelope keys path[0..depth), then the list, then
 * only blanks. 1 read, 0 not handled. */
static int rs_answer(const char *buf, size_t len, const char *const *path, int depth, rs_list *l)
{
  rt_scan s = {buf, buf + len, 0};
  if (!buf)
    return 0;
  for (int i = 0; i < depth; i++)
    if (!rs_open_key(&s, path[i]))
      return 0;
  if (!rs_records(&s, l))
    return 0;
  for (int i = 0; i < depth; i++)
    if (!rs_lit(&s, '}'))
      return 0;
  rs_ws(&s);
  return s.p == s.end;
}

/* ---- real-time agents */

enum { RF_ID, RF_NAME, RF_GROUP, RF_STATUS, RF_TIS, RF_N };
static const char *const rt_fields[RF_N] = {"agent-id", "agent-name", "group-id", "agent-status",
                                            "time-in-status"};

/* rt_agent_from (parse_json.c) on the kept values */
static int take_agent(void *rec, const rt_val *f)
{
  wl_rt_agent *a = rec;
  double d;
  int r;
  memset(a, 0, sizeof(*a));
  if (!rv_text(a->agent_id, sizeof(a->agent_id), &f[RF_ID]))
    return 1;
  rv_text(a->name, sizeof(a->name), &f[RF_NAME]);
  rv_id(a->group_id, sizeof(a->group_id), &f[RF_GROUP]);
  r = rv_number(&d, &f[RF_STATUS]);
  if (!wl_8x8_status_from_number(a, r, d)) {
    snprintf(a->state, sizeof(a->state), "%s", WL_STATE_UNKNOWN);
    rv_text(a->vendor_code, sizeof(a->vendor_code), &f[RF_STATUS]);
  }
  if (rv_number(&d, &f[RF_TIS]) == WL_8X8_NUM_OK && d > 0)
    a->time_in_status = (int64_t)floor(d);
  return 0;
}

int wl_8x8_fast_rt_agents(const char *buf, size_t len, wl_rt_agent_cb cb, void *payload,
                          size_t *nskipped)
{
  static const char *const path[] = {"agent"};
  rs_list l = {rt_fields, RF_N, sizeof(wl_rt_agent), take_agent, NULL, 0, 0, 0};
  int rc = 1;
  if (rs_answer(buf, len, path, 1, &l)) {
    rc = 0;
    if (nskipped)
      *nskipped = l.skipped;
    for (size_t i = 0; i < l.n && rc == 0 && cb; i++)
      rc = cb(payload, (const wl_rt_agent *)(l.recs + i * l.rec_size));
  }
  free(l.recs);
  return rc;
}

/* ---- interactions */

enum { IF_ID, IF_CREATE, IF_TRANS, IF_QUEUE, IF_MEDIA, IF_DIR, IF_ACCEPT, IF_ABANDON,
       IF_PROCESS, IF_POST, IF_N };
static const char *const leg_fields[IF_N] = {
    "interaction-id", "create-timestamp", "trans-rec-num", "queue-name", "media-type",
    "interaction-direction", "accept-timestamp", "abandon-timestamp", "process-time",
    "post-process-time"};

/* leg_from (parse_json.c) on the kept values; a value it would refuse is
 * left to it, for its message. */
static int take_leg(void *rec, const rt_val *f)
{
  wl_leg *l = rec;
  char dir[32];
  int r;
  memset(l, 0, sizeof(*l));
  rv_id(l->interaction_id, sizeof(l->interaction_id), &f[IF_ID]);
  if (rv_time(&l->create_ts, &f[IF_CREATE]) != 1)
    return -1;
  rv_id(l->trans_rec_num, sizeof(l->trans_rec_num), &f[IF_TRANS]);
  rv_text(l->queue_name, sizeof(l->queue_name), &f[IF_QUEUE]);
  rv_text(l->media_type, sizeof(l->media_type), &f[IF_MEDIA]);
  l->inbound = rv_text(dir, sizeof(dir), &f[IF_DIR]) && wl_8x8_is_inbound(dir);
  if ((r = rv_time(&l->accept_ts, &f[IF_ACCEPT])) < 0)
    return -1;
  l->has_accept = r == 1;
  if ((r = rv_time(&l->abandon_ts, &f[IF_ABANDON])) < 0)
    return -1;
  l->has_abandon = r == 1;
  if (rv_duration(&l->process_s, &f[IF_PROCESS]) || rv_duration(&l->post_process_s, &f[IF_POST]))
    return -1;
  return 0;
}

int wl_8x8_fast_interactions(const char *buf, size_t len, wl_leg_cb cb, void *payload,
                             size_t *nrecords)
{
  static const char *const path[] = {"interactions", "interaction"};
  rs_list l = {leg_fields, IF_N, sizeof(wl_leg), take_leg, NULL, 0, 0, 0};
  int rc = 1;
  if (rs_answer(buf, len, path, 2, &l)) {
    rc = 0;
    if (nrecords)
      *nrecords = l.n;
    for (size_t i = 0; i < l.n && rc == 0 && cb; i++)
      rc = cb(payload, (const wl_leg *)(l.recs + i * l.rec_size));
  }
  free(l.recs);
  return rc;
}
