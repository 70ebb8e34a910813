/*
 * Real-time statistics (rtstats): every agent's current status with the
 * true time in status, and per queue the agents by status and the day and
 * thirty-minute counters, all from the same simulated legs and timelines.
 */
#include <stdlib.h>

#include "emu/api_int.h"

#define BUCKET_S 1800

static const char *const rt_agent_cols[] = {
    "agent-id",           "agent-name",         "agent-status",
    "time-in-status",     "group-id",           "phone-line1-status",
    "phone-line1-status-time", "phone-line2-status", "phone-line2-status-time",
    "media-type"};
static const char *const rt_queue_cols[] = {
    "queue-id", "queue-name", "media-type", "queue-type", "queue-size", "longest-wait-time",
    "number-in-offered", "number-in-progress", "assigned-agent-count", "enabled-agent-count",
    "agent-count-waitTransact", "agent-count-busy", "agent-count-postProcess",
    "agent-count-onBreak", "agent-count-workOffline", "agent-count-loggedOut", "day-queued",
    "day-accepted", "day-abandoned", "day-avg-wait-time", "day-avg-duration",
    "day-sla-activity", "sla-target", "sla-activity", "thirty-min-queued",
    "thirty-min-accepted", "thirty-min-abandoned", "thirty-min-avg-wait-time",
    "thirty-min-avg-duration", "thirty-min-longest-wait-time", "thirty-min-sla-activity"};

/* ---- real-time agents -------------------------------------------------- */

static int line_status(const emu_sim *s, const emu_state *st)
{
  emu_queue q;
  if (st->queue < 0 || (st->code != EMU_ST_OFFERED && st->code != EMU_ST_BUSY))
    return 0;
  emu_sim_queue(&q, s, 0, st->queue);
  if (q.media != EMU_MEDIA_PHONE && q.media != EMU_MEDIA_VMAIL)
    return 0;
  return st->code == EMU_ST_OFFERED ? 3 : 5;
}

static void rt_agent_record(emu_api_ctx *a, emu_render *rd, int idx, const emu_state *st)
{
  emu_agent ag;
  emu_queue q;
  emu_sim_agent(&ag, a->e->sim, a->tenant, idx);
  int64_t tis = a->now - st->start;
  int line = line_status(a->e->sim, st);
  emu_rec_begin(rd);
  emu_f_str(rd, "agent-id", ag.id);
  emu_f_str(rd, "agent-name", ag.name);
  emu_f_int(rd, "agent-status", st->code);
  emu_f_int(rd, "time-in-status", tis);
  emu_f_int(rd, "group-id", ag.group);
  emu_f_int(rd, "phone-line1-status", line);
  emu_f_int(rd, "phone-line1-status-time", st->code == EMU_ST_LOGGED_OUT ? 0 : tis);
  emu_f_int(rd, "phone-line2-status", 0);
  emu_f_int(rd, "phone-line2-status-time", 0);
  if (st->code != EMU_ST_LOGGED_OUT) { /* media-type may be absent */
    emu_sim_queue(&q, a->e->sim, a->tenant, st->queue >= 0 ? st->queue : ag.queue);
    emu_f_str(rd, "media-type", emu_media_name(q.media));
  }
  emu_rec_end(rd);
}

int emu_rt_agents(emu_api_ctx *a, int only)
{
  emu_render rd;
  int rc = 0, n = only >= 0 ? 1 : emu_sim_cfg(a->e->sim)->agents;
  emu_render_begin(&rd, &a->r->body, a->fmt, a->quirks, NULL, "agents", "agent", rt_agent_cols,
                   EMU_N(rt_agent_cols), (size_t)n);
  for (int i = 0; i < n && rc == 0; i++) {
    emu_state st;
    int idx = only >= 0 ? only : i;
    if ((rc = emu_sim_state_at(&st, a->e->sim, a->tenant, idx, a->now)) == 0)
      rt_agent_record(a, &rd, idx, &st);
  }
  return emu_api_finish(a, &rd, rc);
}

/* ---- real-time queues -------------------------------------------------- */

typedef struct window {
  int64_t start;
  long queued, accepted, abandoned, waits, wait_sum, durs, dur_sum, longest, sla_ok;
} window;

typedef struct qagg {
  long size, longest, offered, progress;
  long count[10], assigned; /* agents of the queue by status code */
  int sla_target;
  window day, thirty;
} qagg;

typedef struct rtq {
  emu_api_ctx *a;
  qagg *g;
  int nq;
} rtq;

static void window_add(window *w, const emu_leg *l, int64_t now, int target)
{
  if (l->create < w->start)
    return;
  w->queued++;
  if (l->accept && l->accept <= now) {
    int64_t wait = l->accept - l->create;
    w->accepted++;
    w->waits++;
    w->wait_sum += wait;
    w->durs++;
    w->dur_sum += l->process;
    w->sla_ok += wait <= target;
    w->longest = wait > w->longest ? wait : w->longest;
  } else if (l->abandon && l->abandon <= now) {
    int64_t wait = l->abandon - l->create;
    w->abandoned++;
    w->waits++;
    w->wait_sum += wait;
    w->longest = wait > w->longest ? wait : w->longest;
  }
}

static int rtq_leg(void *ud, const emu_leg *l)
{
  rtq *c = ud;
  qagg *g = &c->g[l->queue];
  int64_t now = c->a->now;
  if (l->outbound)
    return 0;
  int64_t left = l->accept ? l->offer : l->abandon ? l->abandon : l->xfer;
  if (l->create <= now && (left == 0 || left > now)) { /* still waiting */
    g->size++;
    if (now - l->create > g->longest)
      g->longest = now - l->create;
  }
  window_add(&g->day, l, now, g->sla_target);
  window_add(&g->thirty, l, now, g->sla_target);
  return 0;
}

static int rtq_agents(emu_api_ctx *a, qagg *g)
{
  const emu_sim_config *cfg = emu_sim_cfg(a->e->sim);
  for (int i = 0; i < cfg->agents; i++) {
    emu_state st;
    emu_agent ag;
    int rc = emu_sim_state_at(&st, a->e->sim, a->tenant, i, a->now);
    if (rc)
      return rc;
    emu_sim_agent(&ag, a->e->sim, a->tenant, i);
    g[ag.queue].assigned++;
    g[ag.queue].count[st.code < 10 ? st.code : 8]++;
    if (st.queue >= 0 && st.code == EMU_ST_OFFERED)
      g[st.queue].offered++;
    if (st.queue >= 0 && st.code == EMU_ST_BUSY)
      g[st.queue].progress++;
  }
  return 0;
}

static int rtq_compute(emu_api_ctx *a, qagg *g, int nq)
{
  rtq c = {a, g, nq};
  const emu_sim *s = a->e->sim;
  int64_t day = emu_sim_day_start(s, emu_sim_day_of(s, a->now));
  for (int i = 0; i < nq; i++) {
    emu_queue q;
    emu_sim_queue(&q, s, a->tenant, i);
    g[i].sla_target = q.sla_target;
    g[i].day.start = day;
    g[i].thirty.start = a->now - ((a->now % BUCKET_S) + BUCKET_S) % BUCKET_S;
  }
  int rc = rtq_agents(a, g);
  if (rc == 0) /* yesterday too: its late calls may still wait */
    rc = emu_sim_legs(a->e->sim, a->tenant, day - 86400, a->now, rtq_leg, &c);
  return rc;
}

static long avg(long sum, long n)
{
  return n ? sum / n : 0;
}

static long sla_pct(const window *w)
{
  long d = w->accepted + w->abandoned;
  return d ? (200 * w->sla_ok + d) / (2 * d) : 100;
}

static void rt_queue_record(emu_api_ctx *a, emu_render *rd, int idx, const qagg *g)
{
  emu_queue q;
  emu_sim_queue(&q, a->e->sim, a->tenant, idx);
  emu_rec_begin(rd);
  emu_f_int(rd, "queue-id", q.id);
  emu_f_str(rd, "queue-name", q.name);
  emu_f_str(rd, "media-type", emu_media_name(q.media));
  emu_f_str(rd, "queue-type", "inbound");
  emu_f_int(rd, "queue-size", g->size);
  emu_f_int(rd, "longest-wait-time", g->longest);
  emu_f_int(rd, "number-in-offered", g->offered);
  emu_f_int(rd, "number-in-progress", g->progress);
  emu_f_int(rd, "assigned-agent-count", g->assigned);
  emu_f_int(rd, "enabled-agent-count", g->assigned - g->count[EMU_ST_LOGGED_OUT]);
  emu_f_int(rd, "agent-count-waitTransact", g->count[EMU_ST_AVAILABLE]);
  emu_f_int(rd, "agent-count-busy", g->count[EMU_ST_OFFERED] + g->count[EMU_ST_BUSY]);
  emu_f_int(rd, "agent-count-postProcess", g->count[EMU_ST_WRAP]);
  emu_f_int(rd, "agent-count-onBreak", g->count[EMU_ST_BREAK]);
  emu_f_int(rd, "agent-count-workOffline", g->count[EMU_ST_OFFLINE]);
  emu_f_int(rd, "agent-count-loggedOut", g->count[EMU_ST_LOGGED_OUT]);
  emu_f_int(rd, "day-queued", g->day.queued);
  emu_f_int(rd, "day-accepted", g->day.accepted);
  emu_f_int(rd, "day-abandoned", g->day.abandoned);
  emu_f_int(rd, "day-avg-wait-time", avg(g->day.wait_sum, g->day.waits));
  emu_f_int(rd, "day-avg-duration", avg(g->day.dur_sum, g->day.durs));
  emu_f_int(rd, "day-sla-activity", sla_pct(&g->day));
  emu_f_int(rd, "sla-target", g->sla_target);
  emu_f_int(rd, "sla-activity", sla_pct(&g->thirty));
  emu_f_int(rd, "thirty-min-queued", g->thirty.queued);
  emu_f_int(rd, "thirty-min-accepted", g->thirty.accepted);
  emu_f_int(rd, "thirty-min-abandoned", g->thirty.abandoned);
  emu_f_int(rd, "thirty-min-avg-wait-time", avg(g->thirty.wait_sum, g->thirty.waits));
  emu_f_int(rd, "thirty-min-avg-duration", avg(g->thirty.dur_sum, g->thirty.durs));
  emu_f_int(rd, "thirty-min-longest-wait-time", g->thirty.longest);
  emu_f_int(rd, "thirty-min-sla-activity", sla_pct(&g->thirty));
  emu_rec_end(rd);
}

int emu_rt_queues(emu_api_ctx *a, int only)
{
  int nq = emu_sim_cfg(a->e->sim)->queues, n = only >= 0 ? 1 : nq;
  qagg *g = calloc((size_t)nq, sizeof(*g));
  emu_render rd;
  if (!g)
    return emu_api_fail(a, 500);
  int rc = rtq_compute(a, g, nq);
  emu_render_begin(&rd, &a->r->body, a->fmt, a->quirks, NULL, "queues", "queue", rt_queue_cols,
                   EMU_N(rt_queue_cols), (size_t)n);
  for (int i = 0; i < n && rc == 0; i++)
    rt_queue_record(a, &rd, only >= 0 ? only : i, &g[only >= 0 ? only : i]);
  free(g);
  return emu_api_finish(a, &rd, rc);
}

