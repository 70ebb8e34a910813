#ifndef WL_CORE_ROWSETS_H
#define WL_CORE_ROWSETS_H
/*
 * Store query results copied into arrays that own their strings, for the
 * engine functions that take arrays (wfm/adherence.h), and id -> name maps
 * for reports.
 */
#include <stddef.h>
#include "store/store.h"
#include "wfm/adherence.h"

typedef struct wl_rowset_sched {
  wl_schedule_row *rows;
  size_t n, cap;
} wl_rowset_sched;

typedef struct wl_rowset_states {
  wl_state_row *rows;
  size_t n, cap;
} wl_rowset_states;

typedef struct wl_rowset_names wl_rowset_names;

int wl_rowset_load_sched(wl_rowset_sched *out, wl_store *st, int64_t source_id,
                         const char *agent, int64_t from, int64_t to);
void wl_rowset_sched_free(wl_rowset_sched *s);
int wl_rowset_load_states(wl_rowset_states *out, wl_store *st, int64_t source_id,
                          const char *agent, int64_t from, int64_t to);
void wl_rowset_states_free(wl_rowset_states *s);
/* [*first, *end) of the agent's rows (rows are sorted by agent). */
void wl_rowset_sched_range(const wl_rowset_sched *s, const char *agent, size_t *first, size_t *end);
void wl_rowset_states_range(const wl_rowset_states *s, const char *agent, size_t *first,
                            size_t *end);

int wl_rowset_load_rules(wl_adh_rules **out, wl_store *st, int64_t source_id);

/* Sorted id -> name maps. */
int wl_rowset_agent_names(wl_rowset_names **out, wl_store *st, int64_t source_id);
int wl_rowset_queue_names(wl_rowset_names **out, wl_store *st, int64_t source_id);
/* The name for key, or "" when unknown. */
const char *wl_rowset_name(const wl_rowset_names *m, const char *key);
size_t wl_rowset_names_count(const wl_rowset_names *m);
const char *wl_rowset_names_key(const wl_rowset_names *m, size_t i);
void wl_rowset_names_free(wl_rowset_names *m);

#endif
