#ifndef WL_CORE_DOCTOR_H
#define WL_CORE_DOCTOR_H
/*
 * `wfmlink doctor`: what an operator checks first when a feed is late, one
 * verdict per line. Read-only except that opening the store migrates it, as
 * every command does (a missing SQLite file is reported, never created).
 */
#include <stdint.h>

enum wl_doc_verdict { WL_DOC_OK, WL_DOC_WARN, WL_DOC_FAIL, WL_DOC_SKIP };

typedef void (*wl_doctor_fn)(void *payload, enum wl_doc_verdict v, const char *check,
                             const char *detail);

typedef struct wl_doctor_opts {
  const char *dsn;
  int network;          /* ask each source's API host for its Date header */
  int64_t clock_warn_s; /* |skew| above this warns (10) ... */
  int64_t clock_fail_s; /* ... and above this fails (120) */
  int64_t lag_fail_s;   /* watermark older than this fails (24 h) */
} wl_doctor_opts;

void wl_doctor_opts_init(wl_doctor_opts *o, const char *dsn);
/* Runs every check, reporting each line through cb; *failures counts FAIL
 * lines. Returns 0 (even with failures) or an error that stopped the run. */
int wl_doctor_run(int *failures, const wl_doctor_opts *o, wl_doctor_fn cb, void *payload);

#endif
