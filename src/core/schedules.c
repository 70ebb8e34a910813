/*
 * Storing schedules (core/schedules.h): the import and the API share the
 * agent handling and the transactions here.
 */
#include "core/schedules.h"
#include "util/err.h"

#include <stdlib.h>
#include <string.h>

int wl_schedule_agent_known(wl_store *st, int64_t source_id, const char *agent_id)
{
  /* a lookup that fails otherwise is not "unknown": storing reports it */
  return wl_store_agent_get(st, NULL, source_id, agent_id) != WL_ENOTFOUND;
}

int wl_schedule_agent_ensure(wl_store *st, int64_t source_id, const char *agent_id,
                             int *created)
{
  wl_agent_row a = {agent_id, "", ""};
  int rc = wl_store_agent_get(st, NULL, source_id, agent_id);
  if (created)
    *created = 0;
  if (rc != WL_ENOTFOUND)
    return rc;
  rc = wl_store_agents_upsert(st, source_id, &a, 1);
  if (created)
    *created = rc == 0;
  return rc;
}

typedef struct keep_ctx {
  const char *agent;
  int64_t from, to;         /* the range replaced */
  int at_to;                /* 0: segments crossing from; 1: crossing to */
  wl_schedule_row keep[2];  /* the parts of crossing segments outside [from, to) */
  char *act[2];
  size_t n;
  int64_t lo, hi;           /* the window that schedule_replace clears */
} keep_ctx;

static int keep_piece(keep_ctx *k, int64_t start, int64_t end, const char *activity)
{
  size_t i = k->n;
  if (i == 2) /* segments of one agent do not overlap: at most two pieces */
    return 0;
  if (!(k->act[i] = strdup(activity)))
    return wl_err(WL_ENOMEM, "out of memory");
  k->keep[i] = (wl_schedule_row){k->agent, start, end, k->act[i]};
  k->n = i + 1;
  k->lo = start < k->lo ? start : k->lo;
  k->hi = end > k->hi ? end : k->hi;
  return 0;
}

/* A stored segment crossing from or to keeps its parts outside [from, to). */
static int keep_outside(void *payload, const wl_schedule_row *r)
{
  keep_ctx *k = payload;
  int64_t from = k->from, to = k->to;
  int rc = 0;
  if (!k->at_to && r->start_utc < from && r->end_utc > from)
    rc = keep_piece(k, r->start_utc, from, r->activity);
  if (rc == 0 && r->start_utc < to && r->end_utc > to && (k->at_to ? r->start_utc >= from
                                                                   : r->start_utc < from))
    rc = keep_piece(k, to, r->end_utc, r->activity);
  return rc;
}

int wl_schedule_replace_range(wl_app *app, const wl_source *src, const char *agent_id,
                              int64_t from, int64_t to, const wl_schedule_row *rows, size_t n,
                              int create_agent, int *created)
{
  wl_store *st = app->st;
  wl_schedule_row *all = calloc(n + 2, sizeof(*all));
  keep_ctx k;
  int rc = all ? wl_store_begin(st) : wl_err(WL_ENOMEM, "out of memory");
  *created = 0;
  memset(&k, 0, sizeof(k));
  k.agent = agent_id;
  k.from = k.lo = from;
  k.to = k.hi = to;
  if (rc) {
    free(all);
    return rc;
  }
  if (create_agent)
    rc = wl_schedule_agent_ensure(st, src->id, agent_id, created);
  /* only segments crossing from or to reach outside; one query each */
  if (rc == 0)
    rc = wl_store_schedule_query(st, src->id, agent_id, from - 1, from, keep_outside, &k);
  k.at_to = 1;
  if (rc == 0)
    rc = wl_store_schedule_query(st, src->id, agent_id, to, to + 1, keep_outside, &k);
  if (rc == 0) {
    memcpy(all, rows, n * sizeof(*all));
    memcpy(all + n, k.keep, k.n * sizeof(*all));
    rc = wl_store_schedule_replace(st, src->id, agent_id, k.lo, k.hi, all, n + k.n);
  }
  rc = rc ? (wl_store_rollback(st), rc) : wl_store_commit(st);
  if (rc)
    *created = 0;
  free(k.act[0]);
  free(k.act[1]);
  free(all);
  return rc;
}

int wl_schedule_store_rows(wl_app *app, const wl_source *src, const wl_schedule_row *rows,
                           size_t n)
{
  wl_store *st = app->st;
  int rc = wl_store_begin(st);
  if (rc)
    return rc;
  /* row by row: the segments never overlap each other, so each one
   * removes only the stored segments it overlaps */
  for (size_t i = 0; i < n && rc == 0; i++)
    rc = wl_store_schedule_replace(st, src->id, rows[i].agent_id, rows[i].start_utc,
                                   rows[i].end_utc, &rows[i], 1);
  if (rc) {
    wl_store_rollback(st);
    return rc;
  }
  return wl_store_commit(st);
}
