/*
 * Adherence engine. Per agent, one sweep over the merged boundaries of its
 * schedule and state segments turns the input into "pieces": maximal spans
 * with one (scheduled activity, state). Each piece gets a verdict; a second
 * pass over the pieces finds out-of-adherence stretches for the grace. The
 * three reports (per day, exceptions, timeline) and RTA all read the pieces,
 * so they cannot disagree. Cost: O((n + m) log) for the sort check and the
 * rule look-ups, nothing per second.
 */
#include "wfm/adherence.h"
#include "util/array.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"
#include "wfm/records.h"

/* ---- states ------------------------------------------------------------- */

enum {
  ST_AVAILABLE, ST_OFFERED, ST_BUSY, ST_WRAP, ST_BREAK, ST_OFFLINE,
  ST_LOGGED_OUT, ST_UNKNOWN, NSTATES
};

static const char *const state_names[NSTATES] = {
    WL_STATE_AVAILABLE, WL_STATE_OFFERED, WL_STATE_BUSY,       WL_STATE_WRAP,
    WL_STATE_BREAK,     WL_STATE_OFFLINE, WL_STATE_LOGGED_OUT, WL_STATE_UNKNOWN};

/* -1 when s is not a neutral state name. */
static int state_lookup(const char *s)
{
  if (!s)
    return -1;
  for (int i = 0; i < NSTATES; i++)
    if (s[0] == state_names[i][0] && strcmp(s, state_names[i]) == 0)
      return i;
  return -1;
}

/* Unrecognised names are time we cannot judge: unknown. */
static int state_index(const char *s)
{
  int i = state_lookup(s);
  return i < 0 ? ST_UNKNOWN : i;
}

static int state_working(int st)
{
  return st == ST_AVAILABLE || st == ST_OFFERED || st == ST_BUSY || st == ST_WRAP ||
         st == ST_OFFLINE;
}

static const char *nz(const char *s)
{
  return s ? s : "";
}

/* Bounded copy that never cuts a UTF-8 sequence in half. */
static void copy_str(char *dst, size_t n, const char *src)
{
  size_t len = strlen(nz(src));
  if (len >= n) {
    len = n - 1;
    while (len > 0 && ((unsigned char)src[len] & 0xC0) == 0x80)
      len--;
  }
  memcpy(dst, nz(src), len);
  dst[len] = '\0';
}

const char *wl_adh_verdict_name(wl_adh_verdict v)
{
  switch (v) {
  case WL_ADH_IN: return "in";
  case WL_ADH_OUT: return "out";
  case WL_ADH_NEUTRAL: return "neutral";
  case WL_ADH_UNSCHEDULED: return "unscheduled";
  }
  return "?";
}

/* ---- rules -------------------------------------------------------------- */

typedef struct adh_act {
  char *name;
  int work;
  unsigned char verdict[NSTATES];
} adh_act;

struct wl_adh_rules {
  adh_act *acts; /* sorted by name (strcmp) for bsearch */
  size_t n, cap;
};

#define R(a, s, v, k) {a, s, v, k}
#define WORK_ROWS(a, av, of, bu, wr, br, ol, lo)                                         \
  R(a, "available", av, "work"), R(a, "offered", of, "work"), R(a, "busy", bu, "work"), \
      R(a, "wrap", wr, "work"), R(a, "break", br, "work"), R(a, "offline", ol, "work"), \
      R(a, "logged_out", lo, "work"), R(a, "unknown", "neutral", "work")
#define REST_ROWS(a)                                                                     \
  R(a, "available", "out", "rest"), R(a, "offered", "out", "rest"),                     \
      R(a, "busy", "out", "rest"), R(a, "wrap", "out", "rest"),                          \
      R(a, "break", "in", "rest"), R(a, "offline", "out", "rest"),                       \
      R(a, "logged_out", "in", "rest"), R(a, "unknown", "neutral", "rest")

static const wl_rule_row default_rows[] = {
    WORK_ROWS("phone", "in", "in", "in", "in", "out", "out", "out"),
    WORK_ROWS("offline", "out", "out", "out", "out", "out", "in", "out"),
    REST_ROWS("break"),
    REST_ROWS("lunch"),
};

void wl_adh_default_rules(const wl_rule_row **rows, size_t *n)
{
  *rows = default_rows;
  *n = sizeof(default_rows) / sizeof(default_rows[0]);
}

static int act_cmp(const void *key, const void *elem)
{
  return strcmp((const char *)key, ((const adh_act *)elem)->name);
}

static const adh_act *rules_find(const wl_adh_rules *r, const char *name)
{
  if (!r->n)
    return NULL;
  return bsearch(nz(name), r->acts, r->n, sizeof(adh_act), act_cmp);
}

/* Inserts a new activity (kind work, all out, unknown neutral) in order. */
static int rules_insert(adh_act **out, wl_adh_rules *r, const char *name)
{
  size_t pos = 0;
  while (pos < r->n && strcmp(r->acts[pos].name, name) < 0)
    pos++;
  if (wl_array_reserve(&r->acts, &r->cap, r->n, sizeof(*r->acts), 8) != 0)
    return WL_ENOMEM;
  char *copy = strdup(name);
  if (!copy)
    return wl_err(WL_ENOMEM, "adherence rules: out of memory");
  memmove(&r->acts[pos + 1], &r->acts[pos], (r->n - pos) * sizeof(adh_act));
  adh_act *a = &r->acts[pos];
  a->name = copy;
  a->work = 1;
  memset(a->verdict, WL_ADH_OUT, sizeof(a->verdict));
  a->verdict[ST_UNKNOWN] = WL_ADH_NEUTRAL;
  r->n++;
  *out = a;
  return 0;
}

static int parse_verdict(const char *v)
{
  if (!v)
    return -1;
  if (strcmp(v, "in") == 0)
    return WL_ADH_IN;
  if (strcmp(v, "out") == 0)
    return WL_ADH_OUT;
  if (strcmp(v, "neutral") == 0)
    return WL_ADH_NEUTRAL;
  return -1;
}

static int rules_apply(wl_adh_rules *r, const wl_rule_row *row)
{
  const char *name = nz(row->activity);
  int st = state_lookup(row->state);
  int v = parse_verdict(row->verdict);
  const char *kind = nz(row->kind);
  if (!name[0])
    return wl_err(WL_EUSAGE, "adherence rule: empty activity");
  if (st < 0)
    return wl_err(WL_EUSAGE, "adherence rule %s: unknown state '%s'", name, nz(row->state));
  if (v < 0)
    return wl_err(WL_EUSAGE, "adherence rule %s/%s: verdict '%s' is not in, out or neutral",
                  name, state_names[st], nz(row->verdict));
  if (kind[0] && strcmp(kind, "work") != 0 && strcmp(kind, "rest") != 0)
    return wl_err(WL_EUSAGE, "adherence rule %s: kind '%s' is not work or rest", name, kind);
  adh_act *a = (adh_act *)rules_find(r, name);
  if (!a) {
    int rc = rules_insert(&a, r, name);
    if (rc)
      return rc;
  }
  if (st != ST_UNKNOWN) /* unknown stays neutral whatever the table says */
    a->verdict[st] = (unsigned char)v;
  if (kind[0])
    a->work = strcmp(kind, "work") == 0;
  return 0;
}

int wl_adh_rules_new(wl_adh_rules **out, const wl_rule_row *rows, size_t n)
{
  int rc = 0;
  wl_adh_rules *r = calloc(1, sizeof(*r));
  *out = NULL;
  if (!r)
    return wl_err(WL_ENOMEM, "adherence rules: out of memory");
  for (size_t i = 0; i < sizeof(default_rows) / sizeof(default_rows[0]) && !rc; i++)
    rc = rules_apply(r, &default_rows[i]);
  for (size_t i = 0; i < n && !rc; i++)
    rc = rules_apply(r, &rows[i]);
  if (rc)
    goto fail;
  *out = r;
  return 0;
fail:
  wl_adh_rules_free(r);
  return rc;
}

void wl_adh_rules_free(wl_adh_rules *r)
{
  if (!r)
    return;
  for (size_t i = 0; i < r->n; i++)
    free(r->acts[i].name);
  free(r->acts);
  free(r);
}

static wl_adh_verdict act_verdict(const adh_act *a, int st)
{
  if (st == ST_UNKNOWN)
    return WL_ADH_NEUTRAL;
  return a ? (wl_adh_verdict)a->verdict[st] : WL_ADH_OUT;
}

static int act_work(const adh_act *a)
{
  return a ? a->work : 1;
}

wl_adh_verdict wl_adh_rules_verdict(const wl_adh_rules *r, const char *activity,
                                    const char *state)
{
  return act_verdict(rules_find(r, activity), state_index(state));
}

int wl_adh_rules_is_work(const wl_adh_rules *r, const char *activity)
{
  return act_work(rules_find(r, activity));
}

int wl_adh_rules_has(const wl_adh_rules *r, const char *activity)
{
  return rules_find(r, activity) != NULL;
}

int wl_adh_rules_each(const wl_adh_rules *r, wl_rule_cb cb, void *payload)
{
  for (size_t i = 0; i < r->n; i++) {
    const adh_act *a = &r->acts[i];
    for (int st = 0; st < NSTATES; st++) {
      wl_rule_row row = {a->name, state_names[st],
                         wl_adh_verdict_name((wl_adh_verdict)a->verdict[st]),
                         a->work ? "work" : "rest"};
      int rc = cb(payload, &row);
      if (rc)
        return rc;
    }
  }
  return 0;
}

/* ---- putting the inputs in (agent, start) order -------------------------- */

/* Grows *arr to hold need elements (doubling). */
/* Room for need elements. */
static int grow_array(void **arr, size_t *cap, size_t need, size_t size)
{
  return need ? wl_array_reserve(arr, cap, need - 1, size, 64) : 0;
}

/* The two row types, seen through accessors so one sorting path serves
 * both. Rows with equal (agent, start) keep their input order (the later
 * one wins an overlap), so the result never depends on the path taken. */
typedef struct row_kind {
  size_t size;
  const char *(*agent)(const void *row);
  int64_t (*start)(const void *row);
} row_kind;

static int key_cmp(const char *a1, int64_t s1, const char *a2, int64_t s2)
{
  int c = a1 == a2 ? 0 : strcmp(nz(a1), nz(a2));
  if (c)
    return c;
  return s1 < s2 ? -1 : s1 > s2;
}

static int same_agent(const char *a, const char *b)
{
  return a == b || strcmp(nz(a), nz(b)) == 0;
}

static const char *sched_agent(const void *r) { return ((const wl_schedule_row *)r)->agent_id; }
static int64_t sched_start(const void *r) { return ((const wl_schedule_row *)r)->start_utc; }
static const char *state_agent(const void *r) { return ((const wl_state_row *)r)->agent_id; }
static int64_t state_start(const void *r) { return ((const wl_state_row *)r)->start_utc; }

static const row_kind sched_kind = {sizeof(wl_schedule_row), sched_agent, sched_start};
static const row_kind state_kind = {sizeof(wl_state_row), state_agent, state_start};

#define ROW(base, k, i) ((const char *)(base) + (k)->size * (i))

static int rows_in_order(const row_kind *k, const void *a, const void *b)
{
  return key_cmp(k->agent(a), k->start(a), k->agent(b), k->start(b)) <= 0;
}

static int is_sorted(const void *base, size_t n, const row_kind *k)
{
  for (size_t i = 1; i < n; i++)
    if (!rows_in_order(k, ROW(base, k, i - 1), ROW(base, k, i)))
      return 0;
  return 1;
}

/* Distinct agent ids: an open-addressing table of id numbers, so both
 * sorting paths compare each distinct string only while ranking them. */
typedef struct agent_name {
  const char *name;
  size_t id;
} agent_name;

typedef struct interner {
  agent_name *names; /* by id */
  size_t n, capn;
  size_t *slot;      /* id + 1, 0 empty; capacity a power of two */
  size_t cap;
} interner;

static uint64_t str_hash(const char *s)
{
  uint64_t h = 1469598103934665603ULL; /* FNV-1a */
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211ULL;
  return h;
}

static int intern_rehash(interner *in)
{
  size_t cap = in->cap ? in->cap * 2 : 1024;
  size_t *slot = calloc(cap, sizeof(*slot));
  if (!slot)
    return wl_err(WL_ENOMEM, "adherence: out of memory");
  for (size_t id = 0; id < in->n; id++) {
    size_t h = (size_t)str_hash(in->names[id].name) & (cap - 1);
    while (slot[h])
      h = (h + 1) & (cap - 1);
    slot[h] = id + 1;
  }
  free(in->slot);
  in->slot = slot;
  in->cap = cap;
  return 0;
}

static int intern(size_t *id, interner *in, const char *name)
{
  int rc = 0;
  if (2 * (in->n + 1) > in->cap && (rc = intern_rehash(in)))
    return rc;
  size_t h = (size_t)str_hash(name) & (in->cap - 1);
  for (; in->slot[h]; h = (h + 1) & (in->cap - 1))
    if (strcmp(in->names[in->slot[h] - 1].name, name) == 0) {
      *id = in->slot[h] - 1;
      return 0;
    }
  if ((rc = grow_array((void **)&in->names, &in->capn, in->n + 1, sizeof(agent_name))))
    return rc;
  in->names[in->n] = (agent_name){name, in->n};
  in->slot[h] = ++in->n;
  *id = in->n - 1;
  return 0;
}

static int name_cmp(const void *a, const void *b)
{
  return strcmp(((const agent_name *)a)->name, ((const agent_name *)b)->name);
}

/* Sort keys of the full sort; the row index breaks ties (input order). */
typedef struct sort_key {
  uint64_t rank;
  int64_t start;
  size_t idx;
} sort_key;

static int sort_key_cmp(const void *a, const void *b)
{
  const sort_key *x = a, *y = b;
  if (x->rank != y->rank)
    return x->rank < y->rank ? -1 : 1;
  if (x->start != y->start)
    return x->start < y->start ? -1 : 1;
  return (x->idx > y->idx) - (x->idx < y->idx);
}

/* key[i].rank = position of row i's agent among the distinct agents. */
static int rank_agents(sort_key *key, const void *base, size_t n, const row_kind *k)
{
  interner in = {0};
  size_t *rank = NULL, id = 0;
  const char *last = NULL;
  int rc = 0;
  for (size_t i = 0; i < n && !rc; i++) {
    const char *a = nz(k->agent(ROW(base, k, i)));
    if (a != last) /* rows of one agent often share the string */
      rc = intern(&id, &in, a);
    last = a;
    key[i].rank = id; /* the id for now */
  }
  if (!rc && !(rank = malloc((in.n ? in.n : 1) * sizeof(*rank))))
    rc = wl_err(WL_ENOMEM, "adherence: out of memory");
  if (!rc) {
    qsort(in.names, in.n, sizeof(agent_name), name_cmp);
    for (size_t r = 0; r < in.n; r++)
      rank[in.names[r].id] = r;
    for (size_t i = 0; i < n; i++)
      key[i].rank = rank[key[i].rank];
  }
  free(rank);
  free(in.names);
  free(in.slot);
  return rc;
}

/* The common unsorted case: each agent's rows are together and in time
 * order, only the agents are in another order (a database collation other
 * than strcmp's). Then ordering the runs is enough. *ok = 0 as soon as an
 * agent shows up in a second run: the caller sorts fully. */
typedef struct run {
  size_t first, n;
} run;

static int sort_runs(char *copy, const void *base, size_t n, const row_kind *k, int *ok)
{
  interner in = {0};
  run *runs = NULL; /* by agent id */
  size_t cap = 0, id;
  int rc = 0;
  *ok = 0;
  for (size_t i = 0; i < n && !rc;) {
    const char *a = nz(k->agent(ROW(base, k, i)));
    size_t j = i + 1;
    while (j < n && same_agent(k->agent(ROW(base, k, j)), a) &&
           k->start(ROW(base, k, j - 1)) <= k->start(ROW(base, k, j)))
      j++;
    size_t seen = in.n;
    if ((rc = intern(&id, &in, a)))
      break;
    if (in.n == seen)
      goto done; /* the agent had a run before */
    if (!(rc = grow_array((void **)&runs, &cap, in.n, sizeof(run))))
      runs[id] = (run){i, j - i};
    i = j;
  }
  if (rc)
    goto done;
  qsort(in.names, in.n, sizeof(agent_name), name_cmp);
  for (size_t r = 0, at = 0; r < in.n; r++) {
    const run *u = &runs[in.names[r].id];
    memcpy(copy + k->size * at, ROW(base, k, u->first), k->size * u->n);
    at += u->n;
  }
  *ok = 1;
done:
  free(runs);
  free(in.names);
  free(in.slot);
  return rc;
}

/* Any order. Comparing agent strings millions of times would dominate, so
 * agents are ranked once, then small integer keys are sorted and the rows
 * copied in that order. */
static int sort_full(char *copy, const void *base, size_t n, const row_kind *k)
{
  sort_key *key = malloc(n * sizeof(*key));
  int rc;
  if (!key)
    return wl_err(WL_ENOMEM, "adherence: out of memory");
  for (size_t i = 0; i < n; i++) {
    key[i].start = k->start(ROW(base, k, i));
    key[i].idx = i;
  }
  rc = rank_agents(key, base, n, k);
  if (!rc) {
    qsort(key, n, sizeof(*key), sort_key_cmp);
    for (size_t i = 0; i < n; i++)
      memcpy(copy + k->size * i, ROW(base, k, key[i].idx), k->size);
  }
  free(key);
  return rc;
}

/* Points *view at base, or at a sorted malloc'd copy stored in *copy. */
static int sorted_view(const void **view, void **copy, const void *base, size_t n,
                       const row_kind *k)
{
  int ok = 0, rc;
  *view = base;
  *copy = NULL;
  if (is_sorted(base, n, k))
    return 0;
  *copy = malloc(n * k->size);
  if (!*copy)
    return wl_err(WL_ENOMEM, "adherence: out of memory");
  *view = *copy;
  rc = sort_runs(*copy, base, n, k, &ok);
  if (!rc && !ok)
    rc = sort_full(*copy, base, n, k);
  return rc;
}

/* ---- per-agent pieces --------------------------------------------------- */

typedef struct sseg { /* schedule segment */
  int64_t s, e;
  const char *activity;
  const adh_act *act; /* NULL: an activity no rule names */
} sseg;

typedef struct tseg { /* state segment */
  int64_t s, e;
  int st;
} tseg;

typedef struct piece {
  int64_t s, e;
  const char *activity; /* NULL when unscheduled */
  const adh_act *act;
  int st;
  unsigned char observed, verdict, forgiven;
  int64_t run_s, run_e; /* the out stretch it belongs to (verdict out only) */
} piece;

typedef struct adh_ctx {
  const wl_adh_rules *rules;
  wl_adh_settings set;
  int64_t now;
  const wl_schedule_row *sched;
  const wl_state_row *states;
  size_t nsched, nstates;
  void *sched_copy, *states_copy;
  size_t si, ti;        /* cursors: first row of the next agent */
  const char *agent;    /* current agent */
  sseg *ss;
  tseg *ts;
  piece *pc;
  size_t nss, nts, npc, capss, capts, cappc;
} adh_ctx;

/* Instants beyond +-2^40 s (34,000 years) are broken input; refusing them
 * keeps every difference of two instants far from overflow. */
#define T_LIMIT ((int64_t)1 << 40)

static int check_times(int64_t s, int64_t e)
{
  if (s < -T_LIMIT || e > T_LIMIT)
    return wl_err(WL_EUSAGE, "adherence: segment [%lld, %lld) is out of range", (long long)s,
                  (long long)e);
  return 0;
}

static void ctx_free(adh_ctx *c)
{
  free(c->sched_copy);
  free(c->states_copy);
  free(c->ss);
  free(c->ts);
  free(c->pc);
}

static int ctx_init(adh_ctx *c, const wl_schedule_row *sched, size_t nsched,
                    const wl_state_row *states, size_t nstates, const wl_adh_rules *rules,
                    const wl_adh_settings *set, int64_t now)
{
  const void *v;
  int rc;
  memset(c, 0, sizeof(*c));
  if (!rules)
    return wl_err(WL_EUSAGE, "adherence: no rules");
  if ((nsched && !sched) || (nstates && !states))
    return wl_err(WL_EUSAGE, "adherence: missing input rows");
  if (set)
    c->set = *set;
  if (c->set.grace_s < 0)
    return wl_err(WL_EUSAGE, "adherence: grace %lld s is negative", (long long)c->set.grace_s);
  if (now < -T_LIMIT || now > T_LIMIT)
    return wl_err(WL_EUSAGE, "adherence: now %lld is out of range", (long long)now);
  c->rules = rules;
  c->now = now;
  c->nsched = nsched;
  c->nstates = nstates;
  rc = sorted_view(&v, &c->sched_copy, sched, nsched, &sched_kind);
  c->sched = v;
  if (!rc) {
    rc = sorted_view(&v, &c->states_copy, states, nstates, &state_kind);
    c->states = v;
  }
  if (rc)
    ctx_free(c);
  return rc;
}

/* Each segment ends where the next one begins; empty ones go. */
#define NORMALIZE(arr, n)                                                      \
  do {                                                                         \
    size_t k_ = 0;                                                             \
    for (size_t i_ = 0; i_ < (n); i_++) {                                      \
      if (i_ + 1 < (n) && (arr)[i_ + 1].s < (arr)[i_].e)                       \
        (arr)[i_].e = (arr)[i_ + 1].s;                                         \
      if ((arr)[i_].e > (arr)[i_].s)                                           \
        (arr)[k_++] = (arr)[i_];                                               \
    }                                                                          \
    (n) = k_;                                                                  \
  } while (0)

static int load_sched(adh_ctx *c, size_t end)
{
  int rc = grow_array((void **)&c->ss, &c->capss, end - c->si, sizeof(sseg));
  if (rc)
    return rc;
  c->nss = 0;
  for (size_t i = c->si; i < end; i++) {
    const wl_schedule_row *r = &c->sched[i];
    if (r->end_utc <= r->start_utc)
      continue;
    if ((rc = check_times(r->start_utc, r->end_utc)))
      return rc;
    sseg *g = &c->ss[c->nss++];
    g->s = r->start_utc;
    g->e = r->end_utc;
    g->activity = nz(r->activity);
    g->act = rules_find(c->rules, g->activity);
  }
  NORMALIZE(c->ss, c->nss);
  c->si = end;
  return 0;
}

/* State segments, open ones closed at now, all cut at now. */
static int load_states(adh_ctx *c, size_t end)
{
  int rc = grow_array((void **)&c->ts, &c->capts, end - c->ti, sizeof(tseg));
  if (rc)
    return rc;
  c->nts = 0;
  for (size_t i = c->ti; i < end; i++) {
    const wl_state_row *r = &c->states[i];
    int64_t e = r->end_utc == WL_OPEN_END || r->end_utc > c->now ? c->now : r->end_utc;
    if (e <= r->start_utc)
      continue;
    if ((rc = check_times(r->start_utc, e)))
      return rc;
    tseg *g = &c->ts[c->nts++];
    g->s = r->start_utc;
    g->e = e;
    g->st = state_index(r->state);
  }
  NORMALIZE(c->ts, c->nts);
  c->ti = end;
  return 0;
}

static wl_adh_verdict classify(const adh_ctx *c, const sseg *a, int st)
{
  if (a)
    return act_verdict(a->act, st);
  if (c->set.count_unscheduled_work && state_working(st))
    return WL_ADH_OUT;
  return WL_ADH_UNSCHEDULED;
}

static void push_piece(adh_ctx *c, int64_t s, int64_t e, const sseg *a, const tseg *b)
{
  piece *p = &c->pc[c->npc++];
  p->s = s;
  p->e = e;
  p->activity = a ? a->activity : NULL;
  p->act = a ? a->act : NULL;
  p->st = b ? b->st : ST_UNKNOWN;
  p->observed = b != NULL;
  p->verdict = (unsigned char)classify(c, a, p->st);
  p->forgiven = 0;
  p->run_s = p->run_e = 0;
}

/* The sweep: both lists are sorted and non-overlapping, so two cursors
 * visit every boundary once. Spans with neither a schedule nor a state are
 * skipped (they are unscheduled and unobserved: nothing to count). */
static int build_pieces(adh_ctx *c)
{
  size_t i = 0, j = 0;
  int64_t t = INT64_MAX;
  int rc = grow_array((void **)&c->pc, &c->cappc, 2 * (c->nss + c->nts) + 1, sizeof(piece));
  if (rc)
    return rc;
  c->npc = 0;
  if (c->nss)
    t = c->ss[0].s;
  if (c->nts && c->ts[0].s < t)
    t = c->ts[0].s;
  while (i < c->nss || j < c->nts) {
    const sseg *a = i < c->nss && c->ss[i].s <= t ? &c->ss[i] : NULL;
    const tseg *b = j < c->nts && c->ts[j].s <= t ? &c->ts[j] : NULL;
    int64_t next = INT64_MAX;
    if (i < c->nss)
      next = a ? a->e : c->ss[i].s;
    if (j < c->nts) {
      int64_t nb = b ? b->e : c->ts[j].s;
      next = nb < next ? nb : next;
    }
    if (a || b)
      push_piece(c, t, next, a, b);
    t = next;
    if (i < c->nss && c->ss[i].e <= t)
      i++;
    if (j < c->nts && c->ts[j].e <= t)
      j++;
  }
  return 0;
}

/* Marks stretches: maximal runs of touching out pieces. */
static void apply_grace(adh_ctx *c)
{
  size_t k = 0;
  while (k < c->npc) {
    if (c->pc[k].verdict != WL_ADH_OUT) {
      k++;
      continue;
    }
    size_t end = k + 1;
    while (end < c->npc && c->pc[end].verdict == WL_ADH_OUT && c->pc[end].s == c->pc[end - 1].e)
      end++;
    int64_t rs = c->pc[k].s, re = c->pc[end - 1].e;
    int forgive = re - rs <= c->set.grace_s;
    for (; k < end; k++) {
      c->pc[k].run_s = rs;
      c->pc[k].run_e = re;
      c->pc[k].forgiven = (unsigned char)forgive;
    }
  }
}

static size_t group_end_sched(const adh_ctx *c, const char *agent)
{
  size_t e = c->si;
  while (e < c->nsched && same_agent(c->sched[e].agent_id, agent))
    e++;
  return e;
}

static size_t group_end_states(const adh_ctx *c, const char *agent)
{
  size_t e = c->ti;
  while (e < c->nstates && same_agent(c->states[e].agent_id, agent))
    e++;
  return e;
}

/* Loads the next agent (strcmp order over both inputs) and builds its
 * pieces. 1: an agent is ready, 0: no more agents, < 0: error. */
static int ctx_next_agent(adh_ctx *c)
{
  const char *sa = c->si < c->nsched ? nz(c->sched[c->si].agent_id) : NULL;
  const char *ta = c->ti < c->nstates ? nz(c->states[c->ti].agent_id) : NULL;
  int rc;
  if (!sa && !ta)
    return 0;
  c->agent = !sa ? ta : !ta ? sa : strcmp(sa, ta) <= 0 ? sa : ta;
  if (strlen(c->agent) >= WL_ADH_AGENT_LEN)
    return wl_err(WL_EUSAGE, "adherence: agent id '%.40s...' is longer than %d bytes",
                  c->agent, WL_ADH_AGENT_LEN - 1);
  rc = load_sched(c, group_end_sched(c, c->agent));
  if (!rc)
    rc = load_states(c, group_end_states(c, c->agent));
  if (!rc)
    rc = build_pieces(c);
  if (rc)
    return rc;
  apply_grace(c);
  return 1;
}

/* Generic growable output array. */
static int push_out(void **arr, size_t *n, size_t *cap, size_t size, void **slot)
{
  int rc = grow_array(arr, cap, *n + 1, size);
  if (rc)
    return rc;
  *slot = (char *)*arr + size * (*n)++;
  memset(*slot, 0, size);
  return 0;
}

/* ---- local days --------------------------------------------------------- */

#define MAX_DAYS 200000 /* about 550 years: beyond that the input is broken */

typedef struct day_list {
  int64_t *start; /* n + 1 boundaries */
  char (*date)[11];
  size_t n;
} day_list;

static int64_t day_start(const wl_tz *tz, int64_t t)
{
  if (tz)
    return wl_tz_day_start(tz, t);
  int64_t d = t / 86400 - (t % 86400 < 0);
  return d * 86400;
}

static int64_t next_day(const wl_tz *tz, int64_t t)
{
  return tz ? wl_tz_next_day_start(tz, t) : day_start(NULL, t) + 86400;
}

static void day_name(char out[11], const wl_tz *tz, int64_t t)
{
  wl_civil cv;
  if (tz) {
    wl_tz_to_civil(&cv, tz, t);
  } else {
    wl_civil_from_days(t / 86400 - (t % 86400 < 0), &cv.year, &cv.month, &cv.day);
  }
  /* unsigned and reduced so the compiler can see the 10 characters fit */
  snprintf(out, 11, "%04u-%02u-%02u", (unsigned)cv.year % 10000u, (unsigned)cv.month % 100u,
           (unsigned)cv.day % 100u);
}

/* The local days that meet [lo, hi), lo < hi. */
static int days_build(day_list *dl, const wl_tz *tz, int64_t lo, int64_t hi)
{
  size_t caps = 0, capd = 0;
  int rc = 0;
  memset(dl, 0, sizeof(*dl));
  for (int64_t d = day_start(tz, lo); !rc; d = next_day(tz, d)) {
    if (dl->n >= MAX_DAYS)
      return wl_err(WL_EUSAGE, "adherence: the data spans more than %d days", MAX_DAYS);
    rc = grow_array((void **)&dl->start, &caps, dl->n + 1, sizeof(int64_t));
    if (!rc)
      rc = grow_array((void **)&dl->date, &capd, dl->n + 1, sizeof(*dl->date));
    if (rc)
      break;
    dl->start[dl->n] = d;
    if (d >= hi)
      break;
    day_name(dl->date[dl->n], tz, d);
    dl->n++;
  }
  return rc;
}

static void days_free(day_list *dl)
{
  free(dl->start);
  free(dl->date);
}

/* Index of the day containing t (dl->start[0] <= t < dl->start[n]). */
static size_t day_index(const day_list *dl, int64_t t)
{
  size_t lo = 0, hi = dl->n; /* start[lo] <= t < start[hi] */
  while (hi - lo > 1) {
    size_t mid = lo + (hi - lo) / 2;
    if (dl->start[mid] <= t)
      lo = mid;
    else
      hi = mid;
  }
  return lo;
}

/* The span the data covers: nothing outside it can produce a row, so the
 * day list stays short whatever range the caller asks for. */
static int data_span(int64_t *lo, int64_t *hi, const adh_ctx *c)
{
  *lo = INT64_MAX;
  *hi = INT64_MIN;
  for (size_t i = 0; i < c->nsched; i++) {
    const wl_schedule_row *r = &c->sched[i];
    if (r->end_utc <= r->start_utc)
      continue;
    *lo = r->start_utc < *lo ? r->start_utc : *lo;
    *hi = r->end_utc > *hi ? r->end_utc : *hi;
  }
  for (size_t i = 0; i < c->nstates; i++) {
    const wl_state_row *r = &c->states[i];
    int64_t e = r->end_utc == WL_OPEN_END || r->end_utc > c->now ? c->now : r->end_utc;
    if (e <= r->start_utc)
      continue;
    *lo = r->start_utc < *lo ? r->start_utc : *lo;
    *hi = e > *hi ? e : *hi;
  }
  if (*lo <= *hi)
    return check_times(*lo, *hi);
  return 0;
}

/* ---- per agent and day -------------------------------------------------- */

typedef struct day_acc {
  int64_t sch, in, out, neu, unk, wrk, schw, uns;
} day_acc;

static void acc_add(day_acc *d, const piece *p, int64_t len)
{
  if (p->activity) {
    d->sch += len;
    if (act_work(p->act))
      d->schw += len;
  } else if (p->verdict == WL_ADH_OUT) {
    d->uns += len;
  }
  if (p->observed && state_working(p->st))
    d->wrk += len;
  switch ((wl_adh_verdict)p->verdict) {
  case WL_ADH_IN: d->in += len; break;
  case WL_ADH_OUT:
    if (p->forgiven)
      d->in += len;
    else
      d->out += len;
    break;
  case WL_ADH_NEUTRAL:
    d->neu += len;
    if (p->st == ST_UNKNOWN)
      d->unk += len;
    break;
  case WL_ADH_UNSCHEDULED: break;
  }
}

typedef struct day_out {
  wl_adh_day *rows;
  size_t n, cap;
} day_out;

/* Splits the agent's pieces over the days, then emits the non-empty days. */
static int agent_days(day_out *o, day_acc *acc, const adh_ctx *c, const day_list *dl,
                      int64_t lo, int64_t hi)
{
  size_t dmin = SIZE_MAX, dmax = 0;
  for (size_t k = 0; k < c->npc; k++) {
    const piece *p = &c->pc[k];
    int64_t s = p->s > lo ? p->s : lo, e = p->e < hi ? p->e : hi;
    if (s >= e)
      continue;
    size_t d = day_index(dl, s);
    dmin = d < dmin ? d : dmin;
    for (;;) {
      int64_t cut = e < dl->start[d + 1] ? e : dl->start[d + 1];
      acc_add(&acc[d], p, cut - s);
      if (cut == e)
        break;
      s = cut;
      d++;
    }
    dmax = d > dmax ? d : dmax;
  }
  for (size_t d = dmin; d <= dmax && dmin != SIZE_MAX; d++) {
    day_acc a = acc[d];
    memset(&acc[d], 0, sizeof(acc[d]));
    if (a.sch == 0 && a.wrk == 0)
      continue;
    wl_adh_day *r;
    int rc = push_out((void **)&o->rows, &o->n, &o->cap, sizeof(*r), (void **)&r);
    if (rc)
      return rc;
    copy_str(r->agent_id, sizeof(r->agent_id), c->agent);
    memcpy(r->date, dl->date[d], sizeof(r->date));
    r->day_start_utc = dl->start[d];
    r->day_end_utc = dl->start[d + 1];
    r->scheduled_s = a.sch;
    r->in_s = a.in;
    r->out_s = a.out;
    r->neutral_s = a.neu;
    r->unknown_s = a.unk;
    r->worked_s = a.wrk;
    r->scheduled_work_s = a.schw;
    r->unscheduled_s = a.uns;
  }
  return 0;
}

int wl_adh_compute(wl_adh_day **out, size_t *nout, const wl_schedule_row *sched,
                   size_t nsched, const wl_state_row *states, size_t nstates,
                   const wl_adh_rules *rules, const wl_adh_settings *set,
                   const wl_tz *tz, int64_t from, int64_t to, int64_t now)
{
  adh_ctx c;
  day_list dl = {0};
  day_acc *acc = NULL;
  day_out o = {0};
  int64_t lo, hi;
  int rc;
  *out = NULL;
  *nout = 0;
  rc = ctx_init(&c, sched, nsched, states, nstates, rules, set, now);
  if (rc)
    return rc;
  if ((rc = data_span(&lo, &hi, &c)))
    goto done;
  lo = lo > from ? lo : from;
  hi = hi < to ? hi : to;
  if (lo >= hi)
    goto done;
  rc = days_build(&dl, tz, lo, hi);
  if (rc)
    goto done;
  acc = calloc(dl.n, sizeof(*acc));
  if (!acc) {
    rc = wl_err(WL_ENOMEM, "adherence: out of memory");
    goto done;
  }
  while ((rc = ctx_next_agent(&c)) == 1 && (rc = agent_days(&o, acc, &c, &dl, lo, hi)) == 0)
    ;
done:
  if (rc) {
    free(o.rows);
  } else {
    *out = o.rows;
    *nout = o.n;
  }
  free(acc);
  days_free(&dl);
  ctx_free(&c);
  return rc;
}

/* ---- percentages -------------------------------------------------------- */

#define PCT_MAX 1000000000000000LL /* 1e15: keeps 1000 * num inside int64 */

int wl_adh_pct(char *buf, size_t n, int64_t num, int64_t den)
{
  if (!buf || n == 0)
    return wl_err(WL_EUSAGE, "percent: no buffer");
  buf[0] = '\0';
  if (den == 0)
    return 0;
  if (num > PCT_MAX || num < -PCT_MAX || den > PCT_MAX || den < -PCT_MAX)
    return wl_err(WL_EUSAGE, "percent: %lld / %lld out of range", (long long)num,
                  (long long)den);
  int neg = (num < 0) != (den < 0);
  int64_t a = num < 0 ? -num : num, d = den < 0 ? -den : den;
  int64_t t = 1000 * a; /* tenths of a percent, times d */
  int64_t q = t / d, r = t % d;
  if (2 * r >= d) /* half away from zero: on the magnitude */
    q++;
  int len = snprintf(buf, n, "%s%lld.%lld", neg && q ? "-" : "", (long long)(q / 10),
                     (long long)(q % 10));
  if (len < 0 || (size_t)len >= n) {
    buf[0] = '\0';
    return wl_err(WL_EUSAGE, "percent: buffer of %zu bytes is too small", n);
  }
  return 0;
}

int wl_adh_adherence_pct(char *buf, size_t n, const wl_adh_day *d)
{
  return wl_adh_pct(buf, n, d->in_s, d->in_s + d->out_s);
}

int wl_adh_conformance_pct(char *buf, size_t n, const wl_adh_day *d)
{
  return wl_adh_pct(buf, n, d->worked_s, d->scheduled_work_s);
}

/* ---- exceptions --------------------------------------------------------- */

typedef struct exc_out {
  wl_adh_exception *rows;
  size_t n, cap;
} exc_out;

static int same_activity(const char *a, const char *b)
{
  return strcmp(nz(a), nz(b)) == 0;
}

static int agent_exceptions(exc_out *o, const adh_ctx *c, int64_t from, int64_t to)
{
  const piece *prev = NULL;
  for (size_t k = 0; k < c->npc; k++) {
    const piece *p = &c->pc[k];
    int64_t s = p->s > from ? p->s : from, e = p->e < to ? p->e : to;
    if (p->verdict != WL_ADH_OUT || p->forgiven || s >= e)
      continue;
    wl_adh_exception *x = o->n ? &o->rows[o->n - 1] : NULL;
    if (prev && x && x->end_utc == s && prev->st == p->st &&
        same_activity(prev->activity, p->activity)) {
      x->end_utc = e; /* same (activity, state) continues: one row */
      prev = p;
      continue;
    }
    int rc = push_out((void **)&o->rows, &o->n, &o->cap, sizeof(*x), (void **)&x);
    if (rc)
      return rc;
    copy_str(x->agent_id, sizeof(x->agent_id), c->agent);
    x->start_utc = s;
    x->end_utc = e;
    x->stretch_start_utc = p->run_s;
    x->stretch_end_utc = p->run_e;
    copy_str(x->activity, sizeof(x->activity), p->activity);
    copy_str(x->state, sizeof(x->state), state_names[p->st]);
    prev = p;
  }
  return 0;
}

int wl_adh_exceptions(wl_adh_exception **out, size_t *nout, const wl_schedule_row *sched,
                      size_t nsched, const wl_state_row *states, size_t nstates,
                      const wl_adh_rules *rules, const wl_adh_settings *set,
                      int64_t from, int64_t to, int64_t now)
{
  adh_ctx c;
  exc_out o = {0};
  int rc;
  *out = NULL;
  *nout = 0;
  rc = ctx_init(&c, sched, nsched, states, nstates, rules, set, now);
  if (rc)
    return rc;
  while ((rc = ctx_next_agent(&c)) == 1 && (rc = agent_exceptions(&o, &c, from, to)) == 0)
    ;
  if (rc) {
    free(o.rows);
  } else {
    *out = o.rows;
    *nout = o.n;
  }
  ctx_free(&c);
  return rc;
}

/* ---- timeline ----------------------------------------------------------- */

typedef struct tl_build {
  wl_adh_timeline *tl;
  size_t capa, capp;
} tl_build;

/* Whether p continues prev unchanged (prev keeps the untruncated activity). */
static int same_class(const piece *prev, const piece *p)
{
  return prev->st == p->st && prev->observed == p->observed && prev->verdict == p->verdict &&
         prev->forgiven == p->forgiven && same_activity(prev->activity, p->activity);
}

static int agent_timeline(tl_build *b, const adh_ctx *c, int64_t from, int64_t to)
{
  wl_adh_timeline *tl = b->tl;
  size_t first = tl->npieces;
  const piece *prev = NULL;
  int rc;
  for (size_t k = 0; k < c->npc; k++) {
    const piece *p = &c->pc[k];
    int64_t s = p->s > from ? p->s : from, e = p->e < to ? p->e : to;
    if (s >= e)
      continue;
    wl_adh_piece *x = tl->npieces > first ? &tl->pieces[tl->npieces - 1] : NULL;
    if (x && x->end_utc == s && prev && same_class(prev, p)) {
      x->end_utc = e;
      prev = p;
      continue;
    }
    rc = push_out((void **)&tl->pieces, &tl->npieces, &b->capp, sizeof(*x), (void **)&x);
    if (rc)
      return rc;
    x->start_utc = s;
    x->end_utc = e;
    copy_str(x->activity, sizeof(x->activity), p->activity);
    copy_str(x->state, sizeof(x->state), state_names[p->st]);
    x->observed = p->observed;
    x->verdict = (wl_adh_verdict)p->verdict;
    x->forgiven = p->forgiven;
    prev = p;
  }
  if (tl->npieces == first)
    return 0;
  wl_adh_tl_agent *ag;
  rc = push_out((void **)&tl->agents, &tl->nagents, &b->capa, sizeof(*ag), (void **)&ag);
  if (rc)
    return rc;
  copy_str(ag->agent_id, sizeof(ag->agent_id), c->agent);
  ag->first = first;
  ag->count = tl->npieces - first;
  return 0;
}

int wl_adh_timeline_new(wl_adh_timeline **out, const wl_schedule_row *sched, size_t nsched,
                        const wl_state_row *states, size_t nstates,
                        const wl_adh_rules *rules, const wl_adh_settings *set,
                        int64_t from, int64_t to, int64_t now)
{
  adh_ctx c;
  tl_build b = {0};
  int rc;
  *out = NULL;
  b.tl = calloc(1, sizeof(*b.tl));
  if (!b.tl)
    return wl_err(WL_ENOMEM, "adherence: out of memory");
  rc = ctx_init(&c, sched, nsched, states, nstates, rules, set, now);
  if (rc) {
    free(b.tl);
    return rc;
  }
  while ((rc = ctx_next_agent(&c)) == 1 && (rc = agent_timeline(&b, &c, from, to)) == 0)
    ;
  ctx_free(&c);
  if (rc) {
    wl_adh_timeline_free(b.tl);
    return rc;
  }
  *out = b.tl;
  return 0;
}

void wl_adh_timeline_free(wl_adh_timeline *tl)
{
  if (!tl)
    return;
  free(tl->agents);
  free(tl->pieces);
  free(tl);
}

/* ---- real-time adherence ------------------------------------------------ */

/* The rows must all belong to one agent; *agent gets it ("" if no rows). */
static int rta_agent(const char **agent, const wl_schedule_row *sched, size_t nsched,
                     const wl_state_row *states, size_t nstates)
{
  *agent = nstates ? nz(states[0].agent_id) : nsched ? nz(sched[0].agent_id) : "";
  for (size_t i = 0; i < nsched; i++)
    if (strcmp(nz(sched[i].agent_id), *agent) != 0)
      return wl_err(WL_EUSAGE, "rta: rows of more than one agent");
  for (size_t i = 0; i < nstates; i++)
    if (strcmp(nz(states[i].agent_id), *agent) != 0)
      return wl_err(WL_EUSAGE, "rta: rows of more than one agent");
  if (strlen(*agent) >= WL_ADH_AGENT_LEN)
    return wl_err(WL_EUSAGE, "rta: agent id longer than %d bytes", WL_ADH_AGENT_LEN - 1);
  return 0;
}

/* The scheduled activity at now, from the normalised segments. */
static const sseg *rta_activity(const adh_ctx *c, int64_t now)
{
  for (size_t i = 0; i < c->nss; i++)
    if (c->ss[i].s <= now && now < c->ss[i].e)
      return &c->ss[i];
  return NULL;
}

/* The state row in force at now: the last (sorted) non-empty row that starts
 * no later than now; it covers now when open or ending after now. */
static void rta_state(wl_adh_rta_row *out, int *st, const adh_ctx *c, int64_t now)
{
  const wl_state_row *last = NULL;
  for (size_t i = 0; i < c->nstates; i++) {
    const wl_state_row *r = &c->states[i];
    if (r->start_utc > now)
      break;
    if (r->end_utc == WL_OPEN_END || r->end_utc > r->start_utc)
      last = r;
  }
  *st = ST_UNKNOWN;
  copy_str(out->state, sizeof(out->state), WL_STATE_UNKNOWN);
  if (!last)
    return;
  if (last->end_utc != WL_OPEN_END && last->end_utc <= now) {
    out->since = last->end_utc; /* unobserved since it ended */
    return;
  }
  *st = state_index(last->state);
  copy_str(out->state, sizeof(out->state), state_names[*st]);
  copy_str(out->vendor_code, sizeof(out->vendor_code), last->vendor_code);
  out->since = last->start_utc;
}

/* Length of the run of touching out pieces that ends exactly at now. */
static int64_t rta_out_run(const adh_ctx *c, int64_t now)
{
  int64_t start = now;
  for (size_t k = c->npc; k-- > 0;) {
    const piece *p = &c->pc[k];
    if (p->s >= now)
      continue;
    if (p->e != start || p->verdict != WL_ADH_OUT)
      break;
    start = p->s;
  }
  return now - start;
}

int wl_adh_rta(wl_adh_rta_row *out, const wl_schedule_row *sched, size_t nsched,
               const wl_state_row *states, size_t nstates, const wl_adh_rules *rules,
               const wl_adh_settings *set, int64_t now, int64_t alert_after_s,
               int feed_healthy, int64_t feed_last_ok)
{
  adh_ctx c;
  const char *agent;
  const sseg *a;
  int st, rc;
  memset(out, 0, sizeof(*out));
  if ((nsched && !sched) || (nstates && !states))
    return wl_err(WL_EUSAGE, "rta: missing input rows");
  rc = rta_agent(&agent, sched, nsched, states, nstates);
  if (!rc)
    rc = ctx_init(&c, sched, nsched, states, nstates, rules, set, now);
  if (rc)
    return rc;
  copy_str(out->agent_id, sizeof(out->agent_id), agent);
  rc = ctx_next_agent(&c);
  if (rc < 0)
    goto done;
  rc = 0;
  a = rta_activity(&c, now);
  if (a) {
    copy_str(out->activity, sizeof(out->activity), a->activity);
    out->activity_start = a->s;
    out->activity_end = a->e;
  }
  if (!feed_healthy) { /* the feed is down: we do not know, so never "out" */
    copy_str(out->state, sizeof(out->state), WL_STATE_UNKNOWN);
    out->since = feed_last_ok;
    out->verdict = WL_ADH_NEUTRAL;
    goto done;
  }
  rta_state(out, &st, &c, now);
  out->verdict = classify(&c, a, st);
  if (out->verdict == WL_ADH_OUT)
    out->out_for_s = rta_out_run(&c, now);
  out->alerting = out->verdict == WL_ADH_OUT && out->out_for_s > alert_after_s;
done:
  ctx_free(&c);
  return rc;
}
