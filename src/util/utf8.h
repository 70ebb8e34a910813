#ifndef WL_UTIL_UTF8_H
#define WL_UTIL_UTF8_H
#include <stddef.h>
/*
 * Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above
 * U+10FFFF, no truncated sequences. Returns the offset of the first byte of
 * the first invalid sequence, or n when s[0..n) is valid.
 */
size_t wl_utf8_invalid_at(const char *s, size_t n);
#endif
