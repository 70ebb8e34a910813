#include "cli/args.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/out.h"
#include "core/app.h"
#include "core/forecast.h"
#include "core/importer.h"
#include "core/volume_import.h"
#include "util/err.h"
#include "util/timeutil.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char wl_help_forecast[] =
  "usage:\n"
  "  wfmlink forecast --source NAME --from TIME --to TIME [--queue ID]... [--as-of TIME]\n"
  "                   [--method METHOD] [--format table|csv|json] [--save NAME]\n"
  "  wfmlink forecast accuracy --source NAME --from TIME --to TIME [--queue ID]...\n"
  "                   [--method METHOD]... [--format table|csv|json]\n"
  "  wfmlink forecast special-day --source NAME DATE (--exclude | --factor X | --clear)\n"
  "                   [--queue ID]\n"
  "  wfmlink forecast special-day --source NAME --list [--format table|csv|json]\n"
  "\n"
  "Expected contacts (volume) and average handle time (aht_s) per queue and\n"
  "15-minute interval of [FROM, TO), learnt from the stored history by local\n"
  "weekday and time of day (docs/FORECASTING.md). Columns:\n"
  "queue_id,queue_name,interval_start,volume,aht_s,method.\n"
  "\n"
  "--as-of TIME  forecast as it would have been made then: no data of intervals\n"
  "              at or after it is read (default: now). Inside the first day of\n"
  "              the range, the rest of that day is re-forecast from how it went.\n"
  "--method      auto (default: picks per queue by a backtest on its history),\n"
  "              seasonal-naive, weekday-mean, weekday-median, day-profile,\n"
  "              double-seasonal.\n"
  "--queue ID    one queue (repeatable); default every queue of the source.\n"
  "--save NAME   keep the forecast under NAME, to compare with what happened.\n"
  "Notes (days left out as unusual, queues without history) go to stderr.\n"
  "\n"
  "accuracy:     a rolling-origin backtest: for every week of [FROM, TO), a\n"
  "              forecast as of the week's first local midnight, pooled. Columns:\n"
  "              queue_id,method,intervals,wmape_pct,mape_pct,bias_pct,\n"
  "              day_mape_pct,vs_seasonal_naive_pct (negative = better).\n"
  "special-day:  DATE (YYYY-MM-DD, local) to leave out of the history (--exclude,\n"
  "              a past holiday or outage) or to scale (--factor 0 closed, 1.8 a\n"
  "              spike); --queue for one queue, else every queue; --clear removes.\n"
  "\n"
  "TIME: ISO 8601 with an offset, or a date YYYY-MM-DD (local midnight).\n"
  "A horizon over 400 days, an --as-of more than a year after --to or an\n"
  "unknown method exit 2.\n";

const char wl_help_volume[] =
  "usage: wfmlink volume import --source NAME FILE.csv\n"
  "\n"
  "Loads 15-minute history from another system (a previous ACD, a WFM export).\n"
  "Columns: queue_id,interval_start,entered and optionally accepted,abandoned,\n"
  "handle_time_s,queue_name (any order; an empty optional cell is 0).\n"
  "interval_start is ISO 8601 with an offset on a 15-minute boundary. Rows replace\n"
  "stored rows of the same queue and interval; for each queue of the file, its\n"
  "first local day to the end of its last counts as observed (an interval without\n"
  "a row had no contacts). A bad row (off the grid, no offset, negative count,\n"
  "accepted > entered, unknown column, a queue and interval twice) refuses the\n"
  "whole file, every bad line listed; nothing is stored then.\n";

#define MAXQ 64
#define MAXM 8

typedef struct fc_args {
  const char *source, *from, *to, *as_of, *format, *save;
  const char *queues[MAXQ];
  int nqueues;
  const char *methods[MAXM];
  int nmethods;
} fc_args;

static int print_row(void *payload, const char *const *values)
{
  return wl_out_row(payload, values);
}

static int print_note(void *payload, const char *queue_id, const char *text)
{
  (void)payload;
  if (queue_id && *queue_id)
    fprintf(stderr, "wfmlink forecast: note: queue %s: %s\n", queue_id, text);
  else
    fprintf(stderr, "wfmlink forecast: note: %s\n", text);
  return 0;
}

static int open_source(wl_app **app, wl_source *src, wl_cli_ctx *ctx, const char *name)
{
  int rc;
  if ((rc = wl_app_open(app, ctx->dsn)) == 0)
    rc = wl_app_source(*app, src, name);
  return rc;
}

static int parse_time(int64_t *out, const char *flag, const char *text, const wl_source *src)
{
  wl_tz *tz = NULL;
  int rc = wl_tz_load(&tz, src->timezone);
  if (rc == 0 && wl_time_parse_arg(out, text, tz) != 0)
    rc = wl_err_wrap(WL_EUSAGE, "%s", flag);
  wl_tz_free(tz);
  return rc;
}

static int parse_methods(enum wl_fc_method *out, const char *const *names, int n)
{
  for (int i = 0; i < n; i++)
    if (wl_fc_method_parse(&out[i], names[i]) != 0)
      return wl_err_wrap(WL_EUSAGE, "--method");
  return 0;
}

static int run_forecast(wl_cli_ctx *ctx, const fc_args *a, int fmt)
{
  wl_app *app = NULL;
  wl_out *out = NULL;
  wl_source src;
  wl_forecast_req req = {.queues = a->queues, .nqueues = (size_t)a->nqueues};
  int rc;
  if ((rc = parse_methods(&req.method, a->methods, a->nmethods)) != 0 ||
      (rc = open_source(&app, &src, ctx, a->source)) != 0 ||
      (rc = parse_time(&req.from, "--from", a->from, &src)) != 0 ||
      (rc = parse_time(&req.to, "--to", a->to, &src)) != 0)
    goto out;
  req.as_of = wl_now();
  req.as_of_given = a->as_of != NULL;
  if (a->as_of && (rc = parse_time(&req.as_of, "--as-of", a->as_of, &src)) != 0)
    goto out;
  if ((rc = wl_forecast_check(&req)) != 0)
    goto out;
  if (a->save) {
    rc = wl_forecast_save(app, &src, &req, a->save, print_note, NULL);
    if (rc == 0)
      fprintf(stderr, "wfmlink forecast: saved as '%s'\n", a->save);
  }
  if (rc == 0 && (rc = wl_out_new(&out, stdout, (enum wl_out_format)fmt, wl_forecast_cols)) == 0)
    rc = wl_forecast_report(app, &src, &req, print_row, a->save ? NULL : print_note, out);
  wl_out_free(out);
out:
  wl_app_free(app);
  return rc ? wl_cli_fail(rc) : 0;
}

static int run_accuracy(wl_cli_ctx *ctx, const fc_args *a, int fmt)
{
  wl_app *app = NULL;
  wl_out *out = NULL;
  wl_source src;
  enum wl_fc_method ms[MAXM];
  wl_accuracy_req req = {.queues = a->queues, .nqueues = (size_t)a->nqueues, .methods = ms,
                         .nmethods = (size_t)a->nmethods};
  int rc;
  if ((rc = parse_methods(ms, a->methods, a->nmethods)) != 0 ||
      (rc = open_source(&app, &src, ctx, a->source)) != 0 ||
      (rc = parse_time(&req.from, "--from", a->from, &src)) != 0 ||
      (rc = parse_time(&req.to, "--to", a->to, &src)) != 0)
    goto out;
  if ((rc = wl_out_new(&out, stdout, (enum wl_out_format)fmt, wl_accuracy_cols)) == 0)
    rc = wl_forecast_accuracy(app, &src, &req, print_row, print_note, out);
  wl_out_free(out);
out:
  wl_app_free(app);
  return rc ? wl_cli_fail(rc) : 0;
}

/* ---- special days ---------------------------------------------------------- */

typedef struct sd_list {
  wl_out *out;
} sd_list;

static int list_day(void *payload, const wl_special_day_row *r)
{
  sd_list *l = payload;
  char factor[32];
  const char *v[4] = {r->date, r->queue_id, r->exclude ? "exclude" : "factor", factor};
  if (r->exclude)
    factor[0] = '\0';
  else
    snprintf(factor, sizeof(factor), "%.3g", (double)r->factor_milli / 1000.0);
  return wl_out_row(l->out, v);
}

static int parse_factor(double *out, const char *s)
{
  char *end;
  errno = 0;
  *out = strtod(s, &end);
  if (!*s || *end || errno || !isfinite(*out) || *out < 0 || *out > 100)
    return wl_cli_usage("forecast special-day", "--factor '%s' must be a number from 0 to 100",
                        s);
  return 0;
}

static int special_day(wl_cli_ctx *ctx, int argc, char **argv)
{
  static const char *const cols[] = {"date", "queue_id", "kind", "factor:n", NULL};
  static const char *const fmts[] = {"table", "csv", "json", NULL};
  const char *cmd = "forecast special-day", *source = NULL, *queue = NULL, *factor_s = NULL;
  const char *format = "table", *pos[1];
  int exclude = 0, clear = 0, list = 0, npos, rc, f;
  double factor = 1.0;
  const wl_opt opts[] = {{"--source", &source, NULL}, {"--queue", &queue, NULL},
                         {"--factor", &factor_s, NULL}, {"--exclude", NULL, &exclude},
                         {"--clear", NULL, &clear}, {"--list", NULL, &list},
                         {"--format", &format, NULL}, {NULL, NULL, NULL}};
  wl_app *app = NULL;
  wl_source src;
  if ((rc = wl_args_parse(cmd, argc, argv, 2, opts, pos, &npos, 1)) != 0 ||
      (rc = wl_args_choice(&f, cmd, "--format", format, fmts)) != 0)
    return rc;
  if (!source)
    return wl_cli_usage(cmd, "--source is required");
  if (!list && npos != 1)
    return wl_cli_usage(cmd, "DATE (YYYY-MM-DD) is required");
  if (!list && exclude + clear + (factor_s != NULL) != 1)
    return wl_cli_usage(cmd, "give exactly one of --exclude, --factor X, --clear");
  if (factor_s && (rc = parse_factor(&factor, factor_s)) != 0)
    return rc;
  if ((rc = open_source(&app, &src, ctx, source)) == 0) {
    if (list) {
      sd_list l = {NULL};
      if ((rc = wl_out_new(&l.out, stdout, (enum wl_out_format)f, cols)) == 0)
        rc = wl_forecast_special_days(app, &src, list_day, &l);
      wl_out_free(l.out);
    } else {
      rc = wl_forecast_special_day(app, &src, pos[0], queue, exclude, factor, clear);
    }
  }
  wl_app_free(app);
  return rc ? wl_cli_fail(rc) : 0;
}

int wl_cmd_forecast(wl_cli_ctx *ctx, int argc, char **argv)
{
  static const char *const fmts[] = {"table", "csv", "json", NULL};
  fc_args a = {.format = "table"};
  const char *pos[1];
  int npos, rc, fmt, first = 1, accuracy = 0;
  const wl_opt opts[] = {{"--source", &a.source, NULL},
                         {"--from", &a.from, NULL},
                         {"--to", &a.to, NULL},
                         {"--as-of", &a.as_of, NULL},
                         {"--format", &a.format, NULL},
                         {"--save", &a.save, NULL},
                         {NULL, NULL, NULL}};
  const wl_opt_many multi[] = {{"--queue", a.queues, &a.nqueues, MAXQ},
                               {"--method", a.methods, &a.nmethods, MAXM},
                               {NULL, NULL, NULL, 0}};
  const char *cmd = "forecast";
  if (argc > 1 && strcmp(argv[1], "special-day") == 0)
    return special_day(ctx, argc, argv);
  if (argc > 1 && strcmp(argv[1], "accuracy") == 0) {
    accuracy = 1;
    first = 2;
    cmd = "forecast accuracy";
  }
  if ((rc = wl_args_parse_many(cmd, argc, argv, first, opts, multi, pos, &npos, 0)) != 0 ||
      (rc = wl_args_choice(&fmt, cmd, "--format", a.format, fmts)) != 0)
    return rc;
  if (!a.source)
    return wl_cli_usage(cmd, "--source is required");
  if (!a.from || !a.to)
    return wl_cli_usage(cmd, "--from and --to are required");
  if (!accuracy && a.nmethods > 1)
    return wl_cli_usage(cmd, "--method: give one method (or use 'forecast accuracy')");
  if (accuracy && (a.as_of || a.save))
    return wl_cli_usage(cmd, "%s is not an option of forecast accuracy",
                        a.as_of ? "--as-of" : "--save");
  return accuracy ? run_accuracy(ctx, &a, fmt) : run_forecast(ctx, &a, fmt);
}

/* ---- volume import ------------------------------------------------------- */

int wl_cmd_volume(wl_cli_ctx *ctx, int argc, char **argv)
{
  const char *cmd = "volume import", *source = NULL, *pos[1];
  const wl_opt opts[] = {{"--source", &source, NULL}, {NULL, NULL, NULL}};
  wl_app *app = NULL;
  wl_source src;
  wl_volume_import_result res;
  char *text = NULL;
  size_t len = 0;
  int npos, rc;
  if (argc < 2 || strcmp(argv[1], "import") != 0)
    return wl_cli_usage("volume", "the only subcommand is 'import'");
  if ((rc = wl_args_parse(cmd, argc, argv, 2, opts, pos, &npos, 1)) != 0)
    return rc;
  if (!source)
    return wl_cli_usage(cmd, "--source is required");
  if (npos != 1)
    return wl_cli_usage(cmd, "FILE.csv is required");
  if ((rc = wl_read_file(&text, &len, pos[0])) == 0 &&
      (rc = open_source(&app, &src, ctx, source)) == 0 &&
      (rc = wl_import_volume(&res, app, &src, text, len)) == 0) {
    char a[WL_ISO_LEN], b[WL_ISO_LEN];
    wl_tz *tz = NULL;
    if (res.queues == 0)
      printf("nothing imported: the file has no rows\n");
    else if (wl_tz_load(&tz, src.timezone) == 0)
      printf("imported %zu rows for %zu queue%s; observed %s to %s\n", res.rows, res.queues,
             res.queues == 1 ? "" : "s", wl_time_format(a, sizeof(a), res.from, tz),
             wl_time_format(b, sizeof(b), res.to, tz));
    wl_tz_free(tz);
  }
  free(text);
  wl_app_free(app);
  return rc ? wl_cli_fail(rc) : 0;
}
