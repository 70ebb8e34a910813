/*
 * Parameters (text, numbers, NULL, bytes, arrays for unnest()) and reading
 * results.
 */
#include "store/pg/pg_int.h"

void pg_p_text(pg_params *p, const char *v)
{
  p->v[p->n++] = v ? v : "";
}

void pg_p_i64(pg_params *p, int64_t v)
{
  snprintf(p->num[p->n], sizeof(p->num[0]), "%lld", (long long)v);
  p->v[p->n] = p->num[p->n];
  p->n++;
}

void pg_p_null(pg_params *p)
{
  p->v[p->n++] = NULL;
}

void pg_p_end(pg_params *p, int64_t end)
{
  if (end == WL_OPEN_END)
    pg_p_null(p);
  else
    pg_p_i64(p, end);
}

void pg_p_bytes(pg_params *p, const unsigned char *b, size_t len)
{
  p->v[p->n] = (const char *)b;
  p->len[p->n] = (int)len;
  p->fmt[p->n] = 1; /* binary: embedded NULs survive */
  p->n++;
}

void pg_cmds_clear(pg_cmd *c, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    PQclear(c[i].res);
    c[i].res = NULL;
    for (int j = 0; j < PG_MAXP; j++) {
      free(c[i].p.owned[j]);
      c[i].p.owned[j] = NULL;
    }
  }
}

void pg_arrays_init(arrays *a, int n)
{
  a->n = n;
  for (int i = 0; i < n; i++)
    wl_buf_init(&a->col[i], ARRAY_MAX);
}

void pg_arrays_free(arrays *a)
{
  for (int i = 0; i < a->n; i++)
    wl_buf_free(&a->col[i]);
}

int pg_arr_i64(arrays *a, int c, int64_t v)
{
  wl_buf *b = &a->col[c];
  return wl_buf_printf(b, "%s%lld", b->len ? "," : "{", (long long)v);
}

/* Elements are quoted, with " and \ escaped, so any text survives. */
int pg_arr_text(arrays *a, int c, const char *v)
{
  wl_buf *b = &a->col[c];
  int rc = wl_buf_puts(b, b->len ? ",\"" : "{\"");
  for (const char *p = v ? v : ""; rc == 0 && *p; p++) {
    const char *run = p;
    while (*p && *p != '"' && *p != '\\')
      p++;
    rc = wl_buf_append(b, run, (size_t)(p - run));
    if (rc == 0 && *p)
      rc = wl_buf_printf(b, "\\%c", *p);
    if (!*p)
      break;
  }
  return rc == 0 ? wl_buf_puts(b, "\"") : rc;
}

/* Closes the literals and hands them to the command's parameters (from
 * position `first`, which must be the next one). */
int pg_arrays_bind(arrays *a, pg_params *p)
{
  for (int i = 0; i < a->n; i++) {
    int rc = wl_buf_puts(&a->col[i], a->col[i].len ? "}" : "{}");
    if (rc != 0)
      return rc;
  }
  for (int i = 0; i < a->n; i++) {
    p->owned[p->n] = wl_buf_detach(&a->col[i]);
    p->v[p->n] = p->owned[p->n];
    p->n++;
  }
  return 0;
}

/* ---- results --------------------------------------------------------- */

const char *pg_col_text(const PGresult *r, int row, int c)
{
  return PQgetisnull(r, row, c) ? "" : PQgetvalue(r, row, c);
}

int64_t pg_col_i64(const PGresult *r, int row, int c)
{
  return strtoll(PQgetvalue(r, row, c), NULL, 10);
}

int64_t pg_col_end(const PGresult *r, int row, int c)
{
  return PQgetisnull(r, row, c) ? WL_OPEN_END : pg_col_i64(r, row, c);
}

void pg_col_copy(char *dst, size_t n, const PGresult *r, int row, int c)
{
  snprintf(dst, n, "%s", pg_col_text(r, row, c));
}

/* Rows a write changed. */
long pg_changes(const PGresult *r)
{
  return strtol(PQcmdTuples((PGresult *)r), NULL, 10);
}

/* The SQLSTATE of the first command that failed, "" when none did. */
static const char *failed_state(const pg_cmd *c, size_t n)
{
  for (size_t i = 0; i < n; i++) {
    if (c[i].res && PQresultStatus(c[i].res) == PGRES_FATAL_ERROR) {
      const char *st = PQresultErrorField(c[i].res, PG_DIAG_SQLSTATE);
      return st ? st : "";
    }
  }
  return "";
}

int pg_is_state(const pg_cmd *c, size_t n, const char *state)
{
  return strcmp(failed_state(c, n), state) == 0;
}

int pg_each_row(const PGresult *r, emit_fn emit, void *ctx)
{
  for (int i = 0; i < PQntuples(r); i++) {
    int rc = emit(r, i, ctx);
    if (rc != 0)
      return rc;
  }
  return 0;
}
