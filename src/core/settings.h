#ifndef WL_CORE_SETTINGS_H
#define WL_CORE_SETTINGS_H
/*
 * Per-source settings as one table of {key, type, default, help} rows
 * (Fluent Bit style): the same rows drive `source set`, validation, help
 * text and defaults, so there is one place to add a setting.
 * Values live in the store's `setting` table, except the keys that are
 * columns of `source` (base-url, tenant, interval, timezone, enabled).
 */
#include <stddef.h>
#include <stdint.h>
#include "store/store.h"

enum wl_setting_type { WL_SET_INT, WL_SET_BOOL, WL_SET_STRING, WL_SET_URL, WL_SET_TZ,
                       WL_SET_TENANT,
                       WL_SET_TARGET,     /* "80/20": P % answered within T s */
                       WL_SET_FRACTION,   /* a decimal; min/max in thousandths */
                       WL_SET_MODEL };    /* erlang-c | erlang-a */

typedef struct wl_setting_def {
  const char *key;           /* as on the command line, dashes kept */
  enum wl_setting_type type;
  const char *def;           /* default as text; "" for none */
  long min, max;             /* WL_SET_INT bounds */
  int is_column;             /* stored in the source row, not in `setting` */
  const char *help;
} wl_setting_def;

extern const wl_setting_def wl_setting_defs[];
const wl_setting_def *wl_setting_find(const char *key);

/* Validates value for key; on success writes the canonical form to out
 * (e.g. "on"/"off", a normalised base URL). Messages name the key/flag. */
int wl_setting_check(char *out, size_t outlen, const wl_setting_def *def, const char *value,
                     int allow_fast_poll);

/* ---- the keys of the `setting` table ---- */

/* Every key the `setting` table may hold: the rows of wl_setting_defs that
 * are not columns, and what wfmlink keeps there itself (hist-watermark,
 * rt-last-ok, attention-realtime, attention-historical, and the
 * "instance:OWNER" heartbeats of the global scope). A mistyped key is a
 * programming error and fails loudly instead of reading as unset. */
int wl_setting_key_known(const char *key);
/* Reads a setting as text: 0, WL_ENOTFOUND when unset, WL_EFAIL for a key
 * wl_setting_key_known() refuses. */
int wl_setting_get(char *out, size_t outlen, wl_store *st, int64_t source_id, const char *key);
/* Writes (value NULL: removes) a setting; WL_EFAIL for an unknown key. */
int wl_setting_set(wl_store *st, int64_t source_id, const char *key, const char *value);

/* Writes several settings of a source in one transaction: all or none. */
int wl_setting_set_all(wl_store *st, int64_t source_id, const char *const *keys,
                       const char *const *values, size_t n);

/* The history watermark (intervals before it are final and were read after
 * 8x8 completed them) and the last good real-time poll: UTC instants kept
 * as settings. _get: 0, or WL_ENOTFOUND when unset (*out is then 0). */
int wl_watermark_get(int64_t *out, wl_store *st, int64_t source_id);
int wl_watermark_set(wl_store *st, int64_t source_id, int64_t t);
int wl_last_poll_get(int64_t *out, wl_store *st, int64_t source_id);
int wl_last_poll_set(wl_store *st, int64_t source_id, int64_t t);

/* Typed reads with defaults. rt-max-gap-s defaults to 3 x interval. A key
 * that is not in wl_setting_defs aborts the program (a typo in the code,
 * which the tests catch, rather than a silent 0). */
int64_t wl_source_setting_int(wl_store *st, const wl_source *src, const char *key);
int wl_source_setting_bool(wl_store *st, const wl_source *src, const char *key);

/* Individual validators (also used by `source add` flags and the web page). */
int wl_check_name(const char *name);
int wl_check_base_url(char *out, size_t outlen, const char *flag, const char *url);
int wl_check_tenant(const char *flag, const char *tenant);
int wl_check_interval(int *out, const char *flag, const char *value, int allow_fast_poll);
int wl_check_timezone(const char *flag, const char *tz);

#endif
