/* Helpers shared by the adherence pages of one source (adh_web.h). */
#include "web/adh_web.h"
#include "core/sources.h"
#include "util/array.h"
#include "util/err.h"

#include <microhttpd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int wl_aw_source(wl_req *rq, wl_source *src, wl_tz **tz)
{
  int rc = wl_source_get(rq->app->st, src, rq->arg);
  *tz = NULL;
  if (rc == WL_ENOTFOUND) {
    wl_error_page(rq, MHD_HTTP_NOT_FOUND, "No such source",
                  "There is no source with this name; it may have been removed.");
    return rc;
  }
  if (rc == 0 && (rc = wl_tz_load(tz, src->timezone)) != 0)
    *tz = NULL;
  return rc;
}

void wl_aw_tabs(wl_req *rq, const wl_source *src, const char *active)
{
  static const char *const key[] = {"adapter", "rta", "adherence", "schedule", "rules",
                                    "volume", "forecast", "staffing"};
  static const char *const label[] = {"Adapter", "Real-time board", "Adherence", "Schedule",
                                      "Rules", "Volume", "Forecast", "Staffing"};
  static const char *const suffix[] = {"", "/rta", "/adherence", "/schedule", "/rules",
                                       "/volume", "/forecast", "/staffing"};
  wl_buf *b = &rq->out;
  wl_html(b, "<nav class=\"tabs\" aria-label=\"Pages of source %s\">", src->name);
  for (size_t i = 0; i < sizeof(key) / sizeof(key[0]); i++) {
    wl_html(b, "<a href=\"/source/%s%s\"", src->name, suffix[i]);
    if (strcmp(key[i], active) == 0)
      wl_buf_puts(b, " class=\"active\" aria-current=\"page\"");
    wl_html(b, ">%s</a>", label[i]);
  }
  wl_buf_puts(b, "</nav>\n");
}

/* ---- rows ---- */

void wl_aw_rows_init(wl_aw_rows *r, const char *const *cols)
{
  memset(r, 0, sizeof(*r));
  while (cols[r->ncols])
    r->ncols++;
}

int wl_aw_rows_add(void *payload, const char *const *values)
{
  wl_aw_rows *r = payload;
  size_t base = r->n * r->ncols;
  if (wl_array_reserve(&r->cell, &r->cap, base + r->ncols, sizeof(*r->cell), 256 * r->ncols))
    return wl_err(WL_ENOMEM, "out of memory");
  for (size_t i = 0; i < r->ncols; i++) {
    r->cell[base + i] = strdup(values[i] ? values[i] : "");
    if (!r->cell[base + i]) {
      for (size_t j = 0; j < i; j++)
        free(r->cell[base + j]);
      return wl_err(WL_ENOMEM, "out of memory");
    }
  }
  r->n++;
  return 0;
}

const char *wl_aw_cell(const wl_aw_rows *r, size_t row, size_t col)
{
  return row < r->n && col < r->ncols ? r->cell[row * r->ncols + col] : "";
}

void wl_aw_rows_free(wl_aw_rows *r)
{
  for (size_t i = 0; i < r->n * r->ncols; i++)
    free(r->cell[i]);
  free(r->cell);
  memset(r, 0, sizeof(*r));
}

int wl_aw_col(const char *const *cols, const char *name)
{
  size_t n = strlen(name);
  for (int i = 0; cols[i]; i++)
    if (strncmp(cols[i], name, n) == 0 && (cols[i][n] == '\0' || cols[i][n] == ':'))
      return i;
  return -1;
}

/* ---- JSON ---- */

static json_t *j_number(const char *v)
{
  char *end;
  long long i;
  double d;
  if (!*v)
    return json_null();
  i = strtoll(v, &end, 10);
  if (*end == '\0')
    return json_integer((json_int_t)i);
  d = strtod(v, &end);
  return *end == '\0' ? json_real(d) : json_string(v);
}

json_t *wl_aw_rows_json(const wl_aw_rows *r, const char *const *cols)
{
  json_t *arr = json_array();
  for (size_t i = 0; arr && i < r->n; i++) {
    json_t *o = json_object();
    for (size_t c = 0; o && c < r->ncols; c++) {
      char name[64];
      size_t n = strlen(cols[c]);
      int numeric = n > 2 && strcmp(cols[c] + n - 2, ":n") == 0;
      snprintf(name, sizeof(name), "%.*s", (int)(numeric ? n - 2 : n), cols[c]);
      json_object_set_new(o, name, numeric ? j_number(wl_aw_cell(r, i, c))
                                           : json_string(wl_aw_cell(r, i, c)));
    }
    if (!o || json_array_append_new(arr, o) != 0) {
      json_decref(arr);
      return NULL;
    }
  }
  return arr;
}

int wl_aw_send_json(wl_req *rq, int status, json_t *j)
{
  /* 15 significant digits: "93.8" stays 93.8, as the command line prints it */
  char *txt = j ? json_dumps(j, JSON_INDENT(2) | JSON_REAL_PRECISION(15)) : NULL;
  json_decref(j);
  if (!txt)
    return wl_err(WL_ENOMEM, "out of memory");
  wl_buf_reset(&rq->out);
  rq->ctype = "application/json";
  if (status)
    rq->status = status;
  wl_buf_puts(&rq->out, txt);
  wl_buf_puts(&rq->out, "\n");
  free(txt);
  return 0;
}

void wl_aw_fmt_hms(char *out, size_t n, long long s)
{
  if (s < 0)
    s = 0;
  if (s >= 3600)
    snprintf(out, n, "%lld:%02lld:%02lld", s / 3600, s / 60 % 60, s % 60);
  else
    snprintf(out, n, "%lld:%02lld", s / 60, s % 60);
}

