#!/usr/bin/env bash
# Runs left `running` by an instance that died are marked `interrupted` when
# another running instance takes the source over by lease expiry (issue 16),
# not only at start-up: instance A's historical window hangs, A is killed
# with -9, instance B takes the expired lease and closes A's run.
. "$(dirname "$0")/lib.sh"
export WFMLINK_RELOAD_S=3600 WFMLINK_LEASE_TTL_S=3 WFMLINK_FAKE_NOW=2024-11-05T21:00:00Z
start_emulator --timezone UTC --agents 4 --queues 2 --seed 3 --quiet
DB="sqlite:$T/l.db"
q() { sqlite3 "$T/l.db" "$1"; }
wait_for() { for _ in $(seq 1 150); do eval "$1" && return 0; sleep 0.2; done; return 1; }
echo demo-token >"$T/tok"
"$WL" --db "$DB" source add t --base-url "$EMU_URL/api/" --tenant demo --timezone UTC \
  --token-file "$T/tok" >/dev/null 2>&1
curl -s -X POST "$EMU_URL/_emu/clock?now=2024-11-05T21:00:00Z" >/dev/null
curl -s -X POST "$EMU_URL/_emu/fault?kind=hang&count=1&path=/stats/&seconds=60" >/dev/null
"$WL" --db "$DB" serve --only historical --listen "127.0.0.1:$(free_port)" >"$T/a.out" 2>"$T/a.err" &
A=$!
PIDS+=($A)
check "A takes the source" wait_for 'grep -qs "collected by this instance" "$T/a.err"'
check "A's window is running (hung)" wait_for '[ "$(q "select count(*) from collection_run where outcome='"'running'"'")" = 1 ]'
RUN=$(q "select id from collection_run where outcome='running'")
"$WL" --db "$DB" serve --only historical --listen "127.0.0.1:$(free_port)" >"$T/b.out" 2>"$T/b.err" &
B=$!
PIDS+=($B)
check "B starts and leaves the source to A" wait_for 'grep -qs "instance " "$T/b.err"'
sleep 1
check "A's run is still running while A lives" test "$(q "select outcome from collection_run where id=$RUN")" = running
kill -9 $A
wait $A 2>/dev/null
check "B takes the source once A's lease expired" wait_for 'grep -q "\[t\] collected by this instance" "$T/b.err"'
check "A's run is marked interrupted" wait_for '[ "$(q "select outcome from collection_run where id=$RUN")" = interrupted ]'
check "B says so" grep -q "1 run left running by an earlier process marked interrupted" "$T/b.err"
kill -TERM $B
wait $B
check "B exits 0" test $? -eq 0
[ "$FAIL" -eq 0 ] || { echo "--- A"; cat "$T/a.err"; echo "--- B"; cat "$T/b.err"; }
finish
