/*
 * --log-format json: one JSON object per line with time, level, source,
 * message and fields; quotes, control characters and broken UTF-8 in a
 * message cannot break the line or the JSON.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util/log.h"

/* Runs one log call with stderr sent to a file; returns its single line. */
static char *capture(const char *source, const char *msg)
{
  char path[] = "/tmp/wl-logjson-XXXXXX", *line = malloc(16384);
  int fd = mkstemp(path), saved = dup(2);
  assert_true(fd >= 0);
  fflush(stderr);
  dup2(fd, 2);
  wl_log(WL_LOG_WARN, source, "%s", msg);
  fflush(stderr);
  dup2(saved, 2);
  close(saved);
  FILE *f = fdopen(fd, "r");
  rewind(f);
  assert_non_null(fgets(line, 16384, f));
  char extra[8];
  assert_null(fgets(extra, sizeof(extra), f)); /* exactly one line */
  fclose(f);
  unlink(path);
  return line;
}

static json_t *parse(const char *line)
{
  json_error_t e;
  json_t *j = json_loads(line, 0, &e);
  if (!j)
    fail_msg("not JSON: %s (%s)", line, e.text);
  return j;
}

static void test_fields(void **state)
{
  (void)state;
  wl_log_set_format(WL_LOG_JSON);
  char *line = capture("acme", "poll \"failed\"\nnext line\\ here");
  json_t *j = parse(line);
  assert_string_equal(json_string_value(json_object_get(j, "level")), "warn");
  assert_string_equal(json_string_value(json_object_get(j, "source")), "acme");
  assert_string_equal(json_string_value(json_object_get(j, "message")),
                      "poll \"failed\"\nnext line\\ here");
  const char *t = json_string_value(json_object_get(j, "time"));
  assert_int_equal(strlen(t), 20);
  assert_int_equal(t[19], 'Z');
  assert_true(json_is_object(json_object_get(j, "fields")));
  assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "fields"), "pid")),
                   getpid());
  json_decref(j);
  free(line);
}

static void test_no_source_and_bad_utf8(void **state)
{
  (void)state;
  wl_log_set_format(WL_LOG_JSON);
  char *line = capture(NULL, "caf\xc3\xa9 \xff\xfe end");
  json_t *j = parse(line);
  assert_true(json_is_null(json_object_get(j, "source")));
  assert_string_equal(json_string_value(json_object_get(j, "message")),
                      "caf\xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd end");
  json_decref(j);
  free(line);
}

static void test_long_message_stays_json(void **state)
{
  char big[3000];
  (void)state;
  memset(big, '"', sizeof(big) - 1);
  big[sizeof(big) - 1] = '\0';
  wl_log_set_format(WL_LOG_JSON);
  char *line = capture("s", big);
  json_t *j = parse(line);
  assert_true(strlen(json_string_value(json_object_get(j, "message"))) > 1000);
  json_decref(j);
  free(line);
}

static void test_text_unchanged(void **state)
{
  (void)state;
  wl_log_set_format(WL_LOG_TEXT);
  char *line = capture("acme", "hello");
  assert_non_null(strstr(line, " WARN [acme] hello\n"));
  free(line);
}

static void test_parse_format(void **state)
{
  enum wl_log_format f;
  (void)state;
  assert_int_equal(wl_log_parse_format(&f, "json"), 0);
  assert_int_equal(f, WL_LOG_JSON);
  assert_int_equal(wl_log_parse_format(&f, "text"), 0);
  assert_int_equal(f, WL_LOG_TEXT);
  assert_int_not_equal(wl_log_parse_format(&f, "xml"), 0);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_fields),
    cmocka_unit_test(test_no_source_and_bad_utf8),
    cmocka_unit_test(test_long_message_stays_json),
    cmocka_unit_test(test_text_unchanged),
    cmocka_unit_test(test_parse_format),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
