/* `wfmlink serve`: the web page (its own threads and store connections)
 * beside both collectors (this thread, the collectors' own connection),
 * until SIGINT or SIGTERM. SIGHUP reads the sources again. */
#include "cli/args.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "core/app.h"
#include "core/collector.h"
#include "util/conf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/sdnotify.h"
#include "web/web.h"

#include <string.h>
#include <time.h>

void wl_cli_trap_signals(void);
volatile sig_atomic_t *wl_cli_stop_flag(void);
volatile sig_atomic_t *wl_cli_trap_reload(void);

/* Used by `demo` too: starts the web page, warning about plain HTTP on an
 * address other machines can reach. */
int wl_cli_start_web(wl_web **out, const char *dsn, const char *listen, const char *cert,
                     const char *key);

int wl_cli_start_web(wl_web **out, const char *dsn, const char *listen, const char *cert,
                     const char *key)
{
  wl_web_config cfg;
  wl_web_config_init(&cfg);
  cfg.dsn = dsn;
  cfg.listen = listen;
  cfg.tls_cert = cert;
  cfg.tls_key = key;
  if (!wl_web_listen_is_loopback(listen) && !cert)
    wl_warn(NULL, "the web page listens on %s without TLS: passwords and session cookies "
                  "cross the network in clear; use --tls-cert and --tls-key, or listen on "
                  "127.0.0.1 behind a TLS proxy", listen);
  return wl_web_start(out, &cfg);
}

/* The configuration file's listen, TLS and metrics addresses, before the
 * flags override them. */
static void serve_defaults(const wl_cli_ctx *ctx, const char **listen, const char **cert,
                           const char **key, const char **mlisten)
{
  const wl_conf *c = ctx->conf;
  if (!c)
    return;
  if (c->listen[0])
    *listen = c->listen;
  if (c->tls_cert[0]) {
    *cert = c->tls_cert;
    *key = c->tls_key;
  }
  if (c->metrics_listen[0])
    *mlisten = c->metrics_listen;
}

static int set_format(const char *s)
{
  enum wl_log_format f;
  if (wl_log_parse_format(&f, s) != 0)
    return wl_cli_fail(WL_EUSAGE);
  wl_log_set_format(f);
  return 0;
}

/* --metrics-listen: a listener of its own for the scraper, so the page
 * itself can stay on loopback or behind TLS. */
static int start_metrics(wl_web **out, const char *dsn, const char *listen)
{
  wl_web_config cfg;
  wl_web_config_init(&cfg);
  cfg.dsn = dsn;
  cfg.listen = listen;
  cfg.metrics_only = 1;
  cfg.threads = 2; /* libmicrohttpd refuses a pool of one */
  cfg.quiet = 1;
  int rc = wl_web_start(out, &cfg);
  if (rc == 0)
    wl_info(NULL, "metrics on %s/metrics", wl_web_url(*out));
  return rc;
}

/* --only web: nothing to do on this thread but wait for the signal. */
static void wait_for_stop(void)
{
  volatile sig_atomic_t *stop = wl_cli_stop_flag();
  struct timespec ts = {0, 200 * 1000 * 1000};
  while (!*stop) {
    wl_sd_heartbeat();
    nanosleep(&ts, NULL);
  }
}

/* A database that does not answer yet (PostgreSQL restarting, the machine
 * still booting) is waited for as the collectors wait for 8x8: capped
 * backoff, a line per attempt, until it answers or serve is told to stop
 * (then WL_EINTR: a clean exit). Other errors (a bad DSN, a newer schema)
 * end serve at once. */
static int open_waiting(wl_app **app, const char *dsn)
{
  volatile sig_atomic_t *stop = wl_cli_stop_flag();
  struct timespec tick = {0, 100 * 1000 * 1000};
  int delay_ms = 500, rc;
  while ((rc = wl_app_open(app, dsn)) == WL_EUNAVAIL && !*stop) {
    wl_warn(NULL, "%s; retrying in %d.%d s", wl_errmsg(), delay_ms / 1000, delay_ms % 1000 / 100);
    for (int waited = 0; waited < delay_ms && !*stop; waited += 100)
      nanosleep(&tick, NULL);
    delay_ms = delay_ms * 2 > 30000 ? 30000 : delay_ms * 2;
  }
  return rc == WL_EUNAVAIL && *stop ? WL_EINTR : rc;
}

int wl_cmd_serve(wl_cli_ctx *ctx, int argc, char **argv)
{
  static const char *const onlys[] = {"all", "realtime", "historical", "web", NULL};
  const char *listen = "127.0.0.1:8080", *only = "all", *level = NULL, *cert = NULL,
             *key = NULL, *pos[1];
  const char *format = NULL, *mlisten = NULL;
  const wl_opt opts[] = {{"--listen", &listen, NULL}, {"--only", &only, NULL},
                         {"--log-level", &level, NULL}, {"--tls-cert", &cert, NULL},
                         {"--tls-key", &key, NULL}, {"--log-format", &format, NULL},
                         {"--metrics-listen", &mlisten, NULL}, {NULL, NULL, NULL}};
  int npos, rc, which, web;
  enum wl_log_level lvl;
  wl_app *app = NULL;
  wl_collector *c = NULL;
  wl_web *w = NULL;
  volatile sig_atomic_t *reload;
  wl_web *ms = NULL;
  serve_defaults(ctx, &listen, &cert, &key, &mlisten);
  if ((rc = wl_args_parse("serve", argc, argv, 1, opts, pos, &npos, 0)) != 0 ||
      (rc = wl_args_choice(&which, "serve", "--only", only, onlys)) != 0)
    return rc;
  if (!cert != !key)
    return wl_cli_usage("serve", "--tls-cert and --tls-key go together");
  if (format && (rc = set_format(format)) != 0)
    return rc;
  if (level) {
    if (wl_log_parse_level(&lvl, level) != 0)
      return wl_cli_fail(WL_EUSAGE);
    wl_log_set_level(lvl);
  }
  web = which == 0 || which == 3;
  wl_cli_trap_signals();
  reload = wl_cli_trap_reload();
  if ((rc = open_waiting(&app, ctx->dsn)) != 0 ||
      (web && (rc = wl_cli_start_web(&w, ctx->dsn, listen, cert, key)) != 0) ||
      (mlisten && (rc = start_metrics(&ms, ctx->dsn, mlisten)) != 0))
    goto out;
  wl_info(NULL, "wfmlink serving (%s)", only);
  /* systemd (Type=notify): up once the page listens and the store is open */
  if (wl_sd_notify("READY=1\nSTATUS=serving") != 0 || wl_sd_watchdog_start() != 0)
    wl_warn(NULL, "systemd notification: %s", wl_errmsg());
  if (which == 3) {
    wait_for_stop();
  } else if ((rc = wl_collector_new(&c, app, wl_cli_stop_flag())) == 0) {
    wl_collector_watch_reload(c, reload);
    rc = wl_collector_serve(c, which == 0 ? 3 : which);
  }
out:
  wl_sd_notify("STOPPING=1");
  wl_sd_watchdog_stop();
  wl_web_stop(ms);
  wl_web_stop(w);
  wl_collector_free(c);
  wl_app_free(app);
  if (rc == WL_EINTR && *wl_cli_stop_flag())
    rc = 0; /* stopped while waiting for the database */
  return rc ? wl_cli_fail(rc) : 0;
}
