#!/usr/bin/env bash
# The event stream (issue 15) with faults, against the emulator: a dropped
# connection, a lost, a repeated and a reordered event and a burst of bad
# frames (nothing doubled, the lost event repaired by the poll, >= 99 % of
# agent-seconds agree with the truth, the bad frames counted and skipped); a
# silent stream dropped and reopened; a stream down longer than
# rt-max-gap-s (polling only), then its catch-up (>= 99.9 %, starts exact);
# the stream counters of /metrics against the status rows.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/stream_lib.sh"
SECONDS=0
# wait_until SECONDS CMD...: polls CMD every 0.2 s (readiness, not a fixed
# sleep: the suite runs on loaded machines)
wait_until() { local n=$(($1 * 5)); shift; for _ in $(seq 1 "$n"); do "$@" && return 0; sleep 0.2; done; return 1; }
status_is() { sqlite3 "$T/s.db" "select value from setting where key='stream-status'" 2>/dev/null | grep -q "$1"; }
start_serve
wait_until 30 status_is '^live since'
sleep 2
# 2. faults
F0=$(date +%s)
for k in drop lose repeat reorder garbage; do
  curl -s -X POST "$EMU_URL/_emu/stream-fault?kind=$k" >/dev/null
  sleep 0.3
done
# the issue's bar is >= 99 % with one drop, one lost and one repeated event
# per minute: the window is that minute (a lost event is repaired by the
# poll only once its state is 5 s old, longer under the sanitizers)
sleep 55
F1=$(($(date +%s) - 1))
check "faults: >= 99 % agreement, no overlap, nothing doubled" agreement $F0 $F1 99
check "the dropped connection was resumed" test "$(grep -c 'event stream connected (from C' "$T/serve1.err")" -ge 1
check "the repeated event was ignored" test "$(setting stream-ignored)" -ge 1
check "the emulator lost exactly one event" grep -q "^lost,1$" <(curl -s "$EMU_URL/_emu/stream")
check "bad frames counted and skipped (5 bad, 1 other event)" test "$(setting stream-bad)/$(setting stream-other)" = 5/1
check "an unknown newState is kept as unknown with its code" test \
  "$(sqlite3 "$T/s.db" "select state||'/'||vendor_code from agent_state where agent_id='ghost01'")" = unknown/42

# 2b. stream silent (no frames, no pings): dropped after WFMLINK_STREAM_IDLE_S
curl -s -X POST "$EMU_URL/_emu/stream-fault?kind=stall&seconds=8" >/dev/null
connected3() { [ "$(grep -c 'event stream connected' "$T/serve1.err")" -ge 3 ]; }
wait_until 40 connected3
check "a silent stream is dropped and reopened" test "$(grep -c 'event stream connected' "$T/serve1.err")" -ge 3

# 2c. stream down longer than rt-max-gap-s (4 s): polling only, then the
# catch-up replaces the poll's estimates where it is more precise
D0=$(date +%s)
w source set s "stream-host=ws://127.0.0.1:$(free_port)" >/dev/null
sleep 7
wait_until 40 status_is '^down; polling only since'
check "status: polling only" bash -c "sqlite3 '$T/s.db' \"select value from setting where key='stream-status'\" | grep -q '^down; polling only since'"
check "log: polling only" grep -q "the timeline comes from the poll" "$T/serve1.err"
w source set s "stream-host=ws://127.0.0.1:$EMU_PORT" >/dev/null
sleep 5
wait_until 40 status_is '^live since'
sleep 1
D1=$(($(date +%s) - 1))
check "status: live again" bash -c "sqlite3 '$T/s.db' \"select value from setting where key='stream-status'\" | grep -q '^live since'"
check "polling only, then the catch-up: >= 99.9 %, starts exact, nothing doubled" agreement $D0 $D1 99.9
# (checked late: the lost event's state must be 5 s old before the poll
# judges it). When the agent's next event comes first, the stream repairs
# the loss itself and the poll sees nothing to fix; on a loaded machine that
# race can go either way, so more events are lost (at most 4) until the
# poll catches one.
caught=0
for _ in 1 2 3 4 5; do
  if wait_until 8 grep -q "reconcile: agent" "$T/serve1.err"; then caught=1; break; fi
  curl -s -X POST "$EMU_URL/_emu/stream-fault?kind=lose" >/dev/null
done
check "a lost event was caught by the poll" test $caught = 1
m=$(setting stream-mismatch)
check "mismatch counted" test "${m:-0}" -ge 1

# /metrics counts what the status rows count (one process, a fresh
# database); events keep coming, so the scrape must lie between two reads
rows() { echo "$(setting stream-events) $(setting stream-ignored) $(setting stream-bad) $(setting stream-mismatch)"; }
metric() { sed -n "s/^wfmlink_stream_$1{source=\"s\"\(,mode=\"${2:-}\"\)\{0,1\}} //p" "$T/metrics"; }
R0=$(rows)
curl -s "http://127.0.0.1:$MPORT/metrics" >"$T/metrics"
R1=$(rows)
M="$(metric events_applied_total) $(metric duplicates_total) $(metric bad_frames_total) $(metric mismatches_total)"
check "/metrics: events applied, duplicates, bad frames, mismatches as stored ($M)" python3 -c '
import sys
lo, m, hi = ([int(x) for x in a.split()] for a in sys.argv[1:4])
sys.exit(0 if len(m) == 4 and all(a <= b <= c for a, b, c in zip(lo, m, hi)) else 1)' "$R0" "$M" "$R1"
check "/metrics: reconnects counted (drop, stall, host change)" test "$(metric reconnects_total)" -ge 2
check "/metrics: mode live" test "$(metric mode live)/$(metric mode polling_only)" = 1/0

kill -TERM $SP
wait $SP
check "serve stops cleanly" test $? -eq 0
echo "($SECONDS s)"
finish
