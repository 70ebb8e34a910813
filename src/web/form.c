/* application/x-www-form-urlencoded bodies and query values. The body is
 * already capped by the server (web.h max_body); here the number of fields
 * is capped too, and malformed escapes refuse the whole form. */
#include "web/web_int.h"
#include "util/err.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

static int hexval(char c)
{
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

int wl_url_decode(char *s)
{
  char *w = s;
  for (const char *r = s; *r; r++) {
    if (*r == '+') {
      *w++ = ' ';
    } else if (*r == '%') {
      int hi = hexval(r[1]), lo = hi < 0 ? -1 : hexval(r[2]);
      if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
        return -1;
      *w++ = (char)(hi * 16 + lo);
      r += 2;
    } else {
      *w++ = *r;
    }
  }
  *w = '\0';
  return 0;
}

static char *dup_n(const char *s, size_t n)
{
  char *p = malloc(n + 1);
  if (p) {
    memcpy(p, s, n);
    p[n] = '\0';
  }
  return p;
}

static int add_pair(wl_form *f, const char *s, size_t n)
{
  const char *eq = memchr(s, '=', n);
  size_t kl = eq ? (size_t)(eq - s) : n;
  char *k, *v;
  if (f->n == WL_FORM_MAX_FIELDS)
    return wl_err(WL_EUSAGE, "the form has more than %d fields", WL_FORM_MAX_FIELDS);
  k = dup_n(s, kl);
  v = eq ? dup_n(eq + 1, n - kl - 1) : dup_n("", 0);
  if (!k || !v) {
    free(k);
    free(v);
    return wl_err(WL_ENOMEM, "out of memory");
  }
  if (wl_url_decode(k) || wl_url_decode(v)) {
    free(k);
    free(v);
    return wl_err(WL_EUSAGE, "the form holds a malformed %%-escape");
  }
  f->key[f->n] = k;
  f->val[f->n++] = v;
  return 0;
}

int wl_form_parse(wl_form *f, const char *body, size_t len)
{
  size_t i = 0;
  memset(f, 0, sizeof(*f));
  if (memchr(body, '\0', len))
    return wl_err(WL_EUSAGE, "the form holds a NUL byte");
  while (i < len) {
    const char *amp = memchr(body + i, '&', len - i);
    size_t n = amp ? (size_t)(amp - (body + i)) : len - i;
    int rc = n ? add_pair(f, body + i, n) : 0;
    if (rc) {
      wl_form_free(f);
      return rc;
    }
    i += n + 1;
  }
  return 0;
}

const char *wl_form_get(const wl_form *f, const char *key)
{
  for (size_t i = 0; i < f->n; i++)
    if (strcmp(f->key[i], key) == 0)
      return f->val[i];
  return NULL;
}

/* Values may be passwords or tokens: wiped before they are freed. */
void wl_form_free(wl_form *f)
{
  for (size_t i = 0; i < f->n; i++) {
    sodium_memzero(f->val[i], strlen(f->val[i]));
    free(f->key[i]);
    free(f->val[i]);
  }
  f->n = 0;
}
