/*
 * Historical statistics (stats): queues, agents, interaction legs and
 * 30-minute queue buckets for a d= range, 50 records a page. Late data:
 * legs younger than late_seconds lack agent, accept time, durations and
 * completion.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/api_int.h"
#include "util/timeutil.h"

#define PAGE 50
#define MAX_RANGE_S (93 * 86400)
#define BUCKET_S 1800

static const char *const st_queue_cols[] = {"queue-id", "queue-name", "media-type"};
static const char *const st_agent_cols[] = {"agent-id", "agent-name", "group-id"};
static const char *const leg_cols[] = {
    "interaction-id",   "trans-rec-num",    "queue-name",       "media-type",
    "interaction-direction", "create-timestamp", "accept-timestamp", "abandon-timestamp",
    "agent-id",         "agent-name",       "process-time",     "post-process-time",
    "total-time",       "is-interaction-completed", "origination", "destination-original",
    "customer-name",    "wrap-up-code"};
static const char *const stat_cols[] = {"time-stamp",      "queue-name",      "entered-count",
                                        "accepted-count",  "abandoned-count", "time-waiting"};

/* ---- historical: parameters -------------------------------------------- */

/* n=K: 1-based index of the first record; absent or <= 1: the first. */
static int page_first(emu_api_ctx *a, long *first)
{
  const char *s = a->q->arg(a->q->conn, "n");
  char *end;
  *first = 1;
  if (!s || !*s)
    return 0;
  long v = strtol(s, &end, 10);
  if (*end || end == s)
    return -1;
  *first = v < 1 ? 1 : v;
  return 0;
}

/* d=START,END (both inclusive); absent: the current local day so far. */
static int hist_range(emu_api_ctx *a, int64_t *from, int64_t *to)
{
  const char *d = a->q->arg(a->q->conn, "d");
  char tmp[160];
  if (!d || !*d) {
    const emu_sim *s = a->e->sim;
    *from = emu_sim_day_start(s, emu_sim_day_of(s, a->now));
    *to = a->now;
    return 0;
  }
  if (strlen(d) >= sizeof(tmp))
    return -1;
  snprintf(tmp, sizeof(tmp), "%s", d);
  char *comma = strchr(tmp, ',');
  if (!comma)
    return -1;
  *comma = '\0';
  if (emu_parse_instant(from, tmp, a->e->tz) || emu_parse_instant(to, comma + 1, a->e->tz))
    return -1;
  if (*from > *to || *to - *from > MAX_RANGE_S)
    return -1;
  return 0;
}

static int hist_params(emu_api_ctx *a, int64_t *from, int64_t *to, long *first)
{
  const char *tz = a->q->arg(a->q->conn, "tz");
  if (hist_range(a, from, to) || page_first(a, first) || emu_zone(&a->tz, a->e, tz))
    return -1;
  return 0;
}

/* ---- historical: queues and agents ------------------------------------- */

static size_t page_count(long total, long first)
{
  long n = total - (first - 1);
  return n <= 0 ? 0 : n > PAGE ? PAGE : (size_t)n;
}

int emu_st_queues(emu_api_ctx *a)
{
  long first;
  emu_render rd;
  int nq = emu_sim_cfg(a->e->sim)->queues;
  if (page_first(a, &first))
    return emu_api_fail(a, 400);
  size_t n = page_count(nq, first);
  emu_render_begin(&rd, &a->r->body, a->fmt, a->quirks, "queues", "queues", "queue",
                   st_queue_cols, EMU_N(st_queue_cols), n);
  for (size_t i = 0; i < n; i++) {
    emu_queue q;
    emu_sim_queue(&q, a->e->sim, a->tenant, (int)(first - 1 + (long)i));
    emu_rec_begin(&rd);
    emu_f_int(&rd, "queue-id", q.id);
    emu_f_str(&rd, "queue-name", q.name);
    emu_f_str(&rd, "media-type", emu_media_name(q.media));
    emu_rec_end(&rd);
  }
  return emu_api_finish(a, &rd, 0);
}

int emu_st_agents(emu_api_ctx *a)
{
  long first;
  emu_render rd;
  int na = emu_sim_cfg(a->e->sim)->agents;
  if (page_first(a, &first))
    return emu_api_fail(a, 400);
  size_t n = page_count(na, first);
  emu_render_begin(&rd, &a->r->body, a->fmt, a->quirks, "agents", "agents", "agent",
                   st_agent_cols, EMU_N(st_agent_cols), n);
  for (size_t i = 0; i < n; i++) {
    emu_agent ag;
    emu_sim_agent(&ag, a->e->sim, a->tenant, (int)(first - 1 + (long)i));
    emu_rec_begin(&rd);
    emu_f_str(&rd, "agent-id", ag.id);
    emu_f_str(&rd, "agent-name", ag.name);
    emu_f_int(&rd, "group-id", ag.group);
    emu_rec_end(&rd);
  }
  return emu_api_finish(a, &rd, 0);
}

/* ---- historical: interactions ------------------------------------------ */

typedef struct pager {
  long skip;
  emu_leg legs[PAGE];
  int n;
} pager;

static int pager_leg(void *ud, const emu_leg *l)
{
  pager *p = ud;
  if (p->skip > 0) {
    p->skip--;
    return 0;
  }
  p->legs[p->n++] = *l;
  return p->n == PAGE; /* 1 stops the walk */
}

static void f_time(emu_api_ctx *a, emu_render *rd, const char *name, int64_t t, int shown)
{
  char buf[WL_ISO_LEN];
  if (shown && t)
    emu_f_str(rd, name, wl_time_format(buf, sizeof(buf), t, a->tz));
  else
    emu_f_empty(rd, name);
}

/* Durations are integer seconds; with the durations-as-text quirk, odd ids
 * give "HH:MM:SS" and even ids a decimal that rounds half up to the value. */
static void f_dur(emu_api_ctx *a, emu_render *rd, const char *name, int64_t v, int64_t id, int shown)
{
  char buf[32];
  if (!shown) {
    emu_f_empty(rd, name);
  } else if (!(a->quirks & EMU_Q_DURATIONS_AS_TEXT)) {
    emu_f_int(rd, name, v);
  } else {
    if (id % 2)
      snprintf(buf, sizeof(buf), "%02" PRId64 ":%02" PRId64 ":%02" PRId64, v / 3600,
               v / 60 % 60, v % 60);
    else if (v > 0)
      snprintf(buf, sizeof(buf), "%" PRId64 ".5", v - 1);
    else
      snprintf(buf, sizeof(buf), "0");
    emu_f_str(rd, name, buf);
  }
}

static void leg_record(emu_api_ctx *a, emu_render *rd, const emu_leg *l)
{
  emu_queue q;
  emu_agent ag;
  char tmp[64];
  int late = a->now - l->create < a->e->cfg.late_seconds;
  int accepted = l->accept && l->accept <= a->now && !late;
  int64_t end = emu_leg_end(l);
  int done = end && end <= a->now && !late;
  emu_sim_queue(&q, a->e->sim, a->tenant, l->queue);
  emu_rec_begin(rd);
  emu_f_int(rd, "interaction-id", l->id);
  emu_f_int(rd, "trans-rec-num", l->trn);
  emu_f_str(rd, "queue-name", q.name);
  emu_f_str(rd, "media-type", emu_media_name(q.media));
  emu_f_str(rd, "interaction-direction", l->outbound ? "outbound" : "inbound");
  f_time(a, rd, "create-timestamp", l->create, 1);
  f_time(a, rd, "accept-timestamp", l->accept, accepted);
  f_time(a, rd, "abandon-timestamp", l->abandon, l->abandon && l->abandon <= a->now);
  if (accepted && l->agent >= 0) {
    emu_sim_agent(&ag, a->e->sim, a->tenant, l->agent);
    emu_f_str(rd, "agent-id", ag.id);
    emu_f_str(rd, "agent-name", ag.name);
  } else {
    emu_f_empty(rd, "agent-id");
    emu_f_empty(rd, "agent-name");
  }
  f_dur(a, rd, "process-time", l->process, l->id, accepted);
  f_dur(a, rd, "post-process-time", l->post, l->id, accepted);
  f_dur(a, rd, "total-time", end - l->create, l->id, done);
  emu_f_str(rd, "is-interaction-completed", done ? "true" : "false");
  /* Personal data a client must not store. */
  snprintf(tmp, sizeof(tmp), "+1555%07" PRId64, (l->id / 7) % 10000000);
  emu_f_str(rd, "origination", l->outbound ? "+18005550100" : tmp);
  emu_f_str(rd, "destination-original", l->outbound ? tmp : "+18005550100");
  snprintf(tmp, sizeof(tmp), "Customer %" PRId64, (l->id / 3) % 100000);
  emu_f_str(rd, "customer-name", tmp);
  if (accepted)
    emu_f_str(rd, "wrap-up-code", l->id % 3 ? "Resolved" : "Follow-up");
  else
    emu_f_empty(rd, "wrap-up-code");
  emu_rec_end(rd);
}

int emu_st_interactions(emu_api_ctx *a)
{
  int64_t from, to;
  long first;
  emu_render rd;
  if (hist_params(a, &from, &to, &first))
    return emu_api_fail(a, 400);
  pager *p = calloc(1, sizeof(*p));
  if (!p)
    return emu_api_fail(a, 500);
  p->skip = first - 1;
  int rc = emu_sim_legs(a->e->sim, a->tenant, from, to < a->now ? to : a->now, pager_leg, p);
  emu_render_begin(&rd, &a->r->body, a->fmt, a->quirks, "interactions", "interactions",
                   "interaction", leg_cols, EMU_N(leg_cols), (size_t)p->n);
  for (int i = 0; i < p->n && rc >= 0; i++)
    leg_record(a, &rd, &p->legs[i]);
  free(p);
  return emu_api_finish(a, &rd, rc);
}

/* ---- historical: 30-minute queue statistics ---------------------------- */

typedef struct bucket {
  long entered, accepted, abandoned, waiting;
} bucket;

typedef struct stats {
  emu_api_ctx *a;
  int queue;
  int64_t start;
  bucket *b;
  size_t nb;
} stats;

static int stats_leg(void *ud, const emu_leg *l)
{
  stats *c = ud;
  int64_t now = c->a->now;
  if (l->queue != c->queue || l->outbound)
    return 0;
  bucket *b = &c->b[(l->create - c->start) / BUCKET_S];
  int late = now - l->create < c->a->e->cfg.late_seconds;
  b->entered++;
  if (l->accept && l->accept <= now && !late) {
    b->accepted++;
    b->waiting += l->accept - l->create;
  } else if (l->abandon && l->abandon <= now) {
    b->abandoned++;
    b->waiting += l->abandon - l->create;
  }
  return 0;
}

int emu_st_statistics(emu_api_ctx *a, int queue)
{
  int64_t from, to;
  long first;
  emu_render rd;
  emu_queue q;
  if (hist_params(a, &from, &to, &first))
    return emu_api_fail(a, 400);
  int64_t last = to < a->now ? to : a->now;
  int64_t start = from - ((from % BUCKET_S) + BUCKET_S) % BUCKET_S;
  size_t nb = last >= start ? (size_t)((last - start) / BUCKET_S + 1) : 0;
  stats c = {a, queue, start, calloc(nb ? nb : 1, sizeof(bucket)), nb};
  if (!c.b)
    return emu_api_fail(a, 500);
  int rc = nb ? emu_sim_legs(a->e->sim, a->tenant, start, last, stats_leg, &c) : 0;
  size_t n = page_count((long)nb, first);
  emu_sim_queue(&q, a->e->sim, a->tenant, queue);
  emu_render_begin(&rd, &a->r->body, a->fmt, a->quirks, "statistics", "statistics",
                   "statistic", stat_cols, EMU_N(stat_cols), n);
  for (size_t i = 0; i < n && rc == 0; i++) {
    size_t k = (size_t)(first - 1) + i;
    const bucket *b = &c.b[k];
    emu_rec_begin(&rd);
    f_time(a, &rd, "time-stamp", start + (int64_t)k * BUCKET_S, 1);
    emu_f_str(&rd, "queue-name", q.name);
    emu_f_int(&rd, "entered-count", b->entered);
    emu_f_int(&rd, "accepted-count", b->accepted);
    emu_f_int(&rd, "abandoned-count", b->abandoned);
    emu_f_int(&rd, "time-waiting", b->waiting);
    emu_rec_end(&rd);
  }
  free(c.b);
  return emu_api_finish(a, &rd, rc);
}

