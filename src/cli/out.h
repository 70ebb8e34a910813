#ifndef WL_CLI_OUT_H
#define WL_CLI_OUT_H
/*
 * Rows out as an aligned table, RFC 4180 CSV, or JSON. Column names may end
 * in ":n" for numbers (JSON numbers; empty values become null); the suffix
 * is not printed. KV and JSON_OBJECT take rows of (key, value).
 */
#include <stdio.h>

enum wl_out_format { WL_OUT_TABLE, WL_OUT_CSV, WL_OUT_JSON, WL_OUT_KV, WL_OUT_JSON_OBJECT };

typedef struct wl_out wl_out;

int wl_out_new(wl_out **out, FILE *f, enum wl_out_format fmt, const char *const *cols);
/* values has one entry per column; NULL means empty. */
int wl_out_row(wl_out *o, const char *const *values);
/* Writes what is buffered (tables, JSON closers) and frees. */
void wl_out_free(wl_out *o);
/* Writes s as a JSON string literal. */
void wl_json_str(FILE *f, const char *s);

#endif
