#!/usr/bin/env bash
# Agent polls a second the emulator answers on one core.
#
#   bench/emulator_polls.sh PATH/TO/wfmlink [SECONDS_PER_RUN] [AGENTS]
#
# Starts `wfmlink emulator --agents AGENTS` (default 100) on a free loopback
# port, pinned to CPU 0 with taskset, and drives
# GET /api/rtstats/stats/agents.json (Basic demo:demo-token) from CPU 1 in
# three bounded runs (default 5 s each, at most 20 s):
#   keep-alive, 4 connections   (several sources polling one tenant)
#   keep-alive, 1 connection    (one client, request after request)
#   new connection per request  (Connection: close; a thread per connection)
# The load generator is wrk (Debian package `wrk`); without it a Python
# keep-alive client runs the single-connection case only. For every run it
# prints requests/second, non-200 answers and the emulator's CPU time per
# request (utime+stime from /proc/PID/stat), and PASS when every run is at
# least 1,000 requests/second. Exit 0 on PASS, 1 otherwise, 2 on usage.
set -u
. "$(dirname "$0")/bench_lib.sh"
WL=${1:?usage: bench/emulator_polls.sh PATH/TO/wfmlink [SECONDS_PER_RUN] [AGENTS]}
SECS=${2:-5}
AGENTS=${3:-100}
case "$SECS" in ''|*[!0-9]*) echo "SECONDS_PER_RUN must be a whole number" >&2; exit 2;; esac
[ "$SECS" -ge 1 ] && [ "$SECS" -le 6 ] || { echo "SECONDS_PER_RUN must be 1..6 (runs stay under 20 s)" >&2; exit 2; }
[ -x "$WL" ] || { echo "not executable: $WL" >&2; exit 2; }
NCPU=$(nproc)
EMU_CPU=0
CLI_CPU=$([ "$NCPU" -ge 2 ] && echo 1 || echo 0)
TICK=$(getconf CLK_TCK)

T=$(mktemp -d "${TMPDIR:-/tmp}/wl-bench-emu.XXXXXX")
EMU_PID=
trap bench_cleanup EXIT

bench_emulator taskset -c "$EMU_CPU" "$WL" emulator --listen 127.0.0.1:0 --agents "$AGENTS" --quiet
URL="http://127.0.0.1:$PORT/api/rtstats/stats/agents.json"
AUTH="Authorization: Basic $(printf 'demo:demo-token' | base64)"
BYTES=$(curl -s -H "$AUTH" "$URL" | wc -c)
NREC=$(curl -s -H "$AUTH" "$URL" | grep -o '"agent-id"' | wc -l)
[ "$NREC" = "$AGENTS" ] || { echo "expected $AGENTS agents in the answer, got $NREC" >&2; exit 1; }

command -v wrk >/dev/null || echo "(wrk not installed: apt-get install wrk; a Python keep-alive client instead)"
echo "emulator: $AGENTS agents, answer $BYTES bytes, pinned to CPU $EMU_CPU; client on CPU $CLI_CPU; $SECS s per run"
printf '%-34s %10s %8s %14s\n' run "req/s" "non-200" "emu CPU us/req"
FAILED=0
run() { # run LABEL ARGS... : one bounded run; sets RPS
  local label=$1; shift
  local c0 c1 n rps non2xx
  c0=$(proc_ticks "$EMU_PID")
  if command -v wrk >/dev/null; then
    taskset -c "$CLI_CPU" wrk -t1 -d"${SECS}s" --timeout 2s -H "$AUTH" "$@" "$URL" >"$T/wrk.out" 2>&1
    rps=$(awk '/^Requests\/sec:/ {print $2}' "$T/wrk.out")
    n=$(awk '/requests in/ {print $1}' "$T/wrk.out")
    non2xx=$(awk '/Non-2xx/ {print $NF}' "$T/wrk.out")
    grep -q "Socket errors" "$T/wrk.out" && non2xx="${non2xx:-0}+$(grep 'Socket errors' "$T/wrk.out" | tr -d ',')"
  else
    taskset -c "$CLI_CPU" python3 - "$PORT" "$SECS" "$AUTH" >"$T/py.out" <<'PY'
import http.client, sys, time
port, secs, auth = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3].split(": ", 1)[1]
c = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
n = bad = 0
t0 = time.monotonic()
while time.monotonic() - t0 < secs:
    c.request("GET", "/api/rtstats/stats/agents.json", headers={"Authorization": auth})
    r = c.getresponse(); r.read()
    n += 1; bad += r.status != 200
print(n, "%.2f" % (n / (time.monotonic() - t0)), bad)
PY
    read -r n rps non2xx <"$T/py.out"
  fi
  c1=$(proc_ticks "$EMU_PID")
  RPS=${rps%.*}
  local us="-"
  [ "${n:-0}" -gt 0 ] && us=$(( (c1 - c0) * 1000000 / TICK / n ))
  printf '%-34s %10s %8s %14s\n' "$label" "${rps:-?}" "${non2xx:-0}" "$us"
  if [ "${RPS:-0}" -lt 1000 ] || [ "${non2xx:-0}" != 0 ]; then FAILED=1; fi
}

if command -v wrk >/dev/null; then
  run "keep-alive, 4 connections" -c4
  run "keep-alive, 1 connection" -c1
  run "new connection per request" -c1 -H "Connection: close"
else
  run "keep-alive, 1 connection (python)"
fi
HW=$(awk '/VmHWM/ {print $2, $3}' "/proc/$EMU_PID/status")
echo "emulator peak memory (VmHWM): $HW"
if [ "$FAILED" = 0 ]; then echo "PASS: every run >= 1000 agent polls/s on one core"; else echo "FAIL: a run under 1000 polls/s or with errors"; fi
exit "$FAILED"
