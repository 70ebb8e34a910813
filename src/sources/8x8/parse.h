#ifndef WL_SOURCES_8X8_PARSE_H
#define WL_SOURCES_8X8_PARSE_H
/*
 * Parsers for 8x8 Contact Center answers (docs 8x8-api.md): no network, no
 * store, so they can be unit-tested and fuzzed. Each takes the whole body
 * (buf need not be NUL-terminated; nothing beyond len is read) and delivers
 * one record per callback.
 *
 * Shared rules:
 * - The whole document is parsed and its envelope checked before the first
 *   callback, so a truncated or malformed body fails with no record
 *   delivered (WL_EFAIL, message "invalid JSON at line L column C: ...",
 *   "invalid XML at line L column C: ..." or "expected an 8x8 agents answer
 *   ({"agent": ...}), got an HTML page ...").
 * - The XML form is converted the way 8x8 maps it to JSON, so both formats
 *   give identical records. Quirks accepted: a single record as an object,
 *   an empty list as "", {}, [], null or a missing key, numbers as JSON
 *   numbers or numeric strings ("12", "12.0"), unknown extra fields, any
 *   field order. Texts are trimmed of surrounding blanks and truncated to the
 *   record's field size at a UTF-8 character boundary.
 * - Envelopes: rtstats {"agent": ...} / <agents><agent>; stats
 *   {"agents": {"agent": ...}} / <agents><agent>; both spellings are accepted
 *   by every parser, so wl_8x8_parse_queues serves rtstats /queues and
 *   stats /queues alike, and a bare <agent> root (rtstats /agent/{id}) is one
 *   record.
 * - cb may be NULL (validate and count only). A non-zero return from cb
 *   stops the parse and is returned unchanged.
 * - Count pointers may be NULL; they are set to 0 first.
 */
#include <stddef.h>
#include <stdint.h>
#include "sources/driver.h"
#include "wfm/records.h"

typedef wl_src_queue wl_8x8_queue;
typedef wl_src_queue_cb wl_8x8_queue_cb;

typedef struct wl_8x8_agent {
  char agent_id[128];
  char name[256];
  char group_id[32];
} wl_8x8_agent;
typedef int (*wl_8x8_agent_cb)(void *payload, const wl_8x8_agent *a);

typedef wl_src_stat wl_8x8_stat;
typedef wl_src_stat_cb wl_8x8_stat_cb;

enum wl_8x8_format { WL_8X8_JSON, WL_8X8_XML };

/* The format of an answer, decided in this one place: after an optional
 * UTF-8 byte order mark and blanks, '<' is XML, anything else JSON (an
 * empty or HTML body then fails the parse with a message saying so). */
enum wl_8x8_format wl_8x8_detect_format(const char *buf, size_t len);

/* rtstats /agents (or /agent/{id}). A record without agent-id (or a list
 * item that is not a record) is skipped and counted in *nskipped.
 * agent-status missing or not an integer: state "unknown", vendor_code ""
 * (missing) or the raw text; an unknown code: "unknown" with vendor_code
 * kept ("7"). time-in-status missing, negative or not a number: 0
 * (fractions are dropped). */
int wl_8x8_parse_rt_agents(const char *buf, size_t len, enum wl_8x8_format fmt,
                           wl_rt_agent_cb cb, void *payload, size_t *nskipped);

/* stats /allinteractions. *nrecords = list items in the answer (the client
 * pages while a page holds 50), skipped ones included; *nskipped = items
 * dropped (not a record, no interaction-id, create-timestamp missing or
 * unparsable). queue_id is left empty (the adapter maps queue-name to an
 * id). See parse_json.c for the direction rule. */
int wl_8x8_parse_interactions(const char *buf, size_t len, enum wl_8x8_format fmt,
                              wl_leg_cb cb, void *payload, size_t *nrecords,
                              size_t *nskipped);

/* stats /queues and rtstats /queues. Records without queue-id are ignored. */
int wl_8x8_parse_queues(const char *buf, size_t len, enum wl_8x8_format fmt,
                        wl_8x8_queue_cb cb, void *payload);

/* stats /agents. Records without agent-id are ignored. */
int wl_8x8_parse_agents(const char *buf, size_t len, enum wl_8x8_format fmt,
                        wl_8x8_agent_cb cb, void *payload);

/* stats /queues/{id}/statistics. Records whose time-stamp is missing or
 * unparsable are ignored; counts round half up, missing ones are 0. */
int wl_8x8_parse_statistics(const char *buf, size_t len, enum wl_8x8_format fmt,
                            wl_8x8_stat_cb cb, void *payload);

/* rtstats agent-status code -> neutral state name (status_map.c): 0
 * available, 1 offered, 2 busy, 3 wrap, 4 break, 5 offline, 9 logged_out,
 * anything else unknown. Never NULL. */
const char *wl_8x8_state_for_status(long code);

/* Internal, shared by parse_json.c and parse_xml.c: parses an XML document
 * into the JSON tree 8x8 would have sent (an element with child elements
 * becomes an object, repeated children an array, a leaf its text; attributes
 * are dropped). *root is a new reference, root_name receives the root
 * element's name. DTDs are refused. */
struct json_t;
int wl_8x8_xml_load(struct json_t **root, char *root_name, size_t root_name_size,
                    const char *buf, size_t len);

#endif
