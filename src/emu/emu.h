#ifndef WL_EMU_EMU_H
#define WL_EMU_EMU_H
/*
 * `wfmlink emulator`: an HTTP server on loopback that behaves like an 8x8
 * tenant (8x8-api.md), backed by a deterministic simulated contact center,
 * with ground truth, fault injection and quirk switches under /_emu/ for
 * tests. docs/EMULATOR.md describes the endpoints.
 *
 * In-process use (collector tests):
 *   wl_emu_config cfg;
 *   wl_emu_config_init(&cfg);        // 127.0.0.1, any free port, demo / demo-token
 *   cfg.fake_now = 1710064800;       // optional: fix the clock
 *   wl_emu *emu;
 *   if (wl_emu_start(&emu, &cfg) == 0) {
 *     ... wl_emu_base_url(emu) -> "http://127.0.0.1:PORT/api/" ...
 *     wl_emu_stop(emu);
 *   }
 */
#include <stdint.h>

/* Quirk bits (8x8-api.md "Quirks that a client must accept"). */
enum {
  WL_EMU_Q_SINGLE_OBJECT = 1,      /* a one-element list as an object */
  WL_EMU_Q_EMPTY_STRING = 2,       /* an empty list as "" */
  WL_EMU_Q_NUMBERS_AS_STRINGS = 4, /* "12" instead of 12 */
  WL_EMU_Q_EXTRA_FIELDS = 8,       /* unknown fields; field order varies */
  WL_EMU_Q_DURATIONS_AS_TEXT = 16, /* durations as "HH:MM:SS" or "122.5" */
  WL_EMU_Q_ALL = 31
};

typedef struct wl_emu_config {
  const char *host;      /* "127.0.0.1" (default), "localhost", "::1" */
  uint16_t port;         /* 0: any free port (wl_emu_port tells which) */
  int allow_remote;      /* needed for a non-loopback host */
  const char *tenant;    /* NULL: "demo"; with tenants > 0 the name prefix (NULL: "tenant") */
  const char *token;     /* NULL: "demo-token"; with tenants > 0 tenant k has "<token>-k" */
  int tenants;           /* 0: one tenant; N: "tenant1".."tenantN" (or "<tenant>k") */
  int agents;            /* per tenant, default 20 */
  int queues;            /* per tenant, default 4 */
  uint64_t seed;         /* default 1 */
  const char *timezone;  /* contact center zone, default "UTC" */
  double speed;          /* simulated seconds per wall second, default 1 */
  double dwell_scale;    /* multiplies call-cycle state durations, default 1 */
  unsigned quirks;       /* WL_EMU_Q_* bits, default 0 */
  int64_t late_seconds;  /* legs younger than this lack the late columns; 3600 */
  int64_t fake_now;      /* > 0: the emulator's clock stands still there */
  int quiet;             /* 1: no log lines on stderr */
} wl_emu_config;

typedef struct wl_emu wl_emu;

void wl_emu_config_init(wl_emu_config *cfg);
/* "single-object,empty-string,numbers-as-strings,extra-fields,
 * durations-as-text", "all" or "none" -> bits; WL_EUSAGE names a bad item. */
int wl_emu_parse_quirks(unsigned *out, const char *list);

/* Starts the server (its own threads) and returns once it accepts
 * connections. Strings in cfg are copied. */
int wl_emu_start(wl_emu **out, const wl_emu_config *cfg);
/* Stops the server: ends hanging requests, joins threads, frees. NULL ok. */
void wl_emu_stop(wl_emu *emu);

uint16_t wl_emu_port(const wl_emu *emu);
/* "http://127.0.0.1:PORT/api/" (valid until wl_emu_stop). */
const char *wl_emu_base_url(const wl_emu *emu);
/* Name and token of tenant k (1-based; k = 1 for a single tenant). */
const char *wl_emu_tenant_name(const wl_emu *emu, int k);
const char *wl_emu_tenant_token(const wl_emu *emu, int k);

/* The emulator's clock; wl_emu_set_now(emu, t > 0) makes it stand still at
 * t, wl_emu_set_now(emu, 0) lets it run again (from wl_now(), at --speed). */
int64_t wl_emu_now(const wl_emu *emu);
void wl_emu_set_now(wl_emu *emu, int64_t t);

/* The next `count` API answers whose path contains path_substr (NULL: any)
 * fail as kind: "500", "503", "429", "hang", "truncate", "badjson", "401",
 * "reset". retry_after is the 429's Retry-After (seconds; <= 0: 1), and for
 * "hang" the seconds to hold the connection (<= 0: 60). */
int wl_emu_add_fault(wl_emu *emu, const char *kind, int count, const char *path_substr,
                     int retry_after);
void wl_emu_clear_faults(wl_emu *emu);
void wl_emu_set_quirks(wl_emu *emu, unsigned quirks);
/* API requests received for this exact path (e.g. "/api/stats/allinteractions.json"),
 * or for all paths when path is NULL. */
long wl_emu_requests(const wl_emu *emu, const char *path);
void wl_emu_reset_requests(wl_emu *emu);

/* The `wfmlink emulator` command; argv[0] is "emulator". Returns the exit
 * code (0, 1, 2). Stops on SIGINT / SIGTERM. */
int wl_emu_main(int argc, char **argv);
extern const char wl_emu_help[];

#endif
