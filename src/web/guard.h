#ifndef WL_WEB_GUARD_H
#define WL_WEB_GUARD_H
/*
 * The connection guard: what libmicrohttpd's own limits do not cover.
 *
 * - Connections per client address: an IPv4 address, or an IPv6 client's
 *   whole /64 (one host commonly holds the prefix, so counting single IPv6
 *   addresses would limit nothing). Over the limit, a new connection is
 *   refused at accept.
 * - A deadline for the request head: libmicrohttpd's timeout only measures
 *   silence, so a client sending one byte every few seconds (slowloris)
 *   would keep its connection forever. The head must arrive whole within
 *   head_timeout_s of the connection's start or the previous answer.
 * - A minimum rate for bodies: after upload_grace_s, a body must have come
 *   at upload_min_rate bytes a second on average, and whole within
 *   upload_max_s; a trickling upload cannot hold an upload slot.
 * A watchdog thread checks every connection 5 times a second and ends a
 * late one with shutdown(2) on its socket; libmicrohttpd then closes it as
 * if the client had gone (the socket stays open until libmicrohttpd's
 * "closed" notice, which removes it from the list under the same lock).
 */
#include "web/web_int.h"

#include <microhttpd.h>
#include <sys/socket.h>

enum MHD_Result wl_guard_accept(void *cls, const struct sockaddr *addr, socklen_t len);
void wl_guard_notify(void *cls, struct MHD_Connection *conn, void **socket_context,
                     enum MHD_ConnectionNotificationCode code);
/* The connection's guard record (its socket context), or NULL. */
wl_conn *wl_guard_conn(struct MHD_Connection *conn);

#endif
