#include "cli/args.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "core/app.h"
#include "core/runs.h"
#include "core/collector.h"
#include "util/err.h"
#include "util/log.h"
#include "util/timeutil.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char wl_help_collect[] =
  "usage: wfmlink collect NAME --realtime --once\n"
  "       wfmlink collect NAME --historical --once\n"
  "\n"
  "--realtime --once    one poll of every agent's state (rtstats), stored as changes\n"
  "                     to the agent-state timeline\n"
  "--historical --once  one pull of the trailing window (repull-window-s, default\n"
  "                     2 h 15 min, up to the last 15-minute boundary) of\n"
  "                     allinteractions, stored as 15-minute rows per queue\n"
  "\n"
  "A failing request (5xx, 429, timeout, reset, truncated or invalid body) is\n"
  "retried with backoff; if the window still cannot be read whole nothing of it is\n"
  "stored and the exit code is 1. A 401/403 is not retried.\n";

const char wl_help_backfill[] =
  "usage: wfmlink backfill NAME --from TIME --to TIME\n"
  "\n"
  "Pulls the 15-minute intervals of [FROM, TO) from 8x8's historical API in\n"
  "6-hour windows, oldest first, and stores each window whole. Interrupting it\n"
  "(Ctrl-C) keeps the windows already stored; running it again is harmless and\n"
  "completes the rest. TIME: ISO 8601 with offset, or YYYY-MM-DD (local midnight\n"
  "in the source's time zone). Shows a progress bar on a terminal.\n";

const char wl_help_serve[] =
  "usage: wfmlink serve [--listen 127.0.0.1:8080] [--only realtime|historical|web]\n"
  "                     [--tls-cert FILE --tls-key FILE] [--log-level debug|info|warn|error]\n"
  "                     [--log-format text|json] [--metrics-listen HOST:PORT]\n"
  "\n"
  "Runs both collectors for every enabled source and the web page in one process\n"
  "until SIGINT or SIGTERM (a window being read is abandoned, never half-stored).\n"
  "Real-time: every source's interval. Historical: every 15 minutes, hist-delay-s\n"
  "after the boundary, the trailing repull-window-s; after an outage the gap since\n"
  "the last final interval is backfilled first (at most backfill-max-days).\n"
  "Sources added or changed while it runs are picked up within a minute, at once\n"
  "on SIGHUP. Runs of a source left 'running' by a process that died are marked\n"
  "'interrupted' when serve takes the source.\n"
  "\n"
  "--listen     the web page's address (default 127.0.0.1:8080). A non-loopback\n"
  "             address without TLS is served with a warning: use --tls-cert/--tls-key.\n"
  "--only       run one part: realtime, historical (collectors) or web (the page).\n"
  "--tls-cert, --tls-key  PEM certificate and key: serve HTTPS.\n"
  "--log-level  debug, info, warn or error (default info).\n"
  "--log-format text (default) or json: one object per line on stderr with time,\n"
  "             level, source, message and fields (for journald and log shippers).\n"
  "--metrics-listen  a second address that serves only GET /metrics (Prometheus\n"
  "             text format 0.0.4, no login); /metrics is on the web page's address\n"
  "             too. Defaults come from the configuration file ('wfmlink config\n"
  "             --help'); these flags override it.\n"
  "\n"
  "Several instances may share one PostgreSQL database: they split the sources\n"
  "between them through leases (docs/POSTGRESQL.md).\n";

static volatile sig_atomic_t stop_flag, reload_flag;

static void on_signal(int sig)
{
  (void)sig;
  stop_flag = 1;
}

static void on_reload(int sig)
{
  (void)sig;
  reload_flag = 1;
}

void wl_cli_trap_signals(void)
{
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_signal;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, NULL);
  sigaction(SIGTERM, &sa, NULL);
  /* a closed terminal or `kill -HUP`: commands stop cleanly (runs marked
   * interrupted); serve asks for wl_cli_trap_reload instead */
  sigaction(SIGHUP, &sa, NULL);
  signal(SIGPIPE, SIG_IGN);
}

volatile sig_atomic_t *wl_cli_trap_reload(void)
{
  struct sigaction sa;
  memset(&sa, 0, sizeof(sa));
  sa.sa_handler = on_reload;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGHUP, &sa, NULL);
  return &reload_flag;
}

volatile sig_atomic_t *wl_cli_stop_flag(void)
{
  return &stop_flag;
}

static int open_source(wl_app **app, wl_source *src, wl_cli_ctx *ctx, const char *name)
{
  int rc = wl_app_open(app, ctx->dsn);
  if (rc == 0)
    rc = wl_app_source(*app, src, name);
  return rc;
}

int wl_cmd_collect(wl_cli_ctx *ctx, int argc, char **argv)
{
  int rt = 0, hist = 0, once = 0, npos, rc;
  const wl_opt opts[] = {{"--realtime", NULL, &rt}, {"--historical", NULL, &hist},
                         {"--once", NULL, &once}, {NULL, NULL, NULL}};
  const char *pos[1];
  wl_app *app = NULL;
  wl_collector *c = NULL;
  wl_source src;
  if ((rc = wl_args_parse("collect", argc, argv, 1, opts, pos, &npos, 1)) != 0)
    return rc;
  if (npos != 1)
    return wl_cli_usage("collect", "NAME is required");
  if (rt == hist)
    return wl_cli_usage("collect", "give exactly one of --realtime or --historical");
  if (!once)
    return wl_cli_usage("collect", "--once is required (the service is 'wfmlink serve')");
  wl_cli_trap_signals();
  if ((rc = open_source(&app, &src, ctx, pos[0])) != 0 ||
      (rc = wl_collector_new(&c, app, &stop_flag)) != 0)
    goto out;
  rc = rt ? wl_collect_realtime_once(c, &src) : wl_collect_historical_once(c, &src);
  if (rc && hist)
    wl_err_wrap(rc, "historical window not stored");
out:
  wl_collector_free(c);
  wl_app_free(app);
  if (rc == 0)
    printf("%s: %s collection done\n", src.name, rt ? "real-time" : "historical");
  return rc ? wl_cli_fail(rc) : 0;
}

typedef struct progress {
  int tty;
  const char *name;
  wl_tz *tz;
  int64_t rows;
} progress;

static void show_progress(void *payload, int done, int total, int64_t from, int64_t to,
                          int64_t rows)
{
  progress *p = payload;
  char a[WL_ISO_LEN];
  (void)to;
  p->rows += rows;
  wl_time_format(a, sizeof(a), from, p->tz);
  if (p->tty) {
    int width = 30, fill = total ? done * width / total : width;
    fprintf(stderr, "\r%s [%.*s%*s] %d/%d windows  %.16s", p->name, fill,
            "##############################", width - fill, "", done, total, a);
    if (done == total)
      fputc('\n', stderr);
  } else {
    fprintf(stderr, "%s: window %d/%d (%s) stored\n", p->name, done, total, a);
  }
  fflush(stderr);
}

/* Runs of the source left `running` by a backfill or a service that was
 * killed: interrupted, so the status page stops showing them as live. */
static int close_stale_runs(wl_app *app, const wl_source *src)
{
  int marked = 0, rc = wl_runs_interrupt_stale(&marked, app, src->id);
  if (rc == 0 && marked)
    fprintf(stderr, "%s: %d run%s left running by an earlier process marked interrupted\n",
            src->name, marked, marked > 1 ? "s" : "");
  return rc;
}

int wl_cmd_backfill(wl_cli_ctx *ctx, int argc, char **argv)
{
  const char *from_s = NULL, *to_s = NULL, *pos[1];
  const wl_opt opts[] = {{"--from", &from_s, NULL}, {"--to", &to_s, NULL}, {NULL, NULL, NULL}};
  int npos, rc;
  int64_t from, to;
  wl_app *app = NULL;
  wl_collector *c = NULL;
  wl_source src;
  progress p = {0};
  if ((rc = wl_args_parse("backfill", argc, argv, 1, opts, pos, &npos, 1)) != 0)
    return rc;
  if (npos != 1)
    return wl_cli_usage("backfill", "NAME is required");
  if (!from_s || !to_s)
    return wl_cli_usage("backfill", "--from and --to are required");
  wl_cli_trap_signals();
  if ((rc = open_source(&app, &src, ctx, pos[0])) != 0 || (rc = wl_tz_load(&p.tz, src.timezone)) != 0)
    goto out;
  if (wl_time_parse_arg(&from, from_s, p.tz) != 0) {
    rc = wl_err_wrap(WL_EUSAGE, "--from");
    goto out;
  }
  if (wl_time_parse_arg(&to, to_s, p.tz) != 0) {
    rc = wl_err_wrap(WL_EUSAGE, "--to");
    goto out;
  }
  if (to <= from) {
    rc = wl_err(WL_EUSAGE, "--to must be after --from");
    goto out;
  }
  p.tty = isatty(STDERR_FILENO);
  p.name = src.name;
  if ((rc = wl_collector_new(&c, app, &stop_flag)) != 0 || (rc = close_stale_runs(app, &src)) != 0)
    goto out;
  rc = wl_collect_backfill(c, &src, from, to, show_progress, &p);
  if (rc == 0)
    printf("%s: backfill done\n", src.name);
out:
  if (p.tty && rc)
    fputc('\n', stderr);
  wl_collector_free(c);
  wl_tz_free(p.tz);
  wl_app_free(app);
  return rc ? wl_cli_fail(rc) : 0;
}
