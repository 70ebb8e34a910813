/*
 * libFuzzer target: 8x8 historical ("stats") answers in JSON and XML. The
 * interactions parser is the main one; queues, agents and statistics share
 * its envelope code and are fed the same input. Build: see fuzz/README.md.
 */
#include <stddef.h>
#include <stdint.h>

#include "sources/8x8/parse.h"

static int take_leg(void *payload, const wl_leg *l)
{
  size_t *n = payload;
  *n += l->interaction_id[0] + l->trans_rec_num[0] + l->queue_name[0] + l->media_type[0];
  return 0;
}

static int take_queue(void *payload, const wl_8x8_queue *q)
{
  size_t *n = payload;
  *n += q->queue_id[0] + q->name[0] + q->media_type[0];
  return 0;
}

static int take_agent(void *payload, const wl_8x8_agent *a)
{
  size_t *n = payload;
  *n += a->agent_id[0] + a->name[0] + a->group_id[0];
  return 0;
}

static int take_stat(void *payload, const wl_8x8_stat *s)
{
  size_t *n = payload;
  *n += s->queue_name[0] + (size_t)s->entered;
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  const char *buf = (const char *)data;
  size_t sum = 0, nrec = 0, nskip = 0;
  for (int f = WL_8X8_JSON; f <= WL_8X8_XML; f++) {
    enum wl_8x8_format fmt = (enum wl_8x8_format)f;
    wl_8x8_parse_interactions(buf, size, fmt, take_leg, &sum, &nrec, &nskip);
    wl_8x8_parse_queues(buf, size, fmt, take_queue, &sum);
    wl_8x8_parse_agents(buf, size, fmt, take_agent, &sum);
    wl_8x8_parse_statistics(buf, size, fmt, take_stat, &sum);
  }
  return 0;
}
