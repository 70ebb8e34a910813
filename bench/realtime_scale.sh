#!/usr/bin/env bash
# One `wfmlink serve --only realtime` polling many emulated tenants.
#
#   bench/realtime_scale.sh PATH/TO/wfmlink [SECONDS] [TENANTS] [AGENTS]
#
# Defaults: 80 s, 100 tenants of 100 agents, every source polled every 10 s
# (the default interval). Everything runs on loopback in a temporary
# directory (SQLite database there), removed at exit (KEEP=1 keeps it).
#
# The emulator (`--tenants N --agents M --dwell-scale 0.2`, so agents change
# state about five times as often as at scale 1) starts its clock at a busy
# weekday afternoon, Tuesday 2024-11-05 15:00 UTC, so that the figures do
# not depend on the hour the script runs (WFMLINK_FAKE_NOW with --speed 1.001:
# at --speed 1 a fake clock stands still). serve keeps the real clock. Every
# tenant is asked for once before serve starts.
#
# serve is pinned to CPU 0 (taskset); the emulator may use both CPUs: with
# 100 tenants it needs about 50 ms of CPU per answer (it regenerates
# simulated days that no longer fit its cache), far more than serve.
# Sources are added in ten batches a second apart while serve runs
# (WFMLINK_RELOAD_S=1 makes serve pick them up within a second), so their
# 10-second cycles are spread over the interval as on a long-running
# service; STAGGER=0 adds them all before serve starts, so all 100 poll in
# the same instant (as after a restart of serve).
#
# The script reads serve's utime+stime (/proc/PID/stat) and the emulator's
# count of GET /api/rtstats/stats/agents.json (/_emu/requests) after a
# warm-up of 20 s (every source added and its agents stored) and at the end,
# and prints CPU seconds per 1,000 agent records (records = polls x agents
# per tenant) for the whole run and for the steady state after the warm-up,
# serve's peak memory (VmHWM), the polls that failed (from serve's log;
# polls in flight at SIGTERM are abandoned by design and not counted) and
# the rows stored. PERF_OUT=FILE records a `perf` profile of serve over the
# steady state. Exit 0 when no poll failed and every agent was stored.
set -u
. "$(dirname "$0")/bench_lib.sh"
WL=${1:?usage: bench/realtime_scale.sh PATH/TO/wfmlink [SECONDS] [TENANTS] [AGENTS]}
SECS=${2:-80}
TENANTS=${3:-100}
AGENTS=${4:-100}
WARM=20
for v in "$SECS" "$TENANTS" "$AGENTS"; do
  case "$v" in ''|*[!0-9]*) echo "SECONDS, TENANTS and AGENTS are whole numbers" >&2; exit 2;; esac
done
[ "$SECS" -gt "$WARM" ] && [ "$SECS" -le 600 ] || { echo "SECONDS must be $((WARM + 1))..600" >&2; exit 2; }
[ -x "$WL" ] || { echo "not executable: $WL" >&2; exit 2; }
command -v sqlite3 >/dev/null || { echo "needs the sqlite3 command (apt-get install sqlite3)" >&2; exit 2; }
TICK=$(getconf CLK_TCK)
CPU_SERVE=0

bench_tmp rt

WFMLINK_FAKE_NOW=2024-11-05T15:00:00Z bench_emulator "$WL" emulator \
  --listen 127.0.0.1:0 --tenants "$TENANTS" --agents "$AGENTS" --dwell-scale 0.2 \
  --speed 1.001 --quiet
EMU="http://127.0.0.1:$PORT"
DB="sqlite:$T/w.db"
AGENTS_PATH=/api/rtstats/stats/agents.json

add_source() { # add_source K
  printf 'demo-token-%d\n' "$1" >"$T/tok"
  "$WL" --db "$DB" source add "t$1" --base-url "$EMU/api/" --tenant "tenant$1" \
    --token-file "$T/tok" >/dev/null 2>"$T/add.err" ||
    { echo "source add t$1 failed:" >&2; cat "$T/add.err" >&2; exit 1; }
  rm -f "$T/tok"
}
for k in $(seq 1 "$TENANTS"); do
  curl -sf -u "tenant$k:demo-token-$k" -o /dev/null "$EMU$AGENTS_PATH" ||
    { echo "emulator refused tenant$k" >&2; exit 1; }
done
curl -sf -X DELETE "$EMU/_emu/requests" >/dev/null
# STAGGER=1: ten batches a second apart, picked up by serve's reload
# (WFMLINK_RELOAD_S=1), so that the sources' 10-second cycles are spread
# over the interval; STAGGER=0: every source exists before serve starts and
# all poll in the same instant (what a restart of serve does).
STAGGER=${STAGGER:-1}
[ "$STAGGER" = 1 ] && BATCH=$(( (TENANTS + 9) / 10 )) || BATCH=$TENANTS
for k in $(seq 1 "$BATCH"); do add_source "$k"; done
polls() { curl -sf "$EMU/_emu/requests" | awk -F, -v p="$AGENTS_PATH" '$1 == p {n = $2} END {print n + 0}'; }

WFMLINK_RELOAD_S=1 taskset -c "$CPU_SERVE" "$WL" --db "$DB" serve --only realtime \
  >"$T/serve.out" 2>"$T/serve.err" &
SERVE_PID=$!
START=$(date +%s)
k=$BATCH
while [ "$k" -lt "$TENANTS" ]; do
  sleep 1
  for _ in $(seq 1 "$BATCH"); do
    k=$((k + 1))
    [ "$k" -le "$TENANTS" ] && add_source "$k"
  done
done
LEFT=$((WARM - ($(date +%s) - START)))
[ "$LEFT" -gt 0 ] && sleep "$LEFT"
W1=$(date +%s.%N); C1=$(proc_ticks "$SERVE_PID"); P1=$(polls); E1=$(proc_ticks "$EMU_PID")
if [ -n "${PERF_OUT:-}" ]; then
  perf record -F 999 --call-graph dwarf -p "$SERVE_PID" -o "$PERF_OUT" -- sleep $((SECS - WARM)) >/dev/null 2>&1
else
  sleep $((SECS - WARM))
fi
W2=$(date +%s.%N); C2=$(proc_ticks "$SERVE_PID"); P2=$(polls); E2=$(proc_ticks "$EMU_PID")
HWM=$(awk '/VmHWM/ {print $2}' "/proc/$SERVE_PID/status")
THREADS=$(awk '/Threads/ {print $2}' "/proc/$SERVE_PID/status")
kill -TERM "$SERVE_PID"
wait "$SERVE_PID"
SERVE_RC=$?
SERVE_PID=
ELAPSED=$(( $(date +%s) - START ))
# polls still in flight at SIGTERM are abandoned by design: not failures
FAILS=$(grep "poll failed" "$T/serve.err" | grep -vc "interrupted before")
NAGENT=$(sqlite3 "$T/w.db" 'select count(*) from agent')
NSTATE=$(sqlite3 "$T/w.db" 'select count(*) from agent_state')

awk -v c1="$C1" -v c2="$C2" -v p1="$P1" -v p2="$P2" -v a="$AGENTS" -v tick="$TICK" \
    -v hwm="$HWM" -v secs="$ELAPSED" -v warm="$WARM" -v t="$TENANTS" -v w1="$W1" -v w2="$W2" -v e1="$E1" -v e2="$E2" 'BEGIN {
  printf "tenants x agents          %d x %d, polled every 10 s, %d s run\n", t, a, secs
  printf "polls (agents.json)       %d in all, %d after the %d s warm-up\n", p2, p2 - p1, warm
  printf "serve CPU                 %.2f s in all, %.2f s after the warm-up\n", c2 / tick, (c2 - c1) / tick
  if (p2 > 0)
    printf "CPU s per 1,000 records   %.4f whole run (incl. first polls storing the agents)\n", c2 / tick / (p2 * a) * 1000
  if (p2 > p1)
    printf "CPU s per 1,000 records   %.4f steady state\n", (c2 - c1) / tick / ((p2 - p1) * a) * 1000
  printf "serve CPU share           %.1f %% of one core (steady state)\n", (c2 - c1) / tick / (w2 - w1) * 100
  printf "serve peak memory         %d kB (VmHWM)\n", hwm
  if (p2 > p1)
    printf "emulator CPU              %.1f ms per poll (steady state; for scale)\n", (e2 - e1) / tick * 1000 / (p2 - p1)
}'
echo "serve threads             $THREADS"
echo "failed polls (log)        $FAILS"
[ "$FAILS" = 0 ] || grep "poll failed" "$T/serve.err" | grep -v "interrupted before" | sed 's/^.*poll failed/  poll failed/' | sort | uniq -c | sort -rn | head -5
echo "stored                    $NAGENT agents, $NSTATE state segments"
echo "serve exit status         $SERVE_RC"
[ "$FAILS" = 0 ] && [ "$SERVE_RC" = 0 ] && [ "$NAGENT" = $((TENANTS * AGENTS)) ]
