#include "util/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static _Thread_local char errbuf[1024];

int wl_err(int code, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(errbuf, sizeof(errbuf), fmt, ap);
  va_end(ap);
  return code;
}

int wl_err_wrap(int code, const char *fmt, ...)
{
  char prev[sizeof(errbuf)];
  char head[512];
  va_list ap;
  memcpy(prev, errbuf, sizeof(prev));
  va_start(ap, fmt);
  vsnprintf(head, sizeof(head), fmt, ap);
  va_end(ap);
  if (prev[0])
    snprintf(errbuf, sizeof(errbuf), "%.400s: %.600s", head, prev);
  else
    snprintf(errbuf, sizeof(errbuf), "%s", head);
  return code;
}

const char *wl_errmsg(void)
{
  return errbuf[0] ? errbuf : "unknown error";
}

void wl_err_clear(void)
{
  errbuf[0] = '\0';
}

int wl_exit_code(int code)
{
  if (code == WL_OK)
    return 0;
  return code == WL_EUSAGE ? 2 : 1;
}
