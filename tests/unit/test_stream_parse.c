/*
 * Event Streaming (issue 15): frame parsing, reader URLs and stream hosts
 * (sources/8x8/stream.c), and the placement of one timestamped change
 * (wl_timeline_change in wfm/timeline.c).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sources/8x8/stream.h"
#include "util/err.h"
#include "wfm/timeline.h"

/* A Pulsar frame around payload (base64-encoded here unless raw). */
static char *frame(const char *mid, const char *payload, int raw)
{
  size_t n = strlen(payload), blen = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_ORIGINAL);
  char *b64 = malloc(blen), *out = malloc(blen + n + 256);
  assert_non_null(b64);
  assert_non_null(out);
  sodium_bin2base64(b64, blen, (const unsigned char *)payload, n, sodium_base64_VARIANT_ORIGINAL);
  snprintf(out, blen + n + 256,
           "{\"messageId\":\"%s\",\"payload\":\"%s\",\"properties\":{},"
           "\"publishTime\":\"2022-11-23T20:32:24.917Z\",\"redeliveryCount\":0}",
           mid, raw ? payload : b64);
  free(b64);
  return out;
}

static int parse(wl_8x8_stream_event *ev, int *kind, const char *mid, const char *payload, int raw)
{
  char *f = frame(mid, payload, raw);
  int rc = wl_8x8_stream_parse(ev, kind, f, strlen(f));
  free(f);
  return rc;
}

#define ASC(fields) "{\"AgentStatusChange\":{" fields "}}"

static void test_agent_event(void **state)
{
  wl_8x8_stream_event ev;
  int kind;
  (void)state;
  assert_int_equal(parse(&ev, &kind, "CAEQAQ==",
                         ASC("\"agentId\":\"ag64oyEUb_Sk6bxVB9P5yaaa\",\"msgInfo\":{\"instanceId\":"
                             "\"example.8x8.com\",\"sequenceId\":215,\"timestamp\":1669235544917},"
                             "\"newReasonCodeUser\":\"801=1722\",\"newState\":5,\"newSubState\":"
                             "\"none\",\"newSubStateReason\":\"none\",\"statusEventTS\":1669235544"),
                         0),
                   0);
  assert_int_equal(kind, WL_8X8_FRAME_AGENT);
  assert_string_equal(ev.message_id, "CAEQAQ==");
  assert_string_equal(ev.agent_id, "ag64oyEUb_Sk6bxVB9P5yaaa");
  assert_string_equal(ev.state, "offline");
  assert_string_equal(ev.vendor_code, "5");
  assert_int_equal(ev.start, 1669235544);
  assert_int_equal(ev.ts_ms, 1669235544917LL);
  assert_int_equal(ev.sequence, 215);
}

/* The rtstats table maps the codes (status_map.c); others stay unknown
 * with their vendor code, like the poll. */
static void test_state_codes(void **state)
{
  static const struct {
    const char *code, *state;
  } cases[] = {{"0", "available"}, {"1", "offered"},   {"2", "busy"},
               {"3", "wrap"},      {"4", "break"},     {"5", "offline"},
               {"9", "logged_out"}, {"7", "unknown"},  {"42", "unknown"},
               {"\"3\"", "wrap"},  {"-1", "unknown"}};
  (void)state;
  for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    char p[200];
    wl_8x8_stream_event ev;
    int kind;
    snprintf(p, sizeof(p), ASC("\"agentId\":\"a1\",\"newState\":%s,\"statusEventTS\":1700000000"),
             cases[i].code);
    assert_int_equal(parse(&ev, &kind, "id", p, 0), 0);
    assert_string_equal(ev.state, cases[i].state);
    assert_string_equal(ev.vendor_code, cases[i].code[0] == '"' ? "3" : cases[i].code);
  }
}

static void test_times(void **state)
{
  wl_8x8_stream_event ev;
  int kind;
  (void)state;
  /* milliseconds only */
  assert_int_equal(parse(&ev, &kind, "id",
                         ASC("\"agentId\":\"a\",\"newState\":0,\"msgInfo\":{\"timestamp\":"
                             "1700000000999}"), 0), 0);
  assert_int_equal(ev.start, 1700000000);
  /* statusEventTS in milliseconds by mistake */
  assert_int_equal(parse(&ev, &kind, "id",
                         ASC("\"agentId\":\"a\",\"newState\":0,\"statusEventTS\":1700000001500"), 0),
                   0);
  assert_int_equal(ev.start, 1700000001);
  /* as a string */
  assert_int_equal(parse(&ev, &kind, "id",
                         ASC("\"agentId\":\"a\",\"newState\":0,\"statusEventTS\":\"1700000002\""), 0),
                   0);
  assert_int_equal(ev.start, 1700000002);
  /* none, zero, absurd: no event on a guess */
  assert_int_equal(parse(&ev, &kind, "id", ASC("\"agentId\":\"a\",\"newState\":0"), 0), WL_EFAIL);
  assert_int_equal(parse(&ev, &kind, "id", ASC("\"agentId\":\"a\",\"newState\":0,\"statusEventTS\":0"), 0),
                   WL_EFAIL);
  assert_int_equal(parse(&ev, &kind, "id",
                         ASC("\"agentId\":\"a\",\"newState\":0,\"statusEventTS\":-5"), 0), WL_EFAIL);
  assert_int_equal(parse(&ev, &kind, "id",
                         ASC("\"agentId\":\"a\",\"newState\":0,\"statusEventTS\":1.5e9"), 0), 0);
  assert_int_equal(ev.start, 1500000000);
}

static void test_bad_frames(void **state)
{
  wl_8x8_stream_event ev;
  int kind;
  const char *nul = "{\"messageId\":\"x\"\0}";
  (void)state;
  assert_int_equal(wl_8x8_stream_parse(&ev, &kind, "not json", 8), WL_EFAIL);
  assert_int_equal(kind, 0);
  assert_int_equal(wl_8x8_stream_parse(&ev, &kind, "", 0), WL_EFAIL);
  assert_int_equal(wl_8x8_stream_parse(&ev, &kind, nul, 19), WL_EFAIL);
  assert_int_equal(wl_8x8_stream_parse(&ev, &kind, "[]", 2), WL_EFAIL);
  /* payload not base64: the message id is still known, so the position moves */
  assert_int_equal(parse(&ev, &kind, "CAEQAg==", "%%%", 1), WL_EFAIL);
  assert_string_equal(ev.message_id, "CAEQAg==");
  assert_non_null(strstr(wl_errmsg(), "base64"));
  /* base64 of something that is not JSON */
  assert_int_equal(parse(&ev, &kind, "id", "aGVsbG8=", 1), WL_EFAIL);
  assert_non_null(strstr(wl_errmsg(), "JSON"));
  /* empty, missing or non-text agent ids; missing state */
  assert_int_equal(parse(&ev, &kind, "id", ASC("\"agentId\":\"\",\"newState\":0,\"statusEventTS\":1700000000"), 0),
                   WL_EFAIL);
  assert_int_equal(parse(&ev, &kind, "id", ASC("\"newState\":0,\"statusEventTS\":1700000000"), 0), WL_EFAIL);
  assert_int_equal(parse(&ev, &kind, "id", ASC("\"agentId\":7,\"newState\":0,\"statusEventTS\":1700000000"), 0),
                   WL_EFAIL);
  assert_int_equal(parse(&ev, &kind, "id", ASC("\"agentId\":\"a\\n\",\"newState\":0,\"statusEventTS\":1700000000"), 0),
                   WL_EFAIL);
  assert_int_equal(parse(&ev, &kind, "id", ASC("\"agentId\":\"a\",\"statusEventTS\":1700000000"), 0), WL_EFAIL);
  assert_int_equal(parse(&ev, &kind, "id", ASC("\"agentId\":\"a\",\"newState\":\"busy\",\"statusEventTS\":1700000000"), 0),
                   WL_EFAIL);
  assert_int_equal(parse(&ev, &kind, "id", "{\"AgentStatusChange\":[]}", 0), WL_EFAIL);
  /* another event type: not an error, ignored */
  assert_int_equal(parse(&ev, &kind, "id", "{\"InteractionCreated\":{\"queueId\":1}}", 0), 0);
  assert_int_equal(kind, WL_8X8_FRAME_OTHER);
}

/* A 10 MB frame is refused by its size, before any parsing. */
static void test_huge_frame(void **state)
{
  size_t n = 10u << 20;
  char *big = malloc(n);
  wl_8x8_stream_event ev;
  int kind;
  (void)state;
  assert_non_null(big);
  memset(big, ' ', n);
  big[0] = '{';
  big[n - 1] = '}';
  assert_int_equal(wl_8x8_stream_parse(&ev, &kind, big, n), WL_EFAIL);
  assert_non_null(strstr(wl_errmsg(), "larger than"));
  free(big);
}

static void test_urls(void **state)
{
  wl_8x8_stream_url u;
  char h[300];
  (void)state;
  assert_int_equal(wl_8x8_stream_url_build(&u, "wss://pulsar-ws-use1.8x8.com", "acme",
                                           "AgentStatusChange", "CAEQ+/Q="), 0);
  assert_int_equal(u.tls, 1);
  assert_int_equal(u.port, 443);
  assert_string_equal(u.host, "pulsar-ws-use1.8x8.com");
  assert_string_equal(u.path, "/ws/v2/reader/persistent/acme/event-v1/AgentStatusChange"
                              "?messageId=CAEQ%2B%2FQ%3D");
  assert_int_equal(wl_8x8_stream_url_build(&u, "pulsar-ws-euw2.8x8.com", "acme", "all", NULL), 0);
  assert_string_equal(u.path, "/ws/v2/reader/persistent/acme/event-v1/all?messageId=latest");
  assert_int_equal(wl_8x8_stream_url_build(&u, "ws://127.0.0.1:8980", "demo", "all", "earliest"), 0);
  assert_int_equal(u.tls, 0);
  assert_int_equal(u.port, 8980);
  /* plain ws:// only to loopback; no paths; tenants that would break the path */
  assert_int_equal(wl_8x8_stream_url_build(&u, "ws://pulsar-ws-use1.8x8.com", "a", "all", NULL),
                   WL_EUSAGE);
  assert_int_equal(wl_8x8_stream_url_build(&u, "wss://h/x", "a", "all", NULL), WL_EUSAGE);
  assert_int_equal(wl_8x8_stream_url_build(&u, "https://h", "a", "all", NULL), WL_EUSAGE);
  assert_int_equal(wl_8x8_stream_url_build(&u, "wss://h:0", "a", "all", NULL), WL_EUSAGE);
  assert_int_equal(wl_8x8_stream_url_build(&u, "wss://h", "a/b", "all", NULL), WL_EUSAGE);
  /* the setting's canonical form */
  assert_int_equal(wl_8x8_stream_host_check(h, sizeof(h), "pulsar-ws-usw2.8x8.com"), 0);
  assert_string_equal(h, "wss://pulsar-ws-usw2.8x8.com:443");
  assert_int_equal(wl_8x8_stream_host_check(h, sizeof(h), "ws://localhost:9/"), 0);
  assert_string_equal(h, "ws://localhost:9");
  assert_int_equal(wl_8x8_stream_host_check(h, sizeof(h), "ws://10.0.0.1:9"), WL_EUSAGE);
  /* only host-name characters, or a bracketed IPv6 address */
  assert_int_equal(wl_8x8_stream_host_check(h, sizeof(h), "wss://\"><b>x:443"), WL_EUSAGE);
  assert_int_equal(wl_8x8_stream_host_check(h, sizeof(h), "wss://a_b.example"), WL_EUSAGE);
  assert_int_equal(wl_8x8_stream_host_check(h, sizeof(h), "wss://[::1"), WL_EUSAGE);
  assert_int_equal(wl_8x8_stream_host_check(h, sizeof(h), "wss://[2001:db8::1]:8443"), 0);
  assert_string_equal(h, "wss://[2001:db8::1]:8443");
}

static void test_host_default(void **state)
{
  char h[300];
  (void)state;
  assert_int_equal(wl_8x8_stream_host_default(h, sizeof(h), "http://127.0.0.1:8980/api/"), 0);
  assert_string_equal(h, "ws://127.0.0.1:8980");
  assert_int_equal(wl_8x8_stream_host_default(h, sizeof(h), "https://pulsar-ws-use1.8x8.com/api/"),
                   0);
  assert_string_equal(h, "wss://pulsar-ws-use1.8x8.com:443");
  /* 8x8 documents no cluster -> region mapping: the setting is required */
  assert_int_equal(wl_8x8_stream_host_default(h, sizeof(h), "https://vcc-na10.8x8.com/api/"),
                   WL_ENOTFOUND);
  assert_non_null(strstr(wl_errmsg(), "stream-host"));
}

/* ---- wl_timeline_change ------------------------------------------------ */

#define OPEN(start, st, code) ((wl_state_row){"a", start, WL_OPEN_END, st, code})
#define SEG(start, end, st, code) ((wl_state_row){"a", start, end, st, code})

static void test_change_in_order(void **state)
{
  wl_change_plan p;
  wl_state_row cur = OPEN(100, "available", "0");
  (void)state;
  wl_timeline_change(&p, &cur, NULL, 130, "busy", "2");
  assert_int_equal(p.kind, WL_CHANGE_APPEND);
  assert_int_equal(p.close_start, 100);
  assert_int_equal(p.from, 130);
  assert_true(p.to == WL_OPEN_END);
  /* the same event again: a duplicate */
  cur = OPEN(130, "busy", "2");
  wl_timeline_change(&p, &cur, NULL, 130, "busy", "2");
  assert_int_equal(p.kind, WL_CHANGE_IGNORE);
  assert_string_equal(p.why, "duplicate");
  /* already in that state since earlier */
  wl_timeline_change(&p, &cur, NULL, 140, "busy", "2");
  assert_int_equal(p.kind, WL_CHANGE_IGNORE);
  assert_string_equal(p.why, "same-state");
  /* the same state with another vendor code is a change */
  cur = OPEN(130, "unknown", "7");
  wl_timeline_change(&p, &cur, NULL, 140, "unknown", "42");
  assert_int_equal(p.kind, WL_CHANGE_APPEND);
  /* two changes in one second: the first keeps one second, never empty */
  cur = OPEN(130, "offered", "1");
  wl_timeline_change(&p, &cur, NULL, 130, "busy", "2");
  assert_int_equal(p.kind, WL_CHANGE_APPEND);
  assert_int_equal(p.from, 131);
}

static void test_change_out_of_order(void **state)
{
  wl_change_plan p;
  wl_state_row cur = SEG(100, 160, "available", "0");
  (void)state;
  /* A@100 and C@160 stored, B@130 late: [130, 160) B */
  wl_timeline_change(&p, &cur, NULL, 130, "busy", "2");
  assert_int_equal(p.kind, WL_CHANGE_SPLIT);
  assert_int_equal(p.from, 130);
  assert_int_equal(p.to, 160);
  /* a closed segment of another state starting exactly there is kept */
  wl_timeline_change(&p, &cur, NULL, 100, "busy", "2");
  assert_int_equal(p.kind, WL_CHANGE_IGNORE);
  assert_string_equal(p.why, "conflict");
  /* the poll's estimate (busy from 161) was late: the stream's 158 wins */
  cur = SEG(100, 161, "available", "0");
  wl_timeline_change(&p, &cur, NULL, 158, "busy", "2");
  assert_int_equal(p.kind, WL_CHANGE_SPLIT);
  assert_int_equal(p.from, 158);
  assert_int_equal(p.to, 161);
}

/* The poll placed a start late (it saw the change after it happened); the
 * stream's start wins and the two become one segment. */
static void test_change_merge(void **state)
{
  wl_change_plan p;
  wl_state_row cur = SEG(100, 161, "available", "0");
  wl_state_row next_open = OPEN(161, "busy", "2");
  wl_state_row next_closed = SEG(161, 190, "busy", "2");
  wl_state_row next_other = SEG(161, 190, "wrap", "3");
  (void)state;
  wl_timeline_change(&p, &cur, &next_open, 158, "busy", "2");
  assert_int_equal(p.kind, WL_CHANGE_MERGE);
  assert_int_equal(p.from, 158);
  assert_int_equal(p.close_start, 161);
  assert_true(p.to == WL_OPEN_END);
  wl_timeline_change(&p, &cur, &next_closed, 158, "busy", "2");
  assert_int_equal(p.kind, WL_CHANGE_MERGE);
  assert_int_equal(p.to, 190);
  /* another state follows: a plain split up to it */
  wl_timeline_change(&p, &cur, &next_other, 158, "busy", "2");
  assert_int_equal(p.kind, WL_CHANGE_SPLIT);
  assert_int_equal(p.to, 161);
  /* before the first segment, which has the event's state */
  wl_timeline_change(&p, NULL, &next_open, 150, "busy", "2");
  assert_int_equal(p.kind, WL_CHANGE_MERGE);
  assert_int_equal(p.from, 150);
}

static void test_change_no_segment(void **state)
{
  wl_change_plan p;
  wl_state_row next = OPEN(200, "busy", "2");
  (void)state;
  wl_timeline_change(&p, NULL, NULL, 100, "available", "0");
  assert_int_equal(p.kind, WL_CHANGE_NEW);
  assert_int_equal(p.from, 100);
  assert_true(p.to == WL_OPEN_END);
  /* before the first stored segment: up to it */
  wl_timeline_change(&p, NULL, &next, 150, "available", "0");
  assert_int_equal(p.kind, WL_CHANGE_SPLIT);
  assert_int_equal(p.from, 150);
  assert_int_equal(p.to, 200);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_agent_event),      cmocka_unit_test(test_state_codes),
      cmocka_unit_test(test_times),            cmocka_unit_test(test_bad_frames),
      cmocka_unit_test(test_huge_frame),       cmocka_unit_test(test_urls),
      cmocka_unit_test(test_host_default),     cmocka_unit_test(test_change_in_order),
      cmocka_unit_test(test_change_out_of_order), cmocka_unit_test(test_change_no_segment),
      cmocka_unit_test(test_change_merge),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
