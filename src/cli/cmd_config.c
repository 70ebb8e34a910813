/* The configuration file for every command (loaded by main.c) and
 * `wfmlink config check [FILE]`. */
#include "cli/cli.h"
#include "cli/commands.h"
#include "util/conf.h"
#include "util/err.h"
#include "util/log.h"

#include <stdlib.h>
#include <string.h>

const char wl_help_config[] =
  "usage: wfmlink config check [FILE]\n"
  "\n"
  "Validates a configuration file (default: --config FILE, else $WFMLINK_CONFIG,\n"
  "else " WL_CONF_DEFAULT ") and prints the settings it holds, or names\n"
  "the first bad line as FILE:LINE and exits 1.\n"
  "\n"
  "The file holds the process-level options, one 'key = value' per line; lines\n"
  "starting with '#' are comments; a value may be wrapped in double quotes:\n"
  "  db              sqlite:PATH or postgresql://... (like --db)\n"
  "  key-file        the key file that encrypts stored tokens\n"
  "  listen          the web page's address (like serve --listen)\n"
  "  metrics-listen  an address serving only /metrics (like serve --metrics-listen)\n"
  "  tls-cert        PEM certificate for HTTPS (with tls-key)\n"
  "  tls-key         PEM private key for HTTPS (with tls-cert)\n"
  "  log-level       debug, info, warn or error\n"
  "  log-format      text or json\n"
  "Command-line flags override environment variables (WFMLINK_DB,\n"
  "WFMLINK_KEY_FILE, WFMLINK_LOG_LEVEL, WFMLINK_LOG_FORMAT), which override the\n"
  "file, which overrides the defaults. The default file is read when it exists;\n"
  "a file named by --config or $WFMLINK_CONFIG must exist.\n";

const char *wl_cli_config_path(const char *flag)
{
  const char *env = getenv("WFMLINK_CONFIG");
  if (flag)
    return flag;
  return env && *env ? env : WL_CONF_DEFAULT;
}

int wl_cli_load_config(wl_conf *c, const char *flag)
{
  const char *env = getenv("WFMLINK_CONFIG");
  int rc = wl_conf_load(c, wl_cli_config_path(flag));
  /* only the default file may be absent: a named one is a typo otherwise */
  if (rc == WL_ENOTFOUND && !flag && !(env && *env)) {
    memset(c, 0, sizeof(*c)); /* no default file: the defaults */
    return 0;
  }
  return rc == WL_ENOTFOUND ? WL_EUSAGE : rc;
}

static void show(const char *key, const char *value)
{
  const char *scheme = strstr(value, "://"), *at = scheme ? strchr(scheme, '@') : NULL;
  const char *colon = scheme ? strchr(scheme + 3, ':') : NULL;
  if (!*value)
    return;
  /* a PostgreSQL URI's password is not for the terminal */
  if (at && colon && colon < at)
    printf("  %-15s %.*s:***%s\n", key, (int)(colon - value), value, at);
  else
    printf("  %-15s %s\n", key, value);
}

int wl_cmd_config(wl_cli_ctx *ctx, int argc, char **argv)
{
  wl_conf c;
  int rc;
  if (argc < 2 || strcmp(argv[1], "check") != 0 || argc > 3)
    return wl_cli_usage("config", "usage: wfmlink config check [FILE]");
  if ((rc = wl_conf_load(&c, argc == 3 ? argv[2] : wl_cli_config_path(ctx->config_flag))) != 0) {
    fprintf(stderr, "wfmlink: %s\n", wl_errmsg());
    return 1;
  }
  printf("%s: ok, %d setting%s\n", c.path, c.n, c.n == 1 ? "" : "s");
  show("db", c.db);
  show("key-file", c.key_file);
  show("listen", c.listen);
  show("metrics-listen", c.metrics_listen);
  show("tls-cert", c.tls_cert);
  show("tls-key", c.tls_key);
  show("log-level", c.log_level);
  show("log-format", c.log_format);
  return 0;
}
