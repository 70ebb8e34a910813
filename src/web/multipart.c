/* multipart/form-data (RFC 7578) over a body already held in memory. Only
 * what browsers send is needed: a boundary parameter, parts with a
 * Content-Disposition: form-data; name="..."[; filename="..."] header. */
#include "web/multipart.h"
#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_FIELD 4096

/* memmem without relying on _GNU_SOURCE. */
static const char *find(const char *hay, size_t n, const char *needle, size_t m)
{
  if (m == 0 || n < m)
    return NULL;
  for (const char *p = hay, *end = hay + (n - m); p <= end; p++) {
    p = memchr(p, needle[0], (size_t)(end - p) + 1);
    if (!p)
      return NULL;
    if (memcmp(p, needle, m) == 0)
      return p;
  }
  return NULL;
}

int wl_multipart_is(const char *ctype)
{
  return ctype && strncasecmp(ctype, "multipart/form-data", 19) == 0;
}

static const char *find_ci(const char *s, const char *key)
{
  size_t kl = strlen(key);
  for (; s && *s; s++)
    if (strncasecmp(s, key, kl) == 0)
      return s;
  return NULL;
}

/* The boundary= parameter (quoted or not) of the Content-Type. */
static int boundary_of(char *out, size_t n, const char *ctype)
{
  const char *p = find_ci(ctype, "boundary=");
  size_t len;
  if (!wl_multipart_is(ctype) || !p)
    return wl_err(WL_EUSAGE, "the upload is not multipart/form-data with a boundary");
  p += 9;
  if (*p == '"') {
    const char *q = strchr(++p, '"');
    len = q ? (size_t)(q - p) : 0;
  } else {
    len = strcspn(p, "; \t");
  }
  if (len == 0 || len > 70 || len + 3 > n)
    return wl_err(WL_EUSAGE, "the multipart boundary is missing or longer than 70 characters");
  snprintf(out, n, "--%.*s", (int)len, p);
  return 0;
}

/* A parameter (name="x") of a Content-Disposition value of length n. */
static int disp_param(char *out, size_t outn, const char *v, size_t n, const char *key)
{
  size_t kl = strlen(key);
  for (size_t i = 0; i + kl + 2 <= n; i++) {
    const char *q;
    if ((i > 0 && v[i - 1] != ' ' && v[i - 1] != ';') || strncasecmp(v + i, key, kl) != 0 ||
        v[i + kl] != '=' || v[i + kl + 1] != '"')
      continue;
    q = memchr(v + i + kl + 2, '"', n - (i + kl + 2));
    if (!q)
      return -1;
    snprintf(out, outn, "%.*s", (int)(q - (v + i + kl + 2)), v + i + kl + 2);
    return 1;
  }
  return 0;
}

/* Reads the headers of one part ([h, h + n)); sets name / filename. */
static int part_headers(wl_mp_part *p, const char *h, size_t n)
{
  int got_name = 0;
  while (n > 0) {
    const char *eol = find(h, n, "\r\n", 2);
    size_t ln = eol ? (size_t)(eol - h) : n;
    if (ln > 20 && strncasecmp(h, "Content-Disposition:", 20) == 0) {
      if ((got_name = disp_param(p->name, sizeof(p->name), h + 20, ln - 20, "name")) < 0)
        return wl_err(WL_EUSAGE, "a multipart part has a malformed name");
      p->is_file = disp_param(p->filename, sizeof(p->filename), h + 20, ln - 20, "filename") > 0;
    }
    h += ln + (eol ? 2 : 0);
    n -= ln + (eol ? 2 : 0);
  }
  return got_name > 0 ? 0 : wl_err(WL_EUSAGE, "a multipart part has no field name");
}

int wl_multipart_parse(wl_multipart *mp, const char *ctype, const char *body, size_t len)
{
  char b[80];
  size_t bl;
  const char *p, *end = body + len;
  int rc;
  memset(mp, 0, sizeof(*mp));
  if ((rc = boundary_of(b, sizeof(b), ctype)) != 0)
    return rc;
  bl = strlen(b);
  /* the first boundary may be preceded by a preamble */
  if (!(p = find(body, len, b, bl)))
    return wl_err(WL_EUSAGE, "the upload holds no multipart boundary");
  for (;;) {
    const char *hdr_end, *next;
    wl_mp_part *part;
    p += bl;
    if (end - p >= 2 && p[0] == '-' && p[1] == '-')
      return 0; /* the closing boundary */
    if (end - p < 2 || p[0] != '\r' || p[1] != '\n')
      return wl_err(WL_EUSAGE, "the upload ends inside a multipart part");
    p += 2;
    if (!(hdr_end = find(p, (size_t)(end - p), "\r\n\r\n", 4)))
      return wl_err(WL_EUSAGE, "a multipart part has no end of headers");
    if (mp->n == WL_MP_MAX_PARTS)
      return wl_err(WL_EUSAGE, "the upload has more than %d parts", WL_MP_MAX_PARTS);
    part = &mp->part[mp->n];
    if ((rc = part_headers(part, p, (size_t)(hdr_end - p))) != 0)
      return rc;
    p = hdr_end + 4;
    /* the part ends at CRLF + boundary */
    for (next = p;; next++) {
      next = find(next, (size_t)(end - next), b, bl);
      if (!next)
        return wl_err(WL_EUSAGE, "the upload ends inside a multipart part");
      if (next - p >= 2 && next[-2] == '\r' && next[-1] == '\n')
        break;
    }
    part->data = p;
    part->len = (size_t)(next - 2 - p);
    mp->n++;
    p = next;
  }
}

const wl_mp_part *wl_multipart_get(const wl_multipart *mp, const char *name)
{
  for (size_t i = 0; i < mp->n; i++)
    if (strcmp(mp->part[i].name, name) == 0)
      return &mp->part[i];
  return NULL;
}

int wl_multipart_to_form(wl_form *f, const wl_multipart *mp)
{
  memset(f, 0, sizeof(*f));
  for (size_t i = 0; i < mp->n; i++) {
    const wl_mp_part *p = &mp->part[i];
    char *k, *v;
    if (p->is_file)
      continue;
    if (p->len > MAX_FIELD || memchr(p->data, '\0', p->len)) {
      wl_form_free(f);
      return wl_err(WL_EUSAGE, "the form field '%s' is too long or holds a NUL byte", p->name);
    }
    k = strdup(p->name);
    v = malloc(p->len + 1);
    if (!k || !v) {
      free(k);
      free(v);
      wl_form_free(f);
      return wl_err(WL_ENOMEM, "out of memory");
    }
    memcpy(v, p->data, p->len);
    v[p->len] = '\0';
    f->key[f->n] = k;
    f->val[f->n++] = v;
  }
  return 0;
}
