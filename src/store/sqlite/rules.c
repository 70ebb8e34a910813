/*
 * The SQLite backend: activity rules.
 */
#include "store/sqlite/sqlite_int.h"

static int sq_rule_set(wl_store *st, int64_t source_id, const wl_rule_row *rule)
{
  sq_store *s = SQ(st);
  sqlite3_stmt *q;
  int rc;
  if ((rc = sq_stmt_get(s, Q_RULE_SET, &q)) != 0)
    return rc;
  sq_bind_i64(q, 1, source_id);
  sq_bind_text(q, 2, rule->activity);
  sq_bind_text(q, 3, rule->state);
  sq_bind_text(q, 4, rule->verdict);
  sq_bind_text(q, 5, rule->kind);
  rc = sq_step_done(s, q, "cannot store the rule");
  sq_stmt_done(s, Q_RULE_SET, q);
  return rc;
}

struct rule_ctx {
  wl_rule_cb cb;
  void *payload;
};

static int emit_rule(sqlite3_stmt *st, void *ctx)
{
  struct rule_ctx *c = ctx;
  wl_rule_row r = {sq_col_text(st, 0), sq_col_text(st, 1), sq_col_text(st, 2), sq_col_text(st, 3)};
  return c->cb(c->payload, &r);
}

static int sq_rules_list(wl_store *st, int64_t source_id, wl_rule_cb cb, void *payload)
{
  struct rule_ctx c = {cb, payload};
  return sq_list_for_source(SQ(st), Q_RULE_LIST, source_id, emit_rule, &c, "cannot list rules");
}

const wl_store_rule_ops sq_rules_ops = {
  .rule_set = sq_rule_set,
  .rules_list = sq_rules_list,
};
