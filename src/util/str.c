#include "util/str.h"

#include <string.h>

int wl_strlcpy(char *dst, size_t n, const char *src)
{
  size_t len = strlen(src);
  if (n == 0)
    return -1;
  if (len >= n) {
    memcpy(dst, src, n - 1);
    dst[n - 1] = '\0';
    return -1;
  }
  memcpy(dst, src, len + 1);
  return 0;
}
