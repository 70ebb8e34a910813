#ifndef WL_CORE_RULES_H
#define WL_CORE_RULES_H
/*
 * Changing a source's adherence rules (wfm-definitions.md, "Schedules and
 * activities"), shared by `wfmlink rules set` and the rules web page so both
 * store exactly the same rows.
 *
 * Setting a verdict stores the EFFECTIVE verdicts of all eight states of the
 * activity with its kind, so the stored table always lists whole activities
 * and `rules list` agrees with what the engine applies.
 */
#include <stddef.h>
#include "core/app.h"

/* Checks one rule as the store and the engine accept it: activity 1 to
 * WL_ADH_ACTIVITY_LEN - 1 bytes without control characters, a neutral
 * state name, verdict in/out/neutral, kind work/rest (NULL or "" keeps the
 * activity's kind). WL_EUSAGE with a message naming the bad value. */
int wl_rules_check(const wl_rule_row *rule);

/* Applies rules in order (later rows win) in one transaction: each row
 * sets one (activity, state) verdict, and its kind (when given) applies to
 * the whole activity; then every activity named is stored whole (eight
 * states, one kind). A new activity starts as kind work with every state
 * out. Nothing is stored when any row is refused. */
int wl_rules_apply(wl_app *app, const wl_source *src, const wl_rule_row *rules, size_t n);

#endif
