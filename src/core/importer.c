#include "core/importer.h"
#include "core/schedules.h"
#include "core/rowsets.h"
#include "util/buf.h"
#include "util/csv.h"
#include "util/array.h"
#include "util/err.h"
#include "util/timeutil.h"
#include "wfm/records.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILE (256u * 1024 * 1024)
#define MAX_LISTED_ERRORS 20

int wl_read_file(char **out, size_t *len, const char *path)
{
  FILE *f = fopen(path, "rb");
  wl_buf b;
  char chunk[65536];
  size_t n;
  int rc = 0;
  if (!f)
    return wl_err(WL_EUSAGE, "cannot read '%s'", path);
  wl_buf_init(&b, MAX_FILE);
  while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && rc == 0)
    rc = wl_buf_append(&b, chunk, n);
  if (rc == 0 && ferror(f))
    rc = wl_err(WL_EUSAGE, "error reading '%s'", path);
  fclose(f);
  if (rc) {
    wl_buf_free(&b);
    return rc == WL_EFAIL ? wl_err(WL_EUSAGE, "'%s' is larger than 256 MiB", path) : rc;
  }
  *len = b.len;
  *out = wl_buf_detach(&b);
  return 0;
}

typedef struct imp_row {
  char *agent, *value; /* value: activity or state */
  int64_t start, end;
  long line;
  unsigned char own_agent, own_value; /* else borrowed from an earlier row */
} imp_row;

#define RECENT_TEXTS 8

typedef struct importer {
  imp_row *rows;
  size_t n, cap;
  wl_buf errors;
  size_t nerrors;
  const wl_tz *tz;
  char *recent[RECENT_TEXTS]; /* texts rows own, newest last in a ring */
  size_t next_recent;
} importer;

static void complain(importer *im, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void complain(importer *im, long line, const char *fmt, ...)
{
  char msg[512];
  va_list ap;
  if (++im->nerrors > MAX_LISTED_ERRORS)
    return;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  if (line > 0)
    wl_buf_printf(&im->errors, "\n  line %ld: %s", line, msg);
  else
    wl_buf_printf(&im->errors, "\n  %s", msg);
}

static void importer_free(importer *im)
{
  for (size_t i = 0; i < im->n; i++) {
    if (im->rows[i].own_agent)
      free(im->rows[i].agent);
    if (im->rows[i].own_value)
      free(im->rows[i].value);
  }
  free(im->rows);
  wl_buf_free(&im->errors);
}

static int find_cols(int *idx, char **fields, size_t nf, const char *const *names,
                     const char *header, importer *im)
{
  for (int c = 0; names[c]; c++) {
    idx[c] = -1;
    for (size_t i = 0; i < nf; i++) {
      if (strcmp(fields[i], names[c]) != 0)
        continue;
      if (idx[c] >= 0)
        complain(im, 1, "the header has the column '%s' twice", names[c]);
      idx[c] = (int)i;
    }
    if (idx[c] < 0)
      complain(im, 1, "the header has no '%s' column (expected %s)", names[c], header);
  }
  return im->nerrors ? WL_EUSAGE : 0;
}

static int parse_time(int64_t *out, importer *im, long line, const char *col, const char *v)
{
  if (wl_time_parse_arg(out, v, im->tz) == 0)
    return 1;
  complain(im, line, "%s: %s", col, wl_errmsg());
  return 0;
}

/* Ids longer than the engines keep are refused, never cut silently. */
static void check_lengths(importer *im, long line, const char *agent, const char *col,
                          const char *value)
{
  if (strlen(agent) > 127)
    complain(im, line, "agent_id is longer than 127 bytes");
  if (strlen(value) > 63)
    complain(im, line, "%s is longer than 63 bytes", col);
}

/* A row's copy of a text: a file's rows come agent by agent and repeat a
 * few activities, so a text equal to a recent one is borrowed from the row
 * that owns it (a 1,000,000-row import held 2,000,000 small copies).
 * *owned tells which; NULL when out of memory. */
static char *row_text(importer *im, const char *v, unsigned char *owned)
{
  char *c;
  for (int i = 0; i < RECENT_TEXTS; i++)
    if (im->recent[i] && strcmp(im->recent[i], v) == 0) {
      *owned = 0;
      return im->recent[i];
    }
  if (!(c = strdup(v)))
    return NULL;
  im->recent[im->next_recent++ % RECENT_TEXTS] = c;
  *owned = 1;
  return c;
}

/* names: agent_id, value column, start, end; header: as documented. */
static int read_rows(importer *im, const char *text, size_t len, const char *const *names,
                     const char *header)
{
  wl_csv_reader *r;
  char **f;
  size_t nf;
  long line;
  int idx[4], got, rc;
  if ((rc = wl_csv_reader_new(&r, text, len)) != 0)
    return rc;
  got = wl_csv_next(r, &f, &nf, &line);
  if (got <= 0) {
    wl_csv_reader_free(r);
    return got < 0 ? got : wl_err(WL_EUSAGE, "the file is empty (expected a header row %s)",
                                  header);
  }
  if (find_cols(idx, f, nf, names, header, im) != 0) {
    wl_csv_reader_free(r);
    return 0; /* the header's problems are listed like bad rows */
  }
  while ((got = wl_csv_next(r, &f, &nf, &line)) > 0) {
    imp_row row = {0};
    const char *v[4];
    if (nf == 1 && f[0][0] == '\0')
      continue; /* blank line */
    for (int c = 0; c < 4; c++)
      v[c] = idx[c] < (int)nf ? f[idx[c]] : "";
    row.line = line;
    if (!*v[0])
      complain(im, line, "agent_id is empty");
    if (!*v[1])
      complain(im, line, "%s is empty", names[1]);
    check_lengths(im, line, v[0], names[1], v[1]);
    if (parse_time(&row.start, im, line, names[2], v[2]) &&
        parse_time(&row.end, im, line, names[3], v[3]) && row.end <= row.start)
      complain(im, line, "end %s is not after start %s", v[3], v[2]);
    if (wl_array_reserve(&im->rows, &im->cap, im->n, sizeof(*im->rows), 256)) {
      wl_csv_reader_free(r);
      return WL_ENOMEM;
    }
    row.agent = row_text(im, v[0], &row.own_agent);
    row.value = row.agent ? row_text(im, v[1], &row.own_value) : NULL;
    if (!row.value) {
      if (row.agent && row.own_agent)
        free(row.agent);
      wl_csv_reader_free(r);
      return wl_err(WL_ENOMEM, "out of memory reading line %ld", line);
    }
    im->rows[im->n++] = row;
  }
  wl_csv_reader_free(r);
  if (got < 0)
    complain(im, 0, "%s", wl_errmsg());
  return 0;
}

static int cmp_rows(const void *a, const void *b)
{
  const imp_row *x = a, *y = b;
  int c = strcmp(x->agent, y->agent);
  if (c)
    return c;
  return x->start < y->start ? -1 : x->start > y->start;
}

static void check_overlaps(importer *im)
{
  if (im->n > 1)
    qsort(im->rows, im->n, sizeof(*im->rows), cmp_rows);
  for (size_t i = 1; i < im->n; i++) {
    imp_row *p = &im->rows[i - 1], *c = &im->rows[i];
    if (strcmp(p->agent, c->agent) == 0 && c->start < p->end)
      complain(im, c->line > p->line ? c->line : p->line,
               "overlaps line %ld for agent '%s' (segments of one agent must not overlap)",
               c->line > p->line ? p->line : c->line, c->agent);
  }
}

static int finish_errors(importer *im, const char *what)
{
  if (!im->nerrors)
    return 0;
  if (im->nerrors > MAX_LISTED_ERRORS)
    wl_buf_printf(&im->errors, "\n  ... and %zu more", im->nerrors - MAX_LISTED_ERRORS);
  return wl_err(WL_EUSAGE, "%s rejected, nothing imported (%zu bad row%s):%s", what,
                im->nerrors, im->nerrors > 1 ? "s" : "", im->errors.ptr ? im->errors.ptr : "");
}

static int begin_import(importer *im, wl_tz **tz, const wl_source *src, const char *text,
                        size_t len, const char *const *names, const char *header)
{
  int rc;
  memset(im, 0, sizeof(*im));
  wl_buf_init(&im->errors, 64 * 1024);
  if ((rc = wl_tz_load(tz, src->timezone)) != 0)
    return rc;
  im->tz = *tz;
  return read_rows(im, text, len, names, header);
}

/* ---- schedules ---- */

static void check_schedule_rows(importer *im, wl_app *app, const wl_source *src,
                                const wl_adh_rules *rules, int create_agents)
{
  for (size_t i = 0; i < im->n; i++) {
    imp_row *r = &im->rows[i];
    if (!wl_adh_rules_has(rules, r->value))
      complain(im, r->line, "unknown activity '%s' (add it with 'wfmlink rules set')", r->value);
    if (!create_agents && (i == 0 || strcmp(im->rows[i - 1].agent, r->agent)) &&
        !wl_schedule_agent_known(app->st, src->id, r->agent))
      complain(im, r->line, "unknown agent '%s' (use --create-agents to add it)", r->agent);
  }
}

static int add_unknown_agents(wl_import_result *res, wl_app *app, const wl_source *src,
                              const importer *im)
{
  for (size_t i = 0; i < im->n; i++) {
    const char *a = im->rows[i].agent;
    int created, rc;
    if (i && strcmp(im->rows[i - 1].agent, a) == 0)
      continue;
    res->agents++;
    if ((rc = wl_schedule_agent_ensure(app->st, src->id, a, &created)) != 0)
      return rc;
    res->agents_created += created;
  }
  return 0;
}

static int store_schedule(wl_import_result *res, wl_app *app, const wl_source *src,
                          const importer *im, int create_agents)
{
  wl_store *st = app->st;
  wl_schedule_row *rows = calloc(im->n ? im->n : 1, sizeof(*rows));
  int rc = rows ? wl_store_begin(st) : wl_err(WL_ENOMEM, "out of memory");
  if (rc) {
    free(rows);
    return rc;
  }
  rc = create_agents ? add_unknown_agents(res, app, src, im) : 0;
  if (!create_agents)
    for (size_t i = 0; i < im->n; i++)
      res->agents += i == 0 || strcmp(im->rows[i - 1].agent, im->rows[i].agent) != 0;
  for (size_t i = 0; i < im->n; i++)
    rows[i] = (wl_schedule_row){im->rows[i].agent, im->rows[i].start, im->rows[i].end,
                                im->rows[i].value};
  if (rc == 0)
    rc = wl_schedule_store_rows(app, src, rows, im->n);
  free(rows);
  if (rc) {
    wl_store_rollback(st);
    return rc;
  }
  res->rows = im->n;
  return wl_store_commit(st);
}

int wl_import_schedule(wl_import_result *res, wl_app *app, const wl_source *src,
                       const char *text, size_t len, int create_agents)
{
  static const char *const names[] = {"agent_id", "activity", "start", "end", NULL};
  importer im;
  wl_tz *tz = NULL;
  wl_adh_rules *rules = NULL;
  int rc;
  memset(res, 0, sizeof(*res));
  if ((rc = begin_import(&im, &tz, src, text, len, names, "agent_id,start,end,activity")) == 0 &&
      (rc = wl_rowset_load_rules(&rules, app->st, src->id)) == 0) {
    check_overlaps(&im);
    check_schedule_rows(&im, app, src, rules, create_agents);
    rc = finish_errors(&im, "schedule");
  }
  if (rc == 0)
    rc = store_schedule(res, app, src, &im, create_agents);
  wl_adh_rules_free(rules);
  importer_free(&im);
  wl_tz_free(tz);
  return rc;
}

/* ---- recorded states ---- */

static int store_states(wl_import_result *res, wl_app *app, const wl_source *src,
                        const importer *im)
{
  wl_store *st = app->st;
  wl_state_row *rows = calloc(im->n ? im->n : 1, sizeof(*rows));
  int rc = rows ? wl_store_begin(st) : wl_err(WL_ENOMEM, "out of memory");
  if (rc) {
    free(rows);
    return rc;
  }
  rc = add_unknown_agents(res, app, src, im);
  for (size_t i = 0; i < im->n && rc == 0;) {
    size_t j = i;
    int64_t from = im->rows[i].start, to = im->rows[i].end;
    for (; j < im->n && strcmp(im->rows[j].agent, im->rows[i].agent) == 0; j++) {
      rows[j] = (wl_state_row){im->rows[j].agent, im->rows[j].start, im->rows[j].end,
                               im->rows[j].value, ""};
      to = im->rows[j].end > to ? im->rows[j].end : to;
    }
    rc = wl_store_states_replace(st, src->id, im->rows[i].agent, from, to, rows + i, j - i);
    i = j;
  }
  free(rows);
  if (rc) {
    wl_store_rollback(st);
    return rc;
  }
  res->rows = im->n;
  return wl_store_commit(st);
}

int wl_import_states(wl_import_result *res, wl_app *app, const wl_source *src,
                     const char *text, size_t len)
{
  static const char *const names[] = {"agent_id", "state", "start", "end", NULL};
  importer im;
  wl_tz *tz = NULL;
  int rc;
  memset(res, 0, sizeof(*res));
  if ((rc = begin_import(&im, &tz, src, text, len, names, "agent_id,state,start,end")) == 0) {
    for (size_t i = 0; i < im.n; i++)
      if (!wl_state_valid(im.rows[i].value))
        complain(&im, im.rows[i].line, "unknown state '%s' (one of available, offered, busy, "
                 "wrap, break, offline, logged_out, unknown)", im.rows[i].value);
    check_overlaps(&im);
    rc = finish_errors(&im, "state file");
  }
  if (rc == 0)
    rc = store_states(res, app, src, &im);
  importer_free(&im);
  wl_tz_free(tz);
  return rc;
}
