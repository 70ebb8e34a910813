/* `wfmlink user`: accounts of the web page and API keys. Passwords come
 * from standard input (the first line) or a prompt without echo, never from
 * the command line. A new password ends every login of the user; removing
 * a user ends its logins and revokes its API keys. */
#include "cli/args.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "cli/out.h"
#include "core/app.h"
#include "util/err.h"
#include "util/timeutil.h"
#include "core/users.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

const char wl_help_user[] =
  "usage: wfmlink user add NAME          # password from standard input or a prompt\n"
  "       wfmlink user passwd NAME       # the same, for a new password; logs NAME out\n"
  "       wfmlink user list [--format table|csv|json]\n"
  "       wfmlink user api-key NAME      # a new API key, printed once\n"
  "       wfmlink user api-key NAME --revoke-all   # every API key of NAME stops working\n"
  "       wfmlink user remove NAME       # the account, its logins and its API keys\n"
  "\n"
  "Accounts of the web page (wfmlink serve). Passwords have at least 8\n"
  "characters and are stored as Argon2id hashes; on a terminal the password is\n"
  "asked twice without echo, otherwise the first line of standard input is used:\n"
  "  printf '%s\\n' \"$PASSWORD\" | wfmlink user add admin\n"
  "A new password ends every session of the user (on every browser).\n"
  "An API key authenticates scripts to the JSON API under /api/v1/ with the\n"
  "header 'Authorization: Bearer KEY'. Only its hash is stored: keep the key\n"
  "when it is printed. A lost or leaked key is revoked with --revoke-all\n"
  "(then make new keys for the scripts that still need one).\n";

#define PW_CAP (WL_PASSWORD_MAX + 2)

static void chomp(char *s)
{
  s[strcspn(s, "\r\n")] = '\0';
}

/* Reads a password into buf (PW_CAP bytes) and checks it. */
static int read_password(char *buf, const char *name)
{
  char again[PW_CAP], prompt[128];
  int rc = 0;
  buf[0] = '\0';
  if (isatty(STDIN_FILENO)) {
    snprintf(prompt, sizeof(prompt), "Password for %s", name);
    wl_read_hidden_line(buf, PW_CAP, prompt);
    wl_read_hidden_line(again, sizeof(again), "The same password again");
    chomp(buf);
    chomp(again);
    if (strcmp(buf, again) != 0)
      rc = wl_err(WL_EUSAGE, "the two passwords differ; nothing was changed");
    sodium_memzero(again, sizeof(again));
  } else if (!fgets(buf, PW_CAP, stdin)) {
    rc = wl_err(WL_EUSAGE, "no password on standard input");
  } else if (!strchr(buf, '\n') && strlen(buf) == PW_CAP - 1) {
    rc = wl_err(WL_EUSAGE, "the password is longer than %d characters", WL_PASSWORD_MAX);
  }
  if (rc == 0) {
    chomp(buf);
    rc = wl_auth_check_password(buf);
  }
  return rc;
}

static int with_password(wl_cli_ctx *ctx, const char *name, int add)
{
  char pw[PW_CAP];
  wl_app *app = NULL;
  int64_t id;
  int rc;
  if ((rc = wl_auth_check_username(name)) != 0)
    return wl_cli_fail(rc);
  if ((rc = wl_app_open(&app, ctx->dsn)) != 0)
    return wl_cli_fail(rc);
  if (!add && (rc = wl_user_get(app->st, &id, NULL, 0, name)) != 0)
    goto out;
  if (add && wl_user_get(app->st, &id, NULL, 0, name) == 0) {
    rc = wl_err(WL_EUSAGE, "NAME: a user named '%s' already exists (use 'wfmlink user passwd')",
                name);
    goto out;
  }
  if ((rc = read_password(pw, name)) != 0)
    goto out;
  /* a new password also ends the user's logins (core/users.c) */
  rc = add ? wl_user_add(app->st, &id, name, pw, wl_now())
           : wl_user_set_password(app->st, id, name, pw);
  if (rc == 0)
    printf(add ? "user '%s' added\n" : "password of '%s' changed; its sessions ended\n", name);
out:
  sodium_memzero(pw, sizeof(pw));
  wl_app_free(app);
  if (rc == WL_ENOTFOUND)
    rc = wl_err(WL_EUSAGE, "no user named '%s' (see 'wfmlink user list')", name);
  return rc ? wl_cli_fail(rc) : 0;
}

static int user_row(void *payload, const wl_user_row *u)
{
  char when[WL_ISO_LEN];
  const char *v[2] = {u->name, wl_time_format(when, sizeof(when), u->created_at, NULL)};
  return wl_out_row(payload, v);
}

static int user_list(wl_cli_ctx *ctx, int argc, char **argv)
{
  static const char *const fmts[] = {"table", "csv", "json", NULL};
  static const char *const cols[] = {"name", "created_at", NULL};
  const char *format = "table", *pos[1];
  const wl_opt opts[] = {{"--format", &format, NULL}, {NULL, NULL, NULL}};
  int npos, f, rc;
  wl_app *app = NULL;
  wl_out *out = NULL;
  if ((rc = wl_args_parse("user list", argc, argv, 2, opts, pos, &npos, 0)) != 0 ||
      (rc = wl_args_choice(&f, "user list", "--format", format, fmts)) != 0)
    return rc;
  if ((rc = wl_app_open(&app, ctx->dsn)) != 0)
    return wl_cli_fail(rc);
  wl_out_new(&out, stdout, (enum wl_out_format)f, cols);
  rc = wl_users_list(app->st, user_row, out);
  wl_out_free(out);
  wl_app_free(app);
  return rc ? wl_cli_fail(rc) : 0;
}

static int user_api_key(wl_cli_ctx *ctx, const char *name, int revoke_all)
{
  char key[128];
  wl_app *app = NULL;
  int64_t id;
  int rc = wl_app_open(&app, ctx->dsn);
  if (rc == 0 && (rc = wl_user_get(app->st, &id, NULL, 0, name)) == WL_ENOTFOUND)
    rc = wl_err(WL_EUSAGE, "no user named '%s' (see 'wfmlink user list')", name);
  if (rc == 0 && revoke_all) {
    if ((rc = wl_user_revoke_api_keys(app->st, id)) == 0)
      printf("every API key of '%s' revoked\n", name);
  } else if (rc == 0 && (rc = wl_auth_new_api_key(key, sizeof(key), app->st, id)) == 0) {
    fprintf(stderr, "A new API key for '%s'. It is shown only now; send it as\n"
                    "'Authorization: Bearer KEY' to /api/v1/.\n", name);
    printf("%s\n", key);
    sodium_memzero(key, sizeof(key));
  }
  wl_app_free(app);
  return rc ? wl_cli_fail(rc) : 0;
}

static int user_remove(wl_cli_ctx *ctx, const char *name)
{
  wl_app *app = NULL;
  int rc;
  if ((rc = wl_auth_check_username(name)) != 0)
    return wl_cli_fail(rc);
  rc = wl_app_open(&app, ctx->dsn);
  if (rc == 0 && (rc = wl_user_remove(app->st, name)) == WL_ENOTFOUND)
    rc = wl_err(WL_EUSAGE, "no user named '%s' (see 'wfmlink user list')", name);
  if (rc == 0)
    printf("user '%s' removed, with its sessions and API keys\n", name);
  wl_app_free(app);
  return rc ? wl_cli_fail(rc) : 0;
}

int wl_cmd_user(wl_cli_ctx *ctx, int argc, char **argv)
{
  const char *sub = argc > 1 ? argv[1] : "";
  if (argc < 2 || !strcmp(sub, "--help") || !strcmp(sub, "-h")) {
    fputs(wl_help_user, argc < 2 ? stderr : stdout);
    return argc < 2 ? 2 : 0;
  }
  if (argc > 2 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"))) {
    fputs(wl_help_user, stdout);
    return 0;
  }
  if (!strcmp(sub, "list"))
    return user_list(ctx, argc, argv);
  if (strcmp(sub, "add") && strcmp(sub, "passwd") && strcmp(sub, "api-key") &&
      strcmp(sub, "remove"))
    return wl_cli_usage("user", "unknown subcommand '%s' (add, passwd, list, api-key, remove)",
                        sub);
  if (!strcmp(sub, "api-key") && argc == 4 &&
      (!strcmp(argv[2], "--revoke-all") || !strcmp(argv[3], "--revoke-all")))
    return user_api_key(ctx, argv[strcmp(argv[2], "--revoke-all") ? 2 : 3], 1);
  if (argc != 3)
    return wl_cli_usage("user", "usage: wfmlink user %s NAME%s", sub,
                        strcmp(sub, "api-key") ? "" : " [--revoke-all]");
  if (!strcmp(sub, "api-key"))
    return user_api_key(ctx, argv[2], 0);
  if (!strcmp(sub, "remove"))
    return user_remove(ctx, argv[2]);
  return with_password(ctx, argv[2], strcmp(sub, "add") == 0);
}
