/*
 * Format-independent part of the record writer: collects one record's
 * fields, applies the field-level quirks, hands the record to the format.
 */
#include "emu/render.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "util/err.h"

/* Output pages are bounded: the largest (1,000s of agents) stays far below. */
#define EMU_MAX_BODY (64u << 20)

void emu_put_rc(emu_render *r, int rc)
{
  if (rc && !r->rc)
    r->rc = rc;
}

void emu_put(emu_render *r, const char *s)
{
  emu_put_rc(r, wl_buf_puts(r->out, s));
}

const char *emu_fval(const emu_render *r, int i)
{
  return r->val.ptr ? r->val.ptr + r->f[i].off : "";
}

void emu_render_begin(emu_render *r, wl_buf *out, int fmt, unsigned quirks, const char *outer,
                      const char *root, const char *item, const char *const *cols, size_t ncols,
                      size_t count)
{
  memset(r, 0, sizeof(*r));
  r->out = out;
  r->fmt = fmt;
  r->quirks = quirks;
  r->outer = outer;
  r->root = root;
  r->item = item;
  r->cols = cols;
  r->ncols = ncols;
  r->count = count;
  wl_buf_init(&r->val, EMU_MAX_BODY);
  if (out->max == 0)
    out->max = EMU_MAX_BODY;
  if (fmt == EMU_FMT_JSON)
    emu_json_open(r);
  else if (fmt == EMU_FMT_XML)
    emu_xml_open(r);
  else
    emu_csv_open(r);
}

void emu_rec_begin(emu_render *r)
{
  r->nf = 0;
  wl_buf_reset(&r->val);
}

static void add(emu_render *r, const char *name, const char *v, int kind)
{
  if (r->nf >= EMU_MAX_FIELDS) {
    emu_put_rc(r, wl_err(WL_EFAIL, "too many fields in record"));
    return;
  }
  emu_field *f = &r->f[r->nf++];
  f->name = name;
  f->off = r->val.len;
  f->len = strlen(v);
  f->kind = kind;
  emu_put_rc(r, wl_buf_append(&r->val, v, f->len + 1)); /* keep the NUL */
}

void emu_f_str(emu_render *r, const char *name, const char *v)
{
  add(r, name, v, EMU_F_STR);
}

void emu_f_int(emu_render *r, const char *name, int64_t v)
{
  char tmp[32];
  snprintf(tmp, sizeof(tmp), "%" PRId64, v);
  add(r, name, tmp, (r->quirks & EMU_Q_NUMBERS_AS_STRINGS) ? EMU_F_STR : EMU_F_INT);
}

void emu_f_empty(emu_render *r, const char *name)
{
  add(r, name, "", EMU_F_EMPTY);
}

/* Fields a client must ignore, as 8x8 adds them over time. */
static void add_extras(emu_render *r)
{
  char tmp[32];
  snprintf(tmp, sizeof(tmp), "x%zu", r->index + 1);
  emu_f_str(r, "x-emu-extra", tmp);
  emu_f_int(r, "custom-field-count", (int64_t)(r->index % 3));
}

void emu_rec_end(emu_render *r)
{
  int order[EMU_MAX_FIELDS + 2];
  if (r->quirks & EMU_Q_EXTRA_FIELDS)
    add_extras(r);
  /* Field order is not fixed: with extra fields on, every other record
   * comes in reverse order. */
  int rev = (r->quirks & EMU_Q_EXTRA_FIELDS) && (r->index % 2 == 1);
  for (int i = 0; i < r->nf; i++)
    order[i] = rev ? r->nf - 1 - i : i;
  if (r->fmt == EMU_FMT_JSON)
    emu_json_record(r, order, r->nf);
  else if (r->fmt == EMU_FMT_XML)
    emu_xml_record(r, order, r->nf);
  else
    emu_csv_record(r);
  r->index++;
}

int emu_render_end(emu_render *r)
{
  if (r->fmt == EMU_FMT_JSON)
    emu_json_close(r);
  else if (r->fmt == EMU_FMT_XML)
    emu_xml_close(r);
  wl_buf_free(&r->val);
  return r->rc;
}
