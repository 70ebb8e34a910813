/*
 * Questions asked of the simulation across day boundaries: an agent's state
 * at an instant, the legs created in a range, an agent's merged timeline.
 */
#include "emu/sim.h"

#include <stddef.h>

#define LOOKBACK_DAYS 31

static const emu_seg *find_seg(const emu_day *d, int agent, int64_t t)
{
  size_t lo = d->agent_off[agent], hi = d->agent_off[agent + 1];
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (d->segs[mid].end <= t)
      lo = mid + 1;
    else
      hi = mid;
  }
  if (lo < d->agent_off[agent + 1] && d->segs[lo].start <= t)
    return &d->segs[lo];
  return NULL;
}

/* A day starts logged out; that state began at the last logout of an earlier
 * day (days off in between are logged out all day). */
static int64_t logged_out_since(emu_sim *s, int tenant, int agent, int64_t dn, int64_t fallback)
{
  int64_t since = fallback;
  for (int k = 1; k <= LOOKBACK_DAYS; k++) {
    const emu_day *p;
    if (emu_sim_day(&p, s, tenant, dn - k) != 0)
      break;
    const emu_seg *last = &p->segs[p->agent_off[agent + 1] - 1];
    int whole_day = last->start == p->start;
    since = last->start;
    emu_sim_day_release(s, p);
    if (!whole_day)
      break;
  }
  return since;
}

int emu_sim_state_at(emu_state *out, emu_sim *s, int tenant, int agent, int64_t t)
{
  const emu_day *d;
  int64_t dn = emu_sim_day_of(s, t);
  int rc = emu_sim_day(&d, s, tenant, dn);
  if (rc)
    return rc;
  const emu_seg *g = find_seg(d, agent, t);
  if (!g) { /* cannot happen: a day's segments cover it */
    *out = (emu_state){EMU_ST_LOGGED_OUT, d->start, d->end, -1};
    emu_sim_day_release(s, d);
    return 0;
  }
  *out = (emu_state){g->code, g->start, g->end, g->queue};
  int first = g == &d->segs[d->agent_off[agent]] && g->start == d->start;
  emu_sim_day_release(s, d);
  if (first)
    out->start = logged_out_since(s, tenant, agent, dn, out->start);
  return 0;
}

static size_t first_leg_at(const emu_day *d, int64_t from)
{
  size_t lo = 0, hi = d->nlegs;
  while (lo < hi) {
    size_t mid = lo + (hi - lo) / 2;
    if (d->legs[mid].create < from)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

int emu_sim_legs(emu_sim *s, int tenant, int64_t from, int64_t to, emu_leg_cb cb, void *ud)
{
  if (from > to)
    return 0;
  int64_t last = emu_sim_day_of(s, to);
  for (int64_t dn = emu_sim_day_of(s, from); dn <= last; dn++) {
    const emu_day *d;
    int rc = emu_sim_day(&d, s, tenant, dn);
    if (rc)
      return rc;
    for (size_t i = first_leg_at(d, from); i < d->nlegs && d->legs[i].create <= to; i++) {
      if ((rc = cb(ud, &d->legs[i])) != 0)
        break;
    }
    emu_sim_day_release(s, d);
    if (rc)
      return rc;
  }
  return 0;
}

int emu_sim_timeline(emu_sim *s, int tenant, int agent, int64_t from, int64_t to, emu_seg_cb cb,
                     void *ud)
{
  emu_seg pend = {0, 0, -1, -1};
  int rc = 0;
  if (from >= to)
    return 0;
  int64_t last = emu_sim_day_of(s, to - 1);
  for (int64_t dn = emu_sim_day_of(s, from); dn <= last && rc == 0; dn++) {
    const emu_day *d;
    if ((rc = emu_sim_day(&d, s, tenant, dn)) != 0)
      return rc;
    for (size_t i = d->agent_off[agent]; i < d->agent_off[agent + 1] && rc == 0; i++) {
      emu_seg g = d->segs[i];
      g.start = g.start < from ? from : g.start;
      g.end = g.end > to ? to : g.end;
      if (g.end <= g.start)
        continue;
      if (pend.code == g.code && pend.end == g.start) {
        pend.end = g.end;
        continue;
      }
      if (pend.code >= 0)
        rc = cb(ud, &pend);
      pend = g;
    }
    emu_sim_day_release(s, d);
  }
  if (rc == 0 && pend.code >= 0)
    rc = cb(ud, &pend);
  return rc;
}
