#include "wfm/records.h"

#include <string.h>

int wl_state_valid(const char *s)
{
  static const char *all[] = {WL_STATE_AVAILABLE, WL_STATE_OFFERED, WL_STATE_BUSY,
                              WL_STATE_WRAP, WL_STATE_BREAK, WL_STATE_OFFLINE,
                              WL_STATE_LOGGED_OUT, WL_STATE_UNKNOWN};
  for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
    if (strcmp(s, all[i]) == 0)
      return 1;
  return 0;
}

int wl_state_working(const char *s)
{
  return strcmp(s, WL_STATE_AVAILABLE) == 0 || strcmp(s, WL_STATE_OFFERED) == 0 ||
         strcmp(s, WL_STATE_BUSY) == 0 || strcmp(s, WL_STATE_WRAP) == 0 ||
         strcmp(s, WL_STATE_OFFLINE) == 0;
}
