#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "util/strset.h"

static void test_first_insertion_wins_and_lookups_find_it(void **s)
{
  wl_strset set;
  int found = -1;
  size_t v = 99;
  assert_int_equal(wl_strset_init(&set, 3), 0);
  wl_strset_add(&set, "jdoe", 0, &found, &v);
  assert_int_equal(found, 0);
  assert_int_equal(v, 0);
  wl_strset_add(&set, "asmith", 1, &found, NULL);
  assert_int_equal(found, 0);
  wl_strset_add(&set, "jdoe", 2, &found, &v);
  assert_int_equal(found, 1);
  assert_int_equal(v, 0);
  assert_true(wl_strset_get(&set, "asmith", &v));
  assert_int_equal(v, 1);
  assert_false(wl_strset_get(&set, "nobody", &v));
  assert_false(wl_strset_get(&set, "", &v));
  wl_strset_free(&set);
}

static void test_empty_table_finds_nothing(void **s)
{
  wl_strset set = {0};
  size_t v;
  assert_false(wl_strset_get(&set, "x", &v));
  assert_int_equal(wl_strset_init(&set, 0), 0);
  assert_false(wl_strset_get(&set, "x", &v));
  wl_strset_free(&set);
}

static char keys[50000][12];

static void test_many_keys_all_found_at_their_position(void **s)
{
  wl_strset set;
  size_t v;
  assert_int_equal(wl_strset_init(&set, 50000), 0);
  for (size_t i = 0; i < 50000; i++) {
    snprintf(keys[i], sizeof(keys[i]), "a%zu", i);
    wl_strset_add(&set, keys[i], i, NULL, NULL);
  }
  for (size_t i = 0; i < 50000; i++) {
    assert_true(wl_strset_get(&set, keys[i], &v));
    assert_int_equal(v, i);
  }
  assert_false(wl_strset_get(&set, "a50000", &v));
  wl_strset_free(&set);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
    cmocka_unit_test(test_first_insertion_wins_and_lookups_find_it),
    cmocka_unit_test(test_empty_table_finds_nothing),
    cmocka_unit_test(test_many_keys_all_found_at_their_position),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
