/*
 * The PostgreSQL backend: activity rules.
 */
#include "store/pg/pg_int.h"

/* A write of one statement: 0, or its error with a missing source (foreign
 * key) reported as in SQLite. */
int pg_write1(pg_store *s, pg_cmd *c, const char *what)
{
  int rc = pg_run1(s, c, what);
  if (rc != 0 && pg_is_state(c, 1, FK_VIOLATION))
    rc = wl_err(WL_ENOTFOUND, "%s: the source does not exist", what);
  return rc;
}

static int pg_rule_set(wl_store *st, int64_t source_id, const wl_rule_row *rule)
{
  pg_cmd c = {.id = Q_RULE_SET};
  int rc;
  pg_p_i64(&c.p, source_id);
  pg_p_text(&c.p, rule->activity);
  pg_p_text(&c.p, rule->state);
  pg_p_text(&c.p, rule->verdict);
  pg_p_text(&c.p, rule->kind);
  rc = pg_write1(PG(st), &c, "cannot store the rule");
  pg_cmds_clear(&c, 1);
  return rc;
}

struct rule_ctx {
  wl_rule_cb cb;
  void *payload;
};

static int emit_rule(const PGresult *r, int row, void *ctx)
{
  struct rule_ctx *c = ctx;
  wl_rule_row rr = {pg_col_text(r, row, 0), pg_col_text(r, row, 1), pg_col_text(r, row, 2),
                    pg_col_text(r, row, 3)};
  return c->cb(c->payload, &rr);
}

static int pg_rules_list(wl_store *st, int64_t source_id, wl_rule_cb cb, void *payload)
{
  struct rule_ctx c = {cb, payload};
  return pg_list_for_source(PG(st), Q_RULE_LIST, source_id, emit_rule, &c, "cannot list rules");
}

const wl_store_rule_ops pg_rules_ops = {
  .rule_set = pg_rule_set,
  .rules_list = pg_rules_list,
};
