/*
 * The store contract (store.h), written against the interface only, so the
 * same file runs against every backend: WL_TEST_DSN selects the database
 * (e.g. a PostgreSQL URI); without it each test gets a fresh SQLite file
 * under $WL_TEST_TMP (or /tmp). Source names are unique per run and every
 * test removes what it created, so a shared database stays usable.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/store.h"
#include "store_fixture.h"
#include "util/err.h"

/* ---- fixture --------------------------------------------------------- */

typedef struct fx {
  wl_store *st;
  char path[512]; /* the SQLite file, "" when WL_TEST_DSN is used */
  char dsn[600];
  int64_t src;    /* a source created for the test */
  char name[64];
} fx;

static int setup(void **state)
{
  fx *f = calloc(1, sizeof(*f));
  assert_non_null(f);
  store_fx_open(&f->st, f->path, sizeof(f->path), f->dsn, sizeof(f->dsn), "test_store");
  f->src = store_fx_add_source(f->name, sizeof(f->name), f->st, "src");
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  fx *f = *state;
  if (f->st)
    wl_store_source_remove(f->st, f->src); /* may already be gone */
  store_fx_close(f->st, f->path);
  free(f);
  return 0;
}

/* ---- row sinks: each row becomes text, so tests compare exact rows ---- */

typedef struct sink {
  char s[8192];
  size_t n;
  int count;
} sink;

static void sink_add(sink *k, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sink_add(sink *k, const char *fmt, ...)
{
  va_list ap;
  int w;
  va_start(ap, fmt);
  w = vsnprintf(k->s + k->n, sizeof(k->s) - k->n, fmt, ap);
  va_end(ap);
  assert_true(w >= 0 && (size_t)w < sizeof(k->s) - k->n);
  k->n += (size_t)w;
  k->count++;
}

static int iv_cb(void *p, const wl_interval_row *r)
{
  sink_add(p, "%s@%lld %lld/%lld/%lld/%lld/%lld f%d u%lld;", r->queue_id, (long long)r->start_utc,
           (long long)r->entered, (long long)r->accepted, (long long)r->abandoned,
           (long long)r->handle_time_s, (long long)r->wait_time_s, r->final,
           (long long)r->updated_at);
  return 0;
}

static void end_text(char *buf, size_t n, int64_t end)
{
  if (end == WL_OPEN_END)
    snprintf(buf, n, "open");
  else
    snprintf(buf, n, "%lld", (long long)end);
}

static int st_cb(void *p, const wl_state_row *r)
{
  char e[32];
  end_text(e, sizeof(e), r->end_utc);
  sink_add(p, "%s %lld-%s %s/%s;", r->agent_id, (long long)r->start_utc, e, r->state,
           r->vendor_code);
  return 0;
}

static int sc_cb(void *p, const wl_schedule_row *r)
{
  sink_add(p, "%s %lld-%lld %s;", r->agent_id, (long long)r->start_utc, (long long)r->end_utc,
           r->activity);
  return 0;
}

static int queue_cb(void *p, const wl_queue_row *r)
{
  sink_add(p, "%s=%s/%s;", r->queue_id, r->name, r->media_type);
  return 0;
}

static int agent_cb(void *p, const wl_agent_row *r)
{
  sink_add(p, "%s=%s/%s;", r->agent_id, r->name, r->group_id);
  return 0;
}

static int rule_cb(void *p, const wl_rule_row *r)
{
  sink_add(p, "%s+%s=%s/%s;", r->activity, r->state, r->verdict, r->kind);
  return 0;
}

static int setting_cb(void *p, const char *key, const char *value)
{
  sink_add(p, "%s=%s;", key, value);
  return 0;
}

static int run_cb(void *p, const wl_run_row *r)
{
  sink_add(p, "%s %lld-%lld %lld-%lld %s p%lld r%lld h%d '%s';", r->kind,
           (long long)r->window_from, (long long)r->window_to, (long long)r->started,
           (long long)r->finished, r->outcome, (long long)r->pages, (long long)r->rows,
           r->http_status, r->error);
  return 0;
}

/* Collects names of sources whose name starts with a prefix (the database
 * may be shared with other runs). */
typedef struct name_filter {
  const char *prefix;
  sink k;
} name_filter;

static int source_name_cb(void *p, const wl_source *src)
{
  name_filter *nf = p;
  if (strncmp(src->name, nf->prefix, strlen(nf->prefix)) == 0)
    sink_add(&nf->k, "%s;", src->name + strlen(nf->prefix));
  return 0;
}

static int stop_cb(void *p, const wl_interval_row *r)
{
  (void)r;
  (*(int *)p)++;
  return 7;
}

static void states_all(fx *f, sink *k, const char *agent, int64_t from, int64_t to)
{
  memset(k, 0, sizeof(*k));
  assert_int_equal(wl_store_states_query(f->st, f->src, agent, from, to, st_cb, k), 0);
}

static void intervals_all(fx *f, sink *k, const char *queue, int64_t from, int64_t to)
{
  memset(k, 0, sizeof(*k));
  assert_int_equal(wl_store_intervals_query(f->st, f->src, queue, from, to, iv_cb, k), 0);
}

/* ---- schema ---------------------------------------------------------- */

static void test_migrated_to_latest(void **state)
{
  fx *f = *state;
  int v = -1;
  assert_true(wl_store_latest_version() >= 1);
  assert_int_equal(wl_store_schema_version(f->st, &v), 0);
  assert_int_equal(v, wl_store_latest_version());
  assert_non_null(wl_store_backend(f->st));
}

static void test_reopen_keeps_data(void **state)
{
  fx *f = *state;
  wl_interval_row row = {"q1", 900, 5, 4, 1, 300, 20, 0, 42};
  wl_source src;
  sink k;
  int v = 0;
  assert_int_equal(wl_store_intervals_replace(f->st, f->src, 0, 3600, &row, 1), 0);
  assert_int_equal(wl_store_setting_set(f->st, f->src, "grace", "30"), 0);
  wl_store_close(f->st);
  f->st = NULL;
  assert_int_equal(wl_store_open(&f->st, f->dsn), 0);
  assert_int_equal(wl_store_schema_version(f->st, &v), 0);
  assert_int_equal(v, wl_store_latest_version());
  assert_int_equal(wl_store_source_get(f->st, &src, f->name), 0);
  assert_int_equal(src.id, f->src);
  intervals_all(f, &k, NULL, 0, 3600);
  assert_string_equal(k.s, "q1@900 5/4/1/300/20 f0 u42;");
}

/* ---- sources --------------------------------------------------------- */

static void test_source_add_get(void **state)
{
  fx *f = *state;
  wl_source a, b;
  memset(&a, 0, sizeof(a));
  assert_int_equal(wl_store_source_get(f->st, &a, f->name), 0);
  assert_int_equal(a.id, f->src);
  assert_string_equal(a.name, f->name);
  assert_string_equal(a.vendor, "8x8");
  assert_string_equal(a.base_url, "http://127.0.0.1:8980/api/");
  assert_string_equal(a.tenant, "acme");
  assert_string_equal(a.hist_base_url, "");
  assert_string_equal(a.hist_tenant, "");
  assert_string_equal(a.timezone, "UTC");
  assert_int_equal(a.interval_s, 10);
  assert_int_equal(a.enabled, 1);
  assert_int_equal(a.has_token, 0);
  assert_int_equal(a.has_hist_token, 0);
  assert_int_equal(a.token_changed_at, 0);
  assert_int_equal(a.created_at, 1700000000);
  assert_int_equal(a.updated_at, 1700000000);
  assert_int_equal(wl_store_source_get_by_id(f->st, &b, f->src), 0);
  assert_memory_equal(&a, &b, sizeof(a));

  /* a taken name */
  b.id = 0;
  assert_int_equal(wl_store_source_add(f->st, &b), WL_EEXISTS);
  assert_non_null(strstr(wl_errmsg(), f->name));
  assert_int_equal(wl_store_source_get(f->st, &b, "no-such-source-anywhere"), WL_ENOTFOUND);
  assert_non_null(strstr(wl_errmsg(), "no-such-source-anywhere"));
  assert_int_equal(wl_store_source_get_by_id(f->st, &b, 987654321), WL_ENOTFOUND);
}

static void test_source_list_update_remove(void **state)
{
  fx *f = *state;
  char prefix[40], n1[48], n2[48];
  wl_source s1, s2, got;
  name_filter nf;
  store_fx_unique_name(prefix, sizeof(prefix), "list");
  memset(&s1, 0, sizeof(s1));
  snprintf(n1, sizeof(n1), "%s_b", prefix);
  snprintf(n2, sizeof(n2), "%s_a", prefix);
  snprintf(s1.name, sizeof(s1.name), "%s", n1);
  snprintf(s1.vendor, sizeof(s1.vendor), "8x8");
  snprintf(s1.timezone, sizeof(s1.timezone), "Europe/Paris");
  s1.interval_s = 15;
  s1.created_at = s1.updated_at = 100;
  s2 = s1;
  snprintf(s2.name, sizeof(s2.name), "%s", n2);
  assert_int_equal(wl_store_source_add(f->st, &s1), 0);
  assert_int_equal(wl_store_source_add(f->st, &s2), 0);
  assert_true(s2.id != s1.id);

  memset(&nf, 0, sizeof(nf));
  nf.prefix = prefix;
  assert_int_equal(wl_store_source_list(f->st, source_name_cb, &nf), 0);
  assert_string_equal(nf.k.s, "_a;_b;"); /* by name */

  /* update: rename, change fields; created_at is not touched */
  got = s1;
  snprintf(got.name, sizeof(got.name), "%s_c", prefix);
  snprintf(got.hist_base_url, sizeof(got.hist_base_url), "http://127.0.0.1:1/hist/");
  snprintf(got.hist_tenant, sizeof(got.hist_tenant), "acme-h");
  got.interval_s = 30;
  got.enabled = 0;
  got.created_at = 5;
  got.updated_at = 200;
  assert_int_equal(wl_store_source_update(f->st, &got), 0);
  memset(&got, 0, sizeof(got));
  assert_int_equal(wl_store_source_get_by_id(f->st, &got, s1.id), 0);
  assert_int_equal(strcmp(got.name + strlen(prefix), "_c"), 0);
  assert_string_equal(got.hist_base_url, "http://127.0.0.1:1/hist/");
  assert_string_equal(got.hist_tenant, "acme-h");
  assert_string_equal(got.timezone, "Europe/Paris");
  assert_int_equal(got.interval_s, 30);
  assert_int_equal(got.enabled, 0);
  assert_int_equal(got.created_at, 100);
  assert_int_equal(got.updated_at, 200);
  assert_int_equal(wl_store_source_get(f->st, &got, n1), WL_ENOTFOUND);

  /* renaming onto a taken name; updating an unknown id */
  snprintf(got.name, sizeof(got.name), "%s", n2);
  assert_int_equal(wl_store_source_update(f->st, &got), WL_EEXISTS);
  got.id = 987654321;
  snprintf(got.name, sizeof(got.name), "%s_z", prefix);
  assert_int_equal(wl_store_source_update(f->st, &got), WL_ENOTFOUND);

  assert_int_equal(wl_store_source_remove(f->st, s1.id), 0);
  assert_int_equal(wl_store_source_remove(f->st, s1.id), WL_ENOTFOUND);
  assert_int_equal(wl_store_source_get_by_id(f->st, &got, s1.id), WL_ENOTFOUND);
  assert_int_equal(wl_store_source_remove(f->st, s2.id), 0);
  memset(&nf.k, 0, sizeof(nf.k));
  assert_int_equal(wl_store_source_list(f->st, source_name_cb, &nf), 0);
  assert_string_equal(nf.k.s, "");
}

static int count_sources(void *p, const wl_source *src)
{
  (void)src;
  (*(int *)p)++;
  return 0;
}

typedef struct nested {
  wl_store *st;
  int outer, inner;
} nested;

/* A callback calling back into the store, even the same query, while its
 * own query is still open. */
static int nested_list_cb(void *p, const wl_source *src)
{
  nested *n = p;
  wl_source again;
  n->outer++;
  if (wl_store_source_get(n->st, &again, src->name) != 0 || again.id != src->id)
    return 99;
  n->inner = 0;
  return wl_store_source_list(n->st, count_sources, &n->inner);
}

static void test_source_list_reentrant(void **state)
{
  fx *f = *state;
  nested n = {f->st, 0, 0};
  char name[64];
  int64_t other = store_fx_add_source(name, sizeof(name), f->st, "src");
  assert_int_equal(wl_store_source_list(f->st, nested_list_cb, &n), 0);
  assert_true(n.outer >= 2);
  assert_int_equal(n.inner, n.outer);
  /* the cached statement is usable again afterwards */
  n.inner = 0;
  assert_int_equal(wl_store_source_list(f->st, count_sources, &n.inner), 0);
  assert_int_equal(n.inner, n.outer);
  assert_int_equal(wl_store_source_remove(f->st, other), 0);
}

/* ---- tokens ---------------------------------------------------------- */

static void test_tokens(void **state)
{
  fx *f = *state;
  const unsigned char rt[] = {0x01, 0x00, 0xff, 0x42, 0x00};
  const unsigned char hist[] = {0xaa, 0xbb};
  unsigned char *out = NULL;
  size_t len = 0;
  wl_source src;

  assert_int_equal(wl_store_token_get(f->st, &out, &len, f->src, WL_TOKEN_RT), WL_ENOTFOUND);
  assert_null(out);
  assert_int_equal(wl_store_token_set(f->st, f->src, WL_TOKEN_RT, rt, sizeof(rt), 1000), 0);
  assert_int_equal(wl_store_source_get_by_id(f->st, &src, f->src), 0);
  assert_int_equal(src.has_token, 1);
  assert_int_equal(src.has_hist_token, 0);
  assert_int_equal(src.token_changed_at, 1000);
  assert_int_equal(src.hist_token_changed_at, 0);
  assert_int_equal(wl_store_token_get(f->st, &out, &len, f->src, WL_TOKEN_RT), 0);
  assert_int_equal(len, sizeof(rt));
  assert_memory_equal(out, rt, sizeof(rt)); /* embedded NULs survive */
  free(out);
  assert_int_equal(wl_store_token_get(f->st, &out, &len, f->src, WL_TOKEN_HIST), WL_ENOTFOUND);

  assert_int_equal(wl_store_token_set(f->st, f->src, WL_TOKEN_HIST, hist, sizeof(hist), 2000), 0);
  assert_int_equal(wl_store_source_get_by_id(f->st, &src, f->src), 0);
  assert_int_equal(src.has_token, 1);
  assert_int_equal(src.has_hist_token, 1);
  assert_int_equal(src.token_changed_at, 1000);
  assert_int_equal(src.hist_token_changed_at, 2000);
  assert_int_equal(wl_store_token_get(f->st, &out, &len, f->src, WL_TOKEN_HIST), 0);
  assert_int_equal(len, sizeof(hist));
  assert_memory_equal(out, hist, sizeof(hist));
  free(out);

  /* source_update does not touch tokens */
  src.has_token = 0;
  src.token_changed_at = 5;
  assert_int_equal(wl_store_source_update(f->st, &src), 0);
  assert_int_equal(wl_store_source_get_by_id(f->st, &src, f->src), 0);
  assert_int_equal(src.has_token, 1);
  assert_int_equal(src.token_changed_at, 1000);

  /* NULL clears */
  assert_int_equal(wl_store_token_set(f->st, f->src, WL_TOKEN_RT, NULL, 0, 3000), 0);
  assert_int_equal(wl_store_source_get_by_id(f->st, &src, f->src), 0);
  assert_int_equal(src.has_token, 0);
  assert_int_equal(src.token_changed_at, 3000);
  assert_int_equal(wl_store_token_get(f->st, &out, &len, f->src, WL_TOKEN_RT), WL_ENOTFOUND);

  assert_int_equal(wl_store_token_set(f->st, 987654321, WL_TOKEN_RT, rt, sizeof(rt), 1),
                   WL_ENOTFOUND);
  assert_int_equal(wl_store_token_get(f->st, &out, &len, 987654321, WL_TOKEN_RT), WL_ENOTFOUND);
}

/* ---- settings -------------------------------------------------------- */

static void test_settings(void **state)
{
  fx *f = *state;
  char key[64], buf[64], small[3];
  sink k;
  store_fx_unique_name(key, sizeof(key), "gkey"); /* global scope may be shared */

  assert_int_equal(wl_store_setting_get(f->st, buf, sizeof(buf), 0, key), WL_ENOTFOUND);
  assert_int_equal(wl_store_setting_set(f->st, 0, key, "global"), 0);
  assert_int_equal(wl_store_setting_set(f->st, f->src, key, "local"), 0);
  assert_int_equal(wl_store_setting_set(f->st, f->src, "a-first", "1"), 0);
  assert_int_equal(wl_store_setting_get(f->st, buf, sizeof(buf), 0, key), 0);
  assert_string_equal(buf, "global");
  assert_int_equal(wl_store_setting_get(f->st, buf, sizeof(buf), f->src, key), 0);
  assert_string_equal(buf, "local");
  assert_int_equal(wl_store_setting_set(f->st, f->src, key, "changed"), 0);
  assert_int_equal(wl_store_setting_get(f->st, buf, sizeof(buf), f->src, key), 0);
  assert_string_equal(buf, "changed");
  assert_int_equal(wl_store_setting_get(f->st, buf, sizeof(buf), 0, key), 0);
  assert_string_equal(buf, "global");

  memset(&k, 0, sizeof(k));
  assert_int_equal(wl_store_setting_list(f->st, f->src, setting_cb, &k), 0);
  char want[128];
  snprintf(want, sizeof(want), "a-first=1;%s=changed;", key);
  assert_string_equal(k.s, want);

  /* a value that does not fit is an error, not a silent truncation */
  assert_int_equal(wl_store_setting_get(f->st, small, sizeof(small), f->src, key), WL_EFAIL);

  /* NULL unsets */
  assert_int_equal(wl_store_setting_set(f->st, f->src, key, NULL), 0);
  assert_int_equal(wl_store_setting_get(f->st, buf, sizeof(buf), f->src, key), WL_ENOTFOUND);

  /* removing the source removes its settings, not the global ones */
  assert_int_equal(wl_store_source_remove(f->st, f->src), 0);
  memset(&k, 0, sizeof(k));
  assert_int_equal(wl_store_setting_list(f->st, f->src, setting_cb, &k), 0);
  assert_int_equal(k.count, 0);
  assert_int_equal(wl_store_setting_get(f->st, buf, sizeof(buf), 0, key), 0);
  assert_int_equal(wl_store_setting_set(f->st, 0, key, NULL), 0);
}

/* ---- queues and agents ----------------------------------------------- */

static void test_queues_agents(void **state)
{
  fx *f = *state;
  wl_queue_row q1[] = {{"20", "Sales", "phone"}, {"10", "Support", "chat"}};
  wl_queue_row q2[] = {{"20", "Sales EU", "phone"}};
  wl_agent_row a1[] = {{"bob", "Bob B", "g1"}, {"alice", "Alice A", ""}};
  wl_agent_row a2[] = {{"bob", "Robert B", "g2"}, {"carol", "Carol C", "g1"}};
  sink k;

  assert_int_equal(wl_store_queues_upsert(f->st, f->src, q1, 2), 0);
  assert_int_equal(wl_store_queues_upsert(f->st, f->src, q2, 1), 0);
  memset(&k, 0, sizeof(k));
  assert_int_equal(wl_store_queues_list(f->st, f->src, queue_cb, &k), 0);
  assert_string_equal(k.s, "10=Support/chat;20=Sales EU/phone;");

  assert_int_equal(wl_store_agents_upsert(f->st, f->src, a1, 2), 0);
  assert_int_equal(wl_store_agents_upsert(f->st, f->src, a2, 2), 0);
  memset(&k, 0, sizeof(k));
  assert_int_equal(wl_store_agents_list(f->st, f->src, agent_cb, &k), 0);
  assert_string_equal(k.s, "alice=Alice A/;bob=Robert B/g2;carol=Carol C/g1;");
  assert_int_equal(wl_store_agent_get(f->st, NULL, f->src, "carol"), 0);
  assert_int_equal(wl_store_agent_get(f->st, NULL, f->src, "dave"), WL_ENOTFOUND);

  /* a batch with a bad row changes nothing */
  wl_agent_row bad[] = {{"dave", "Dave", ""}, {"", "Nobody", ""}};
  assert_int_equal(wl_store_agents_upsert(f->st, f->src, bad, 2), WL_EUSAGE);
  assert_int_equal(wl_store_agent_get(f->st, NULL, f->src, "dave"), WL_ENOTFOUND);

  /* rows for a source that does not exist */
  assert_int_not_equal(wl_store_queues_upsert(f->st, 987654321, q2, 1), 0);
}

/* ---- interval_volume ------------------------------------------------- */

static void test_intervals_replace(void **state)
{
  fx *f = *state;
  wl_interval_row first[] = {
    {"b", 0, 3, 2, 1, 200, 30, 0, 10},
    {"a", 0, 1, 1, 0, 60, 5, 0, 10},
    {"a", 900, 2, 2, 0, 120, 8, 0, 10},
  };
  wl_interval_row later[] = {{"a", 3600, 9, 9, 0, 900, 90, 0, 11}};
  wl_interval_row again[] = {
    {"a", 1800, 4, 3, 1, 150, 12, 0, 20},
    {"a", 0, 5, 5, 0, 250, 9, 1, 20},
  };
  sink k;

  assert_int_equal(wl_store_intervals_replace(f->st, f->src, 0, 3600, first, 3), 0);
  assert_int_equal(wl_store_intervals_replace(f->st, f->src, 3600, 7200, later, 1), 0);
  intervals_all(f, &k, NULL, 0, 7200);
  assert_string_equal(k.s, "a@0 1/1/0/60/5 f0 u10;b@0 3/2/1/200/30 f0 u10;"
                           "a@900 2/2/0/120/8 f0 u10;a@3600 9/9/0/900/90 f0 u11;");

  /* replacing [0, 3600): b@0 and a@900 disappear, a@3600 is untouched */
  assert_int_equal(wl_store_intervals_replace(f->st, f->src, 0, 3600, again, 2), 0);
  intervals_all(f, &k, NULL, 0, 7200);
  assert_string_equal(k.s, "a@0 5/5/0/250/9 f1 u20;a@1800 4/3/1/150/12 f0 u20;"
                           "a@3600 9/9/0/900/90 f0 u11;");

  /* half-open query window and queue filter */
  intervals_all(f, &k, NULL, 1800, 3600);
  assert_string_equal(k.s, "a@1800 4/3/1/150/12 f0 u20;");
  assert_int_equal(wl_store_intervals_replace(f->st, f->src, 0, 900, first, 1), 0);
  intervals_all(f, &k, "b", 0, 7200);
  assert_string_equal(k.s, "b@0 3/2/1/200/30 f0 u10;");
  intervals_all(f, &k, "zz", 0, 7200);
  assert_int_equal(k.count, 0);

  /* an empty replace clears the window */
  assert_int_equal(wl_store_intervals_replace(f->st, f->src, 0, 900, NULL, 0), 0);
  intervals_all(f, &k, NULL, 0, 7200);
  assert_string_equal(k.s, "a@1800 4/3/1/150/12 f0 u20;a@3600 9/9/0/900/90 f0 u11;");

  /* a row outside the window is refused before anything changes */
  assert_int_equal(wl_store_intervals_replace(f->st, f->src, 1800, 3600, later, 1), WL_EUSAGE);
  intervals_all(f, &k, NULL, 0, 7200);
  assert_int_equal(k.count, 2);

  /* a callback's non-zero result stops the query and is returned */
  int calls = 0;
  assert_int_equal(wl_store_intervals_query(f->st, f->src, NULL, 0, 7200, stop_cb, &calls), 7);
  assert_int_equal(calls, 1);
}

static void test_intervals_finalize_delete(void **state)
{
  fx *f = *state;
  wl_interval_row rows[] = {
    {"a", 0, 1, 1, 0, 1, 1, 0, 1},
    {"a", 900, 1, 1, 0, 1, 1, 0, 1},
    {"b", 900, 1, 1, 0, 1, 1, 0, 1},
    {"a", 1800, 1, 1, 0, 1, 1, 0, 1},
  };
  sink k;
  assert_int_equal(wl_store_intervals_replace(f->st, f->src, 0, 3600, rows, 4), 0);
  assert_int_equal(wl_store_intervals_finalize(f->st, f->src, 1800), 0);
  intervals_all(f, &k, NULL, 0, 3600);
  assert_string_equal(k.s, "a@0 1/1/0/1/1 f1 u1;a@900 1/1/0/1/1 f1 u1;b@900 1/1/0/1/1 f1 u1;"
                           "a@1800 1/1/0/1/1 f0 u1;");
  assert_int_equal(wl_store_intervals_delete(f->st, f->src, "a", 900), 0);
  assert_int_equal(wl_store_intervals_delete(f->st, f->src, "a", 900), WL_ENOTFOUND);
  intervals_all(f, &k, NULL, 0, 3600);
  assert_string_equal(k.s, "a@0 1/1/0/1/1 f1 u1;b@900 1/1/0/1/1 f1 u1;a@1800 1/1/0/1/1 f0 u1;");
}

static void test_intervals_rollback(void **state)
{
  fx *f = *state;
  wl_interval_row old[] = {{"a", 0, 1, 1, 0, 10, 1, 0, 1}, {"b", 900, 2, 2, 0, 20, 2, 0, 1}};
  wl_interval_row dup[] = {{"c", 0, 7, 7, 0, 70, 7, 0, 2}, {"c", 0, 8, 8, 0, 80, 8, 0, 2}};
  wl_interval_row fresh[] = {{"d", 0, 3, 3, 0, 30, 3, 0, 3}};
  const char *before = "a@0 1/1/0/10/1 f0 u1;b@900 2/2/0/20/2 f0 u1;";
  sink k;

  assert_int_equal(wl_store_intervals_replace(f->st, f->src, 0, 3600, old, 2), 0);
  /* the delete ran before the duplicate failed: all of it is undone */
  assert_int_equal(wl_store_intervals_replace(f->st, f->src, 0, 3600, dup, 2), WL_EUSAGE);
  intervals_all(f, &k, NULL, 0, 3600);
  assert_string_equal(k.s, before);

  /* inside a caller's transaction: a failed batch dooms the transaction */
  assert_int_equal(wl_store_begin(f->st), 0);
  assert_int_equal(wl_store_intervals_replace(f->st, f->src, 0, 3600, fresh, 1), 0);
  assert_int_equal(wl_store_intervals_replace(f->st, f->src, 0, 3600, dup, 2), WL_EUSAGE);
  assert_int_equal(wl_store_commit(f->st), WL_EFAIL);
  intervals_all(f, &k, NULL, 0, 3600);
  assert_string_equal(k.s, before);

  /* an explicit rollback undoes a successful batch */
  assert_int_equal(wl_store_begin(f->st), 0);
  assert_int_equal(wl_store_intervals_replace(f->st, f->src, 0, 3600, fresh, 1), 0);
  assert_int_equal(wl_store_rollback(f->st), 0);
  intervals_all(f, &k, NULL, 0, 3600);
  assert_string_equal(k.s, before);

  /* nesting: only the outermost commit makes it durable */
  assert_int_equal(wl_store_begin(f->st), 0);
  assert_int_equal(wl_store_begin(f->st), 0);
  assert_int_equal(wl_store_intervals_replace(f->st, f->src, 0, 3600, fresh, 1), 0);
  assert_int_equal(wl_store_commit(f->st), 0);
  assert_int_equal(wl_store_commit(f->st), 0);
  intervals_all(f, &k, NULL, 0, 3600);
  assert_string_equal(k.s, "d@0 3/3/0/30/3 f0 u3;");
}

/* ---- agent_state ----------------------------------------------------- */

static wl_state_op ins(const char *agent, int64_t start, int64_t end, const char *state,
                      const char *code)
{
  wl_state_op op = {WL_STATE_INSERT, {agent, start, end, state, code}};
  return op;
}

static wl_state_op cls(const char *agent, int64_t start, int64_t end)
{
  wl_state_op op = {WL_STATE_CLOSE, {agent, start, end, NULL, NULL}};
  return op;
}

static void test_states_apply_query(void **state)
{
  fx *f = *state;
  const int64_t O = WL_OPEN_END;
  wl_state_op first[] = {ins("a1", 100, O, "available", "1"), ins("a2", 150, O, "busy", "2")};
  wl_state_op second[] = {cls("a1", 100, 300), ins("a1", 300, O, "busy", "2")};
  wl_state_op broken[] = {ins("a3", 10, O, "wrap", "3"), cls("a1", 999, 1000)};
  sink k;

  assert_int_equal(wl_store_states_apply(f->st, f->src, first, 2), 0);
  assert_int_equal(wl_store_states_apply(f->st, f->src, second, 2), 0);
  memset(&k, 0, sizeof(k));
  assert_int_equal(wl_store_states_open(f->st, f->src, st_cb, &k), 0);
  assert_string_equal(k.s, "a1 300-open busy/2;a2 150-open busy/2;");

  /* overlap with [from, to): closed ends are exclusive, open ones reach +inf */
  states_all(f, &k, NULL, 0, 120);
  assert_string_equal(k.s, "a1 100-300 available/1;");
  states_all(f, &k, NULL, 0, 100);
  assert_int_equal(k.count, 0);
  states_all(f, &k, NULL, 250, 260);
  assert_string_equal(k.s, "a1 100-300 available/1;a2 150-open busy/2;");
  states_all(f, &k, NULL, 1000000, 2000000);
  assert_string_equal(k.s, "a1 300-open busy/2;a2 150-open busy/2;");
  states_all(f, &k, "a1", 300, 400);
  assert_string_equal(k.s, "a1 300-open busy/2;");
  states_all(f, &k, "a1", 0, 1000);
  assert_string_equal(k.s, "a1 100-300 available/1;a1 300-open busy/2;");

  /* a CLOSE for a segment that does not exist fails the whole batch */
  assert_int_equal(wl_store_states_apply(f->st, f->src, broken, 2), WL_ENOTFOUND);
  states_all(f, &k, "a3", 0, 1000);
  assert_int_equal(k.count, 0);

  /* a replayed INSERT rewrites its row rather than failing */
  wl_state_op replay[] = {ins("a2", 150, 400, "busy", "2b")};
  assert_int_equal(wl_store_states_apply(f->st, f->src, replay, 1), 0);
  states_all(f, &k, "a2", 0, 1000);
  assert_string_equal(k.s, "a2 150-400 busy/2b;");

  /* a segment that ends before it starts is refused */
  wl_state_op backwards[] = {ins("a4", 500, 400, "busy", "")};
  assert_int_equal(wl_store_states_apply(f->st, f->src, backwards, 1), WL_EUSAGE);
}

/* The agent timelines before the import of [200, 600). */
static void states_seed(fx *f)
{
  const int64_t O = WL_OPEN_END;
  wl_state_op ops[] = {
    ins("x", 0, 100, "offline", "e"),      /* before: untouched */
    ins("x", 100, 250, "available", "a"),  /* crosses from: ends at 200 */
    ins("x", 250, 300, "busy", "b"),       /* inside: removed */
    ins("x", 300, 700, "wrap", "c"),       /* crosses to: starts at 600 */
    ins("x", 700, O, "break", "d"),        /* after: untouched */
    ins("y", 0, 1000, "available", "a"),   /* covers: split in two */
    ins("z", 50, O, "busy", "b"),          /* open from before: split, the tail stays open */
    ins("w", 150, 200, "wrap", "w1"),      /* ends exactly at from: untouched */
    ins("w", 300, O, "busy", "w2"),        /* open from inside: starts at 600 */
    ins("v", 0, 1000, "available", "v"),   /* another agent: untouched */
    ins("u", 600, 650, "busy", "u1"),      /* starts exactly at to: untouched */
    ins("u", 200, 600, "wrap", "u0"),      /* exactly the window: removed */
    ins("t", 100, 600, "busy", "t0"),      /* from before to exactly `to`: ends at 200 */
  };
  assert_int_equal(wl_store_states_apply(f->st, f->src, ops, sizeof(ops) / sizeof(ops[0])), 0);
}

static void replace_for(fx *f, const char *agent)
{
  wl_state_row rows[] = {
    {agent, 200, 400, "break", ""},
    {NULL, 400, 600, "available", ""}, /* NULL agent: the replaced one */
  };
  assert_int_equal(wl_store_states_replace(f->st, f->src, agent, 200, 600, rows, 2), 0);
}

/* The rows replace_for imported, as st_cb prints them. */
static void imported(char *out, size_t n, const char *agent)
{
  snprintf(out, n, "%s 200-400 break/;%s 400-600 available/;", agent, agent);
}

static void test_states_replace(void **state)
{
  fx *f = *state;
  char want[512], mid[128];
  sink k;
  states_seed(f);

  replace_for(f, "x");
  states_all(f, &k, "x", -1000, 100000);
  imported(mid, sizeof(mid), "x");
  snprintf(want, sizeof(want), "x 0-100 offline/e;x 100-200 available/a;%sx 600-700 wrap/c;"
                               "x 700-open break/d;", mid);
  assert_string_equal(k.s, want);

  replace_for(f, "y");
  states_all(f, &k, "y", -1000, 100000);
  imported(mid, sizeof(mid), "y");
  snprintf(want, sizeof(want), "y 0-200 available/a;%sy 600-1000 available/a;", mid);
  assert_string_equal(k.s, want);

  replace_for(f, "z");
  states_all(f, &k, "z", -1000, 100000);
  imported(mid, sizeof(mid), "z");
  snprintf(want, sizeof(want), "z 50-200 busy/b;%sz 600-open busy/b;", mid);
  assert_string_equal(k.s, want);

  replace_for(f, "w");
  states_all(f, &k, "w", -1000, 100000);
  imported(mid, sizeof(mid), "w");
  snprintf(want, sizeof(want), "w 150-200 wrap/w1;%sw 600-open busy/w2;", mid);
  assert_string_equal(k.s, want);

  replace_for(f, "u");
  states_all(f, &k, "u", -1000, 100000);
  imported(mid, sizeof(mid), "u");
  snprintf(want, sizeof(want), "%su 600-650 busy/u1;", mid);
  assert_string_equal(k.s, want);

  replace_for(f, "t");
  states_all(f, &k, "t", -1000, 100000);
  imported(mid, sizeof(mid), "t");
  snprintf(want, sizeof(want), "t 100-200 busy/t0;%s", mid);
  assert_string_equal(k.s, want);

  states_all(f, &k, "v", -1000, 100000);
  assert_string_equal(k.s, "v 0-1000 available/v;");

  /* an import for an agent with no history just inserts */
  replace_for(f, "new");
  states_all(f, &k, "new", -1000, 100000);
  imported(want, sizeof(want), "new");
  assert_string_equal(k.s, want);

  /* an empty import clears the window, trimming around it */
  assert_int_equal(wl_store_states_replace(f->st, f->src, "v", 200, 600, NULL, 0), 0);
  states_all(f, &k, "v", -1000, 100000);
  assert_string_equal(k.s, "v 0-200 available/v;v 600-1000 available/v;");
}

static void test_states_replace_rollback(void **state)
{
  fx *f = *state;
  wl_state_row dup[] = {{"y", 200, 300, "break", ""}, {"y", 200, 400, "busy", ""}};
  wl_state_row outside[] = {{"y", 100, 300, "break", ""}};
  wl_state_row open_row[] = {{"y", 300, WL_OPEN_END, "break", ""}};
  wl_state_row other[] = {{"x", 300, 400, "break", ""}};
  sink before, after;
  states_seed(f);
  states_all(f, &before, NULL, -1000, 100000);

  /* the split/trim steps ran before the duplicate failed: all undone */
  assert_int_equal(wl_store_states_replace(f->st, f->src, "y", 200, 600, dup, 2), WL_EUSAGE);
  assert_int_equal(wl_store_states_replace(f->st, f->src, "y", 200, 600, outside, 1), WL_EUSAGE);
  assert_int_equal(wl_store_states_replace(f->st, f->src, "y", 200, 600, open_row, 1), WL_EUSAGE);
  assert_int_equal(wl_store_states_replace(f->st, f->src, "y", 200, 600, other, 1), WL_EUSAGE);
  assert_int_equal(wl_store_states_replace(f->st, f->src, "y", 600, 200, NULL, 0), WL_EUSAGE);
  assert_int_equal(wl_store_states_replace(f->st, f->src, NULL, 200, 600, NULL, 0), WL_EUSAGE);
  states_all(f, &after, NULL, -1000, 100000);
  assert_string_equal(after.s, before.s);
}

/* ---- schedule_segment ------------------------------------------------ */

static void test_schedule(void **state)
{
  fx *f = *state;
  wl_schedule_row a[] = {
    {"a", 0, 1800, "phone"}, {"a", 1800, 2700, "break"}, {"a", 2700, 7200, "phone"},
  };
  wl_schedule_row b[] = {{"b", 0, 3600, "offline"}};
  wl_schedule_row a2[] = {{"a", 3600, 5400, "lunch"}};
  sink k;

  assert_int_equal(wl_store_schedule_replace(f->st, f->src, "a", 0, 7200, a, 3), 0);
  assert_int_equal(wl_store_schedule_replace(f->st, f->src, "b", 0, 3600, b, 1), 0);
  memset(&k, 0, sizeof(k));
  assert_int_equal(wl_store_schedule_query(f->st, f->src, NULL, 1800, 2000, sc_cb, &k), 0);
  assert_string_equal(k.s, "a 1800-2700 break;b 0-3600 offline;");
  memset(&k, 0, sizeof(k));
  assert_int_equal(wl_store_schedule_query(f->st, f->src, "a", 0, 1800, sc_cb, &k), 0);
  assert_string_equal(k.s, "a 0-1800 phone;");

  /* every segment of the agent that overlaps [3600, 5400) goes, whole */
  assert_int_equal(wl_store_schedule_replace(f->st, f->src, "a", 3600, 5400, a2, 1), 0);
  memset(&k, 0, sizeof(k));
  assert_int_equal(wl_store_schedule_query(f->st, f->src, NULL, 0, 100000, sc_cb, &k), 0);
  assert_string_equal(k.s, "a 0-1800 phone;a 1800-2700 break;a 3600-5400 lunch;"
                           "b 0-3600 offline;");

  /* a bad batch (duplicate start) leaves everything as it was */
  wl_schedule_row dup[] = {{"a", 0, 60, "phone"}, {"a", 0, 120, "phone"}};
  assert_int_equal(wl_store_schedule_replace(f->st, f->src, "a", 0, 7200, dup, 2), WL_EUSAGE);
  memset(&k, 0, sizeof(k));
  assert_int_equal(wl_store_schedule_query(f->st, f->src, "a", 0, 100000, sc_cb, &k), 0);
  assert_string_equal(k.s, "a 0-1800 phone;a 1800-2700 break;a 3600-5400 lunch;");
}

/* ---- rules ----------------------------------------------------------- */

static void test_rules(void **state)
{
  fx *f = *state;
  wl_rule_row r1 = {"phone", "busy", "in", "work"};
  wl_rule_row r2 = {"break", "break", "in", "rest"};
  wl_rule_row r3 = {"phone", "break", "out", "work"};
  wl_rule_row r1b = {"phone", "busy", "neutral", "work"};
  wl_rule_row bad = {"phone", "busy", "maybe", "work"};
  wl_rule_row badkind = {"phone", "busy", "in", "play"};
  sink k;
  assert_int_equal(wl_store_rule_set(f->st, f->src, &r1), 0);
  assert_int_equal(wl_store_rule_set(f->st, f->src, &r2), 0);
  assert_int_equal(wl_store_rule_set(f->st, f->src, &r3), 0);
  assert_int_equal(wl_store_rule_set(f->st, f->src, &r1b), 0);
  assert_int_equal(wl_store_rule_set(f->st, f->src, &bad), WL_EUSAGE);
  assert_int_equal(wl_store_rule_set(f->st, f->src, &badkind), WL_EUSAGE);
  memset(&k, 0, sizeof(k));
  assert_int_equal(wl_store_rules_list(f->st, f->src, rule_cb, &k), 0);
  assert_string_equal(k.s, "break+break=in/rest;phone+break=out/work;phone+busy=neutral/work;");
}

/* ---- collection_run -------------------------------------------------- */

static int run_id_cb(void *p, const wl_run_row *r)
{
  int64_t *prev = p;
  assert_true(*prev == 0 || r->id < *prev); /* newest first */
  *prev = r->id;
  return 0;
}

static void test_runs(void **state)
{
  fx *f = *state;
  char other_name[64];
  int64_t other = store_fx_add_source(other_name, sizeof(other_name), f->st, "src");
  int64_t r1, r2, r3, r4, prev = 0;
  sink k;

  assert_int_equal(wl_store_run_begin(f->st, &r1, f->src, "realtime", 0, 0, 1000), 0);
  assert_int_equal(wl_store_run_begin(f->st, &r2, f->src, "historical", 900, 1800, 1100), 0);
  assert_int_equal(wl_store_run_begin(f->st, &r4, other, "backfill", 0, 900, 1150), 0);
  assert_int_equal(wl_store_run_begin(f->st, &r3, f->src, "test", 0, 0, 1200), 0);
  assert_true(r1 < r2 && r2 < r4 && r4 < r3);
  assert_int_equal(wl_store_run_end(f->st, r1, 1010, "ok", 1, 25, 200, NULL), 0);
  assert_int_equal(wl_store_run_end(f->st, r2, 1105, "error", 2, 0, 503, "HTTP 503 from stats"), 0);
  assert_int_equal(wl_store_run_end(f->st, 987654321, 1, "ok", 0, 0, 0, ""), WL_ENOTFOUND);
  assert_int_equal(wl_store_run_end(f->st, r3, 1, "maybe", 0, 0, 0, ""), WL_EUSAGE);
  assert_int_equal(wl_store_run_begin(f->st, &r4, f->src, "sometimes", 0, 0, 1), WL_EUSAGE);

  memset(&k, 0, sizeof(k));
  assert_int_equal(wl_store_runs_list(f->st, f->src, 0, run_cb, &k), 0);
  assert_string_equal(k.s, "test 0-0 1200-0 running p0 r0 h0 '';"
                           "historical 900-1800 1100-1105 error p2 r0 h503 'HTTP 503 from stats';"
                           "realtime 0-0 1000-1010 ok p1 r25 h200 '';");
  memset(&k, 0, sizeof(k));
  assert_int_equal(wl_store_runs_list(f->st, f->src, 2, run_cb, &k), 0);
  assert_int_equal(k.count, 2);
  assert_non_null(strstr(k.s, "test 0-0"));
  assert_non_null(strstr(k.s, "historical"));
  memset(&k, 0, sizeof(k));
  assert_int_equal(wl_store_runs_list(f->st, other, 0, run_cb, &k), 0);
  assert_string_equal(k.s, "backfill 0-900 1150-0 running p0 r0 h0 '';");
  /* all sources, newest first */
  assert_int_equal(wl_store_runs_list(f->st, 0, 0, run_id_cb, &prev), 0);
  assert_true(prev > 0);
  assert_int_equal(wl_store_source_remove(f->st, other), 0);
}

/* ---- source_remove: everything of the source goes -------------------- */

static int count_any(void *p, const void *row)
{
  (void)row;
  (*(int *)p)++;
  return 0;
}

static int count_iv(void *p, const wl_interval_row *r) { return count_any(p, r); }
static int count_st(void *p, const wl_state_row *r) { return count_any(p, r); }
static int count_sc(void *p, const wl_schedule_row *r) { return count_any(p, r); }
static int count_q(void *p, const wl_queue_row *r) { return count_any(p, r); }
static int count_a(void *p, const wl_agent_row *r) { return count_any(p, r); }
static int count_r(void *p, const wl_rule_row *r) { return count_any(p, r); }
static int count_run(void *p, const wl_run_row *r) { return count_any(p, r); }
static int count_set(void *p, const char *k, const char *v)
{
  (void)v;
  return count_any(p, k);
}

static int count_all(fx *f, int64_t id)
{
  int n = 0;
  assert_int_equal(wl_store_intervals_query(f->st, id, NULL, 0, 100000, count_iv, &n), 0);
  assert_int_equal(wl_store_states_query(f->st, id, NULL, 0, 100000, count_st, &n), 0);
  assert_int_equal(wl_store_schedule_query(f->st, id, NULL, 0, 100000, count_sc, &n), 0);
  assert_int_equal(wl_store_queues_list(f->st, id, count_q, &n), 0);
  assert_int_equal(wl_store_agents_list(f->st, id, count_a, &n), 0);
  assert_int_equal(wl_store_rules_list(f->st, id, count_r, &n), 0);
  assert_int_equal(wl_store_runs_list(f->st, id, 0, count_run, &n), 0);
  assert_int_equal(wl_store_setting_list(f->st, id, count_set, &n), 0);
  return n;
}

static void fill_source(fx *f, int64_t id)
{
  wl_interval_row iv = {"q", 0, 1, 1, 0, 1, 1, 0, 1};
  wl_state_op op = ins("a", 10, WL_OPEN_END, "busy", "2");
  wl_schedule_row sc = {"a", 0, 900, "phone"};
  wl_queue_row q = {"q", "Q", "phone"};
  wl_agent_row a = {"a", "A", ""};
  wl_rule_row r = {"phone", "busy", "in", "work"};
  int64_t run;
  assert_int_equal(wl_store_intervals_replace(f->st, id, 0, 900, &iv, 1), 0);
  assert_int_equal(wl_store_states_apply(f->st, id, &op, 1), 0);
  assert_int_equal(wl_store_schedule_replace(f->st, id, "a", 0, 900, &sc, 1), 0);
  assert_int_equal(wl_store_queues_upsert(f->st, id, &q, 1), 0);
  assert_int_equal(wl_store_agents_upsert(f->st, id, &a, 1), 0);
  assert_int_equal(wl_store_rule_set(f->st, id, &r), 0);
  assert_int_equal(wl_store_run_begin(f->st, &run, id, "realtime", 0, 0, 5), 0);
  assert_int_equal(wl_store_setting_set(f->st, id, "k", "v"), 0);
}

static void test_source_remove_cascades(void **state)
{
  fx *f = *state;
  char other_name[64];
  int64_t other = store_fx_add_source(other_name, sizeof(other_name), f->st, "src");
  fill_source(f, f->src);
  fill_source(f, other);
  assert_int_equal(count_all(f, f->src), 8);
  assert_int_equal(wl_store_source_remove(f->st, f->src), 0);
  assert_int_equal(count_all(f, f->src), 0);
  assert_int_equal(count_all(f, other), 8); /* the other source keeps its data */
  assert_int_equal(wl_store_source_remove(f->st, other), 0);
}

/* ---- DSN parsing (backend independent) ------------------------------- */

static void test_dsn_refused(void **state)
{
  wl_store *st = (wl_store *)1;
  (void)state;
  assert_int_equal(wl_store_open(&st, "mysql://x"), WL_EUSAGE);
  assert_null(st);
  assert_string_equal(wl_errmsg(),
                      "--db: 'mysql://x' is not a DSN (use sqlite:PATH or postgresql://...)");
  assert_int_equal(wl_store_open(&st, "wfmlink.db"), WL_EUSAGE);
  assert_int_equal(wl_store_open(&st, "sqlite:"), WL_EUSAGE);
  assert_int_equal(wl_store_open(&st, ""), WL_EUSAGE);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
  const struct CMUnitTest tests[] = {
    T(test_migrated_to_latest),
    T(test_reopen_keeps_data),
    T(test_source_add_get),
    T(test_source_list_update_remove),
    T(test_source_list_reentrant),
    T(test_tokens),
    T(test_settings),
    T(test_queues_agents),
    T(test_intervals_replace),
    T(test_intervals_finalize_delete),
    T(test_intervals_rollback),
    T(test_states_apply_query),
    T(test_states_replace),
    T(test_states_replace_rollback),
    T(test_schedule),
    T(test_rules),
    T(test_runs),
    T(test_source_remove_cascades),
    cmocka_unit_test(test_dsn_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
