#ifndef WL_SOURCES_8X8_PARSE_INT_H
#define WL_SOURCES_8X8_PARSE_INT_H
/*
 * Internal to the 8x8 parsers: the text rules every reader of an answer
 * shares (parse_json.c over jansson's tree, parse_fast.c over the raw
 * bytes), so both read a value the same way. No locale: ctype would depend
 * on the process locale.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "sources/driver.h"
#include "wfm/records.h"

static inline int wl_8x8_is_blank(char c)
{
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static inline char wl_8x8_lower(char c)
{
  return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

static inline void wl_8x8_trim(const char **s, size_t *n)
{
  while (*n > 0 && wl_8x8_is_blank(**s)) {
    (*s)++;
    (*n)--;
  }
  while (*n > 0 && wl_8x8_is_blank((*s)[*n - 1]))
    (*n)--;
}

/* Copies at most dsz-1 bytes and never splits a UTF-8 sequence: when the
 * cut would land on a continuation byte, back up to before its lead byte. */
static inline void wl_8x8_copy_utf8(char *dst, size_t dsz, const char *s, size_t n)
{
  if (dsz == 0)
    return;
  if (n >= dsz) {
    n = dsz - 1;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
      n--;
  }
  memcpy(dst, s, n);
  dst[n] = '\0';
}

/* s (n bytes) starts with the lower-case literal lit, in any letter case */
static inline int wl_8x8_prefix_ci(const char *s, size_t n, const char *lit)
{
  size_t i;
  for (i = 0; lit[i]; i++)
    if (i >= n || wl_8x8_lower(s[i]) != lit[i])
      return 0;
  return 1;
}

/* Integer-typed ids (group-id, queue-id, interaction-id, trans-rec-num):
 * "12.0" is the same id as 12, as the JSON number 12.0 already prints "12";
 * plain digit strings stay untouched (leading zeros may matter in an id). */
static inline void wl_8x8_normalize_id(char *dst)
{
  size_t n = strlen(dst), dot;
  for (dot = dst[0] == '-' ? 1 : 0; dot < n && dst[dot] >= '0' && dst[dot] <= '9'; dot++)
    ;
  if (dot == 0 || dot + 1 >= n || dst[dot] != '.' || dst[dot - 1] == '-')
    return;
  if (strspn(dst + dot + 1, "0") == n - dot - 1)
    dst[dot] = '\0';
}

/* interaction-direction (trimmed text): only "inbound" legs count
 * (8x8-api.md section 3), in any letter case. */
static inline int wl_8x8_is_inbound(const char *dir)
{
  return strlen(dir) == 7 && wl_8x8_prefix_ci(dir, 7, "inbound");
}

enum { WL_8X8_NUM_ABSENT, WL_8X8_NUM_OK, WL_8X8_NUM_BAD };

/* parse_text.c: the value rules on text (a JSON string's bytes, trimmed
 * here). */

/* A number written as text ("12", "12.0", "-3"): WL_8X8_NUM_ABSENT when
 * blank, _BAD when not plain decimal notation or out of range. */
int wl_8x8_text_number(double *out, const char *s, size_t n);

/* A JSON number's value checked for range: _OK or _BAD. */
int wl_8x8_number_in_range(double d);

/* A duration written as text (HH:MM:SS or seconds), rounded half up to
 * whole seconds, negative as 0; blank is 0. 0, or -1 when unreadable. */
int wl_8x8_text_duration(int64_t *out, const char *s, size_t n);

/* A number of seconds as a duration: rounded half up, negative as 0. */
int64_t wl_8x8_seconds(double d);

/* An instant written as text: 1 parsed, 0 blank, -1 not ISO 8601 with an
 * offset. */
int wl_8x8_text_time(int64_t *out, const char *s, size_t n);

/* agent-status read as a number (r: a _NUM_ answer) -> state and vendor
 * code; 0 when it is not a code (the caller keeps the raw text). */
int wl_8x8_status_from_number(wl_rt_agent *a, int r, double d);

/* parse_fast.c: one pass over the common JSON shapes. 0: read and handed
 * over; 1: not handled here (the general path must read the answer); < 0:
 * a callback's error. */
int wl_8x8_fast_rt_agents(const char *buf, size_t len, wl_rt_agent_cb cb, void *payload,
                          size_t *nskipped);
int wl_8x8_fast_interactions(const char *buf, size_t len, wl_leg_cb cb, void *payload,
                             size_t *nrecords);

#endif
