#include "util/sdnotify.h"
#include "util/err.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static _Atomic int64_t last_beat_ms;
static pthread_t wd_thread;
static atomic_int wd_running;
static int64_t wd_period_ms;

static int64_t mono_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int wl_sd_notify(const char *state)
{
  const char *path = getenv("NOTIFY_SOCKET");
  struct sockaddr_un sa;
  socklen_t len;
  size_t n;
  int fd;
  if (!path || !*path)
    return 0;
  n = strlen(path);
  if ((path[0] != '/' && path[0] != '@') || n >= sizeof(sa.sun_path))
    return wl_err(WL_EFAIL, "NOTIFY_SOCKET: not a socket path");
  memset(&sa, 0, sizeof(sa));
  sa.sun_family = AF_UNIX;
  memcpy(sa.sun_path, path, n);
  if (path[0] == '@')
    sa.sun_path[0] = '\0'; /* abstract namespace: no trailing NUL counted */
  len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (path[0] == '/'));
  if ((fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0)) < 0)
    return wl_err(WL_EFAIL, "NOTIFY_SOCKET: cannot create a socket");
  ssize_t sent = sendto(fd, state, strlen(state), MSG_NOSIGNAL, (struct sockaddr *)&sa, len);
  close(fd);
  return sent == (ssize_t)strlen(state) ? 0 : wl_err(WL_EFAIL, "NOTIFY_SOCKET: send failed");
}

void wl_sd_heartbeat(void)
{
  atomic_store(&last_beat_ms, mono_ms());
}

static void *watchdog(void *arg)
{
  (void)arg;
  while (atomic_load(&wd_running)) {
    struct timespec ts = {0, 100 * 1000 * 1000};
    int64_t now = mono_ms(), next = now + wd_period_ms / 2;
    /* a loop that has not turned for a whole period is hung: stay silent */
    if (now - atomic_load(&last_beat_ms) < wd_period_ms)
      wl_sd_notify("WATCHDOG=1");
    while (atomic_load(&wd_running) && mono_ms() < next)
      nanosleep(&ts, NULL);
  }
  return NULL;
}

int wl_sd_watchdog_start(void)
{
  const char *usec = getenv("WATCHDOG_USEC"), *pid = getenv("WATCHDOG_PID");
  long long us;
  if (!usec || !*usec || !getenv("NOTIFY_SOCKET"))
    return 0;
  /* the variables are inherited: a child of the service is not watched */
  if (pid && *pid && strtoll(pid, NULL, 10) != (long long)getpid())
    return 0;
  if ((us = strtoll(usec, NULL, 10)) <= 0)
    return 0;
  wd_period_ms = us / 1000 > 0 ? us / 1000 : 1;
  wl_sd_heartbeat();
  atomic_store(&wd_running, 1);
  if (pthread_create(&wd_thread, NULL, watchdog, NULL) != 0) {
    atomic_store(&wd_running, 0);
    return wl_err(WL_EFAIL, "cannot start the watchdog thread");
  }
  return 0;
}

void wl_sd_watchdog_stop(void)
{
  if (!atomic_exchange(&wd_running, 0))
    return;
  pthread_join(wd_thread, NULL);
}
