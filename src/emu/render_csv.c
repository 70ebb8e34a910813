/*
 * CSV (RFC 4180): a header of the declared columns, one line per record;
 * a field a record lacks is empty. Extra-field quirk columns come last.
 */
#include "emu/render.h"

#include <string.h>

static const char *const extra_cols[] = {"x-emu-extra", "custom-field-count"};

int emu_csv_field(wl_buf *b, const char *s, int first)
{
  int rc = first ? 0 : wl_buf_puts(b, ",");
  if (rc == 0 && strpbrk(s, ",\"\r\n") == NULL)
    return wl_buf_puts(b, s);
  if (rc == 0)
    rc = wl_buf_puts(b, "\"");
  for (const char *p = s; *p && rc == 0; p++)
    rc = *p == '"' ? wl_buf_puts(b, "\"\"") : wl_buf_append(b, p, 1);
  if (rc == 0)
    rc = wl_buf_puts(b, "\"");
  return rc;
}

static size_t ncols_all(const emu_render *r, const char **name, size_t i)
{
  size_t extra = (r->quirks & EMU_Q_EXTRA_FIELDS) ? 2 : 0;
  if (name)
    *name = i < r->ncols ? r->cols[i] : extra_cols[i - r->ncols];
  return r->ncols + extra;
}

void emu_csv_open(emu_render *r)
{
  size_t n = ncols_all(r, NULL, 0);
  for (size_t i = 0; i < n; i++) {
    const char *name;
    ncols_all(r, &name, i);
    emu_put_rc(r, emu_csv_field(r->out, name, i == 0));
  }
  emu_put(r, "\n");
}

void emu_csv_record(emu_render *r)
{
  size_t n = ncols_all(r, NULL, 0);
  for (size_t i = 0; i < n; i++) {
    const char *name, *v = "";
    ncols_all(r, &name, i);
    for (int k = 0; k < r->nf; k++)
      if (strcmp(r->f[k].name, name) == 0)
        v = emu_fval(r, k);
    emu_put_rc(r, emu_csv_field(r->out, v, i == 0));
  }
  emu_put(r, "\n");
}
