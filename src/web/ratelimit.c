/*
 * Login rate limiting, per client address and per user name: the first
 * WL_RL_FREE_FAILS failures cost nothing, each one after that locks the key
 * for twice as long as the last (30 s, 1 min, 2 min, ... up to 15 min). A
 * success clears the key. The table is fixed-size, so a flood of addresses
 * cannot grow memory: when it is full, the unlocked entry idle the longest
 * is reused. A locked entry is never reused before its lock ends (else a
 * flood of new addresses would lift it); when every entry is locked, a new
 * key waits as if it were locked too, until the first lock ends.
 */
#include "web/web_int.h"

#include <arpa/inet.h>
#include <netinet/in.h>
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

/* A free slot, else the unlocked entry whose last failure is the oldest,
 * else NULL (every entry is locked). */
static wl_rl_entry *take_slot(wl_ratelimit *rl, int64_t now)
{
  wl_rl_entry *best = NULL;
  for (int i = 0; i < WL_RL_SLOTS; i++) {
    wl_rl_entry *e = &rl->e[i];
    if (!e->key[0])
      return e;
    if (e->locked_until <= now && (!best || e->last_fail < best->last_fail))
      best = e;
  }
  return best;
}

/* Seconds until the first lock of a full, all-locked table ends (>= 1). */
static int64_t first_unlock(const wl_ratelimit *rl, int64_t now)
{
  int64_t first = rl->e[0].locked_until;
  for (int i = 1; i < WL_RL_SLOTS; i++)
    if (rl->e[i].locked_until < first)
      first = rl->e[i].locked_until;
  return first > now ? first - now : 1;
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
  else if ((!e || !e->key[0]) && !take_slot(rl, now))
    wait = first_unlock(rl, now); /* no room to count this key's failures */
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
    if (!(e = take_slot(rl, now))) { /* every entry locked: wl_rl_wait refuses this key */
      pthread_mutex_unlock(&rl->mu);
      return;
    }
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

void wl_rl_client_key(char *out, size_t n, const char *ip)
{
  struct in6_addr a6;
  char txt[INET6_ADDRSTRLEN];
  if (inet_pton(AF_INET6, ip, &a6) != 1) {
    snprintf(out, n, "ip:%s", ip);
    return;
  }
  if (IN6_IS_ADDR_V4MAPPED(&a6)) { /* an IPv4 client of a dual-stack socket */
    inet_ntop(AF_INET, &a6.s6_addr[12], txt, sizeof(txt));
    snprintf(out, n, "ip:%s", txt);
    return;
  }
  memset(&a6.s6_addr[8], 0, 8);
  inet_ntop(AF_INET6, &a6, txt, sizeof(txt));
  snprintf(out, n, "ip:%s/64", txt);
}
