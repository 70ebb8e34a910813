#include "cli/args.h"
#include "cli/cli.h"
#include "cli/commands.h"
#include "core/verify.h"
#include "util/err.h"
#include "util/timeutil.h"

const char wl_help_verify[] =
  "usage: wfmlink verify NAME --from TIME --to TIME\n"
  "\n"
  "Compares the stored 15-minute rows with 8x8's own 30-minute queue statistics\n"
  "(entered, accepted, abandoned; two 15-minute rows must add up to one 30-minute\n"
  "bucket). Prints one line per disagreement, naming the queue and the bucket or\n"
  "interval start in the source's time zone, and exits 1 if there is any; prints\n"
  "a one-line summary and exits 0 when everything agrees. The range is widened to\n"
  "whole 30-minute buckets.\n";

static void print_line(void *payload, const char *line)
{
  (void)payload;
  printf("%s\n", line);
}

int wl_cmd_verify(wl_cli_ctx *ctx, int argc, char **argv)
{
  const char *from_s = NULL, *to_s = NULL, *pos[1];
  const wl_opt opts[] = {{"--from", &from_s, NULL}, {"--to", &to_s, NULL}, {NULL, NULL, NULL}};
  int npos, rc;
  int64_t from, to;
  wl_app *app = NULL;
  wl_source src;
  wl_tz *tz = NULL;
  wl_verify_result res;
  if ((rc = wl_args_parse("verify", argc, argv, 1, opts, pos, &npos, 1)) != 0)
    return rc;
  if (npos != 1 || !from_s || !to_s)
    return wl_cli_usage("verify", "usage: wfmlink verify NAME --from TIME --to TIME");
  if ((rc = wl_app_open(&app, ctx->dsn)) != 0 || (rc = wl_app_source(app, &src, pos[0])) != 0 ||
      (rc = wl_tz_load(&tz, src.timezone)) != 0)
    goto out;
  if (wl_time_parse_arg(&from, from_s, tz) != 0) {
    rc = wl_err_wrap(WL_EUSAGE, "--from");
    goto out;
  }
  if (wl_time_parse_arg(&to, to_s, tz) != 0) {
    rc = wl_err_wrap(WL_EUSAGE, "--to");
    goto out;
  }
  if (to <= from) {
    rc = wl_err(WL_EUSAGE, "--to must be after --from");
    goto out;
  }
  if ((rc = wl_verify(&res, app, &src, from, to, print_line, NULL)) != 0)
    goto out;
  if (res.disagreements) {
    rc = wl_err(WL_EFAIL, "%zu of %zu 30-minute buckets disagree", res.disagreements, res.buckets);
  } else {
    printf("verified: %zu queues, %zu 30-minute buckets, all agree with 8x8\n", res.queues,
           res.buckets);
  }
out:
  wl_tz_free(tz);
  wl_app_free(app);
  return rc ? wl_cli_fail(rc) : 0;
}
