#ifndef WL_CORE_IMPORTER_H
#define WL_CORE_IMPORTER_H
/*
 * CSV imports of schedules (agent_id,start,end,activity) and recorded state
 * timelines (agent_id,state,start,end). A file is checked whole first; any
 * bad row rejects it (WL_EUSAGE, the message lists the line numbers) and
 * nothing is changed. A good file is stored in one transaction.
 */
#include <stddef.h>
#include "core/app.h"

typedef struct wl_import_result {
  size_t rows, agents, agents_created;
} wl_import_result;

int wl_import_schedule(wl_import_result *res, wl_app *app, const wl_source *src,
                       const char *text, size_t len, int create_agents);
int wl_import_states(wl_import_result *res, wl_app *app, const wl_source *src,
                     const char *text, size_t len);

/* Reads a whole file (capped at 256 MiB); *out is malloc'd. */
int wl_read_file(char **out, size_t *len, const char *path);

#endif
