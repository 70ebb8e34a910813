#include "cli/cli.h"
#include "cli/commands.h"
#include "emu/emu.h"
#include "util/err.h"
#include "util/conf.h"
#include "util/log.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int wl_cli_fail(int rc)
{
  fprintf(stderr, "wfmlink: %s\n", wl_errmsg());
  return wl_exit_code(rc);
}

int wl_cli_usage(const char *cmd, const char *fmt, ...)
{
  va_list ap;
  fprintf(stderr, "wfmlink %s: ", cmd);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\n(see 'wfmlink %s --help')\n", cmd);
  return 2;
}

int wl_cmd_emulator(wl_cli_ctx *ctx, int argc, char **argv)
{
  (void)ctx;
  return wl_emu_main(argc, argv);
}

static const wl_cmd commands[] = {
  {"source", wl_cmd_source, "add, change, list, show, test or remove an 8x8 tenant", wl_help_source},
  {"collect", wl_cmd_collect, "one real-time poll or one historical pull, now", wl_help_collect},
  {"backfill", wl_cmd_backfill, "pull a past range of 15-minute intervals", wl_help_backfill},
  {"serve", wl_cmd_serve, "run the collectors and the web page", wl_help_serve},
  {"report", wl_cmd_report, "volume, states, adherence and RTA reports", wl_help_report},
  {"volume", wl_cmd_volume, "import 15-minute volume history from another system (CSV)", wl_help_volume},
  {"forecast", wl_cmd_forecast, "forecast volume and handle time; accuracy backtests; special days", wl_help_forecast},
  {"staffing", wl_cmd_staffing, "required agents per interval (Erlang C / A) against the schedules", wl_help_staffing},
  {"schedule", wl_cmd_schedule, "import or export agent schedules (CSV)", wl_help_schedule},
  {"states", wl_cmd_states, "import a recorded agent-state timeline (CSV)", wl_help_states},
  {"rules", wl_cmd_rules, "list or change the adherence rules", wl_help_rules},
  {"verify", wl_cmd_verify, "compare stored rows with 8x8's 30-minute statistics", wl_help_verify},
  {"erlang", wl_cmd_erlang, "staffing calculator: required agents or the figures for N", wl_help_erlang},
  {"user", wl_cmd_user, "web page accounts and API keys", wl_help_user},
  {"doctor", wl_cmd_doctor, "check the database, key file, feeds, clock and disk", wl_help_doctor},
  {"config", wl_cmd_config, "check the configuration file", wl_help_config},
  {"demo", wl_cmd_demo, "emulated tenant + collectors + web page, ready to try", wl_help_demo},
  {"emulator", wl_cmd_emulator, "a simulated 8x8 tenant on loopback", wl_emu_help},
  {NULL, NULL, NULL, NULL},
};

/* The global options, in --help and the man page alike. */
static const char usage_notes[] =
  "--db DSN           sqlite:PATH (default $WFMLINK_DB, else sqlite:wfmlink.db)\n"
  "                   or postgresql://...\n"
  "--config FILE      the configuration file (default $WFMLINK_CONFIG, else\n"
  "                   " WL_CONF_DEFAULT " when it exists; 'wfmlink config --help').\n"
  "--log-format FMT   text (default) or json: one object per line on stderr.\n"
  "--version          the version.\n"
  "Flags override the environment, which overrides the configuration file.\n"
  "Environment: WFMLINK_DB, WFMLINK_TOKEN, WFMLINK_KEY_FILE, WFMLINK_LOG_LEVEL,\n"
  "WFMLINK_LOG_FORMAT, WFMLINK_CONFIG.\n";

static void usage(FILE *f)
{
  fprintf(f, "usage: wfmlink [--db DSN] [--config FILE] [--log-format text|json] COMMAND [ARGS]\n\n"
             "commands:\n");
  for (const wl_cmd *c = commands; c->name; c++)
    fprintf(f, "  %-10s %s\n", c->name, c->summary);
  fprintf(f, "\n%s'wfmlink COMMAND --help' describes a command.\n", usage_notes);
}

/* Flags beat the environment, which beats the file, which beats defaults. */
static int apply_config(wl_cli_ctx *ctx, const wl_conf *conf, const char *db_flag,
                        const char *format_flag)
{
  const char *env_db = getenv("WFMLINK_DB"), *lvl = getenv("WFMLINK_LOG_LEVEL");
  const char *fmt = format_flag ? format_flag : getenv("WFMLINK_LOG_FORMAT");
  enum wl_log_level l;
  enum wl_log_format f;
  ctx->dsn = db_flag                ? db_flag
             : env_db && *env_db    ? env_db
             : conf->db[0]          ? conf->db
                                    : "sqlite:wfmlink.db";
  if (conf->key_file[0] && setenv("WFMLINK_KEY_FILE", conf->key_file, 0) != 0)
    return wl_err(WL_EFAIL, "cannot set WFMLINK_KEY_FILE");
  if (!(lvl && *lvl))
    lvl = conf->log_level[0] ? conf->log_level : NULL;
  if (lvl && *lvl && wl_log_parse_level(&l, lvl) == 0)
    wl_log_set_level(l);
  if (!(fmt && *fmt))
    fmt = conf->log_format[0] ? conf->log_format : NULL;
  if (fmt && *fmt) {
    if (wl_log_parse_format(&f, fmt) != 0)
      return WL_EUSAGE;
    wl_log_set_format(f);
  }
  return 0;
}

static const wl_cmd *find_command(const char *name)
{
  for (const wl_cmd *c = commands; c->name; c++)
    if (strcmp(c->name, name) == 0)
      return c;
  return NULL;
}

/* --db DSN or --db=DSN (and the other global options): 1 when argv[*i]
 * is name, with *value set (and *i moved past a separate value). */
static int global_opt(const char *name, int argc, char **argv, int *i, const char **value)
{
  size_t n = strlen(name);
  if (strcmp(argv[*i], name) == 0 && *i + 1 < argc) {
    *value = argv[++*i];
    return 1;
  }
  if (strncmp(argv[*i], name, n) == 0 && argv[*i][n] == '=') {
    *value = argv[*i] + n + 1;
    return 1;
  }
  return 0;
}

int main(int argc, char **argv)
{
  static wl_conf conf;
  wl_cli_ctx ctx = {0};
  const char *db_flag = NULL, *format_flag = NULL;
  const wl_cmd *cmd;
  int i = 1, rc;
  for (; i < argc && argv[i][0] == '-'; i++) {
    if (global_opt("--db", argc, argv, &i, &db_flag) ||
        global_opt("--config", argc, argv, &i, &ctx.config_flag) ||
        global_opt("--log-format", argc, argv, &i, &format_flag)) {
      continue;
    } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      usage(stdout);
      return 0;
    } else if (strcmp(argv[i], "--man") == 0) { /* hidden: builds wfmlink.1 */
      return wl_cli_man(stdout, commands, usage_notes) == 0 ? 0 : 1;
    } else if (strcmp(argv[i], "--version") == 0) {
      printf("wfmlink " WL_VERSION_STRING "\n");
      return 0;
    } else {
      fprintf(stderr, "wfmlink: unknown option '%s'\n", argv[i]);
      usage(stderr);
      return 2;
    }
  }
  if (i >= argc) {
    usage(stderr);
    return 2;
  }
  if (!(cmd = find_command(argv[i]))) {
    fprintf(stderr, "wfmlink: unknown command '%s'\n", argv[i]);
    usage(stderr);
    return 2;
  }
  /* `config check` must be able to look at a broken file */
  if (strcmp(cmd->name, "config") != 0 && (rc = wl_cli_load_config(&conf, ctx.config_flag)) != 0)
    return wl_cli_fail(rc);
  ctx.conf = &conf;
  if ((rc = apply_config(&ctx, &conf, db_flag, format_flag)) != 0)
    return wl_cli_fail(rc);
  /* `source --help` lists the settings table itself */
  if (strcmp(cmd->name, "source") != 0 && argc > i + 1 &&
      (strcmp(argv[i + 1], "--help") == 0 || strcmp(argv[i + 1], "-h") == 0)) {
    fputs(cmd->help, stdout);
    return 0;
  }
  return cmd->fn(&ctx, argc - i, argv + i);
}
