#ifndef WL_WFM_ADHERENCE_H
#define WL_WFM_ADHERENCE_H
/*
 * The adherence engine (wfm-definitions.md, "Schedules and activities",
 * "Adherence and conformance", "Real-time adherence"). Pure functions over
 * arrays: no I/O, no store, no globals, safe to call from any thread.
 *
 * Inputs common to every entry point:
 * - sched: schedule rows, states: agent_state rows, each ideally sorted by
 *   (agent_id, start_utc) in strcmp order; when not, the engine sorts a
 *   private copy (cheaply when only the agents' order differs, as with a
 *   PostgreSQL locale collation; fully otherwise). Rows with
 *   end <= start are ignored. Rows of one agent should not overlap; if they
 *   do, each row ends where the next one (in that order; among equal starts
 *   the later input row wins) begins.
 * - A state row with end_utc == WL_OPEN_END is open and lasts until `now`;
 *   every state row is cut at `now`. Time that no state row covers is the
 *   `unknown` state with an empty vendor code. A state name that is not one
 *   of the eight neutral names is taken as `unknown`.
 * - Schedules are not cut at `now`: scheduled time after `now` has no state
 *   yet, so it is unknown (neutral).
 * - Verdict at an instant: scheduled activity A and state S -> rules(A, S);
 *   state unknown -> neutral, whatever the rules say. Unscheduled time is not
 *   counted, except with count_unscheduled_work on: working while
 *   unscheduled (available, offered, busy, wrap, offline) is out.
 * - Grace: a maximal run of consecutive out time of one agent (found over the
 *   whole input, before cutting to [from, to) and before the day split, so it
 *   may cross midnight; any other time ends it) no longer than grace_s counts
 *   as in. Forgiven unscheduled working time therefore adds to in_s.
 * - tz: the source's zone for the local-day split; NULL means UTC.
 * Strings in the inputs are only read during the call; outputs own copies.
 * Errors: WL_EUSAGE for no rules, a negative grace, an agent id too long,
 * an instant (or now) beyond +-2^40 s; WL_ENOMEM. Outputs are then empty.
 */
#include <stddef.h>
#include <stdint.h>
#include "wfm/records.h"
#include "util/tz.h"

#define WL_ADH_AGENT_LEN 128    /* longer agent ids are refused (WL_EUSAGE) */
#define WL_ADH_ACTIVITY_LEN 64  /* longer activity names are shortened in outputs */
#define WL_ADH_STATE_LEN 16

typedef enum wl_adh_verdict {
  WL_ADH_IN = 0,
  WL_ADH_OUT = 1,
  WL_ADH_NEUTRAL = 2,
  WL_ADH_UNSCHEDULED = 3 /* no activity scheduled and the time is not counted */
} wl_adh_verdict;

/* "in", "out", "neutral", "unscheduled". */
const char *wl_adh_verdict_name(wl_adh_verdict v);

/* Per-source settings. All zero is the default (grace 0, unscheduled off). */
typedef struct wl_adh_settings {
  int64_t grace_s;            /* adherence-grace-s, >= 0 */
  int count_unscheduled_work; /* count-unscheduled-work */
} wl_adh_settings;

/* ---- rules ------------------------------------------------------------ */

/* The compiled table activity x state -> verdict, and activity -> kind. */
typedef struct wl_adh_rules wl_adh_rules;

/* The built-in table (32 static rows): phone (work) is in when available,
 * offered, busy or wrap; offline (work) is in when offline; break and lunch
 * (rest) are in when break or logged_out; every other pair is out, and the
 * state unknown is neutral. */
void wl_adh_default_rules(const wl_rule_row **rows, size_t *n);

/* Compiles the built-in table, then applies rows in order (later rows win):
 * a row sets one (activity, state) verdict; its kind ("work"/"rest", or
 * NULL/"" to keep the current one) applies to the whole activity. A new
 * activity starts as kind work with every state out (unknown neutral).
 * An activity that no rule names is treated the same way (work, all out).
 * A verdict for state unknown is accepted and ignored: unknown is always
 * neutral. WL_EUSAGE for an empty activity, a state that is not a neutral
 * name, a verdict other than in/out/neutral or a kind other than work/rest. */
int wl_adh_rules_new(wl_adh_rules **out, const wl_rule_row *rows, size_t n);
void wl_adh_rules_free(wl_adh_rules *r);
/* Verdict of (activity, state) as the engine applies it to scheduled time. */
wl_adh_verdict wl_adh_rules_verdict(const wl_adh_rules *r, const char *activity,
                                    const char *state);
/* 1 when the activity is of kind work (also for activities no rule names). */
int wl_adh_rules_is_work(const wl_adh_rules *r, const char *activity);
/* 1 when a rule (built in or a row) names the activity. */
int wl_adh_rules_has(const wl_adh_rules *r, const char *activity);
/* The effective table, activity by activity (strcmp order), eight states
 * each in the order of records.h; stops and returns cb's non-zero value. */
int wl_adh_rules_each(const wl_adh_rules *r, wl_rule_cb cb, void *payload);

/* ---- per agent and local day -------------------------------------------- */

/* One agent and local day, counting only time inside [from, to).
 * scheduled_s = in_s + out_s + neutral_s - unscheduled_s;
 * neutral_s includes unknown_s. */
typedef struct wl_adh_day {
  char agent_id[WL_ADH_AGENT_LEN];
  char date[11];              /* local "YYYY-MM-DD" */
  int64_t day_start_utc;      /* local midnight (first instant of the day) */
  int64_t day_end_utc;        /* next local midnight */
  int64_t scheduled_s;
  int64_t in_s;               /* incl. forgiven out time (grace) */
  int64_t out_s;              /* incl. unscheduled working time when counted */
  int64_t neutral_s;          /* incl. unknown_s */
  int64_t unknown_s;          /* scheduled time in state unknown or unobserved */
  int64_t worked_s;           /* all working time, scheduled or not */
  int64_t scheduled_work_s;   /* scheduled time of work-kind activities */
  int64_t unscheduled_s;      /* unscheduled working time counted (flag on),
                                 forgiven or not; 0 when the flag is off */
} wl_adh_day;

/* Rows for every agent and local day with scheduled_s > 0 or worked_s > 0
 * inside [from, to), sorted by agent_id (strcmp), then day. *out is
 * malloc'd (free() it); NULL with *nout 0 when there are none. */
int wl_adh_compute(wl_adh_day **out, size_t *nout, const wl_schedule_row *sched,
                   size_t nsched, const wl_state_row *states, size_t nstates,
                   const wl_adh_rules *rules, const wl_adh_settings *set,
                   const wl_tz *tz, int64_t from, int64_t to, int64_t now);

/* Percent with one decimal, 100 * num / den rounded half away from zero on
 * the exact rational value (93.75 -> "93.8", 250/3 -> "83.3"); "" when den
 * is 0. WL_EUSAGE when |num| or |den| > 1e15 or buf is too small (n >= 24
 * always suffices). */
int wl_adh_pct(char *buf, size_t n, int64_t num, int64_t den);
/* adherence_pct = 100 * in / (in + out) */
int wl_adh_adherence_pct(char *buf, size_t n, const wl_adh_day *d);
/* conformance_pct = 100 * worked / scheduled_work */
int wl_adh_conformance_pct(char *buf, size_t n, const wl_adh_day *d);

/* ---- exceptions --------------------------------------------------------- */

/* One piece of a (not forgiven) out-of-adherence stretch during which the
 * scheduled activity and the state stay the same, cut to [from, to) but not
 * split at midnight. The whole stretch it belongs to (uncut) is given too,
 * so callers can group pieces into stretches. */
typedef struct wl_adh_exception {
  char agent_id[WL_ADH_AGENT_LEN];
  int64_t start_utc, end_utc;
  int64_t stretch_start_utc, stretch_end_utc;
  char activity[WL_ADH_ACTIVITY_LEN]; /* "" for counted unscheduled work */
  char state[WL_ADH_STATE_LEN];
} wl_adh_exception;

/* Sorted by agent_id, start. *out malloc'd as for wl_adh_compute. */
int wl_adh_exceptions(wl_adh_exception **out, size_t *nout, const wl_schedule_row *sched,
                      size_t nsched, const wl_state_row *states, size_t nstates,
                      const wl_adh_rules *rules, const wl_adh_settings *set,
                      int64_t from, int64_t to, int64_t now);

/* ---- classified timeline (for drawing) ---------------------------------- */

typedef struct wl_adh_piece {
  int64_t start_utc, end_utc;
  char activity[WL_ADH_ACTIVITY_LEN]; /* "" when unscheduled */
  char state[WL_ADH_STATE_LEN];       /* "unknown" also for unobserved time */
  int observed;                       /* 0: no state row covers the piece */
  wl_adh_verdict verdict;             /* as computed, before grace */
  int forgiven;                       /* verdict out, forgiven by the grace */
} wl_adh_piece;

typedef struct wl_adh_tl_agent {
  char agent_id[WL_ADH_AGENT_LEN];
  size_t first, count; /* its pieces: pieces[first .. first + count) */
} wl_adh_tl_agent;

typedef struct wl_adh_timeline {
  wl_adh_tl_agent *agents; /* strcmp order */
  size_t nagents;
  wl_adh_piece *pieces;    /* by agent, then start; non-overlapping */
  size_t npieces;
} wl_adh_timeline;

/* Per agent, the time that is scheduled or covered by a state row, cut to
 * [from, to), as maximal pieces of constant (activity, state, observed,
 * verdict, forgiven); not split at midnight. Time neither scheduled nor
 * observed is left out. Agents with no piece in the range are left out. */
int wl_adh_timeline_new(wl_adh_timeline **out, const wl_schedule_row *sched, size_t nsched,
                        const wl_state_row *states, size_t nstates,
                        const wl_adh_rules *rules, const wl_adh_settings *set,
                        int64_t from, int64_t to, int64_t now);
void wl_adh_timeline_free(wl_adh_timeline *tl);

/* ---- real-time adherence ------------------------------------------------ */

typedef struct wl_adh_rta_row {
  char agent_id[WL_ADH_AGENT_LEN];    /* from the rows given, "" if none */
  char state[WL_ADH_STATE_LEN];       /* state now */
  char vendor_code[16];
  int64_t since;                      /* start of the state now; see below */
  char activity[WL_ADH_ACTIVITY_LEN]; /* scheduled now, "" if none */
  int64_t activity_start, activity_end; /* 0 when none */
  wl_adh_verdict verdict;             /* in / out / neutral, or unscheduled */
  int64_t out_for_s;                  /* length of the out stretch ending now */
  int alerting;                       /* out_for_s > alert_after_s */
} wl_adh_rta_row;

/* Real-time adherence of one agent at `now`.
 * sched: that agent's schedule rows (those around now suffice).
 * states: that agent's state rows; the current one (open, or ending after
 * now) at least. Give the recent history too (e.g. the last few hours) so
 * an out stretch can span state changes (busy, then wrap, during a break);
 * with only the current row the stretch starts no earlier than that row.
 * Grace does not apply here: alert_after_s plays that part.
 * No row covering now: state unknown since the end of the last row (0 if
 * none). Feed not healthy: state unknown since feed_last_ok, verdict
 * neutral, out_for_s 0, not alerting (the activity is still filled in). */
int wl_adh_rta(wl_adh_rta_row *out, const wl_schedule_row *sched, size_t nsched,
               const wl_state_row *states, size_t nstates, const wl_adh_rules *rules,
               const wl_adh_settings *set, int64_t now, int64_t alert_after_s,
               int feed_healthy, int64_t feed_last_ok);

#endif
