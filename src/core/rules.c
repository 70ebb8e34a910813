/*
 * Changing adherence rules: `wfmlink rules set` and the rules web page call
 * the same function, so the page and the command line store the same rows.
 */
#include "core/rules.h"
#include "core/rowsets.h"
#include "util/err.h"
#include "wfm/adherence.h"
#include "wfm/records.h"

#include <stdlib.h>
#include <string.h>

int wl_rules_check(const wl_rule_row *r)
{
  size_t n = r->activity ? strlen(r->activity) : 0;
  if (n == 0 || n >= WL_ADH_ACTIVITY_LEN)
    return wl_err(WL_EUSAGE, "activity: '%s' must have 1 to %d characters",
                  r->activity ? r->activity : "", WL_ADH_ACTIVITY_LEN - 1);
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)r->activity[i] < 0x20 || r->activity[i] == 0x7f)
      return wl_err(WL_EUSAGE, "activity: a name must not hold control characters");
  if (!r->state || !wl_state_valid(r->state))
    return wl_err(WL_EUSAGE, "state: '%s' is not one of available, offered, busy, wrap, break, "
                  "offline, logged_out, unknown", r->state ? r->state : "");
  if (!r->verdict || (strcmp(r->verdict, "in") && strcmp(r->verdict, "out") &&
                      strcmp(r->verdict, "neutral")))
    return wl_err(WL_EUSAGE, "verdict: '%s' is not in, out or neutral",
                  r->verdict ? r->verdict : "");
  if (r->kind && *r->kind && strcmp(r->kind, "work") && strcmp(r->kind, "rest"))
    return wl_err(WL_EUSAGE, "kind: '%s' is not work or rest", r->kind);
  return 0;
}

/* An activity changed by this call and the kind it ends up with. */
typedef struct touched {
  const char *activity, *kind;
} touched;

typedef struct rule_writer {
  wl_store *st;
  int64_t source_id;
  const touched *t;
} rule_writer;

/* Stores the effective verdicts of one activity with its (new) kind, so
 * that `rules list` and the engine agree on all eight states. */
static int write_effective(void *payload, const wl_rule_row *r)
{
  rule_writer *w = payload;
  wl_rule_row row = *r;
  if (strcmp(r->activity, w->t->activity) != 0)
    return 0;
  row.kind = w->t->kind;
  return wl_store_rule_set(w->st, w->source_id, &row);
}

static touched *find_touched(touched *t, size_t n, const char *activity)
{
  for (size_t i = 0; i < n; i++)
    if (strcmp(t[i].activity, activity) == 0)
      return &t[i];
  return NULL;
}

/* Sets each row with its kind resolved (given, else the kind the activity
 * has so far), remembering the activities touched. */
static int set_rows(touched *t, size_t *nt, wl_app *app, const wl_source *src,
                    const wl_adh_rules *before, const wl_rule_row *rules, size_t n)
{
  int rc = 0;
  for (size_t i = 0; i < n && rc == 0; i++) {
    wl_rule_row row = rules[i];
    touched *seen = find_touched(t, *nt, row.activity);
    if (!row.kind || !*row.kind)
      row.kind = seen ? seen->kind : wl_adh_rules_is_work(before, row.activity) ? "work" : "rest";
    if (!seen)
      seen = &t[(*nt)++];
    seen->activity = row.activity;
    seen->kind = row.kind;
    rc = wl_store_rule_set(app->st, src->id, &row);
  }
  return rc;
}

int wl_rules_apply(wl_app *app, const wl_source *src, const wl_rule_row *rules, size_t n)
{
  wl_store *st = app->st;
  wl_adh_rules *before = NULL, *after = NULL;
  touched *t;
  size_t nt = 0;
  int rc;
  for (size_t i = 0; i < n; i++)
    if ((rc = wl_rules_check(&rules[i])) != 0)
      return rc;
  if (n == 0)
    return 0;
  if (!(t = calloc(n, sizeof(*t))))
    return wl_err(WL_ENOMEM, "out of memory");
  if ((rc = wl_store_begin(st)) != 0) {
    free(t);
    return rc;
  }
  if ((rc = wl_rowset_load_rules(&before, st, src->id)) == 0 &&
      (rc = set_rows(t, &nt, app, src, before, rules, n)) == 0 &&
      (rc = wl_rowset_load_rules(&after, st, src->id)) == 0)
    for (size_t i = 0; i < nt && rc == 0; i++) {
      rule_writer w = {st, src->id, &t[i]};
      rc = wl_adh_rules_each(after, write_effective, &w);
    }
  wl_adh_rules_free(before);
  wl_adh_rules_free(after);
  free(t);
  if (rc) {
    wl_store_rollback(st);
    return rc;
  }
  return wl_store_commit(st);
}
