/* The source drivers this binary knows (sources/driver.h): one line each. */
#include "sources/driver.h"
#include "util/err.h"

#include <string.h>

extern const wl_source_driver wl_8x8_driver;

static const wl_source_driver *const drivers[] = {&wl_8x8_driver, NULL};

const wl_source_driver *wl_source_driver_find(const char *vendor)
{
  for (size_t i = 0; drivers[i]; i++)
    if (vendor && strcmp(drivers[i]->vendor, vendor) == 0)
      return drivers[i];
  wl_err(WL_EUSAGE, "no source driver for vendor '%s'", vendor ? vendor : "");
  return NULL;
}

int wl_source_stream_host_check(char *out, size_t outlen, const char *value)
{
  int rc = wl_err(WL_EUSAGE, "no source driver has an event stream");
  for (size_t i = 0; drivers[i]; i++)
    if (drivers[i]->stream &&
        (rc = drivers[i]->stream->host_check(out, outlen, value)) == 0)
      return 0;
  return rc;
}
