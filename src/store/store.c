#include "store/store.h"
#include "store/migrations.h"
#include "util/err.h"

#include <string.h>

static int has_prefix(const char *s, const char *prefix)
{
  return strncmp(s, prefix, strlen(prefix)) == 0;
}

int wl_store_open(wl_store **out, const char *dsn)
{
  *out = NULL;
  if (!dsn || !*dsn)
    return wl_err(WL_EUSAGE, "--db: no DSN given (use sqlite:PATH or postgresql://...)");
  if (has_prefix(dsn, "sqlite:")) {
    if (!dsn[7])
      return wl_err(WL_EUSAGE, "--db: 'sqlite:' names no file (use sqlite:PATH)");
    return wl_store_sqlite_open(out, dsn + 7);
  }
  if (has_prefix(dsn, "postgresql://") || has_prefix(dsn, "postgres://"))
    return wl_store_pg_open(out, dsn);
  return wl_err(WL_EUSAGE, "--db: '%s' is not a DSN (use sqlite:PATH or postgresql://...)", dsn);
}

void wl_store_close(wl_store *st)
{
  if (st)
    st->close(st);
}

/* Schema versions mean the same tables on every backend (migrations.h). */
int wl_store_latest_version(void)
{
  return wl_migrations_sqlite_count();
}
