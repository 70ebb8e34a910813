/*
 * Ground truth straight from the simulation, for tests to compare wfmlink's
 * results with. Deliberately independent of src/wfm/: the interval rows
 * follow 8x8-api.md section 3 on the final (fully filled-in) leg values.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "emu/render.h"
#include "emu/truth.h"
#include "util/err.h"
#include "util/timeutil.h"

typedef struct irow {
  long entered, accepted, abandoned;
  int64_t handle, wait;
} irow;

typedef struct intervals {
  emu_sim *s;
  int tenant;
  const wl_tz *tz;
  wl_buf *b;
  int64_t now;
  int64_t cur; /* start of the interval being summed */
  irow *acc;   /* one per queue */
  int nq;
  int rc;
} intervals;

static void flush_interval(intervals *c)
{
  char iso[WL_ISO_LEN];
  for (int q = 0; q < c->nq; q++) {
    irow *r = &c->acc[q];
    emu_queue qu;
    if (r->entered == 0)
      continue;
    emu_sim_queue(&qu, c->s, c->tenant, q);
    int rc = wl_buf_printf(c->b, "%" PRId64 ",", qu.id);
    rc = rc ? rc : emu_csv_field(c->b, qu.name, 1);
    rc = rc ? rc
            : wl_buf_printf(c->b, ",%" PRId64 ",%s,%ld,%ld,%ld,%" PRId64 ",%" PRId64 "\n",
                            c->cur, wl_time_format(iso, sizeof(iso), c->cur, c->tz), r->entered,
                            r->accepted, r->abandoned, r->handle, r->wait);
    c->rc = c->rc ? c->rc : rc;
    memset(r, 0, sizeof(*r));
  }
}

/* A leg as the API shows it once it is no longer late: an accept or an
 * abandon that has not happened by now does not count yet. */
static int interval_leg(void *ud, const emu_leg *l)
{
  intervals *c = ud;
  if (l->outbound)
    return 0;
  int64_t start = wl_interval_floor(l->create);
  if (start != c->cur) {
    flush_interval(c);
    c->cur = start;
  }
  irow *r = &c->acc[l->queue];
  r->entered++;
  if (l->accept && l->accept <= c->now) {
    r->accepted++;
    r->handle += l->process + l->post;
    r->wait += l->accept - l->create;
  }
  if (l->abandon && l->abandon <= c->now) {
    r->abandoned++;
    r->wait += l->abandon - l->create;
  }
  return 0;
}

int emu_truth_intervals(emu_sim *s, int tenant, int64_t from, int64_t to, int64_t now,
                        const wl_tz *tz, wl_buf *b)
{
  intervals c = {s, tenant, tz, b, now, 0, NULL, emu_sim_cfg(s)->queues, 0};
  c.acc = calloc((size_t)c.nq, sizeof(*c.acc));
  if (!c.acc)
    return wl_err(WL_ENOMEM, "out of memory");
  wl_buf_puts(b, "queue_id,queue_name,start_utc,interval_start,entered,accepted,abandoned,"
                 "handle_time_s,wait_time_s\n");
  int64_t last = to - 1 < now ? to - 1 : now; /* only legs that exist */
  int rc = emu_sim_legs(s, tenant, from, last, interval_leg, &c);
  flush_interval(&c);
  free(c.acc);
  return rc ? rc : c.rc;
}

const char *emu_state_name(int code)
{
  switch (code) {
  case EMU_ST_AVAILABLE: return "available";
  case EMU_ST_OFFERED: return "offered";
  case EMU_ST_BUSY: return "busy";
  case EMU_ST_WRAP: return "wrap";
  case EMU_ST_BREAK: return "break";
  case EMU_ST_OFFLINE: return "offline";
  case EMU_ST_LOGGED_OUT: return "logged_out";
  default: return "unknown";
  }
}

typedef struct states {
  wl_buf *b;
  const char *agent_id;
} states;

static int state_seg(void *ud, const emu_seg *g)
{
  states *c = ud;
  int rc = emu_csv_field(c->b, c->agent_id, 1);
  return rc ? rc
            : wl_buf_printf(c->b, ",%s,%d,%" PRId64 ",%" PRId64 "\n", emu_state_name(g->code), g->code,
                            g->start, g->end);
}

int emu_truth_states(emu_sim *s, int tenant, int64_t from, int64_t to, int64_t now, wl_buf *b)
{
  int rc = 0;
  wl_buf_puts(b, "agent_id,state,vendor_code,start_utc,end_utc\n");
  if (to > now)
    to = now; /* the future has not happened yet */
  for (int a = 0; a < emu_sim_cfg(s)->agents && rc == 0; a++) {
    emu_agent ag;
    emu_sim_agent(&ag, s, tenant, a);
    states c = {b, ag.id};
    rc = emu_sim_timeline(s, tenant, a, from, to, state_seg, &c);
  }
  return rc;
}

static const char *activity_name(int act)
{
  static const char *const names[] = {"phone", "offline", "break", "lunch"};
  return act >= 0 && act < 4 ? names[act] : "phone";
}

int emu_schedule_csv(const emu_sim *s, int tenant, int64_t from, int64_t to, const wl_tz *tz,
                     wl_buf *b)
{
  char s1[WL_ISO_LEN], s2[WL_ISO_LEN];
  wl_buf_puts(b, "agent_id,start,end,activity\n");
  if (from >= to)
    return 0;
  int64_t d0 = emu_sim_day_of(s, from), d1 = emu_sim_day_of(s, to - 1);
  for (int a = 0; a < emu_sim_cfg(s)->agents; a++) {
    emu_agent ag;
    emu_sim_agent(&ag, s, tenant, a);
    for (int64_t dn = d0; dn <= d1; dn++) {
      emu_sched sc[16];
      size_t n = emu_sim_schedule(sc, 16, s, tenant, a, dn);
      for (size_t i = 0; i < n; i++) {
        if (sc[i].end <= from || sc[i].start >= to)
          continue;
        int rc = emu_csv_field(b, ag.id, 1);
        rc = rc ? rc
                : wl_buf_printf(b, ",%s,%s,%s\n", wl_time_format(s1, sizeof(s1), sc[i].start, tz),
                                wl_time_format(s2, sizeof(s2), sc[i].end, tz),
                                activity_name(sc[i].activity));
        if (rc)
          return rc;
      }
    }
  }
  return 0;
}
