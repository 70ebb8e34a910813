#ifndef WL_UTIL_ARRAY_H
#define WL_UTIL_ARRAY_H
#include <stddef.h>
/*
 * Growable arrays: makes room for element n (capacity doubles, starting at
 * `first`). arrp is the address of the array pointer (e.g. &rows).
 * Returns 0, or WL_ENOMEM with the array left as it was.
 */
int wl_array_reserve(void *arrp, size_t *cap, size_t n, size_t elem, size_t first);
#endif
