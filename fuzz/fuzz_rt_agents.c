/*
 * libFuzzer target: rtstats agent answers (JSON and XML) through
 * wl_8x8_parse_rt_agents. Any input must return (0 or an error), never
 * crash, leak or read past the buffer. Build: see fuzz/README.md.
 */
#include <stddef.h>
#include <stdint.h>

#include "sources/8x8/parse.h"

static int take(void *payload, const wl_rt_agent *a)
{
  size_t *n = payload;
  /* touch the strings so a missing terminator would be found */
  *n += a->agent_id[0] + a->name[0] + a->group_id[0] + a->state[0] + a->vendor_code[0];
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  size_t sum = 0, skipped = 0;
  wl_8x8_parse_rt_agents((const char *)data, size, WL_8X8_JSON, take, &sum, &skipped);
  wl_8x8_parse_rt_agents((const char *)data, size, WL_8X8_XML, take, &sum, &skipped);
  return 0;
}
