#!/usr/bin/env bash
# `wfmlink demo` as `make demo` runs it: the emulated tenant, the imported
# schedule, the backfilled history, the printed admin password that logs in,
# the collectors running, and a clean stop on Ctrl-C (SIGINT).
. "$(dirname "$0")/lib.sh"
PORT=$(free_port)
"$WL" demo --listen "127.0.0.1:$PORT" --dir "$T/demo" >"$T/demo.out" 2>"$T/demo.err" &
DP=$!
PIDS+=($DP)
for _ in $(seq 1 1800); do # four weeks of history first: up to 3 min under ASan on a busy machine
  grep -q "log in as admin" "$T/demo.out" 2>/dev/null && break
  sleep 0.1
done
check "demo prints the address and the admin password" grep -q "open http://127.0.0.1:$PORT and log in as admin / " "$T/demo.out"
check "demo imported the emulator's schedule" grep -q "schedule imported:" "$T/demo.out"
check "demo backfilled history" grep -q "history backfilled:" "$T/demo.out"
PW=$(sed -n 's/.*log in as admin \/ \([^ ]*\).*/\1/p' "$T/demo.out")
U="http://127.0.0.1:$PORT"
check "healthz answers" bash -c "curl -sf '$U/healthz' | grep -q ok"
C=$(curl -s -c "$T/cj" "$U/login" | sed -n 's/.*name="csrf" value="\([^"]*\)".*/\1/p' | head -1)
code=$(curl -s -o /dev/null -w '%{http_code}' -b "$T/cj" -c "$T/cj" --data-urlencode "csrf=$C" \
  --data-urlencode "user=admin" --data-urlencode "name=admin" --data-urlencode "password=$PW" "$U/login")
check "the printed password logs in (303, got $code)" test "$code" = 303
check "the sources page lists the demo source" bash -c "curl -s -b '$T/cj' '$U/sources' | grep -q '>demo<'"
DB="sqlite:$T/demo/wfmlink.db"
check "history rows stored" test "$(sqlite3 "$T/demo/wfmlink.db" 'select count(*) from interval_volume')" -gt 0
for _ in $(seq 1 100); do
  [ "$(sqlite3 "$T/demo/wfmlink.db" 'select count(*) from agent_state' 2>/dev/null)" -gt 0 ] && break
  sleep 0.2
done
check "the real-time collector stores agent states" test "$(sqlite3 "$T/demo/wfmlink.db" 'select count(*) from agent_state')" -gt 0
kill -INT $DP
wait $DP
check "Ctrl-C stops the demo cleanly (exit 0)" test $? -eq 0
check "the password is not in the log" bash -c "! grep -qF '$PW' '$T/demo.err'"
finish
