/* The emulator's simulation, without HTTP: determinism, consistency of the
 * ground truth with the generated legs, timelines, patterns. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "emu/sim.h"
#include "emu/truth.h"
#include "util/buf.h"
#include "util/tz.h"

/* 2024-03-11 is a Monday. */
#define MON 1710115200LL
#define DAY 86400LL

typedef struct fx {
  wl_tz *utc, *ny;
  emu_sim *s;
} fx;

static emu_sim *make_sim_cache(const wl_tz *tz, uint64_t seed, double dwell, size_t cache)
{
  emu_sim *s;
  emu_sim_config c = {seed, 2, 20, 4, tz, dwell, cache};
  assert_int_equal(emu_sim_new(&s, &c), 0);
  return s;
}

static emu_sim *make_sim(const wl_tz *tz, uint64_t seed, double dwell)
{
  return make_sim_cache(tz, seed, dwell, 0);
}

static int setup(void **state)
{
  fx *f = calloc(1, sizeof(*f));
  assert_int_equal(wl_tz_load(&f->utc, "UTC"), 0);
  assert_int_equal(wl_tz_load(&f->ny, "America/New_York"), 0);
  f->s = make_sim(f->utc, 1, 1.0);
  *state = f;
  return 0;
}

static int teardown(void **state)
{
  fx *f = *state;
  emu_sim_free(f->s);
  wl_tz_free(f->utc);
  wl_tz_free(f->ny);
  free(f);
  return 0;
}

/* ---- helpers ----------------------------------------------------------- */

typedef struct legs {
  emu_leg *v;
  size_t n, cap;
} legs;

static int collect(void *ud, const emu_leg *l)
{
  legs *c = ud;
  if (c->n == c->cap) {
    c->cap = c->cap ? c->cap * 2 : 1024;
    c->v = realloc(c->v, c->cap * sizeof(*c->v));
    assert_non_null(c->v);
  }
  c->v[c->n++] = *l;
  return 0;
}

static legs get_legs(emu_sim *s, int tenant, int64_t from, int64_t to)
{
  legs c = {0};
  assert_int_equal(emu_sim_legs(s, tenant, from, to, collect, &c), 0);
  return c;
}

typedef struct segs {
  emu_seg v[20000];
  size_t n;
} segs;

static int collect_seg(void *ud, const emu_seg *g)
{
  segs *c = ud;
  assert_true(c->n < 20000);
  c->v[c->n++] = *g;
  return 0;
}

static long inbound(const legs *c)
{
  long n = 0;
  for (size_t i = 0; i < c->n; i++)
    n += !c->v[i].outbound;
  return n;
}

/* ---- tests ------------------------------------------------------------- */

static void test_same_seed_same_history(void **state)
{
  fx *f = *state;
  emu_sim *again = make_sim(f->utc, 1, 1.0), *other = make_sim(f->utc, 2, 1.0);
  legs a = get_legs(f->s, 0, MON + 2 * DAY, MON + 3 * DAY - 1);
  legs b = get_legs(again, 0, MON + 2 * DAY, MON + 3 * DAY - 1);
  legs c = get_legs(other, 0, MON + 2 * DAY, MON + 3 * DAY - 1);
  assert_true(a.n > 500);
  assert_int_equal(a.n, b.n);
  assert_memory_equal(a.v, b.v, a.n * sizeof(*a.v));
  assert_true(a.n != c.n || memcmp(a.v, c.v, a.n * sizeof(*a.v)) != 0);

  wl_buf t1, t2, t3;
  wl_buf_init(&t1, 1u << 24);
  wl_buf_init(&t2, 1u << 24);
  wl_buf_init(&t3, 1u << 24);
  assert_int_equal(emu_truth_states(f->s, 0, MON, MON + DAY, MON + 7 * DAY, &t1), 0);
  assert_int_equal(emu_truth_states(again, 0, MON, MON + DAY, MON + 7 * DAY, &t2), 0);
  assert_int_equal(emu_truth_states(other, 0, MON, MON + DAY, MON + 7 * DAY, &t3), 0);
  assert_string_equal(t1.ptr, t2.ptr);
  assert_string_not_equal(t1.ptr, t3.ptr);
  /* tenants differ from each other too */
  legs d = get_legs(f->s, 1, MON + 2 * DAY, MON + 3 * DAY - 1);
  assert_true(a.n != d.n || memcmp(a.v, d.v, a.n * sizeof(*a.v)) != 0);
  wl_buf_free(&t1);
  wl_buf_free(&t2);
  wl_buf_free(&t3);
  free(a.v);
  free(b.v);
  free(c.v);
  free(d.v);
  emu_sim_free(again);
  emu_sim_free(other);
}

typedef struct agg {
  long entered, accepted, abandoned, handle, wait;
} agg;

static void test_truth_equals_manual_aggregation(void **state)
{
  fx *f = *state;
  int64_t from = MON + DAY, to = MON + 2 * DAY, now = MON + 30 * DAY;
  static agg m[96][4];
  memset(m, 0, sizeof(m));
  legs c = get_legs(f->s, 0, from, to - 1);
  for (size_t i = 0; i < c.n; i++) {
    const emu_leg *l = &c.v[i];
    if (l->outbound)
      continue;
    agg *g = &m[(l->create - from) / 900][l->queue];
    g->entered++;
    if (l->accept) {
      g->accepted++;
      g->handle += l->process + l->post;
      g->wait += l->accept - l->create;
    }
    if (l->abandon) {
      g->abandoned++;
      g->wait += l->abandon - l->create;
    }
  }
  wl_buf b;
  wl_buf_init(&b, 1u << 24);
  assert_int_equal(emu_truth_intervals(f->s, 0, from, to, now, f->utc, &b), 0);
  char *line = strtok(b.ptr, "\n");
  assert_string_equal(line, "queue_id,queue_name,start_utc,interval_start,entered,accepted,"
                            "abandoned,handle_time_s,wait_time_s");
  long rows = 0, expect_rows = 0, last_start = 0;
  while ((line = strtok(NULL, "\n")) != NULL) {
    long long qid, start, handle, wait;
    long en, ac, ab;
    char name[64], iso[32];
    assert_int_equal(sscanf(line, "%lld,%63[^,],%lld,%31[^,],%ld,%ld,%ld,%lld,%lld", &qid, name,
                            &start, iso, &en, &ac, &ab, &handle, &wait),
                     9);
    assert_true(start >= last_start);
    last_start = (long)start;
    agg *g = &m[(start - from) / 900][qid - 101];
    assert_int_equal(start % 900, 0);
    assert_int_equal(en, g->entered);
    assert_int_equal(ac, g->accepted);
    assert_int_equal(ab, g->abandoned);
    assert_int_equal(handle, g->handle);
    assert_int_equal(wait, g->wait);
    rows++;
  }
  for (int i = 0; i < 96; i++)
    for (int q = 0; q < 4; q++)
      expect_rows += m[i][q].entered > 0;
  assert_int_equal(rows, expect_rows);
  assert_true(rows > 100);
  /* Only legs created before now exist. */
  wl_buf_reset(&b);
  assert_int_equal(emu_truth_intervals(f->s, 0, from, to, from + 12 * 3600, f->utc, &b), 0);
  assert_null(strstr(b.ptr, ",2024-03-12T12:15:00+00:00,"));
  assert_non_null(strstr(b.ptr, ",2024-03-12T11:45:00+00:00,"));
  wl_buf_free(&b);
  free(c.v);
}

static void check_contiguous(const segs *c, int64_t from, int64_t to)
{
  assert_true(c->n > 0);
  assert_int_equal(c->v[0].start, from);
  assert_int_equal(c->v[c->n - 1].end, to);
  for (size_t i = 0; i < c->n; i++) {
    assert_true(c->v[i].end > c->v[i].start);
    if (i > 0) {
      assert_int_equal(c->v[i].start, c->v[i - 1].end); /* no hole, no overlap */
      assert_int_not_equal(c->v[i].code, c->v[i - 1].code);
    }
  }
}

static void test_timelines_have_no_holes_or_overlaps(void **state)
{
  fx *f = *state;
  static segs c;
  int seen[10] = {0};
  for (int a = 0; a < 20; a++) {
    c.n = 0;
    assert_int_equal(emu_sim_timeline(f->s, 0, a, MON, MON + 14 * DAY, collect_seg, &c), 0);
    check_contiguous(&c, MON, MON + 14 * DAY);
    for (size_t i = 0; i < c.n; i++)
      seen[c.v[i].code]++;
  }
  for (int code = 0; code <= 5; code++)
    assert_true(seen[code] > 0);
  assert_true(seen[EMU_ST_LOGGED_OUT] > 0);
  assert_true(seen[EMU_ST_ODD] > 0); /* the odd agent shows status 7 now and then */
  /* clipped to an arbitrary range */
  c.n = 0;
  assert_int_equal(emu_sim_timeline(f->s, 0, 3, MON + 36001, MON + 36901, collect_seg, &c), 0);
  check_contiguous(&c, MON + 36001, MON + 36901);
}

static void test_state_at_agrees_with_timeline(void **state)
{
  fx *f = *state;
  static segs c;
  for (int a = 0; a < 20; a += 3) {
    c.n = 0;
    assert_int_equal(emu_sim_timeline(f->s, 0, a, MON - 7 * DAY, MON + 2 * DAY, collect_seg, &c),
                     0);
    size_t k = 0;
    for (int64_t t = MON; t < MON + 2 * DAY; t += 397) {
      emu_state st;
      while (c.v[k].end <= t)
        k++;
      assert_int_equal(emu_sim_state_at(&st, f->s, 0, a, t), 0);
      assert_int_equal(st.code, c.v[k].code);
      if (c.v[k].start > MON - 7 * DAY)
        assert_int_equal(st.start, c.v[k].start); /* true start, also across midnight */
    }
  }
}

static void test_weekday_busier_than_weekend_and_nights(void **state)
{
  fx *f = *state;
  legs wed = get_legs(f->s, 0, MON + 2 * DAY, MON + 3 * DAY - 1);
  legs sun = get_legs(f->s, 0, MON + 6 * DAY, MON + 7 * DAY - 1);
  legs morning = get_legs(f->s, 0, MON + 2 * DAY + 10 * 3600, MON + 2 * DAY + 11 * 3600 - 1);
  legs night = get_legs(f->s, 0, MON + 2 * DAY + 2 * 3600, MON + 2 * DAY + 3 * 3600 - 1);
  assert_true(inbound(&wed) > 2 * inbound(&sun));
  assert_true(inbound(&sun) > 0);
  assert_true(inbound(&morning) > 5 * inbound(&night));
  free(wed.v);
  free(sun.v);
  free(morning.v);
  free(night.v);
}

static int cmp_order(const emu_leg *a, const emu_leg *b)
{
  if (a->create != b->create)
    return a->create < b->create ? -1 : 1;
  if (a->id != b->id)
    return a->id < b->id ? -1 : 1;
  return a->trn - b->trn;
}

static void test_leg_invariants(void **state)
{
  fx *f = *state;
  legs c = get_legs(f->s, 0, MON, MON + 7 * DAY - 1);
  long transfers = 0, outbound = 0, abandons = 0, accepted = 0;
  for (size_t i = 0; i < c.n; i++) {
    const emu_leg *l = &c.v[i];
    if (i > 0)
      assert_true(cmp_order(&c.v[i - 1], l) < 0); /* strictly ordered: (id, trn) unique */
    assert_true(!!l->accept + !!l->abandon + !!l->xfer == 1);
    /* resolved within the hour after which 8x8's data is complete */
    assert_true((l->accept ? l->accept : l->abandon ? l->abandon : l->xfer) - l->create < 3600);
    if (l->accept) {
      emu_state st;
      accepted++;
      outbound += l->outbound;
      assert_true(l->create <= l->offer && l->offer <= l->accept);
      assert_true(l->agent >= 0 && l->process > 0);
      assert_int_equal(emu_sim_state_at(&st, f->s, 0, l->agent, l->accept), 0);
      assert_int_equal(st.code, EMU_ST_BUSY); /* the agent is really busy with it */
      assert_int_equal(st.queue, l->queue);
      assert_int_equal(st.start, l->accept);
    }
    abandons += l->abandon != 0;
    if (l->xfer) { /* first leg of a transfer: the second leg follows */
      int found = 0;
      for (size_t j = i + 1; j < c.n && c.v[j].create <= l->xfer; j++)
        if (c.v[j].id == l->id && c.v[j].trn == 2) {
          found = 1;
          assert_int_equal(c.v[j].create, l->xfer);
          assert_int_not_equal(c.v[j].queue, l->queue);
          assert_true(c.v[j].accept > 0);
        }
      assert_true(found);
      assert_int_equal(l->trn, 1);
      transfers++;
    }
  }
  assert_true(transfers > 5);
  assert_true(outbound > 5);
  assert_true(abandons > 20);
  assert_true(accepted > 1000);
  free(c.v);
}

static void test_schedule_and_drift(void **state)
{
  fx *f = *state;
  int late = 0, on_time = 0, lunches = 0, offline = 0, days_off = 0;
  for (int a = 0; a < 20; a++) {
    for (int64_t d = 0; d < 7; d++) {
      emu_sched sc[16];
      int64_t dn = MON / DAY + d;
      size_t n = emu_sim_schedule(sc, 16, f->s, 0, a, dn);
      if (n == 0) {
        days_off++;
        continue;
      }
      for (size_t i = 0; i < n; i++) {
        assert_true(sc[i].end > sc[i].start);
        if (i > 0)
          assert_int_equal(sc[i].start, sc[i - 1].end);
        lunches += sc[i].activity == EMU_ACT_LUNCH;
        offline += sc[i].activity == EMU_ACT_OFFLINE;
      }
      assert_int_equal(sc[0].activity, EMU_ACT_PHONE);
      emu_state st;
      assert_int_equal(emu_sim_state_at(&st, f->s, 0, a, sc[0].start + 300), 0);
      if (st.code == EMU_ST_LOGGED_OUT)
        late++;
      else
        on_time++;
    }
  }
  assert_true(late > 0 && on_time > late);
  assert_true(lunches > 50 && offline > 0 && days_off > 20);
}

static void test_dst_day_in_new_york(void **state)
{
  fx *f = *state;
  emu_sim *s = make_sim(f->ny, 1, 1.0);
  int64_t dn = 19792; /* 2024-03-10, 23 hours long */
  const emu_day *d;
  assert_int_equal(emu_sim_day(&d, s, 0, dn), 0);
  assert_int_equal(d->start, 1710046800);     /* 00:00 EST */
  assert_int_equal(d->end - d->start, 82800); /* to 00:00 EDT */
  for (size_t i = 0; i < d->nlegs; i++)
    assert_true(d->legs[i].create >= d->start && d->legs[i].create < d->end);
  for (int a = 0; a < 20; a++) {
    assert_int_equal(d->segs[d->agent_off[a]].start, d->start);
    assert_int_equal(d->segs[d->agent_off[a + 1] - 1].end, d->end);
  }
  emu_sim_day_release(s, d);
  /* the schedule is in local wall time: a 09:00 EDT shift is 13:00Z */
  emu_sched sc[16];
  for (int a = 0; a < 20; a++) {
    size_t n = emu_sim_schedule(sc, 16, s, 0, a, dn + 1);
    if (n) {
      wl_civil c;
      wl_tz_to_civil(&c, f->ny, sc[0].start);
      assert_true(c.hour >= 7 && c.hour <= 11 && (c.min == 0 || c.min == 30));
    }
  }
  emu_sim_free(s);
}

static void test_dwell_scale_shortens_cycles(void **state)
{
  fx *f = *state;
  emu_sim *fast = make_sim(f->utc, 1, 0.02);
  legs slow = get_legs(f->s, 0, MON + 9 * 3600, MON + 10 * 3600 - 1);
  legs quick = get_legs(fast, 0, MON + 9 * 3600, MON + 10 * 3600 - 1);
  assert_true(inbound(&quick) > 10 * inbound(&slow));
  static segs c;
  c.n = 0;
  assert_int_equal(emu_sim_timeline(fast, 0, 0, MON, MON + DAY, collect_seg, &c), 0);
  check_contiguous(&c, MON, MON + DAY);
  free(slow.v);
  free(quick.v);
  emu_sim_free(fast);
}

/* A tiny cache budget evicts days all the time (also days still in use by
 * a walk); answers stay identical. */
static void test_cache_eviction_keeps_answers(void **state)
{
  fx *f = *state;
  emu_sim *tiny = make_sim_cache(f->utc, 1, 1.0, 100);
  legs a = get_legs(f->s, 0, MON - 10 * DAY, MON + 10 * DAY);
  legs b = get_legs(tiny, 0, MON - 10 * DAY, MON + 10 * DAY);
  assert_int_equal(a.n, b.n);
  assert_memory_equal(a.v, b.v, a.n * sizeof(*a.v));
  for (int64_t t = MON; t < MON + 3 * DAY; t += 3607) {
    emu_state x, y;
    assert_int_equal(emu_sim_state_at(&x, f->s, 0, 5, t), 0);
    assert_int_equal(emu_sim_state_at(&y, tiny, 0, 5, t), 0);
    assert_int_equal(x.code, y.code);
    assert_int_equal(x.start, y.start);
  }
  const emu_day *d1, *d2;
  assert_int_equal(emu_sim_day(&d1, tiny, 0, MON / DAY), 0);
  assert_int_equal(emu_sim_day(&d2, tiny, 0, MON / DAY + 1), 0); /* evicts d1, still held */
  assert_true(d1->nlegs > 0 && d1->legs[0].create >= MON);
  emu_sim_day_release(tiny, d1);
  emu_sim_day_release(tiny, d2);
  free(a.v);
  free(b.v);
  emu_sim_free(tiny);
}

static void test_agents_and_queues(void **state)
{
  fx *f = *state;
  emu_agent a;
  emu_queue q;
  emu_sim_agent(&a, f->s, 0, 0);
  assert_string_equal(a.name, "Zoë Müller");
  assert_string_equal(a.id, "zmuller01");
  emu_sim_agent(&a, f->s, 0, 1);
  assert_string_equal(a.name, "José Peña");
  assert_int_equal(emu_sim_agent_find(f->s, 0, "jpena02"), 1);
  assert_int_equal(emu_sim_agent_find(f->s, 0, "jpena03"), -1);
  assert_int_equal(emu_sim_agent_find(f->s, 0, "nobody"), -1);
  for (int i = 0; i < 20; i++) {
    emu_sim_agent(&a, f->s, 0, i);
    assert_int_equal(emu_sim_agent_find(f->s, 0, a.id), i);
  }
  emu_sim_queue(&q, f->s, 0, 2);
  assert_int_equal(q.id, 103);
  assert_string_equal(q.name, "Billing & Accounts");
  assert_string_equal(emu_media_name(q.media), "email");
  emu_sim_queue(&q, f->s, 0, 3);
  assert_string_equal(emu_media_name(q.media), "vmail");
  assert_int_equal(emu_sim_queue_find(f->s, 0, 104), 3);
  assert_int_equal(emu_sim_queue_find(f->s, 0, 105), -1);
}

int main(void)
{
  const struct CMUnitTest tests[] = {
      cmocka_unit_test_setup_teardown(test_same_seed_same_history, setup, teardown),
      cmocka_unit_test_setup_teardown(test_truth_equals_manual_aggregation, setup, teardown),
      cmocka_unit_test_setup_teardown(test_timelines_have_no_holes_or_overlaps, setup, teardown),
      cmocka_unit_test_setup_teardown(test_state_at_agrees_with_timeline, setup, teardown),
      cmocka_unit_test_setup_teardown(test_weekday_busier_than_weekend_and_nights, setup,
                                      teardown),
      cmocka_unit_test_setup_teardown(test_leg_invariants, setup, teardown),
      cmocka_unit_test_setup_teardown(test_schedule_and_drift, setup, teardown),
      cmocka_unit_test_setup_teardown(test_dst_day_in_new_york, setup, teardown),
      cmocka_unit_test_setup_teardown(test_dwell_scale_shortens_cycles, setup, teardown),
      cmocka_unit_test_setup_teardown(test_cache_eviction_keeps_answers, setup, teardown),
      cmocka_unit_test_setup_teardown(test_agents_and_queues, setup, teardown),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
