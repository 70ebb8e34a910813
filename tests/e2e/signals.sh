#!/usr/bin/env bash
# SIGHUP and runs left behind (issue 16): `serve` reads its sources again on
# SIGHUP and keeps running; `backfill` stops cleanly on SIGHUP (its run
# interrupted, nothing left `running`); runs left `running` by a process that
# died are marked `interrupted` when serve takes the source or a backfill of
# the source starts.
. "$(dirname "$0")/lib.sh"
export WFMLINK_RELOAD_S=3600 WFMLINK_LEASE_TTL_S=3 WFMLINK_FAKE_NOW=2024-11-05T21:00:00Z
start_emulator --timezone UTC --agents 4 --queues 2 --seed 3 --quiet
DB="sqlite:$T/h.db"
w() { "$WL" --db "$DB" "$@"; }
q() { sqlite3 "$T/h.db" "$1"; }
echo demo-token >"$T/tok"
w source add ny --base-url "$EMU_URL/api/" --tenant demo --timezone UTC --interval 1 \
  --allow-fast-poll --token-file "$T/tok" >/dev/null 2>&1
curl -s -X POST "$EMU_URL/_emu/clock?now=2024-11-05T21:00:00Z" >/dev/null
# a run left 'running' by a process killed with -9
stale() { q "insert into collection_run (source_id, kind, window_from, window_to, started) values ((select id from source where name='ny'), 'backfill', 1730419200, 1730440800, 1730800000); select max(id) from collection_run"; }
S1=$(stale)
# wait_log FILE TEXT: up to 10 s
wait_log() { for _ in $(seq 1 50); do grep -q "$2" "$1" && return 0; sleep 0.2; done; return 1; }

"$WL" --db "$DB" serve --only realtime --listen "127.0.0.1:$(free_port)" >"$T/serve.out" 2>"$T/serve.err" &
SP=$!
PIDS+=($SP)
check "serve takes the source" wait_log "$T/serve.err" "\[ny\] collected by this instance"
check "serve marks the stale run interrupted" test "$(q "select outcome from collection_run where id=$S1")" = interrupted
check "and says so" grep -q "1 run left running by an earlier process marked interrupted" "$T/serve.err"
w source add second --base-url "$EMU_URL/api/" --tenant demo --timezone UTC --interval 1 \
  --allow-fast-poll --token-file "$T/tok" >/dev/null 2>&1
sleep 1
check "a new source waits for the next reload" bash -c "! grep -q '\[second\]' '$T/serve.err'"
kill -HUP $SP
check "SIGHUP: the sources are read again" wait_log "$T/serve.err" "\[second\] collecting"
check "SIGHUP is logged" grep -q "SIGHUP: reading the sources again" "$T/serve.err"
check "serve still runs after SIGHUP" kill -0 $SP
kill -TERM $SP
wait $SP
check "serve exits 0 on SIGTERM" test $? -eq 0
check "no lease kept" test "$(q 'select count(*) from lease')" = 0

# backfill: the first historical request hangs, SIGHUP while it waits
S2=$(stale)
curl -s -X POST "$EMU_URL/_emu/fault?kind=hang&count=1&path=/stats/&seconds=30" >/dev/null
"$WL" --db "$DB" backfill ny --from 2024-11-01 --to 2024-11-03 >"$T/bf.out" 2>"$T/bf.err" &
BP=$!
PIDS+=($BP)
for _ in $(seq 1 50); do
  [ "$(q "select count(*) from collection_run where id > $S2 and outcome='running'")" = 1 ] && break
  sleep 0.2
done
check "backfill marked the stale run interrupted at start" test "$(q "select outcome from collection_run where id=$S2")" = interrupted
check "a backfill window is running" test "$(q "select count(*) from collection_run where id > $S2 and outcome='running'")" = 1
kill -HUP $BP
wait $BP
rc=$?
check "backfill stops on SIGHUP (exit 1, not killed: $rc)" test $rc -eq 1
check "it says it was interrupted" grep -q "interrupted during window" "$T/bf.err"
check "its window run is interrupted" test "$(q "select outcome from collection_run where id > $S2 order by id desc limit 1")" = interrupted
check "no run left 'running'" test "$(q "select count(*) from collection_run where outcome='running'")" = 0
[ "$FAIL" -eq 0 ] || { echo "--- serve log"; cat "$T/serve.err"; echo "--- backfill"; cat "$T/bf.err"; }
finish
