/*
 * The <option> list of IANA zones for the time-zone field's <datalist>:
 * read once at start from tzdata's zone1970.tab (the canonical zones), plus
 * UTC. Typing a zone not in the list is still fine: the page validates with
 * wl_check_timezone, like `source set`.
 */
#include "web/web_int.h"
#include "util/err.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ZONES 1024

static int cmp_str(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static size_t read_zones(char **names, size_t cap)
{
  FILE *f = fopen("/usr/share/zoneinfo/zone1970.tab", "r");
  char line[512];
  size_t n = 0;
  if (!f)
    return 0;
  while (n < cap && fgets(line, sizeof(line), f)) {
    char *save = NULL, *cc, *coord, *zone;
    if (line[0] == '#')
      continue;
    cc = strtok_r(line, "\t\n", &save);
    coord = cc ? strtok_r(NULL, "\t\n", &save) : NULL;
    zone = coord ? strtok_r(NULL, "\t\n", &save) : NULL;
    if (zone && (names[n] = strdup(zone)) != NULL)
      n++;
  }
  fclose(f);
  return n;
}

int wl_tz_options(char **out)
{
  static const char *const fallback[] = {"America/Chicago", "America/Denver",
                                         "America/Los_Angeles", "America/New_York",
                                         "Europe/London", NULL};
  char **names = calloc(MAX_ZONES, sizeof(char *));
  size_t n;
  wl_buf b;
  *out = NULL;
  if (!names)
    return wl_err(WL_ENOMEM, "out of memory");
  n = read_zones(names, MAX_ZONES);
  for (int i = 0; n == 0 && fallback[i]; i++)
    names[i] = strdup(fallback[i]), n += names[i] != NULL;
  qsort(names, n, sizeof(char *), cmp_str);
  wl_buf_init(&b, 1 << 20);
  wl_buf_puts(&b, "<option value=\"UTC\">");
  for (size_t i = 0; i < n; i++) {
    wl_html(&b, "<option value=\"%s\">", names[i]);
    free(names[i]);
  }
  free(names);
  *out = wl_buf_detach(&b);
  return *out ? 0 : wl_err(WL_ENOMEM, "out of memory");
}
