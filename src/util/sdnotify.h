#ifndef WL_UTIL_SDNOTIFY_H
#define WL_UTIL_SDNOTIFY_H
/*
 * systemd's notification protocol without libsystemd (sd_notify(3)): a
 * datagram to the socket named by $NOTIFY_SOCKET (a path, or '@' for the
 * abstract namespace). Outside systemd the variable is unset and every call
 * is a no-op.
 *
 * The watchdog: with $WATCHDOG_USEC set, a thread sends WATCHDOG=1 every
 * half period, but only while the service loop keeps calling
 * wl_sd_heartbeat(): a hung loop stops the pings and systemd restarts the
 * service.
 */

/* Sends state ("READY=1", "STOPPING=1", "STATUS=..."); 0, or WL_EFAIL. */
int wl_sd_notify(const char *state);
/* The service loop is alive (cheap: one atomic store). */
void wl_sd_heartbeat(void);
/* Starts the watchdog thread when systemd asked for one (0 otherwise). */
int wl_sd_watchdog_start(void);
void wl_sd_watchdog_stop(void);

#endif
