#ifndef WL_SOURCES_8X8_STREAM_H
#define WL_SOURCES_8X8_STREAM_H
/*
 * 8x8 Event Streaming (8x8-api.md section 5): the reader URL and the frames.
 * No network here (core/stream.c owns the libwebsockets connections), so the
 * parser can be unit-tested and fuzzed.
 *
 * A frame is Pulsar's JSON {"messageId", "payload" (base64 JSON), ...}; an
 * AgentStatusChange payload becomes one wl_8x8_stream_event with the state
 * mapped by the same table as rtstats' agent-status (status_map.c).
 */
#include <stddef.h>
#include <stdint.h>
#include "sources/driver.h"

/* Frames larger than this are skipped unread (the client stops collecting
 * their bytes too): 8x8's events are a few hundred bytes. */
#define WL_8X8_STREAM_MAX_FRAME (256u * 1024)

/* The driver's generic event (sources/driver.h), under the names the
 * parser's tests use. */
typedef wl_src_event wl_8x8_stream_event;
enum wl_8x8_frame_kind { WL_8X8_FRAME_AGENT = WL_SRC_FRAME_AGENT, WL_8X8_FRAME_OTHER = WL_SRC_FRAME_OTHER };

/* Parses one text frame. 0 with *kind AGENT (out filled) or OTHER (another
 * event type, e.g. Interaction...: ignored by the agent-state feed).
 * WL_EFAIL for a bad frame (not JSON, payload not base64 or not JSON, an
 * AgentStatusChange without agentId, newState or a time, too large): the
 * message says why, out->message_id is kept when it could be read so the
 * reader's position still moves past the frame. */
int wl_8x8_stream_parse(wl_8x8_stream_event *out, int *kind, const char *frame, size_t len);

/* The reader URL's parts. stream_host is "wss://HOST[:PORT]" or a bare host
 * (wss), or "ws://127.0.0.1:PORT" (plain only to loopback). message_id
 * NULL or "" means "latest". */
typedef wl_src_stream_url wl_8x8_stream_url;

int wl_8x8_stream_url_build(wl_8x8_stream_url *out, const char *stream_host, const char *tenant,
                            const char *topic, const char *message_id);

/* Checks a stream-host setting and writes its canonical form. */
int wl_8x8_stream_host_check(char *out, size_t outlen, const char *value);

/* The default stream host for an rtstats base URL: the emulator's own
 * host:port for a loopback base URL, the Pulsar host when the base URL
 * already names one; otherwise WL_ENOTFOUND (8x8 documents no mapping
 * from vcc-* cluster hosts to Pulsar regions, so the setting is needed). */
int wl_8x8_stream_host_default(char *out, size_t outlen, const char *base_url);

/* The driver's stream (driver.c): these, the topic AgentStatusChange. */
extern const wl_source_stream wl_8x8_stream;

#endif
