/* Run owners, heartbeats and stale runs (core/runs.h). */
#include "core/runs.h"
#include "core/job.h"
#include "core/settings.h"
#include "util/err.h"
#include "util/timeutil.h"

#include <errno.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

/* This host's name (up to 64 bytes: out holds 65); 0, or -1 with the
 * stand-in "host" when it cannot be read: every host that falls back
 * shares that name, so it never identifies this host (gone_from_this_host). */
static int host_name(char *out, size_t n)
{
  int rc = gethostname(out, n) == 0 && memchr(out, '\0', n) ? 0 : -1;
  if (rc != 0)
    snprintf(out, n, "host");
  return rc;
}

void wl_owner_id(char *out, size_t n)
{
  char host[65];
  unsigned char r[4];
  host_name(host, sizeof(host));
  randombytes_buf(r, sizeof(r));
  snprintf(out, n, "%s:%ld:%02x%02x%02x%02x", host, (long)getpid(), r[0], r[1], r[2], r[3]);
}

int64_t wl_heartbeat_ttl_s(void)
{
  const char *env = getenv("WFMLINK_LEASE_TTL_S");
  long ttl = env && *env ? strtol(env, NULL, 10) : 30;
  return ttl >= 3 ? ttl : 30;
}

static void heartbeat_key(char *key, size_t n, const char *prefix, const char *owner)
{
  snprintf(key, n, "%s%s", prefix, owner);
}

int wl_process_heartbeat(wl_app *app, int64_t ttl_s)
{
  char key[256], val[32];
  heartbeat_key(key, sizeof(key), "process:", app->owner);
  snprintf(val, sizeof(val), "%lld", (long long)(wl_lease_now() + ttl_s));
  return wl_setting_set(app->st, 0, key, val);
}

void wl_process_heartbeat_clear(wl_app *app)
{
  char key[256];
  heartbeat_key(key, sizeof(key), "process:", app->owner);
  wl_setting_set(app->st, 0, key, NULL);
}

/* 1 when owner ran on this host and its process is gone. Parsed from the
 * right: the host name may not hold ':', but be safe about it anyway. */
static int gone_from_this_host(const char *owner)
{
  char host[65], *end;
  const char *rnd = strrchr(owner, ':'), *pid_at;
  long pid;
  if (!rnd || rnd == owner)
    return 0;
  for (pid_at = rnd - 1; pid_at > owner && *pid_at != ':'; pid_at--)
    ;
  if (pid_at == owner)
    return 0;
  if (host_name(host, sizeof(host)) != 0 || (size_t)(pid_at - owner) != strlen(host) ||
      memcmp(owner, host, strlen(host)) != 0)
    return 0;
  pid = strtol(pid_at + 1, &end, 10);
  if (end != rnd || pid <= 0)
    return 0;
  return kill((pid_t)pid, 0) != 0 && errno == ESRCH;
}

/* Only a heartbeat that is not there is missing: one that cannot be read
 * now (a lost PostgreSQL connection, which the next call reconnects) counts
 * as live, so that no live process's run is closed on a failed read; the
 * next sweep decides. */
static int heartbeat_live(wl_app *app, const char *prefix, const char *owner, int64_t now)
{
  char key[256], val[32];
  int rc;
  heartbeat_key(key, sizeof(key), prefix, owner);
  if ((rc = wl_store_setting_get(app->st, val, sizeof(val), 0, key)) != 0)
    return rc != WL_ENOTFOUND;
  return strtoll(val, NULL, 10) > now;
}

static int run_is_stale(wl_app *app, const char *owner, int64_t now)
{
  if (!owner || !owner[0])
    return 1; /* recorded before runs had owners */
  if (strcmp(owner, app->owner) == 0)
    return 0;
  if (gone_from_this_host(owner))
    return 1;
  return !heartbeat_live(app, "instance:", owner, now) &&
         !heartbeat_live(app, "process:", owner, now);
}

typedef struct running_runs {
  int64_t ids[64];
  char owners[64][208];
  int n;
} running_runs;

static int note_running(void *payload, const wl_run_row *row)
{
  running_runs *rr = payload;
  if (strcmp(row->outcome, "running") == 0 && rr->n < 64) {
    rr->ids[rr->n] = row->id;
    snprintf(rr->owners[rr->n++], sizeof(rr->owners[0]), "%s", row->owner ? row->owner : "");
  }
  return 0;
}

/* "process:" heartbeats long expired, of processes that ended without
 * removing theirs (serve removes expired "instance:" ones itself). */
typedef struct expired_keys {
  int64_t now;
  char keys[8][256];
  int n;
} expired_keys;

static int note_expired(void *payload, const char *key, const char *value)
{
  expired_keys *ek = payload;
  /* an hour past its expiry: a heartbeat renewed between this list and the
   * delete below would otherwise be deleted while its process lives */
  if (strncmp(key, "process:", 8) == 0 && strtoll(value, NULL, 10) <= ek->now - 3600 && ek->n < 8)
    snprintf(ek->keys[ek->n++], sizeof(ek->keys[0]), "%s", key);
  return 0;
}

static void drop_expired_heartbeats(wl_app *app, int64_t now)
{
  expired_keys ek = {.now = now, .n = 0};
  if (wl_store_setting_list(app->st, 0, note_expired, &ek) != 0)
    return;
  for (int i = 0; i < ek.n; i++)
    wl_setting_set(app->st, 0, ek.keys[i], NULL);
}

int wl_runs_interrupt_stale(int *marked, wl_app *app, int64_t source_id)
{
  running_runs *rr = calloc(1, sizeof(*rr));
  int64_t now = wl_lease_now();
  int rc;
  *marked = 0;
  if (!rr)
    return wl_err(WL_ENOMEM, "out of memory");
  /* the newest runs: a crashed process leaves at most its last ones open;
   * listed first, judged after (no query inside another's rows) */
  rc = wl_store_runs_list(app->st, source_id, 200, note_running, rr);
  for (int i = 0; i < rr->n && rc == 0; i++) {
    if (!run_is_stale(app, rr->owners[i], now))
      continue;
    rc = wl_store_run_end(app->st, rr->ids[i], wl_now(), "interrupted", 0, 0, 0,
                          "the process collecting it ended without finishing it");
    if (rc == 0)
      (*marked)++;
    else if (rc == WL_ENOTFOUND)
      rc = 0; /* its process finished it after the list (and then ended) */
  }
  free(rr);
  if (rc == 0)
    drop_expired_heartbeats(app, now);
  return rc;
}
