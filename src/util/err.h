#ifndef WL_UTIL_ERR_H
#define WL_UTIL_ERR_H
/*
 * Error convention (libgit2 style): functions return int, 0 on success and a
 * negative WL_E* code on failure, after recording a human-readable message in
 * a per-thread slot that wl_errmsg() returns. Messages name the field, line
 * or value at fault, and never contain a secret.
 */
enum {
  WL_OK = 0,
  WL_EFAIL = -1,     /* the operation failed (network, database, remote): exit 1 */
  WL_EUSAGE = -2,    /* bad usage or bad input: exit 2 */
  WL_ENOTFOUND = -3, /* no such source / agent / row */
  WL_EAUTH = -4,     /* 401 / 403 from the remote side */
  WL_EEXISTS = -5,   /* unique name already taken */
  WL_ENOMEM = -6,
  WL_ETIMEOUT = -7,
  WL_EINTR = -8,     /* interrupted by a signal: stop cleanly */
  WL_EUNAVAIL = -9   /* a server (the database) is not reachable now: worth waiting for */
};

/* Records the message and returns code, so: return wl_err(WL_EUSAGE, "..."). */
int wl_err(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prefixes the current message: "context: previous message". Returns code. */
int wl_err_wrap(int code, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
const char *wl_errmsg(void);
void wl_err_clear(void);
/* Process exit code for an error code: 0, 1 or 2 (cli.md). */
int wl_exit_code(int code);

#endif
