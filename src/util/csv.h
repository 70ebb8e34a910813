#ifndef WL_UTIL_CSV_H
#define WL_UTIL_CSV_H
/*
 * RFC 4180 CSV. The reader accepts \r\n or \n, a UTF-8 BOM, quoted fields
 * with doubled quotes and embedded line breaks; it reports the line number
 * (1-based, of the record's first line) of each record. The writer quotes
 * fields holding a comma, a quote or a line break and ends lines with \n.
 */
#include <stddef.h>
#include <stdio.h>

typedef struct wl_csv_reader wl_csv_reader;

/* Reads from a whole in-memory text (not copied; must outlive the reader). */
int wl_csv_reader_new(wl_csv_reader **out, const char *text, size_t len);
/* Next record: *fields and *nfields valid until the next call. Returns 1 when a
 * record was read, 0 at end, WL_EUSAGE on an unterminated quote or a record
 * that is not valid UTF-8 (message names the line). */
int wl_csv_next(wl_csv_reader *r, char ***fields, size_t *nfields, long *line);
void wl_csv_reader_free(wl_csv_reader *r);

/* Writes one field (quoted when needed) and the separator before it unless
 * first. */
void wl_csv_field(FILE *f, const char *s, int first);
/* Writes a whole record of n fields and the line end. */
void wl_csv_row(FILE *f, const char *const *fields, size_t n);

#endif
