#include "core/volume_import.h"
#include "util/array.h"
#include "util/buf.h"
#include "util/csv.h"
#include "util/err.h"
#include "util/timeutil.h"

#include <errno.h>
#include <stdint.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_LISTED 20
#define ID_MAX 63   /* queue ids longer than the engines keep are refused */
#define NAME_MAX_LEN 255

enum vcol { C_QUEUE, C_START, C_ENTERED, C_ACCEPTED, C_ABANDONED, C_HANDLE, C_NAME, C_N };
static const char *const col_names[C_N] = {"queue_id", "interval_start", "entered", "accepted",
                                           "abandoned", "handle_time_s", "queue_name"};
#define REQUIRED 3 /* the first three columns */

/* Rows are kept compact (a file may hold years of history): the queue as
 * an index into the file's queue table. */
typedef struct vrow {
  int64_t start, handle_s, line;
  int64_t entered, accepted, abandoned;
  uint32_t q;
} vrow;

typedef struct vqueue {
  char id[ID_MAX + 1];
  char name[NAME_MAX_LEN + 1]; /* the last non-empty queue_name of the file */
} vqueue;

typedef struct vimport {
  vrow *rows;
  size_t n, cap;
  vqueue *queues;
  size_t nq, qcap;
  uint32_t *slots;           /* open addressing: queue index + 1, 0 empty */
  size_t nslots;
  int col[C_N];
  size_t ncols;
  wl_buf errors;
  size_t nerrors;
  const wl_tz *tz;
} vimport;

static void bad(vimport *v, long line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void bad(vimport *v, long line, const char *fmt, ...)
{
  char msg[400];
  va_list ap;
  if (++v->nerrors > MAX_LISTED)
    return;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  wl_buf_printf(&v->errors, "\n  line %ld: %s", line, msg);
}

static void vimport_free(vimport *v)
{
  free(v->rows);
  free(v->queues);
  free(v->slots);
  wl_buf_free(&v->errors);
}

static size_t hash_id(const char *s)
{
  size_t h = 1469598103934665603u; /* FNV-1a */
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211u;
  return h;
}

/* Room for twice the queues, so probes stay short. */
static int grow_slots(vimport *v)
{
  size_t n = v->nslots ? v->nslots * 2 : 64;
  uint32_t *s = calloc(n, sizeof(*s));
  if (!s)
    return wl_err(WL_ENOMEM, "out of memory");
  for (size_t i = 0; i < v->nq; i++) {
    size_t k = hash_id(v->queues[i].id) & (n - 1);
    while (s[k])
      k = (k + 1) & (n - 1);
    s[k] = (uint32_t)i + 1;
  }
  free(v->slots);
  v->slots = s;
  v->nslots = n;
  return 0;
}

/* The index of queue id in the file's table, added when new. */
static int queue_index(uint32_t *out, vimport *v, const char *id)
{
  size_t k;
  if (2 * (v->nq + 1) > v->nslots && grow_slots(v) != 0)
    return WL_ENOMEM;
  for (k = hash_id(id) & (v->nslots - 1); v->slots[k]; k = (k + 1) & (v->nslots - 1))
    if (strcmp(v->queues[v->slots[k] - 1].id, id) == 0) {
      *out = v->slots[k] - 1;
      return 0;
    }
  if (wl_array_reserve(&v->queues, &v->qcap, v->nq, sizeof(*v->queues), 16) != 0)
    return WL_ENOMEM;
  snprintf(v->queues[v->nq].id, sizeof(v->queues[0].id), "%s", id);
  v->queues[v->nq].name[0] = '\0';
  v->slots[k] = (uint32_t)v->nq + 1;
  *out = (uint32_t)v->nq++;
  return 0;
}

/* Maps header names to columns; an unknown or repeated column is an error
 * (a typo must not silently drop data). */
static void read_header(vimport *v, char **f, size_t nf)
{
  for (int c = 0; c < C_N; c++)
    v->col[c] = -1;
  for (size_t i = 0; i < nf; i++) {
    int c = 0;
    while (c < C_N && strcmp(f[i], col_names[c]) != 0)
      c++;
    if (c == C_N)
      bad(v, 1, "unknown column '%s' (expected queue_id,interval_start,entered and "
                "optionally accepted,abandoned,handle_time_s,queue_name)", f[i]);
    else if (v->col[c] >= 0)
      bad(v, 1, "the header has the column '%s' twice", f[i]);
    else
      v->col[c] = (int)i;
  }
  for (int c = 0; c < REQUIRED; c++)
    if (v->col[c] < 0)
      bad(v, 1, "the header has no '%s' column", col_names[c]);
}

static const char *cell(const vimport *v, char **f, size_t nf, int c)
{
  return v->col[c] >= 0 && (size_t)v->col[c] < nf ? f[v->col[c]] : "";
}

/* A whole non-negative count; "" is 0 for the optional columns. */
static int parse_count(int64_t *out, vimport *v, long line, const char *col, const char *s,
                       int required)
{
  char *end;
  long long x;
  *out = 0;
  if (!*s && !required)
    return 1;
  errno = 0;
  x = strtoll(s, &end, 10);
  if (!*s || *end || errno) {
    bad(v, line, "%s '%s' is not a whole number", col, s);
    return 0;
  }
  if (x < 0) {
    bad(v, line, "%s is negative (%lld)", col, x);
    return 0;
  }
  *out = x;
  return 1;
}

static int parse_start(int64_t *out, vimport *v, long line, const char *s)
{
  if (wl_time_parse_iso(out, s) != 0) {
    bad(v, line, "interval_start: %s", wl_errmsg());
    return 0;
  }
  if (*out % WL_INTERVAL_S != 0) {
    bad(v, line, "interval_start '%s' is not on a 15-minute boundary", s);
    return 0;
  }
  return 1;
}

static void check_counts(vimport *v, long line, const wl_interval_row *r)
{
  if (r->accepted > r->entered)
    bad(v, line, "accepted (%lld) is more than entered (%lld)", (long long)r->accepted,
        (long long)r->entered);
  if (r->abandoned > r->entered)
    bad(v, line, "abandoned (%lld) is more than entered (%lld)", (long long)r->abandoned,
        (long long)r->entered);
  if (r->accepted + r->abandoned > r->entered && r->accepted <= r->entered &&
      r->abandoned <= r->entered)
    bad(v, line, "accepted + abandoned (%lld) is more than entered (%lld)",
        (long long)(r->accepted + r->abandoned), (long long)r->entered);
}

static int add_row(vimport *v, char **f, size_t nf, long line)
{
  wl_interval_row r = {0};
  const char *q = cell(v, f, nf, C_QUEUE), *name = cell(v, f, nf, C_NAME);
  int ok = 1;
  vrow *x;
  if (!*q) {
    bad(v, line, "queue_id is empty");
    ok = 0;
  } else if (strlen(q) > ID_MAX) {
    bad(v, line, "queue_id is longer than %d bytes", ID_MAX);
    ok = 0;
  }
  if (strlen(name) > NAME_MAX_LEN) {
    bad(v, line, "queue_name is longer than %d bytes", NAME_MAX_LEN);
    ok = 0;
  }
  ok &= parse_start(&r.start_utc, v, line, cell(v, f, nf, C_START));
  ok &= parse_count(&r.entered, v, line, "entered", cell(v, f, nf, C_ENTERED), 1);
  ok &= parse_count(&r.accepted, v, line, "accepted", cell(v, f, nf, C_ACCEPTED), 0);
  ok &= parse_count(&r.abandoned, v, line, "abandoned", cell(v, f, nf, C_ABANDONED), 0);
  ok &= parse_count(&r.handle_time_s, v, line, "handle_time_s", cell(v, f, nf, C_HANDLE), 0);
  if (ok)
    check_counts(v, line, &r);
  if (!ok || v->nerrors)
    return 0; /* nothing will be stored: keep only what is needed to list errors */
  if (wl_array_reserve(&v->rows, &v->cap, v->n, sizeof(*v->rows), 1024) != 0)
    return WL_ENOMEM;
  x = &v->rows[v->n];
  if (queue_index(&x->q, v, q) != 0)
    return WL_ENOMEM;
  if (*name)
    snprintf(v->queues[x->q].name, sizeof(v->queues[0].name), "%s", name);
  x->start = r.start_utc;
  x->entered = r.entered;
  x->accepted = r.accepted;
  x->abandoned = r.abandoned;
  x->handle_s = r.handle_time_s;
  x->line = line;
  v->n++;
  return 0;
}

static int read_rows(vimport *v, const char *text, size_t len)
{
  wl_csv_reader *rd = NULL;
  char **f;
  size_t nf;
  long line;
  int rc, got, first = 1;
  if ((rc = wl_csv_reader_new(&rd, text, len)) != 0)
    return rc;
  while ((got = wl_csv_next(rd, &f, &nf, &line)) == 1) {
    if (nf == 1 && !f[0][0])
      continue; /* blank line */
    if (first) {
      read_header(v, f, nf);
      v->ncols = nf;
      first = 0;
      if (v->nerrors)
        break;
      continue;
    }
    if (nf != v->ncols) {
      bad(v, line, "%zu fields, the header has %zu", nf, v->ncols);
      continue;
    }
    if ((rc = add_row(v, f, nf, line)) != 0)
      break;
  }
  if (got < 0)
    rc = got;
  if (rc == 0 && first)
    bad(v, 1, "the file is empty (expected a header row)");
  wl_csv_reader_free(rd);
  return rc;
}

/* By queue (in order of first appearance), start, line. */
static int cmp_rows(const void *a, const void *b)
{
  const vrow *x = a, *y = b;
  if (x->q != y->q)
    return x->q < y->q ? -1 : 1;
  if (x->start != y->start)
    return x->start < y->start ? -1 : 1;
  return x->line < y->line ? -1 : x->line > y->line;
}

/* After sorting by (queue, start): the same queue and interval twice. */
static void check_duplicates(vimport *v)
{
  char when[WL_ISO_LEN];
  for (size_t i = 1; i < v->n; i++) {
    const vrow *p = &v->rows[i - 1], *x = &v->rows[i];
    if (p->q == x->q && p->start == x->start)
      bad(v, x->line, "queue %s, interval %s is also on line %lld", v->queues[x->q].id,
          wl_time_format(when, sizeof(when), x->start, v->tz), (long long)p->line);
  }
}

/* Queues the store does not know yet, and queues the file names: both go
 * to the queue table (a known queue keeps its name when the file has none). */
typedef struct known {
  char **ids;
  size_t n, cap;
} known;

static int collect_known(void *payload, const wl_queue_row *q)
{
  known *k = payload;
  if (wl_array_reserve(&k->ids, &k->cap, k->n, sizeof(*k->ids), 16) != 0)
    return WL_ENOMEM;
  if (!(k->ids[k->n] = strdup(q->queue_id)))
    return wl_err(WL_ENOMEM, "out of memory");
  k->n++;
  return 0;
}

static int is_known(const known *k, const char *id)
{
  for (size_t i = 0; i < k->n; i++)
    if (strcmp(k->ids[i], id) == 0)
      return 1;
  return 0;
}

static int store_queue(wl_app *app, const wl_source *src, const known *k, const vqueue *q)
{
  wl_queue_row row = {.queue_id = q->id, .name = q->name, .media_type = ""};
  if (!q->name[0] && is_known(k, q->id))
    return 0;
  return wl_store_queues_upsert(app->st, src->id, &row, 1);
}

/* One queue's rows [i, j): its queue row, its intervals and its observed
 * range from the first local day to the end of the last. */
static int store_one_queue(wl_app *app, const wl_source *src, const known *k, vimport *v,
                           size_t i, size_t j, int64_t now, wl_volume_import_result *res)
{
  wl_interval_row *ivs = malloc((j - i) * sizeof(*ivs));
  const vqueue *q = &v->queues[v->rows[i].q];
  wl_vol_import_row cover = {.queue_id = q->id, .imported_at = now};
  int rc;
  if (!ivs)
    return wl_err(WL_ENOMEM, "out of memory");
  for (size_t x = i; x < j; x++) {
    const vrow *r = &v->rows[x];
    ivs[x - i] = (wl_interval_row){.queue_id = q->id, .start_utc = r->start,
                                   .entered = r->entered, .accepted = r->accepted,
                                   .abandoned = r->abandoned, .handle_time_s = r->handle_s,
                                   .final = 1, .updated_at = now};
  }
  cover.from = wl_tz_day_start(v->tz, v->rows[i].start);
  cover.to = wl_tz_next_day_start(v->tz, v->rows[j - 1].start);
  rc = store_queue(app, src, k, q);
  if (rc == 0)
    rc = wl_store_intervals_upsert(app->st, src->id, ivs, j - i);
  if (rc == 0)
    rc = wl_store_vol_import_add(app->st, src->id, &cover);
  if (rc == 0 && (res->queues == 0 || cover.from < res->from))
    res->from = cover.from;
  if (rc == 0 && (res->queues == 0 || cover.to > res->to))
    res->to = cover.to;
  res->queues++;
  free(ivs);
  return rc;
}

static int store_all(wl_app *app, const wl_source *src, vimport *v, wl_volume_import_result *res)
{
  known k = {0};
  int64_t now = wl_now();
  int rc = wl_store_queues_list(app->st, src->id, collect_known, &k);
  if (rc == 0)
    rc = wl_store_begin(app->st);
  for (size_t i = 0, j; rc == 0 && i < v->n; i = j) {
    for (j = i + 1; j < v->n && v->rows[j].q == v->rows[i].q; j++)
      ;
    rc = store_one_queue(app, src, &k, v, i, j, now, res);
  }
  if (rc == 0) {
    rc = wl_store_commit(app->st);
  } else {
    wl_store_rollback(app->st); /* the error to report is rc's */
    res->queues = 0;
  }
  for (size_t i = 0; i < k.n; i++)
    free(k.ids[i]);
  free(k.ids);
  return rc;
}

int wl_import_volume(wl_volume_import_result *res, wl_app *app, const wl_source *src,
                     const char *text, size_t len)
{
  vimport v = {0};
  wl_tz *tz = NULL;
  int rc;
  memset(res, 0, sizeof(*res));
  wl_buf_init(&v.errors, 64 * 1024);
  if ((rc = wl_tz_load(&tz, src->timezone)) != 0)
    goto out;
  v.tz = tz;
  if ((rc = read_rows(&v, text, len)) != 0)
    goto out;
  if (v.nerrors == 0 && v.n > 0) {
    qsort(v.rows, v.n, sizeof(*v.rows), cmp_rows);
    check_duplicates(&v);
  }
  if (v.nerrors) {
    rc = wl_err(WL_EUSAGE, "the file was not imported: %zu bad row%s%s%s", v.nerrors,
                v.nerrors == 1 ? "" : "s", v.errors.ptr ? v.errors.ptr : "",
                v.nerrors > MAX_LISTED ? "\n  ..." : "");
    goto out;
  }
  if ((rc = store_all(app, src, &v, res)) == 0)
    res->rows = v.n;
out:
  vimport_free(&v);
  wl_tz_free(tz);
  return rc;
}
