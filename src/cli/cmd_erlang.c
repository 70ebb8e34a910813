#include "cli/args.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/out.h"
#include "util/err.h"
#include "wfm/erlang.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char wl_help_erlang[] =
  "usage: wfmlink erlang --calls C --aht-s H --target P/T [--interval-s 900] [--agents N]\n"
  "        [--model erlang-c|erlang-a] [--patience-s S] [--shrinkage F] [--max-occupancy F]\n"
  "        [--max-asa-s S] [--max-abandon F] [--format table|json]\n"
  "\n"
  "The staffing calculator for one interval: C contacts arriving in --interval-s\n"
  "seconds (default 900), average handle time H seconds, target P % answered\n"
  "within T seconds (--target 80/20). Needs no database.\n"
  "\n"
  "Without --agents it finds the required agents: the smallest N reaching the\n"
  "target (Erlang C: N > traffic), raised until occupancy <= --max-occupancy,\n"
  "ASA <= --max-asa-s and abandonment <= --max-abandon when given; positions =\n"
  "ceil(N / (1 - shrinkage)). With --agents N it reports the figures for N.\n"
  "\n"
  "  --model erlang-c    no abandonment (default)\n"
  "  --model erlang-a    callers abandon after an exponential patience of mean\n"
  "                      --patience-s seconds (required with erlang-a); the service\n"
  "                      level is the share of all arrivals answered within T\n"
  "  --shrinkage F       share of paid time off the phones, 0 <= F < 1 (default 0)\n"
  "  --max-occupancy F   0 < F <= 1 (default: none)\n"
  "  --max-abandon F     erlang-a: at most this share abandons, 0 < F < 1\n"
  "\n"
  "Output: traffic_erl, agents, positions, service_level, p_wait, asa_s,\n"
  "occupancy, p_abandon (fractions; JSON numbers with 6 decimals; an ASA without\n"
  "any answered call is infinite: 'inf' in the table, null in JSON).\n"
  "\n"
  "Example: wfmlink erlang --calls 100 --interval-s 1800 --aht-s 180 --target 80/20\n";

/* A number for `flag`: the whole value must parse and be finite. */
static int num(double *v, const char *flag, const char *s)
{
  char *end;
  errno = 0;
  *v = strtod(s, &end);
  if (end == s || *end || errno == ERANGE || !isfinite(*v))
    return wl_err(WL_EUSAGE, "%s: '%s' is not a number", flag, s);
  return 0;
}

/* An optional limit: absent stays 0 (none), given must be > 0. */
static int limit(double *v, const char *flag, const char *s, const char *rule)
{
  int rc;
  if (!s)
    return 0;
  if ((rc = num(v, flag, s)) != 0)
    return rc;
  if (!(*v > 0))
    return wl_err(WL_EUSAGE, "%s must be %s", flag, rule);
  return 0;
}

static int agents_arg(int *n, const char *s)
{
  char *end;
  long v;
  errno = 0;
  v = strtol(s, &end, 10);
  if (end == s || *end || errno == ERANGE || v < 0 || v > 10000000)
    return wl_err(WL_EUSAGE, "--agents must be a whole number >= 0 and at most 10000000");
  *n = (int)v;
  return 0;
}

typedef struct erl_args {
  const char *calls, *aht, *target, *interval, *agents, *model, *patience, *shrink, *occ, *asa,
    *ab, *format;
} erl_args;

static int build_in(wl_erlang_in *in, int *agents, const erl_args *a, int model)
{
  int rc;
  memset(in, 0, sizeof(*in));
  in->interval_s = 900;
  *agents = -1;
  in->model = model == 1 ? WL_ERLANG_A : WL_ERLANG_C;
  if ((rc = num(&in->calls, "--calls", a->calls)) != 0 || (rc = num(&in->aht_s, "--aht-s", a->aht)) != 0 ||
      (rc = wl_erlang_parse_target(&in->target_sl, &in->target_t_s, a->target)) != 0 ||
      (a->interval && (rc = num(&in->interval_s, "--interval-s", a->interval)) != 0) ||
      (a->shrink && (rc = num(&in->shrinkage, "--shrinkage", a->shrink)) != 0) ||
      (rc = limit(&in->max_occupancy, "--max-occupancy", a->occ, "> 0 and <= 1")) != 0 ||
      (rc = limit(&in->max_asa_s, "--max-asa-s", a->asa, "> 0")) != 0 ||
      (rc = limit(&in->max_abandon, "--max-abandon", a->ab, "> 0 and < 1")) != 0 ||
      (a->agents && (rc = agents_arg(agents, a->agents)) != 0))
    return rc;
  if (in->model == WL_ERLANG_A) {
    if (!a->patience)
      return wl_err(WL_EUSAGE, "--patience-s is required with --model erlang-a");
    if ((rc = num(&in->patience_s, "--patience-s", a->patience)) != 0)
      return rc;
  } else if (a->patience || a->ab) {
    return wl_err(WL_EUSAGE, "%s needs --model erlang-a", a->patience ? "--patience-s" : "--max-abandon");
  }
  return wl_erlang_check(in);
}

/* Fractions with 6 decimals; an infinite ASA has no JSON number. */
static void fmt(char *buf, size_t n, double v, int decimals)
{
  if (isinf(v))
    snprintf(buf, n, "%s", "inf");
  else
    snprintf(buf, n, "%.*f", decimals, v);
}

static void print_json(const wl_erlang_out *o)
{
  char asa[64];
  if (isinf(o->asa_s))
    snprintf(asa, sizeof(asa), "null");
  else
    snprintf(asa, sizeof(asa), "%.3f", o->asa_s);
  printf("{\"traffic_erl\": %.6f, \"agents\": %d, \"positions\": %d, \"service_level\": %.6f, "
         "\"p_wait\": %.6f, \"asa_s\": %s, \"occupancy\": %.6f, \"p_abandon\": %.6f}\n",
         o->traffic_erl, o->agents, o->positions, o->service_level, o->p_wait, asa, o->occupancy,
         o->p_abandon);
}

static void print_table(const wl_erlang_out *o)
{
  static const char *const cols[] = {"key", "value", NULL};
  char v[8][64];
  const char *keys[] = {"traffic_erl", "agents", "positions", "service_level",
                        "p_wait", "asa_s", "occupancy", "p_abandon"};
  wl_out *out = NULL;
  fmt(v[0], sizeof(v[0]), o->traffic_erl, 6);
  snprintf(v[1], sizeof(v[1]), "%d", o->agents);
  snprintf(v[2], sizeof(v[2]), "%d", o->positions);
  fmt(v[3], sizeof(v[3]), o->service_level, 6);
  fmt(v[4], sizeof(v[4]), o->p_wait, 6);
  fmt(v[5], sizeof(v[5]), o->asa_s, 3);
  fmt(v[6], sizeof(v[6]), o->occupancy, 6);
  fmt(v[7], sizeof(v[7]), o->p_abandon, 6);
  if (wl_out_new(&out, stdout, WL_OUT_KV, cols) != 0)
    return;
  for (int i = 0; i < 8; i++) {
    const char *pair[2] = {keys[i], v[i]};
    wl_out_row(out, pair);
  }
  wl_out_free(out);
}

int wl_cmd_erlang(wl_cli_ctx *ctx, int argc, char **argv)
{
  static const char *const fmts[] = {"table", "json", NULL};
  static const char *const models[] = {"erlang-c", "erlang-a", NULL};
  erl_args a = {0};
  const wl_opt opts[] = {{"--calls", &a.calls, NULL},           {"--aht-s", &a.aht, NULL},
                         {"--target", &a.target, NULL},         {"--interval-s", &a.interval, NULL},
                         {"--agents", &a.agents, NULL},         {"--model", &a.model, NULL},
                         {"--patience-s", &a.patience, NULL},   {"--shrinkage", &a.shrink, NULL},
                         {"--max-occupancy", &a.occ, NULL},     {"--max-asa-s", &a.asa, NULL},
                         {"--max-abandon", &a.ab, NULL},        {"--format", &a.format, NULL},
                         {NULL, NULL, NULL}};
  const char *pos[1];
  int npos, rc, f, m, agents;
  wl_erlang_in in;
  wl_erlang_out o;
  (void)ctx; /* a calculator: no database */
  a.model = "erlang-c";
  a.format = "table";
  if ((rc = wl_args_parse("erlang", argc, argv, 1, opts, pos, &npos, 0)) != 0 ||
      (rc = wl_args_choice(&f, "erlang", "--format", a.format, fmts)) != 0 ||
      (rc = wl_args_choice(&m, "erlang", "--model", a.model, models)) != 0)
    return rc;
  if (npos != 0 || !a.calls || !a.aht || !a.target)
    return wl_cli_usage("erlang", "--calls, --aht-s and --target are required");
  if (build_in(&in, &agents, &a, m) != 0)
    return wl_cli_usage("erlang", "%s", wl_errmsg());
  rc = agents >= 0 ? wl_erlang_eval(&o, &in, agents) : wl_erlang_required(&o, &in);
  if (rc != 0)
    return wl_cli_usage("erlang", "%s", wl_errmsg());
  if (f == 1)
    print_json(&o);
  else
    print_table(&o);
  return 0;
}
