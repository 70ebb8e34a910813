/*
 * rtstats agent-status codes -> neutral states (8x8-api.md, "agent-status
 * codes (rtstats)"). Not the Agent Status API's table, which reuses 0-11
 * with other meanings. Kept in one place so a tenant that disagrees can be
 * fixed here.
 */
#include "sources/8x8/parse.h"

const char *wl_8x8_state_for_status(long code)
{
  switch (code) {
  case 0:
    return WL_STATE_AVAILABLE;
  case 1:
    return WL_STATE_OFFERED;
  case 2:
    return WL_STATE_BUSY;
  case 3:
    return WL_STATE_WRAP;
  case 4:
    return WL_STATE_BREAK;
  case 5:
    return WL_STATE_OFFLINE;
  case 9:
    return WL_STATE_LOGGED_OUT;
  default:
    return WL_STATE_UNKNOWN;
  }
}
