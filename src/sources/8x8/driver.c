/*
 * The 8x8 Contact Center driver (sources/driver.h): everything core/ needs
 * to know of 8x8 (docs 8x8-api.md) in one struct. The real-time API is
 * rtstats/stats/agents; history is stats/queues, then stats/allinteractions
 * for the window, paged with n= (1-based index of a page's first record,
 * 50 records a full page) and bounded by d=START,END where END is
 * inclusive to the second.
 */
#include "sources/8x8/client.h"
#include "sources/8x8/parse.h"
#include "sources/8x8/stream.h"
#include "util/err.h"
#include "util/timeutil.h"

#include <stdio.h>
#include <string.h>

/* A window this many full pages long is not one 8x8 pages. */
#define MAX_PAGES 20000

/* The historical API root and tenant, defaulting to the real-time ones. */
static void hist_root(wl_src_request *out, const wl_source *src)
{
  out->base_url = *src->hist_base_url ? src->hist_base_url : src->base_url;
  out->tenant = *src->hist_tenant ? src->hist_tenant : src->tenant;
}

static int realtime_request(wl_src_request *out, const wl_source *src)
{
  memset(out, 0, sizeof(*out));
  out->base_url = src->base_url;
  out->tenant = src->tenant;
  snprintf(out->path, sizeof(out->path), "rtstats/stats/agents.json");
  return 0;
}

static int queues_request(wl_src_request *out, const wl_source *src, int64_t next_n)
{
  memset(out, 0, sizeof(*out));
  hist_root(out, src);
  snprintf(out->path, sizeof(out->path), "stats/queues.json");
  snprintf(out->query, sizeof(out->query), "n=%lld", (long long)next_n);
  return 0;
}

/* d=START,END&tz=ZONE&n=N for [from, to) in the source's zone. */
static int window_query(wl_src_request *out, const wl_tz *tz, int64_t from, int64_t to,
                        int64_t next_n)
{
  char a[WL_ISO_LEN], b[WL_ISO_LEN], d[128], ed[256], etz[128];
  /* 8x8's END is inclusive to the second (8x8-api.md) */
  wl_time_format(a, sizeof(a), from, tz);
  wl_time_format(b, sizeof(b), to - 1, tz);
  snprintf(d, sizeof(d), "%s,%s", a, b);
  if (wl_8x8_escape(ed, sizeof(ed), d) || wl_8x8_escape(etz, sizeof(etz), wl_tz_name(tz)))
    return WL_EUSAGE;
  snprintf(out->query, sizeof(out->query), "d=%s&tz=%s&n=%lld", ed, etz, (long long)next_n);
  return 0;
}

static int window_request(wl_src_request *out, const wl_source *src, const wl_tz *tz,
                          int64_t from, int64_t to, int64_t next_n)
{
  memset(out, 0, sizeof(*out));
  hist_root(out, src);
  snprintf(out->path, sizeof(out->path), "stats/allinteractions.json");
  return window_query(out, tz, from, to, next_n);
}

static int statistics_request(wl_src_request *out, const wl_source *src, const wl_tz *tz,
                              const char *queue_id, int64_t from, int64_t to, int64_t next_n)
{
  memset(out, 0, sizeof(*out));
  hist_root(out, src);
  snprintf(out->path, sizeof(out->path), "stats/queues/%s/statistics.json", queue_id);
  return window_query(out, tz, from, to, next_n);
}

static int parse_realtime(const char *buf, size_t len, wl_rt_agent_cb cb, void *payload,
                          size_t *nskipped)
{
  return wl_8x8_parse_rt_agents(buf, len, wl_8x8_detect_format(buf, len), cb, payload,
                                nskipped);
}

static int parse_queues(const char *buf, size_t len, wl_src_queue_cb cb, void *payload)
{
  return wl_8x8_parse_queues(buf, len, wl_8x8_detect_format(buf, len), cb, payload);
}

static int parse_window(const char *buf, size_t len, wl_leg_cb cb, void *payload,
                        size_t *nrecords, size_t *nskipped)
{
  return wl_8x8_parse_interactions(buf, len, wl_8x8_detect_format(buf, len), cb, payload,
                                   nrecords, nskipped);
}

static int parse_statistics(const char *buf, size_t len, wl_src_stat_cb cb, void *payload)
{
  return wl_8x8_parse_statistics(buf, len, wl_8x8_detect_format(buf, len), cb, payload);
}

/* A full page means more may follow, whatever it held. */
static int next_page(int64_t *next_n, size_t nrecords, int64_t pages)
{
  if (nrecords < WL_8X8_PAGE_SIZE)
    return 0;
  if (pages >= MAX_PAGES)
    return wl_err(WL_EFAIL, "more than %d pages in one window: 8x8 does not seem to page",
                  MAX_PAGES);
  *next_n += (int64_t)nrecords;
  return 1;
}

static int count_agent(void *payload, const wl_rt_agent *a)
{
  (void)a;
  (*(size_t *)payload)++;
  return 0;
}

static int count_queue(void *payload, const wl_src_queue *q)
{
  (void)q;
  (*(size_t *)payload)++;
  return 0;
}

/* What a failed test says. Nothing of the remote answer is repeated (no
 * body, no key names, no XML root, no Location): a web user chooses the
 * address, so the test must not become a way to read other servers. */
static void test_failed(wl_conntest_result *out, const wl_8x8_req *r, int parsed, int historical)
{
  const char *what = historical ? "statistics" : "real-time statistics";
  if (parsed)
    snprintf(out->message, sizeof(out->message), "not an 8x8 answer: %s answered HTTP %ld, but "
             "not with 8x8 %s; check the base URL", r->host, r->status, what);
  else if (r && r->status >= 300 && r->status < 400)
    snprintf(out->message, sizeof(out->message), "%s redirects (HTTP %ld): set the base URL to "
             "8x8's API address itself (https://vcc-REGION.8x8.com/api/)", r->host, r->status);
  else
    snprintf(out->message, sizeof(out->message), "%s", wl_errmsg());
}

static void test(wl_conntest_result *out, const char *base_url, const char *tenant,
                 const char *token, int historical)
{
  wl_8x8_req *r = NULL;
  size_t n = 0, skipped = 0;
  const char *path = historical ? "stats/queues.json" : "rtstats/stats/agents.json";
  int rc, parsed = 0;
  memset(out, 0, sizeof(*out));
  curl_global_init(CURL_GLOBAL_DEFAULT);
  rc = wl_8x8_req_new(&r, base_url, path, NULL, tenant, token, 15);
  if (rc == 0)
    rc = wl_8x8_req_perform(r);
  if (rc == 0) {
    const char *b = r->body.ptr ? r->body.ptr : "";
    rc = historical ? parse_queues(b, r->body.len, count_queue, &n)
                    : parse_realtime(b, r->body.len, count_agent, &n, &skipped);
    parsed = rc != 0;
  }
  out->http_status = r ? r->status : 0;
  out->ok = rc == 0;
  if (rc == 0)
    snprintf(out->message, sizeof(out->message), "connected; %zu %s", n,
             historical ? (n == 1 ? "queue" : "queues") : (n == 1 ? "agent" : "agents"));
  else
    test_failed(out, r, parsed, historical);
  wl_8x8_req_free(r);
}

const wl_source_driver wl_8x8_driver = {
  .vendor = "8x8",
  .page_size = WL_8X8_PAGE_SIZE,
  .max_pages = MAX_PAGES,
  .realtime_request = realtime_request,
  .queues_request = queues_request,
  .window_request = window_request,
  .statistics_request = statistics_request,
  .parse_realtime = parse_realtime,
  .parse_queues = parse_queues,
  .parse_window = parse_window,
  .parse_statistics = parse_statistics,
  .next_page = next_page,
  .test = test,
  .stream = &wl_8x8_stream,
};
