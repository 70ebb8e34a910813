#ifndef WL_WEB_INT_H
#define WL_WEB_INT_H
/*
 * Inside the web application: the request object every handler gets, the
 * route table (routes.def: one line per page), forms, HTML output and the
 * login rate limiter. docs/WEB.md explains how to add a page.
 */
#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "core/app.h"
#include "util/buf.h"
#include "util/tz.h"
#include "core/users.h"
#include "web/web.h"

struct MHD_Connection;
struct MHD_Daemon;

/* ---- login rate limiting (ratelimit.c) ---- */

#define WL_RL_SLOTS 1024
#define WL_RL_FREE_FAILS 5      /* failures before the first lockout */
#define WL_RL_FIRST_LOCK_S 30   /* doubled with every further failure */
#define WL_RL_MAX_LOCK_S 900
#define WL_RL_FORGET_S 3600     /* a key without failures for this long starts over */

#define WL_RL_KEY_LEN 160       /* "user:NAME@ip:ADDRESS" */

typedef struct wl_rl_entry {
  char key[WL_RL_KEY_LEN];
  int fails;
  int64_t last_fail, locked_until;
} wl_rl_entry;

typedef struct wl_ratelimit {
  pthread_mutex_t mu;
  wl_rl_entry e[WL_RL_SLOTS];
} wl_ratelimit;

void wl_rl_init(wl_ratelimit *rl);
void wl_rl_destroy(wl_ratelimit *rl);
/* Seconds the key must still wait (0: it may try now). */
int64_t wl_rl_wait(wl_ratelimit *rl, const char *key, int64_t now);
void wl_rl_fail(wl_ratelimit *rl, const char *key, int64_t now);
void wl_rl_success(wl_ratelimit *rl, const char *key);
/* The key of a client address: "ip:ADDRESS", or "ip:PREFIX/64" for IPv6,
 * since one host commonly holds a whole /64 (an IPv4-mapped address counts
 * as the IPv4 address). */
void wl_rl_client_key(char *out, size_t n, const char *ip);

/* ---- the connection guard (guard.c, guard.h) ---- */

enum { WL_PH_HEAD, /* waiting for a request head (a new or kept-alive connection) */
       WL_PH_BODY, /* the head is in; its body is arriving */
       WL_PH_WORK  /* answering (no deadline of ours; libmicrohttpd's timeout) */
};

typedef struct wl_conn {
  struct wl_conn *prev, *next;
  int fd;
  unsigned char grp[16];    /* the address group it counts in */
  char ip[64];
  int phase;
  int64_t since_ms;         /* the phase's start (monotonic) */
  uint64_t bytes;           /* of the body so far */
  int closing;              /* shut down by the watchdog */
} wl_conn;

typedef struct wl_guard {
  pthread_mutex_t mu;
  pthread_cond_t cv;
  pthread_t thread;
  int inited, running, stop;
  wl_conn *head;            /* every open connection */
  int head_timeout_s, per_address, upload_grace_s, upload_max_s;
  size_t upload_min_rate;
  unsigned late_heads;      /* closed since the last warning */
  char late_ip[64];
  int64_t last_warn_ms;
} wl_guard;

/* Starts the watchdog (-1 when it cannot); destroy stops it. */
int wl_guard_init(wl_guard *g, const wl_web_config *cfg);
void wl_guard_destroy(wl_guard *g);
void wl_guard_phase(wl_guard *g, wl_conn *c, int phase);
void wl_guard_body(wl_guard *g, wl_conn *c, size_t n);

/* ---- slow work off the request threads (async.c) ---- */

#define WL_WEB_BG 4             /* such jobs at a time (connection tests) */

typedef struct wl_req wl_req;
typedef void (*wl_bg_work)(void *ctx);               /* runs on its own thread */
/* answers rq and frees ctx; rq NULL: the client went away, only free ctx */
typedef int (*wl_bg_done)(wl_req *rq, void *ctx);

typedef struct wl_bg {
  pthread_t thread;
  int used, done;
  struct wl_web *web;
  struct MHD_Connection *conn;
  wl_bg_work work;
  void *ctx;
} wl_bg;

/* Suspends rq and runs work(ctx) on a thread of its own; once it is done,
 * done(rq, ctx) builds the answer on a request thread. The handler returns
 * 0 without answering. WL_EUNAVAIL (ctx still the caller's) when
 * WL_WEB_BG jobs are running. */
int wl_req_background(wl_req *rq, wl_bg_work work, wl_bg_done done, void *ctx);
/* Waits for every job (wl_web_stop, before the daemon stops). */
void wl_web_bg_join(struct wl_web *w);

/* ---- the server ---- */

#define WL_WEB_POOL 8

struct wl_web {
  struct MHD_Daemon *d;
  wl_web_config cfg;        /* string members point at the copies below */
  char *dsn, *listen;
  char *cert_pem, *key_pem;
  int tls;
  uint16_t port;
  char url[160];
  pthread_mutex_t pool_mu;
  wl_app *pool[WL_WEB_POOL];
  int npool;
  int uploads;              /* large bodies being received (under pool_mu) */
  wl_ratelimit rl;
  wl_guard guard;
  wl_bg bg[WL_WEB_BG];      /* under pool_mu */
  char *tz_options;         /* <option> list of IANA zones, built once */
};

/* ---- forms (form.c): application/x-www-form-urlencoded, capped ---- */

#define WL_FORM_MAX_FIELDS 64

typedef struct wl_form {
  size_t n;
  char *key[WL_FORM_MAX_FIELDS];
  char *val[WL_FORM_MAX_FIELDS];
} wl_form;

/* Parses body (len bytes). WL_EUSAGE for too many fields or bad escapes. */
int wl_form_parse(wl_form *f, const char *body, size_t len);
/* The first value of key, or NULL. */
const char *wl_form_get(const wl_form *f, const char *key);
void wl_form_free(wl_form *f);
/* Decodes %XX and '+' in place; -1 on a malformed escape or a NUL byte. */
int wl_url_decode(char *s);

/* ---- requests ---- */

enum { WL_R_PUBLIC = 1, /* no login needed */
       WL_R_API = 2,    /* JSON answers; bearer API keys accepted */
       WL_R_UPLOAD = 4, /* bodies up to WL_UPLOAD_MAX: multipart/form-data file
                           uploads (fields checked like a form) */
       WL_R_JSON = 8    /* a JSON body (PUT) up to WL_JSON_MAX */
};

#define WL_UPLOAD_MAX (16u * 1024 * 1024)
/* A JSON body is parsed whole, at many times its size in memory: 4 MiB
 * holds about 45,000 schedule segments. */
#define WL_JSON_MAX (4u * 1024 * 1024)
/* Requests with a large body (WL_R_UPLOAD, WL_R_JSON) at a time; more are
 * answered 503 with Retry-After before their body is read. */
#define WL_WEB_UPLOADS 2

typedef int (*wl_handler)(wl_req *rq);

typedef struct wl_route {
  const char *method;  /* "GET" | "POST" | "PUT" */
  const char *pattern; /* "/source/ * /remove": '*' (no spaces) is one path segment */
  wl_handler fn;
  const char *nav;     /* label in the navigation bar, or NULL */
  int flags;
} wl_route;

extern const wl_route wl_routes[];

/* every handler named in routes.def */
#define WL_ROUTE(method, pattern, fn, nav, flags) int fn(wl_req *rq);
#include "web/routes.def"
#undef WL_ROUTE

struct wl_req {
  wl_web *web;
  struct MHD_Connection *conn;
  const char *method, *path;
  char ip[64];
  const wl_route *route;
  char arg[128];            /* the segment matched by '*' (decoded) */
  /* request body */
  wl_buf upload;
  int too_large;
  int path_known;           /* some route has this path (405 rather than 404) */
  int authed;               /* the login check passed before the body was read */
  int upload_slot;          /* holds one of the WL_WEB_UPLOADS slots */
  wl_conn *gc;              /* the connection's guard record, or NULL */
  wl_bg_done bg_done;       /* set while a background job answers this request */
  void *bg_ctx;
  wl_form form;
  wl_app *app;              /* this request's store connection */
  /* who: set for routes that need a login */
  int64_t user_id;
  char user[64];
  char csrf[WL_SECRET_HEX_LEN];
  char sid_hash[WL_SECRET_HEX_LEN];
  int by_key;               /* authenticated by an API key, not a session */
  /* response */
  int status;
  wl_buf out;
  const char *ctype;
  char location[1024];
  char cookies[2][320];
  int ncookies;
  char retry_after[24];
  int cacheable;            /* static assets */
  int refresh_s;            /* > 0: the page reloads itself (status pages) */
};

/* ---- request accessors and response helpers (request.c) ---- */

/* Query-string argument, or NULL. */
const char *wl_req_query(wl_req *rq, const char *key);
/* A request header, or NULL. */
const char *wl_req_header(wl_req *rq, const char *name);
const char *wl_req_cookie(wl_req *rq, const char *name);
/* Whether the client asked for JSON (Accept: application/json). */
int wl_req_wants_json(wl_req *rq);
/* Whether the answer is JSON: an /api/ address or a WL_R_API route. */
int wl_req_is_api(const wl_req *rq);

/* Response helpers: each sets the status and returns 0. */
int wl_redirect(wl_req *rq, const char *location);
int wl_set_cookie(wl_req *rq, const char *name, const char *value, int max_age);
/* A plain error page (or JSON under /api/) saying msg; msg is escaped. */
int wl_error_page(wl_req *rq, int status, const char *title, const char *msg);

/* The login session: reads the cookie and loads the session (0), or
 * WL_ENOTFOUND. Fills user_id, user, csrf, sid_hash. */
int wl_auth_session(wl_req *rq);
/* Logs the user in: a new session row and its cookie. */
int wl_auth_login(wl_req *rq, int64_t user_id, const char *user);
void wl_auth_logout(wl_req *rq);
/* Authorization: Bearer KEY (0), WL_ENOTFOUND when absent, WL_EAUTH when wrong. */
int wl_auth_bearer(wl_req *rq);

/* ---- HTML (html.c) ---- */

/* Appends s with & < > " ' escaped. */
int wl_html_esc(wl_buf *b, const char *s);
/* Appends printf output where every %s (and %c) argument is escaped first.
 * Understood: %s, %c, %d / %u with l, ll or z, %f, %g, an optional '0' flag,
 * width and precision (%05d, %.1f), and %%. The compiler checks the
 * arguments; returns the buffer's (sticky) error. */
int wl_html(wl_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The layout: <head>, the navigation bar (with a logout button when a
 * user is logged in), then the page's <main>. */
void wl_page_begin(wl_req *rq, const char *title);
void wl_page_end(wl_req *rq);
/* A hidden CSRF field for forms of logged-in pages. */
void wl_html_csrf(wl_req *rq);
/* "12 s ago", "5 min ago", "3 h ago", "2 days ago", or "never" for t == 0. */
void wl_fmt_ago(char *out, size_t n, int64_t t, int64_t now);
/* "2024-11-03 10:15:07" in the zone (NULL: UTC), "" for t == 0. */
void wl_fmt_local(char *out, size_t n, int64_t t, const wl_tz *tz);

extern const char wl_asset_css[];
extern const char wl_asset_js[];

/* ---- health of a source (health.c), shared by pages and the API ---- */

typedef struct wl_health {
  const char *state;        /* "healthy", "failing", "waiting", "catching up", "stale",
                               "disabled", "no token" */
  const char *css;          /* "ok" | "bad" | "warn" | "off" */
  int64_t rt_last_ok;       /* 0: never */
  int64_t hist_watermark;   /* 0: none */
  int64_t now;
  char rt_outcome[16], hist_outcome[16];  /* latest finished runs, "" none */
  char hist_kind[16];
  int64_t backfill_from, backfill_to;     /* a running backfill window, 0 none */
  int64_t windows_behind;                 /* 6-hour windows between watermark and now */
  char last_error[512];
  int64_t last_error_at;
  int last_error_http;
  char last_error_kind[16];
} wl_health;

int wl_health_get(wl_health *h, wl_store *st, const wl_source *src, int64_t now);

/* ---- time zones for the page's datalist (tzlist.c) ---- */
int wl_tz_options(char **out);

#endif
