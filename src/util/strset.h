#ifndef WL_UTIL_STRSET_H
#define WL_UTIL_STRSET_H
/*
 * A string-keyed open-addressing index (linear probing, FNV-1a): maps a key
 * to the position of its first insertion, for lookups that must stay linear
 * in the number of keys (the real-time path: 100,000 agents per answer).
 * Keys are borrowed: they must outlive the table and not change.
 */
#include <stddef.h>

typedef struct wl_strset {
  const char **keys;   /* NULL: empty slot */
  size_t *vals;
  size_t cap;          /* a power of two, at least twice the keys */
} wl_strset;

/* Sizes the table for up to n keys. 0, or WL_ENOMEM. */
int wl_strset_init(wl_strset *s, size_t n);
void wl_strset_free(wl_strset *s);
/* Adds key -> val unless key is there. *found (may be NULL) tells which;
 * *val_out (may be NULL) receives the stored value either way. Never more
 * keys than wl_strset_init was given. */
void wl_strset_add(wl_strset *s, const char *key, size_t val, int *found, size_t *val_out);
/* 1 and *val when key is there, else 0. */
int wl_strset_get(const wl_strset *s, const char *key, size_t *val);

#endif
