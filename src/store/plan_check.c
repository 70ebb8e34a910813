#include "store/plan_check.h"
#include "util/err.h"

#include <stdlib.h>
#include <string.h>

int plan_check_import(const wl_vol_import_row *row)
{
  if (!row->queue_id || !*row->queue_id)
    return wl_err(WL_EUSAGE, "an imported range needs a queue id");
  if (row->from >= row->to)
    return wl_err(WL_EUSAGE, "empty imported range [%lld, %lld)", (long long)row->from,
                  (long long)row->to);
  return 0;
}

/* "YYYY-MM-DD" by shape only; the caller parsed it as a date already. */
static int date_shaped(const char *d)
{
  if (!d || strlen(d) != 10 || d[4] != '-' || d[7] != '-')
    return 0;
  for (int i = 0; i < 10; i++)
    if (i != 4 && i != 7 && (d[i] < '0' || d[i] > '9'))
      return 0;
  return 1;
}

int plan_check_special(const wl_special_day_row *row)
{
  if (!date_shaped(row->date))
    return wl_err(WL_EUSAGE, "special day '%s' is not a YYYY-MM-DD date",
                  row->date ? row->date : "");
  if (!row->exclude && (row->factor_milli < 0 || row->factor_milli > 100000))
    return wl_err(WL_EUSAGE, "special-day factor must be between 0 and 100");
  return 0;
}

int plan_check_saved(const wl_fc_saved_row *hdr, const wl_fc_value_row *rows, size_t n)
{
  if (!hdr->name || !*hdr->name)
    return wl_err(WL_EUSAGE, "a saved forecast needs a name");
  if (strlen(hdr->name) > 64)
    return wl_err(WL_EUSAGE, "forecast name '%.20s...' is longer than 64 bytes", hdr->name);
  for (size_t i = 0; i < n; i++)
    if (!rows[i].queue_id || !*rows[i].queue_id || !rows[i].method)
      return wl_err(WL_EUSAGE, "forecast value %zu has no queue id or method", i + 1);
  return 0;
}

static int cmp_row(const void *a, const void *b)
{
  const wl_interval_row *x = *(const wl_interval_row *const *)a;
  const wl_interval_row *y = *(const wl_interval_row *const *)b;
  if (x->start_utc != y->start_utc)
    return x->start_utc < y->start_utc ? -1 : 1;
  return strcmp(x->queue_id, y->queue_id);
}

/* Every row names a queue, and no (queue, start) comes twice: PostgreSQL
 * would fail the batch, SQLite would keep the last row silently. */
int plan_check_upsert(const wl_interval_row *rows, size_t n)
{
  const wl_interval_row **v;
  int rc = 0;
  for (size_t i = 0; i < n; i++)
    if (!rows[i].queue_id || !*rows[i].queue_id)
      return wl_err(WL_EUSAGE, "interval row %zu has no queue id", i + 1);
  if (n < 2)
    return 0;
  if (!(v = malloc(n * sizeof(*v))))
    return wl_err(WL_ENOMEM, "out of memory");
  for (size_t i = 0; i < n; i++)
    v[i] = &rows[i];
  qsort(v, n, sizeof(*v), cmp_row);
  for (size_t i = 1; rc == 0 && i < n; i++)
    if (cmp_row(&v[i - 1], &v[i]) == 0)
      rc = wl_err(WL_EUSAGE, "duplicate interval row for queue %s at %lld", v[i]->queue_id,
                  (long long)v[i]->start_utc);
  free(v);
  return rc;
}
