#include "core/conntest.h"
#include "sources/8x8/client.h"
#include "sources/8x8/parse.h"
#include "util/err.h"
#include "wfm/adherence.h"

#include <stdio.h>
#include <string.h>

static int count_agent(void *payload, const wl_rt_agent *a)
{
  (void)a;
  (*(size_t *)payload)++;
  return 0;
}

static int count_queue(void *payload, const wl_8x8_queue *q)
{
  (void)q;
  (*(size_t *)payload)++;
  return 0;
}

void wl_conntest_values(wl_conntest_result *out, const char *base_url, const char *tenant,
                        const char *token, enum wl_token_kind kind)
{
  wl_8x8_req *r = NULL;
  size_t n = 0, skipped = 0;
  int rc;
  int rt = kind == WL_TOKEN_RT;
  const char *path = rt ? "rtstats/stats/agents.json" : "stats/queues.json";
  memset(out, 0, sizeof(*out));
  curl_global_init(CURL_GLOBAL_DEFAULT);
  rc = wl_8x8_req_new(&r, base_url, path, NULL, tenant, token, 15);
  if (rc == 0)
    rc = wl_8x8_req_perform(r);
  if (rc == 0) {
    const char *b = r->body.ptr ? r->body.ptr : "";
    enum wl_8x8_format fmt = b[strspn(b, " \t\r\n")] == '<' ? WL_8X8_XML : WL_8X8_JSON;
    rc = rt ? wl_8x8_parse_rt_agents(b, r->body.len, fmt, count_agent, &n, &skipped)
            : wl_8x8_parse_queues(b, r->body.len, fmt, count_queue, &n);
    if (rc)
      wl_err_wrap(rc, "the answer is not an 8x8 %s answer",
                  rt ? "real-time statistics" : "statistics");
  }
  out->http_status = r ? r->status : 0;
  out->ok = rc == 0;
  if (rc == 0)
    snprintf(out->message, sizeof(out->message), "connected; %zu %s", n,
             rt ? (n == 1 ? "agent" : "agents") : (n == 1 ? "queue" : "queues"));
  else
    snprintf(out->message, sizeof(out->message), "%s", wl_errmsg());
  wl_8x8_req_free(r);
}

void wl_conntest(wl_conntest_result *out, wl_app *app, const wl_source *src,
                 enum wl_token_kind kind)
{
  char *token = NULL;
  int rt = kind == WL_TOKEN_RT;
  if (wl_token_load(&token, app, src, kind) != 0) {
    memset(out, 0, sizeof(*out));
    snprintf(out->message, sizeof(out->message), "%s", wl_errmsg());
    return;
  }
  wl_conntest_values(out, rt || !*src->hist_base_url ? src->base_url : src->hist_base_url,
                     rt || !*src->hist_tenant ? src->tenant : src->hist_tenant, token, kind);
  wl_token_free(token);
}

int wl_seed_default_rules(wl_store *st, int64_t source_id)
{
  const wl_rule_row *rows;
  size_t n;
  wl_adh_default_rules(&rows, &n);
  for (size_t i = 0; i < n; i++) {
    int rc = wl_store_rule_set(st, source_id, &rows[i]);
    if (rc)
      return rc;
  }
  return 0;
}
