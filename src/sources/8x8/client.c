#include "sources/8x8/client.h"
#include "util/err.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
  wl_8x8_req *r = userp;
  size_t n = size * nmemb;
  /* returning less than n makes libcurl abort with CURLE_WRITE_ERROR */
  return wl_buf_append(&r->body, data, n) == 0 ? n : 0;
}

static int64_t parse_retry_after(const char *v)
{
  char *end;
  long long s;
  while (*v == ' ')
    v++;
  s = strtoll(v, &end, 10);
  if (end != v && s >= 0)
    return s;
  {
    time_t when = curl_getdate(v, NULL);
    if (when > 0)
      return when > time(NULL) ? (int64_t)(when - time(NULL)) : 0;
  }
  return -1;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userp)
{
  wl_8x8_req *r = userp;
  size_t n = size * nmemb;
  char line[256];
  if (n > 12 && n < sizeof(line) && strncasecmp(data, "Retry-After:", 12) == 0) {
    memcpy(line, data + 12, n - 12);
    line[n - 12] = '\0';
    r->retry_after_s = parse_retry_after(line);
  }
  return n;
}

static void remember_host(wl_8x8_req *r, const char *base_url)
{
  const char *h = strstr(base_url, "://");
  size_t n;
  h = h ? h + 3 : base_url;
  n = strcspn(h, "/:");
  if (n >= sizeof(r->host))
    n = sizeof(r->host) - 1;
  memcpy(r->host, h, n);
  r->host[n] = '\0';
}

int wl_8x8_req_new(wl_8x8_req **out, const char *base_url, const char *path, const char *query,
                   const char *tenant, const char *token, long timeout_s)
{
  wl_8x8_req *r = calloc(1, sizeof(*r));
  int n;
  if (!r || !(r->easy = curl_easy_init())) {
    free(r);
    return wl_err(WL_ENOMEM, "cannot create an HTTP request");
  }
  n = snprintf(r->url, sizeof(r->url), "%s%s%s%s", base_url, path, query ? "?" : "",
               query ? query : "");
  if (n < 0 || (size_t)n >= sizeof(r->url)) {
    wl_8x8_req_free(r);
    return wl_err(WL_EUSAGE, "request URL too long");
  }
  wl_buf_init(&r->body, WL_8X8_MAX_BODY);
  remember_host(r, base_url);
  r->retry_after_s = -1;
  r->timeout_s = timeout_s;
  curl_easy_setopt(r->easy, CURLOPT_URL, r->url);
  curl_easy_setopt(r->easy, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(r->easy, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
  curl_easy_setopt(r->easy, CURLOPT_USERNAME, tenant);
  curl_easy_setopt(r->easy, CURLOPT_PASSWORD, token ? token : "");
  curl_easy_setopt(r->easy, CURLOPT_TIMEOUT, timeout_s);
  curl_easy_setopt(r->easy, CURLOPT_CONNECTTIMEOUT, timeout_s < 10 ? timeout_s : 10L);
  curl_easy_setopt(r->easy, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(r->easy, CURLOPT_ACCEPT_ENCODING, "");
  curl_easy_setopt(r->easy, CURLOPT_USERAGENT, "wfmlink/0.1");
  curl_easy_setopt(r->easy, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(r->easy, CURLOPT_SSL_VERIFYHOST, 2L);
  curl_easy_setopt(r->easy, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)WL_8X8_MAX_BODY);
  /* a whole page of 50 interactions (about 26 KB) in one read */
  curl_easy_setopt(r->easy, CURLOPT_BUFFERSIZE, 128L * 1024);
  curl_easy_setopt(r->easy, CURLOPT_WRITEFUNCTION, on_body);
  curl_easy_setopt(r->easy, CURLOPT_WRITEDATA, r);
  curl_easy_setopt(r->easy, CURLOPT_HEADERFUNCTION, on_header);
  curl_easy_setopt(r->easy, CURLOPT_HEADERDATA, r);
  curl_easy_setopt(r->easy, CURLOPT_ERRORBUFFER, r->errbuf);
  curl_easy_setopt(r->easy, CURLOPT_PRIVATE, r);
  *out = r;
  return 0;
}

void wl_8x8_req_free(wl_8x8_req *r)
{
  if (!r)
    return;
  if (r->easy)
    curl_easy_cleanup(r->easy);
  wl_buf_free(&r->body);
  free(r);
}

int wl_8x8_req_perform(wl_8x8_req *r)
{
  return wl_8x8_req_result(r, curl_easy_perform(r->easy));
}

/* 8x8's login host carries a letter suffix (vcc-na10b) that the API host
 * does not (vcc-na10): the most common cause of a 401 (8x8-api.md). */
static int host_has_letter_suffix(const char *host)
{
  size_t n = strcspn(host, ".");
  return n >= 2 && isalpha((unsigned char)host[n - 1]) && isdigit((unsigned char)host[n - 2]);
}

static int http_error(wl_8x8_req *r)
{
  long s = r->status;
  if (s == 401) {
    if (host_has_letter_suffix(r->host))
      return wl_err(WL_EAUTH, "authentication failed (401) at %s: the host name ends in a letter; "
                    "8x8's API host has no letter suffix (use vcc-na10, not vcc-na10b), "
                    "and check the tenant and token", r->host);
    return wl_err(WL_EAUTH, "authentication failed (401) at %s: check the tenant name and the "
                  "data request token (8x8 Configuration Manager > Integration > API Token)", r->host);
  }
  if (s == 403)
    return wl_err(WL_EAUTH, "access forbidden (403) at %s: the token is not allowed to read "
                  "these statistics", r->host);
  if (s == 404)
    return wl_err(WL_EFAIL, "not found (404) at %s: the base URL does not point at an 8x8 API root",
                  r->host);
  if (s == 429)
    return wl_err(WL_EFAIL, "8x8 asked us to slow down (429 Too Many Requests)");
  if (s == 400)
    return wl_err(WL_EFAIL, "8x8 refused the request (400 Bad Request) at %s: a range may be "
                  "too long for 8x8 (keep ranges to a few weeks) or a value malformed", r->host);
  if (s >= 300 && s < 400) {
    char *loc = NULL;
    curl_easy_getinfo(r->easy, CURLINFO_REDIRECT_URL, &loc);
    return wl_err(WL_EFAIL, "%s redirects (HTTP %ld)%s%.200s: set the base URL to the address "
                  "8x8 redirects to (https://...)", r->host, s, loc ? " to " : "", loc ? loc : "");
  }
  if (s >= 500)
    return wl_err(WL_EFAIL, "8x8 server error (HTTP %ld) at %s", s, r->host);
  return wl_err(WL_EFAIL, "unexpected HTTP status %ld from %s", s, r->host);
}

static int transport_error(wl_8x8_req *r, CURLcode cc)
{
  switch (cc) {
  case CURLE_COULDNT_RESOLVE_HOST:
    return wl_err(WL_EFAIL, "cannot find the host '%s': check the base URL", r->host);
  case CURLE_COULDNT_CONNECT:
    return wl_err(WL_EFAIL, "cannot connect to %s: the host refused or is unreachable", r->host);
  case CURLE_OPERATION_TIMEDOUT:
    return wl_err(WL_ETIMEOUT, "%s did not answer within %ld s (timeout)", r->host, r->timeout_s);
  case CURLE_PEER_FAILED_VERIFICATION:
  case CURLE_SSL_CONNECT_ERROR:
  case CURLE_SSL_CACERT_BADFILE:
  case CURLE_SSL_CERTPROBLEM:
    return wl_err(WL_EFAIL, "TLS problem with %s: %s (the certificate is not trusted, or this is "
                  "not an HTTPS server)", r->host, r->errbuf);
  case CURLE_PARTIAL_FILE:
    return wl_err(WL_EFAIL, "the answer from %s was cut off (truncated body)", r->host);
  case CURLE_GOT_NOTHING:
  case CURLE_RECV_ERROR:
  case CURLE_SEND_ERROR:
    return wl_err(WL_EFAIL, "the connection to %s was reset before a full answer", r->host);
  case CURLE_WRITE_ERROR:
  case CURLE_FILESIZE_EXCEEDED:
    return wl_err(WL_EFAIL, "the answer from %s is larger than %u bytes", r->host, WL_8X8_MAX_BODY);
  default:
    return wl_err(WL_EFAIL, "request to %s failed: %s", r->host,
                  r->errbuf[0] ? r->errbuf : curl_easy_strerror(cc));
  }
}

int wl_8x8_req_result(wl_8x8_req *r, CURLcode cc)
{
  curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &r->status);
  if (cc != CURLE_OK)
    return transport_error(r, cc);
  if (r->status < 200 || r->status > 299)
    return http_error(r);
  return 0;
}

int wl_8x8_req_retryable(const wl_8x8_req *r, int rc)
{
  if (rc == WL_EAUTH || rc == WL_EUSAGE)
    return 0;
  /* 3xx and 4xx answers do not change by asking again, except 408 and 429 */
  if (r->status >= 300 && r->status < 500 && r->status != 408 && r->status != 429)
    return 0;
  return 1;
}

int wl_8x8_escape(char *out, size_t outlen, const char *s)
{
  static const char hex[] = "0123456789ABCDEF";
  size_t o = 0;
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    int plain = isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' || c == ':' || c == ',';
    if (o + (plain ? 1 : 3) >= outlen)
      return wl_err(WL_EUSAGE, "query value too long");
    if (plain) {
      out[o++] = (char)c;
    } else {
      out[o++] = '%';
      out[o++] = hex[c >> 4];
      out[o++] = hex[c & 15];
    }
  }
  out[o] = '\0';
  return 0;
}
