#ifndef WL_UTIL_STR_H
#define WL_UTIL_STR_H
#include <stddef.h>
/* Bounded copy that always terminates; returns 0, or -1 when src was cut. */
int wl_strlcpy(char *dst, size_t n, const char *src);
#endif
