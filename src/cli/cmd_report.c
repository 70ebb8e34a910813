#include "cli/args.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/out.h"
#include "core/app.h"
#include "core/report.h"
#include "util/err.h"
#include "util/timeutil.h"

#include <string.h>

const char wl_help_report[] =
  "usage:\n"
  "  wfmlink report volume --source NAME --from TIME --to TIME [--by interval|day|week]\n"
  "                        [--queue ID] [--format table|csv|json]\n"
  "  wfmlink report states --source NAME --from TIME --to TIME [--agent ID] [--format ...]\n"
  "  wfmlink report adherence --source NAME --from TIME --to TIME [--agent ID] [--format ...]\n"
  "  wfmlink report exceptions --source NAME --from TIME --to TIME [--agent ID] [--format ...]\n"
  "  wfmlink report rta --source NAME [--format table|json]\n"
  "\n"
  "TIME: ISO 8601 with an offset (2024-11-03T00:00:00-04:00 or ...Z), or a date\n"
  "YYYY-MM-DD meaning local midnight in the source's time zone. Ranges are\n"
  "half-open [FROM, TO). Output times use the source's time zone.\n"
  "\n"
  "volume:     15-minute rows per queue (offered-interval attribution: a contact\n"
  "            counts in the interval it entered the queue); aht_s = handle_time_s /\n"
  "            accepted; extra columns wait_time_s and final (1 = older than the\n"
  "            re-pull window, no longer updated). Table output adds total rows.\n"
  "states:     the agent-state timeline clipped to the range; end is empty for the\n"
  "            state an agent is in now.\n"
  "adherence:  per agent and local day, as defined in docs/wfm-definitions.md;\n"
  "            table output adds a total row per agent.\n"
  "exceptions: every out-of-adherence stretch (after grace).\n"
  "rta:        real-time adherence now, one row per agent.\n";

typedef struct report_args {
  const char *source, *from, *to, *by, *format, *agent, *queue;
} report_args;

static int print_row(void *payload, const char *const *values)
{
  return wl_out_row(payload, values);
}

static int parse_range(wl_report_range *r, const report_args *a, const wl_source *src)
{
  wl_tz *tz = NULL;
  int rc = wl_tz_load(&tz, src->timezone);
  if (rc)
    return rc;
  if (wl_time_parse_arg(&r->from, a->from, tz) != 0)
    rc = wl_err_wrap(WL_EUSAGE, "--from");
  else if (wl_time_parse_arg(&r->to, a->to, tz) != 0)
    rc = wl_err_wrap(WL_EUSAGE, "--to");
  else if (r->to <= r->from)
    rc = wl_err(WL_EUSAGE, "--to must be after --from");
  wl_tz_free(tz);
  return rc;
}

static int run_report(wl_cli_ctx *ctx, const char *kind, const report_args *a, int fmt)
{
  wl_app *app = NULL;
  wl_out *out = NULL;
  wl_source src;
  wl_report_range r = {0};
  const char *const *cols;
  int rc, rta = !strcmp(kind, "rta");
  if ((rc = wl_app_open(&app, ctx->dsn)) != 0 || (rc = wl_app_source(app, &src, a->source)) != 0)
    goto out;
  if (!rta && (rc = parse_range(&r, a, &src)) != 0)
    goto out;
  r.filter = !strcmp(kind, "volume") ? a->queue : a->agent;
  r.totals = fmt == WL_OUT_TABLE;
  cols = !strcmp(kind, "volume")      ? wl_report_volume_cols
         : !strcmp(kind, "states")    ? wl_report_states_cols
         : !strcmp(kind, "adherence") ? wl_report_adherence_cols
         : !strcmp(kind, "rta")       ? wl_report_rta_cols
                                      : wl_report_exceptions_cols;
  wl_out_new(&out, stdout, (enum wl_out_format)fmt, cols);
  if (!strcmp(kind, "volume")) {
    enum wl_volume_by by = !strcmp(a->by, "day") ? WL_BY_DAY : !strcmp(a->by, "week") ? WL_BY_WEEK
                                                                                     : WL_BY_INTERVAL;
    rc = wl_report_volume(app, &src, &r, by, print_row, out);
  } else if (!strcmp(kind, "states")) {
    rc = wl_report_states(app, &src, &r, print_row, out);
  } else if (!strcmp(kind, "adherence")) {
    rc = wl_report_adherence(app, &src, &r, print_row, out);
  } else if (rta) {
    rc = wl_report_rta(app, &src, print_row, out);
  } else {
    rc = wl_report_exceptions(app, &src, &r, print_row, out);
  }
  wl_out_free(out);
out:
  wl_app_free(app);
  return rc ? wl_cli_fail(rc) : 0;
}

int wl_cmd_report(wl_cli_ctx *ctx, int argc, char **argv)
{
  static const char *const kinds[] = {"volume", "states", "adherence", "exceptions", "rta", NULL};
  static const char *const fmts[] = {"table", "csv", "json", NULL};
  static const char *const bys[] = {"interval", "day", "week", NULL};
  report_args a = {.by = "interval", .format = "table"};
  const wl_opt opts[] = {{"--source", &a.source, NULL}, {"--from", &a.from, NULL},
                         {"--to", &a.to, NULL},         {"--by", &a.by, NULL},
                         {"--format", &a.format, NULL}, {"--agent", &a.agent, NULL},
                         {"--queue", &a.queue, NULL},   {NULL, NULL, NULL}};
  const char *pos[1];
  int npos, rc, k, f, b;
  if (argc < 2)
    return wl_cli_usage("report", "which report? volume, states, adherence, exceptions or rta");
  if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
    fputs(wl_help_report, stdout);
    return 0;
  }
  if ((rc = wl_args_choice(&k, "report", "REPORT", argv[1], kinds)) != 0 ||
      (rc = wl_args_parse("report", argc, argv, 2, opts, pos, &npos, 0)) != 0 ||
      (rc = wl_args_choice(&f, "report", "--format", a.format, fmts)) != 0 ||
      (rc = wl_args_choice(&b, "report", "--by", a.by, bys)) != 0)
    return rc;
  if (!a.source)
    return wl_cli_usage("report", "--source is required");
  if (k != 4 && (!a.from || !a.to))
    return wl_cli_usage("report", "--from and --to are required");
  if (k == 4 && f == 1)
    return wl_cli_usage("report", "--format: report rta prints table or json");
  return run_report(ctx, kinds[k], &a, f);
}
