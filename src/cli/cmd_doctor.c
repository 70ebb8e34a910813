/* `wfmlink doctor`: one verdict per line, exit 1 on any failure. */
#include "cli/args.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "core/doctor.h"
#include "util/err.h"

#include <stdio.h>

const char wl_help_doctor[] =
  "usage: wfmlink doctor [--offline]\n"
  "\n"
  "Checks what an operator checks first when a feed is late, one line each,\n"
  "verdict first (ok, warn, FAIL, skip): the database is reachable and its schema\n"
  "current; the key file is there and opens every stored token; for each enabled\n"
  "source the last successful real-time poll (FAIL when older than three intervals\n"
  "plus a minute), the historical watermark lag (warn beyond repull-window-s plus\n"
  "an hour, FAIL beyond a day), a token refused by 8x8, and the clock against the\n"
  "Date header of the source's API (warn beyond 10 s, FAIL beyond 120 s); the free\n"
  "space next to the SQLite file (warn under 1 GiB or 5%, FAIL under 100 MiB or\n"
  "1%). Exits 1 when any line says FAIL, else 0.\n"
  "\n"
  "--offline    skip the clock check (no request to 8x8).\n";

static void print_line(void *payload, enum wl_doc_verdict v, const char *check,
                       const char *detail)
{
  static const char *const words[] = {"ok", "warn", "FAIL", "skip"};
  (void)payload;
  printf("%-4s  %-28s %s\n", words[v], check, detail);
}

int wl_cmd_doctor(wl_cli_ctx *ctx, int argc, char **argv)
{
  int offline = 0, npos, rc, failures = 0;
  const char *pos[1];
  const wl_opt opts[] = {{"--offline", NULL, &offline}, {NULL, NULL, NULL}};
  wl_doctor_opts o;
  if ((rc = wl_args_parse("doctor", argc, argv, 1, opts, pos, &npos, 0)) != 0)
    return rc;
  wl_doctor_opts_init(&o, ctx->dsn);
  o.network = !offline;
  if ((rc = wl_doctor_run(&failures, &o, print_line, NULL)) != 0)
    return wl_cli_fail(rc);
  fflush(stdout);
  if (failures) {
    fprintf(stderr, "wfmlink doctor: %d check%s failed\n", failures, failures == 1 ? "" : "s");
    return 1;
  }
  return 0;
}
