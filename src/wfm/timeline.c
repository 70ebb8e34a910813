#include "wfm/timeline.h"
#include "util/array.h"
#include "util/err.h"
#include "util/strset.h"

#include <stdlib.h>
#include <string.h>

/*
 * Strings of the ops live in one growable arena; ops keep offsets until the
 * end, when they are turned into pointers (the arena may move while growing).
 */
static int push_str(size_t *off, wl_timeline_ops *o, const char *s)
{
  size_t n = strlen(s) + 1;
  if (wl_array_reserve(&o->strings, &o->scap, o->slen + n - 1, 1, 1024) != 0)
    return WL_ENOMEM;
  memcpy(o->strings + o->slen, s, n);
  *off = o->slen;
  o->slen += n;
  return 0;
}

static int push_op(wl_timeline_ops *o, enum wl_state_op_kind kind, const char *agent,
                   int64_t start, int64_t end, const char *state, const char *code)
{
  size_t a, s = 0, c = 0;
  wl_state_op *op;
  if (wl_array_reserve(&o->ops, &o->cap, o->n, sizeof(*o->ops), 64))
    return WL_ENOMEM;
  if (push_str(&a, o, agent) || push_str(&s, o, state ? state : "") ||
      push_str(&c, o, code ? code : ""))
    return WL_ENOMEM;
  op = &o->ops[o->n++];
  memset(op, 0, sizeof(*op));
  op->kind = kind;
  /* offsets stashed as pointers-to-be; fixed up in finish_ops() */
  op->row.agent_id = (const char *)(uintptr_t)a;
  op->row.state = (const char *)(uintptr_t)s;
  op->row.vendor_code = (const char *)(uintptr_t)c;
  op->row.start_utc = start;
  op->row.end_utc = end;
  return 0;
}

static void finish_ops(wl_timeline_ops *o)
{
  for (size_t i = 0; i < o->n; i++) {
    wl_state_row *r = &o->ops[i].row;
    r->agent_id = o->strings + (uintptr_t)r->agent_id;
    r->state = o->strings + (uintptr_t)r->state;
    r->vendor_code = o->strings + (uintptr_t)r->vendor_code;
  }
}

static int64_t max64(int64_t a, int64_t b) { return a > b ? a : b; }
static int64_t min64(int64_t a, int64_t b) { return a < b ? a : b; }

/*
 * The agent is still in the segment it was in at the last poll when the state
 * and vendor code agree and the reported start is not after that poll: a
 * start later than the last poll means the agent left and came back.
 */
static int same_segment(const wl_state_row *prev, const wl_rt_agent *a, int64_t start,
                        int64_t last_ok)
{
  if (strcmp(prev->state, a->state) || strcmp(prev->vendor_code, a->vendor_code))
    return 0;
  return start <= max64(last_ok, prev->start_utc);
}

/*
 * The earliest start a segment may have (docs/DECISIONS.md, "What was
 * observed"): not before the previous successful poll, which saw the agent in
 * its previous state or not at all, and on the source's first successful poll
 * (last_ok == 0) not before this poll; never after now either. A clock that
 * went back below last_ok leaves no room for a new start: lo > now.
 */
static int64_t observed_floor(int64_t last_ok, int64_t now)
{
  return last_ok ? last_ok : now;
}

static int step_agent(wl_timeline_ops *o, const wl_state_row *prev, const wl_rt_agent *a,
                      int64_t last_ok, int64_t now, int64_t max_gap)
{
  int64_t tis = a->time_in_status > 0 ? a->time_in_status : 0;
  int64_t raw = min64(now - tis, now);
  int64_t lo = observed_floor(last_ok, now), start, prev_end;
  int gap;
  if (!prev)
    return lo > now ? 0
                    : push_op(o, WL_STATE_INSERT, a->agent_id, max64(raw, lo), WL_OPEN_END,
                              a->state, a->vendor_code);
  if (same_segment(prev, a, raw, last_ok))
    return 0;
  /* segments never overlap, are never empty and never start after now: when
   * the wall clock went back below the open segment, the change waits until
   * the clock passes it again rather than being squeezed into 1 s */
  lo = max64(lo, prev->start_utc + 1);
  if (lo > now)
    return 0;
  start = max64(raw, lo);
  gap = last_ok == 0 || now - last_ok > max_gap;
  prev_end = gap ? max64(prev->start_utc + 1, min64(last_ok, start)) : start;
  if (push_op(o, WL_STATE_CLOSE, prev->agent_id, prev->start_utc, prev_end, NULL, NULL))
    return WL_ENOMEM;
  if (prev_end < start &&
      push_op(o, WL_STATE_INSERT, a->agent_id, prev_end, start, "unknown", ""))
    return WL_ENOMEM;
  return push_op(o, WL_STATE_INSERT, a->agent_id, start, WL_OPEN_END, a->state, a->vendor_code);
}

/* Agents are found through hash indexes, so a poll costs time linear in the
 * agents (a linear search made 100,000 agents take minutes). */
static int step_all(wl_timeline_ops *out, wl_strset *open_ix, wl_strset *seen,
                    const wl_state_row *open, size_t nopen, int64_t last_ok,
                    const wl_rt_agent *snap, size_t nsnap, int64_t now, int64_t max_gap)
{
  int rc;
  if ((rc = wl_strset_init(open_ix, nopen)) != 0 || (rc = wl_strset_init(seen, nsnap)) != 0)
    return rc;
  for (size_t i = 0; i < nopen; i++)
    wl_strset_add(open_ix, open[i].agent_id, i, NULL, NULL);
  for (size_t i = 0; i < nsnap; i++) {
    size_t k;
    int dup;
    /* a duplicate record for one agent in one snapshot: first one wins */
    wl_strset_add(seen, snap[i].agent_id, i, &dup, NULL);
    if (dup)
      continue;
    rc = step_agent(out, wl_strset_get(open_ix, snap[i].agent_id, &k) ? &open[k] : NULL,
                    &snap[i], last_ok, now, max_gap);
    if (rc)
      return rc;
  }
  return 0;
}

int wl_timeline_step(wl_timeline_ops *out, const wl_state_row *open, size_t nopen,
                     int64_t last_ok, const wl_rt_agent *snap, size_t nsnap,
                     int64_t now, int64_t max_gap)
{
  wl_strset open_ix = {0}, seen = {0};
  int rc;
  memset(out, 0, sizeof(*out));
  rc = step_all(out, &open_ix, &seen, open, nopen, last_ok, snap, nsnap, now, max_gap);
  wl_strset_free(&open_ix);
  wl_strset_free(&seen);
  if (rc) {
    wl_timeline_ops_free(out);
    return rc;
  }
  finish_ops(out);
  return 0;
}

void wl_timeline_ops_free(wl_timeline_ops *ops)
{
  free(ops->ops);
  free(ops->strings);
  memset(ops, 0, sizeof(*ops));
}

/* A SPLIT that ends where next starts; when next has the event's state it
 * merges into the new segment. */
static void plan_up_to(wl_change_plan *out, const wl_state_row *next, const char *state,
                       const char *code)
{
  out->to = next->start_utc;
  if (strcmp(next->state, state) == 0 && strcmp(next->vendor_code, code) == 0) {
    out->kind = WL_CHANGE_MERGE;
    out->close_start = next->start_utc;
    out->to = next->end_utc;
  }
}

void wl_timeline_change(wl_change_plan *out, const wl_state_row *cur, const wl_state_row *next,
                        int64_t t, const char *state, const char *code)
{
  memset(out, 0, sizeof(*out));
  out->from = t;
  out->to = WL_OPEN_END;
  if (!cur) {
    /* before the agent's first segment or in a hole: up to what follows */
    out->kind = next && next->start_utc > t ? WL_CHANGE_SPLIT : WL_CHANGE_NEW;
    if (out->kind == WL_CHANGE_SPLIT)
      plan_up_to(out, next, state, code);
    return;
  }
  int same = strcmp(cur->state, state) == 0 && strcmp(cur->vendor_code, code) == 0;
  int open = cur->end_utc == WL_OPEN_END;
  if (same) {
    out->kind = WL_CHANGE_IGNORE;
    out->why = cur->start_utc == t ? "duplicate" : "same-state";
    return;
  }
  if (open) {
    /* two changes in one second: the earlier state keeps one second */
    out->kind = WL_CHANGE_APPEND;
    out->close_start = cur->start_utc;
    out->from = max64(t, cur->start_utc + 1);
    return;
  }
  if (cur->start_utc == t) {
    out->kind = WL_CHANGE_IGNORE;
    out->why = "conflict";
    return;
  }
  out->kind = WL_CHANGE_SPLIT;
  out->to = cur->end_utc;
  if (next && next->start_utc == cur->end_utc)
    plan_up_to(out, next, state, code);
}
