#include "cli/args.h"
#include "core/sources.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/out.h"
#include "core/app.h"
#include "core/importer.h"
#include "core/rowsets.h"
#include "core/rules.h"
#include "util/err.h"
#include "util/timeutil.h"
#include "wfm/adherence.h"
#include "wfm/records.h"

#include <stdlib.h>
#include <string.h>

const char wl_help_schedule[] =
  "usage:\n"
  "  wfmlink schedule import --source NAME FILE.csv [--create-agents]\n"
  "  wfmlink schedule export --source NAME --from TIME --to TIME [--format csv|json]\n"
  "\n"
  "FILE.csv has a header row and the columns agent_id,start,end,activity (times\n"
  "ISO 8601 with offset). An import replaces the stored segments of each agent\n"
  "that the imported segments overlap, all at once. A bad row (unknown agent or\n"
  "activity, end before start, overlapping segments of one agent, bad time)\n"
  "rejects the whole file, naming the lines; nothing is imported then.\n"
  "Unknown agents are refused unless --create-agents is given.\n";

const char wl_help_states[] =
  "usage: wfmlink states import --source NAME FILE.csv\n"
  "\n"
  "Loads a recorded agent-state timeline (columns agent_id,state,start,end; state\n"
  "one of available, offered, busy, wrap, break, offline, logged_out, unknown).\n"
  "For each agent, stored segments overlapping the imported span are trimmed or\n"
  "removed; unknown agents are added. Checked like schedule import.\n";

const char wl_help_rules[] =
  "usage:\n"
  "  wfmlink rules list --source NAME [--format table|csv|json]\n"
  "  wfmlink rules set --source NAME ACTIVITY STATE in|out|neutral [--kind work|rest]\n"
  "\n"
  "The adherence rules: for each scheduled activity and agent state, whether the\n"
  "agent is in adherence, out, or neutral. The state unknown is always neutral.\n"
  "A new activity starts as kind work with every state out.\n";

static int open_src(wl_app **app, wl_source *src, wl_cli_ctx *ctx, const char *cmd,
                    const char *name)
{
  int rc;
  if (!name)
    return wl_cli_usage(cmd, "--source is required");
  if ((rc = wl_app_open(app, ctx->dsn)) != 0 || (rc = wl_app_source(*app, src, name)) != 0) {
    wl_app_free(*app);
    *app = NULL;
    return wl_cli_fail(rc);
  }
  return 0;
}

static int do_import(wl_cli_ctx *ctx, int argc, char **argv, const char *cmd, int states)
{
  const char *source = NULL, *pos[1];
  int create = 0, npos, rc;
  /* --create-agents only for schedules: states import adds agents anyway */
  const wl_opt opts[] = {{"--source", &source, NULL},
                         {states ? NULL : "--create-agents", NULL, &create},
                         {NULL, NULL, NULL}};
  wl_app *app = NULL;
  wl_source src;
  wl_import_result res;
  char *text = NULL;
  size_t len = 0;
  if ((rc = wl_args_parse(cmd, argc, argv, 2, opts, pos, &npos, 1)) != 0)
    return rc;
  if (npos != 1)
    return wl_cli_usage(cmd, "FILE.csv is required");
  if ((rc = wl_read_file(&text, &len, pos[0])) != 0)
    return wl_cli_fail(rc);
  if ((rc = open_src(&app, &src, ctx, cmd, source)) != 0) {
    free(text);
    return rc;
  }
  rc = states ? wl_import_states(&res, app, &src, text, len)
              : wl_import_schedule(&res, app, &src, text, len, create);
  if (rc == 0)
    printf("imported %zu %s for %zu agent%s (%zu new)\n", res.rows,
           states ? "state segments" : "schedule segments", res.agents,
           res.agents == 1 ? "" : "s", res.agents_created);
  free(text);
  wl_app_free(app);
  return rc ? wl_cli_fail(rc) : 0;
}

typedef struct export_ctx {
  wl_out *out;
  const wl_tz *tz;
} export_ctx;

static int export_row(void *payload, const wl_schedule_row *r)
{
  export_ctx *e = payload;
  char a[WL_ISO_LEN], b[WL_ISO_LEN];
  const char *v[4] = {r->agent_id, a, b, r->activity};
  wl_time_format(a, sizeof(a), r->start_utc, e->tz);
  wl_time_format(b, sizeof(b), r->end_utc, e->tz);
  return wl_out_row(e->out, v);
}

static int schedule_export(wl_cli_ctx *ctx, int argc, char **argv)
{
  static const char *const fmts[] = {"csv", "json", NULL};
  static const char *const cols[] = {"agent_id", "start", "end", "activity", NULL};
  const char *source = NULL, *from_s = NULL, *to_s = NULL, *format = "csv", *pos[1];
  const wl_opt opts[] = {{"--source", &source, NULL}, {"--from", &from_s, NULL},
                         {"--to", &to_s, NULL}, {"--format", &format, NULL}, {NULL, NULL, NULL}};
  int npos, rc, f;
  int64_t from, to;
  wl_app *app = NULL;
  wl_source src;
  wl_tz *tz = NULL;
  export_ctx e = {0};
  if ((rc = wl_args_parse("schedule export", argc, argv, 2, opts, pos, &npos, 0)) != 0 ||
      (rc = wl_args_choice(&f, "schedule export", "--format", format, fmts)) != 0)
    return rc;
  if (!from_s || !to_s)
    return wl_cli_usage("schedule export", "--from and --to are required");
  if ((rc = open_src(&app, &src, ctx, "schedule export", source)) != 0)
    return rc;
  if ((rc = wl_tz_load(&tz, src.timezone)) != 0)
    goto out;
  if (wl_time_parse_arg(&from, from_s, tz) || wl_time_parse_arg(&to, to_s, tz)) {
    rc = wl_err_wrap(WL_EUSAGE, "--from/--to");
    goto out;
  }
  e.tz = tz;
  wl_out_new(&e.out, stdout, f == 0 ? WL_OUT_CSV : WL_OUT_JSON, cols);
  rc = wl_source_schedule(app->st, src.id, NULL, from, to, export_row, &e);
  wl_out_free(e.out);
out:
  wl_tz_free(tz);
  wl_app_free(app);
  return rc ? wl_cli_fail(rc) : 0;
}

int wl_cmd_schedule(wl_cli_ctx *ctx, int argc, char **argv)
{
  if (argc >= 2 && !strcmp(argv[1], "import"))
    return do_import(ctx, argc, argv, "schedule import", 0);
  if (argc >= 2 && !strcmp(argv[1], "export"))
    return schedule_export(ctx, argc, argv);
  if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
    fputs(wl_help_schedule, stdout);
    return 0;
  }
  return wl_cli_usage("schedule", "use 'schedule import' or 'schedule export'");
}

int wl_cmd_states(wl_cli_ctx *ctx, int argc, char **argv)
{
  if (argc >= 2 && !strcmp(argv[1], "import"))
    return do_import(ctx, argc, argv, "states import", 1);
  if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
    fputs(wl_help_states, stdout);
    return 0;
  }
  return wl_cli_usage("states", "use 'states import'");
}

/* ---- rules ---- */

static int rule_out(void *payload, const wl_rule_row *r)
{
  const char *v[4] = {r->activity, r->kind, r->state, r->verdict};
  return wl_out_row(payload, v);
}

static int rules_list(wl_cli_ctx *ctx, int argc, char **argv)
{
  static const char *const fmts[] = {"table", "csv", "json", NULL};
  static const char *const cols[] = {"activity", "kind", "state", "verdict", NULL};
  const char *source = NULL, *format = "table", *pos[1];
  const wl_opt opts[] = {{"--source", &source, NULL}, {"--format", &format, NULL},
                         {NULL, NULL, NULL}};
  int npos, rc, f;
  wl_app *app = NULL;
  wl_source src;
  wl_adh_rules *rules = NULL;
  wl_out *out = NULL;
  if ((rc = wl_args_parse("rules list", argc, argv, 2, opts, pos, &npos, 0)) != 0 ||
      (rc = wl_args_choice(&f, "rules list", "--format", format, fmts)) != 0)
    return rc;
  if ((rc = open_src(&app, &src, ctx, "rules list", source)) != 0)
    return rc;
  if ((rc = wl_rowset_load_rules(&rules, app->st, src.id)) == 0) {
    wl_out_new(&out, stdout, (enum wl_out_format)f, cols);
    rc = wl_adh_rules_each(rules, rule_out, out);
    wl_out_free(out);
  }
  wl_adh_rules_free(rules);
  wl_app_free(app);
  return rc ? wl_cli_fail(rc) : 0;
}

static int rules_set(wl_cli_ctx *ctx, int argc, char **argv)
{
  static const char *const verdicts[] = {"in", "out", "neutral", NULL};
  static const char *const kinds[] = {"work", "rest", NULL};
  const char *source = NULL, *kind = NULL, *pos[3];
  const wl_opt opts[] = {{"--source", &source, NULL}, {"--kind", &kind, NULL}, {NULL, NULL, NULL}};
  int npos, rc, v, k = 0;
  wl_app *app = NULL;
  wl_source src;
  wl_adh_rules *rules = NULL;
  wl_rule_row row;
  if ((rc = wl_args_parse("rules set", argc, argv, 2, opts, pos, &npos, 3)) != 0)
    return rc;
  if (npos != 3)
    return wl_cli_usage("rules set", "give ACTIVITY STATE in|out|neutral");
  if (!*pos[0] || strlen(pos[0]) >= WL_ADH_ACTIVITY_LEN)
    return wl_cli_usage("rules set", "ACTIVITY: '%s' must have 1 to %d characters", pos[0],
                        WL_ADH_ACTIVITY_LEN - 1);
  if (!wl_state_valid(pos[1]))
    return wl_cli_usage("rules set", "STATE: '%s' is not one of available, offered, busy, wrap, "
                        "break, offline, logged_out, unknown", pos[1]);
  if ((rc = wl_args_choice(&v, "rules set", "VERDICT", pos[2], verdicts)) != 0 ||
      (kind && (rc = wl_args_choice(&k, "rules set", "--kind", kind, kinds)) != 0))
    return rc;
  if ((rc = open_src(&app, &src, ctx, "rules set", source)) != 0)
    return rc;
  if (!kind && (rc = wl_rowset_load_rules(&rules, app->st, src.id)) == 0)
    k = wl_adh_rules_is_work(rules, pos[0]) ? 0 : 1;
  row = (wl_rule_row){pos[0], pos[1], verdicts[v], kinds[k]};
  if (rc == 0 && (rc = wl_rules_apply(app, &src, &row, 1)) == 0)
    printf("rule set: %s (%s) while %s -> %s%s\n", pos[0], kinds[k], pos[1], verdicts[v],
           !strcmp(pos[1], "unknown") ? " (note: unknown always counts as neutral)" : "");
  wl_adh_rules_free(rules);
  wl_app_free(app);
  return rc ? wl_cli_fail(rc) : 0;
}

int wl_cmd_rules(wl_cli_ctx *ctx, int argc, char **argv)
{
  if (argc >= 2 && !strcmp(argv[1], "list"))
    return rules_list(ctx, argc, argv);
  if (argc >= 2 && !strcmp(argv[1], "set"))
    return rules_set(ctx, argc, argv);
  if (argc >= 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
    fputs(wl_help_rules, stdout);
    return 0;
  }
  return wl_cli_usage("rules", "use 'rules list' or 'rules set'");
}
