/*
 * CSV reader and writer: RFC 4180 quoting, BOM, CRLF, embedded line breaks
 * with correct line numbers, errors that name the line, and exact round
 * trips of awkward fields.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/csv.h"
#include "util/err.h"

static wl_csv_reader *reader(const char *text, size_t len)
{
  wl_csv_reader *r = NULL;
  assert_int_equal(wl_csv_reader_new(&r, text, len), 0);
  assert_non_null(r);
  return r;
}

/* Reads the next record and checks every field and the line number. */
static void expect_record(wl_csv_reader *r, long line, size_t n, ...)
{
  char **fields = NULL;
  size_t nfields = 0;
  long got_line = 0;
  va_list ap;
  int rc = wl_csv_next(r, &fields, &nfields, &got_line);
  if (rc != 1)
    fail_msg("expected a record at line %ld, got %d (%s)", line, rc, wl_errmsg());
  assert_int_equal(got_line, line);
  assert_int_equal(nfields, n);
  va_start(ap, n);
  for (size_t i = 0; i < n; i++)
    assert_string_equal(fields[i], va_arg(ap, const char *));
  va_end(ap);
}

static void expect_end(wl_csv_reader *r)
{
  char **fields;
  size_t n;
  long line;
  assert_int_equal(wl_csv_next(r, &fields, &n, &line), 0);
  assert_int_equal(wl_csv_next(r, &fields, &n, &line), 0);
}

#define READER(lit) reader(lit, sizeof(lit) - 1)

static void test_simple(void **state)
{
  wl_csv_reader *r = READER("agent,state,start\n101,busy,2024-11-03T01:30:00-04:00\n");
  expect_record(r, 1, 3, "agent", "state", "start");
  expect_record(r, 2, 3, "101", "busy", "2024-11-03T01:30:00-04:00");
  expect_end(r);
  wl_csv_reader_free(r);
}

static void test_crlf_and_last_line(void **state)
{
  wl_csv_reader *r = READER("a,b\r\n1,2\r\n3,4");
  expect_record(r, 1, 2, "a", "b");
  expect_record(r, 2, 2, "1", "2");
  expect_record(r, 3, 2, "3", "4");
  expect_end(r);
  wl_csv_reader_free(r);
  /* A lone CR ends a line as well. */
  r = READER("a\rb\r\"c\"\r");
  expect_record(r, 1, 1, "a");
  expect_record(r, 2, 1, "b");
  expect_record(r, 3, 1, "c");
  expect_end(r);
  wl_csv_reader_free(r);
}

static void test_bom(void **state)
{
  wl_csv_reader *r = READER("\xEF\xBB\xBFname,tz\r\nNYC,America/New_York\r\n");
  expect_record(r, 1, 2, "name", "tz");
  expect_record(r, 2, 2, "NYC", "America/New_York");
  expect_end(r);
  wl_csv_reader_free(r);
  r = READER("\xEF\xBB\xBF\"quoted\"\n");
  expect_record(r, 1, 1, "quoted");
  expect_end(r);
  wl_csv_reader_free(r);
  r = READER("\xEF\xBB\xBF");
  expect_end(r);
  wl_csv_reader_free(r);
  /* Only a leading BOM is special; elsewhere it is text. */
  r = READER("x,\xEF\xBB\xBFy\n");
  expect_record(r, 1, 2, "x", "\xEF\xBB\xBFy");
  wl_csv_reader_free(r);
}

static void test_quoted(void **state)
{
  wl_csv_reader *r = READER("\"a \"\"quoted\"\" word\",\"x,y\",\"line1\nline2\",plain\n"
                            "\"crlf\r\ninside\",\"\"\"\",\"\"\n"
                            "next,\"\"\"lead\",\"trail\"\"\"\n");
  expect_record(r, 1, 4, "a \"quoted\" word", "x,y", "line1\nline2", "plain");
  expect_record(r, 3, 3, "crlf\r\ninside", "\"", "");
  expect_record(r, 5, 3, "next", "\"lead", "trail\"");
  expect_end(r);
  wl_csv_reader_free(r);
  /* Several lines inside one field: the record keeps its first line. */
  r = READER("h\n\"1\n2\n3\n4\",x\nafter\n");
  expect_record(r, 1, 1, "h");
  expect_record(r, 2, 2, "1\n2\n3\n4", "x");
  expect_record(r, 6, 1, "after");
  expect_end(r);
  wl_csv_reader_free(r);
}

static void test_empty_fields_and_lines(void **state)
{
  wl_csv_reader *r = READER(",,\n\"\"\na,\n\n\r\n\nb\n\n,x\nlast,");
  expect_record(r, 1, 3, "", "", "");
  expect_record(r, 2, 1, "");
  expect_record(r, 3, 2, "a", "");
  expect_record(r, 7, 1, "b");
  expect_record(r, 9, 2, "", "x");
  expect_record(r, 10, 2, "last", "");
  expect_end(r);
  wl_csv_reader_free(r);
  /* Spaces are data, and a quote inside an unquoted field is kept. */
  r = READER(" a , b \"c\" ,d\"e\n");
  expect_record(r, 1, 3, " a ", " b \"c\" ", "d\"e");
  wl_csv_reader_free(r);
}

static void test_empty_input(void **state)
{
  wl_csv_reader *r = reader("", 0);
  expect_end(r);
  wl_csv_reader_free(r);
  r = reader(NULL, 0);
  expect_end(r);
  wl_csv_reader_free(r);
  r = READER("\n\r\n\n");
  expect_end(r);
  wl_csv_reader_free(r);
  /* Only len counts: text after it is never read. */
  r = reader("a,b\nc,d\n", 4);
  expect_record(r, 1, 2, "a", "b");
  expect_end(r);
  wl_csv_reader_free(r);
  r = reader("\"abc\"", 3); /* the closing quote lies beyond len */
  char **f;
  size_t n;
  long line;
  assert_int_equal(wl_csv_next(r, &f, &n, &line), WL_EUSAGE);
  wl_csv_reader_free(r);
  wl_csv_reader_free(NULL);
}

static void test_unterminated_quote(void **state)
{
  char **f;
  size_t n;
  long line = -1;
  wl_csv_reader *r = READER("h1,h2\nok,1\n\"multi\nline\",2\nbad,\"open\nmore\nlines\n");
  expect_record(r, 1, 2, "h1", "h2");
  expect_record(r, 2, 2, "ok", "1");
  expect_record(r, 3, 2, "multi\nline", "2");
  assert_int_equal(wl_csv_next(r, &f, &n, &line), WL_EUSAGE);
  assert_string_equal(wl_errmsg(), "CSV line 5: unterminated quoted field");
  /* The error sticks: nothing after it is trusted. */
  assert_int_equal(wl_csv_next(r, &f, &n, &line), WL_EUSAGE);
  wl_csv_reader_free(r);

  r = READER("\"");
  assert_int_equal(wl_csv_next(r, &f, &n, &line), WL_EUSAGE);
  assert_string_equal(wl_errmsg(), "CSV line 1: unterminated quoted field");
  wl_csv_reader_free(r);
  r = READER("a\r\n\r\nb,\"x\"\"");
  expect_record(r, 1, 1, "a");
  assert_int_equal(wl_csv_next(r, &f, &n, &line), WL_EUSAGE);
  assert_string_equal(wl_errmsg(), "CSV line 3: unterminated quoted field");
  wl_csv_reader_free(r);
}

static void test_other_errors(void **state)
{
  char **f;
  size_t n;
  long line;
  wl_csv_reader *r = READER("ok\n\"ab\"c,d\n");
  expect_record(r, 1, 1, "ok");
  assert_int_equal(wl_csv_next(r, &f, &n, &line), WL_EUSAGE);
  assert_string_equal(wl_errmsg(), "CSV line 2: unexpected text after a closing quote");
  wl_csv_reader_free(r);
  r = READER("a,b\0c\n");
  assert_int_equal(wl_csv_next(r, &f, &n, &line), WL_EUSAGE);
  assert_string_equal(wl_errmsg(), "CSV line 1: NUL byte in field");
  wl_csv_reader_free(r);
  r = READER("x\n\"a\0\"\n");
  expect_record(r, 1, 1, "x");
  assert_int_equal(wl_csv_next(r, &f, &n, &line), WL_EUSAGE);
  assert_string_equal(wl_errmsg(), "CSV line 2: NUL byte in field");
  wl_csv_reader_free(r);
}

static void test_large_records(void **state)
{
  /* 5000 fields, then one 200 kB field: the buffers must grow and the
   * pointers handed out must follow them. */
  size_t cap = 5000 * 6 + 200000 + 16, len = 0;
  char *text = malloc(cap);
  assert_non_null(text);
  for (int i = 0; i < 5000; i++)
    len += (size_t)snprintf(text + len, cap - len, i ? ",%d" : "%d", i);
  text[len++] = '\n';
  text[len++] = '"';
  for (int i = 0; i < 200000; i++)
    text[len++] = i % 1000 == 999 ? '\n' : (char)('a' + i % 26);
  text[len++] = '"';
  text[len++] = '\n';
  wl_csv_reader *r = reader(text, len);
  char **f;
  size_t n;
  long line;
  assert_int_equal(wl_csv_next(r, &f, &n, &line), 1);
  assert_int_equal(n, 5000);
  for (int i = 0; i < 5000; i++) {
    char want[16];
    snprintf(want, sizeof(want), "%d", i);
    assert_string_equal(f[i], want);
  }
  assert_int_equal(wl_csv_next(r, &f, &n, &line), 1);
  assert_int_equal(line, 2);
  assert_int_equal(n, 1);
  assert_int_equal(strlen(f[0]), 200000);
  assert_memory_equal(f[0], text + len - 200002, 200000);
  expect_end(r);
  wl_csv_reader_free(r);
  free(text);
}

/* Captures what a writer call sequence produces. */
typedef struct {
  char *data;
  size_t len;
  FILE *f;
} capture;

static void cap_open(capture *c)
{
  c->data = NULL;
  c->len = 0;
  c->f = open_memstream(&c->data, &c->len);
  assert_non_null(c->f);
}

static const char *cap_close(capture *c)
{
  fclose(c->f);
  return c->data;
}

static void test_writer(void **state)
{
  capture c;
  cap_open(&c);
  wl_csv_field(c.f, "plain", 1);
  wl_csv_field(c.f, "a,b", 0);
  wl_csv_field(c.f, "say \"hi\"", 0);
  wl_csv_field(c.f, "cr\rx", 0);
  wl_csv_field(c.f, "lf\nx", 0);
  wl_csv_field(c.f, "", 0);
  wl_csv_field(c.f, NULL, 0);
  wl_csv_field(c.f, " spaced ", 0);
  wl_csv_field(c.f, "\"", 0);
  assert_string_equal(cap_close(&c),
                      "plain,\"a,b\",\"say \"\"hi\"\"\",\"cr\rx\",\"lf\nx\",,, spaced ,\"\"\"\"");
  free(c.data);

  cap_open(&c);
  const char *const row[] = {"2024-11-03T01:30:00-04:00", "busy", "Doe, Jane"};
  wl_csv_row(c.f, row, 3);
  const char *const one_empty[] = {""};
  wl_csv_row(c.f, one_empty, 1);
  const char *const one_null[] = {NULL};
  wl_csv_row(c.f, one_null, 1);
  const char *const two_empty[] = {"", ""};
  wl_csv_row(c.f, two_empty, 2);
  wl_csv_row(c.f, NULL, 0);
  assert_string_equal(cap_close(&c),
                      "2024-11-03T01:30:00-04:00,busy,\"Doe, Jane\"\n\"\"\n\"\"\n,\n\n");
  free(c.data);
}

/* Line breaks inside a record's fields, counted as the reader counts them. */
static long breaks(const char *s)
{
  long n = 0;
  for (; *s; s++)
    if (*s == '\n' || (*s == '\r' && s[1] != '\n'))
      n++;
  return n;
}

static void test_round_trip(void **state)
{
  static const char *const rows[][4] = {
      {"id", "name", "note", "tz"},
      {"1", "Doe, Jane", "said \"hello\"", "America/New_York"},
      {"2", "", "two\nlines", ""},
      {"3", "\"", "\"\"", ","},
      {"4", "crlf\r\ninside", "cr\ronly", "trailing\n"},
      {"5", " lead", "trail ", "\xC3\xA9t\xC3\xA9 \xE2\x82\xAC"},
      {"", "", "", ""},
      {"\n", "\r\n", "\n\n\n", "a\"b,c\nd"},
      {"=1+1", "'quote", "tab\there", "semi;colon"},
  };
  const size_t nrows = sizeof(rows) / sizeof(rows[0]);
  capture c;
  cap_open(&c);
  for (size_t i = 0; i < nrows; i++)
    wl_csv_row(c.f, rows[i], 4);
  const char *single[] = {""};
  wl_csv_row(c.f, single, 1);
  single[0] = "x\ny";
  wl_csv_row(c.f, single, 1);
  cap_close(&c);

  wl_csv_reader *r = reader(c.data, c.len);
  char **f;
  size_t n;
  long line, want_line = 1;
  for (size_t i = 0; i < nrows; i++) {
    assert_int_equal(wl_csv_next(r, &f, &n, &line), 1);
    assert_int_equal(line, want_line);
    assert_int_equal(n, 4);
    for (size_t k = 0; k < 4; k++) {
      assert_string_equal(f[k], rows[i][k]);
      want_line += breaks(rows[i][k]);
    }
    want_line++;
  }
  expect_record(r, want_line, 1, "");
  expect_record(r, want_line + 1, 1, "x\ny");
  expect_end(r);
  wl_csv_reader_free(r);
  free(c.data);
}

/* Bytes that are not UTF-8 are refused with the line (and byte) where they
 * are, also inside a quoted field that spans lines; valid multi-byte text
 * passes. */
static void test_invalid_utf8(void **state)
{
  const char ok[] = "agent,name\nj\xC3\xA9r\xC3\xB4me,\xE2\x82\xAC \xF0\x9F\x98\x80\n";
  wl_csv_reader *r = reader(ok, sizeof(ok) - 1);
  expect_record(r, 1, 2, "agent", "name");
  expect_record(r, 2, 2, "j\xC3\xA9r\xC3\xB4me", "\xE2\x82\xAC \xF0\x9F\x98\x80");
  expect_end(r);
  wl_csv_reader_free(r);

  static const struct {
    const char *text;
    const char *msg;
  } bad[] = {
      {"a,b\nx,\xFF\n", "CSV line 2: invalid UTF-8 (byte 0xFF at byte 3 of the line); save the file as UTF-8"},
      {"a,b\r\nx,y\r\n\"q\r\nz\xE9\",1\n", "CSV line 4: invalid UTF-8 (byte 0xE9 at byte 2 of the line); save the file as UTF-8"},
      {"\xC0\xAF\n", "CSV line 1: invalid UTF-8 (byte 0xC0 at byte 1 of the line); save the file as UTF-8"},
      {"x\xED\xA0\x80\n", "CSV line 1: invalid UTF-8 (byte 0xED at byte 2 of the line); save the file as UTF-8"},
      {"ok\n\xF4\x90\x80\x80\n", "CSV line 2: invalid UTF-8 (byte 0xF4 at byte 1 of the line); save the file as UTF-8"},
      {"ok\nab\xE2\x82", "CSV line 2: invalid UTF-8 (byte 0xE2 at byte 3 of the line); save the file as UTF-8"},
  };
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    char **f;
    size_t n;
    int rc;
    r = reader(bad[i].text, strlen(bad[i].text));
    while ((rc = wl_csv_next(r, &f, &n, NULL)) == 1)
      ;
    assert_int_equal(rc, WL_EUSAGE);
    assert_string_equal(wl_errmsg(), bad[i].msg);
    wl_csv_reader_free(r);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_simple),
      cmocka_unit_test(test_crlf_and_last_line),
      cmocka_unit_test(test_bom),
      cmocka_unit_test(test_quoted),
      cmocka_unit_test(test_empty_fields_and_lines),
      cmocka_unit_test(test_empty_input),
      cmocka_unit_test(test_unterminated_quote),
      cmocka_unit_test(test_other_errors),
      cmocka_unit_test(test_large_records),
      cmocka_unit_test(test_writer),
      cmocka_unit_test(test_round_trip),
      cmocka_unit_test(test_invalid_utf8),
  };
  return cmocka_run_group_tests_name("csv", tests, NULL, NULL);
}
