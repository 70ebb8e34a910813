#!/usr/bin/env bash
# CPU of `wfmlink serve --only realtime` following 8x8's Event Streaming
# (issue 15): TENANTS emulated tenants of AGENTS agents, every source with
# `stream=on` and the 60-second reconciliation poll (stream-poll-s).
#
#   bench/stream_cpu.sh PATH/TO/wfmlink [SECONDS] [TENANTS] [AGENTS] [DWELL]
#
# Defaults: 150 s, 10 tenants of 100 agents, --dwell-scale 0.3 (each agent
# changes state about every 30 s at the emulator's afternoon load). The
# emulator runs on the real clock (the stream's times and the poll's must
# agree) in an Etc/GMT zone where it is 15:00 now, so agents are at work;
# on a local weekend fewer agents work, which the measured event rate shows.
# serve is pinned to CPU 0 (taskset). After a 30 s warm-up (every stream
# connected, the agents seeded by the first polls) the script reads serve's
# utime+stime (/proc/PID/stat) and the emulator's count of stream frames
# (/_emu/stream), and at the end prints events per second, serve's CPU
# share of one core, and the reconciliation figures. Exit 0 when every
# stream was live and the CPU share is below 1 %.
set -u
. "$(dirname "$0")/bench_lib.sh"
WL=${1:?usage: bench/stream_cpu.sh PATH/TO/wfmlink [SECONDS] [TENANTS] [AGENTS] [DWELL]}
SECS=${2:-150}
TENANTS=${3:-10}
AGENTS=${4:-100}
DWELL=${5:-0.3}
WARM=30
[ "$SECS" -gt "$WARM" ] || { echo "SECONDS must be more than $WARM" >&2; exit 2; }
TICK=$(getconf CLK_TCK)
bench_tmp stream
TZN=$(python3 -c '
import time
g = time.gmtime(); off = round(15 - g.tm_hour - g.tm_min / 60)
off = off - 24 if off > 14 else off + 24 if off < -12 else off
print("Etc/GMT%+d" % -off if off else "UTC")')
bench_emulator "$WL" emulator --listen 127.0.0.1:0 --tenants "$TENANTS" --agents "$AGENTS" \
  --dwell-scale "$DWELL" --timezone "$TZN" --quiet
EMU="http://127.0.0.1:$PORT"
DB="sqlite:$T/w.db"
for k in $(seq 1 "$TENANTS"); do
  printf 'demo-token-%d\n' "$k" >"$T/tok"
  "$WL" --db "$DB" source add "t$k" --base-url "$EMU/api/" --tenant "tenant$k" \
    --timezone "$TZN" --token-file "$T/tok" >/dev/null 2>&1 &&
    "$WL" --db "$DB" source set "t$k" stream=on stream-poll-s=60 >/dev/null ||
    { echo "source t$k not added" >&2; exit 1; }
done
rm -f "$T/tok"
frames() { curl -sf "$EMU/_emu/stream" | awk -F, '$1 == "frames" {print $2}'; }

taskset -c 0 "$WL" --db "$DB" serve --only realtime >"$T/serve.out" 2>"$T/serve.err" &
SERVE_PID=$!
sleep "$WARM"
LIVE=$(grep -c "event stream connected" "$T/serve.err")
W1=$(date +%s.%N); C1=$(proc_ticks "$SERVE_PID"); F1=$(frames)
sleep $((SECS - WARM))
W2=$(date +%s.%N); C2=$(proc_ticks "$SERVE_PID"); F2=$(frames)
THREADS=$(awk '/Threads/ {print $2}' "/proc/$SERVE_PID/status")
HWM=$(awk '/VmHWM/ {print $2}' "/proc/$SERVE_PID/status")
kill -TERM "$SERVE_PID"
wait "$SERVE_PID"
SERVE_PID=
sum() { sqlite3 "$T/w.db" "select coalesce(sum(value), 0) from setting where key = '$1'"; }
awk -v c1="$C1" -v c2="$C2" -v f1="$F1" -v f2="$F2" -v w1="$W1" -v w2="$W2" -v tick="$TICK" \
    -v t="$TENANTS" -v a="$AGENTS" -v live="$LIVE" -v zone="$TZN" -v hwm="$HWM" 'BEGIN {
  dt = w2 - w1
  printf "tenants x agents          %d x %d (%s), streams connected %d\n", t, a, zone, live
  printf "stream events             %.1f per second (one change per agent every %.0f s)\n", (f2 - f1) / dt, t * a * dt / (f2 - f1)
  printf "serve CPU                 %.2f s in %.0f s = %.2f %% of one core\n", (c2 - c1) / tick, dt, (c2 - c1) / tick / dt * 100
  printf "serve peak memory         %d kB (VmHWM)\n", hwm
}'
echo "serve threads             $THREADS"
echo "changes applied           $(sum stream-events) (already stored: $(sum stream-ignored))"
echo "reconciliation            $(sum stream-agree) agreed, $(sum stream-mismatch) mismatches"
awk -v c1="$C1" -v c2="$C2" -v w1="$W1" -v w2="$W2" -v tick="$TICK" -v live="$LIVE" -v t="$TENANTS" \
  'BEGIN { exit !(live >= t && (c2 - c1) / tick / (w2 - w1) * 100 < 1) }'
