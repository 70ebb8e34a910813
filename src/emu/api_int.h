#ifndef WL_EMU_API_INT_H
#define WL_EMU_API_INT_H
/* Shared by api.c (routing), rtstats.c and stats.c. */
#include <stdint.h>

#include "emu/emu_int.h"
#include "emu/render.h"

#define EMU_N(a) (sizeof(a) / sizeof((a)[0]))

typedef struct emu_api_ctx {
  wl_emu *e;
  const emu_req *q;
  emu_resp *r;
  int fmt, tenant;
  unsigned quirks;
  int64_t now;
  const wl_tz *tz; /* for rendering timestamps */
} emu_api_ctx;

/* An 8x8-style error answer; returns 0 (the request was handled). */
int emu_api_fail(emu_api_ctx *a, int status);
/* Ends rendering: 200 with the format's content type, or 500 on error. */
int emu_api_finish(emu_api_ctx *a, emu_render *rd, int rc);

/* rtstats.c; only >= 0 selects one agent / queue index. */
int emu_rt_agents(emu_api_ctx *a, int only);
int emu_rt_queues(emu_api_ctx *a, int only);

/* stats.c */
int emu_st_queues(emu_api_ctx *a);
int emu_st_agents(emu_api_ctx *a);
int emu_st_interactions(emu_api_ctx *a);
int emu_st_statistics(emu_api_ctx *a, int queue);

#endif
