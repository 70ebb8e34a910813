#include "util/utf8.h"

/* Length of the valid sequence at p (at most n bytes), 0 when invalid. */
static size_t seq_len(const unsigned char *p, size_t n)
{
  unsigned char c = p[0], lo = 0x80, hi = 0xBF;
  size_t len;
  if (c < 0x80)
    return 1;
  if (c >= 0xC2 && c <= 0xDF)
    len = 2;
  else if (c >= 0xE0 && c <= 0xEF)
    len = 3;
  else if (c >= 0xF0 && c <= 0xF4)
    len = 4;
  else
    return 0; /* continuation byte, overlong lead C0/C1, or F5..FF */
  /* the second byte's range excludes overlongs, surrogates and > U+10FFFF */
  if (c == 0xE0)
    lo = 0xA0;
  else if (c == 0xED)
    hi = 0x9F;
  else if (c == 0xF0)
    lo = 0x90;
  else if (c == 0xF4)
    hi = 0x8F;
  if (n < len || p[1] < lo || p[1] > hi)
    return 0;
  for (size_t i = 2; i < len; i++)
    if (p[i] < 0x80 || p[i] > 0xBF)
      return 0;
  return len;
}

size_t wl_utf8_invalid_at(const char *s, size_t n)
{
  const unsigned char *p = (const unsigned char *)s;
  size_t i = 0;
  while (i < n) {
    size_t len = seq_len(p + i, n - i);
    if (!len)
      return i;
    i += len;
  }
  return n;
}
