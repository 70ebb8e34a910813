/*
 * libFuzzer target: the CSV reader of src/util/csv.h over any bytes (the
 * text is not NUL-terminated, so reading past it is caught by ASan). Beyond
 * "no crash, no leak", what the reader accepts must hold up:
 *
 * - every record has at least one field, each a NUL-terminated string
 *   within the record, and line numbers start at 1 and never go down;
 * - every field handed out is valid UTF-8 (other bytes are an error);
 * - an error is final: the next call returns the same error;
 * - writing the records back with wl_csv_row and reading that text gives
 *   the same records (the writer's quoting matches the reader; a field
 *   starting with a UTF-8 byte order mark is quoted, since a reader skips
 *   a BOM at the start of a text — found by this target).
 *
 * A broken property aborts with a message, which libFuzzer reports as a
 * crash. tests/unit/test_fuzz_corpora.c includes this file (with
 * WL_FUZZ_NO_MAIN, which leaves out the entry point) and runs the same
 * checks over fuzz/corpora/csv/ on every test run. Build: fuzz/README.md.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/csv.h"
#include "util/utf8.h"

/* Inputs are cut here: the properties do not need more, and the round trip
 * keeps a copy of every field. */
#define WL_FUZZ_CSV_MAX 65536

typedef struct fuzz_csv_rec {
  char **fields;
  size_t n;
} fuzz_csv_rec;

typedef struct fuzz_csv_doc {
  fuzz_csv_rec *recs;
  size_t n, cap;
  int rc; /* last return of wl_csv_next: 0 at the end, or an error */
} fuzz_csv_doc;

static void fuzz_csv_doc_free(fuzz_csv_doc *d)
{
  for (size_t i = 0; i < d->n; i++) {
    for (size_t j = 0; j < d->recs[i].n; j++)
      free(d->recs[i].fields[j]);
    free(d->recs[i].fields);
  }
  free(d->recs);
  memset(d, 0, sizeof(*d));
}

/* Copies one record into d; -1 when out of memory. */
static int fuzz_csv_keep(fuzz_csv_doc *d, char **fields, size_t n)
{
  fuzz_csv_rec *r;
  if (d->n == d->cap) {
    size_t cap = d->cap ? d->cap * 2 : 16;
    fuzz_csv_rec *p = realloc(d->recs, cap * sizeof(*p));
    if (!p)
      return -1;
    d->recs = p;
    d->cap = cap;
  }
  r = &d->recs[d->n];
  r->n = 0;
  r->fields = calloc(n, sizeof(char *));
  if (!r->fields)
    return -1;
  d->n++;
  for (size_t j = 0; j < n; j++) {
    if (!(r->fields[j] = strdup(fields[j])))
      return -1;
    r->n++;
  }
  return 0;
}

/* Reads text into d, checking the per-record properties; 0 when they hold
 * (whether or not the text is valid CSV), else -1 with why. */
static int fuzz_csv_read(char *why, size_t wn, fuzz_csv_doc *d, const char *text, size_t len)
{
  wl_csv_reader *r = NULL;
  char **fields;
  size_t n;
  long line, last = 1;
  int rc;
  memset(d, 0, sizeof(*d));
  if (wl_csv_reader_new(&r, text, len) != 0) {
    snprintf(why, wn, "wl_csv_reader_new failed");
    return -1;
  }
  while ((rc = wl_csv_next(r, &fields, &n, &line)) == 1) {
    if (n == 0 || line < last) {
      snprintf(why, wn, "record %zu: %zu fields, line %ld after line %ld", d->n + 1, n, line,
               last);
      wl_csv_reader_free(r);
      return -1;
    }
    last = line;
    for (size_t j = 0; j < n; j++)
      if (wl_utf8_invalid_at(fields[j], strlen(fields[j])) != strlen(fields[j])) {
        snprintf(why, wn, "record %zu: field %zu is not UTF-8", d->n + 1, j + 1);
        wl_csv_reader_free(r);
        return -1;
      }
    if (fuzz_csv_keep(d, fields, n) != 0) {
      snprintf(why, wn, "out of memory");
      wl_csv_reader_free(r);
      return -1;
    }
  }
  d->rc = rc;
  if (rc != 0 && wl_csv_next(r, &fields, &n, &line) != rc) {
    snprintf(why, wn, "error %d is not final", rc);
    wl_csv_reader_free(r);
    return -1;
  }
  wl_csv_reader_free(r);
  return 0;
}

/* Writes d with wl_csv_row into a heap text. */
static char *fuzz_csv_write(size_t *len, const fuzz_csv_doc *d)
{
  char *text = NULL;
  FILE *f = open_memstream(&text, len);
  if (!f)
    return NULL;
  for (size_t i = 0; i < d->n; i++)
    wl_csv_row(f, (const char *const *)d->recs[i].fields, d->recs[i].n);
  if (fclose(f) != 0) {
    free(text);
    return NULL;
  }
  return text;
}

static int fuzz_csv_same(const fuzz_csv_doc *a, const fuzz_csv_doc *b, size_t *at)
{
  for (*at = 0; *at < a->n && *at < b->n; (*at)++) {
    if (a->recs[*at].n != b->recs[*at].n)
      return 0;
    for (size_t j = 0; j < a->recs[*at].n; j++)
      if (strcmp(a->recs[*at].fields[j], b->recs[*at].fields[j]) != 0)
        return 0;
  }
  return a->n == b->n;
}

/* 0 when every property holds, else -1 with a description in why. */
static int wl_fuzz_csv_check(char *why, size_t wn, const uint8_t *data, size_t size)
{
  fuzz_csv_doc in, out;
  char *text;
  size_t len, at;
  int ret = -1;
  why[0] = '\0';
  if (size > WL_FUZZ_CSV_MAX)
    size = WL_FUZZ_CSV_MAX;
  if (fuzz_csv_read(why, wn, &in, (const char *)data, size) != 0) {
    fuzz_csv_doc_free(&in);
    return -1;
  }
  if (in.rc != 0) { /* not CSV: nothing to write back */
    fuzz_csv_doc_free(&in);
    return 0;
  }
  if (!(text = fuzz_csv_write(&len, &in))) {
    snprintf(why, wn, "cannot write the records back");
    fuzz_csv_doc_free(&in);
    return -1;
  }
  if (fuzz_csv_read(why, wn, &out, text, len) == 0) {
    if (out.rc != 0)
      snprintf(why, wn, "the written text does not read back (error %d)", out.rc);
    else if (!fuzz_csv_same(&in, &out, &at))
      snprintf(why, wn, "record %zu differs after writing and reading back", at + 1);
    else
      ret = 0;
  }
  free(text);
  fuzz_csv_doc_free(&in);
  fuzz_csv_doc_free(&out);
  return ret;
}

#ifndef WL_FUZZ_NO_MAIN
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  char why[512];
  if (wl_fuzz_csv_check(why, sizeof(why), data, size) != 0) {
    fprintf(stderr, "fuzz_csv: %s\n", why);
    abort();
  }
  return 0;
}
#endif
