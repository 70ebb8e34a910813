#include "cli/out.h"
#include "util/array.h"
#include "util/csv.h"
#include "util/err.h"

#include <stdlib.h>
#include <string.h>

struct wl_out {
  FILE *f;
  enum wl_out_format fmt;
  size_t ncols;
  char **names;
  int *numeric;
  char **cells;       /* table: buffered rows, ncols per row */
  size_t nrows, cap;
  int any;
};

static char *dup_name(const char *c, int *numeric)
{
  size_t n = strlen(c);
  *numeric = n > 2 && strcmp(c + n - 2, ":n") == 0;
  return strndup(c, *numeric ? n - 2 : n);
}

int wl_out_new(wl_out **out, FILE *f, enum wl_out_format fmt, const char *const *cols)
{
  wl_out *o = calloc(1, sizeof(*o));
  if (!o)
    return wl_err(WL_ENOMEM, "out of memory");
  while (cols[o->ncols])
    o->ncols++;
  o->names = calloc(o->ncols, sizeof(char *));
  o->numeric = calloc(o->ncols, sizeof(int));
  for (size_t i = 0; i < o->ncols; i++)
    o->names[i] = dup_name(cols[i], &o->numeric[i]);
  o->f = f;
  o->fmt = fmt;
  if (fmt == WL_OUT_CSV)
    wl_csv_row(f, (const char *const *)o->names, o->ncols);
  else if (fmt == WL_OUT_JSON)
    fputc('[', f);
  else if (fmt == WL_OUT_JSON_OBJECT)
    fputc('{', f);
  *out = o;
  return 0;
}

void wl_json_str(FILE *f, const char *s)
{
  fputc('"', f);
  for (; s && *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\')
      fprintf(f, "\\%c", c);
    else if (c == '\n')
      fputs("\\n", f);
    else if (c == '\r')
      fputs("\\r", f);
    else if (c == '\t')
      fputs("\\t", f);
    else if (c < 0x20)
      fprintf(f, "\\u%04x", c);
    else
      fputc(c, f);
  }
  fputc('"', f);
}

static void json_value(FILE *f, const char *v, int numeric)
{
  if (numeric)
    fputs(v && *v ? v : "null", f);
  else
    wl_json_str(f, v ? v : "");
}

static int buffer_row(wl_out *o, const char *const *values)
{
  /* one element is one row of ncols cells */
  if (wl_array_reserve(&o->cells, &o->cap, o->nrows, o->ncols * sizeof(char *), 64) != 0)
    return WL_ENOMEM;
  for (size_t i = 0; i < o->ncols; i++)
    o->cells[o->nrows * o->ncols + i] = strdup(values[i] ? values[i] : "");
  o->nrows++;
  return 0;
}

int wl_out_row(wl_out *o, const char *const *values)
{
  switch (o->fmt) {
  case WL_OUT_CSV: {
    for (size_t i = 0; i < o->ncols; i++)
      wl_csv_field(o->f, values[i] ? values[i] : "", i == 0);
    fputc('\n', o->f);
    return 0;
  }
  case WL_OUT_JSON:
    fputs(o->any ? ",\n {" : "\n {", o->f);
    for (size_t i = 0; i < o->ncols; i++) {
      if (i)
        fputs(", ", o->f);
      wl_json_str(o->f, o->names[i]);
      fputs(": ", o->f);
      json_value(o->f, values[i], o->numeric[i]);
    }
    fputc('}', o->f);
    o->any = 1;
    return 0;
  case WL_OUT_JSON_OBJECT:
    fputs(o->any ? ",\n " : "\n ", o->f);
    wl_json_str(o->f, values[0]);
    fputs(": ", o->f);
    wl_json_str(o->f, values[1]);
    o->any = 1;
    return 0;
  case WL_OUT_TABLE:
  case WL_OUT_KV:
    return buffer_row(o, values);
  }
  return 0;
}

/* Display width in code points (UTF-8 continuation bytes do not count). */
static size_t width(const char *s)
{
  size_t w = 0;
  for (; *s; s++)
    w += ((unsigned char)*s & 0xC0) != 0x80;
  return w;
}

static void pad(FILE *f, const char *s, size_t w)
{
  fputs(s, f);
  for (size_t n = width(s); n < w; n++)
    fputc(' ', f);
}

static void flush_table(wl_out *o)
{
  size_t *w = calloc(o->ncols, sizeof(size_t));
  if (!w)
    return;
  for (size_t c = 0; c < o->ncols; c++) {
    w[c] = width(o->names[c]);
    for (size_t r = 0; r < o->nrows; r++) {
      size_t x = width(o->cells[r * o->ncols + c]);
      w[c] = x > w[c] ? x : w[c];
    }
  }
  for (size_t c = 0; c < o->ncols; c++) {
    pad(o->f, o->names[c], c + 1 < o->ncols ? w[c] + 2 : 0);
  }
  fputc('\n', o->f);
  for (size_t r = 0; r < o->nrows; r++) {
    for (size_t c = 0; c < o->ncols; c++) {
      const char *v = o->cells[r * o->ncols + c];
      if (o->numeric[c] && c + 1 < o->ncols) { /* numbers right-aligned */
        for (size_t n = width(v); n < w[c]; n++)
          fputc(' ', o->f);
        fputs(v, o->f);
        fputs("  ", o->f);
      } else {
        pad(o->f, v, c + 1 < o->ncols ? w[c] + 2 : 0);
      }
    }
    fputc('\n', o->f);
  }
  free(w);
}

static void flush_kv(wl_out *o)
{
  size_t w = 0;
  for (size_t r = 0; r < o->nrows; r++) {
    size_t x = width(o->cells[r * o->ncols]);
    w = x > w ? x : w;
  }
  for (size_t r = 0; r < o->nrows; r++) {
    fputs(o->cells[r * o->ncols], o->f);
    fputc(':', o->f);
    for (size_t n = width(o->cells[r * o->ncols]); n < w + 1; n++)
      fputc(' ', o->f);
    fprintf(o->f, "%s\n", o->ncols > 1 ? o->cells[r * o->ncols + 1] : "");
  }
}

void wl_out_free(wl_out *o)
{
  if (!o)
    return;
  if (o->fmt == WL_OUT_TABLE)
    flush_table(o);
  else if (o->fmt == WL_OUT_KV)
    flush_kv(o);
  else if (o->fmt == WL_OUT_JSON)
    fputs(o->any ? "\n]\n" : "]\n", o->f);
  else if (o->fmt == WL_OUT_JSON_OBJECT)
    fputs(o->any ? "\n}\n" : "}\n", o->f);
  for (size_t i = 0; i < o->nrows * o->ncols; i++)
    free(o->cells[i]);
  free(o->cells);
  for (size_t i = 0; i < o->ncols; i++)
    free(o->names[i]);
  free(o->names);
  free(o->numeric);
  free(o);
}
