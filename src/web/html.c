/*
 * HTML output: escaping, a printf that escapes every string argument, and
 * the page layout with its navigation bar (built from the route table, so a
 * new page appears there by its one line in routes.def).
 */
#include "web/web_int.h"
#include "util/timeutil.h"
#include "util/tz.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int wl_html_esc(wl_buf *b, const char *s)
{
  int rc = 0;
  const char *run = s;
  if (!s)
    return 0;
  for (; *s && rc == 0; s++) {
    const char *rep = NULL;
    switch (*s) {
    case '&': rep = "&amp;"; break;
    case '<': rep = "&lt;"; break;
    case '>': rep = "&gt;"; break;
    case '"': rep = "&quot;"; break;
    case '\'': rep = "&#39;"; break;
    default: continue;
    }
    rc = wl_buf_append(b, run, (size_t)(s - run));
    if (rc == 0)
      rc = wl_buf_puts(b, rep);
    run = s + 1;
  }
  return rc ? rc : wl_buf_append(b, run, strlen(run));
}

/* A conversion spec of wl_html(): flags, width, precision, length. */
typedef struct html_spec {
  int zero, width, prec; /* prec -1: none */
  char len[3];           /* "", "l", "ll", "z" */
} html_spec;

static const char *html_spec_parse(html_spec *sp, const char *f)
{
  size_t n = 0;
  memset(sp, 0, sizeof(*sp));
  sp->prec = -1;
  if (*f == '0')
    sp->zero = 1, f++;
  for (; *f >= '0' && *f <= '9'; f++)
    sp->width = sp->width * 10 + (*f - '0');
  if (*f == '.')
    for (sp->prec = 0, f++; *f >= '0' && *f <= '9'; f++)
      sp->prec = sp->prec * 10 + (*f - '0');
  while ((*f == 'l' || *f == 'z') && n < 2)
    sp->len[n++] = *f++;
  return f;
}

/* An integer conversion ('d' or 'u') with its length modifier. */
static void html_int(wl_buf *b, const html_spec *sp, char conv, va_list *ap)
{
  long long v;
  if (strcmp(sp->len, "z") == 0)
    v = (long long)va_arg(*ap, size_t);
  else if (strcmp(sp->len, "ll") == 0)
    v = conv == 'u' ? (long long)va_arg(*ap, unsigned long long) : va_arg(*ap, long long);
  else if (strcmp(sp->len, "l") == 0)
    v = conv == 'u' ? (long long)va_arg(*ap, unsigned long) : va_arg(*ap, long);
  else
    v = conv == 'u' ? (long long)va_arg(*ap, unsigned) : va_arg(*ap, int);
  if (sp->zero)
    wl_buf_printf(b, "%0*lld", sp->width, v);
  else
    wl_buf_printf(b, "%*lld", sp->width, v);
}

/* One conversion of wl_html(); returns the characters of fmt consumed. */
static size_t html_conv(wl_buf *b, const char *f, va_list *ap)
{
  html_spec sp;
  const char *end = html_spec_parse(&sp, f);
  switch (*end) {
  case 's':
    wl_html_esc(b, va_arg(*ap, const char *));
    break;
  case 'c': {
    char c[2] = {(char)va_arg(*ap, int), '\0'};
    wl_html_esc(b, c);
    break;
  }
  case 'd':
  case 'u':
    html_int(b, &sp, *end, ap);
    break;
  case 'f':
    wl_buf_printf(b, "%*.*f", sp.width, sp.prec, va_arg(*ap, double));
    break;
  case 'g':
    wl_buf_printf(b, "%*.*g", sp.width, sp.prec, va_arg(*ap, double));
    break;
  default:
    wl_buf_append(b, "%", 1); /* "%%" and anything unknown */
    return f[0] == '%' ? 1 : 0;
  }
  return (size_t)(end - f) + 1;
}

int wl_html(wl_buf *b, const char *fmt, ...)
{
  va_list ap;
  const char *run = fmt;
  va_start(ap, fmt);
  for (const char *p = fmt; *p; p++) {
    if (*p != '%')
      continue;
    wl_buf_append(b, run, (size_t)(p - run));
    p += html_conv(b, p + 1, &ap);
    run = p + 1;
  }
  va_end(ap);
  return wl_buf_append(b, run, strlen(run));
}

static int nav_active(const char *path, const char *pattern)
{
  size_t n = strlen(pattern);
  if (strncmp(path, pattern, n) == 0 && (path[n] == '\0' || path[n] == '/'))
    return 1;
  /* "/sources" also covers the pages of one source, "/source/NAME" */
  return n > 2 && pattern[n - 1] == 's' && strncmp(path, pattern, n - 1) == 0 &&
         path[n - 1] == '/';
}

static void nav_bar(wl_req *rq)
{
  wl_buf *b = &rq->out;
  wl_buf_puts(b, "<header class=\"bar\"><a class=\"brand\" href=\"/\">wfmlink</a>");
  if (rq->user_id) {
    wl_buf_puts(b, "<nav>");
    for (const wl_route *r = wl_routes; r->method; r++)
      if (r->nav && strcmp(r->method, "GET") == 0)
      {
        wl_html(b, "<a href=\"%s\"", r->pattern);
        if (nav_active(rq->path, r->pattern))
          wl_buf_puts(b, " class=\"active\" aria-current=\"page\"");
        wl_html(b, ">%s</a>", r->nav);
      }
    wl_buf_puts(b, "</nav>");
    wl_html(b, "<form class=\"logout\" method=\"post\" action=\"/logout\">"
               "<input type=\"hidden\" name=\"csrf\" value=\"%s\">"
               "<span class=\"who\">%s</span><button type=\"submit\">Log out</button></form>",
            rq->csrf, rq->user);
  }
  wl_buf_puts(b, "</header>\n");
}

void wl_page_begin(wl_req *rq, const char *title)
{
  wl_buf *b = &rq->out;
  rq->ctype = "text/html; charset=utf-8";
  wl_buf_puts(b, "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                 "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
  if (rq->refresh_s > 0)
    wl_html(b, "<meta http-equiv=\"refresh\" content=\"%d\">", rq->refresh_s);
  wl_html(b, "<title>%s · wfmlink</title>", title);
  /* an empty icon: no /favicon.ico request */
  wl_buf_puts(b, "<link rel=\"icon\" href=\"data:,\"><link rel=\"stylesheet\" href=\"/static/app.css\">"
                 "<script src=\"/static/app.js\" defer></script></head>\n<body>");
  nav_bar(rq);
  wl_buf_puts(b, "<main>\n");
}

void wl_page_end(wl_req *rq)
{
  wl_buf_puts(&rq->out, "</main>\n<footer>wfmlink 0.1.0 · <a href=\"/healthz\">health</a>"
                        "</footer>\n</body></html>\n");
}

void wl_html_csrf(wl_req *rq)
{
  wl_html(&rq->out, "<input type=\"hidden\" name=\"csrf\" value=\"%s\">", rq->csrf);
}

void wl_fmt_ago(char *out, size_t n, int64_t t, int64_t now)
{
  int64_t d = now - t;
  if (t == 0)
    snprintf(out, n, "never");
  else if (d < 0)
    snprintf(out, n, "just now");
  else if (d < 120)
    snprintf(out, n, "%lld s ago", (long long)d);
  else if (d < 7200)
    snprintf(out, n, "%lld min ago", (long long)(d / 60));
  else if (d < 2 * 86400)
    snprintf(out, n, "%lld h ago", (long long)(d / 3600));
  else
    snprintf(out, n, "%lld days ago", (long long)(d / 86400));
}

void wl_fmt_local(char *out, size_t n, int64_t t, const wl_tz *tz)
{
  wl_civil c;
  if (t == 0) {
    snprintf(out, n, "%s", "");
    return;
  }
  if (tz) {
    wl_tz_to_civil(&c, tz, t);
  } else {
    int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400, s = t - days * 86400;
    wl_civil_from_days(days, &c.year, &c.month, &c.day);
    c.hour = (int)(s / 3600);
    c.min = (int)(s / 60 % 60);
    c.sec = (int)(s % 60);
  }
  snprintf(out, n, "%04d-%02d-%02d %02d:%02d:%02d", c.year, c.month, c.day, c.hour, c.min, c.sec);
}
