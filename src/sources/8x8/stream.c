/*
 * Event Streaming frames and reader URLs (8x8-api.md section 5). Every
 * malformed input is a WL_EFAIL with a reason, never a guess: a frame that
 * cannot be read completely produces no event.
 */
#include "sources/8x8/stream.h"
#include "sources/8x8/client.h"
#include "sources/8x8/parse.h"
#include "util/err.h"

#include <ctype.h>
#include <jansson.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MIN_TS 946684800LL  /* 2000-01-01: anything earlier is not a real event */
#define MAX_TS 4102444800LL /* 2100-01-01 */

/* A whole number from a JSON integer, an integral real or a numeric string. */
static int json_whole(int64_t *out, const json_t *v)
{
  if (json_is_integer(v)) {
    *out = (int64_t)json_integer_value(v);
    return 0;
  }
  if (json_is_real(v)) {
    double d = json_real_value(v);
    if (d != d || d < -9e15 || d > 9e15 || d != (double)(int64_t)d)
      return -1;
    *out = (int64_t)d;
    return 0;
  }
  if (json_is_string(v)) {
    const char *s = json_string_value(v);
    char *end;
    long long x;
    if (!*s || isspace((unsigned char)*s) || strlen(s) > 20)
      return -1;
    x = strtoll(s, &end, 10);
    if (*end)
      return -1;
    *out = x;
    return 0;
  }
  return -1;
}

/* Copies a printable, non-empty string that fits. */
static int json_text(char *out, size_t cap, const json_t *v)
{
  const char *s = json_string_value(v);
  size_t n = s ? strlen(s) : 0;
  if (!s || n == 0 || n >= cap)
    return -1;
  for (size_t i = 0; i < n; i++)
    if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
      return -1;
  memcpy(out, s, n + 1);
  return 0;
}

static int event_start(wl_8x8_stream_event *ev, const json_t *ch)
{
  int64_t ts = 0, ms = 0;
  const json_t *info = json_object_get(ch, "msgInfo");
  const json_t *v = json_object_get(ch, "statusEventTS");
  if (json_is_object(info)) {
    if (json_whole(&ms, json_object_get(info, "timestamp")) == 0 && ms > MIN_TS * 1000 &&
        ms < MAX_TS * 1000)
      ev->ts_ms = ms;
    if (json_whole(&ev->sequence, json_object_get(info, "sequenceId")) != 0)
      ev->sequence = -1;
  }
  if (v && json_whole(&ts, v) == 0) {
    if (ts > MAX_TS) /* some producers send milliseconds here */
      ts /= 1000;
    if (ts > MIN_TS && ts < MAX_TS) {
      ev->start = ts;
      return 0;
    }
  }
  if (ev->ts_ms) { /* the millisecond time alone is just as precise */
    ev->start = ev->ts_ms / 1000;
    return 0;
  }
  return wl_err(WL_EFAIL, "AgentStatusChange without a valid statusEventTS or msgInfo.timestamp");
}

static int agent_change(wl_8x8_stream_event *ev, const json_t *ch)
{
  int64_t code;
  if (!json_is_object(ch))
    return wl_err(WL_EFAIL, "AgentStatusChange is not an object");
  if (json_text(ev->agent_id, sizeof(ev->agent_id), json_object_get(ch, "agentId")) != 0)
    return wl_err(WL_EFAIL, "AgentStatusChange without a usable agentId");
  if (json_whole(&code, json_object_get(ch, "newState")) != 0 || code < -999999 ||
      code > 9999999)
    return wl_err(WL_EFAIL, "AgentStatusChange for %s without a numeric newState",
                  ev->agent_id);
  snprintf(ev->state, sizeof(ev->state), "%s", wl_8x8_state_for_status((long)code));
  snprintf(ev->vendor_code, sizeof(ev->vendor_code), "%lld", (long long)code);
  return event_start(ev, ch);
}

static int parse_payload(wl_8x8_stream_event *ev, int *kind, const char *b64)
{
  size_t n = strlen(b64), cap = n / 4 * 3 + 3, got = 0;
  unsigned char *bin = malloc(cap + 1);
  json_t *root = NULL;
  json_error_t je;
  int rc;
  if (!bin)
    return wl_err(WL_ENOMEM, "out of memory");
  if (sodium_base642bin(bin, cap, b64, n, NULL, &got, NULL, sodium_base64_VARIANT_ORIGINAL) != 0 &&
      sodium_base642bin(bin, cap, b64, n, NULL, &got, NULL,
                        sodium_base64_VARIANT_ORIGINAL_NO_PADDING) != 0) {
    rc = wl_err(WL_EFAIL, "payload is not base64");
    goto out;
  }
  root = json_loadb((const char *)bin, got, 0, &je);
  if (!json_is_object(root)) {
    rc = wl_err(WL_EFAIL, "payload is not a JSON object%s%s", root ? "" : ": ",
                root ? "" : je.text);
    goto out;
  }
  const json_t *ch = json_object_get(root, "AgentStatusChange");
  if (!ch) {
    *kind = WL_8X8_FRAME_OTHER;
    rc = 0;
    goto out;
  }
  rc = agent_change(ev, ch);
  if (rc == 0)
    *kind = WL_8X8_FRAME_AGENT;
out:
  json_decref(root);
  free(bin);
  return rc;
}

int wl_8x8_stream_parse(wl_8x8_stream_event *out, int *kind, const char *frame, size_t len)
{
  json_t *root = NULL;
  json_error_t je;
  int rc;
  memset(out, 0, sizeof(*out));
  out->sequence = -1;
  *kind = 0;
  if (len > WL_8X8_STREAM_MAX_FRAME)
    return wl_err(WL_EFAIL, "frame of %zu bytes is larger than %u bytes", len,
                  (unsigned)WL_8X8_STREAM_MAX_FRAME);
  root = json_loadb(frame, len, 0, &je);
  if (!json_is_object(root)) {
    rc = wl_err(WL_EFAIL, "frame is not a JSON object%s%s", root ? "" : ": ", root ? "" : je.text);
    goto out;
  }
  if (json_text(out->message_id, sizeof(out->message_id), json_object_get(root, "messageId")))
    out->message_id[0] = '\0';
  const json_t *p = json_object_get(root, "payload");
  if (!json_is_string(p)) {
    rc = wl_err(WL_EFAIL, "frame without a payload string");
    goto out;
  }
  rc = parse_payload(out, kind, json_string_value(p));
  if (rc == 0 && !out->message_id[0]) {
    *kind = 0;
    rc = wl_err(WL_EFAIL, "frame without a messageId");
  }
out:
  json_decref(root);
  return rc;
}

/* ---- URLs -------------------------------------------------------------- */

static int is_loopback(const char *host)
{
  if (strcasecmp(host, "localhost") == 0 || strcmp(host, "::1") == 0 ||
      strcmp(host, "[::1]") == 0)
    return 1;
  return strncmp(host, "127.", 4) == 0 && strspn(host, "0123456789.") == strlen(host);
}

/* A host name (letters, digits, '.', '-') or a bracketed IPv6 address:
 * anything else has no business in a host and would end up in the URL,
 * the logs and the page. */
static int host_chars_ok(const char *h, size_t n)
{
  const char *set = h[0] == '[' ? "0123456789abcdefABCDEF:.[]"
                                : "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-";
  if (h[0] == '[' && (n < 3 || h[n - 1] != ']'))
    return 0;
  for (size_t i = 0; i < n; i++)
    if (!strchr(set, h[i]) || h[i] == '\0')
      return 0;
  return 1;
}

/* Splits [ws://|wss://]HOST[:PORT][/] into its parts. */
static int split_host(int *tls, char *host, size_t hcap, int *port, const char *v)
{
  const char *h = v, *colon, *end;
  long p;
  *tls = 1;
  if (strncasecmp(v, "wss://", 6) == 0) {
    h = v + 6;
  } else if (strncasecmp(v, "ws://", 5) == 0) {
    h = v + 5;
    *tls = 0;
  } else if (strstr(v, "://")) {
    return wl_err(WL_EUSAGE, "stream-host: '%.200s' must start with wss:// (or be a bare host)", v);
  }
  end = h + strcspn(h, "/");
  if (*end && strcmp(end, "/") != 0)
    return wl_err(WL_EUSAGE, "stream-host: '%.200s' must be a host, without a path", v);
  colon = h[0] == '[' ? strchr(h, ']') : h;
  colon = colon ? memchr(colon, ':', (size_t)(end - colon)) : NULL;
  size_t hl = (size_t)((colon ? colon : end) - h);
  if (hl == 0 || hl >= hcap || !host_chars_ok(h, hl))
    return wl_err(WL_EUSAGE, "stream-host: '%.200s' has no valid host", v);
  memcpy(host, h, hl);
  host[hl] = '\0';
  *port = *tls ? 443 : 80;
  if (colon) {
    char *pe;
    p = strtol(colon + 1, &pe, 10);
    if (pe != end || p < 1 || p > 65535)
      return wl_err(WL_EUSAGE, "stream-host: '%.200s' has a bad port", v);
    *port = (int)p;
  }
  if (!*tls && !is_loopback(host))
    return wl_err(WL_EUSAGE, "stream-host: '%.200s': plain ws:// only to 127.0.0.1 or localhost; "
                             "use wss://", v);
  return 0;
}

int wl_8x8_stream_host_check(char *out, size_t outlen, const char *value)
{
  int tls, port;
  char host[256];
  int rc = split_host(&tls, host, sizeof(host), &port, value);
  if (rc)
    return rc;
  if ((size_t)snprintf(out, outlen, "%s://%s:%d", tls ? "wss" : "ws", host, port) >= outlen)
    return wl_err(WL_EUSAGE, "stream-host: the value is too long");
  return 0;
}

int wl_8x8_stream_host_default(char *out, size_t outlen, const char *base_url)
{
  const char *h;
  char host[256];
  int https = strncasecmp(base_url, "https://", 8) == 0;
  if (!https && strncasecmp(base_url, "http://", 7) != 0)
    return wl_err(WL_ENOTFOUND, "no stream host for '%.200s'", base_url);
  h = base_url + (https ? 8 : 7);
  size_t n = strcspn(h, "/");
  if (n == 0 || n >= sizeof(host))
    return wl_err(WL_ENOTFOUND, "no stream host for '%.200s'", base_url);
  memcpy(host, h, n);
  host[n] = '\0';
  /* the host without a port, brackets kept for IPv6 */
  char bare[256];
  size_t bl = host[0] == '[' ? strcspn(host, "]") + 1 : strcspn(host, ":");
  snprintf(bare, sizeof(bare), "%.*s", (int)bl, host);
  if (!https && is_loopback(bare)) { /* the emulator serves the stream itself */
    if ((size_t)snprintf(out, outlen, "ws://%s", host) >= outlen)
      return wl_err(WL_EUSAGE, "stream host too long");
    return 0;
  }
  if (https && strncasecmp(bare, "pulsar-ws-", 10) == 0) {
    if ((size_t)snprintf(out, outlen, "wss://%s:443", bare) >= outlen)
      return wl_err(WL_EUSAGE, "stream host too long");
    return 0;
  }
  return wl_err(WL_ENOTFOUND,
                "no stream host is known for %s: set stream-host to your region's Pulsar host "
                "(pulsar-ws-use1.8x8.com US1, pulsar-ws-usw2.8x8.com US2, "
                "pulsar-ws-euw2.8x8.com UK3)", bare);
}

int wl_8x8_stream_url_build(wl_8x8_stream_url *out, const char *stream_host, const char *tenant,
                            const char *topic, const char *message_id)
{
  char id[400];
  int rc = split_host(&out->tls, out->host, sizeof(out->host), &out->port, stream_host);
  if (rc)
    return rc;
  if (!tenant || !*tenant || strpbrk(tenant, "/?#% "))
    return wl_err(WL_EUSAGE, "the tenant '%.128s' cannot be part of a stream URL",
                  tenant ? tenant : "");
  if (!message_id || !*message_id)
    message_id = "latest";
  if ((rc = wl_8x8_escape(id, sizeof(id), message_id)) != 0)
    return rc;
  if ((size_t)snprintf(out->path, sizeof(out->path),
                       "/ws/v2/reader/persistent/%s/event-v1/%s?messageId=%s", tenant, topic,
                       id) >= sizeof(out->path))
    return wl_err(WL_EUSAGE, "stream URL too long");
  return 0;
}

/* ---- the driver's stream (sources/driver.h) ---- */

static int agent_reader_url(wl_src_stream_url *out, const char *host, const char *tenant,
                            const char *message_id)
{
  return wl_8x8_stream_url_build(out, host, tenant, "AgentStatusChange", message_id);
}

const wl_source_stream wl_8x8_stream = {
  .max_frame = WL_8X8_STREAM_MAX_FRAME,
  .hosts_hint = "pulsar-ws-use1.8x8.com US1, pulsar-ws-usw2.8x8.com US2, "
                "pulsar-ws-euw2.8x8.com UK3",
  .token_hint = "the tenant's Contact Center data request token (the one rtstats takes) or an "
                "Admin Console key for \"Pulsar Event Stream\"",
  .host_check = wl_8x8_stream_host_check,
  .host_default = wl_8x8_stream_host_default,
  .url = agent_reader_url,
  .parse = wl_8x8_stream_parse,
};
