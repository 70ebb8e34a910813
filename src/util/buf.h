#ifndef WL_UTIL_BUF_H
#define WL_UTIL_BUF_H
#include <stddef.h>
/*
 * A growable byte buffer with a hard maximum (curl's dynbuf idea): anything
 * read from the network goes through one, so a hostile or broken peer cannot
 * make us allocate without bound. The data is always NUL-terminated.
 */
typedef struct wl_buf {
  char *ptr;
  size_t len;
  size_t cap;
  size_t max; /* appends that would exceed it fail with WL_EFAIL */
  int err;    /* the first failure, sticky: later appends do nothing and return it,
                 so a page that hit the cap is never sent half-written */
} wl_buf;

void wl_buf_init(wl_buf *b, size_t max);
int wl_buf_append(wl_buf *b, const void *data, size_t len);
int wl_buf_puts(wl_buf *b, const char *s);
int wl_buf_printf(wl_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s percent-encoded for a URL query or path (RFC 3986: only
 * unreserved characters stay as they are). Not escaped for HTML. */
int wl_buf_urlenc(wl_buf *b, const char *s);
/* Empties the buffer and forgets a failure. */
void wl_buf_reset(wl_buf *b);
/* Hands the data to the caller (who frees it) and empties the buffer. */
char *wl_buf_detach(wl_buf *b);
void wl_buf_free(wl_buf *b);

#endif
