/*
 * Capped buffers and HTML output: a failure is sticky (a page that hit the
 * cap is never sent half-written), URL encoding, and wl_html's conversions
 * (every string escaped, numbers and floats as printf writes them).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "util/buf.h"
#include "util/err.h"
#include "web/web_int.h"

static void test_sticky_error(void **state)
{
  wl_buf b;
  (void)state;
  wl_buf_init(&b, 8);
  assert_int_equal(wl_buf_puts(&b, "12345"), 0);
  assert_int_equal(wl_buf_puts(&b, "6789"), WL_EFAIL);
  assert_int_equal(b.err, WL_EFAIL);
  /* later appends, even small ones that would fit, do nothing */
  assert_int_equal(wl_buf_puts(&b, "a"), WL_EFAIL);
  assert_int_equal(wl_buf_printf(&b, "%d", 1), WL_EFAIL);
  assert_int_equal(wl_buf_append(&b, "", 0), WL_EFAIL);
  assert_string_equal(b.ptr, "12345");
  /* a reset starts over */
  wl_buf_reset(&b);
  assert_int_equal(b.err, 0);
  assert_int_equal(wl_buf_puts(&b, "ok"), 0);
  assert_string_equal(b.ptr, "ok");
  wl_buf_free(&b);
}

static void test_urlenc(void **state)
{
  wl_buf b;
  (void)state;
  wl_buf_init(&b, 1024);
  assert_int_equal(wl_buf_urlenc(&b, "a-Z_0.~ &=/\xc3\xa9"), 0);
  assert_string_equal(b.ptr, "a-Z_0.~%20%26%3D%2F%C3%A9");
  wl_buf_free(&b);
}

static void test_html_conversions(void **state)
{
  wl_buf b;
  (void)state;
  wl_buf_init(&b, 4096);
  assert_int_equal(wl_html(&b, "<p title=\"%s\">%c%d %u %ld %lld %zu %05d %3d|%.0f %.1f %.2f %f "
                                  "%g %g 100%%</p>",
                           "a\"<b>&'", '<', -7, 7u, 123456789L, -5LL, (size_t)42, 42, 7, 2.5, 0.25,
                           -1.005, 1.0, 250.0, 0.5),
                   0);
  assert_string_equal(b.ptr, "<p title=\"a&quot;&lt;b&gt;&amp;&#39;\">&lt;-7 7 123456789 -5 42 "
                             "00042   7|2 0.2 -1.00 1.000000 250 0.5 100%</p>");
  wl_buf_free(&b);
}

static void test_html_returns_sticky_error(void **state)
{
  wl_buf b;
  (void)state;
  wl_buf_init(&b, 16);
  assert_int_equal(wl_html(&b, "%s", "0123456789abcdefghij"), WL_EFAIL);
  assert_int_equal(wl_html(&b, "x"), WL_EFAIL);
  wl_buf_free(&b);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_sticky_error),
      cmocka_unit_test(test_urlenc),
      cmocka_unit_test(test_html_conversions),
      cmocka_unit_test(test_html_returns_sticky_error),
  };
  return cmocka_run_group_tests_name("buf", tests, NULL, NULL);
}
