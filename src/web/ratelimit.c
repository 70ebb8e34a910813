/*
 * Login rate limiting, per client address and per user name: the first
 * WL_RL_FREE_FAILS failures cost nothing, each one after that locks the key
 * for twice as long as the last (30 s, 1 min, 2 min, ... up to 15 min). A
 * success clears the key. The table is fixed-size; when it is full the
 * entry idle the longest is reused, so a flood of addresses cannot grow
 * memory.
 */
#include "web/web_int.h"

#include <stdio.h>
#include <string.h>

void wl_rl_init(wl_ratelimit *rl)
{
  memset(rl->e, 0, sizeof(rl->e));
  pthread_mutex_init(&rl->mu, NULL);
}

void wl_rl_destroy(wl_ratelimit *rl)
{
  pthread_mutex_destroy(&rl->mu);
}

static wl_rl_entry *find(wl_ratelimit *rl, const char *key)
{
  for (int i = 0; i < WL_RL_SLOTS; i++)
    if (rl->e[i].key[0] && strcmp(rl->e[i].key, key) == 0)
      return &rl->e[i];
  return NULL;
}

/* A free slot, or the one whose last failure is the oldest. */
static wl_rl_entry *take_slot(wl_ratelimit *rl)
{
  wl_rl_entry *best = &rl->e[0];
  for (int i = 0; i < WL_RL_SLOTS; i++) {
    if (!rl->e[i].key[0])
      return &rl->e[i];
    if (rl->e[i].last_fail < best->last_fail)
      best = &rl->e[i];
  }
  return best;
}

static void forget_if_old(wl_rl_entry *e, int64_t now)
{
  if (e && e->key[0] && now - e->last_fail >= WL_RL_FORGET_S && now >= e->locked_until)
    memset(e, 0, sizeof(*e));
}

int64_t wl_rl_wait(wl_ratelimit *rl, const char *key, int64_t now)
{
  int64_t wait = 0;
  wl_rl_entry *e;
  pthread_mutex_lock(&rl->mu);
  e = find(rl, key);
  forget_if_old(e, now);
  if (e && e->key[0] && e->locked_until > now)
    wait = e->locked_until - now;
  pthread_mutex_unlock(&rl->mu);
  return wait;
}

void wl_rl_fail(wl_ratelimit *rl, const char *key, int64_t now)
{
  wl_rl_entry *e;
  pthread_mutex_lock(&rl->mu);
  e = find(rl, key);
  forget_if_old(e, now);
  if (!e || !e->key[0]) {
    e = take_slot(rl);
    memset(e, 0, sizeof(*e));
    snprintf(e->key, sizeof(e->key), "%s", key);
  }
  e->fails++;
  e->last_fail = now;
  if (e->fails >= WL_RL_FREE_FAILS) {
    int shift = e->fails - WL_RL_FREE_FAILS;
    int64_t lock = shift >= 5 ? WL_RL_MAX_LOCK_S : (int64_t)WL_RL_FIRST_LOCK_S << shift;
    e->locked_until = now + (lock < WL_RL_MAX_LOCK_S ? lock : WL_RL_MAX_LOCK_S);
  }
  pthread_mutex_unlock(&rl->mu);
}

void wl_rl_success(wl_ratelimit *rl, const char *key)
{
  wl_rl_entry *e;
  pthread_mutex_lock(&rl->mu);
  if ((e = find(rl, key)) != NULL)
    memset(e, 0, sizeof(*e));
  pthread_mutex_unlock(&rl->mu);
}
