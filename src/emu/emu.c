/* Starting and stopping an emulator instance (emu.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/emu_int.h"
#include "util/err.h"
#include "util/timeutil.h"

void wl_emu_config_init(wl_emu_config *cfg)
{
  memset(cfg, 0, sizeof(*cfg));
  cfg->host = "127.0.0.1";
  cfg->agents = 20;
  cfg->queues = 4;
  cfg->seed = 1;
  cfg->timezone = "UTC";
  cfg->speed = 1.0;
  cfg->dwell_scale = 1.0;
  cfg->late_seconds = 3600;
}

static int check_config(const wl_emu_config *c)
{
  if (c->agents < 1 || c->agents > EMU_MAX_AGENTS)
    return wl_err(WL_EUSAGE, "agents must be 1..%d", EMU_MAX_AGENTS);
  if (c->queues < 1 || c->queues > EMU_MAX_QUEUES)
    return wl_err(WL_EUSAGE, "queues must be 1..%d", EMU_MAX_QUEUES);
  if (c->tenants < 0 || c->tenants > EMU_MAX_TENANTS)
    return wl_err(WL_EUSAGE, "tenants must be 0..%d", EMU_MAX_TENANTS);
  if (!(c->speed > 0 && c->speed <= 1e6))
    return wl_err(WL_EUSAGE, "speed must be > 0");
  if (!(c->dwell_scale > 0 && c->dwell_scale <= 100))
    return wl_err(WL_EUSAGE, "dwell-scale must be > 0 and <= 100");
  if (c->late_seconds < 0)
    return wl_err(WL_EUSAGE, "late-seconds must be >= 0");
  if (c->fake_now < 0)
    return wl_err(WL_EUSAGE, "fake-now must be after 1970");
  return 0;
}

/* One tenant "demo"/"demo-token", or N tenants "<prefix>k" / "<token>-k". */
static int make_tenants(wl_emu *e, const wl_emu_config *c)
{
  const char *token = c->token && *c->token ? c->token : "demo-token";
  const char *name = c->tenant && *c->tenant ? c->tenant : c->tenants ? "tenant" : "demo";
  e->ntenants = c->tenants ? c->tenants : 1;
  e->tenants = calloc((size_t)e->ntenants, sizeof(*e->tenants));
  if (!e->tenants)
    return wl_err(WL_ENOMEM, "out of memory");
  if (strlen(name) > 40 || strlen(token) > 200)
    return wl_err(WL_EUSAGE, "tenant name or token too long");
  for (int k = 0; k < e->ntenants; k++) {
    if (c->tenants) {
      snprintf(e->tenants[k].name, sizeof(e->tenants[k].name), "%s%d", name, k + 1);
      snprintf(e->tenants[k].token, sizeof(e->tenants[k].token), "%s-%d", token, k + 1);
    } else {
      snprintf(e->tenants[k].name, sizeof(e->tenants[k].name), "%s", name);
      snprintf(e->tenants[k].token, sizeof(e->tenants[k].token), "%s", token);
    }
  }
  return 0;
}

static int setup(wl_emu *e, const wl_emu_config *cfg)
{
  int rc;
  e->cfg = *cfg;
  snprintf(e->host, sizeof(e->host), "%s", cfg->host && *cfg->host ? cfg->host : "127.0.0.1");
  snprintf(e->tzname, sizeof(e->tzname), "%s",
           cfg->timezone && *cfg->timezone ? cfg->timezone : "UTC");
  e->cfg.host = e->host;
  e->cfg.timezone = e->tzname;
  e->cfg.tenant = e->cfg.token = NULL; /* only e->tenants keeps them */
  if ((rc = check_config(cfg)) != 0 || (rc = make_tenants(e, cfg)) != 0)
    return rc;
  if ((rc = wl_tz_load(&e->tz, e->tzname)) != 0)
    return rc;
  emu_sim_config sc = {cfg->seed, e->ntenants, cfg->agents, cfg->queues, e->tz,
                       cfg->dwell_scale, 0};
  if ((rc = emu_sim_new(&e->sim, &sc)) != 0)
    return rc;
  e->quirks = cfg->quirks & WL_EMU_Q_ALL;
  e->fixed_now = cfg->fake_now;
  e->anchor_sim = wl_now();
  clock_gettime(CLOCK_MONOTONIC, &e->anchor_mono);
  return emu_http_start(e);
}

int wl_emu_start(wl_emu **out, const wl_emu_config *cfg)
{
  wl_emu *e = calloc(1, sizeof(*e));
  if (!e)
    return wl_err(WL_ENOMEM, "out of memory");
  pthread_mutex_init(&e->mu, NULL);
  pthread_cond_init(&e->cv, NULL);
  int rc = setup(e, cfg);
  if (rc) {
    wl_emu_stop(e);
    return rc;
  }
  *out = e;
  return 0;
}

void wl_emu_stop(wl_emu *e)
{
  if (!e)
    return;
  emu_http_stop(e);
  emu_sim_free(e->sim);
  emu_zones_free(e);
  if (e->tz)
    wl_tz_free(e->tz);
  free(e->tenants);
  pthread_cond_destroy(&e->cv);
  pthread_mutex_destroy(&e->mu);
  free(e);
}

uint16_t wl_emu_port(const wl_emu *e)
{
  return e->port;
}

const char *wl_emu_base_url(const wl_emu *e)
{
  return e->base_url;
}

const char *wl_emu_tenant_name(const wl_emu *e, int k)
{
  return k >= 1 && k <= e->ntenants ? e->tenants[k - 1].name : NULL;
}

const char *wl_emu_tenant_token(const wl_emu *e, int k)
{
  return k >= 1 && k <= e->ntenants ? e->tenants[k - 1].token : NULL;
}
