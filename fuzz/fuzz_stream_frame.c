/*
 * libFuzzer target: Event Streaming frames through wl_8x8_stream_parse.
 * Properties: the result is 0 or WL_EFAIL; an AGENT event has a printable
 * agent id, a neutral state name, a vendor code and a start in 2000..2100;
 * every string is terminated within its field. A broken property aborts.
 *
 * tests/unit/test_fuzz_corpora.c includes this file (with WL_FUZZ_NO_MAIN)
 * and runs the same checks over fuzz/corpora/stream/. Build: fuzz/README.md.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sources/8x8/stream.h"
#include "util/err.h"
#include "wfm/records.h"

static int terminated(const char *s, size_t cap)
{
  return memchr(s, '\0', cap) != NULL;
}

/* 0 when the properties hold; otherwise why says which one broke. */
static int wl_fuzz_stream_check(char *why, size_t cap, const uint8_t *data, size_t size)
{
  wl_8x8_stream_event ev;
  int kind = -1;
  int rc = wl_8x8_stream_parse(&ev, &kind, (const char *)data, size);
  if (rc != 0 && rc != WL_EFAIL)
    return snprintf(why, cap, "unexpected return %d", rc), -1;
  if (!terminated(ev.message_id, sizeof(ev.message_id)) ||
      !terminated(ev.agent_id, sizeof(ev.agent_id)) || !terminated(ev.state, sizeof(ev.state)) ||
      !terminated(ev.vendor_code, sizeof(ev.vendor_code)))
    return snprintf(why, cap, "unterminated field"), -1;
  if (rc != 0)
    return kind == 0 ? 0 : (snprintf(why, cap, "kind %d on failure", kind), -1);
  if (kind == WL_8X8_FRAME_OTHER)
    return 0;
  if (kind != WL_8X8_FRAME_AGENT)
    return snprintf(why, cap, "kind %d", kind), -1;
  if (!ev.agent_id[0] || !ev.vendor_code[0] || !ev.message_id[0] || !wl_state_valid(ev.state))
    return snprintf(why, cap, "incomplete event '%s' '%s' '%s'", ev.agent_id, ev.state,
                    ev.vendor_code), -1;
  if (ev.start < 946684800 || ev.start > 4102444800LL)
    return snprintf(why, cap, "start %lld out of range", (long long)ev.start), -1;
  return 0;
}

#ifndef WL_FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char why[512];
  if (wl_fuzz_stream_check(why, sizeof(why), data, size) != 0) {
    fprintf(stderr, "fuzz_stream_frame: %s\n", why);
    abort();
  }
  return 0;
}
#endif
