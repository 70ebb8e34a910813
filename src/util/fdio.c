#include "util/fdio.h"

#include <errno.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

int wl_write_all(int fd, const void *p, size_t n, int is_socket)
{
  const unsigned char *b = p;
  while (n > 0) {
    ssize_t w = is_socket ? send(fd, b, n, MSG_NOSIGNAL) : write(fd, b, n);
    if (w < 0 && errno == EINTR)
      continue;
    if (w <= 0)
      return -1;
    b += w;
    n -= (size_t)w;
  }
  return 0;
}
