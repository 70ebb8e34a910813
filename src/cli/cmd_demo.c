/*
 * `wfmlink demo`: everything on one machine, ready to click through. An
 * emulated 8x8 tenant in this process, a fresh SQLite database in DIR, one
 * source pointing at the emulator with its schedule imported and the last
 * four weeks backfilled, an "admin" account with a generated password, and
 * then the web page and both collectors until Ctrl-C.
 */
#include "cli/args.h"
#include "core/sources.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "core/app.h"
#include "core/collector.h"
#include "core/conntest.h"
#include "core/importer.h"
#include "emu/emu.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "util/tz.h"
#include "core/users.h"
#include "web/web.h"

#include <curl/curl.h>
#include <errno.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void wl_cli_trap_signals(void);
volatile sig_atomic_t *wl_cli_stop_flag(void);
int wl_cli_start_web(wl_web **out, const char *dsn, const char *listen, const char *cert,
                     const char *key);

const char wl_help_demo[] =
  "usage: wfmlink demo [--listen 127.0.0.1:8080] [--dir DIR]\n"
  "\n"
  "Starts a simulated 8x8 tenant (America/New_York, seed 1) inside this process,\n"
  "creates DIR (default ./wfmlink-demo; its database is recreated fresh) with an\n"
  "SQLite database, adds the source 'demo' pointing at the emulator, imports the\n"
  "emulator's schedule, backfills the last four weeks of history, creates the\n"
  "web account 'admin' with a generated password, and serves the web page and\n"
  "the collectors until Ctrl-C. The address and the password are printed.\n";

#define DEMO_TZ "America/New_York"
#define DEMO_DAYS 3
/* four weeks of history: enough for the forecast page to learn weekly patterns */
#define DEMO_HISTORY_DAYS 28

typedef struct demo {
  const char *listen, *dir;
  char dsn[4200], db[4096];
  wl_emu *emu;
  wl_app *app;
  wl_collector *col;
  wl_web *web;
  wl_source src;
  wl_tz *tz;
} demo;

/* A fresh database: the files of an earlier demo in DIR are removed (and
 * nothing else there). */
static int prepare_dir(demo *d)
{
  static const char *const suffixes[] = {"", "-wal", "-shm", "-journal", ".key"};
  char p[4200];
  if (mkdir(d->dir, 0700) != 0 && errno != EEXIST)
    return wl_err(WL_EFAIL, "--dir: cannot create %s: %s", d->dir, strerror(errno));
  if ((size_t)snprintf(d->db, sizeof(d->db), "%s/wfmlink.db", d->dir) >= sizeof(d->db))
    return wl_err(WL_EUSAGE, "--dir: the path is too long");
  for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
    snprintf(p, sizeof(p), "%s%s", d->db, suffixes[i]);
    if (unlink(p) != 0 && errno != ENOENT)
      return wl_err(WL_EFAIL, "cannot remove the old demo file %s: %s", p, strerror(errno));
  }
  snprintf(d->dsn, sizeof(d->dsn), "sqlite:%s", d->db);
  return 0;
}

static int start_emulator(demo *d)
{
  wl_emu_config cfg;
  wl_emu_config_init(&cfg);
  cfg.port = 8980;
  cfg.timezone = DEMO_TZ;
  cfg.seed = 1;
  cfg.quiet = 1;
  if (wl_emu_start(&d->emu, &cfg) == 0)
    return 0;
  cfg.port = 0; /* 8980 is taken: any free port will do */
  return wl_emu_start(&d->emu, &cfg);
}

static int add_source(demo *d)
{
  wl_source_extras ex = {NULL, NULL, 0, NULL, NULL};
  wl_source *s = &d->src;
  int rc;
  memset(s, 0, sizeof(*s));
  snprintf(s->name, sizeof(s->name), "demo");
  snprintf(s->vendor, sizeof(s->vendor), "8x8");
  snprintf(s->base_url, sizeof(s->base_url), "%s", wl_emu_base_url(d->emu));
  snprintf(s->hist_base_url, sizeof(s->hist_base_url), "%s", s->base_url);
  snprintf(s->tenant, sizeof(s->tenant), "%s", wl_emu_tenant_name(d->emu, 1));
  snprintf(s->hist_tenant, sizeof(s->hist_tenant), "%s", s->tenant);
  snprintf(s->timezone, sizeof(s->timezone), DEMO_TZ);
  s->interval_s = 10;
  s->enabled = 1;
  s->created_at = s->updated_at = wl_now();
  ex.token = wl_emu_tenant_token(d->emu, 1);
  if ((rc = wl_source_create(d->app, s, &ex)) != 0)
    return rc;
  return wl_source_get(d->app->st, s, "demo"); /* has_token and the like, as stored */
}

static size_t on_body(char *p, size_t size, size_t n, void *payload)
{
  return wl_buf_append(payload, p, size * n) == 0 ? size * n : 0;
}

/* GET over loopback from the emulator's /_emu/ (no authentication there). */
static int emu_get(wl_buf *body, demo *d, const char *path_and_query)
{
  char url[512];
  long status = 0;
  CURLcode cc;
  CURL *h = curl_easy_init();
  if (!h)
    return wl_err(WL_EFAIL, "cannot start the HTTP client");
  snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", (unsigned)wl_emu_port(d->emu),
           path_and_query);
  curl_easy_setopt(h, CURLOPT_URL, url);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, body);
  curl_easy_setopt(h, CURLOPT_TIMEOUT, 60L);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  cc = curl_easy_perform(h);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
  curl_easy_cleanup(h);
  if (cc != CURLE_OK)
    return wl_err(WL_EFAIL, "emulator %s: %s", url, curl_easy_strerror(cc));
  if (status != 200)
    return wl_err(WL_EFAIL, "emulator %s: HTTP %ld", url, status);
  return 0;
}

static int import_schedule(demo *d)
{
  char from[16], to[16], q[256];
  int64_t now = wl_now();
  wl_buf body;
  wl_import_result res;
  int rc;
  wl_date_format(from, sizeof(from), now - DEMO_DAYS * 86400, d->tz);
  wl_date_format(to, sizeof(to), now + DEMO_DAYS * 86400, d->tz);
  snprintf(q, sizeof(q), "/_emu/schedule?tenant=%s&from=%s&to=%s", d->src.tenant, from, to);
  wl_buf_init(&body, 64u * 1024 * 1024);
  rc = emu_get(&body, d, q);
  if (rc == 0)
    rc = wl_import_schedule(&res, d->app, &d->src, body.ptr, body.len, 1);
  if (rc == 0)
    printf("schedule imported: %zu segments for %zu agents, %s to %s\n", res.rows, res.agents,
           from, to);
  wl_buf_free(&body);
  return rc;
}

/* A progress line on a terminal; one summary line otherwise. */
static void on_progress(void *payload, int done, int total, int64_t win_from, int64_t win_to,
                        int64_t rows)
{
  demo *d = payload;
  char a[32];
  (void)win_from;
  (void)rows;
  wl_date_format(a, sizeof(a), win_to - 1, d->tz);
  if (isatty(STDOUT_FILENO))
    printf("\rbackfilling history: %d of %d six-hour windows stored (%s)%s", done, total, a,
           done == total ? "\n" : "");
  else if (done == total)
    printf("history backfilled: %d six-hour windows, up to %s\n", total, a);
  fflush(stdout);
}

static int backfill(demo *d)
{
  int64_t now = wl_now();
  int64_t from = wl_tz_day_start(d->tz, now - DEMO_HISTORY_DAYS * 86400);
  return wl_collect_backfill(d->col, &d->src, from, wl_interval_floor(now), on_progress, d);
}

static int add_admin(char *pw, size_t pwlen, demo *d)
{
  int64_t id;
  wl_auth_generate_password(pw, pwlen);
  return wl_user_add(d->app->st, &id, "admin", pw, wl_now());
}

static int run(demo *d)
{
  char pw[32] = "";
  int rc;
  if ((rc = prepare_dir(d)) != 0 || (rc = wl_tz_load(&d->tz, DEMO_TZ)) != 0 ||
      (rc = start_emulator(d)) != 0 || (rc = wl_app_open(&d->app, d->dsn)) != 0 ||
      (rc = add_source(d)) != 0)
    return rc;
  printf("emulated 8x8 tenant '%s' at %s (%s)\n", d->src.tenant, d->src.base_url, DEMO_TZ);
  if ((rc = import_schedule(d)) != 0 ||
      (rc = wl_collector_new(&d->col, d->app, wl_cli_stop_flag())) != 0 ||
      (rc = backfill(d)) != 0 || (rc = add_admin(pw, sizeof(pw), d)) != 0)
    goto out;
  if ((rc = wl_cli_start_web(&d->web, d->dsn, d->listen, NULL, NULL)) != 0) {
    wl_err_wrap(rc, "the web page (another address: --listen 127.0.0.1:8081)");
    goto out;
  }
  printf("\nwfmlink demo is running (database %s).\n"
         "open %s and log in as admin / %s\n"
         "Press Ctrl-C to stop.\n\n", d->dsn, wl_web_url(d->web), pw);
  fflush(stdout);
  rc = wl_collector_serve(d->col, 3);
out:
  sodium_memzero(pw, sizeof(pw));
  return rc;
}

int wl_cmd_demo(wl_cli_ctx *ctx, int argc, char **argv)
{
  demo d;
  const char *pos[1];
  int npos, rc;
  memset(&d, 0, sizeof(d));
  d.listen = "127.0.0.1:8080";
  d.dir = "wfmlink-demo";
  const wl_opt opts[] = {{"--listen", &d.listen, NULL}, {"--dir", &d.dir, NULL},
                         {NULL, NULL, NULL}};
  (void)ctx; /* the demo has its own database */
  if ((rc = wl_args_parse("demo", argc, argv, 1, opts, pos, &npos, 0)) != 0)
    return rc;
  wl_cli_trap_signals();
  curl_global_init(CURL_GLOBAL_DEFAULT);
  rc = run(&d);
  wl_web_stop(d.web);
  wl_collector_free(d.col);
  wl_app_free(d.app);
  wl_emu_stop(d.emu);
  wl_tz_free(d.tz);
  if (rc == WL_EINTR || *wl_cli_stop_flag()) {
    printf("demo stopped\n");
    return 0;
  }
  return rc ? wl_cli_fail(rc) : 0;
}
