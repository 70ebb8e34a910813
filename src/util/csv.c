/*
 * RFC 4180 CSV over an in-memory text. Fields of the current record are
 * unescaped into one growing byte area (NUL after each) and handed out as
 * pointers into it, so a record costs no allocation once the area is big
 * enough. Deviations from the RFC, all lenient on input: \n and a lone \r
 * end lines like \r\n; a quote inside an unquoted field is kept as text;
 * blank lines are skipped (a record with one empty field is written "").
 */
#include "util/csv.h"
#include "util/array.h"

#include "util/err.h"
#include "util/utf8.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct wl_csv_reader {
  const char *text;
  size_t len, pos;
  long line;  /* line number at pos */
  int failed; /* an error is sticky: the rest of the text is unreliable */
  char *area; /* unescaped field bytes of the current record */
  size_t area_len, area_cap;
  size_t *starts; /* offset of each field in area */
  char **fields;
  size_t nfields, fields_cap;
};

int wl_csv_reader_new(wl_csv_reader **out, const char *text, size_t len)
{
  wl_csv_reader *r = calloc(1, sizeof(*r));
  *out = NULL;
  if (!r)
    return wl_err(WL_ENOMEM, "out of memory reading CSV");
  r->text = text ? text : "";
  r->len = text ? len : 0;
  r->line = 1;
  if (r->len >= 3 && memcmp(r->text, "\xEF\xBB\xBF", 3) == 0) /* UTF-8 BOM */
    r->pos = 3;
  *out = r;
  return 0;
}

void wl_csv_reader_free(wl_csv_reader *r)
{
  if (!r)
    return;
  free(r->area);
  free(r->starts);
  free(r->fields);
  free(r);
}

static int area_put(wl_csv_reader *r, char c)
{
  if (wl_array_reserve(&r->area, &r->area_cap, r->area_len, 1, 256) != 0)
    return wl_err(WL_ENOMEM, "out of memory reading CSV line %ld", r->line);
  r->area[r->area_len++] = c;
  return 0;
}

static int field_begin(wl_csv_reader *r)
{
  size_t cap = r->fields_cap; /* the two arrays grow together */
  if (wl_array_reserve(&r->starts, &cap, r->nfields, sizeof(*r->starts), 16) != 0 ||
      wl_array_reserve(&r->fields, &r->fields_cap, r->nfields, sizeof(*r->fields), 16) != 0)
    return wl_err(WL_ENOMEM, "out of memory reading CSV line %ld", r->line);
  r->starts[r->nfields++] = r->area_len;
  return 0;
}

/* Consumes a line end at pos (\r\n, \n or \r) if there is one. */
static int eat_eol(wl_csv_reader *r)
{
  if (r->pos >= r->len)
    return 0;
  if (r->text[r->pos] == '\r') {
    r->pos++;
    if (r->pos < r->len && r->text[r->pos] == '\n')
      r->pos++;
  } else if (r->text[r->pos] == '\n') {
    r->pos++;
  } else {
    return 0;
  }
  r->line++;
  return 1;
}

/* A quoted field; pos is just past the opening quote. */
static int read_quoted(wl_csv_reader *r)
{
  long open_line = r->line;
  int rc;
  for (;;) {
    if (r->pos >= r->len)
      return wl_err(WL_EUSAGE, "CSV line %ld: unterminated quoted field", open_line);
    char c = r->text[r->pos];
    if (c == '"') {
      if (r->pos + 1 < r->len && r->text[r->pos + 1] == '"') {
        r->pos += 2;
        if ((rc = area_put(r, '"')) < 0)
          return rc;
        continue;
      }
      r->pos++;
      break;
    }
    if (c == '\0')
      return wl_err(WL_EUSAGE, "CSV line %ld: NUL byte in field", r->line);
    /* Embedded line breaks are kept verbatim but still counted. */
    if (c == '\n' || (c == '\r' && !(r->pos + 1 < r->len && r->text[r->pos + 1] == '\n')))
      r->line++;
    r->pos++;
    if ((rc = area_put(r, c)) < 0)
      return rc;
  }
  if (r->pos < r->len && r->text[r->pos] != ',' && r->text[r->pos] != '\r' &&
      r->text[r->pos] != '\n')
    return wl_err(WL_EUSAGE, "CSV line %ld: unexpected text after a closing quote", r->line);
  return 0;
}

static int read_unquoted(wl_csv_reader *r)
{
  int rc;
  while (r->pos < r->len) {
    char c = r->text[r->pos];
    if (c == ',' || c == '\r' || c == '\n')
      break;
    if (c == '\0')
      return wl_err(WL_EUSAGE, "CSV line %ld: NUL byte in field", r->line);
    if ((rc = area_put(r, c)) < 0)
      return rc;
    r->pos++;
  }
  return 0;
}

static int read_record(wl_csv_reader *r)
{
  int rc;
  for (;;) {
    if ((rc = field_begin(r)) < 0)
      return rc;
    if (r->pos < r->len && r->text[r->pos] == '"') {
      r->pos++;
      rc = read_quoted(r);
    } else {
      rc = read_unquoted(r);
    }
    if (rc < 0 || (rc = area_put(r, '\0')) < 0)
      return rc;
    if (r->pos < r->len && r->text[r->pos] == ',') {
      r->pos++;
      continue;
    }
    eat_eol(r);
    return 0;
  }
}

/* Text that is not UTF-8 would reach the store and, later, JSON output as
 * raw bytes: the record is refused, naming the line of the bad byte. */
static int check_utf8(wl_csv_reader *r, size_t from, long first)
{
  size_t bad = wl_utf8_invalid_at(r->text + from, r->pos - from), col = 1;
  long line = first;
  if (bad == r->pos - from)
    return 0;
  for (size_t i = from; i < from + bad; i++, col++) {
    char c = r->text[i];
    if (c == '\n' || (c == '\r' && !(i + 1 < r->len && r->text[i + 1] == '\n'))) {
      line++;
      col = 0;
    }
  }
  return wl_err(WL_EUSAGE, "CSV line %ld: invalid UTF-8 (byte 0x%02X at byte %zu of the line); "
                "save the file as UTF-8", line, (unsigned char)r->text[from + bad], col);
}

int wl_csv_next(wl_csv_reader *r, char ***fields, size_t *nfields, long *line)
{
  int rc;
  size_t from;
  if (r->failed)
    return r->failed;
  while (eat_eol(r)) /* blank lines carry no record */
    ;
  if (r->pos >= r->len)
    return 0;
  r->area_len = 0;
  r->nfields = 0;
  long first = r->line;
  from = r->pos;
  if ((rc = read_record(r)) < 0 || (rc = check_utf8(r, from, first)) < 0) {
    r->failed = rc;
    return rc;
  }
  /* Pointers only now: the area may have moved while growing. */
  for (size_t i = 0; i < r->nfields; i++)
    r->fields[i] = r->area + r->starts[i];
  *fields = r->fields;
  *nfields = r->nfields;
  if (line)
    *line = first;
  return 1;
}

static int needs_quotes(const char *s)
{
  /* a leading UTF-8 byte-order mark would be stripped by readers as a BOM */
  return strpbrk(s, ",\"\r\n") != NULL || strncmp(s, "\xEF\xBB\xBF", 3) == 0;
}

void wl_csv_field(FILE *f, const char *s, int first)
{
  if (!first)
    fputc(',', f);
  if (!s)
    return;
  if (!needs_quotes(s)) {
    fputs(s, f);
    return;
  }
  fputc('"', f);
  for (; *s; s++) {
    if (*s == '"')
      fputc('"', f);
    fputc(*s, f);
  }
  fputc('"', f);
}

void wl_csv_row(FILE *f, const char *const *fields, size_t n)
{
  /* A lone empty field would be a blank line, which readers skip. */
  if (n == 1 && (!fields[0] || !fields[0][0])) {
    fputs("\"\"\n", f);
    return;
  }
  for (size_t i = 0; i < n; i++)
    wl_csv_field(f, fields[i], i == 0);
  fputc('\n', f);
}
