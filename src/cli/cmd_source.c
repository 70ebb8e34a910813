#include "cli/args.h"
#include "core/sources.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/out.h"
#include "core/app.h"
#include "core/conntest.h"
#include "core/settings.h"
#include "core/stream.h"
#include "util/err.h"
#include "util/str.h"
#include "util/timeutil.h"

#include <stdlib.h>
#include <string.h>

const char wl_help_source[] =
  "usage:\n"
  "  wfmlink source add NAME --base-url URL --tenant TENANT [--token-file FILE]\n"
  "          [--hist-base-url URL] [--hist-tenant TENANT] [--hist-token-file FILE]\n"
  "          [--interval SECONDS] [--timezone AREA/CITY] [--allow-fast-poll]\n"
  "  wfmlink source set NAME KEY=VALUE ...\n"
  "  wfmlink source list [--format table|csv|json]\n"
  "  wfmlink source show NAME [--format table|json]\n"
  "  wfmlink source test NAME\n"
  "  wfmlink source remove NAME\n"
  "\n"
  "One source per 8x8 tenant. The token (8x8's data request token) is read from\n"
  "--token-file, else $WFMLINK_TOKEN, else standard input (a prompt on a terminal);\n"
  "never from the command line. It is stored encrypted and never printed.\n"
  "The --hist-* values default to the real-time ones.\n"
  "\n"
  "Keys for 'source set' (also token-file=FILE and hist-token-file=FILE):\n";

/* Also the man page's text for `source` (man.c). */
void wl_cli_source_help(FILE *f)
{
  fputs(wl_help_source, f);
  for (const wl_setting_def *d = wl_setting_defs; d->key; d++)
    fprintf(f, "  %-24s %s%s%s%s\n", d->key, d->help, *d->def ? " (default " : "", d->def,
            *d->def ? ")" : "");
}

static int print_help_keys(void)
{
  wl_cli_source_help(stdout);
  return 0;
}

/* ---- add ---- */

typedef struct add_opts {
  const char *base_url, *tenant, *token_file, *hist_base_url, *hist_tenant, *hist_token_file;
  const char *interval, *timezone;
  int fast;
} add_opts;

static int fill_source(wl_source *src, const char *name, const add_opts *o)
{
  int iv = 10;
  if (wl_check_name(name))
    return WL_EUSAGE;
  if (!o->base_url)
    return wl_err(WL_EUSAGE, "--base-url is required");
  if (!o->tenant)
    return wl_err(WL_EUSAGE, "--tenant is required");
  snprintf(src->name, sizeof(src->name), "%s", name);
  snprintf(src->vendor, sizeof(src->vendor), "8x8");
  if (wl_check_base_url(src->base_url, sizeof(src->base_url), "--base-url", o->base_url) ||
      wl_check_tenant("--tenant", o->tenant))
    return WL_EUSAGE;
  snprintf(src->tenant, sizeof(src->tenant), "%s", o->tenant);
  if (o->hist_base_url) {
    if (wl_check_base_url(src->hist_base_url, sizeof(src->hist_base_url), "--hist-base-url",
                          o->hist_base_url))
      return WL_EUSAGE;
  } else {
    snprintf(src->hist_base_url, sizeof(src->hist_base_url), "%s", src->base_url);
  }
  if (o->hist_tenant && wl_check_tenant("--hist-tenant", o->hist_tenant))
    return WL_EUSAGE;
  snprintf(src->hist_tenant, sizeof(src->hist_tenant), "%s", o->hist_tenant ? o->hist_tenant : o->tenant);
  if (o->interval && wl_check_interval(&iv, "--interval", o->interval, o->fast))
    return WL_EUSAGE;
  src->interval_s = iv;
  if (o->timezone && wl_check_timezone("--timezone", o->timezone))
    return WL_EUSAGE;
  snprintf(src->timezone, sizeof(src->timezone), "%s", o->timezone ? o->timezone : "UTC");
  src->enabled = 1;
  src->created_at = src->updated_at = wl_now();
  return 0;
}

static int store_new_source(wl_app *app, wl_source *src, const char *token, const char *hist_token,
                            int fast)
{
  wl_source_extras ex = {token, hist_token, fast, NULL, NULL};
  int rc = wl_source_create(app, src, &ex);
  if (rc == WL_EEXISTS)
    return wl_err(WL_EUSAGE, "NAME: a source named '%s' already exists", src->name);
  return rc;
}

static int source_add(wl_cli_ctx *ctx, int argc, char **argv)
{
  add_opts o = {0};
  const wl_opt opts[] = {
    {"--base-url", &o.base_url, NULL}, {"--tenant", &o.tenant, NULL},
    {"--token-file", &o.token_file, NULL}, {"--hist-base-url", &o.hist_base_url, NULL},
    {"--hist-tenant", &o.hist_tenant, NULL}, {"--hist-token-file", &o.hist_token_file, NULL},
    {"--interval", &o.interval, NULL}, {"--timezone", &o.timezone, NULL},
    {"--allow-fast-poll", NULL, &o.fast}, {NULL, NULL, NULL}};
  const char *pos[1];
  int npos, rc;
  wl_source src;
  char *token = NULL, *hist_token = NULL;
  wl_app *app = NULL;
  memset(&src, 0, sizeof(src));
  if ((rc = wl_args_parse("source add", argc, argv, 2, opts, pos, &npos, 1)) != 0)
    return rc;
  if (npos != 1)
    return wl_cli_usage("source add", "NAME is required");
  if ((rc = fill_source(&src, pos[0], &o)) != 0)
    return wl_cli_fail(rc);
  if ((rc = wl_token_read(&token, o.token_file, "--token-file", "WFMLINK_TOKEN",
                          "8x8 data request token")) != 0)
    return wl_cli_fail(rc);
  if (o.hist_token_file &&
      (rc = wl_token_read(&hist_token, o.hist_token_file, "--hist-token-file", NULL, "")) != 0)
    goto out;
  if ((rc = wl_app_open(&app, ctx->dsn)) != 0 ||
      (rc = store_new_source(app, &src, token, hist_token, o.fast)) != 0)
    goto out;
  printf("source '%s' added (%s, tenant %s, token %s)\n", src.name, src.base_url, src.tenant,
         token ? "set" : "not set");
  if (!token)
    fprintf(stderr, "wfmlink: no token given; set one with 'wfmlink source set %s token-file=FILE'\n",
            src.name);
out:
  wl_token_free(token);
  wl_token_free(hist_token);
  wl_app_free(app);
  return rc ? wl_cli_fail(rc) : 0;
}

/* ---- set ---- */

static int set_column(wl_source *src, const char *key, const char *v)
{
  if (!strcmp(key, "base-url"))
    wl_strlcpy(src->base_url, sizeof(src->base_url), v);
  else if (!strcmp(key, "tenant"))
    wl_strlcpy(src->tenant, sizeof(src->tenant), v);
  else if (!strcmp(key, "hist-base-url"))
    wl_strlcpy(src->hist_base_url, sizeof(src->hist_base_url), v);
  else if (!strcmp(key, "hist-tenant"))
    wl_strlcpy(src->hist_tenant, sizeof(src->hist_tenant), v);
  else if (!strcmp(key, "interval"))
    src->interval_s = (int)strtol(v, NULL, 10);
  else if (!strcmp(key, "timezone"))
    wl_strlcpy(src->timezone, sizeof(src->timezone), v);
  else if (!strcmp(key, "enabled"))
    src->enabled = strcmp(v, "on") == 0;
  return 0;
}

static int fast_poll_in(wl_app *app, const wl_source *src, int argc, char **argv)
{
  for (int i = 3; i < argc; i++)
    if (!strcmp(argv[i], "allow-fast-poll=on") || !strcmp(argv[i], "allow-fast-poll=true") ||
        !strcmp(argv[i], "allow-fast-poll=1") || !strcmp(argv[i], "allow-fast-poll=yes"))
      return 1;
  return wl_source_setting_bool(app->st, src, "allow-fast-poll");
}

static int apply_pair(wl_app *app, wl_source *src, const char *arg, int fast)
{
  char key[64], canon[600];
  const char *eq = strchr(arg, '=');
  const wl_setting_def *d;
  size_t kl = eq ? (size_t)(eq - arg) : 0;
  if (!eq || kl == 0 || kl >= sizeof(key))
    return wl_err(WL_EUSAGE, "'%s' is not KEY=VALUE", arg);
  memcpy(key, arg, kl);
  key[kl] = '\0';
  if (!strcmp(key, "token-file") || !strcmp(key, "hist-token-file")) {
    char *tok = NULL;
    int rc = wl_token_read(&tok, eq + 1, key, NULL, "");
    if (rc == 0)
      rc = wl_token_store(app, src->id, key[0] == 'h' ? WL_TOKEN_HIST : WL_TOKEN_RT, tok);
    wl_token_free(tok);
    return rc;
  }
  if (!(d = wl_setting_find(key)))
    return wl_err(WL_EUSAGE, "unknown key '%s' (see 'wfmlink source --help')", key);
  if (wl_setting_check(canon, sizeof(canon), d, eq + 1, fast))
    return WL_EUSAGE;
  if (d->is_column)
    return set_column(src, key, canon);
  return wl_setting_set(app->st, src->id, key, canon);
}

/* The command changes what the event stream connects to. */
static int touches_stream(int argc, char **argv)
{
  for (int i = 3; i < argc; i++)
    if (!strncmp(argv[i], "stream=", 7) || !strncmp(argv[i], "stream-host=", 12) ||
        !strncmp(argv[i], "base-url=", 9))
      return 1;
  return 0;
}

/* The stream settings as they will be saved must make sense together, as
 * on the page: stream on needs a host (set, or derived from the base URL). */
static int check_stream(wl_app *app, const wl_source *src)
{
  char host[600], canon[600];
  int on = wl_source_setting_bool(app->st, src, "stream");
  if (wl_setting_get(host, sizeof(host), app->st, src->id, "stream-host") != 0)
    host[0] = '\0'; /* unset: derived from the base URL */
  return wl_source_stream_check(canon, sizeof(canon), src, on, host);
}

static int source_set(wl_cli_ctx *ctx, int argc, char **argv)
{
  wl_app *app = NULL;
  wl_source src;
  int rc, fast;
  if (argc < 4)
    return wl_cli_usage("source set", "usage: wfmlink source set NAME KEY=VALUE ...");
  if (wl_check_name(argv[2]))
    return wl_cli_fail(WL_EUSAGE);
  if ((rc = wl_app_open(&app, ctx->dsn)) != 0 || (rc = wl_app_source(app, &src, argv[2])) != 0)
    goto out;
  fast = fast_poll_in(app, &src, argc, argv);
  if ((rc = wl_source_begin(app)) != 0)
    goto out;
  for (int i = 3; i < argc && rc == 0; i++)
    rc = apply_pair(app, &src, argv[i], fast);
  if (rc == 0 && touches_stream(argc, argv))
    rc = check_stream(app, &src);
  src.updated_at = wl_now();
  if (rc == 0)
    rc = wl_source_update(app, &src, NULL);
  if (rc == 0)
    rc = wl_source_commit(app);
  else
    wl_source_rollback(app);
  if (rc == 0)
    printf("source '%s' updated\n", src.name);
out:
  wl_app_free(app);
  return rc ? wl_cli_fail(rc) : 0;
}

/* ---- list / show ---- */

static const char *const list_cols[] = {"name", "vendor", "base_url", "tenant", "hist_base_url",
                                        "hist_tenant", "interval_s", "timezone", "enabled",
                                        "token_set", "hist_token_set", NULL};

static void source_values(const char **v, char *iv, size_t ivn, const wl_source *s)
{
  snprintf(iv, ivn, "%d", s->interval_s);
  v[0] = s->name;
  v[1] = s->vendor;
  v[2] = s->base_url;
  v[3] = s->tenant;
  v[4] = s->hist_base_url;
  v[5] = s->hist_tenant;
  v[6] = iv;
  v[7] = s->timezone;
  v[8] = s->enabled ? "on" : "off";
  v[9] = s->has_token ? "yes" : "no";
  v[10] = s->has_token || s->has_hist_token ? (s->has_hist_token ? "yes" : "same as real-time")
                                            : "no";
}

static int list_row(void *payload, const wl_source *s)
{
  const char *v[11];
  char iv[16];
  source_values(v, iv, sizeof(iv), s);
  return wl_out_row(payload, v);
}

static int source_list(wl_cli_ctx *ctx, int argc, char **argv)
{
  static const char *const fmts[] = {"table", "csv", "json", NULL};
  const char *format = "table";
  const wl_opt opts[] = {{"--format", &format, NULL}, {NULL, NULL, NULL}};
  const char *pos[1];
  int npos, rc, f;
  wl_app *app = NULL;
  wl_out *out = NULL;
  if ((rc = wl_args_parse("source list", argc, argv, 2, opts, pos, &npos, 0)) != 0 ||
      (rc = wl_args_choice(&f, "source list", "--format", format, fmts)) != 0)
    return rc;
  if ((rc = wl_app_open(&app, ctx->dsn)) != 0)
    return wl_cli_fail(rc);
  wl_out_new(&out, stdout, (enum wl_out_format)f, list_cols);
  rc = wl_source_list(app->st, list_row, out);
  wl_out_free(out);
  wl_app_free(app);
  return rc ? wl_cli_fail(rc) : 0;
}

static int show_settings_row(void *payload, const char *key, const char *value)
{
  const char *v[2] = {key, value};
  if (wl_setting_find(key) == NULL)
    return 0; /* internal state (watermarks) is not a setting */
  return wl_out_row(payload, v);
}

/* What an administrator checks first: does it need attention, when did the
 * feeds last work. */
static void show_health(wl_out *out, wl_app *app, const wl_source *s)
{
  static const char *const keys[][2] = {{"attention-realtime", "attention_realtime"},
                                        {"attention-historical", "attention_historical"},
                                        {"rt-last-ok", "last_realtime_poll"},
                                        {"hist-watermark", "history_final_until"}};
  wl_tz *tz = NULL;
  wl_tz_load(&tz, s->timezone);
  for (size_t i = 0; i < 4; i++) {
    char val[1024] = "";
    const char *pair[2] = {keys[i][1], val};
    int64_t t;
    if (i < 2)
      wl_setting_get(val, sizeof(val), app->st, s->id, keys[i][0]);
    else if ((i == 2 ? wl_last_poll_get(&t, app->st, s->id)
                     : wl_watermark_get(&t, app->st, s->id)) == 0)
      wl_time_format(val, sizeof(val), t, tz);
    wl_out_row(out, pair);
  }
  wl_tz_free(tz);
}

/* The event stream's status and the reconciliation's agreement
 * (docs/STREAM.md explains how to read it). */
static void show_stream(wl_out *out, wl_app *app, const wl_source *s)
{
  wl_stream_summary sum;
  const char *rows[][2] = {{"stream_status", sum.status},
                           {"stream_agreement", sum.agreement},
                           {"stream_events", sum.events}};
  wl_stream_summarize(&sum, app->st, s);
  for (size_t i = 0; i < 3; i++)
    wl_out_row(out, rows[i]);
}

static int source_show(wl_cli_ctx *ctx, int argc, char **argv)
{
  static const char *const fmts[] = {"table", "json", NULL};
  static const char *const cols[] = {"key", "value", NULL};
  const char *format = "table";
  const wl_opt opts[] = {{"--format", &format, NULL}, {NULL, NULL, NULL}};
  const char *pos[1], *v[11], *pair[2];
  char iv[16], changed[WL_ISO_LEN] = "";
  int npos, rc, f;
  wl_app *app = NULL;
  wl_out *out = NULL;
  wl_source s;
  if ((rc = wl_args_parse("source show", argc, argv, 2, opts, pos, &npos, 1)) != 0 ||
      (rc = wl_args_choice(&f, "source show", "--format", format, fmts)) != 0)
    return rc;
  if (npos != 1)
    return wl_cli_usage("source show", "NAME is required");
  if ((rc = wl_app_open(&app, ctx->dsn)) != 0 || (rc = wl_app_source(app, &s, pos[0])) != 0)
    goto out;
  source_values(v, iv, sizeof(iv), &s);
  wl_out_new(&out, stdout, f == 0 ? WL_OUT_KV : WL_OUT_JSON_OBJECT, cols);
  for (int i = 0; list_cols[i]; i++) {
    pair[0] = list_cols[i];
    pair[1] = v[i];
    wl_out_row(out, pair);
  }
  if (s.token_changed_at)
    wl_time_format(changed, sizeof(changed), s.token_changed_at, NULL);
  pair[0] = "token_changed_at";
  pair[1] = changed;
  wl_out_row(out, pair);
  show_health(out, app, &s);
  show_stream(out, app, &s);
  for (const wl_setting_def *d = wl_setting_defs; d->key; d++) {
    char val[600], dv[32];
    if (d->is_column)
      continue;
    if (wl_setting_get(val, sizeof(val), app->st, s.id, d->key) != 0) {
      if (!strcmp(d->key, "rt-max-gap-s"))
        snprintf(dv, sizeof(dv), "%d", 3 * s.interval_s);
      else
        snprintf(dv, sizeof(dv), "%s", d->def);
      snprintf(val, sizeof(val), "%s", dv);
    }
    show_settings_row(out, d->key, val);
  }
  wl_out_free(out);
out:
  wl_app_free(app);
  return rc ? wl_cli_fail(rc) : 0;
}

/* ---- remove / test ---- */

static int source_remove(wl_cli_ctx *ctx, int argc, char **argv)
{
  wl_app *app = NULL;
  wl_source s;
  int rc;
  if (argc != 3)
    return wl_cli_usage("source remove", "usage: wfmlink source remove NAME");
  if ((rc = wl_app_open(&app, ctx->dsn)) != 0 || (rc = wl_app_source(app, &s, argv[2])) != 0 ||
      (rc = wl_source_remove(app, s.id)) != 0)
    goto out;
  printf("source '%s' removed with all its data\n", s.name);
out:
  wl_app_free(app);
  return rc ? wl_cli_fail(rc) : 0;
}

static int source_test(wl_cli_ctx *ctx, int argc, char **argv)
{
  wl_app *app = NULL;
  wl_source s;
  wl_conntest_result res[2];
  int rc;
  if (argc != 3)
    return wl_cli_usage("source test", "usage: wfmlink source test NAME");
  if ((rc = wl_app_open(&app, ctx->dsn)) != 0 || (rc = wl_app_source(app, &s, argv[2])) != 0)
    goto out;
  wl_conntest(&res[0], app, &s, WL_TOKEN_RT);
  wl_conntest(&res[1], app, &s, WL_TOKEN_HIST);
  for (int i = 0; i < 2; i++)
    printf("%-22s %s  %s\n", i == 0 ? "real-time (rtstats):" : "historical (stats):",
           res[i].ok ? "OK  " : "FAIL", res[i].message);
  rc = res[0].ok && res[1].ok ? 0 : WL_EFAIL;
  if (wl_source_setting_bool(app->st, &s, "stream")) {
    wl_conntest_result st;
    wl_conntest_stream(&st, app, &s);
    printf("%-22s %s  %s\n", "event stream:", st.ok ? "OK  " : "FAIL", st.message);
    rc = st.ok ? rc : WL_EFAIL;
  }
  if (rc)
    wl_err(rc, "connection test failed for source '%s'", s.name);
out:
  wl_app_free(app);
  return rc ? wl_cli_fail(rc) : 0;
}

int wl_cmd_source(wl_cli_ctx *ctx, int argc, char **argv)
{
  static const struct {
    const char *name;
    wl_cmd_fn fn;
  } subs[] = {{"add", source_add}, {"set", source_set}, {"list", source_list},
              {"show", source_show}, {"remove", source_remove}, {"test", source_test}};
  if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))
    return argc < 2 ? (print_help_keys(), 2) : print_help_keys();
  for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
    if (!strcmp(argv[1], subs[i].name)) {
      if (argc > 2 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h")))
        return print_help_keys();
      return subs[i].fn(ctx, argc, argv);
    }
  }
  return wl_cli_usage("source", "unknown subcommand '%s' (add, set, list, show, test, remove)",
                      argv[1]);
}
