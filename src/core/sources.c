/*
 * Source use-cases (core/sources.h): each change in one transaction, so a
 * source is never half created.
 */
#include "core/sources.h"
#include "core/conntest.h"
#include "core/settings.h"
#include "core/stream.h"
#include "util/err.h"
#include "util/secret.h"

#include <stdio.h>
#include <stdlib.h>

/* One setting as `source set` stores it: checked, in canonical form; ""
 * removes it (back to its default). */
static int store_setting(wl_app *app, int64_t source_id, const char *key, const char *value)
{
  char canon[512];
  if (!value[0])
    return wl_setting_set(app->st, source_id, key, NULL);
  if (wl_setting_check(canon, sizeof(canon), wl_setting_find(key), value, 0) != 0)
    return WL_EUSAGE;
  return wl_setting_set(app->st, source_id, key, canon);
}

/* The tokens and settings of ex, inside the caller's transaction. */
static int store_extras(wl_app *app, int64_t source_id, const wl_source_extras *ex)
{
  int rc = 0;
  if (!ex)
    return 0;
  if (ex->allow_fast_poll)
    rc = wl_setting_set(app->st, source_id, "allow-fast-poll", "on");
  if (rc == 0 && ex->token)
    rc = wl_token_store(app, source_id, WL_TOKEN_RT, ex->token);
  if (rc == 0 && ex->hist_token)
    rc = wl_token_store(app, source_id, WL_TOKEN_HIST, ex->hist_token);
  if (rc == 0 && ex->stream)
    rc = store_setting(app, source_id, "stream", ex->stream);
  if (rc == 0 && ex->stream_host)
    rc = store_setting(app, source_id, "stream-host", ex->stream_host);
  return rc;
}

static int finish(wl_app *app, int rc)
{
  if (rc) {
    wl_store_rollback(app->st);
    return rc;
  }
  return wl_store_commit(app->st);
}

int wl_source_create(wl_app *app, wl_source *src, const wl_source_extras *ex)
{
  int rc = wl_store_begin(app->st);
  if (rc)
    return rc;
  if ((rc = wl_store_source_add(app->st, src)) == 0 &&
      (rc = store_extras(app, src->id, ex)) == 0)
    rc = wl_seed_default_rules(app->st, src->id);
  return finish(app, rc);
}

int wl_source_update(wl_app *app, const wl_source *src, const wl_source_extras *ex)
{
  int rc = wl_store_begin(app->st);
  if (rc)
    return rc;
  if ((rc = wl_store_source_update(app->st, src)) == 0)
    rc = store_extras(app, src->id, ex);
  return finish(app, rc);
}

int wl_source_stream_check(char *out, size_t cap, const wl_source *src, int stream,
                           const char *host)
{
  char derived[300];
  int rc;
  snprintf(out, cap, "%s", "");
  if (host && host[0])
    return wl_stream_host_for(out, cap, src, host);
  if (!stream)
    return 0;
  rc = wl_stream_host_for(derived, sizeof(derived), src, NULL);
  if (rc == WL_ENOTFOUND) /* the vendor's hosts, not the driver's words for `source set` */
    return wl_err(WL_EUSAGE, "stream-host: required while the event stream is on: %s does not "
                  "tell the stream host; set the tenant's region host (%s)", src->base_url,
                  wl_source_stream_hosts(src->vendor));
  return rc ? WL_EUSAGE : 0;
}

const char *wl_source_stream_hosts(const char *vendor)
{
  const wl_source_driver *drv = wl_source_driver_find(vendor);
  return drv && drv->stream ? drv->stream->hosts_hint : "";
}

int wl_source_remove(wl_app *app, int64_t source_id)
{
  return wl_store_source_remove(app->st, source_id);
}

int wl_source_begin(wl_app *app)
{
  return wl_store_begin(app->st);
}

int wl_source_commit(wl_app *app)
{
  return wl_store_commit(app->st);
}

void wl_source_rollback(wl_app *app)
{
  wl_store_rollback(app->st);
}

int wl_source_get(wl_store *st, wl_source *out, const char *name)
{
  return wl_store_source_get(st, out, name);
}

int wl_source_get_by_id(wl_store *st, wl_source *out, int64_t id)
{
  return wl_store_source_get_by_id(st, out, id);
}

int wl_source_list(wl_store *st, wl_source_cb cb, void *payload)
{
  return wl_store_source_list(st, cb, payload);
}

int wl_source_token(char **out, wl_app *app, int64_t source_id, enum wl_token_kind kind)
{
  unsigned char *blob = NULL;
  size_t len = 0;
  int rc = wl_store_token_get(app->st, &blob, &len, source_id, kind);
  *out = NULL;
  if (rc == 0)
    rc = wl_secret_decrypt(out, app->key_path, blob, len);
  free(blob);
  return rc;
}

int wl_source_queues(wl_store *st, int64_t source_id, wl_queue_cb cb, void *payload)
{
  return wl_store_queues_list(st, source_id, cb, payload);
}

int wl_source_agents(wl_store *st, int64_t source_id, wl_agent_cb cb, void *payload)
{
  return wl_store_agents_list(st, source_id, cb, payload);
}

int wl_source_intervals(wl_store *st, int64_t source_id, const char *queue_id, int64_t from,
                        int64_t to, wl_interval_cb cb, void *payload)
{
  return wl_store_intervals_query(st, source_id, queue_id, from, to, cb, payload);
}

int wl_source_schedule(wl_store *st, int64_t source_id, const char *agent_id, int64_t from,
                       int64_t to, wl_schedule_cb cb, void *payload)
{
  return wl_store_schedule_query(st, source_id, agent_id, from, to, cb, payload);
}

int wl_source_runs(wl_store *st, int64_t source_id, int limit, wl_run_cb cb, void *payload)
{
  return wl_store_runs_list(st, source_id, limit, cb, payload);
}

int wl_source_runs_in_range(wl_store *st, int64_t source_id, const char *kind, int64_t from,
                            int64_t to, int limit, wl_run_cb cb, void *payload)
{
  return wl_store_runs_in_range(st, source_id, kind, from, to, limit, cb, payload);
}
