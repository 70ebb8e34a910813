/*
 * JSON as 8x8's XML-to-JSON mapping produces it: the XML root is dropped and
 * the repeated element becomes a key. Quirks: one record as an object instead
 * of an array, an empty list as "", numbers as strings (emu_f_int).
 */
#include "emu/render.h"

#include <stdio.h>

int emu_json_escape(wl_buf *b, const char *s, size_t n)
{
  int rc = 0;
  size_t run = 0;
  for (size_t i = 0; i < n && rc == 0; i++) {
    unsigned char c = (unsigned char)s[i];
    const char *esc = NULL;
    char tmp[8];
    if (c == '"')
      esc = "\\\"";
    else if (c == '\\')
      esc = "\\\\";
    else if (c == '\n')
      esc = "\\n";
    else if (c == '\r')
      esc = "\\r";
    else if (c == '\t')
      esc = "\\t";
    else if (c < 0x20) {
      snprintf(tmp, sizeof(tmp), "\\u%04x", c);
      esc = tmp;
    }
    if (!esc)
      continue;
    rc = wl_buf_append(b, s + run, i - run);
    if (rc == 0)
      rc = wl_buf_puts(b, esc);
    run = i + 1;
  }
  if (rc == 0)
    rc = wl_buf_append(b, s + run, n - run);
  return rc;
}

static int empty_as_string(const emu_render *r)
{
  return r->count == 0 && (r->quirks & EMU_Q_EMPTY_STRING);
}

static int single_as_object(const emu_render *r)
{
  return r->count == 1 && (r->quirks & EMU_Q_SINGLE_OBJECT);
}

static void put_key(emu_render *r, const char *k)
{
  emu_put(r, "\"");
  emu_put(r, k);
  emu_put(r, "\":");
}

void emu_json_open(emu_render *r)
{
  emu_put(r, "{");
  if (r->outer) {
    put_key(r, r->outer);
    if (empty_as_string(r)) {
      emu_put(r, "\"\"");
      return;
    }
    emu_put(r, "{");
  }
  put_key(r, r->item);
  if (r->count == 0)
    emu_put(r, empty_as_string(r) ? "\"\"" : "[]");
  else if (!single_as_object(r))
    emu_put(r, "[");
}

void emu_json_record(emu_render *r, const int *order, int n)
{
  if (r->index > 0)
    emu_put(r, ",\n");
  emu_put(r, "{");
  for (int k = 0; k < n; k++) {
    int i = order[k];
    if (k > 0)
      emu_put(r, ",");
    put_key(r, r->f[i].name);
    if (r->f[i].kind == EMU_F_INT) {
      emu_put(r, emu_fval(r, i));
    } else {
      emu_put(r, "\"");
      emu_put_rc(r, emu_json_escape(r->out, emu_fval(r, i), r->f[i].len));
      emu_put(r, "\"");
    }
  }
  emu_put(r, "}");
}

void emu_json_close(emu_render *r)
{
  if (r->count > 0 && !single_as_object(r))
    emu_put(r, "]");
  if (r->outer && !empty_as_string(r))
    emu_put(r, "}");
  emu_put(r, "}\n");
}
