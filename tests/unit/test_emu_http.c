/* The emulator over real HTTP on 127.0.0.1 (a free port), fetched with
 * libcurl: authentication, shapes, paging, time parameters, consistency with
 * the ground truth, every fault kind and every quirk. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "emu/emu.h"
#include "util/err.h"
#include "util/timeutil.h"

#define NOW 1710342000LL /* Wednesday 2024-03-13T15:00:00Z */
#define USER "demo:demo-token"

static wl_emu *emu;
static char base[128]; /* http://127.0.0.1:PORT */

typedef struct resp {
  CURLcode cc;
  long status;
  char *body;
  size_t len;
  char retry_after[32];
  char ctype[64];
  double secs;
} resp;

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
  resp *r = ud;
  char *nb = realloc(r->body, r->len + size * n + 1);
  assert_non_null(nb);
  memcpy(nb + r->len, p, size * n);
  r->body = nb;
  r->len += size * n;
  r->body[r->len] = '\0';
  return size * n;
}

static void header_value(char *dst, size_t cap, const char *line, size_t n, const char *name)
{
  size_t k = strlen(name);
  if (n > k && strncasecmp(line, name, k) == 0) {
    const char *v = line + k;
    while (*v == ' ')
      v++;
    size_t len = n - (size_t)(v - line);
    while (len && (v[len - 1] == '\r' || v[len - 1] == '\n'))
      len--;
    snprintf(dst, cap, "%.*s", (int)len, v);
  }
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
  resp *r = ud;
  header_value(r->retry_after, sizeof(r->retry_after), p, size * n, "Retry-After:");
  header_value(r->ctype, sizeof(r->ctype), p, size * n, "Content-Type:");
  return size * n;
}

/* GET (or method) base + path with Basic credentials user (NULL: none). */
static resp fetch_m(const char *method, const char *path, const char *user, long timeout_ms)
{
  char url[1024];
  resp r;
  memset(&r, 0, sizeof(r));
  snprintf(url, sizeof(url), "%s%s", base, path);
  CURL *c = curl_easy_init();
  curl_easy_setopt(c, CURLOPT_URL, url);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  if (method)
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
  if (user) {
    curl_easy_setopt(c, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
    curl_easy_setopt(c, CURLOPT_USERPWD, user);
  }
  r.cc = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
  curl_easy_getinfo(c, CURLINFO_TOTAL_TIME, &r.secs);
  curl_easy_cleanup(c);
  if (!r.body)
    r.body = calloc(1, 1);
  return r;
}

static resp fetch(const char *path)
{
  return fetch_m(NULL, path, USER, 10000);
}

static void done(resp *r)
{
  free(r->body);
  r->body = NULL;
}

static json_t *fetch_json(const char *path)
{
  resp r = fetch(path);
  json_error_t err;
  assert_int_equal(r.status, 200);
  json_t *j = json_loads(r.body, 0, &err);
  if (!j)
    fail_msg("invalid JSON from %s: %s", path, err.text);
  done(&r);
  return j;
}

static void control(const char *path)
{
  resp r = fetch_m("POST", path, NULL, 5000);
  if (r.status != 200)
    fail_msg("%s: %ld %s", path, r.status, r.body);
  done(&r);
}

static int setup(void **state)
{
  wl_emu_config cfg;
  (void)state;
  wl_emu_config_init(&cfg);
  cfg.fake_now = NOW;
  cfg.quiet = 1;
  if (wl_emu_start(&emu, &cfg) != 0)
    fail_msg("start: %s", wl_errmsg());
  snprintf(base, sizeof(base), "http://127.0.0.1:%u", (unsigned)wl_emu_port(emu));
  assert_true(strncmp(wl_emu_base_url(emu), base, strlen(base)) == 0);
  return 0;
}

static int teardown(void **state)
{
  (void)state;
  wl_emu_stop(emu);
  emu = NULL;
  return 0;
}

/* Sum of a truth interval column for queue qid over [from, to). */
static long truth_sum(long qid, const char *from, const char *to, int column)
{
  char path[256];
  snprintf(path, sizeof(path), "/_emu/truth/intervals?from=%s&to=%s", from, to);
  resp r = fetch_m(NULL, path, NULL, 10000);
  assert_int_equal(r.status, 200);
  long sum = 0;
  for (char *line = strtok(r.body, "\n"); line; line = strtok(NULL, "\n")) {
    long v[9] = {0};
    char name[64], iso[40];
    if (sscanf(line, "%ld,%63[^,],%ld,%39[^,],%ld,%ld,%ld,%ld,%ld", &v[0], name, &v[2], iso,
               &v[4], &v[5], &v[6], &v[7], &v[8]) == 9 &&
        (qid == 0 || v[0] == qid))
      sum += v[column];
  }
  done(&r);
  return sum;
}

/* ---- tests ------------------------------------------------------------- */

static void test_auth(void **state)
{
  (void)state;
  const char *p = "/api/rtstats/stats/agents.json";
  resp r = fetch_m(NULL, p, NULL, 5000);
  assert_int_equal(r.status, 401);
  assert_string_equal(r.body, "<API><Error>401 - Unauthorized.</Error></API>");
  done(&r);
  r = fetch_m(NULL, p, "demo:wrong", 5000);
  assert_int_equal(r.status, 401);
  done(&r);
  r = fetch_m(NULL, p, "other:demo-token", 5000);
  assert_int_equal(r.status, 401);
  done(&r);
  r = fetch(p);
  assert_int_equal(r.status, 200);
  assert_string_equal(r.ctype, "application/json");
  done(&r);
}

static void test_rt_agents_json_and_xml(void **state)
{
  (void)state;
  json_t *j = fetch_json("/api/rtstats/stats/agents.json");
  json_t *arr = json_object_get(j, "agent");
  assert_true(json_is_array(arr));
  assert_int_equal(json_array_size(arr), 20);
  json_t *a0 = json_array_get(arr, 0);
  assert_string_equal(json_string_value(json_object_get(a0, "agent-id")), "zmuller01");
  assert_string_equal(json_string_value(json_object_get(a0, "agent-name")), "Zoë Müller");
  for (size_t i = 0; i < 20; i++) {
    json_t *a = json_array_get(arr, i);
    assert_true(json_is_integer(json_object_get(a, "agent-status")));
    assert_true(json_integer_value(json_object_get(a, "time-in-status")) >= 0);
    assert_true(json_is_integer(json_object_get(a, "phone-line2-status-time")));
  }
  json_decref(j);

  resp x = fetch("/api/rtstats/stats/agents");
  assert_int_equal(x.status, 200);
  assert_string_equal(x.ctype, "application/xml");
  assert_true(strncmp(x.body, "<?xml", 5) == 0);
  assert_non_null(strstr(x.body, "<agents>"));
  int n = 0;
  for (const char *p = x.body; (p = strstr(p, "<agent>")) != NULL; p++)
    n++;
  assert_int_equal(n, 20);
  resp x2 = fetch("/api/rtstats/stats/agents.xml");
  assert_string_equal(x.body, x2.body);
  done(&x);
  done(&x2);

  j = fetch_json("/api/rtstats/stats/agent/jpena02.json");
  arr = json_object_get(j, "agent");
  assert_int_equal(json_array_size(arr), 1);
  assert_string_equal(json_string_value(json_object_get(json_array_get(arr, 0), "agent-name")),
                      "José Peña");
  json_decref(j);

  static const char *const missing[] = {"/api/rtstats/stats/agent/nobody.json",
                                        "/api/rtstats/stats/queue/999",
                                        "/api/stats/queues/999/statistics.json", "/api/nothing",
                                        "/elsewhere"};
  for (size_t i = 0; i < 5; i++) {
    resp r = fetch(missing[i]);
    assert_int_equal(r.status, 404);
    assert_string_equal(r.body, "<API><Error>404 - Not Found.</Error></API>");
    done(&r);
  }
  resp r = fetch_m("POST", "/api/rtstats/stats/agents", USER, 5000);
  assert_int_equal(r.status, 405);
  done(&r);
}

static long jint(json_t *o, const char *k)
{
  json_t *v = json_object_get(o, k);
  if (!json_is_integer(v))
    fail_msg("%s is not an integer", k);
  return (long)json_integer_value(v);
}

static void test_rt_queues_consistent(void **state)
{
  (void)state;
  json_t *ag = fetch_json("/api/rtstats/stats/agents.json");
  json_t *qs = fetch_json("/api/rtstats/stats/queues.json");
  json_t *arr = json_object_get(qs, "queue");
  assert_int_equal(json_array_size(arr), 4);
  for (size_t i = 0; i < 4; i++) {
    json_t *q = json_array_get(arr, i);
    long count[10] = {0}, assigned = 0;
    long qid = jint(q, "queue-id");
    for (size_t k = 0; k < 20; k++) {
      json_t *a = json_array_get(json_object_get(ag, "agent"), k);
      if (jint(a, "group-id") == qid - 100) {
        assigned++;
        count[jint(a, "agent-status")]++;
      }
    }
    assert_int_equal(jint(q, "assigned-agent-count"), assigned);
    assert_int_equal(jint(q, "agent-count-waitTransact"), count[0]);
    assert_int_equal(jint(q, "agent-count-busy"), count[1] + count[2]);
    assert_int_equal(jint(q, "agent-count-postProcess"), count[3]);
    assert_int_equal(jint(q, "agent-count-onBreak"), count[4]);
    assert_int_equal(jint(q, "agent-count-workOffline"), count[5]);
    assert_int_equal(jint(q, "agent-count-loggedOut"), count[9]);
    assert_int_equal(jint(q, "enabled-agent-count"), assigned - count[9]);
    /* day and thirty-minute counters match the interactions */
    assert_int_equal(jint(q, "day-queued"),
                     truth_sum(qid, "2024-03-13T00:00:00Z", "2024-03-13T15:00:01Z", 4));
    assert_int_equal(jint(q, "thirty-min-queued"),
                     truth_sum(qid, "2024-03-13T15:00:00Z", "2024-03-13T15:00:01Z", 4));
    assert_true(jint(q, "day-accepted") <= jint(q, "day-queued"));
    assert_true(jint(q, "day-queued") > 20);
  }
  json_t *one = fetch_json("/api/rtstats/stats/queue/102.json");
  assert_true(json_equal(json_array_get(json_object_get(one, "queue"), 0),
                         json_array_get(arr, 1)));
  json_decref(one);
  json_decref(ag);
  json_decref(qs);
}

typedef struct key {
  long long id;
  long trn;
  char create[40];
} key;

static void test_paging(void **state)
{
  (void)state;
  static key keys[2000];
  size_t n = 0, inbound = 0;
  long pages = 0;
  for (long first = 1;; first += 50) {
    char path[256];
    snprintf(path, sizeof(path),
             "/api/stats/allinteractions.json?d=2024-03-13T08:00:00%%2B00:00,"
             "2024-03-13T09:59:59%%2B00:00&n=%ld",
             first);
    json_t *j = fetch_json(path);
    json_t *arr = json_object_get(json_object_get(j, "interactions"), "interaction");
    assert_true(json_is_array(arr));
    size_t k = json_array_size(arr);
    pages++;
    for (size_t i = 0; i < k; i++) {
      json_t *l = json_array_get(arr, i);
      assert_true(n < 2000);
      keys[n].id = (long long)json_integer_value(json_object_get(l, "interaction-id"));
      keys[n].trn = (long)json_integer_value(json_object_get(l, "trans-rec-num"));
      snprintf(keys[n].create, sizeof(keys[n].create), "%s",
               json_string_value(json_object_get(l, "create-timestamp")));
      inbound += strcmp(json_string_value(json_object_get(l, "interaction-direction")),
                        "inbound") == 0;
      n++;
    }
    json_decref(j);
    if (k < 50)
      break;
    assert_int_equal(k, 50);
  }
  assert_true(pages >= 3);
  for (size_t i = 1; i < n; i++) { /* ordered, no duplicates across pages */
    int c = strcmp(keys[i - 1].create, keys[i].create);
    assert_true(c < 0 || (c == 0 && (keys[i - 1].id < keys[i].id ||
                                     (keys[i - 1].id == keys[i].id &&
                                      keys[i - 1].trn < keys[i].trn))));
  }
  assert_int_equal(inbound, truth_sum(0, "2024-03-13T08:00:00Z", "2024-03-13T10:00:00Z", 4));
  assert_int_equal(wl_emu_requests(emu, "/api/stats/allinteractions.json"), pages);
  /* a page past the end is an empty list */
  json_t *j = fetch_json("/api/stats/allinteractions.json?d=2024-03-13T08:00:00Z,"
                         "2024-03-13T09:59:59Z&n=5001");
  assert_int_equal(json_array_size(json_object_get(json_object_get(j, "interactions"),
                                                   "interaction")),
                   0);
  json_decref(j);
}

static void test_range_parameter_forms(void **state)
{
  (void)state;
  resp a = fetch("/api/stats/allinteractions.csv?d=2024-03-13T09:00:00%2B01:00,"
                 "2024-03-13T09:29:59%2B01:00");
  resp b = fetch("/api/stats/allinteractions.csv?d=2024-03-13T09:00:00+01:00,"
                 "2024-03-13T09:29:59+01:00");
  resp c = fetch("/api/stats/allinteractions.csv?d=2024-03-13T08:00:00Z,2024-03-13T08:29:59Z");
  assert_int_equal(a.status, 200);
  assert_string_equal(a.ctype, "text/csv");
  assert_true(strncmp(a.body, "interaction-id,trans-rec-num,queue-name,media-type,", 51) == 0);
  assert_string_equal(a.body, b.body);
  assert_string_equal(a.body, c.body);
  done(&a);
  done(&b);
  done(&c);
  /* END is inclusive to the second */
  resp incl = fetch("/api/stats/allinteractions.csv?d=2024-03-13T08:00:00Z,2024-03-13T08:29:59Z");
  resp excl = fetch("/api/stats/allinteractions.csv?d=2024-03-13T08:00:00Z,2024-03-13T08:29:58Z");
  assert_true(incl.len >= excl.len);
  done(&incl);
  done(&excl);
  static const char *const bad[] = {
      "/api/stats/allinteractions.json?d=yesterday",
      "/api/stats/allinteractions.json?d=2024-03-13T08:00:00Z",
      "/api/stats/allinteractions.json?d=2024-03-13T08:00:00,2024-03-13T09:00:00",
      "/api/stats/allinteractions.json?d=2024-03-13T09:00:00Z,2024-03-13T08:00:00Z",
      "/api/stats/allinteractions.json?d=2024-02-30T08:00:00Z,2024-03-13T08:00:00Z",
      "/api/stats/allinteractions.json?n=abc",
      "/api/stats/allinteractions.json?tz=Mars/Olympus",
      "/api/stats/queues/101/statistics.json?d=x,y",
      "/api/stats/allinteractions.json?d=1999-01-01T00:00:00Z,1999-01-02T00:00:00Z"};
  for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
    resp r = fetch(bad[i]);
    if (r.status != 400)
      fail_msg("%s gave %ld", bad[i], r.status);
    assert_string_equal(r.body, "<API><Error>400 - Bad Request.</Error></API>");
    done(&r);
  }
}

static void test_tz_rendering_on_dst_day(void **state)
{
  (void)state;
  resp r = fetch("/api/stats/queues/101/statistics.xml?d=2024-03-10T05:00:00Z,"
                 "2024-03-10T07:59:59Z&tz=America/New_York");
  assert_int_equal(r.status, 200);
  assert_non_null(strstr(r.body, "<time-stamp>2024-03-10T00:00:00-05:00</time-stamp>"));
  assert_non_null(strstr(r.body, "<time-stamp>2024-03-10T01:30:00-05:00</time-stamp>"));
  assert_non_null(strstr(r.body, "<time-stamp>2024-03-10T03:00:00-04:00</time-stamp>"));
  assert_null(strstr(r.body, "T02:00:00"));
  done(&r);
  r = fetch("/api/stats/allinteractions.csv?d=2024-03-13T09:00:00Z,2024-03-13T09:59:59Z"
            "&tz=Asia/Kolkata");
  assert_non_null(strstr(r.body, ",2024-03-13T14:3"));
  assert_non_null(strstr(r.body, "+05:30,"));
  assert_null(strstr(r.body, "+00:00"));
  done(&r);
}

static void test_statistics_match_truth(void **state)
{
  (void)state;
  json_t *j = fetch_json("/api/stats/queues/101/statistics.json?d=2024-03-13T08:00:00Z,"
                         "2024-03-13T11:59:59Z");
  json_t *arr = json_object_get(json_object_get(j, "statistics"), "statistic");
  assert_int_equal(json_array_size(arr), 8);
  for (size_t i = 0; i < 8; i++) {
    json_t *s = json_array_get(arr, i);
    char from[32], to[32];
    snprintf(from, sizeof(from), "%ld", 1710316800L + 1800L * (long)i);
    snprintf(to, sizeof(to), "%ld", 1710316800L + 1800L * (long)(i + 1));
    /* two 15-minute truth rows add up to one 30-minute bucket */
    assert_int_equal(jint(s, "entered-count"), truth_sum(101, from, to, 4));
    assert_int_equal(jint(s, "accepted-count"), truth_sum(101, from, to, 5));
    assert_int_equal(jint(s, "abandoned-count"), truth_sum(101, from, to, 6));
    assert_int_equal(jint(s, "time-waiting"), truth_sum(101, from, to, 8));
  }
  json_decref(j);
}

static void test_late_columns(void **state)
{
  (void)state;
  json_t *j = fetch_json("/api/stats/allinteractions.json?d=2024-03-13T14:10:00Z,"
                         "2024-03-13T14:59:59Z");
  json_t *arr = json_object_get(json_object_get(j, "interactions"), "interaction");
  assert_true(json_array_size(arr) > 5);
  for (size_t i = 0; i < json_array_size(arr); i++) {
    json_t *l = json_array_get(arr, i);
    assert_string_equal(json_string_value(json_object_get(l, "agent-id")), "");
    assert_string_equal(json_string_value(json_object_get(l, "accept-timestamp")), "");
    assert_string_equal(json_string_value(json_object_get(l, "process-time")), "");
    assert_string_equal(json_string_value(json_object_get(l, "post-process-time")), "");
  }
  json_decref(j);
  j = fetch_json("/api/stats/allinteractions.json?d=2024-03-13T13:00:00Z,2024-03-13T13:29:59Z");
  arr = json_object_get(json_object_get(j, "interactions"), "interaction");
  size_t filled = 0;
  for (size_t i = 0; i < json_array_size(arr); i++) {
    json_t *l = json_array_get(arr, i);
    if (json_is_integer(json_object_get(l, "process-time"))) {
      filled++;
      assert_true(strlen(json_string_value(json_object_get(l, "agent-id"))) > 0);
    }
  }
  assert_true(filled > 10);
  json_decref(j);
}

static int64_t iso(json_t *l, const char *k)
{
  int64_t t;
  const char *s = json_string_value(json_object_get(l, k));
  assert_non_null(s);
  if (!*s)
    return 0;
  assert_int_equal(wl_time_parse_iso(&t, s), 0);
  return t;
}

/* What a collector computes from the API for a window that is no longer
 * late equals the truth, for every queue and column (emails wait long). */
static void test_api_legs_aggregate_to_truth(void **state)
{
  (void)state;
  long sum[5][4];
  memset(sum, 0, sizeof(sum));
  for (long first = 1;; first += 50) {
    char path[256];
    snprintf(path, sizeof(path), "/api/stats/allinteractions.json?d=2024-03-13T11:00:00Z,"
                                 "2024-03-13T13:59:59Z&n=%ld", first);
    json_t *j = fetch_json(path);
    json_t *arr = json_object_get(json_object_get(j, "interactions"), "interaction");
    size_t k = json_array_size(arr);
    for (size_t i = 0; i < k; i++) {
      json_t *l = json_array_get(arr, i);
      const char *q = json_string_value(json_object_get(l, "queue-name"));
      int qi = strcmp(q, "Sales") == 0 ? 0 : strcmp(q, "Support Chat") == 0 ? 1
             : strcmp(q, "Billing & Accounts") == 0 ? 2 : 3;
      if (strcmp(json_string_value(json_object_get(l, "interaction-direction")), "inbound"))
        continue;
      int64_t create = iso(l, "create-timestamp"), acc = iso(l, "accept-timestamp");
      int64_t ab = iso(l, "abandon-timestamp");
      sum[0][qi]++;
      if (acc) {
        sum[1][qi]++;
        sum[3][qi] += jint(l, "process-time") + jint(l, "post-process-time");
        sum[4][qi] += acc - create;
      }
      if (ab) {
        sum[2][qi]++;
        sum[4][qi] += ab - create;
      }
    }
    json_decref(j);
    if (k < 50)
      break;
  }
  for (int q = 0; q < 4; q++)
    for (int col = 0; col < 5; col++)
      assert_int_equal(sum[col][q], truth_sum(101 + q, "2024-03-13T11:00:00Z",
                                              "2024-03-13T14:00:00Z", 4 + col));
  assert_true(sum[4][2] > 0 && sum[0][2] > 10);
}

typedef struct hang_arg {
  resp r;
} hang_arg;

static void *hang_thread(void *p)
{
  hang_arg *h = p;
  h->r = fetch_m(NULL, "/api/rtstats/stats/queues.json", USER, 1500);
  return NULL;
}

static void test_faults(void **state)
{
  (void)state;
  const char *p = "/api/rtstats/stats/agents.json";
  resp r;
  control("/_emu/fault?kind=500&count=2&path=agents");
  control("/_emu/fault?kind=503&count=1&path=allinteractions");
  r = fetch_m(NULL, "/_emu/faults", NULL, 5000);
  assert_string_equal(r.body, "kind,count,path,retry_after\n500,2,agents,1\n"
                              "503,1,allinteractions,1\n");
  done(&r);
  r = fetch("/api/rtstats/stats/queues.json"); /* path does not match */
  assert_int_equal(r.status, 200);
  done(&r);
  for (int i = 0; i < 2; i++) {
    r = fetch(p);
    assert_int_equal(r.status, 500);
    assert_string_equal(r.body, "<API><Error>500 - Internal Server Error.</Error></API>");
    done(&r);
  }
  r = fetch(p);
  assert_int_equal(r.status, 200);
  done(&r);
  r = fetch("/api/stats/allinteractions.json");
  assert_int_equal(r.status, 503);
  done(&r);

  control("/_emu/fault?kind=429&count=1&retry_after=7");
  r = fetch(p);
  assert_int_equal(r.status, 429);
  assert_string_equal(r.retry_after, "7");
  done(&r);

  control("/_emu/fault?kind=401&count=1");
  r = fetch(p);
  assert_int_equal(r.status, 401);
  assert_string_equal(r.body, "<API><Error>401 - Unauthorized.</Error></API>");
  done(&r);

  control("/_emu/fault?kind=truncate&count=1");
  r = fetch(p);
  assert_int_equal(r.cc, CURLE_PARTIAL_FILE);
  assert_int_equal(r.status, 200);
  done(&r);

  control("/_emu/fault?kind=badjson&count=1");
  r = fetch(p);
  assert_int_equal(r.status, 200);
  assert_null(json_loads(r.body, 0, NULL));
  done(&r);

  control("/_emu/fault?kind=reset&count=1");
  r = fetch(p);
  assert_true(r.cc == CURLE_GOT_NOTHING || r.cc == CURLE_RECV_ERROR);
  done(&r);

  /* a hanging request does not hold up the others */
  control("/_emu/fault?kind=hang&count=1&path=queues&seconds=30");
  pthread_t th;
  hang_arg h;
  memset(&h, 0, sizeof(h));
  assert_int_equal(pthread_create(&th, NULL, hang_thread, &h), 0);
  struct timespec pause = {0, 200 * 1000 * 1000};
  nanosleep(&pause, NULL);
  r = fetch(p);
  assert_int_equal(r.status, 200);
  assert_true(r.secs < 1.0);
  done(&r);
  pthread_join(th, NULL);
  assert_int_equal(h.r.cc, CURLE_OPERATION_TIMEDOUT);
  done(&h.r);

  control("/_emu/fault?kind=500&count=5");
  r = fetch_m("DELETE", "/_emu/faults", NULL, 5000);
  assert_int_equal(r.status, 200);
  done(&r);
  r = fetch(p);
  assert_int_equal(r.status, 200);
  done(&r);
  r = fetch_m("POST", "/_emu/fault?kind=teapot", NULL, 5000);
  assert_int_equal(r.status, 400);
  done(&r);
  assert_int_equal(wl_emu_add_fault(emu, "503", 1, "agents", 0), 0);
  r = fetch(p);
  assert_int_equal(r.status, 503);
  done(&r);
}

static void test_quirks(void **state)
{
  (void)state;
  resp r;
  control("/_emu/quirks?set=single-object");
  r = fetch("/api/rtstats/stats/agent/zmuller01.json");
  assert_true(strncmp(r.body, "{\"agent\":{\"agent-id\":\"zmuller01\"", 32) == 0);
  done(&r);
  r = fetch("/api/stats/queues.json?n=4");
  assert_true(strncmp(r.body, "{\"queues\":{\"queue\":{\"queue-id\":104", 34) == 0);
  done(&r);

  control("/_emu/quirks?set=empty-string");
  r = fetch("/api/stats/allinteractions.json?d=2024-03-13T03:00:00Z,2024-03-13T03:00:01Z");
  assert_string_equal(r.body, "{\"interactions\":\"\"}\n");
  done(&r);
  control("/_emu/quirks?set=none");
  r = fetch("/api/stats/allinteractions.json?d=2024-03-13T03:00:00Z,2024-03-13T03:00:01Z");
  assert_string_equal(r.body, "{\"interactions\":{\"interaction\":[]}}\n");
  done(&r);

  control("/_emu/quirks?set=numbers-as-strings");
  json_t *j = fetch_json("/api/rtstats/stats/agents.json");
  json_t *a = json_array_get(json_object_get(j, "agent"), 0);
  assert_true(json_is_string(json_object_get(a, "agent-status")));
  assert_true(json_is_string(json_object_get(a, "time-in-status")));
  json_decref(j);

  control("/_emu/quirks?set=extra-fields");
  r = fetch("/api/rtstats/stats/agents.json");
  assert_non_null(strstr(r.body, "\"x-emu-extra\":\"x1\""));
  assert_non_null(strstr(r.body, "},\n{\"custom-field-count\":1,\"x-emu-extra\":\"x2\","));
  done(&r);
  r = fetch("/api/rtstats/stats/agents.csv");
  assert_true(strncmp(r.body, "agent-id,agent-name,", 20) == 0);
  assert_non_null(strstr(r.body, "media-type,x-emu-extra,custom-field-count\n"));
  done(&r);

  control("/_emu/quirks?set=durations-as-text");
  j = fetch_json("/api/stats/allinteractions.json?d=2024-03-13T10:00:00Z,2024-03-13T10:29:59Z");
  json_t *arr = json_object_get(json_object_get(j, "interactions"), "interaction");
  int clock = 0, decimal = 0;
  for (size_t i = 0; i < json_array_size(arr); i++) {
    const char *v = json_string_value(json_object_get(json_array_get(arr, i), "process-time"));
    assert_non_null(v);
    clock += strlen(v) == 8 && v[2] == ':' && v[5] == ':';
    decimal += strstr(v, ".5") != NULL;
  }
  assert_true(clock > 0 && decimal > 0);
  json_decref(j);

  r = fetch_m(NULL, "/_emu/quirks", NULL, 5000);
  assert_string_equal(r.body, "durations-as-text\n");
  done(&r);
  r = fetch_m("POST", "/_emu/quirks?set=bogus", NULL, 5000);
  assert_int_equal(r.status, 400);
  done(&r);
  wl_emu_set_quirks(emu, 0);
}

static void test_control_endpoints(void **state)
{
  (void)state;
  resp r = fetch_m(NULL, "/_emu/clock", NULL, 5000);
  assert_string_equal(r.body, "1710342000 2024-03-13T15:00:00+00:00\n");
  done(&r);
  control("/_emu/clock?advance=60");
  assert_int_equal(wl_emu_now(emu), NOW + 60);
  wl_emu_set_now(emu, NOW);
  r = fetch_m(NULL, "/_emu/truth/states?from=2024-03-13T09:00:00Z&to=2024-03-13T09:05:00Z",
              NULL, 5000);
  assert_int_equal(r.status, 200);
  assert_true(strncmp(r.body, "agent_id,state,vendor_code,start_utc,end_utc\nzmuller01,", 55) ==
              0);
  done(&r);
  r = fetch_m(NULL, "/_emu/schedule?from=2024-03-13&to=2024-03-14", NULL, 5000);
  assert_true(strncmp(r.body, "agent_id,start,end,activity\nzmuller01,2024-03-13T", 48) == 0);
  assert_non_null(strstr(r.body, ",lunch\n"));
  done(&r);
  r = fetch_m(NULL, "/_emu/truth/states?tenant=nobody", NULL, 5000);
  assert_int_equal(r.status, 400);
  done(&r);
  wl_emu_reset_requests(emu);
  r = fetch("/api/stats/agents.json");
  done(&r);
  r = fetch_m(NULL, "/_emu/requests", NULL, 5000);
  assert_string_equal(r.body, "path,count\n/api/stats/agents.json,1\n(all),1\n");
  done(&r);
  r = fetch_m(NULL, "/_emu/info", NULL, 5000);
  assert_non_null(strstr(r.body, "\"tenants\":[\"demo\"],\"agents\":20,\"queues\":4"));
  assert_null(strstr(r.body, "demo-token"));
  done(&r);
}

static void test_tenants_and_remote_refusal(void **state)
{
  (void)state;
  wl_emu_config cfg;
  wl_emu *multi;
  wl_emu_config_init(&cfg);
  cfg.tenants = 3;
  cfg.token = "t0k";
  cfg.agents = 5;
  cfg.fake_now = NOW;
  assert_int_equal(wl_emu_start(&multi, &cfg), 0);
  assert_string_equal(wl_emu_tenant_name(multi, 2), "tenant2");
  assert_string_equal(wl_emu_tenant_token(multi, 2), "t0k-2");
  char saved[128];
  memcpy(saved, base, sizeof(saved));
  snprintf(base, sizeof(base), "http://127.0.0.1:%u", (unsigned)wl_emu_port(multi));
  resp a = fetch_m(NULL, "/api/rtstats/stats/agents.json", "tenant2:t0k-2", 5000);
  resp b = fetch_m(NULL, "/api/rtstats/stats/agents.json", "tenant1:t0k-1", 5000);
  resp c = fetch_m(NULL, "/api/rtstats/stats/agents.json", "tenant2:t0k-1", 5000);
  assert_int_equal(a.status, 200);
  assert_int_equal(b.status, 200);
  assert_int_equal(c.status, 401);
  assert_string_not_equal(a.body, b.body); /* each tenant has its own agents */
  done(&a);
  done(&b);
  done(&c);
  memcpy(base, saved, sizeof(saved));
  wl_emu_stop(multi);

  wl_emu_config_init(&cfg);
  cfg.host = "0.0.0.0";
  assert_int_equal(wl_emu_start(&multi, &cfg), WL_EUSAGE);
  cfg.host = "10.1.2.3";
  assert_int_equal(wl_emu_start(&multi, &cfg), WL_EUSAGE);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_auth),
      cmocka_unit_test(test_rt_agents_json_and_xml),
      cmocka_unit_test(test_rt_queues_consistent),
      cmocka_unit_test(test_paging),
      cmocka_unit_test(test_range_parameter_forms),
      cmocka_unit_test(test_tz_rendering_on_dst_day),
      cmocka_unit_test(test_statistics_match_truth),
      cmocka_unit_test(test_late_columns),
      cmocka_unit_test(test_api_legs_aggregate_to_truth),
      cmocka_unit_test(test_faults),
      cmocka_unit_test(test_quirks),
      cmocka_unit_test(test_control_endpoints),
      cmocka_unit_test(test_tenants_and_remote_refusal),
  };
  curl_global_init(CURL_GLOBAL_DEFAULT);
  int rc = cmocka_run_group_tests(tests, setup, teardown);
  curl_global_cleanup();
  return rc;
}
