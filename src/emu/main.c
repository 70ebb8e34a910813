/* `wfmlink emulator`: options, start, wait for SIGINT / SIGTERM, stop. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/emu.h"
#include "emu/sim.h"
#include "util/err.h"
#include "util/timeutil.h"
#include "util/tz.h"

const char wl_emu_help[] =
    "usage: wfmlink emulator [options]\n"
    "\n"
    "Serves a simulated 8x8 contact center over HTTP (rtstats and stats APIs,\n"
    "Basic authentication), plus ground truth, fault injection and quirk\n"
    "switches under /_emu/ for tests. See docs/EMULATOR.md.\n"
    "\n"
    "options:\n"
    "  --listen HOST:PORT    address to serve (default 127.0.0.1:8980; port 0 = any free)\n"
    "  --allow-remote        allow a non-loopback HOST (the /_emu/ paths have no auth)\n"
    "  --tenant NAME         tenant name (default demo; with --tenants, the prefix,\n"
    "                        default tenant)\n"
    "  --token TOKEN         the tenant's API token (default demo-token); with\n"
    "                        --tenants N, tenant k's token is TOKEN-k\n"
    "  --tenants N           serve N tenants tenant1..tenantN from one process\n"
    "  --agents N            agents per tenant (default 20)\n"
    "  --queues N            queues per tenant (default 4: phone, chat, email, vmail)\n"
    "  --seed N              simulation seed (default 1); same seed, same history\n"
    "  --timezone AREA/CITY  the contact center's zone (default UTC)\n"
    "  --speed X             simulated seconds per wall second (default 1)\n"
    "  --dwell-scale X       multiply call-cycle state durations (default 1; 0.02 for tests)\n"
    "  --quirks LIST         single-object,empty-string,numbers-as-strings,extra-fields,\n"
    "                        durations-as-text, all or none (default none)\n"
    "  --late-seconds S      legs younger than S lack agent, accept and durations\n"
    "                        (default 3600)\n"
    "  --fake-now ISO        stop the clock at this instant (also WFMLINK_FAKE_NOW)\n"
    "  --quiet               no log lines\n"
    "\n"
    "Prints \"emulator listening on http://HOST:PORT/api/ (tenant NAME)\" when ready;\n"
    "SIGINT or SIGTERM stops it.\n";

static int num(long long *out, const char *opt, const char *v, long long lo, long long hi)
{
  char *end;
  long long x = strtoll(v, &end, 10);
  if (end == v || *end || x < lo || x > hi)
    return wl_err(WL_EUSAGE, "%s: '%s' is not a whole number in %lld..%lld", opt, v, lo, hi);
  *out = x;
  return 0;
}

static int real(double *out, const char *opt, const char *v)
{
  char *end;
  double x = strtod(v, &end);
  if (end == v || *end || !(x > 0))
    return wl_err(WL_EUSAGE, "%s: '%s' is not a positive number", opt, v);
  *out = x;
  return 0;
}

static int listen_arg(wl_emu_config *c, const char *v, char *host, size_t cap)
{
  const char *colon = strrchr(v, ':');
  long long port;
  if (!colon || colon == v || (size_t)(colon - v) >= cap)
    return wl_err(WL_EUSAGE, "--listen: expected HOST:PORT, got '%s'", v);
  if (num(&port, "--listen port", colon + 1, 0, 65535))
    return WL_EUSAGE;
  snprintf(host, cap, "%.*s", (int)(colon - v), v);
  c->host = host;
  c->port = (uint16_t)port;
  return 0;
}

typedef struct opts {
  wl_emu_config cfg;
  char host[64];
  int help;
} opts;

static int fake_now_arg(wl_emu_config *c, const char *v)
{
  long long t;
  if (num(&t, "--fake-now", v, 946684800LL, 4102444799LL) == 0) {
    c->fake_now = t;
    return 0;
  }
  int64_t x;
  if (wl_time_parse_iso(&x, v) != 0 || x < 946684800LL || x >= 4102444800LL)
    return wl_err(WL_EUSAGE, "--fake-now: '%s' is not an ISO instant with offset in "
                             "2000..2099", v);
  c->fake_now = x;
  return 0;
}

/* One option with its value (NULL for flags). */
static int apply(opts *o, const char *name, const char *v)
{
  wl_emu_config *c = &o->cfg;
  long long x;
  int rc = 0;
  if (strcmp(name, "--listen") == 0)
    return listen_arg(c, v, o->host, sizeof(o->host));
  if (strcmp(name, "--tenant") == 0)
    c->tenant = v;
  else if (strcmp(name, "--token") == 0)
    c->token = v;
  else if (strcmp(name, "--timezone") == 0)
    rc = wl_tz_valid(v) ? (c->timezone = v, 0)
                        : wl_err(WL_EUSAGE, "--timezone: unknown zone '%s'", v);
  else if (strcmp(name, "--quirks") == 0)
    rc = wl_emu_parse_quirks(&c->quirks, v);
  else if (strcmp(name, "--fake-now") == 0)
    rc = fake_now_arg(c, v);
  else if (strcmp(name, "--speed") == 0)
    rc = real(&c->speed, name, v);
  else if (strcmp(name, "--dwell-scale") == 0)
    rc = real(&c->dwell_scale, name, v);
  else if (strcmp(name, "--tenants") == 0)
    rc = num(&x, name, v, 1, EMU_MAX_TENANTS) ? WL_EUSAGE : (c->tenants = (int)x, 0);
  else if (strcmp(name, "--agents") == 0)
    rc = num(&x, name, v, 1, EMU_MAX_AGENTS) ? WL_EUSAGE : (c->agents = (int)x, 0);
  else if (strcmp(name, "--queues") == 0)
    rc = num(&x, name, v, 1, EMU_MAX_QUEUES) ? WL_EUSAGE : (c->queues = (int)x, 0);
  else if (strcmp(name, "--seed") == 0)
    rc = num(&x, name, v, 0, 0x7FFFFFFFFFFFFFFFLL) ? WL_EUSAGE : (c->seed = (uint64_t)x, 0);
  else if (strcmp(name, "--late-seconds") == 0)
    rc = num(&x, name, v, 0, 100LL * 86400) ? WL_EUSAGE : (c->late_seconds = x, 0);
  else
    rc = wl_err(WL_EUSAGE, "unknown option '%s'", name);
  return rc;
}

static int parse_args(opts *o, int argc, char **argv)
{
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i], *eq = strchr(a, '=');
    char name[32];
    if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0) {
      o->help = 1;
      return 0;
    }
    if (strcmp(a, "--allow-remote") == 0) {
      o->cfg.allow_remote = 1;
      continue;
    }
    if (strcmp(a, "--quiet") == 0) {
      o->cfg.quiet = 1;
      continue;
    }
    if (strncmp(a, "--", 2) != 0)
      return wl_err(WL_EUSAGE, "unexpected argument '%s'", a);
    size_t n = eq ? (size_t)(eq - a) : strlen(a);
    if (n >= sizeof(name))
      return wl_err(WL_EUSAGE, "unknown option '%s'", a);
    snprintf(name, sizeof(name), "%.*s", (int)n, a);
    const char *v = eq ? eq + 1 : (i + 1 < argc ? argv[++i] : NULL);
    if (!v)
      return wl_err(WL_EUSAGE, "option %s needs a value", name);
    int rc = apply(o, name, v);
    if (rc)
      return rc;
  }
  return 0;
}

static void ready_line(const wl_emu *emu, const wl_emu_config *c)
{
  if (c->tenants > 0)
    printf("emulator listening on %s (tenants %s..%s)\n", wl_emu_base_url(emu),
           wl_emu_tenant_name(emu, 1), wl_emu_tenant_name(emu, c->tenants));
  else
    printf("emulator listening on %s (tenant %s)\n", wl_emu_base_url(emu),
           wl_emu_tenant_name(emu, 1));
  fflush(stdout);
}

int wl_emu_main(int argc, char **argv)
{
  opts o;
  sigset_t set, old;
  int sig, rc;
  wl_emu *emu;
  memset(&o, 0, sizeof(o));
  wl_emu_config_init(&o.cfg);
  o.cfg.port = 8980;
  if ((rc = parse_args(&o, argc, argv)) != 0) {
    fprintf(stderr, "wfmlink emulator: %s\n(see 'wfmlink emulator --help')\n", wl_errmsg());
    return 2;
  }
  if (o.help) {
    fputs(wl_emu_help, stdout);
    return 0;
  }
  /* Block the stop signals before the server threads exist, so that they
   * inherit the mask and only sigwait below receives them. */
  sigemptyset(&set);
  sigaddset(&set, SIGINT);
  sigaddset(&set, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set, &old);
  if ((rc = wl_emu_start(&emu, &o.cfg)) != 0) {
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    fprintf(stderr, "wfmlink emulator: %s\n", wl_errmsg());
    return wl_exit_code(rc);
  }
  ready_line(emu, &o.cfg);
  sigwait(&set, &sig);
  wl_emu_stop(emu);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (!o.cfg.quiet)
    fprintf(stderr, "emulator stopped\n");
  return 0;
}
