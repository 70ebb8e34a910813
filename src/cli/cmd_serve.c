#include "cli/args.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "core/app.h"
#include "core/collector.h"
#include "util/err.h"
#include "util/log.h"

#include <string.h>

void wl_cli_trap_signals(void);
volatile sig_atomic_t *wl_cli_stop_flag(void);

int wl_cmd_serve(wl_cli_ctx *ctx, int argc, char **argv)
{
  static const char *const onlys[] = {"all", "realtime", "historical", "web", NULL};
  const char *listen = "127.0.0.1:8080", *only = "all", *level = NULL, *pos[1];
  const wl_opt opts[] = {{"--listen", &listen, NULL}, {"--only", &only, NULL},
                         {"--log-level", &level, NULL}, {NULL, NULL, NULL}};
  int npos, rc, which;
  enum wl_log_level lvl;
  wl_app *app = NULL;
  wl_collector *c = NULL;
  if ((rc = wl_args_parse("serve", argc, argv, 1, opts, pos, &npos, 0)) != 0 ||
      (rc = wl_args_choice(&which, "serve", "--only", only, onlys)) != 0)
    return rc;
  if (level) {
    if (wl_log_parse_level(&lvl, level) != 0)
      return wl_cli_fail(WL_EUSAGE);
    wl_log_set_level(lvl);
  }
  wl_cli_trap_signals();
  if ((rc = wl_app_open(&app, ctx->dsn)) != 0 ||
      (rc = wl_collector_new(&c, app, wl_cli_stop_flag())) != 0)
    goto out;
  wl_info(NULL, "wfmlink serving (%s)", only);
  rc = wl_collector_serve(c, which == 0 ? 3 : which == 1 ? 1 : which == 2 ? 2 : 0);
out:
  wl_collector_free(c);
  wl_app_free(app);
  return rc ? wl_cli_fail(rc) : 0;
}
