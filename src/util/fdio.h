#ifndef WL_UTIL_FDIO_H
#define WL_UTIL_FDIO_H
#include <stddef.h>

/* Writes all n bytes to fd, going on after EINTR and short writes. A
 * socket (is_socket) is written with send(MSG_NOSIGNAL), so a peer that
 * went away gives -1 rather than SIGPIPE. 0, or -1 with errno set. */
int wl_write_all(int fd, const void *p, size_t n, int is_socket);

#endif
