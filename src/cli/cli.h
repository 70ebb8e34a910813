#ifndef WL_CLI_CLI_H
#define WL_CLI_CLI_H
/*
 * One file per subcommand; each exports a function with this signature and
 * a help text, listed in the table in main.c. Commands return a process
 * exit code (0, 1, 2: cli.md).
 */
#include <stdio.h>

struct wl_conf;
/* The configuration file's path: --config, else $WFMLINK_CONFIG, else the
 * default; loading tolerates only the default being absent (cmd_config.c). */
const char *wl_cli_config_path(const char *flag);
int wl_cli_load_config(struct wl_conf *c, const char *flag);

typedef struct wl_cli_ctx {
  const char *dsn;      /* from --db, $WFMLINK_DB, or the default */
  const char *config_flag;      /* --config FILE, or NULL */
  const struct wl_conf *conf;   /* the configuration file (util/conf.h) */
} wl_cli_ctx;

typedef int (*wl_cmd_fn)(wl_cli_ctx *ctx, int argc, char **argv);

typedef struct wl_cmd {
  const char *name;
  wl_cmd_fn fn;
  const char *summary;
  const char *help;
} wl_cmd;

/* Prints "wfmlink: message" for the current error and returns its exit code. */
int wl_cli_fail(int rc);
/* Usage error: prints the message and a hint, returns 2. */
int wl_cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
