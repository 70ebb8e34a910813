/*
 * Source use-cases (core/sources.c) over a real SQLite store: a source is
 * created with its default rules and tokens in one transaction, so a step
 * that fails leaves nothing behind; a taken name is WL_EEXISTS; an update
 * stores the tokens it is given and keeps the others, and the stream
 * settings in canonical form (a refused host rolls the whole update back).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/settings.h"
#include "core/sources.h"
#include "core/stream.h"
#include "util/err.h"

typedef struct fixture {
  char dir[256];
  wl_app *app;
} fixture;

static int setup(void **state)
{
  fixture *f = calloc(1, sizeof(*f));
  char dsn[300];
  const char *tmp = getenv("WL_TEST_TMP");
  if (!tmp || !*tmp)
    tmp = "/tmp";
  mkdir(tmp, 0700);
  snprintf(f->dir, sizeof(f->dir), "%s/wl-sources-XXXXXX", tmp);
  if (!mkdtemp(f->dir))
    return -1;
  snprintf(dsn, sizeof(dsn), "sqlite:%s/s.db", f->dir);
  if (wl_app_open(&f->app, dsn) != 0)
    return -1;
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  fixture *f = *state;
  char cmd[300];
  wl_app_free(f->app);
  snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
  if (system(cmd) != 0)
    return -1;
  free(f);
  return 0;
}

static void fill(wl_source *s, const char *name)
{
  memset(s, 0, sizeof(*s));
  snprintf(s->name, sizeof(s->name), "%s", name);
  snprintf(s->vendor, sizeof(s->vendor), "8x8");
  snprintf(s->base_url, sizeof(s->base_url), "https://vcc-na10.8x8.com/api/");
  snprintf(s->tenant, sizeof(s->tenant), "acme");
  snprintf(s->timezone, sizeof(s->timezone), "UTC");
  s->interval_s = 10;
  s->enabled = 1;
  s->created_at = s->updated_at = 1700000000;
}

static int count_rule(void *payload, const wl_rule_row *r)
{
  (void)r;
  (*(size_t *)payload)++;
  return 0;
}

static void test_create_with_rules_and_tokens(void **state)
{
  fixture *f = *state;
  wl_source s, got;
  wl_source_extras ex = {"rt-token", "hist-token", 1, NULL, NULL};
  size_t rules = 0;
  char *tok = NULL, fast[8];
  fill(&s, "acme");
  assert_int_equal(wl_source_create(f->app, &s, &ex), 0);
  assert_true(s.id > 0);
  assert_int_equal(wl_source_get(f->app->st, &got, "acme"), 0);
  assert_int_equal(got.id, s.id);
  assert_true(got.has_token);
  assert_true(got.has_hist_token);
  assert_int_equal(wl_store_rules_list(f->app->st, s.id, count_rule, &rules), 0);
  assert_true(rules > 0);
  assert_int_equal(wl_setting_get(fast, sizeof(fast), f->app->st, s.id, "allow-fast-poll"), 0);
  assert_string_equal(fast, "on");
  assert_int_equal(wl_source_token(&tok, f->app, s.id, WL_TOKEN_HIST), 0);
  assert_string_equal(tok, "hist-token");
  wl_token_free(tok);
}

static void test_taken_name(void **state)
{
  fixture *f = *state;
  wl_source a, b;
  fill(&a, "acme");
  fill(&b, "acme");
  assert_int_equal(wl_source_create(f->app, &a, NULL), 0);
  assert_int_equal(wl_source_create(f->app, &b, NULL), WL_EEXISTS);
}

/* The token cannot be encrypted (no key file can be made): nothing stays. */
static void test_failed_step_stores_nothing(void **state)
{
  fixture *f = *state;
  wl_source s, got;
  wl_source_extras ex = {"rt-token", NULL, 0, NULL, NULL};
  char saved[sizeof(f->app->key_path)];
  memcpy(saved, f->app->key_path, sizeof(saved));
  snprintf(f->app->key_path, sizeof(f->app->key_path), "%s/no/such/dir/key", f->dir);
  fill(&s, "acme");
  assert_int_not_equal(wl_source_create(f->app, &s, &ex), 0);
  memcpy(f->app->key_path, saved, sizeof(saved));
  assert_int_equal(wl_source_get(f->app->st, &got, "acme"), WL_ENOTFOUND);
  /* and the name is free again */
  fill(&s, "acme");
  assert_int_equal(wl_source_create(f->app, &s, NULL), 0);
}

static void test_update_keeps_other_token(void **state)
{
  fixture *f = *state;
  wl_source s, got;
  wl_source_extras first = {"rt-1", NULL, 0, NULL, NULL}, second = {NULL, "hist-2", 0, NULL, NULL};
  char *tok = NULL;
  fill(&s, "acme");
  assert_int_equal(wl_source_create(f->app, &s, &first), 0);
  snprintf(s.tenant, sizeof(s.tenant), "acme2");
  assert_int_equal(wl_source_update(f->app, &s, &second), 0);
  assert_int_equal(wl_source_get_by_id(f->app->st, &got, s.id), 0);
  assert_string_equal(got.tenant, "acme2");
  assert_int_equal(wl_source_token(&tok, f->app, s.id, WL_TOKEN_RT), 0);
  assert_string_equal(tok, "rt-1");
  wl_token_free(tok);
  assert_int_equal(wl_source_token(&tok, f->app, s.id, WL_TOKEN_HIST), 0);
  assert_string_equal(tok, "hist-2");
  wl_token_free(tok);
  assert_int_equal(wl_source_remove(f->app, s.id), 0);
  assert_int_equal(wl_source_get(f->app->st, &got, "acme"), WL_ENOTFOUND);
}

#define REGIONS "pulsar-ws-use1.8x8.com US1, pulsar-ws-usw2.8x8.com US2, pulsar-ws-euw2.8x8.com UK3"

static void test_stream_settings(void **state)
{
  fixture *f = *state;
  wl_source s, got;
  wl_source_extras on = {NULL, NULL, 0, "on", "pulsar-ws-euw2.8x8.com"};
  wl_source_extras clear = {NULL, NULL, 0, "off", ""};
  wl_source_extras bad = {NULL, NULL, 0, "on", "ftp://x"};
  char v[300];
  fill(&s, "acme");
  assert_int_equal(wl_source_create(f->app, &s, NULL), 0);
  assert_int_equal(wl_source_update(f->app, &s, &on), 0);
  assert_int_equal(wl_setting_get(v, sizeof(v), f->app->st, s.id, "stream"), 0);
  assert_string_equal(v, "on");
  assert_int_equal(wl_setting_get(v, sizeof(v), f->app->st, s.id, "stream-host"), 0);
  assert_string_equal(v, "wss://pulsar-ws-euw2.8x8.com:443");
  /* a refused host: nothing of the update stays, the row neither */
  snprintf(s.tenant, sizeof(s.tenant), "other");
  assert_int_equal(wl_source_update(f->app, &s, &bad), WL_EUSAGE);
  assert_string_equal(wl_errmsg(), "stream-host: 'ftp://x' must start with wss:// (or be a bare host)");
  assert_int_equal(wl_source_get_by_id(f->app->st, &got, s.id), 0);
  assert_string_equal(got.tenant, "acme");
  assert_int_equal(wl_setting_get(v, sizeof(v), f->app->st, s.id, "stream-host"), 0);
  assert_string_equal(v, "wss://pulsar-ws-euw2.8x8.com:443");
  /* "" removes the host: derived from the base URL again */
  assert_int_equal(wl_source_update(f->app, &s, &clear), 0);
  assert_int_equal(wl_setting_get(v, sizeof(v), f->app->st, s.id, "stream"), 0);
  assert_string_equal(v, "off");
  assert_int_equal(wl_setting_get(v, sizeof(v), f->app->st, s.id, "stream-host"), WL_ENOTFOUND);
}

static void test_stream_check(void **state)
{
  wl_source s;
  char out[300];
  (void)state;
  fill(&s, "acme");
  /* a vcc base URL tells no region: needed with the stream on, only then */
  assert_int_equal(wl_source_stream_check(out, sizeof(out), &s, 0, ""), 0);
  assert_string_equal(out, "");
  assert_int_equal(wl_source_stream_check(out, sizeof(out), &s, 1, ""), WL_EUSAGE);
  assert_string_equal(wl_errmsg(), "stream-host: required while the event stream is on: "
                                   "https://vcc-na10.8x8.com/api/ does not tell the stream host; "
                                   "set the tenant's region host (" REGIONS ")");
  assert_int_equal(wl_source_stream_check(out, sizeof(out), &s, 1, "pulsar-ws-use1.8x8.com"), 0);
  assert_string_equal(out, "wss://pulsar-ws-use1.8x8.com:443");
  assert_int_equal(wl_source_stream_check(out, sizeof(out), &s, 0, "ws://10.1.2.3:8080"),
                   WL_EUSAGE);
  assert_string_equal(wl_errmsg(), "stream-host: 'ws://10.1.2.3:8080': plain ws:// only to "
                                   "127.0.0.1 or localhost; use wss://");
  /* the emulator's base URL gives its own host and port */
  snprintf(s.base_url, sizeof(s.base_url), "http://127.0.0.1:18080/api/");
  assert_int_equal(wl_source_stream_check(out, sizeof(out), &s, 1, NULL), 0);
  assert_string_equal(out, "");
  assert_int_equal(wl_stream_host_for(out, sizeof(out), &s, NULL), 0);
  assert_string_equal(out, "ws://127.0.0.1:18080");
  assert_string_equal(wl_source_stream_hosts("8x8"), REGIONS);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_create_with_rules_and_tokens, setup, teardown),
      cmocka_unit_test_setup_teardown(test_taken_name, setup, teardown),
      cmocka_unit_test_setup_teardown(test_failed_step_stores_nothing, setup, teardown),
      cmocka_unit_test_setup_teardown(test_update_keeps_other_token, setup, teardown),
      cmocka_unit_test_setup_teardown(test_stream_settings, setup, teardown),
      cmocka_unit_test_setup_teardown(test_stream_check, setup, teardown),
  };
  return cmocka_run_group_tests_name("core sources", tests, NULL, NULL);
}
