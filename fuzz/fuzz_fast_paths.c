/*
 * libFuzzer target: the one-pass reader (sources/8x8/parse_fast.c) against
 * the general jansson path, on real-time agents and interactions. The same
 * bytes behind a UTF-8 BOM go through the general path only; both must give
 * the same result code, counts and records, byte for byte. Build: see
 * fuzz/README.md.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sources/8x8/parse.h"

typedef struct sink {
  unsigned char *b;
  size_t n;
} sink;

static int keep(sink *s, const void *rec, size_t size)
{
  unsigned char *nb = realloc(s->b, s->n + size);
  if (!nb)
    abort();
  memcpy(nb + s->n, rec, size);
  s->b = nb;
  s->n += size;
  return 0;
}

static int keep_rt(void *p, const wl_rt_agent *a) { return keep(p, a, sizeof(*a)); }
static int keep_leg(void *p, const wl_leg *l) { return keep(p, l, sizeof(*l)); }

static void same(int rx, int ry, sink *x, sink *y, size_t cx, size_t cy, size_t dx, size_t dy)
{
  if (rx != ry || cx != cy || dx != dy || x->n != y->n || (x->n && memcmp(x->b, y->b, x->n) != 0))
    abort();
  free(x->b);
  free(y->b);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char *bom;
  sink x = {0}, y = {0};
  size_t cx = 0, cy = 0, dx = 0, dy = 0;
  int rx, ry;
  /* a BOM already there would make the other copy start with two */
  if (size >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0)
    return 0;
  if (!(bom = malloc(size + 3)))
    return 0;
  memcpy(bom, "\xEF\xBB\xBF", 3);
  memcpy(bom + 3, data, size);
  rx = wl_8x8_parse_rt_agents((const char *)data, size, WL_8X8_JSON, keep_rt, &x, &cx);
  ry = wl_8x8_parse_rt_agents(bom, size + 3, WL_8X8_JSON, keep_rt, &y, &cy);
  same(rx, ry, &x, &y, cx, cy, 0, 0);
  memset(&x, 0, sizeof(x));
  memset(&y, 0, sizeof(y));
  rx = wl_8x8_parse_interactions((const char *)data, size, WL_8X8_JSON, keep_leg, &x, &cx, &dx);
  ry = wl_8x8_parse_interactions(bom, size + 3, WL_8X8_JSON, keep_leg, &y, &cy, &dy);
  same(rx, ry, &x, &y, cx, cy, dx, dy);
  free(bom);
  return 0;
}
