#include "util/strset.h"
#include "util/err.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static uint64_t hash(const char *k)
{
  uint64_t h = 1469598103934665603ull;
  for (const unsigned char *p = (const unsigned char *)k; *p; p++)
    h = (h ^ *p) * 1099511628211ull;
  return h;
}

int wl_strset_init(wl_strset *s, size_t n)
{
  size_t cap = 16;
  memset(s, 0, sizeof(*s));
  if (n > SIZE_MAX / 4 / sizeof(*s->vals))
    return wl_err(WL_ENOMEM, "out of memory");
  /* at most half full keeps probe runs short */
  while (cap < n * 2)
    cap *= 2;
  s->keys = calloc(cap, sizeof(*s->keys));
  s->vals = calloc(cap, sizeof(*s->vals));
  if (!s->keys || !s->vals) {
    wl_strset_free(s);
    return wl_err(WL_ENOMEM, "out of memory");
  }
  s->cap = cap;
  return 0;
}

void wl_strset_free(wl_strset *s)
{
  free(s->keys);
  free(s->vals);
  memset(s, 0, sizeof(*s));
}

/* The slot holding key, or the empty slot where it belongs. */
static size_t slot_of(const wl_strset *s, const char *key)
{
  size_t mask = s->cap - 1, i = (size_t)hash(key) & mask;
  while (s->keys[i] && strcmp(s->keys[i], key) != 0)
    i = (i + 1) & mask;
  return i;
}

void wl_strset_add(wl_strset *s, const char *key, size_t val, int *found, size_t *val_out)
{
  size_t i = slot_of(s, key);
  int there = s->keys[i] != NULL;
  if (!there) {
    s->keys[i] = key;
    s->vals[i] = val;
  }
  if (found)
    *found = there;
  if (val_out)
    *val_out = s->vals[i];
}

int wl_strset_get(const wl_strset *s, const char *key, size_t *val)
{
  size_t i;
  if (!s->cap)
    return 0;
  i = slot_of(s, key);
  if (!s->keys[i])
    return 0;
  *val = s->vals[i];
  return 1;
}
