#ifndef WL_WEB_WEB_H
#define WL_WEB_WEB_H
/*
 * The web application: the 8x8 adapter page, sources, collector status,
 * /healthz and the JSON API under /api/v1/ (docs/WEB.md).
 *
 * The server runs on libmicrohttpd's own threads beside the collectors and
 * opens its OWN store connections (a small pool, one per busy request
 * thread): a SQLite handle is never shared between threads.
 *
 *   wl_web_config cfg;
 *   wl_web_config_init(&cfg);
 *   cfg.dsn = "sqlite:wfmlink.db";
 *   cfg.listen = "127.0.0.1:0";          // any free port
 *   wl_web *w;
 *   if (wl_web_start(&w, &cfg) == 0) {
 *     ... wl_web_url(w) -> "http://127.0.0.1:PORT" ...
 *     wl_web_stop(w);
 *   }
 */
#include <stddef.h>
#include <stdint.h>

typedef struct wl_web wl_web;

typedef struct wl_web_config {
  const char *dsn;         /* the database (required) */
  const char *listen;      /* "HOST:PORT" (default 127.0.0.1:8080); "[::1]:PORT"; port 0 = any */
  const char *tls_cert;    /* PEM files: both or neither (then plain HTTP) */
  const char *tls_key;
  int session_ttl_s;       /* how long a login lasts (default 8 h) */
  int threads;             /* request threads (default 4) */
  size_t max_body;         /* request bodies above this are refused (default 64 KiB) */
  int quiet;               /* 1: no start/stop log lines */
  int metrics_only;        /* 1: only GET /metrics (serve --metrics-listen) */
  /* connection limits (0: the default; docs/WEB.md "Safety") */
  int per_address;         /* open connections per IPv4 address or IPv6 /64 (16) */
  int head_timeout_s;      /* a request head arrives whole within this (10) */
  size_t upload_min_rate;  /* bytes/s a body must average after the grace (32 KiB) */
  int upload_grace_s;      /* (10) */
  int upload_max_s;        /* a body arrives whole within this (120) */
} wl_web_config;

void wl_web_config_init(wl_web_config *cfg);

/* Starts serving and returns once the socket listens. Strings in cfg are
 * copied. WL_EUSAGE for a bad listen address or TLS files, WL_EFAIL when the
 * address is taken or the database cannot be opened. */
int wl_web_start(wl_web **out, const wl_web_config *cfg);
/* Stops accepting, finishes the requests in progress, frees. NULL is fine. */
void wl_web_stop(wl_web *w);

uint16_t wl_web_port(const wl_web *w);
/* "http://127.0.0.1:PORT" or "https://..." (valid until wl_web_stop). */
const char *wl_web_url(const wl_web *w);

/* Whether a listen address names a loopback host (127.x, ::1, localhost):
 * the `serve` command warns about any other address without TLS. */
int wl_web_listen_is_loopback(const char *listen);

#endif
