/*
 * 8x8 answer parsers: every quirk of 8x8-api.md with exact records, the XML
 * form giving the same records as the JSON form, and broken bodies rejected
 * with no record delivered. Every body is handed over in a heap buffer of
 * exactly its length (no NUL after it), so ASan catches any read past len.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sources/8x8/parse.h"
#include "sources/8x8/parse_int.h"
#include "util/err.h"

#define MAXREC 16

/* ---- collectors */

typedef struct rt_sink {
  wl_rt_agent a[MAXREC];
  size_t n;
  int stop_after; /* 0: never; k: return -42 from the k-th call */
} rt_sink;

static int on_rt(void *p, const wl_rt_agent *a)
{
  rt_sink *s = p;
  if (s->n < MAXREC)
    s->a[s->n] = *a;
  s->n++;
  return s->stop_after && (int)s->n == s->stop_after ? -42 : 0;
}

typedef struct leg_sink {
  wl_leg l[MAXREC];
  size_t n;
} leg_sink;

static int on_leg(void *p, const wl_leg *l)
{
  leg_sink *s = p;
  if (s->n < MAXREC)
    s->l[s->n] = *l;
  s->n++;
  return 0;
}

typedef struct q_sink {
  wl_8x8_queue q[MAXREC];
  size_t n;
} q_sink;

static int on_queue(void *p, const wl_8x8_queue *q)
{
  q_sink *s = p;
  if (s->n < MAXREC)
    s->q[s->n] = *q;
  s->n++;
  return 0;
}

typedef struct ag_sink {
  wl_8x8_agent a[MAXREC];
  size_t n;
} ag_sink;

static int on_agent(void *p, const wl_8x8_agent *a)
{
  ag_sink *s = p;
  if (s->n < MAXREC)
    s->a[s->n] = *a;
  s->n++;
  return 0;
}

typedef struct st_sink {
  wl_8x8_stat s[MAXREC];
  size_t n;
} st_sink;

static int on_stat(void *p, const wl_8x8_stat *st)
{
  st_sink *s = p;
  if (s->n < MAXREC)
    s->s[s->n] = *st;
  s->n++;
  return 0;
}

/* ---- exact-length buffers */

static char *exact(const char *s, size_t *len)
{
  char *b;
  *len = strlen(s);
  b = malloc(*len ? *len : 1);
  assert_non_null(b);
  memcpy(b, s, *len);
  return b;
}

static int rt(const char *body, enum wl_8x8_format fmt, rt_sink *s, size_t *nskipped)
{
  size_t len;
  char *b = exact(body, &len);
  int rc;
  int stop_after = s->stop_after;
  memset(s, 0, sizeof(*s));
  s->stop_after = stop_after;
  rc = wl_8x8_parse_rt_agents(b, len, fmt, on_rt, s, nskipped);
  free(b);
  return rc;
}

static int ix(const char *body, enum wl_8x8_format fmt, leg_sink *s, size_t *nrec,
              size_t *nskip)
{
  size_t len;
  char *b = exact(body, &len);
  int rc;
  memset(s, 0, sizeof(*s));
  rc = wl_8x8_parse_interactions(b, len, fmt, on_leg, s, nrec, nskip);
  free(b);
  return rc;
}

static void assert_rt(const wl_rt_agent *a, const char *id, const char *name,
                      const char *group, const char *state, const char *code, int64_t tis)
{
  assert_string_equal(a->agent_id, id);
  assert_string_equal(a->name, name);
  assert_string_equal(a->group_id, group);
  assert_string_equal(a->state, state);
  assert_string_equal(a->vendor_code, code);
  assert_int_equal(a->time_in_status, tis);
}

static void assert_same_rt(const wl_rt_agent *x, const wl_rt_agent *y)
{
  assert_rt(x, y->agent_id, y->name, y->group_id, y->state, y->vendor_code,
            y->time_in_status);
}

/* ---- rtstats agents */

/* Numbers as numbers and as strings, extra fields, other field order, a
 * UTF-8 name. */
static const char RT_JSON[] =
    "{\"agent\": [\n"
    " {\"agent-id\": \"jdoe\", \"agent-name\": \"Jane Doe\", \"agent-status\": 2,\n"
    "  \"time-in-status\": 125, \"group-id\": 7, \"phone-line1-status\": 5,\n"
    "  \"media-type\": \"phone\", \"unknown-extra\": {\"x\": [1, 2]}},\n"
    " {\"time-in-status\": \"30\", \"group-id\": \"12\", \"agent-status\": \"0\",\n"
    "  \"agent-name\": \"Zo\xc3\xab M\xc3\xbcller \xe5\xb1\xb1\xe7\x94\xb0\", \"agent-id\": \"zmuller\"},\n"
    " {\"agent-id\": \"ops1\", \"agent-status\": 3.0, \"time-in-status\": 12.0,\n"
    "  \"group-id\": 7.0, \"agent-name\": \"  Padded  \"}\n"
    "]}";

static const char RT_XML[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<agents>\n"
    "  <agent>\n"
    "    <agent-id>jdoe</agent-id><agent-name>Jane Doe</agent-name>\n"
    "    <agent-status>2</agent-status><time-in-status>125</time-in-status>\n"
    "    <group-id>7</group-id><phone-line1-status>5</phone-line1-status>\n"
    "    <media-type>phone</media-type><unknown-extra><x>1</x><x>2</x></unknown-extra>\n"
    "  </agent>\n"
    "  <agent><time-in-status>30</time-in-status><group-id>12</group-id>"
    "<agent-status>0</agent-status>"
    "<agent-name>Zo&#235; M\xc3\xbcller \xe5\xb1\xb1\xe7\x94\xb0</agent-name>"
    "<agent-id>zmuller</agent-id></agent>\n"
    "  <agent status=\"ignored\"><agent-id>ops1</agent-id><agent-status>3.0</agent-status>"
    "<time-in-status>12.0</time-in-status><group-id>7.0</group-id>"
    "<agent-name>  Padded  </agent-name></agent>\n"
    "</agents>\n";

static void test_rt_json_records(void **state)
{
  rt_sink s = {0};
  size_t skipped = 99;
  (void)state;
  assert_int_equal(rt(RT_JSON, WL_8X8_JSON, &s, &skipped), 0);
  assert_int_equal(s.n, 3);
  assert_int_equal(skipped, 0);
  assert_rt(&s.a[0], "jdoe", "Jane Doe", "7", "busy", "2", 125);
  assert_rt(&s.a[1], "zmuller", "Zo\xc3\xab M\xc3\xbcller \xe5\xb1\xb1\xe7\x94\xb0", "12",
            "available", "0", 30);
  assert_rt(&s.a[2], "ops1", "Padded", "7", "wrap", "3", 12);
}

static void test_rt_xml_same_records(void **state)
{
  rt_sink sj = {0}, sx = {0};
  size_t skipped = 99;
  (void)state;
  assert_int_equal(rt(RT_JSON, WL_8X8_JSON, &sj, NULL), 0);
  assert_int_equal(rt(RT_XML, WL_8X8_XML, &sx, &skipped), 0);
  assert_int_equal(sx.n, 3);
  assert_int_equal(skipped, 0);
  for (size_t i = 0; i < 3; i++)
    assert_same_rt(&sx.a[i], &sj.a[i]);
}

static void test_rt_single_object(void **state)
{
  rt_sink s = {0};
  (void)state;
  assert_int_equal(rt("{\"agent\": {\"agent-id\": \"solo\", \"agent-status\": \"4\", "
                      "\"time-in-status\": \"61\", \"group-id\": \"3\"}}",
                      WL_8X8_JSON, &s, NULL),
                   0);
  assert_int_equal(s.n, 1);
  assert_rt(&s.a[0], "solo", "", "3", "break", "4", 61);
  assert_int_equal(rt("{\"agents\": [{\"agent-id\": \"solo\", \"agent-status\": 1}]}",
                      WL_8X8_JSON, &s, NULL),
                   0);
  assert_int_equal(s.n, 1);
  assert_rt(&s.a[0], "solo", "", "", "offered", "1", 0);
  /* rtstats /agent/{id} in XML: one record, with or without <agents> */
  assert_int_equal(rt("<agents><agent><agent-id>solo</agent-id><agent-status>5"
                      "</agent-status></agent></agents>",
                      WL_8X8_XML, &s, NULL),
                   0);
  assert_int_equal(s.n, 1);
  assert_rt(&s.a[0], "solo", "", "", "offline", "5", 0);
  assert_int_equal(rt("<agent><agent-id>solo</agent-id><agent-status>9</agent-status>"
                      "<time-in-status>8</time-in-status></agent>",
                      WL_8X8_XML, &s, NULL),
                   0);
  assert_int_equal(s.n, 1);
  assert_rt(&s.a[0], "solo", "", "", "logged_out", "9", 8);
}

static void test_rt_empty_lists(void **state)
{
  static const char *bodies[] = {"{\"agent\": \"\"}", "{}", "{\"agent\": []}",
                                 "{\"agent\": null}", "{\"agent\": {}}", " {\"agent\" : \"  \"} \n",
                                 "{\"agents\": {\"agent\": []}}", "{\"agents\": \"\"}"};
  static const char *xml[] = {"<agents/>", "<agents></agents>", "<agents>\n  </agents>",
                              "<?xml version=\"1.0\"?>\n<agents>\n</agents>\n"};
  rt_sink s = {0};
  size_t skipped;
  (void)state;
  for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
    skipped = 99;
    assert_int_equal(rt(bodies[i], WL_8X8_JSON, &s, &skipped), 0);
    assert_int_equal(s.n, 0);
    assert_int_equal(skipped, 0);
  }
  for (size_t i = 0; i < sizeof(xml) / sizeof(xml[0]); i++) {
    skipped = 99;
    assert_int_equal(rt(xml[i], WL_8X8_XML, &s, &skipped), 0);
    assert_int_equal(s.n, 0);
    assert_int_equal(skipped, 0);
  }
}

static void test_rt_status_codes(void **state)
{
  rt_sink s = {0};
  (void)state;
  assert_int_equal(
      rt("{\"agent\": ["
         "{\"agent-id\": \"a0\", \"agent-status\": 0},"
         "{\"agent-id\": \"a1\", \"agent-status\": \"1\"},"
         "{\"agent-id\": \"a7\", \"agent-status\": 7, \"time-in-status\": -5},"
         "{\"agent-id\": \"a7s\", \"agent-status\": \"7\", \"time-in-status\": \"abc\"},"
         "{\"agent-id\": \"amiss\"},"
         "{\"agent-id\": \"aempty\", \"agent-status\": \"\", \"time-in-status\": \"\"},"
         "{\"agent-id\": \"atext\", \"agent-status\": \"away\", \"time-in-status\": \"9.9\"},"
         "{\"agent-id\": \"aneg\", \"agent-status\": -1, \"time-in-status\": null},"
         "{\"agent-id\": \"afrac\", \"agent-status\": \"2.5\", \"time-in-status\": \"0x10\"},"
         "{\"agent-id\": \"a12\", \"agent-status\": \"12\", \"time-in-status\": \"1e2\"},"
         "{\"agent-id\": 4711, \"agent-status\": \" 3 \", \"time-in-status\": true}"
         "]}",
         WL_8X8_JSON, &s, NULL),
      0);
  assert_int_equal(s.n, 11);
  assert_rt(&s.a[0], "a0", "", "", "available", "0", 0);
  assert_rt(&s.a[1], "a1", "", "", "offered", "1", 0);
  assert_rt(&s.a[2], "a7", "", "", "unknown", "7", 0);
  assert_rt(&s.a[3], "a7s", "", "", "unknown", "7", 0);
  assert_rt(&s.a[4], "amiss", "", "", "unknown", "", 0);
  assert_rt(&s.a[5], "aempty", "", "", "unknown", "", 0);
  assert_rt(&s.a[6], "atext", "", "", "unknown", "away", 9);
  assert_rt(&s.a[7], "aneg", "", "", "unknown", "-1", 0);
  assert_rt(&s.a[8], "afrac", "", "", "unknown", "2.5", 0);
  assert_rt(&s.a[9], "a12", "", "", "unknown", "12", 100);
  assert_rt(&s.a[10], "4711", "", "", "wrap", "3", 0);
}

static void test_state_for_status(void **state)
{
  (void)state;
  assert_string_equal(wl_8x8_state_for_status(0), "available");
  assert_string_equal(wl_8x8_state_for_status(1), "offered");
  assert_string_equal(wl_8x8_state_for_status(2), "busy");
  assert_string_equal(wl_8x8_state_for_status(3), "wrap");
  assert_string_equal(wl_8x8_state_for_status(4), "break");
  assert_string_equal(wl_8x8_state_for_status(5), "offline");
  assert_string_equal(wl_8x8_state_for_status(9), "logged_out");
  assert_string_equal(wl_8x8_state_for_status(6), "unknown");
  assert_string_equal(wl_8x8_state_for_status(7), "unknown");
  assert_string_equal(wl_8x8_state_for_status(8), "unknown");
  assert_string_equal(wl_8x8_state_for_status(10), "unknown");
  assert_string_equal(wl_8x8_state_for_status(-1), "unknown");
}

static void test_rt_skipped(void **state)
{
  rt_sink s = {0};
  size_t skipped = 0;
  (void)state;
  assert_int_equal(rt("{\"agent\": [{\"agent-name\": \"No Id\", \"agent-status\": 0},"
                      "{\"agent-id\": \"\", \"agent-status\": 1},"
                      "{\"agent-id\": \"   \"},"
                      "{\"agent-id\": null},"
                      "\"stray\", 5, [],"
                      "{\"agent-id\": \"ok\", \"agent-status\": 2}]}",
                      WL_8X8_JSON, &s, &skipped),
                   0);
  assert_int_equal(s.n, 1);
  assert_int_equal(skipped, 7);
  assert_rt(&s.a[0], "ok", "", "", "busy", "2", 0);
  assert_int_equal(rt("<agents><agent><agent-name>No Id</agent-name></agent>"
                      "<agent><agent-id></agent-id></agent>"
                      "<agent><agent-id>ok</agent-id></agent></agents>",
                      WL_8X8_XML, &s, &skipped),
                   0);
  assert_int_equal(s.n, 1);
  assert_int_equal(skipped, 2);
  assert_rt(&s.a[0], "ok", "", "", "unknown", "", 0);
}

static void expect_fail(int rc, const rt_sink *s, const char *msg_prefix)
{
  assert_int_equal(rc, WL_EFAIL);
  assert_int_equal(s->n, 0);
  if (strncmp(wl_errmsg(), msg_prefix, strlen(msg_prefix)) != 0)
    fail_msg("message \"%s\" does not start with \"%s\"", wl_errmsg(), msg_prefix);
}

static void test_rt_invalid_and_truncated(void **state)
{
  rt_sink s = {0};
  size_t skipped = 99;
  (void)state;
  /* a valid first record must not be delivered from a truncated body */
  expect_fail(rt("{\"agent\": [{\"agent-id\": \"a\", \"agent-status\": 0}, {\"agent-id\": \"b\"",
                 WL_8X8_JSON, &s, &skipped),
              &s, "invalid JSON at line 1 column ");
  assert_int_equal(skipped, 0);
  expect_fail(rt("{\"agent\": [\n{\"agent-id\": \"a\",}]}", WL_8X8_JSON, &s, NULL), &s,
              "invalid JSON at line 2 column ");
  expect_fail(rt("{\"agent\": []} trailing", WL_8X8_JSON, &s, NULL), &s, "invalid JSON at line 1");
  expect_fail(rt("<agents><agent><agent-id>a</agent-id></agent><agent><agent-id>b",
                 WL_8X8_XML, &s, NULL),
              &s, "invalid XML at line 1 column ");
  expect_fail(rt("<agents><agent><agent-id>a</agent-id></agent>\n<agent></agnet></agents>",
                 WL_8X8_XML, &s, NULL),
              &s, "invalid XML at line 2 column ");
  expect_fail(rt("<agents><agent><agent-id>a</agent-id></agent></agents><agents/>", WL_8X8_XML,
                 &s, NULL),
              &s, "invalid XML at line 1 column ");
  /* no DTD: refusing it rules out entity expansion */
  expect_fail(rt("<?xml version=\"1.0\"?><!DOCTYPE agents [<!ENTITY a \"aaaa\">]>"
                 "<agents><agent><agent-id>&a;</agent-id></agent></agents>",
                 WL_8X8_XML, &s, NULL),
              &s, "invalid XML: a document type declaration (DTD) is not accepted");
}

static void test_rt_wrong_shapes(void **state)
{
  static const char html[] =
      "<!DOCTYPE html>\n<html><head><title>\n 502 Bad Gateway </title></head>"
      "<body><h1>502 Bad Gateway</h1><hr>nginx</body></html>\n";
  rt_sink s = {0};
  (void)state;
  expect_fail(rt(html, WL_8X8_JSON, &s, NULL), &s,
              "expected an 8x8 agents answer ({\"agent\": ...}), got an HTML page "
              "(title \"502 Bad Gateway\")");
  expect_fail(rt(html, WL_8X8_XML, &s, NULL), &s,
              "expected an 8x8 agents answer (<agents><agent>...</agent></agents>), got an "
              "HTML page (title \"502 Bad Gateway\")");
  expect_fail(rt("<HTML><body>Service Unavailable", WL_8X8_JSON, &s, NULL), &s,
              "expected an 8x8 agents answer ({\"agent\": ...}), got an HTML page");
  assert_string_equal(wl_errmsg(),
                      "expected an 8x8 agents answer ({\"agent\": ...}), got an HTML page");
  expect_fail(rt("[{\"agent-id\": \"a\"}]", WL_8X8_JSON, &s, NULL), &s,
              "expected an 8x8 agents answer ({\"agent\": ...}), got a JSON array");
  expect_fail(rt("{\"queue\": [], \"x\": 1, \"y\": 2, \"z\": 3}", WL_8X8_JSON, &s, NULL), &s,
              "expected an 8x8 agents answer ({\"agent\": ...}), got an object with keys "
              "\"queue\", \"x\", \"y\", ...");
  expect_fail(rt("{\"agent\": 5}", WL_8X8_JSON, &s, NULL), &s,
              "expected an 8x8 agents answer ({\"agent\": ...}), got a JSON number under "
              "\"agent\"");
  expect_fail(rt("\"hello\"", WL_8X8_JSON, &s, NULL), &s,
              "expected an 8x8 agents answer ({\"agent\": ...}), got a JSON string");
  expect_fail(rt("{\"API\": {\"Error\": \"403 - Forbidden.\"}}", WL_8X8_JSON, &s, NULL), &s,
              "expected an 8x8 agents answer ({\"agent\": ...}), got an 8x8 error answer: "
              "\"403 - Forbidden.\"");
  expect_fail(rt("{\"API\": {\"Error\": \"bad\\nline\"}}", WL_8X8_JSON, &s, NULL), &s,
              "expected an 8x8 agents answer ({\"agent\": ...}), got an 8x8 error answer: "
              "\"bad?line\"");
  expect_fail(rt("{\"a\\u0007b\": 1}", WL_8X8_JSON, &s, NULL), &s,
              "expected an 8x8 agents answer ({\"agent\": ...}), got an object with keys "
              "\"a?b\"");
  expect_fail(rt("<API><Error>403 - Forbidden.</Error></API>", WL_8X8_XML, &s, NULL), &s,
              "expected an 8x8 agents answer (<agents><agent>...</agent></agents>), got an 8x8 "
              "error answer: \"403 - Forbidden.\"");
  expect_fail(rt("<queues><queue><queue-id>1</queue-id></queue></queues>", WL_8X8_XML, &s, NULL),
              &s,
              "expected an 8x8 agents answer (<agents><agent>...</agent></agents>), got XML "
              "with root <queues>");
  expect_fail(rt("<agents>oops</agents>", WL_8X8_XML, &s, NULL), &s,
              "expected an 8x8 agents answer (<agents><agent>...</agent></agents>), got text "
              "inside <agents>");
  expect_fail(rt("", WL_8X8_JSON, &s, NULL), &s,
              "expected an 8x8 agents answer ({\"agent\": ...}), got an empty body");
  expect_fail(rt(" \r\n", WL_8X8_XML, &s, NULL), &s,
              "expected an 8x8 agents answer (<agents><agent>...</agent></agents>), got an "
              "empty body");
  expect_fail(rt("<agents/>", WL_8X8_JSON, &s, NULL), &s,
              "expected an 8x8 agents answer ({\"agent\": ...}), got XML, not JSON");
  expect_fail(rt("{\"agent\": []}", WL_8X8_XML, &s, NULL), &s,
              "expected an 8x8 agents answer (<agents><agent>...</agent></agents>), got JSON, "
              "not XML");
}

static void test_rt_callback_stops(void **state)
{
  rt_sink s = {0};
  size_t len;
  char *b = exact(RT_JSON, &len);
  (void)state;
  memset(&s, 0, sizeof(s));
  s.stop_after = 2;
  assert_int_equal(wl_8x8_parse_rt_agents(b, len, WL_8X8_JSON, on_rt, &s, NULL), -42);
  assert_int_equal(s.n, 2);
  /* NULL callback: validation only */
  assert_int_equal(wl_8x8_parse_rt_agents(b, len, WL_8X8_JSON, NULL, NULL, NULL), 0);
  assert_int_equal(wl_8x8_parse_rt_agents(b, len, (enum wl_8x8_format)7, NULL, NULL, NULL),
                   WL_EUSAGE);
  free(b);
}

/* Names longer than the field are cut at a UTF-8 character boundary. */
static void test_rt_truncation_utf8(void **state)
{
  char body[2048], name[400], group[100];
  size_t o = 0;
  rt_sink s = {0};
  (void)state;
  for (int i = 0; i < 150; i++) { /* 150 x "é" = 300 bytes, field holds 255 */
    name[o++] = '\xc3';
    name[o++] = '\xa9';
  }
  name[o] = '\0';
  o = 0;
  group[o++] = 'g';
  for (int i = 0; i < 20; i++) { /* 1 + 20 x 3 bytes, field holds 31 */
    group[o++] = '\xe5';
    group[o++] = '\xb1';
    group[o++] = '\xb1';
  }
  group[o] = '\0';
  snprintf(body, sizeof(body),
           "{\"agent\": {\"agent-id\": \"u\", \"agent-name\": \"%s\", \"group-id\": \"%s\","
           " \"agent-status\": \"77777777777777777777\"}}",
           name, group);
  assert_int_equal(rt(body, WL_8X8_JSON, &s, NULL), 0);
  assert_int_equal(s.n, 1);
  assert_int_equal(strlen(s.a[0].name), 254);
  assert_memory_equal(s.a[0].name, name, 254);
  assert_int_equal(strlen(s.a[0].group_id), 31);
  assert_memory_equal(s.a[0].group_id, group, 31);
  assert_string_equal(s.a[0].state, "unknown");
  assert_string_equal(s.a[0].vendor_code, "777777777777777");
}

static void test_xml_too_deep(void **state)
{
  char body[4096];
  size_t o = 0;
  rt_sink s = {0};
  (void)state;
  o += (size_t)snprintf(body + o, sizeof(body) - o, "<agents><agent>");
  for (int i = 0; i < 100; i++)
    o += (size_t)snprintf(body + o, sizeof(body) - o, "<x>");
  for (int i = 0; i < 100; i++)
    o += (size_t)snprintf(body + o, sizeof(body) - o, "</x>");
  snprintf(body + o, sizeof(body) - o, "</agent></agents>");
  expect_fail(rt(body, WL_8X8_XML, &s, NULL), &s, "invalid XML: elements nested too deeply");
  /* 60 levels are fine: the record has only an unknown field */
  o = (size_t)snprintf(body, sizeof(body), "<agents><agent><agent-id>d</agent-id>");
  for (int i = 0; i < 60; i++)
    o += (size_t)snprintf(body + o, sizeof(body) - o, "<x>");
  for (int i = 0; i < 60; i++)
    o += (size_t)snprintf(body + o, sizeof(body) - o, "</x>");
  snprintf(body + o, sizeof(body) - o, "</agent></agents>");
  assert_int_equal(rt(body, WL_8X8_XML, &s, NULL), 0);
  assert_int_equal(s.n, 1);
  assert_string_equal(s.a[0].agent_id, "d");
}

/* ---- stats allinteractions */

/* Times: T0 = 2024-03-10T13:00:00Z = 1710075600. */
#define T0 INT64_C(1710075600)

static const char IX_JSON[] =
    "{\"interactions\": {\"interaction\": [\n"
    /* 0: complete, durations as strings, other fields ignored */
    " {\"interaction-id\": \"1001\", \"trans-rec-num\": \"1\", \"queue-name\": \"Sales\",\n"
    "  \"media-type\": \"phone\", \"interaction-direction\": \"inbound\",\n"
    "  \"create-timestamp\": \"2024-03-10T09:00:00-04:00\",\n"
    "  \"accept-timestamp\": \"2024-03-10T09:00:30-04:00\", \"abandon-timestamp\": \"\",\n"
    "  \"agent-id\": \"jdoe\", \"process-time\": \"100\", \"post-process-time\": \"20\",\n"
    "  \"total-time\": \"150\", \"origination\": \"+15551234567\", \"customer-name\": \"X\"},\n"
    /* 1: late data: accept, agent and durations still empty */
    " {\"interaction-id\": \"1002\", \"trans-rec-num\": \"1\", \"queue-name\": \"Sales\",\n"
    "  \"media-type\": \"phone\", \"interaction-direction\": \"Inbound\",\n"
    "  \"create-timestamp\": \"2024-03-10T13:05:00Z\", \"accept-timestamp\": \"\",\n"
    "  \"abandon-timestamp\": \"\", \"agent-id\": \"\", \"process-time\": \"\",\n"
    "  \"post-process-time\": \"\"},\n"
    /* 2: HH:MM:SS and decimal durations, numbers as JSON numbers */
    " {\"interaction-id\": 1003, \"trans-rec-num\": 2, \"queue-name\": \"Support\",\n"
    "  \"media-type\": \"chat\", \"interaction-direction\": \"INBOUND\",\n"
    "  \"create-timestamp\": \"2024-03-10T09:10:00-04:00\",\n"
    "  \"accept-timestamp\": \"2024-03-10T09:12:00-04:00\",\n"
    "  \"process-time\": \"00:02:03\", \"post-process-time\": \"12.5\"},\n"
    /* 3: outbound */
    " {\"interaction-id\": \"1004\", \"trans-rec-num\": \"1\", \"queue-name\": \"Sales\",\n"
    "  \"interaction-direction\": \"outbound\", \"create-timestamp\": \"2024-03-10T13:20:00Z\",\n"
    "  \"accept-timestamp\": \"2024-03-10T13:20:05Z\", \"process-time\": 60},\n"
    /* 4: no direction (not inbound), no trans-rec-num, abandoned, number durations */
    " {\"interaction-id\": \"1005\", \"queue-name\": \"Sales\", \"media-type\": \"email\",\n"
    "  \"create-timestamp\": \"2024-03-10T13:30:00Z\", \"abandon-timestamp\": \"2024-03-10T13:31:15Z\",\n"
    "  \"process-time\": 12.4, \"post-process-time\": -3},\n"
    /* 5: no interaction-id: still a leg (never a duplicate) */
    " {\"trans-rec-num\": \"1\", \"queue-name\": \"Sales\", \"create-timestamp\": \"2024-03-10T13:00:00Z\"},\n"
    /* 6: empty direction (not inbound), late accept, H:MM:SS duration */
    " {\"interaction-id\": \"1009\", \"trans-rec-num\": \"3\", \"queue-name\": \"Sales\",\n"
    "  \"interaction-direction\": \"\", \"create-timestamp\": \"2024-03-10T13:40:00+00:00\",\n"
    "  \"accept-timestamp\": \"\", \"process-time\": \"\", \"post-process-time\": \"1:02:03\"}\n"
    "]}}";

static const char IX_XML[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<interactions>\n"
    " <interaction><interaction-id>1001</interaction-id><trans-rec-num>1</trans-rec-num>"
    "<queue-name>Sales</queue-name><media-type>phone</media-type>"
    "<interaction-direction>inbound</interaction-direction>"
    "<create-timestamp>2024-03-10T09:00:00-04:00</create-timestamp>"
    "<accept-timestamp>2024-03-10T09:00:30-04:00</accept-timestamp><abandon-timestamp/>"
    "<agent-id>jdoe</agent-id><process-time>100</process-time>"
    "<post-process-time>20</post-process-time><total-time>150</total-time>"
    "<origination>+15551234567</origination><customer-name>X</customer-name></interaction>\n"
    " <interaction><interaction-id>1002</interaction-id><trans-rec-num>1</trans-rec-num>"
    "<queue-name>Sales</queue-name><media-type>phone</media-type>"
    "<interaction-direction>Inbound</interaction-direction>"
    "<create-timestamp>2024-03-10T13:05:00Z</create-timestamp><accept-timestamp></accept-timestamp>"
    "<abandon-timestamp/><agent-id/><process-time/><post-process-time/></interaction>\n"
    " <interaction><interaction-id>1003</interaction-id><trans-rec-num>2</trans-rec-num>"
    "<queue-name>Support</queue-name><media-type>chat</media-type>"
    "<interaction-direction>INBOUND</interaction-direction>"
    "<create-timestamp>2024-03-10T09:10:00-04:00</create-timestamp>"
    "<accept-timestamp>2024-03-10T09:12:00-04:00</accept-timestamp>"
    "<process-time>00:02:03</process-time><post-process-time>12.5</post-process-time></interaction>\n"
    " <interaction><interaction-id>1004</interaction-id><trans-rec-num>1</trans-rec-num>"
    "<queue-name>Sales</queue-name><interaction-direction>outbound</interaction-direction>"
    "<create-timestamp>2024-03-10T13:20:00Z</create-timestamp>"
    "<accept-timestamp>2024-03-10T13:20:05Z</accept-timestamp><process-time>60</process-time>"
    "</interaction>\n"
    " <interaction><interaction-id>1005</interaction-id><queue-name>Sales</queue-name>"
    "<media-type>email</media-type><create-timestamp>2024-03-10T13:30:00Z</create-timestamp>"
    "<abandon-timestamp>2024-03-10T13:31:15Z</abandon-timestamp><process-time>12.4</process-time>"
    "<post-process-time>-3</post-process-time></interaction>\n"
    " <interaction><trans-rec-num>1</trans-rec-num><queue-name>Sales</queue-name>"
    "<create-timestamp>2024-03-10T13:00:00Z</create-timestamp></interaction>\n"
    " <interaction><interaction-id>1009</interaction-id><trans-rec-num>3</trans-rec-num>"
    "<queue-name>Sales</queue-name><interaction-direction></interaction-direction>"
    "<create-timestamp>2024-03-10T13:40:00+00:00</create-timestamp>"
    "<accept-timestamp></accept-timestamp><process-time></process-time>"
    "<post-process-time>1:02:03</post-process-time></interaction>\n"
    "</interactions>\n";

static void assert_leg(const wl_leg *l, const char *id, const char *trn, const char *queue,
                       const char *media, int inbound, int64_t create, int has_accept,
                       int64_t accept, int has_abandon, int64_t abandon, int64_t proc,
                       int64_t post)
{
  assert_string_equal(l->interaction_id, id);
  assert_string_equal(l->trans_rec_num, trn);
  assert_string_equal(l->queue_id, "");
  assert_string_equal(l->queue_name, queue);
  assert_string_equal(l->media_type, media);
  assert_int_equal(l->inbound, inbound);
  assert_int_equal(l->create_ts, create);
  assert_int_equal(l->has_accept, has_accept);
  assert_int_equal(l->accept_ts, accept);
  assert_int_equal(l->has_abandon, has_abandon);
  assert_int_equal(l->abandon_ts, abandon);
  assert_int_equal(l->process_s, proc);
  assert_int_equal(l->post_process_s, post);
}

static void check_ix_records(const leg_sink *s)
{
  assert_int_equal(s->n, 7);
  assert_leg(&s->l[0], "1001", "1", "Sales", "phone", 1, T0, 1, T0 + 30, 0, 0, 100, 20);
  assert_leg(&s->l[1], "1002", "1", "Sales", "phone", 1, T0 + 300, 0, 0, 0, 0, 0, 0);
  assert_leg(&s->l[2], "1003", "2", "Support", "chat", 1, T0 + 600, 1, T0 + 720, 0, 0, 123, 13);
  assert_leg(&s->l[3], "1004", "1", "Sales", "", 0, T0 + 1200, 1, T0 + 1205, 0, 0, 60, 0);
  assert_leg(&s->l[4], "1005", "", "Sales", "email", 0, T0 + 1800, 0, 0, 1, T0 + 1875, 12, 0);
  assert_leg(&s->l[5], "", "1", "Sales", "", 0, T0, 0, 0, 0, 0, 0, 0);
  assert_leg(&s->l[6], "1009", "3", "Sales", "", 0, T0 + 2400, 0, 0, 0, 0, 0, 3723);
}

static void test_ix_json(void **state)
{
  leg_sink s = {0};
  size_t nrec = 0, nskip = 0;
  (void)state;
  assert_int_equal(ix(IX_JSON, WL_8X8_JSON, &s, &nrec, &nskip), 0);
  assert_int_equal(nrec, 7);
  assert_int_equal(nskip, 0);
  check_ix_records(&s);
}

/* The same page without JSON reals is read by the one-pass reader
 * (parse_fast.c), to the same records; the \u escape in a field the reader
 * does not keep does not send it to the general path. */
static void test_ix_json_fast_path(void **state)
{
  char body[sizeof(IX_JSON) + 64];
  char *p;
  leg_sink s = {0};
  size_t nrec = 0, nskip = 0;
  (void)state;
  snprintf(body, sizeof(body), "%s", IX_JSON);
  assert_non_null(p = strstr(body, "12.4,"));
  memcpy(p, "12  ,", 5);
  assert_non_null(p = strstr(body, "+15551234567"));
  memcpy(p, "\\u00e9\\n4567", 12);
  assert_int_equal(wl_8x8_fast_interactions(body, strlen(body), NULL, NULL, &nrec), 0);
  assert_int_equal(nrec, 7);
  assert_int_equal(ix(body, WL_8X8_JSON, &s, &nrec, &nskip), 0);
  assert_int_equal(nrec, 7);
  assert_int_equal(nskip, 0);
  check_ix_records(&s);
  /* a real among the kept values: the general path reads the page */
  assert_int_equal(wl_8x8_fast_interactions(IX_JSON, strlen(IX_JSON), NULL, NULL, &nrec), 1);
}

/* A value that cannot be read fails the whole page (nothing is stored on a
 * guess); "" stays "not yet" (late data). */
static void test_ix_unreadable_values_fail_the_page(void **state)
{
  static const struct { const char *rec, *field; } bad[] = {
    {"\"create-timestamp\": \"yesterday\"", "create-timestamp"},
    {"\"create-timestamp\": \"\"", "create-timestamp"},
    {"\"create-timestamp\": \"2024-03-10T09:00:00\"", "create-timestamp"},
    {"\"create-timestamp\": \"2024-03-10T13:00:00Z\", \"accept-timestamp\": \"soon\"",
     "accept-timestamp"},
    {"\"create-timestamp\": \"2024-03-10T13:00:00Z\", \"abandon-timestamp\": \"2024-03-10T09:01:30\"",
     "abandon-timestamp"},
    {"\"create-timestamp\": \"2024-03-10T13:00:00Z\", \"process-time\": \"1:2\"", "process-time"},
    {"\"create-timestamp\": \"2024-03-10T13:00:00Z\", \"post-process-time\": \"lots\"",
     "post-process-time"},
  };
  (void)state;
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    char body[512];
    leg_sink s = {0};
    size_t nrec = 0, nskip = 0;
    snprintf(body, sizeof(body), "{\"interactions\": {\"interaction\": [{\"interaction-id\": \"7\", "
             "\"interaction-direction\": \"inbound\", %s}]}}", bad[i].rec);
    assert_int_equal(ix(body, WL_8X8_JSON, &s, &nrec, &nskip), WL_EFAIL);
    assert_non_null(strstr(wl_errmsg(), bad[i].field));
  }
  {
    /* "1e2" as text is a number of seconds, like the JSON number 1e2 */
    leg_sink s = {0};
    size_t nrec = 0, nskip = 0;
    assert_int_equal(ix("{\"interactions\": {\"interaction\": {\"interaction-id\": 8, "
                        "\"create-timestamp\": \"2024-03-10T13:00:00Z\", \"accept-timestamp\": "
                        "\"2024-03-10T13:00:05Z\", \"process-time\": \"1e2\"}}}",
                        WL_8X8_JSON, &s, &nrec, &nskip), 0);
    assert_int_equal(s.l[0].process_s, 100);
  }
}

static void test_ix_xml_same(void **state)
{
  leg_sink s = {0};
  size_t nrec = 0, nskip = 0;
  (void)state;
  assert_int_equal(ix(IX_XML, WL_8X8_XML, &s, &nrec, &nskip), 0);
  assert_int_equal(nrec, 7);
  assert_int_equal(nskip, 0);
  check_ix_records(&s);
}

static void test_ix_envelopes(void **state)
{
  static const char *empty[] = {"{\"interactions\": \"\"}",
                                "{\"interactions\": {}}",
                                "{\"interactions\": null}",
                                "{\"interactions\": {\"interaction\": []}}",
                                "{\"interactions\": {\"interaction\": \"\"}}",
                                "{}",
                                "{\"interactions\": {\"total\": \"0\"}}"};
  leg_sink s = {0};
  size_t nrec = 99, nskip = 99;
  (void)state;
  for (size_t i = 0; i < sizeof(empty) / sizeof(empty[0]); i++) {
    assert_int_equal(ix(empty[i], WL_8X8_JSON, &s, &nrec, &nskip), 0);
    assert_int_equal(s.n, 0);
    assert_int_equal(nrec, 0);
    assert_int_equal(nskip, 0);
  }
  assert_int_equal(ix("<interactions/>", WL_8X8_XML, &s, &nrec, &nskip), 0);
  assert_int_equal(nrec, 0);
  assert_int_equal(ix("{\"interactions\": {\"interaction\": {\"interaction-id\": \"7\","
                      " \"create-timestamp\": \"2024-03-10T13:00:00Z\"}}}",
                      WL_8X8_JSON, &s, &nrec, &nskip),
                   0);
  assert_int_equal(nrec, 1);
  assert_int_equal(nskip, 0);
  assert_leg(&s.l[0], "7", "", "", "", 0, T0, 0, 0, 0, 0, 0, 0);
  assert_int_equal(ix("<interactions><interaction><interaction-id>7</interaction-id>"
                      "<create-timestamp>2024-03-10T13:00:00Z</create-timestamp>"
                      "</interaction></interactions>",
                      WL_8X8_XML, &s, &nrec, &nskip),
                   0);
  assert_int_equal(nrec, 1);
  assert_leg(&s.l[0], "7", "", "", "", 0, T0, 0, 0, 0, 0, 0, 0);
  /* truncated page: nothing delivered, counts stay 0 */
  assert_int_equal(ix("{\"interactions\": {\"interaction\": [{\"interaction-id\": \"7\","
                      " \"create-timestamp\": \"2024-03-10T13:00:00Z\"}, {\"inter",
                      WL_8X8_JSON, &s, &nrec, &nskip),
                   WL_EFAIL);
  assert_int_equal(s.n, 0);
  assert_int_equal(nrec, 0);
  assert_int_equal(ix("<interactions><interaction><interaction-id>7</interaction-id>"
                      "<create-timestamp>2024-03-10T13:00:00Z</create-timestamp>"
                      "</interaction><interac",
                      WL_8X8_XML, &s, &nrec, &nskip),
                   WL_EFAIL);
  assert_int_equal(s.n, 0);
  assert_int_equal(ix("{\"agent\": []}", WL_8X8_JSON, &s, &nrec, &nskip), WL_EFAIL);
  assert_string_equal(wl_errmsg(), "expected an 8x8 interactions answer ({\"interactions\": "
                                   "{\"interaction\": ...}}), got an object with keys \"agent\"");
}

/* ---- stats queues, agents, statistics */

static void test_queues(void **state)
{
  static const char stats_json[] =
      "{\"queues\": {\"queue\": [{\"queue-id\": 101, \"queue-name\": \"Sales\","
      " \"media-type\": \"phone\"}, {\"queue-name\": \"no id\"},"
      " {\"media-type\": \"chat\", \"queue-id\": \"102\", \"queue-name\": \"Chat \xe2\x82\xac\","
      " \"queue-type\": \"x\"}]}}";
  static const char rt_json[] =
      "{\"queue\": {\"queue-id\": \"101\", \"queue-name\": \"Sales\", \"media-type\": \"phone\","
      " \"queue-size\": 3}}";
  static const char xml[] =
      "<queues><queue><queue-id>101</queue-id><queue-name>Sales</queue-name>"
      "<media-type>phone</media-type></queue><queue><queue-name>no id</queue-name></queue>"
      "<queue><media-type>chat</media-type><queue-id>102</queue-id>"
      "<queue-name>Chat &#8364;</queue-name></queue></queues>";
  q_sink s;
  size_t len;
  char *b;
  (void)state;
  memset(&s, 0, sizeof(s));
  b = exact(stats_json, &len);
  assert_int_equal(wl_8x8_parse_queues(b, len, WL_8X8_JSON, on_queue, &s), 0);
  free(b);
  b = exact(xml, &len);
  assert_int_equal(wl_8x8_parse_queues(b, len, WL_8X8_XML, on_queue, &s), 0);
  free(b);
  b = exact(rt_json, &len);
  assert_int_equal(wl_8x8_parse_queues(b, len, WL_8X8_JSON, on_queue, &s), 0);
  free(b);
  assert_int_equal(s.n, 5);
  for (int i = 0; i < 4; i += 2) {
    assert_string_equal(s.q[i].queue_id, "101");
    assert_string_equal(s.q[i].name, "Sales");
    assert_string_equal(s.q[i].media_type, "phone");
    assert_string_equal(s.q[i + 1].queue_id, "102");
    assert_string_equal(s.q[i + 1].name, "Chat \xe2\x82\xac");
    assert_string_equal(s.q[i + 1].media_type, "chat");
  }
  assert_string_equal(s.q[4].queue_id, "101");
  assert_string_equal(s.q[4].name, "Sales");
}

static void test_agents(void **state)
{
  static const char json[] =
      "{\"agents\": {\"agent\": [{\"agent-id\": \"jdoe\", \"agent-name\": \"Jane Doe\","
      " \"group-id\": \"7\"}, {\"agent-name\": \"ghost\"}, {\"group-id\": 8,"
      " \"agent-id\": \"bob\", \"agent-name\": \"Bob\", \"extra\": true}]}}";
  static const char xml[] =
      "<agents><agent><agent-id>jdoe</agent-id><agent-name>Jane Doe</agent-name>"
      "<group-id>7</group-id></agent><agent><agent-name>ghost</agent-name></agent>"
      "<agent><group-id>8</group-id><agent-id>bob</agent-id><agent-name>Bob</agent-name>"
      "<extra>true</extra></agent></agents>";
  ag_sink s;
  size_t len;
  char *b;
  (void)state;
  memset(&s, 0, sizeof(s));
  b = exact(json, &len);
  assert_int_equal(wl_8x8_parse_agents(b, len, WL_8X8_JSON, on_agent, &s), 0);
  free(b);
  b = exact(xml, &len);
  assert_int_equal(wl_8x8_parse_agents(b, len, WL_8X8_XML, on_agent, &s), 0);
  free(b);
  assert_int_equal(s.n, 4);
  for (int i = 0; i < 4; i += 2) {
    assert_string_equal(s.a[i].agent_id, "jdoe");
    assert_string_equal(s.a[i].name, "Jane Doe");
    assert_string_equal(s.a[i].group_id, "7");
    assert_string_equal(s.a[i + 1].agent_id, "bob");
    assert_string_equal(s.a[i + 1].name, "Bob");
    assert_string_equal(s.a[i + 1].group_id, "8");
  }
  b = exact("{\"agents\": \"\"}", &len);
  assert_int_equal(wl_8x8_parse_agents(b, len, WL_8X8_JSON, on_agent, &s), 0);
  free(b);
  assert_int_equal(s.n, 4);
}

static void test_statistics(void **state)
{
  static const char json[] =
      "{\"statistics\": {\"statistic\": [{\"time-stamp\": \"2024-03-10T09:00:00-04:00\","
      " \"queue-name\": \"Sales\", \"entered-count\": \"12\", \"accepted-count\": 10,"
      " \"abandoned-count\": \"2\", \"time-waiting\": \"340\"},"
      " {\"time-stamp\": \"\", \"entered-count\": 1},"
      " {\"queue-name\": \"Sales\", \"time-stamp\": \"2024-03-10T09:30:00-04:00\","
      " \"entered-count\": 3.0, \"time-waiting\": \"00:01:30\"}]}}";
  static const char xml[] =
      "<statistics><statistic><time-stamp>2024-03-10T09:00:00-04:00</time-stamp>"
      "<queue-name>Sales</queue-name><entered-count>12</entered-count>"
      "<accepted-count>10</accepted-count><abandoned-count>2</abandoned-count>"
      "<time-waiting>340</time-waiting></statistic><statistic><time-stamp/>"
      "<entered-count>1</entered-count></statistic><statistic><queue-name>Sales</queue-name>"
      "<time-stamp>2024-03-10T09:30:00-04:00</time-stamp><entered-count>3.0</entered-count>"
      "<time-waiting>00:01:30</time-waiting></statistic></statistics>";
  st_sink s;
  size_t len;
  char *b;
  (void)state;
  memset(&s, 0, sizeof(s));
  b = exact(json, &len);
  assert_int_equal(wl_8x8_parse_statistics(b, len, WL_8X8_JSON, on_stat, &s), 0);
  free(b);
  b = exact(xml, &len);
  assert_int_equal(wl_8x8_parse_statistics(b, len, WL_8X8_XML, on_stat, &s), 0);
  free(b);
  assert_int_equal(s.n, 4);
  for (int i = 0; i < 4; i += 2) {
    assert_string_equal(s.s[i].queue_name, "Sales");
    assert_int_equal(s.s[i].start_utc, T0);
    assert_int_equal(s.s[i].entered, 12);
    assert_int_equal(s.s[i].accepted, 10);
    assert_int_equal(s.s[i].abandoned, 2);
    assert_int_equal(s.s[i].time_waiting_s, 340);
    assert_int_equal(s.s[i + 1].start_utc, T0 + 1800);
    assert_int_equal(s.s[i + 1].entered, 3);
    assert_int_equal(s.s[i + 1].accepted, 0);
    assert_int_equal(s.s[i + 1].abandoned, 0);
    assert_int_equal(s.s[i + 1].time_waiting_s, 90);
  }
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_rt_json_records),
      cmocka_unit_test(test_rt_xml_same_records),
      cmocka_unit_test(test_rt_single_object),
      cmocka_unit_test(test_rt_empty_lists),
      cmocka_unit_test(test_rt_status_codes),
      cmocka_unit_test(test_state_for_status),
      cmocka_unit_test(test_rt_skipped),
      cmocka_unit_test(test_rt_invalid_and_truncated),
      cmocka_unit_test(test_rt_wrong_shapes),
      cmocka_unit_test(test_rt_callback_stops),
      cmocka_unit_test(test_rt_truncation_utf8),
      cmocka_unit_test(test_xml_too_deep),
      cmocka_unit_test(test_ix_json),
      cmocka_unit_test(test_ix_json_fast_path),
      cmocka_unit_test(test_ix_xml_same),
    cmocka_unit_test(test_ix_unreadable_values_fail_the_page),
      cmocka_unit_test(test_ix_envelopes),
      cmocka_unit_test(test_queues),
      cmocka_unit_test(test_agents),
      cmocka_unit_test(test_statistics),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
