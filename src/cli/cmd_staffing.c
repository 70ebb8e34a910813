#include "cli/args.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/out.h"
#include "core/app.h"
#include "core/staffing.h"
#include "util/err.h"
#include "util/timeutil.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

const char wl_help_staffing[] =
  "usage: wfmlink staffing --source NAME --from TIME --to TIME [--queue ID]... [--as-of TIME]\n"
  "         [--target P/T] [--model erlang-c|erlang-a] [--patience-s S] [--shrinkage F]\n"
  "         [--max-occupancy F] [--method METHOD] [--actual] [--format table|csv|json]\n"
  "\n"
  "Required agents per queue and 15-minute interval for a service-level target\n"
  "(--target 80/20: 80 % answered within 20 s), from the forecast (see 'wfmlink\n"
  "forecast --help'; --as-of and --method as there) or, with --actual, from the\n"
  "recorded volume (what the interval needed). Erlang C by default; Erlang A\n"
  "(--model erlang-a) lets callers abandon after a mean patience of --patience-s.\n"
  "Agents are raised until occupancy <= --max-occupancy; positions = agents /\n"
  "(1 - --shrinkage), rounded up. Defaults come from the source's settings\n"
  "staffing-target (80/20), staffing-model (erlang-c), staffing-patience-s (120),\n"
  "staffing-shrinkage (0.30), staffing-max-occupancy (0.85): 'wfmlink source set'.\n"
  "\n"
  "Columns: queue_id,interval_start,volume,aht_s,traffic_erl,agents,positions,\n"
  "service_level_pct,asa_s,occupancy_pct,abandon_pct,scheduled. scheduled is the\n"
  "agents scheduled on work activities in the interval (a segment covering part\n"
  "of it counts that part; break and lunch count 0), empty without schedules;\n"
  "schedules have no queue, so it is the source's total on every queue's row.\n"
  "Intervals with volume but no AHT of their own use the queue's forecast AHT\n"
  "(a note on stderr says so).\n";

#define MAXQ 64

typedef struct st_args {
  const char *source, *from, *to, *as_of, *format, *target, *model, *patience, *shrinkage;
  const char *occupancy, *method;
  const char *queues[MAXQ];
  int nqueues, actual;
} st_args;

static int print_row(void *payload, const char *const *values)
{
  return wl_out_row(payload, values);
}

static int print_note(void *payload, const char *queue_id, const char *text)
{
  (void)payload;
  if (queue_id && *queue_id)
    fprintf(stderr, "wfmlink staffing: note: queue %s: %s\n", queue_id, text);
  else
    fprintf(stderr, "wfmlink staffing: note: %s\n", text);
  return 0;
}

static int parse_num(double *out, const char *flag, const char *s)
{
  char *end;
  errno = 0;
  *out = strtod(s, &end);
  if (!*s || *end || errno || !isfinite(*out))
    return wl_err(WL_EUSAGE, "%s: '%s' is not a number", flag, s);
  return 0;
}

/* Flags over the source's settings; every value checked, naming its flag. */
static int apply_flags(wl_staffing_params *p, const st_args *a)
{
  int rc = 0;
  if (a->target && wl_erlang_parse_target(&p->target_sl, &p->target_t_s, a->target) != 0)
    return WL_EUSAGE;
  if (a->model) {
    if (strcmp(a->model, "erlang-c") && strcmp(a->model, "erlang-a"))
      return wl_err(WL_EUSAGE, "--model: '%s' is not erlang-c or erlang-a", a->model);
    p->model = !strcmp(a->model, "erlang-a") ? WL_ERLANG_A : WL_ERLANG_C;
  }
  if ((a->patience && (rc = parse_num(&p->patience_s, "--patience-s", a->patience)) != 0) ||
      (a->shrinkage && (rc = parse_num(&p->shrinkage, "--shrinkage", a->shrinkage)) != 0) ||
      (a->occupancy && (rc = parse_num(&p->max_occupancy, "--max-occupancy", a->occupancy)) != 0))
    return rc;
  /* 0 means "no limit" inside; given on the command line it is a mistake */
  if (a->occupancy && !(p->max_occupancy > 0))
    return wl_err(WL_EUSAGE, "--max-occupancy must be > 0 and <= 1");
  return wl_staffing_check(p);
}

static int parse_time(int64_t *out, const char *flag, const char *text, const wl_tz *tz)
{
  if (wl_time_parse_arg(out, text, tz) != 0)
    return wl_err_wrap(WL_EUSAGE, "%s", flag);
  return 0;
}

static int build_req(wl_staffing_req *req, wl_app *app, const wl_source *src, const st_args *a)
{
  wl_tz *tz = NULL;
  int rc;
  memset(req, 0, sizeof(*req));
  req->actual = a->actual;
  req->fc.queues = a->queues;
  req->fc.nqueues = (size_t)a->nqueues;
  req->fc.as_of = wl_now();
  if (a->method && wl_fc_method_parse(&req->fc.method, a->method) != 0)
    return wl_err_wrap(WL_EUSAGE, "--method");
  if ((rc = wl_staffing_defaults(&req->params, app, src)) != 0 ||
      (rc = apply_flags(&req->params, a)) != 0 || (rc = wl_tz_load(&tz, src->timezone)) != 0)
    return rc;
  if ((rc = parse_time(&req->fc.from, "--from", a->from, tz)) == 0 &&
      (rc = parse_time(&req->fc.to, "--to", a->to, tz)) == 0 && a->as_of) {
    rc = parse_time(&req->fc.as_of, "--as-of", a->as_of, tz);
    req->fc.as_of_given = 1;
  }
  wl_tz_free(tz);
  return rc == 0 ? wl_forecast_check(&req->fc) : rc;
}

int wl_cmd_staffing(wl_cli_ctx *ctx, int argc, char **argv)
{
  static const char *const fmts[] = {"table", "csv", "json", NULL};
  st_args a = {.format = "table"};
  const char *pos[1];
  int npos, rc, fmt;
  const wl_opt opts[] = {
    {"--source", &a.source, NULL}, {"--from", &a.from, NULL}, {"--to", &a.to, NULL},
    {"--as-of", &a.as_of, NULL}, {"--format", &a.format, NULL}, {"--target", &a.target, NULL},
    {"--model", &a.model, NULL}, {"--patience-s", &a.patience, NULL},
    {"--shrinkage", &a.shrinkage, NULL}, {"--max-occupancy", &a.occupancy, NULL},
    {"--method", &a.method, NULL}, {"--actual", NULL, &a.actual}, {NULL, NULL, NULL}};
  const wl_opt_many multi[] = {{"--queue", a.queues, &a.nqueues, MAXQ}, {NULL, NULL, NULL, 0}};
  wl_app *app = NULL;
  wl_out *out = NULL;
  wl_source src;
  wl_staffing_req req;
  if ((rc = wl_args_parse_many("staffing", argc, argv, 1, opts, multi, pos, &npos, 0)) != 0 ||
      (rc = wl_args_choice(&fmt, "staffing", "--format", a.format, fmts)) != 0)
    return rc;
  if (!a.source)
    return wl_cli_usage("staffing", "--source is required");
  if (!a.from || !a.to)
    return wl_cli_usage("staffing", "--from and --to are required");
  if ((rc = wl_app_open(&app, ctx->dsn)) == 0 && (rc = wl_app_source(app, &src, a.source)) == 0 &&
      (rc = build_req(&req, app, &src, &a)) == 0 &&
      (rc = wl_out_new(&out, stdout, (enum wl_out_format)fmt, wl_staffing_cols)) == 0)
    rc = wl_staffing_report(app, &src, &req, print_row, print_note, out);
  wl_out_free(out);
  wl_app_free(app);
  return rc ? wl_cli_fail(rc) : 0;
}
