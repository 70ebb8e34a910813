/*
 * 8x8 interaction legs -> 15-minute volume rows (volume.h, 8x8-api.md
 * section 3). Sort-based so that 100k legs cost O(n log n) with no hash
 * tuning: one sort to find duplicates, one sort to group by
 * (interval, queue).
 */
#include "wfm/volume.h"
#include "util/err.h"
#include "util/timeutil.h"

#include <stdlib.h>
#include <string.h>

typedef struct leg_ref {
  const wl_leg *leg;
  size_t pos; /* position in the input, to keep the last of duplicates */
  int64_t start;
  uint64_t id_hash; /* of (interaction_id, trans_rec_num): see cmp_identity */
  uint64_t queue_key; /* see cmp_bucket */
} leg_ref;

/* The first 8 bytes of s, zero-padded, as a big-endian number: it orders
 * as strcmp does on those bytes, and equal strings give equal keys. */
static uint64_t prefix_key(const char *s)
{
  uint64_t k = 0;
  int ended = 0;
  for (size_t i = 0; i < 8; i++) {
    ended = ended || s[i] == '\0'; /* nothing past the end is read */
    k = k << 8 | (ended ? 0u : (unsigned char)s[i]);
  }
  return k;
}

/* FNV-1a over both parts of the identity, the NUL between them included */
static uint64_t identity_hash(const wl_leg *l)
{
  uint64_t h = 14695981039346656037u;
  for (const char *p = l->interaction_id;; p++) {
    h = (h ^ (unsigned char)*p) * 1099511628211u;
    if (!*p)
      break;
  }
  for (const char *p = l->trans_rec_num; *p; p++)
    h = (h ^ (unsigned char)*p) * 1099511628211u;
  return h;
}

/* Duplicates only need to end up next to each other, so the hash orders
 * first: the ids share long prefixes and comparing the strings of legs
 * scattered in memory was most of the aggregation's cost. */
static int cmp_identity(const void *a, const void *b)
{
  const leg_ref *x = a, *y = b;
  int c;
  if (x->id_hash != y->id_hash)
    return x->id_hash < y->id_hash ? -1 : 1;
  c = strcmp(x->leg->interaction_id, y->leg->interaction_id);
  if (c == 0)
    c = strcmp(x->leg->trans_rec_num, y->leg->trans_rec_num);
  if (c == 0)
    c = x->pos < y->pos ? -1 : x->pos > y->pos;
  return c;
}

static int cmp_bucket(const void *a, const void *b)
{
  const leg_ref *x = a, *y = b;
  if (x->start != y->start)
    return x->start < y->start ? -1 : 1;
  if (x->queue_key != y->queue_key) /* spares most string compares */
    return x->queue_key < y->queue_key ? -1 : 1;
  return strcmp(x->leg->queue_id, y->leg->queue_id);
}

static int same_identity(const wl_leg *a, const wl_leg *b)
{
  return strcmp(a->interaction_id, b->interaction_id) == 0 &&
         strcmp(a->trans_rec_num, b->trans_rec_num) == 0;
}

/* Drops all but the last copy of each (interaction_id, trans_rec_num): pages
 * fetched later carry the fresher late data. A leg without an interaction id
 * or a trans-rec-num cannot be identified as a duplicate, so each one stays. Returns the new
 * count; refs end up grouped by identity. */
static size_t dedupe(leg_ref *refs, size_t n)
{
  size_t i, kept = 0;
  qsort(refs, n, sizeof(*refs), cmp_identity);
  for (i = 0; i < n; i++) {
    /* without both parts of the identity two legs cannot be told apart */
    int dup_of_next = i + 1 < n && refs[i].leg->interaction_id[0] &&
                      refs[i].leg->trans_rec_num[0] &&
                      same_identity(refs[i].leg, refs[i + 1].leg);
    if (!dup_of_next)
      refs[kept++] = refs[i];
  }
  return kept;
}

static int64_t nonneg(int64_t v)
{
  return v > 0 ? v : 0;
}

/* Exactly section 3 of 8x8-api.md: (accept - create) for an accepted leg
 * plus (abandon - create) for an abandoned one; other legs add nothing. */
static int64_t leg_wait(const wl_leg *l)
{
  int64_t w = 0;
  if (l->has_accept)
    w += l->accept_ts - l->create_ts;
  if (l->has_abandon)
    w += l->abandon_ts - l->create_ts;
  return w;
}

static void add_leg(wl_volume_row *r, const wl_leg *l)
{
  r->entered++;
  if (l->has_accept) {
    r->accepted++;
    r->handle_time_s += nonneg(l->process_s) + nonneg(l->post_process_s);
  }
  if (l->has_abandon)
    r->abandoned++;
  r->wait_time_s += leg_wait(l);
}

/* refs sorted by (start, queue_id) -> rows, one per distinct pair. */
static size_t build_rows(wl_volume_row *rows, const leg_ref *refs, size_t n)
{
  size_t i, nrows = 0;
  wl_volume_row *r = NULL;
  for (i = 0; i < n; i++) {
    if (!r || r->start_utc != refs[i].start ||
        strcmp(r->queue_id, refs[i].leg->queue_id) != 0) {
      r = &rows[nrows++];
      memset(r, 0, sizeof(*r));
      /* same size arrays: the copy always fits */
      memcpy(r->queue_id, refs[i].leg->queue_id, sizeof(r->queue_id));
      r->queue_id[sizeof(r->queue_id) - 1] = '\0';
      r->start_utc = refs[i].start;
    }
    add_leg(r, refs[i].leg);
  }
  return nrows;
}

int wl_volume_aggregate(wl_volume_row **out, size_t *nout, const wl_leg *legs,
                        size_t nlegs, int64_t from, int64_t to)
{
  leg_ref *refs = NULL;
  wl_volume_row *rows = NULL, *shrunk;
  size_t i, n = 0, nrows;
  int rc = 0;
  *out = NULL;
  *nout = 0;
  if (nlegs && !legs)
    return wl_err(WL_EUSAGE, "no legs given for %zu legs", nlegs);
  if (from > to)
    return wl_err(WL_EUSAGE, "volume window ends before it starts");
  if (nlegs == 0)
    return 0;
  if (!(refs = malloc(nlegs * sizeof(*refs)))) {
    rc = wl_err(WL_ENOMEM, "out of memory");
    goto done;
  }
  /* Duplicates are removed before filtering so that the copy kept is the
   * last one received, whatever its direction or time says. */
  for (i = 0; i < nlegs; i++) {
    refs[i].leg = &legs[i];
    refs[i].pos = i;
    refs[i].start = wl_interval_floor(legs[i].create_ts);
    refs[i].id_hash = identity_hash(&legs[i]);
    refs[i].queue_key = prefix_key(legs[i].queue_id);
  }
  nlegs = dedupe(refs, nlegs);
  for (i = 0; i < nlegs; i++)
    if (refs[i].leg->inbound && refs[i].leg->create_ts >= from && refs[i].leg->create_ts < to)
      refs[n++] = refs[i];
  if (n == 0)
    goto done;
  qsort(refs, n, sizeof(*refs), cmp_bucket);
  if (!(rows = malloc(n * sizeof(*rows)))) {
    rc = wl_err(WL_ENOMEM, "out of memory");
    goto done;
  }
  nrows = build_rows(rows, refs, n);
  shrunk = realloc(rows, nrows * sizeof(*rows));
  *out = shrunk ? shrunk : rows;
  *nout = nrows;
  rows = NULL;
done:
  free(rows);
  free(refs);
  return rc;
}
