#ifndef WL_WEB_MULTIPART_H
#define WL_WEB_MULTIPART_H
/*
 * multipart/form-data bodies (RFC 7578), as a browser sends a form with a
 * file field. The body is already in memory and capped by the server (the
 * route's WL_R_UPLOAD cap); parts point into it, nothing is copied.
 */
#include <stddef.h>

#include "web/web_int.h"

#define WL_MP_MAX_PARTS 16

typedef struct wl_mp_part {
  char name[64];            /* the field name */
  char filename[256];       /* "" for a plain field */
  int is_file;              /* a filename="" parameter was present */
  const char *data;         /* into the body; not NUL-terminated */
  size_t len;
} wl_mp_part;

typedef struct wl_multipart {
  size_t n;
  wl_mp_part part[WL_MP_MAX_PARTS];
} wl_multipart;

/* Whether a Content-Type header names multipart/form-data. */
int wl_multipart_is(const char *ctype);
/* Splits body by the boundary of ctype. WL_EUSAGE (with a message) for a
 * missing or bad boundary, a malformed part, or more than WL_MP_MAX_PARTS
 * parts. */
int wl_multipart_parse(wl_multipart *mp, const char *ctype, const char *body, size_t len);
/* The first part named name, or NULL. */
const wl_mp_part *wl_multipart_get(const wl_multipart *mp, const char *name);
/* Copies the plain (non-file) fields into f, as if the form had been sent
 * urlencoded, so the CSRF check and wl_form_get work the same. Values over
 * 4 KiB or holding NUL bytes refuse the form (WL_EUSAGE). */
int wl_multipart_to_form(wl_form *f, const wl_multipart *mp);

#endif
