/*
 * The 8x8 API answers (8x8-api.md sections 1 and 2): routing, errors and
 * formats. rtstats.c and stats.c compute the answers from the simulation
 * at the emulator's clock.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "emu/api_int.h"

static const char *status_text(int status)
{
  switch (status) {
  case 400: return "Bad Request";
  case 401: return "Unauthorized";
  case 403: return "Forbidden";
  case 404: return "Not Found";
  case 405: return "Method Not Allowed";
  case 429: return "Too Many Requests";
  case 503: return "Service Unavailable";
  default: return "Internal Server Error";
  }
}

void emu_error(emu_resp *r, int status)
{
  wl_buf_reset(&r->body);
  wl_buf_printf(&r->body, "<API><Error>%d - %s.</Error></API>", status, status_text(status));
  r->status = status;
  r->ctype = "application/xml";
}

int emu_api_fail(emu_api_ctx *a, int status)
{
  emu_error(a->r, status);
  return 0;
}

static const char *ctype_of(int fmt)
{
  return fmt == EMU_FMT_JSON ? "application/json" : fmt == EMU_FMT_CSV ? "text/csv"
                                                                        : "application/xml";
}

int emu_api_finish(emu_api_ctx *a, emu_render *rd, int rc)
{
  int rrc = emu_render_end(rd);
  if (rc < 0 || rrc)
    return emu_api_fail(a, 500);
  a->r->status = 200;
  a->r->ctype = ctype_of(a->fmt);
  return 0;
}

/* ---- routing ----------------------------------------------------------- */

static int strip_format(char *path)
{
  static const struct {
    const char *ext;
    int fmt;
  } exts[] = {{".json", EMU_FMT_JSON}, {".xml", EMU_FMT_XML}, {".csv", EMU_FMT_CSV}};
  size_t n = strlen(path);
  for (size_t i = 0; i < EMU_N(exts); i++) {
    size_t k = strlen(exts[i].ext);
    if (n > k && strcmp(path + n - k, exts[i].ext) == 0) {
      path[n - k] = '\0';
      return exts[i].fmt;
    }
  }
  return EMU_FMT_XML;
}

static int parse_id(int64_t *out, const char *s)
{
  char *end;
  if (!*s || *s < '0' || *s > '9')
    return -1;
  long long v = strtoll(s, &end, 10);
  if (*end && *end != '/')
    return -1;
  *out = v;
  return (int)(end - s);
}

static int route_rt(emu_api_ctx *a, const char *p)
{
  int64_t id;
  int k;
  if (strcmp(p, "agents") == 0)
    return emu_rt_agents(a, -1);
  if (strcmp(p, "queues") == 0)
    return emu_rt_queues(a, -1);
  if (strncmp(p, "agent/", 6) == 0 && p[6] && !strchr(p + 6, '/')) {
    k = emu_sim_agent_find(a->e->sim, a->tenant, p + 6);
    return k < 0 ? emu_api_fail(a, 404) : emu_rt_agents(a, k);
  }
  if (strncmp(p, "queue/", 6) == 0 && parse_id(&id, p + 6) > 0 && !strchr(p + 6, '/')) {
    k = emu_sim_queue_find(a->e->sim, a->tenant, id);
    return k < 0 ? emu_api_fail(a, 404) : emu_rt_queues(a, k);
  }
  return emu_api_fail(a, 404);
}

static int route_stats(emu_api_ctx *a, const char *p)
{
  int64_t id;
  int k;
  if (strcmp(p, "queues") == 0)
    return emu_st_queues(a);
  if (strcmp(p, "agents") == 0)
    return emu_st_agents(a);
  if (strcmp(p, "allinteractions") == 0)
    return emu_st_interactions(a);
  if (strncmp(p, "queues/", 7) == 0 && (k = parse_id(&id, p + 7)) > 0 &&
      strcmp(p + 7 + k, "/statistics") == 0) {
    int q = emu_sim_queue_find(a->e->sim, a->tenant, id);
    return q < 0 ? emu_api_fail(a, 404) : emu_st_statistics(a, q);
  }
  return emu_api_fail(a, 404);
}

int emu_api(wl_emu *e, const emu_req *q, emu_resp *r)
{
  emu_api_ctx a = {.e = e, .q = q, .r = r, .tenant = q->tenant, .tz = e->tz};
  char path[256];
  if (strcmp(q->method, "GET") != 0 && strcmp(q->method, "HEAD") != 0)
    return emu_api_fail(&a, 405);
  if (strncmp(q->path, "/api/", 5) != 0 || strlen(q->path + 5) >= sizeof(path))
    return emu_api_fail(&a, 404);
  snprintf(path, sizeof(path), "%s", q->path + 5);
  a.fmt = strip_format(path);
  a.quirks = emu_quirks(e);
  a.now = emu_now(e);
  if (strncmp(path, "rtstats/stats/", 14) == 0)
    return route_rt(&a, path + 14);
  if (strncmp(path, "stats/", 6) == 0)
    return route_stats(&a, path + 6);
  return emu_api_fail(&a, 404);
}
