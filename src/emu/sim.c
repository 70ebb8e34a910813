/*
 * Deterministic generation of one tenant's local day: every agent's schedule,
 * the timeline the agent really follows (with drift), the contacts the agent
 * handles, and the calls that abandon in each queue. Randomness comes only
 * from hashes of (seed, tenant, entity, day, ...), so a day regenerates
 * identically whenever it is asked for.
 */
#include "emu/sim.h"
#include "util/array.h"

#include <stdio.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "util/err.h"

/* Cached days are dropped, least recently used first, once they hold more
 * than this many legs + segments (about 100 MB), unless configured. */
#define CACHE_ITEMS 2000000u
#define ID_DAY 10000000000LL /* interaction-id = day * ID_DAY + kind * 1e9 + ... */
#define ID_KIND 1000000000LL
#define ID_ENTITY 100000LL

struct emu_sim {
  emu_sim_config cfg;
  pthread_mutex_t mu;
  emu_day *days; /* most recently used first */
  size_t items;
};

/* ---- hashing and random streams ---------------------------------------- */

static uint64_t mix64(uint64_t z)
{
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

static uint64_t hkey(uint64_t seed, uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
  uint64_t x = mix64(seed + 0x9E3779B97F4A7C15ULL);
  x = mix64(x ^ (a + 0x632BE59BD9B4E019ULL));
  x = mix64(x ^ (b + 0x8CB92BA72F3D8DD7ULL));
  x = mix64(x ^ (c + 0xD6E8FEB86659FD93ULL));
  return mix64(x ^ (d + 0xA0761D6478BD642FULL));
}

typedef struct rng {
  uint64_t s;
} rng;

static uint64_t rng_next(rng *r)
{
  r->s += 0x9E3779B97F4A7C15ULL;
  return mix64(r->s);
}

static double rng_u(rng *r)
{
  return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

static int64_t rng_range(rng *r, int64_t lo, int64_t hi)
{
  return lo + (int64_t)(rng_next(r) % (uint64_t)(hi - lo + 1));
}

static double rng_exp(rng *r, double mean)
{
  return -mean * log(1.0 - rng_u(r));
}

static int rng_poisson(rng *r, double lambda)
{
  double limit = exp(-lambda), p = 1.0;
  int k = 0;
  do {
    k++;
    p *= rng_u(r);
  } while (p > limit && k < 60);
  return k - 1;
}

/* ---- entities ---------------------------------------------------------- */

typedef struct name_part {
  const char *text, *ascii;
} name_part;

static const name_part firsts[] = {
    {"Zoë", "z"},   {"José", "j"},    {"Åsa", "a"},     {"Łukasz", "l"}, {"Siobhán", "s"},
    {"François", "f"}, {"Aiko", "a"}, {"Mei", "m"},     {"John", "j"},   {"Maria", "m"},
    {"Priya", "p"}, {"Ahmed", "a"},   {"Olga", "o"},    {"Sam", "s"},    {"Grace", "g"},
    {"Noah", "n"},  {"Chloé", "c"},   {"Jürgen", "j"},  {"Ingrid", "i"}, {"Kwame", "k"},
    {"Lucía", "l"}, {"Dmitri", "d"},  {"Hana", "h"},    {"Oscar", "o"}};
static const name_part lasts[] = {
    {"Müller", "muller"}, {"Peña", "pena"},     {"O'Brien", "obrien"}, {"Nguyen", "nguyen"},
    {"Smith", "smith"},   {"García", "garcia"}, {"Kowalski", "kowalski"},
    {"Ødegaard", "odegaard"}, {"Doe", "doe"},   {"Chen", "chen"},      {"Johnson", "johnson"},
    {"Brown", "brown"},   {"Björk", "bjork"},   {"Dubois", "dubois"},  {"Tanaka", "tanaka"},
    {"Okafor", "okafor"}, {"Rossi", "rossi"},   {"Novák", "novak"},    {"Patel", "patel"},
    {"Silva", "silva"}};

#define NFIRST (sizeof(firsts) / sizeof(firsts[0]))
#define NLAST (sizeof(lasts) / sizeof(lasts[0]))

void emu_sim_agent(emu_agent *out, const emu_sim *s, int tenant, int idx)
{
  uint64_t h = hkey(s->cfg.seed, 'a', (uint64_t)tenant, (uint64_t)idx, 0);
  size_t f = (size_t)(h % NFIRST), l = (size_t)((h >> 20) % NLAST);
  /* The first two agents always carry non-ASCII names, whatever the seed. */
  if (idx == 0)
    f = 0, l = 0;
  else if (idx == 1)
    f = 1, l = 1;
  memset(out, 0, sizeof(*out));
  snprintf(out->name, sizeof(out->name), "%s %s", firsts[f].text, lasts[l].text);
  snprintf(out->id, sizeof(out->id), "%s%s%02d", firsts[f].ascii, lasts[l].ascii, idx + 1);
  out->queue = idx % s->cfg.queues;
  out->group = out->queue + 1;
  out->shift_min = 7 * 60 + 30 * (int)((h >> 40) % 9); /* 07:00 .. 11:00 */
  out->lunch_min = ((h >> 50) & 3) == 0 ? 60 : 30;
  out->lunch_logs_out = ((h >> 53) % 10) < 3;
}

int emu_sim_agent_find(const emu_sim *s, int tenant, const char *id)
{
  size_t n = strlen(id), i = n;
  char *end;
  emu_agent a;
  while (i > 0 && id[i - 1] >= '0' && id[i - 1] <= '9')
    i--;
  if (i == n || n - i > 5)
    return -1;
  long k = strtol(id + i, &end, 10) - 1;
  if (*end || k < 0 || k >= s->cfg.agents)
    return -1;
  emu_sim_agent(&a, s, tenant, (int)k);
  return strcmp(a.id, id) == 0 ? (int)k : -1;
}

static const char *const queue_names[] = {"Sales", "Support Chat", "Billing & Accounts",
                                          "Voicemail"};

void emu_sim_queue(emu_queue *out, const emu_sim *s, int tenant, int idx)
{
  (void)tenant;
  (void)s;
  memset(out, 0, sizeof(*out));
  out->id = 101 + idx;
  out->media = idx % 4;
  if (idx < 4)
    snprintf(out->name, sizeof(out->name), "%s", queue_names[idx]);
  else
    snprintf(out->name, sizeof(out->name), "%s %d", queue_names[idx % 4], idx / 4 + 1);
  static const int sla[] = {20, 60, 3600, 600};
  out->sla_target = sla[out->media];
}

int emu_sim_queue_find(const emu_sim *s, int tenant, int64_t id)
{
  (void)tenant;
  if (id < 101 || id >= 101 + s->cfg.queues)
    return -1;
  return (int)(id - 101);
}

const char *emu_media_name(int media)
{
  static const char *const names[] = {"phone", "chat", "email", "vmail"};
  return media >= 0 && media < 4 ? names[media] : "phone";
}

/* ---- legs -------------------------------------------------------------- */

int64_t emu_leg_end(const emu_leg *l)
{
  if (l->accept)
    return l->accept + l->process + l->post;
  if (l->abandon)
    return l->abandon;
  return l->xfer;
}

int64_t emu_leg_wait(const emu_leg *l)
{
  if (l->accept)
    return l->accept - l->create;
  if (l->abandon)
    return l->abandon - l->create;
  return 0;
}

/* ---- days and load ----------------------------------------------------- */

int64_t emu_sim_day_of(const emu_sim *s, int64_t t)
{
  wl_civil c;
  wl_tz_to_civil(&c, s->cfg.tz, t);
  return wl_days_from_civil(c.year, c.month, c.day);
}

int64_t emu_sim_day_start(const emu_sim *s, int64_t dn)
{
  int y, m, d;
  wl_civil_from_days(dn, &y, &m, &d);
  return wl_tz_date_start(s->cfg.tz, y, m, d);
}

/* Intraday shape: quiet nights, busy late mornings, a lunch dip. */
static const double shape[][2] = {{0, 0.05}, {6, 0.1},  {8, 0.8},  {9, 1.0},   {11, 1.0},
                                  {12, 0.75}, {13, 0.8}, {16, 0.7}, {18, 0.4}, {20, 0.2},
                                  {22, 0.08}, {24, 0.05}};

double emu_sim_load(const emu_sim *s, int64_t t)
{
  static const double weekday[] = {1.1, 1.0, 1.0, 1.0, 0.9, 0.4, 0.3};
  wl_civil c;
  wl_tz_to_civil(&c, s->cfg.tz, t);
  double h = c.hour + c.min / 60.0, v = 0.05;
  for (size_t i = 0; i + 1 < sizeof(shape) / sizeof(shape[0]); i++) {
    if (h >= shape[i][0] && h < shape[i + 1][0]) {
      double f = (h - shape[i][0]) / (shape[i + 1][0] - shape[i][0]);
      v = shape[i][1] + f * (shape[i + 1][1] - shape[i][1]);
      break;
    }
  }
  return v * weekday[wl_weekday_from_days(wl_days_from_civil(c.year, c.month, c.day))];
}

/* ---- schedules --------------------------------------------------------- */

static int64_t local_minute(const emu_sim *s, int64_t dn, int minute)
{
  wl_civil c;
  wl_civil_from_days(dn, &c.year, &c.month, &c.day);
  c.hour = minute / 60;
  c.min = minute % 60;
  c.sec = 0;
  return wl_tz_from_civil(s->cfg.tz, &c, 0);
}

static int works_on(const emu_sim *s, int tenant, int agent, int64_t dn)
{
  rng r = {hkey(s->cfg.seed, 'w', (uint64_t)tenant, (uint64_t)agent, (uint64_t)dn)};
  int weekend = wl_weekday_from_days(dn) >= 5;
  return rng_u(&r) < (weekend ? 0.25 : 0.92);
}

static size_t push_plan(emu_sched *out, size_t n, size_t cap, const emu_sim *s, int64_t dn,
                        int from_min, int to_min, int act)
{
  if (n < cap) {
    out[n].start = local_minute(s, dn, from_min);
    out[n].end = local_minute(s, dn, to_min);
    out[n].activity = act;
  }
  return n + 1;
}

size_t emu_sim_schedule(emu_sched *out, size_t cap, const emu_sim *s, int tenant, int agent,
                        int64_t dn)
{
  emu_agent a;
  size_t n = 0;
  if (!works_on(s, tenant, agent, dn))
    return 0;
  emu_sim_agent(&a, s, tenant, agent);
  rng r = {hkey(s->cfg.seed, 'm', (uint64_t)tenant, (uint64_t)agent, (uint64_t)dn)};
  int meeting = rng_u(&r) < 0.3;
  int S = a.shift_min, X = S + 240 + a.lunch_min;
  n = push_plan(out, n, cap, s, dn, S, S + 120, EMU_ACT_PHONE);
  n = push_plan(out, n, cap, s, dn, S + 120, S + 135, EMU_ACT_BREAK);
  n = push_plan(out, n, cap, s, dn, S + 135, S + 240, EMU_ACT_PHONE);
  n = push_plan(out, n, cap, s, dn, S + 240, X, EMU_ACT_LUNCH);
  if (meeting) {
    n = push_plan(out, n, cap, s, dn, X, X + 30, EMU_ACT_PHONE);
    n = push_plan(out, n, cap, s, dn, X + 30, X + 90, EMU_ACT_OFFLINE);
    n = push_plan(out, n, cap, s, dn, X + 90, X + 120, EMU_ACT_PHONE);
  } else {
    n = push_plan(out, n, cap, s, dn, X, X + 120, EMU_ACT_PHONE);
  }
  n = push_plan(out, n, cap, s, dn, X + 120, X + 135, EMU_ACT_BREAK);
  n = push_plan(out, n, cap, s, dn, X + 135, X + 255, EMU_ACT_PHONE);
  return n < cap ? n : cap;
}

/* ---- day generation ---------------------------------------------------- */

typedef struct gen {
  emu_sim *s;
  int tenant;
  int64_t dn, day_start, day_end;
  emu_leg *legs;
  size_t nlegs, caplegs;
  emu_seg *segs;
  size_t nsegs, capsegs, agent_first;
  int failed;
} gen;

static emu_leg *leg_push(gen *g)
{
  emu_leg *p;
  if (wl_array_reserve(&g->legs, &g->caplegs, g->nlegs, sizeof(*g->legs), 256) != 0) {
    g->failed = 1;
    return NULL;
  }
  p = g->legs;
  memset(&p[g->nlegs], 0, sizeof(*p));
  p[g->nlegs].agent = -1;
  return &p[g->nlegs++];
}

/* Appends [start, end) for the current agent, merging with an identical
 * previous state so that the timeline never repeats a state back to back. */
static void seg_emit(gen *g, int64_t start, int64_t end, int code, int queue)
{
  if (end <= start || g->failed)
    return;
  if (g->nsegs > g->agent_first) {
    emu_seg *last = &g->segs[g->nsegs - 1];
    if (last->code == code && last->end == start) {
      last->end = end;
      return;
    }
  }
  if (wl_array_reserve(&g->segs, &g->capsegs, g->nsegs, sizeof(*g->segs), 256) != 0) {
    g->failed = 1;
    return;
  }
  g->segs[g->nsegs++] = (emu_seg){start, end, (int16_t)code, (int16_t)queue};
}

static int64_t scaled(const gen *g, double seconds)
{
  double v = seconds * g->s->cfg.dwell_scale;
  return v < 1.0 ? 1 : (int64_t)llround(v);
}

static int64_t clamp64(int64_t v, int64_t lo, int64_t hi)
{
  return v < lo ? lo : v > hi ? hi : v;
}

/* Durations of one contact by media: ring, handling, wrap-up, queue wait. */
typedef struct contact {
  int64_t ring, process, post, qwait;
} contact;

static contact draw_contact(const gen *g, rng *r, int media, double load)
{
  static const double base_p[] = {60, 120, 60, 30}, mean_p[] = {200, 300, 240, 90};
  static const double mean_w[] = {20, 30, 1800, 600}, max_ring[] = {12, 8, 5, 5};
  contact c;
  c.ring = scaled(g, (double)rng_range(r, 2, (int64_t)max_ring[media]));
  c.process = scaled(g, fmin(base_p[media] + rng_exp(r, mean_p[media]), 1800));
  c.post = scaled(g, fmin(5 + rng_exp(r, 40), 600));
  /* Capped so that every leg is resolved well within the hour after which
   * 8x8's data is complete. */
  c.qwait = scaled(g, fmin(rng_exp(r, mean_w[media] * load), 3000)) - 1;
  return c;
}

/* A queue of the same media other than q (for voicemail: a phone queue)
 * that transferred a contact into q, or -1. */
static int transfer_source(const gen *g, int q, uint64_t h)
{
  int nq = g->s->cfg.queues, media = q % 4, want = media == EMU_MEDIA_VMAIL ? 0 : media;
  int cands = 0;
  for (int i = want; i < nq; i += 4)
    cands += i != q;
  if (cands == 0)
    return -1;
  int pick = (int)(h % (uint64_t)cands);
  for (int i = want; i < nq; i += 4) {
    if (i == q)
      continue;
    if (pick-- == 0)
      return i;
  }
  return -1;
}

/* One contact starting at t for agent a; returns when the agent is free. */
static int64_t one_contact(gen *g, int a, const emu_agent *ag, rng *r, int64_t t, int *seq)
{
  int q = ag->queue, media = q % 4;
  double u = rng_u(r), load = emu_sim_load(g->s, t);
  contact c = draw_contact(g, r, media, load);
  uint64_t h = rng_next(r);
  int src = u >= 0.02 && u < 0.08 ? transfer_source(g, q, h) : -1;
  int64_t id = g->dn * ID_DAY + ID_KIND + (a + 1) * ID_ENTITY + ++*seq;
  emu_leg *l = leg_push(g);
  if (!l)
    return t + 1;
  l->id = id;
  l->agent = a;
  l->queue = (int16_t)q;
  l->process = (int32_t)c.process;
  l->post = (int32_t)c.post;
  l->trn = 1;
  if (u < 0.02 && media == EMU_MEDIA_PHONE) { /* outbound call */
    l->outbound = 1;
    l->create = l->offer = l->accept = t;
    seg_emit(g, t, t + c.process, EMU_ST_BUSY, q);
    seg_emit(g, t + c.process, t + c.process + c.post, EMU_ST_WRAP, q);
    return t + c.process + c.post;
  }
  l->offer = t;
  l->accept = t + c.ring;
  l->create = clamp64(t - c.qwait, g->day_start + 1, t);
  if (src >= 0) { /* waited in src first, then was transferred here */
    int64_t create2 = l->create;
    int64_t w1 = scaled(g, fmin(20 + rng_exp(r, 60), 600));
    l->trn = 2;
    emu_leg *l1 = leg_push(g); /* may move the array: l is not used below */
    if (!l1)
      return t + 1;
    l1->id = id;
    l1->queue = (int16_t)src;
    l1->trn = 1;
    l1->xfer = create2;
    l1->create = clamp64(create2 - w1, g->day_start + 1, create2);
  }
  int64_t busy = t + c.ring, wrap = busy + c.process;
  seg_emit(g, t, busy, EMU_ST_OFFERED, q);
  seg_emit(g, busy, wrap, EMU_ST_BUSY, q);
  seg_emit(g, wrap, wrap + c.post, EMU_ST_WRAP, q);
  return wrap + c.post;
}

/* Available time and contacts during a scheduled phone activity [t, end);
 * a contact in progress at the end runs over. Returns when the agent is free. */
static int64_t phone_activity(gen *g, int a, const emu_agent *ag, rng *r, int64_t t, int64_t end,
                              int *seq)
{
  while (t < end && !g->failed) {
    double load = emu_sim_load(g->s, t);
    int64_t idle = scaled(g, fmin(rng_exp(r, 30.0 / load), 1800));
    int code = a == EMU_ODD_AGENT && rng_u(r) < 0.03 ? EMU_ST_ODD : EMU_ST_AVAILABLE;
    if (t + idle >= end || *seq >= ID_ENTITY - 2) {
      seg_emit(g, t, end, EMU_ST_AVAILABLE, -1);
      return end;
    }
    seg_emit(g, t, t + idle, code, -1);
    t = one_contact(g, a, ag, r, t + idle, seq);
  }
  return t;
}

/* The actual times of the schedule's boundaries: small jitter everywhere,
 * and now and then a late login, a long break or lunch, an early logout. */
static void drift(int64_t *act, const emu_sched *plan, size_t n, rng *r)
{
  for (size_t i = 0; i <= n; i++) {
    double u = rng_u(r);
    int64_t big = rng_range(r, 300, 1500), small = rng_range(r, 0, 180);
    int64_t b = i < n ? plan[i].start : plan[n - 1].end, d;
    if (i == 0)
      d = small / 2 + (u < 0.15 ? big * 4 / 5 : 0);
    else if (i == n)
      d = u < 0.06 ? -(big + 300) : small * 5 / 3;
    else if (plan[i].activity == EMU_ACT_BREAK || plan[i].activity == EMU_ACT_LUNCH)
      d = small - 60;
    else if (plan[i - 1].activity == EMU_ACT_LUNCH)
      d = small + (u < 0.12 ? big : 0);
    else if (plan[i - 1].activity == EMU_ACT_BREAK)
      d = small + (u < 0.08 ? big / 2 : 0);
    else
      d = small - 60;
    act[i] = b + d;
    if (i > 0 && act[i] < act[i - 1] + 60)
      act[i] = act[i - 1] + 60;
  }
}

static void agent_day(gen *g, int a)
{
  emu_sched plan[16];
  int64_t act[17];
  emu_agent ag;
  int seq = 0;
  size_t n = emu_sim_schedule(plan, 16, g->s, g->tenant, a, g->dn);
  g->agent_first = g->nsegs;
  if (n == 0) {
    seg_emit(g, g->day_start, g->day_end, EMU_ST_LOGGED_OUT, -1);
    return;
  }
  emu_sim_agent(&ag, g->s, g->tenant, a);
  rng jr = {hkey(g->s->cfg.seed, 'j', (uint64_t)g->tenant, (uint64_t)a, (uint64_t)g->dn)};
  rng cr = {hkey(g->s->cfg.seed, 'c', (uint64_t)g->tenant, (uint64_t)a, (uint64_t)g->dn)};
  drift(act, plan, n, &jr);
  seg_emit(g, g->day_start, act[0], EMU_ST_LOGGED_OUT, -1);
  int64_t t = act[0];
  for (size_t i = 0; i < n; i++) {
    int64_t end = act[i + 1] > t + 60 ? act[i + 1] : t + 60;
    switch (plan[i].activity) {
    case EMU_ACT_PHONE:
      t = phone_activity(g, a, &ag, &cr, t, end, &seq);
      continue;
    case EMU_ACT_OFFLINE:
      seg_emit(g, t, end, EMU_ST_OFFLINE, -1);
      break;
    case EMU_ACT_BREAK:
      seg_emit(g, t, end, EMU_ST_BREAK, -1);
      break;
    default:
      seg_emit(g, t, end, ag.lunch_logs_out ? EMU_ST_LOGGED_OUT : EMU_ST_BREAK, -1);
      break;
    }
    t = end;
  }
  seg_emit(g, t, g->day_end, EMU_ST_LOGGED_OUT, -1);
}

/* Callers who hang up in the queue, per 15-minute slot (phone and chat). */
static void queue_abandons(gen *g, int q)
{
  int media = q % 4;
  if (media != EMU_MEDIA_PHONE && media != EMU_MEDIA_CHAT)
    return;
  int64_t k = 0;
  for (int64_t slot = g->day_start; slot < g->day_end && !g->failed; slot += 900, k++) {
    rng r = {hkey(g->s->cfg.seed, 'q', (uint64_t)g->tenant, (uint64_t)q,
                  (uint64_t)(g->dn * 1000 + k))};
    double lambda = (media == EMU_MEDIA_PHONE ? 0.9 : 0.5) * emu_sim_load(g->s, slot + 450);
    int n = rng_poisson(&r, lambda);
    for (int j = 0; j < n && j < 50; j++) {
      int64_t create = slot + rng_range(&r, 0, 899);
      if (create >= g->day_end)
        continue;
      emu_leg *l = leg_push(g);
      if (!l)
        return;
      l->id = g->dn * ID_DAY + 2 * ID_KIND + q * ID_ENTITY + k * 50 + j;
      l->queue = (int16_t)q;
      l->trn = 1;
      l->create = create;
      l->abandon = create + 5 + (int64_t)fmin(rng_exp(&r, 70), 900);
    }
  }
}

static int leg_cmp(const void *pa, const void *pb)
{
  const emu_leg *a = pa, *b = pb;
  if (a->create != b->create)
    return a->create < b->create ? -1 : 1;
  if (a->id != b->id)
    return a->id < b->id ? -1 : 1;
  return (int)a->trn - (int)b->trn;
}

static void day_free(emu_day *d)
{
  if (!d)
    return;
  free(d->legs);
  free(d->segs);
  free(d->agent_off);
  free(d);
}

static int day_generate(emu_day **out, emu_sim *s, int tenant, int64_t dn)
{
  gen g = {.s = s, .tenant = tenant, .dn = dn};
  emu_day *d = calloc(1, sizeof(*d));
  size_t *off = calloc((size_t)s->cfg.agents + 1, sizeof(*off));
  if (!d || !off) {
    free(d);
    free(off);
    return wl_err(WL_ENOMEM, "out of memory generating a day");
  }
  g.day_start = emu_sim_day_start(s, dn);
  g.day_end = emu_sim_day_start(s, dn + 1);
  for (int a = 0; a < s->cfg.agents && !g.failed; a++) {
    off[a] = g.nsegs;
    agent_day(&g, a);
  }
  off[s->cfg.agents] = g.nsegs;
  for (int q = 0; q < s->cfg.queues && !g.failed; q++)
    queue_abandons(&g, q);
  if (g.failed) {
    free(g.legs);
    free(g.segs);
    free(off);
    free(d);
    return wl_err(WL_ENOMEM, "out of memory generating a day");
  }
  if (g.nlegs)
    qsort(g.legs, g.nlegs, sizeof(*g.legs), leg_cmp);
  *d = (emu_day){.tenant = tenant, .dn = dn, .start = g.day_start, .end = g.day_end,
                 .legs = g.legs, .nlegs = g.nlegs, .segs = g.segs, .nsegs = g.nsegs,
                 .agent_off = off};
  *out = d;
  return 0;
}

/* ---- the cache --------------------------------------------------------- */

int emu_sim_new(emu_sim **out, const emu_sim_config *cfg)
{
  if (cfg->agents < 1 || cfg->agents > EMU_MAX_AGENTS || cfg->queues < 1 ||
      cfg->queues > EMU_MAX_QUEUES || cfg->tenants < 1 || cfg->tenants > EMU_MAX_TENANTS ||
      !cfg->tz || !(cfg->dwell_scale > 0))
    return wl_err(WL_EUSAGE, "invalid simulation settings");
  emu_sim *s = calloc(1, sizeof(*s));
  if (!s)
    return wl_err(WL_ENOMEM, "out of memory");
  s->cfg = *cfg;
  pthread_mutex_init(&s->mu, NULL);
  *out = s;
  return 0;
}

void emu_sim_free(emu_sim *s)
{
  if (!s)
    return;
  for (emu_day *d = s->days, *n; d; d = n) {
    n = d->next;
    day_free(d);
  }
  pthread_mutex_destroy(&s->mu);
  free(s);
}

const emu_sim_config *emu_sim_cfg(const emu_sim *s)
{
  return &s->cfg;
}

static size_t day_items(const emu_day *d)
{
  return d->nlegs + d->nsegs + 1;
}

static emu_day *cache_find(emu_sim *s, int tenant, int64_t dn)
{
  emu_day **pp = &s->days;
  for (emu_day *d = s->days; d; pp = &d->next, d = d->next) {
    if (d->tenant == tenant && d->dn == dn) {
      *pp = d->next; /* move to front */
      d->next = s->days;
      s->days = d;
      d->refs++;
      return d;
    }
  }
  return NULL;
}

/* Drops unused days from the tail while over budget; days still in use
 * are unlinked and freed by their last release. */
static void cache_trim(emu_sim *s)
{
  size_t budget = s->cfg.cache_items ? s->cfg.cache_items : CACHE_ITEMS;
  while (s->items > budget && s->days && s->days->next) {
    emu_day **pp = &s->days;
    while ((*pp)->next)
      pp = &(*pp)->next;
    emu_day *d = *pp;
    *pp = NULL;
    s->items -= day_items(d);
    if (d->refs == 0)
      day_free(d);
    else
      d->dead = 1;
  }
}

int emu_sim_day(const emu_day **out, emu_sim *s, int tenant, int64_t dn)
{
  emu_day *d, *mine = NULL;
  pthread_mutex_lock(&s->mu);
  d = cache_find(s, tenant, dn);
  pthread_mutex_unlock(&s->mu);
  if (d) {
    *out = d;
    return 0;
  }
  int rc = day_generate(&mine, s, tenant, dn);
  if (rc)
    return rc;
  pthread_mutex_lock(&s->mu);
  d = cache_find(s, tenant, dn); /* another thread may have been faster */
  if (d) {
    day_free(mine);
  } else {
    d = mine;
    d->refs = 1;
    d->next = s->days;
    s->days = d;
    s->items += day_items(d);
    cache_trim(s);
  }
  pthread_mutex_unlock(&s->mu);
  *out = d;
  return 0;
}

void emu_sim_day_release(emu_sim *s, const emu_day *cd)
{
  emu_day *d = (emu_day *)cd;
  if (!d)
    return;
  pthread_mutex_lock(&s->mu);
  if (--d->refs == 0 && d->dead)
    day_free(d);
  pthread_mutex_unlock(&s->mu);
}
