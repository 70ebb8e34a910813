#include "core/conntest.h"
#include "core/stream.h"
#include "util/err.h"
#include "wfm/adherence.h"

#include <stdio.h>
#include <string.h>

void wl_conntest_values(wl_conntest_result *out, const char *vendor, const char *base_url,
                        const char *tenant, const char *token, enum wl_token_kind kind)
{
  const wl_source_driver *drv = wl_source_driver_find(vendor);
  memset(out, 0, sizeof(*out));
  if (!drv) {
    snprintf(out->message, sizeof(out->message), "%s", wl_errmsg());
    return;
  }
  drv->test(out, base_url, tenant, token, kind == WL_TOKEN_HIST);
}

void wl_conntest(wl_conntest_result *out, wl_app *app, const wl_source *src,
                 enum wl_token_kind kind)
{
  const wl_source_driver *drv = wl_source_driver_find(src->vendor);
  wl_src_request rq; /* where the driver sends this kind of request */
  char *token = NULL;
  memset(out, 0, sizeof(*out));
  if (!drv || (kind == WL_TOKEN_RT ? drv->realtime_request(&rq, src)
                                   : drv->queues_request(&rq, src, 1)) != 0 ||
      wl_token_load(&token, app, src, kind) != 0) {
    snprintf(out->message, sizeof(out->message), "%s", wl_errmsg());
    return;
  }
  drv->test(out, rq.base_url, rq.tenant, token, kind == WL_TOKEN_HIST);
  wl_token_free(token);
}

void wl_conntest_stream(wl_conntest_result *out, wl_app *app, const wl_source *src)
{
  memset(out, 0, sizeof(*out));
  out->ok = wl_stream_test(out->message, sizeof(out->message), app, src, 5) == 0;
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
