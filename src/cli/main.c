#include "cli/cli.h"
#include "cli/commands.h"
#include "emu/emu.h"
#include "util/err.h"
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
  {"demo", wl_cmd_demo, "emulated tenant + collectors + web page, ready to try", wl_help_demo},
  {"emulator", wl_cmd_emulator, "a simulated 8x8 tenant on loopback", wl_emu_help},
  {NULL, NULL, NULL, NULL},
};

static void usage(FILE *f)
{
  fprintf(f, "usage: wfmlink [--db DSN] COMMAND [ARGS]\n\ncommands:\n");
  for (const wl_cmd *c = commands; c->name; c++)
    fprintf(f, "  %-10s %s\n", c->name, c->summary);
  fprintf(f, "\nDSN: sqlite:PATH (default $WFMLINK_DB, else sqlite:wfmlink.db) or postgresql://...\n"
             "Environment: WFMLINK_DB, WFMLINK_TOKEN, WFMLINK_KEY_FILE, WFMLINK_LOG_LEVEL.\n"
             "'wfmlink COMMAND --help' describes a command.\n");
}

int main(int argc, char **argv)
{
  wl_cli_ctx ctx = {0};
  int i = 1;
  {
    /* WFMLINK_LOG_LEVEL=debug|info|warn|error for every command */
    const char *lvl = getenv("WFMLINK_LOG_LEVEL");
    enum wl_log_level l;
    if (lvl && *lvl && wl_log_parse_level(&l, lvl) == 0)
      wl_log_set_level(l);
  }
  ctx.dsn = getenv("WFMLINK_DB");
  if (!ctx.dsn || !*ctx.dsn)
    ctx.dsn = "sqlite:wfmlink.db";
  for (; i < argc && argv[i][0] == '-'; i++) {
    if (strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
      ctx.dsn = argv[++i];
    } else if (strncmp(argv[i], "--db=", 5) == 0) {
      ctx.dsn = argv[i] + 5;
    } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      usage(stdout);
      return 0;
    } else if (strcmp(argv[i], "--version") == 0) {
      printf("wfmlink 0.1.0\n");
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
  for (const wl_cmd *c = commands; c->name; c++) {
    if (strcmp(c->name, argv[i]) == 0) {
      /* `source --help` lists the settings table itself */
      if (strcmp(c->name, "source") != 0 && argc > i + 1 && (strcmp(argv[i + 1], "--help") == 0 || strcmp(argv[i + 1], "-h") == 0)) {
        fputs(c->help, stdout);
        return 0;
      }
      return c->fn(&ctx, argc - i, argv + i);
    }
  }
  fprintf(stderr, "wfmlink: unknown command '%s'\n", argv[i]);
  usage(stderr);
  return 2;
}
