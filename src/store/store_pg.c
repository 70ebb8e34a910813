#include "store/store.h"
#include "util/err.h"

/* The PostgreSQL backend is a separate piece of work; until it lands, a
 * postgresql:// DSN fails with a plain explanation instead of a crash. */
int wl_store_pg_open(wl_store **out, const char *uri)
{
  (void)uri; /* may hold a password: never echo it */
  *out = NULL;
  return wl_err(WL_EFAIL, "this build has no PostgreSQL backend yet");
}
