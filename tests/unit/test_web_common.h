/*
 * Shared by tests/unit/test_web_*.c: a web server in this process on a free
 * loopback port with a fresh SQLite database, a libcurl client that keeps
 * cookies like a browser, and a log of every response body (so a test can
 * assert that a secret never appeared in any of them). Also raw loopback
 * connections (headers without their body, which libcurl will not send) and
 * a capturing listener that records every request sent to it.
 */
#ifndef WL_TEST_WEB_COMMON_H
#define WL_TEST_WEB_COMMON_H

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/app.h"
#include "util/buf.h"
#include "util/err.h"
#include "util/log.h"
#include "util/timeutil.h"
#include "core/users.h"
#include "web/web.h"

#define TEST_USER "admin"
#define TEST_PASSWORD "correct horse battery"

typedef struct resp {
  long status;
  wl_buf body;
  wl_buf head;
} resp;

typedef struct wfx {
  char path[512];
  char dsn[600];
  wl_web *web;
  wl_app *app;            /* the test's own connection, for setup and checks */
  CURL *h;                /* cookies kept across requests */
  wl_buf seen;            /* every response (headers and body) so far */
  char csrf[80];          /* the CSRF token of the last logged-in page */
  resp r;                 /* the last response */
  char from[32];          /* the client address ("127.0.0.2"), "" for any */
} wfx;

static int web_seq;

/* Set by a test file to change the server's configuration (limits). */
static void (*wfx_tweak)(wl_web_config *cfg);

/* The clock, replaceable by tests (sessions and the rate limiter read it). */
static int64_t fake_clock;
static int64_t read_fake_clock(void)
{
  return fake_clock;
}

static void wfx_remove_files(const char *path)
{
  static const char *const sfx[] = {"", "-wal", "-shm", "-journal", ".key"};
  char p[600];
  for (size_t i = 0; i < sizeof(sfx) / sizeof(sfx[0]); i++) {
    snprintf(p, sizeof(p), "%s%s", path, sfx[i]);
    unlink(p);
  }
}

/* A user whose hash uses libsodium's minimum limits: fast to verify. */
static void wfx_add_user(wfx *f, const char *name, const char *pw)
{
  char hash[crypto_pwhash_STRBYTES];
  int64_t id;
  assert_int_equal(crypto_pwhash_str_alg(hash, pw, strlen(pw), crypto_pwhash_OPSLIMIT_MIN,
                                         crypto_pwhash_MEMLIMIT_MIN, crypto_pwhash_ALG_ARGON2ID13),
                   0);
  assert_int_equal(wl_store_user_add(f->app->st, &id, name, hash, 1700000000), 0);
}

static wfx *wfx_new(int session_ttl_s)
{
  wfx *f = calloc(1, sizeof(*f));
  const char *tmp = getenv("WL_TEST_TMP");
  wl_web_config cfg;
  assert_non_null(f);
  assert_true(sodium_init() >= 0);
  if (!tmp || !*tmp)
    tmp = "/tmp";
  if (mkdir(tmp, 0700) != 0 && errno != EEXIST)
    fail_msg("cannot create %s", tmp);
  snprintf(f->path, sizeof(f->path), "%s/test_web_%ld_%d.db", tmp, (long)getpid(), ++web_seq);
  wfx_remove_files(f->path);
  snprintf(f->dsn, sizeof(f->dsn), "sqlite:%s", f->path);
  wl_log_set_level(WL_LOG_ERROR);
  fake_clock = 1730000000;
  wl_set_clock(read_fake_clock);
  if (wl_app_open(&f->app, f->dsn) != 0)
    fail_msg("open: %s", wl_errmsg());
  wfx_add_user(f, TEST_USER, TEST_PASSWORD);
  wl_web_config_init(&cfg);
  cfg.dsn = f->dsn;
  cfg.listen = "127.0.0.1:0";
  cfg.quiet = 1;
  cfg.threads = 2;
  if (session_ttl_s)
    cfg.session_ttl_s = session_ttl_s;
  if (wfx_tweak)
    wfx_tweak(&cfg);
  if (wl_web_start(&f->web, &cfg) != 0)
    fail_msg("web start: %s", wl_errmsg());
  f->h = curl_easy_init();
  assert_non_null(f->h);
  curl_easy_setopt(f->h, CURLOPT_COOKIEFILE, ""); /* in-memory cookie engine */
  wl_buf_init(&f->seen, 64u * 1024 * 1024);
  wl_buf_init(&f->r.body, 16u * 1024 * 1024);
  wl_buf_init(&f->r.head, 1024 * 1024);
  return f;
}

static void wfx_free(wfx *f)
{
  curl_easy_cleanup(f->h);
  wl_web_stop(f->web);
  wl_app_free(f->app);
  wl_buf_free(&f->seen);
  wl_buf_free(&f->r.body);
  wl_buf_free(&f->r.head);
  wfx_remove_files(f->path);
  wl_set_clock(NULL);
  free(f);
}

static size_t wfx_on_data(char *p, size_t size, size_t n, void *payload)
{
  return wl_buf_append(payload, p, size * n) == 0 ? size * n : 0;
}

/* One request; body NULL for GET. extra: one more header line or NULL. */
static long wfx_req(wfx *f, const char *method, const char *path, const char *body,
                    const char *ctype, const char *extra)
{
  char url[1200];
  struct curl_slist *hs = NULL;
  CURLcode cc;
  snprintf(url, sizeof(url), "%s%s", wl_web_url(f->web), path);
  wl_buf_reset(&f->r.body);
  wl_buf_reset(&f->r.head);
  curl_easy_setopt(f->h, CURLOPT_URL, url);
  curl_easy_setopt(f->h, CURLOPT_WRITEFUNCTION, wfx_on_data);
  curl_easy_setopt(f->h, CURLOPT_WRITEDATA, &f->r.body);
  curl_easy_setopt(f->h, CURLOPT_HEADERFUNCTION, wfx_on_data);
  curl_easy_setopt(f->h, CURLOPT_HEADERDATA, &f->r.head);
  curl_easy_setopt(f->h, CURLOPT_TIMEOUT, 60L);
  curl_easy_setopt(f->h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(f->h, CURLOPT_CUSTOMREQUEST, NULL);
  /* a client address of the test's choosing: a new connection from it */
  curl_easy_setopt(f->h, CURLOPT_INTERFACE, f->from[0] ? f->from : NULL);
  curl_easy_setopt(f->h, CURLOPT_FRESH_CONNECT, f->from[0] ? 1L : 0L);
  curl_easy_setopt(f->h, CURLOPT_FORBID_REUSE, f->from[0] ? 1L : 0L);
  if (body) {
    curl_easy_setopt(f->h, CURLOPT_POST, 1L);
    curl_easy_setopt(f->h, CURLOPT_POSTFIELDS, body);
    curl_easy_setopt(f->h, CURLOPT_POSTFIELDSIZE, (long)strlen(body));
  } else {
    curl_easy_setopt(f->h, CURLOPT_HTTPGET, 1L);
  }
  if (method && strcmp(method, body ? "POST" : "GET") != 0)
    curl_easy_setopt(f->h, CURLOPT_CUSTOMREQUEST, method);
  if (ctype) {
    char line[200];
    snprintf(line, sizeof(line), "Content-Type: %s", ctype);
    hs = curl_slist_append(hs, line);
  }
  if (extra)
    hs = curl_slist_append(hs, extra);
  curl_easy_setopt(f->h, CURLOPT_HTTPHEADER, hs);
  cc = curl_easy_perform(f->h);
  curl_slist_free_all(hs);
  curl_easy_setopt(f->h, CURLOPT_HTTPHEADER, NULL);
  if (cc != CURLE_OK)
    fail_msg("%s %s: %s", method ? method : "GET", path, curl_easy_strerror(cc));
  curl_easy_getinfo(f->h, CURLINFO_RESPONSE_CODE, &f->r.status);
  wl_buf_append(&f->seen, f->r.head.ptr ? f->r.head.ptr : "", f->r.head.len);
  wl_buf_append(&f->seen, f->r.body.ptr ? f->r.body.ptr : "", f->r.body.len);
  return f->r.status;
}

static long wfx_get(wfx *f, const char *path)
{
  return wfx_req(f, "GET", path, NULL, NULL, NULL);
}

static long wfx_post(wfx *f, const char *path, const char *body)
{
  return wfx_req(f, "POST", path, body, "application/x-www-form-urlencoded", NULL);
}

static const char *wfx_body(wfx *f)
{
  return f->r.body.ptr ? f->r.body.ptr : "";
}

/* The value of a response header (case-insensitive name), or "". */
static const char *wfx_header(wfx *f, const char *name, char *out, size_t n)
{
  const char *p = f->r.head.ptr ? f->r.head.ptr : "";
  size_t ln = strlen(name);
  out[0] = '\0';
  while (*p) {
    const char *eol = strchr(p, '\n');
    size_t len = eol ? (size_t)(eol - p) : strlen(p);
    if (len > ln && strncasecmp(p, name, ln) == 0 && p[ln] == ':') {
      const char *v = p + ln + 1;
      while (*v == ' ')
        v++;
      snprintf(out, n, "%.*s", (int)(len - (size_t)(v - p)), v);
      out[strcspn(out, "\r")] = '\0';
      return out;
    }
    p += len + (eol ? 1 : 0);
  }
  return out;
}

static int wfx_has(wfx *f, const char *needle)
{
  return strstr(wfx_body(f), needle) != NULL;
}

/* How many times needle occurs in hay (not overlapping). */
static inline size_t wfx_count(const char *hay, const char *needle)
{
  size_t n = 0;
  for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
    n++;
  return n;
}

/* The first hidden csrf field of the last page. */
static const char *wfx_csrf(wfx *f)
{
  const char *p = strstr(wfx_body(f), "name=\"csrf\" value=\"");
  f->csrf[0] = '\0';
  if (p)
    snprintf(f->csrf, sizeof(f->csrf), "%.64s", p + 19);
  return f->csrf;
}

/* Percent-encodes for a form body. */
static void wfx_esc(char *out, size_t n, const char *s)
{
  size_t o = 0;
  for (; *s && o + 4 < n; s++) {
    unsigned char c = (unsigned char)*s;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
        c == '-' || c == '_' || c == '.')
      out[o++] = (char)c;
    else
      o += (size_t)snprintf(out + o, n - o, "%%%02X", c);
  }
  out[o] = '\0';
}

/* GET /login, then POST the form; returns the status of the POST. */
static long wfx_login_as(wfx *f, const char *user, const char *pw)
{
  char body[600], u[200], p[200];
  assert_int_equal(wfx_get(f, "/login"), 200);
  wfx_csrf(f);
  wfx_esc(u, sizeof(u), user);
  wfx_esc(p, sizeof(p), pw);
  snprintf(body, sizeof(body), "csrf=%s&user=%s&password=%s&next=%%2Fsources", f->csrf, u, p);
  return wfx_post(f, "/login", body);
}

static void wfx_login(wfx *f)
{
  char loc[200];
  assert_int_equal(wfx_login_as(f, TEST_USER, TEST_PASSWORD), 303);
  assert_string_equal(wfx_header(f, "Location", loc, sizeof(loc)), "/sources");
  assert_int_equal(wfx_get(f, "/sources"), 200);
  wfx_csrf(f);
}

/* ---- raw connections ---- */

/* Milliseconds of a monotonic clock (wl_now is the tests' fake clock). */
static inline int64_t wfx_ms(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A connection from the loopback address from ("127.0.0.2"; NULL: any). */
static inline int wfx_raw_open_from(wfx *f, const char *from)
{
  struct sockaddr_in a;
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  assert_true(fd >= 0);
  memset(&a, 0, sizeof(a));
  if (from) {
    a.sin_family = AF_INET;
    assert_int_equal(inet_pton(AF_INET, from, &a.sin_addr), 1);
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
      fail_msg("bind %s: %s", from, strerror(errno));
    memset(&a, 0, sizeof(a));
  }
  a.sin_family = AF_INET;
  a.sin_port = htons(wl_web_port(f->web));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (connect(fd, (struct sockaddr *)&a, sizeof(a)) != 0)
    fail_msg("connect: %s", strerror(errno));
  return fd;
}

static inline int wfx_raw_open(wfx *f)
{
  return wfx_raw_open_from(f, NULL);
}

/* 1 when the server has closed fd (within timeout_ms), reading and
 * dropping whatever it sent first. */
static inline int wfx_raw_closed(int fd, int timeout_ms)
{
  int64_t until = wfx_ms() + timeout_ms;
  char buf[4096];
  for (;;) {
    struct pollfd p = {fd, POLLIN, 0};
    int64_t left = until - wfx_ms();
    ssize_t r;
    if (left <= 0 || poll(&p, 1, (int)left) <= 0)
      return 0;
    r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
    if (r == 0 || (r < 0 && errno != EAGAIN && errno != EINTR))
      return 1;
  }
}

static inline void wfx_raw_send(int fd, const char *data, size_t n)
{
  while (n > 0) {
    ssize_t w = send(fd, data, n, MSG_NOSIGNAL);
    if (w <= 0)
      fail_msg("send: %s", strerror(errno));
    data += w;
    n -= (size_t)w;
  }
}

/* What arrives within timeout_ms, up to the end of the first answer's
 * headers or the connection's end ("" when nothing came). */
static inline const char *wfx_raw_read(int fd, char *out, size_t n, int timeout_ms)
{
  size_t len = 0;
  int64_t until = wfx_ms() + timeout_ms;
  out[0] = '\0';
  while (len + 1 < n && !strstr(out, "\r\n\r\n")) {
    struct pollfd p = {fd, POLLIN, 0};
    int64_t left = until - wfx_ms();
    ssize_t r;
    if (left <= 0 || poll(&p, 1, (int)left) <= 0)
      break;
    if ((r = recv(fd, out + len, n - 1 - len, 0)) <= 0)
      break;
    len += (size_t)r;
    out[len] = '\0';
  }
  return out;
}

/* The session cookie curl holds ("" when logged out). */
static inline const char *wfx_session_cookie(wfx *f, char *out, size_t n)
{
  struct curl_slist *cookies = NULL;
  out[0] = '\0';
  curl_easy_getinfo(f->h, CURLINFO_COOKIELIST, &cookies);
  for (struct curl_slist *c = cookies; c; c = c->next) {
    const char *v = strrchr(c->data, '\t');
    if (strstr(c->data, "\twl_session\t") && v)
      snprintf(out, n, "%s", v + 1);
  }
  curl_slist_free_all(cookies);
  return out;
}

/* ---- a capturing listener: every request sent to it is kept, and each
 * is answered 401, or with `answer` (a whole HTTP answer) when set; while
 * `hold` is set, requests are kept waiting (up to 16) ---- */

typedef struct wfx_cap {
  int fd;
  uint16_t port;
  pthread_t thread;
  volatile int stop;
  pthread_mutex_t mu;
  wl_buf seen;          /* every request's bytes */
  int requests;
  const char *answer;   /* NULL: 401 */
  volatile int hold;
  int held[16], nheld;
} wfx_cap;

/* Appends the decoded "user:password" of a Basic Authorization header, so
 * a token sent that way can be searched for as plain text. */
static inline void wfx_cap_basic(wl_buf *seen, const char *req)
{
  const char *h = strstr(req, "\r\nAuthorization: Basic ");
  unsigned char dec[4096];
  size_t n = 0;
  if (!h)
    return;
  h += 23;
  if (sodium_base642bin(dec, sizeof(dec) - 1, h, strcspn(h, "\r\n"), NULL, &n, NULL,
                        sodium_base64_VARIANT_ORIGINAL) == 0) {
    wl_buf_puts(seen, "\nBasic credentials: ");
    wl_buf_append(seen, (const char *)dec, n);
    wl_buf_puts(seen, "\n");
  }
}

static inline void wfx_cap_answer(wfx_cap *c, int conn)
{
  static const char ans[] = "HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n"
                            "Connection: close\r\n\r\n";
  const char *a = c->answer ? c->answer : ans;
  ssize_t w = send(conn, a, strlen(a), MSG_NOSIGNAL);
  (void)w;
  close(conn);
}

static inline void wfx_cap_serve(wfx_cap *c, int conn)
{
  char buf[8192];
  size_t len = 0;
  int64_t until = wfx_ms() + 2000;
  buf[0] = '\0';
  while (len + 1 < sizeof(buf) && !strstr(buf, "\r\n\r\n") && wfx_ms() < until) {
    struct pollfd p = {conn, POLLIN, 0};
    ssize_t r;
    if (poll(&p, 1, 100) <= 0)
      continue;
    if ((r = recv(conn, buf + len, sizeof(buf) - 1 - len, 0)) <= 0)
      break;
    len += (size_t)r;
    buf[len] = '\0';
  }
  pthread_mutex_lock(&c->mu);
  wl_buf_append(&c->seen, buf, len);
  wfx_cap_basic(&c->seen, buf);
  c->requests++;
  pthread_mutex_unlock(&c->mu);
  if (c->hold && c->nheld < 16)
    c->held[c->nheld++] = conn;
  else
    wfx_cap_answer(c, conn);
}

static inline void *wfx_cap_main(void *arg)
{
  wfx_cap *c = arg;
  while (!c->stop) {
    struct pollfd p = {c->fd, POLLIN, 0};
    int conn;
    while (!c->hold && c->nheld > 0)
      wfx_cap_answer(c, c->held[--c->nheld]);
    if (poll(&p, 1, 50) <= 0)
      continue;
    if ((conn = accept(c->fd, NULL, NULL)) >= 0)
      wfx_cap_serve(c, conn);
  }
  return NULL;
}

static inline void wfx_cap_start(wfx_cap *c)
{
  struct sockaddr_in a;
  socklen_t al = sizeof(a);
  memset(c, 0, sizeof(*c));
  c->fd = socket(AF_INET, SOCK_STREAM, 0);
  assert_true(c->fd >= 0);
  memset(&a, 0, sizeof(a));
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  assert_int_equal(bind(c->fd, (struct sockaddr *)&a, sizeof(a)), 0);
  assert_int_equal(listen(c->fd, 16), 0);
  assert_int_equal(getsockname(c->fd, (struct sockaddr *)&a, &al), 0);
  c->port = ntohs(a.sin_port);
  wl_buf_init(&c->seen, 1024 * 1024);
  pthread_mutex_init(&c->mu, NULL);
  assert_int_equal(pthread_create(&c->thread, NULL, wfx_cap_main, c), 0);
}

/* How many requests reached the listener. */
static inline int wfx_cap_requests(wfx_cap *c)
{
  int n;
  pthread_mutex_lock(&c->mu);
  n = c->requests;
  pthread_mutex_unlock(&c->mu);
  return n;
}

/* 1 when some request sent to the listener holds needle. */
static inline int wfx_cap_saw(wfx_cap *c, const char *needle)
{
  int hit;
  pthread_mutex_lock(&c->mu);
  hit = c->seen.len > 0 && strstr(c->seen.ptr, needle) != NULL;
  pthread_mutex_unlock(&c->mu);
  return hit;
}

/* Stops listening; what was seen stays readable until wfx_cap_free. */
static inline void wfx_cap_stop(wfx_cap *c)
{
  c->stop = 1;
  pthread_join(c->thread, NULL);
  while (c->nheld > 0)
    close(c->held[--c->nheld]);
  close(c->fd);
}

static inline void wfx_cap_free(wfx_cap *c)
{
  pthread_mutex_destroy(&c->mu);
  wl_buf_free(&c->seen);
}

#endif
