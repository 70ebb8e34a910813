#include "util/buf.h"
#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void wl_buf_init(wl_buf *b, size_t max)
{
  b->ptr = NULL;
  b->len = b->cap = 0;
  b->max = max;
  b->err = 0;
}

static int grow(wl_buf *b, size_t need)
{
  size_t ncap;
  char *p;
  if (b->err)
    return b->err;
  if (need > b->max)
    return b->err = wl_err(WL_EFAIL, "data exceeds the %zu-byte limit", b->max);
  if (need + 1 <= b->cap)
    return 0;
  ncap = b->cap ? b->cap : 256;
  while (ncap < need + 1)
    ncap *= 2;
  p = realloc(b->ptr, ncap);
  if (!p)
    return b->err = wl_err(WL_ENOMEM, "out of memory");
  b->ptr = p;
  b->cap = ncap;
  return 0;
}

int wl_buf_append(wl_buf *b, const void *data, size_t len)
{
  int rc = grow(b, b->len + len);
  if (rc)
    return rc;
  if (len)
    memcpy(b->ptr + b->len, data, len);
  b->len += len;
  b->ptr[b->len] = '\0';
  return 0;
}

int wl_buf_puts(wl_buf *b, const char *s)
{
  return wl_buf_append(b, s, strlen(s));
}

int wl_buf_printf(wl_buf *b, const char *fmt, ...)
{
  va_list ap;
  int n, rc;
  if (b->err)
    return b->err;
  va_start(ap, fmt);
  n = vsnprintf(NULL, 0, fmt, ap);
  va_end(ap);
  if (n < 0)
    return b->err = wl_err(WL_EFAIL, "format error");
  if ((rc = grow(b, b->len + (size_t)n)) != 0)
    return rc;
  va_start(ap, fmt);
  vsnprintf(b->ptr + b->len, (size_t)n + 1, fmt, ap);
  va_end(ap);
  b->len += (size_t)n;
  return 0;
}

int wl_buf_urlenc(wl_buf *b, const char *s)
{
  static const char hex[] = "0123456789ABCDEF";
  for (; s && *s; s++) {
    unsigned char c = (unsigned char)*s;
    char esc[3] = {'%', hex[c >> 4], hex[c & 15]};
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
        c == '_' || c == '.' || c == '~')
      wl_buf_append(b, s, 1);
    else
      wl_buf_append(b, esc, 3);
  }
  return b->err;
}

void wl_buf_reset(wl_buf *b)
{
  b->len = 0;
  b->err = 0;
  if (b->ptr)
    b->ptr[0] = '\0';
}

char *wl_buf_detach(wl_buf *b)
{
  char *p = b->ptr;
  if (!p)
    p = calloc(1, 1);
  b->ptr = NULL;
  b->len = b->cap = 0;
  b->err = 0;
  return p;
}

void wl_buf_free(wl_buf *b)
{
  free(b->ptr);
  b->ptr = NULL;
  b->len = b->cap = 0;
  b->err = 0;
}
