#ifndef WL_CORE_SCHEDULES_H
#define WL_CORE_SCHEDULES_H
/*
 * Storing schedules: the one path that the CSV import (core/importer.c)
 * and the schedules API (PUT /api/v1/sources/NAME/schedules) share. Both
 * create missing agents the same way and store in one transaction.
 */
#include <stddef.h>
#include <stdint.h>
#include "core/app.h"

/* 0 when the source does not know the agent, else 1. */
int wl_schedule_agent_known(wl_store *st, int64_t source_id, const char *agent_id);
/* Adds the agent (no name, no group) unless the source knows it; *created
 * (may be NULL) tells which. Joins the caller's transaction. */
int wl_schedule_agent_ensure(wl_store *st, int64_t source_id, const char *agent_id,
                             int *created);
/* Replaces the agent's schedule inside [from, to) with rows (all inside,
 * not overlapping), in one transaction: a stored segment that crosses from
 * or to keeps its part outside the range. With create_agent an unknown
 * agent is added first (*created = 1). */
int wl_schedule_replace_range(wl_app *app, const wl_source *src, const char *agent_id,
                              int64_t from, int64_t to, const wl_schedule_row *rows, size_t n,
                              int create_agent, int *created);
/* Stores rows (sorted by agent, never overlapping one another) segment by
 * segment in one transaction: each one replaces the stored segments of its
 * agent that it overlaps. */
int wl_schedule_store_rows(wl_app *app, const wl_source *src, const wl_schedule_row *rows,
                           size_t n);

#endif
