#include "core/rowsets.h"
#include "util/array.h"
#include "util/err.h"

#include <stdlib.h>
#include <string.h>

static int add_sched(void *payload, const wl_schedule_row *r)
{
  wl_rowset_sched *s = payload;
  wl_schedule_row *d;
  if (wl_array_reserve(&s->rows, &s->cap, s->n, sizeof(*s->rows), 64))
    return WL_ENOMEM;
  d = &s->rows[s->n];
  *d = *r;
  d->agent_id = strdup(r->agent_id);
  d->activity = strdup(r->activity);
  s->n++;
  if (!d->agent_id || !d->activity)
    return wl_err(WL_ENOMEM, "out of memory");
  return 0;
}

int wl_rowset_load_sched(wl_rowset_sched *out, wl_store *st, int64_t source_id,
                         const char *agent, int64_t from, int64_t to)
{
  int rc;
  memset(out, 0, sizeof(*out));
  rc = wl_store_schedule_query(st, source_id, agent, from, to, add_sched, out);
  if (rc)
    wl_rowset_sched_free(out);
  return rc;
}

void wl_rowset_sched_free(wl_rowset_sched *s)
{
  for (size_t i = 0; i < s->n; i++) {
    free((char *)s->rows[i].agent_id);
    free((char *)s->rows[i].activity);
  }
  free(s->rows);
  memset(s, 0, sizeof(*s));
}

static int add_state(void *payload, const wl_state_row *r)
{
  wl_rowset_states *s = payload;
  wl_state_row *d;
  if (wl_array_reserve(&s->rows, &s->cap, s->n, sizeof(*s->rows), 64))
    return WL_ENOMEM;
  d = &s->rows[s->n];
  *d = *r;
  d->agent_id = strdup(r->agent_id);
  d->state = strdup(r->state);
  d->vendor_code = strdup(r->vendor_code ? r->vendor_code : "");
  s->n++;
  if (!d->agent_id || !d->state || !d->vendor_code)
    return wl_err(WL_ENOMEM, "out of memory");
  return 0;
}

int wl_rowset_load_states(wl_rowset_states *out, wl_store *st, int64_t source_id,
                          const char *agent, int64_t from, int64_t to)
{
  int rc;
  memset(out, 0, sizeof(*out));
  rc = wl_store_states_query(st, source_id, agent, from, to, add_state, out);
  if (rc)
    wl_rowset_states_free(out);
  return rc;
}

void wl_rowset_states_free(wl_rowset_states *s)
{
  for (size_t i = 0; i < s->n; i++) {
    free((char *)s->rows[i].agent_id);
    free((char *)s->rows[i].state);
    free((char *)s->rows[i].vendor_code);
  }
  free(s->rows);
  memset(s, 0, sizeof(*s));
}

void wl_rowset_sched_range(const wl_rowset_sched *s, const char *agent, size_t *first, size_t *end)
{
  size_t i = 0;
  while (i < s->n && strcmp(s->rows[i].agent_id, agent) != 0)
    i++;
  *first = i;
  while (i < s->n && strcmp(s->rows[i].agent_id, agent) == 0)
    i++;
  *end = i;
}

void wl_rowset_states_range(const wl_rowset_states *s, const char *agent, size_t *first,
                            size_t *end)
{
  size_t i = 0;
  while (i < s->n && strcmp(s->rows[i].agent_id, agent) != 0)
    i++;
  *first = i;
  while (i < s->n && strcmp(s->rows[i].agent_id, agent) == 0)
    i++;
  *end = i;
}

/* ---- rules ---- */

typedef struct rule_set {
  wl_rule_row *rows;
  size_t n, cap;
} rule_set;

static int add_rule(void *payload, const wl_rule_row *r)
{
  rule_set *s = payload;
  wl_rule_row *d;
  if (wl_array_reserve(&s->rows, &s->cap, s->n, sizeof(*s->rows), 64))
    return WL_ENOMEM;
  d = &s->rows[s->n++];
  d->activity = strdup(r->activity);
  d->state = strdup(r->state);
  d->verdict = strdup(r->verdict);
  d->kind = strdup(r->kind ? r->kind : "");
  return d->activity && d->state && d->verdict && d->kind ? 0 : wl_err(WL_ENOMEM, "out of memory");
}

int wl_rowset_load_rules(wl_adh_rules **out, wl_store *st, int64_t source_id)
{
  rule_set s = {0};
  int rc = wl_store_rules_list(st, source_id, add_rule, &s);
  if (rc == 0)
    rc = wl_adh_rules_new(out, s.rows, s.n);
  for (size_t i = 0; i < s.n; i++) {
    free((char *)s.rows[i].activity);
    free((char *)s.rows[i].state);
    free((char *)s.rows[i].verdict);
    free((char *)s.rows[i].kind);
  }
  free(s.rows);
  return rc;
}

/* ---- names ---- */

struct wl_rowset_names {
  char **keys, **names;
  size_t n, cap;
};

static int add_name(wl_rowset_names *m, const char *key, const char *name)
{
  if (m->n == m->cap) {
    size_t c1 = m->cap, c2 = m->cap;
    if (wl_array_reserve(&m->keys, &c1, m->n, sizeof(char *), 64) ||
        wl_array_reserve(&m->names, &c2, m->n, sizeof(char *), 64))
      return WL_ENOMEM;
    m->cap = c2;
  }
  m->keys[m->n] = strdup(key);
  m->names[m->n] = strdup(name ? name : "");
  m->n++;
  return 0;
}

static int agent_name_cb(void *payload, const wl_agent_row *r)
{
  return add_name(payload, r->agent_id, r->name);
}

static int queue_name_cb(void *payload, const wl_queue_row *r)
{
  return add_name(payload, r->queue_id, r->name);
}

/* qsort has no context argument; the map being sorted, per thread */
static _Thread_local wl_rowset_names *sort_names;

static int cmp_idx(const void *a, const void *b)
{
  return strcmp(sort_names->keys[*(const size_t *)a], sort_names->keys[*(const size_t *)b]);
}

/* Sorts keys and names together (strcmp order) for binary search. */
static int sort_map(wl_rowset_names *m)
{
  size_t *idx = malloc((m->n ? m->n : 1) * sizeof(size_t));
  char **k = malloc((m->n ? m->n : 1) * sizeof(char *));
  char **v = malloc((m->n ? m->n : 1) * sizeof(char *));
  if (!idx || !k || !v) {
    free(idx);
    free(k);
    free(v);
    return wl_err(WL_ENOMEM, "out of memory");
  }
  for (size_t i = 0; i < m->n; i++)
    idx[i] = i;
  sort_names = m;
  qsort(idx, m->n, sizeof(size_t), cmp_idx);
  sort_names = NULL;
  for (size_t i = 0; i < m->n; i++) {
    k[i] = m->keys[idx[i]];
    v[i] = m->names[idx[i]];
  }
  free(m->keys);
  free(m->names);
  m->keys = k;
  m->names = v;
  m->cap = m->n ? m->n : 1;
  free(idx);
  return 0;
}

static int load_names(wl_rowset_names **out, wl_store *st, int64_t source_id, int agents)
{
  wl_rowset_names *m = calloc(1, sizeof(*m));
  int rc;
  if (!m)
    return wl_err(WL_ENOMEM, "out of memory");
  rc = agents ? wl_store_agents_list(st, source_id, agent_name_cb, m)
              : wl_store_queues_list(st, source_id, queue_name_cb, m);
  if (rc == 0)
    rc = sort_map(m);
  if (rc) {
    wl_rowset_names_free(m);
    return rc;
  }
  *out = m;
  return 0;
}

int wl_rowset_agent_names(wl_rowset_names **out, wl_store *st, int64_t source_id)
{
  return load_names(out, st, source_id, 1);
}

int wl_rowset_queue_names(wl_rowset_names **out, wl_store *st, int64_t source_id)
{
  return load_names(out, st, source_id, 0);
}

const char *wl_rowset_name(const wl_rowset_names *m, const char *key)
{
  size_t lo = 0, hi = m ? m->n : 0;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    int c = strcmp(m->keys[mid], key);
    if (c == 0)
      return m->names[mid];
    if (c < 0)
      lo = mid + 1;
    else
      hi = mid;
  }
  return "";
}

size_t wl_rowset_names_count(const wl_rowset_names *m)
{
  return m ? m->n : 0;
}

const char *wl_rowset_names_key(const wl_rowset_names *m, size_t i)
{
  return m->keys[i];
}

void wl_rowset_names_free(wl_rowset_names *m)
{
  if (!m)
    return;
  for (size_t i = 0; i < m->n; i++) {
    free(m->keys[i]);
    free(m->names[i]);
  }
  free(m->keys);
  free(m->names);
  free(m);
}
