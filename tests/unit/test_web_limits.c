/*
 * The web server's connection limits, over loopback (docs/WEB.md "Safety"):
 * connections per client address, the deadline for a request head
 * (slowloris), and the minimum rate of a request body (trickling uploads).
 * Clients take addresses of 127.0.0.0/8 other than 127.0.0.1 to stand for
 * other hosts.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "test_web_common.h"

#define SLOW_HEAD "GET /sources HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "

static void short_deadlines(wl_web_config *cfg)
{
  cfg->head_timeout_s = 1;
  cfg->upload_grace_s = 1;
  cfg->upload_min_rate = 64 * 1024;
  cfg->upload_max_s = 3;
}

static int setup(void **state)
{
  wfx_tweak = NULL;
  *state = wfx_new(3600);
  return 0;
}

static int setup_short(void **state)
{
  wfx_tweak = short_deadlines;
  *state = wfx_new(3600);
  wfx_tweak = NULL;
  return 0;
}

static int teardown(void **state)
{
  wfx_free(*state);
  return 0;
}

/* 4 addresses x 64 slow heads (once enough to fill all 256 connections):
 * each address keeps at most 16 (the rest are refused at once), and a
 * normal request from another address is answered. */
static void test_slow_heads_from_few_addresses(void **state)
{
  wfx *f = *state;
  int fd[4][64], open_per[4] = {0};
  char from[32];
  for (int a = 0; a < 4; a++)
    for (int i = 0; i < 64; i++) {
      snprintf(from, sizeof(from), "127.0.0.%d", a + 2);
      fd[a][i] = wfx_raw_open_from(f, from);
      send(fd[a][i], SLOW_HEAD, strlen(SLOW_HEAD), MSG_NOSIGNAL);
    }
  /* the server refuses the extra ones as it accepts them (a loaded
   * machine may take a while): count until no address has too many */
  for (int64_t until = wfx_ms() + 10000, over = 1; over && wfx_ms() < until;) {
    over = 0;
    for (int a = 0; a < 4; a++) {
      open_per[a] = 0;
      for (int i = 0; i < 64; i++)
        open_per[a] += !wfx_raw_closed(fd[a][i], 1);
      over |= open_per[a] > 16 + 2;
    }
  }
  for (int a = 0; a < 4; a++) {
    assert_true(open_per[a] >= 14);
    assert_true(open_per[a] <= 16 + 2); /* 2 request threads may each accept one more */
  }
  assert_int_equal(wfx_get(f, "/healthz"), 200);
  assert_true(wfx_has(f, "\"status\": \"ok\""));
  assert_int_equal(wfx_login_as(f, TEST_USER, TEST_PASSWORD), 303);
  for (int a = 0; a < 4; a++)
    for (int i = 0; i < 64; i++)
      close(fd[a][i]);
}

/* A head sent a byte at a time is cut off at its deadline (1 s here),
 * although the client is never silent; a prompt request is unaffected. */
static void test_head_deadline(void **state)
{
  wfx *f = *state;
  int fd = wfx_raw_open(f), closed = 0;
  int64_t until = wfx_ms() + 5000;
  wfx_raw_send(fd, SLOW_HEAD, strlen(SLOW_HEAD));
  while (!closed && wfx_ms() < until) {
    closed = wfx_raw_closed(fd, 100) || send(fd, "x", 1, MSG_NOSIGNAL) < 0;
  }
  assert_true(closed);
  close(fd);
  assert_int_equal(wfx_get(f, "/healthz"), 200);
}

/* Two trickling uploads hold both upload slots only until they fall below
 * the minimum rate: then they are closed and the slots come back. */
static void test_trickling_uploads(void **state)
{
  wfx *f = *state;
  char cookie[100], up[800], got[4096];
  int fd[2], fd3, ok = 0;
  int64_t until;
  wfx_login(f);
  wfx_session_cookie(f, cookie, sizeof(cookie));
  snprintf(up, sizeof(up), "POST /source/acme/schedule HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                           "Cookie: wl_session=%s\r\nContent-Type: multipart/form-data; "
                           "boundary=x\r\nContent-Length: 1000000\r\nExpect: 100-continue\r\n\r\n",
           cookie);
  for (int i = 0; i < 2; i++) {
    fd[i] = wfx_raw_open(f);
    wfx_raw_send(fd[i], up, strlen(up));
    assert_string_equal(wfx_raw_read(fd[i], got, sizeof(got), 5000),
                        "HTTP/1.1 100 Continue\r\n\r\n");
  }
  fd3 = wfx_raw_open(f);
  wfx_raw_send(fd3, up, strlen(up));
  wfx_raw_read(fd3, got, sizeof(got), 5000);
  assert_int_equal(strncmp(got, "HTTP/1.1 503 ", 13), 0);
  close(fd3);
  /* a byte every 100 ms: never silent, far below 64 KiB/s */
  until = wfx_ms() + 6000;
  while (wfx_ms() < until && !ok) {
    int gone = 0;
    for (int i = 0; i < 2; i++)
      gone += send(fd[i], "-", 1, MSG_NOSIGNAL) < 0 || wfx_raw_closed(fd[i], 50);
    ok = gone == 2;
  }
  assert_true(ok);
  fd3 = wfx_raw_open(f);
  wfx_raw_send(fd3, up, strlen(up));
  assert_string_equal(wfx_raw_read(fd3, got, sizeof(got), 5000), "HTTP/1.1 100 Continue\r\n\r\n");
  close(fd3);
  close(fd[0]);
  close(fd[1]);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test_setup_teardown(test_slow_heads_from_few_addresses, setup, teardown),
    cmocka_unit_test_setup_teardown(test_head_deadline, setup_short, teardown),
    cmocka_unit_test_setup_teardown(test_trickling_uploads, setup_short, teardown),
  };
  curl_global_init(CURL_GLOBAL_DEFAULT);
  int rc = cmocka_run_group_tests(tests, NULL, NULL);
  curl_global_cleanup();
  return rc;
}
