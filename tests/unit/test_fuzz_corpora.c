/*
 * Replays every file under fuzz/corpora through all 8x8 parsers in both
 * formats: each call must return (success or an error), never crash, leak
 * or read past the buffer (run under ASan). The corpora live in the source
 * tree: $WL_SRC when set, else the nearest ancestor of the current
 * directory that holds fuzz/corpora (ctest runs in the build directory).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sources/8x8/parse.h"
#include "util/err.h"

static int is_dir(const char *p)
{
  struct stat st;
  return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Fills out with ".../fuzz/corpora"; 0 when found. */
static int find_corpora(char *out, size_t n)
{
  const char *src = getenv("WL_SRC");
  char dir[PATH_MAX];
  if (src && *src) {
    if (snprintf(out, n, "%s/fuzz/corpora", src) >= (int)n)
      return -1;
    return is_dir(out) ? 0 : -1;
  }
  if (!getcwd(dir, sizeof(dir)))
    return -1;
  for (;;) {
    char *slash;
    if (snprintf(out, n, "%s/fuzz/corpora", strcmp(dir, "/") == 0 ? "" : dir) >= (int)n)
      return -1;
    if (is_dir(out))
      return 0;
    slash = strrchr(dir, '/');
    if (!slash || strcmp(dir, "/") == 0)
      return -1;
    if (slash == dir)
      dir[1] = '\0';
    else
      *slash = '\0';
  }
}

/* The file in a heap buffer of exactly its size (nothing after it). */
static char *slurp(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rb");
  char *buf = NULL;
  long sz;
  assert_non_null(f);
  assert_int_equal(fseek(f, 0, SEEK_END), 0);
  sz = ftell(f);
  assert_true(sz >= 0);
  assert_int_equal(fseek(f, 0, SEEK_SET), 0);
  buf = malloc(sz ? (size_t)sz : 1);
  assert_non_null(buf);
  assert_int_equal(fread(buf, 1, (size_t)sz, f), (size_t)sz);
  fclose(f);
  *len = (size_t)sz;
  return buf;
}

static int count_rt(void *p, const wl_rt_agent *a)
{
  (*(size_t *)p) += strlen(a->agent_id) + strlen(a->name) + strlen(a->vendor_code);
  return 0;
}

static int count_leg(void *p, const wl_leg *l)
{
  (*(size_t *)p) += strlen(l->interaction_id) + strlen(l->queue_name);
  return 0;
}

static int count_queue(void *p, const wl_8x8_queue *q)
{
  (*(size_t *)p) += strlen(q->queue_id) + strlen(q->name);
  return 0;
}

static int count_agent(void *p, const wl_8x8_agent *a)
{
  (*(size_t *)p) += strlen(a->agent_id) + strlen(a->name);
  return 0;
}

static int count_stat(void *p, const wl_8x8_stat *s)
{
  (*(size_t *)p) += strlen(s->queue_name);
  return 0;
}

static int ends_with(const char *s, const char *suffix)
{
  size_t n = strlen(s), m = strlen(suffix);
  return n >= m && strcmp(s + n - m, suffix) == 0;
}

static void replay(const char *path, const char *name)
{
  size_t len, sum = 0, a = 0, b = 0;
  char *buf = slurp(path, &len);
  for (int f = WL_8X8_JSON; f <= WL_8X8_XML; f++) {
    enum wl_8x8_format fmt = (enum wl_8x8_format)f;
    int rc[5];
    rc[0] = wl_8x8_parse_rt_agents(buf, len, fmt, count_rt, &sum, &a);
    rc[1] = wl_8x8_parse_interactions(buf, len, fmt, count_leg, &sum, &a, &b);
    rc[2] = wl_8x8_parse_queues(buf, len, fmt, count_queue, &sum);
    rc[3] = wl_8x8_parse_agents(buf, len, fmt, count_agent, &sum);
    rc[4] = wl_8x8_parse_statistics(buf, len, fmt, count_stat, &sum);
    for (int i = 0; i < 5; i++)
      assert_true(rc[i] == 0 || rc[i] == WL_EFAIL);
    /* a truncated seed must fail in its own format, whatever the parser */
    if (strncmp(name, "truncated", 9) == 0 &&
        (fmt == WL_8X8_JSON ? ends_with(name, ".json") : ends_with(name, ".xml")))
      for (int i = 0; i < 5; i++)
        assert_int_equal(rc[i], WL_EFAIL);
  }
  free(buf);
}

static void test_replay_corpora(void **state)
{
  char root[PATH_MAX], sub[PATH_MAX + 256], file[PATH_MAX + 512];
  DIR *top, *d;
  struct dirent *e, *fe;
  size_t ntargets = 0, nfiles = 0;
  (void)state;
  if (find_corpora(root, sizeof(root)) != 0)
    fail_msg("fuzz/corpora not found (set WL_SRC to the source directory)");
  top = opendir(root);
  assert_non_null(top);
  while ((e = readdir(top))) {
    if (e->d_name[0] == '.')
      continue;
    snprintf(sub, sizeof(sub), "%s/%s", root, e->d_name);
    if (!is_dir(sub) || !(d = opendir(sub)))
      continue;
    ntargets++;
    while ((fe = readdir(d))) {
      snprintf(file, sizeof(file), "%s/%s", sub, fe->d_name);
      if (fe->d_name[0] == '.' || is_dir(file))
        continue;
      replay(file, fe->d_name);
      nfiles++;
    }
    closedir(d);
  }
  closedir(top);
  assert_true(ntargets >= 2);
  assert_true(nfiles >= 20);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_replay_corpora),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
