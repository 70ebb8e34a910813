#!/usr/bin/env bash
# Runs carry the process that runs them (issue 16, core/runs.h): a run left
# `running` is marked `interrupted` only once its process is gone. A serve
# that takes the source, and a second backfill, leave a live backfill's run
# alone; once that backfill is killed (-9) the next start closes its run.
# A run of another host counts as live while its heartbeat does.
. "$(dirname "$0")/lib.sh"
export WFMLINK_RELOAD_S=3600 WFMLINK_LEASE_TTL_S=3 WFMLINK_FAKE_NOW=2024-11-05T21:00:00Z
start_emulator --timezone UTC --agents 4 --queues 2 --seed 3 --quiet
DB="sqlite:$T/o.db"
w() { "$WL" --db "$DB" "$@"; }
q() { sqlite3 "$T/o.db" "$1"; }
echo demo-token >"$T/tok"
w source add ny --base-url "$EMU_URL/api/" --tenant demo --timezone UTC --interval 1 \
  --allow-fast-poll --token-file "$T/tok" >/dev/null 2>&1
curl -s -X POST "$EMU_URL/_emu/clock?now=2024-11-05T21:00:00Z" >/dev/null
wait_log() { for _ in $(seq 1 50); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.2; done; return 1; }
logs() {
  for f in bf1.err bf2.err bf3.err serve.err emu.err; do
    [ -f "$T/$f" ] && { echo "--- $f (tail)"; tail -n 20 "$T/$f"; }
  done
}

# backfill 1 hangs in its first window: its run stays `running`
curl -s -X POST "$EMU_URL/_emu/fault?kind=hang&count=1&path=/stats/allinteractions&seconds=60" >/dev/null
"$WL" --db "$DB" backfill ny --from 2024-11-01 --to 2024-11-02 >/dev/null 2>"$T/bf1.err" &
BP=$!
PIDS+=($BP)
for _ in $(seq 1 50); do
  [ "$(q "select count(*) from collection_run where outcome='running'")" = 1 ] && break
  sleep 0.2
done
R1=$(q "select id from collection_run where outcome='running'")
check "backfill 1 has a running run" test -n "$R1"
check "the run names its process (host:pid:random)" \
  grep -q "^$(hostname):$BP:[0-9a-f]\{8\}\$" <<<"$(q "select owner from collection_run where id=${R1:-0}")"
check "and the process keeps a heartbeat" \
  test "$(q "select count(*) from setting where source_id=0 and key like 'process:%:$BP:%'")" = 1

# serve takes the source: the live backfill's run stays
"$WL" --db "$DB" serve --only realtime --listen "127.0.0.1:$(free_port)" >/dev/null 2>"$T/serve.err" &
SP=$!
PIDS+=($SP)
check "serve takes the source" wait_log "$T/serve.err" "\[ny\] collected by this instance"
check "serve leaves the live backfill's run running" \
  test "$(q "select outcome from collection_run where id=${R1:-0}")" = running
check "and does not say it closed one" bash -c "! grep -q 'marked interrupted' '$T/serve.err'"

# a second backfill of another day: same
"$WL" --db "$DB" backfill ny --from 2024-11-03 --to 2024-11-03T06:00:00Z >/dev/null 2>"$T/bf2.err"
check "a second backfill runs beside it (exit 0)" test $? -eq 0
check "and leaves the first one's run running" \
  test "$(q "select outcome from collection_run where id=${R1:-0}")" = running
check "its own heartbeat is gone once it ended" \
  test "$(q "select count(*) from setting where source_id=0 and key like 'process:%'")" = 1

# runs of another host: live while their heartbeat is
SID=$(q "select id from source where name='ny'")
far=$(( $(date +%s) + 3600 ))
q "insert into setting (source_id, key, value) values (0, 'process:elsewhere:7:0000abcd', '$far'),
   (0, 'process:elsewhere:8:0000abcd', '1')"
R2=$(q "insert into collection_run (source_id, kind, window_from, window_to, started, owner)
        values ($SID, 'backfill', 0, 900, 1730800000, 'elsewhere:7:0000abcd'); select max(id) from collection_run")
R3=$(q "insert into collection_run (source_id, kind, window_from, window_to, started, owner)
        values ($SID, 'backfill', 0, 900, 1730800000, 'elsewhere:8:0000abcd'); select max(id) from collection_run")

# backfill 1 dies; the next start closes its run and the dead host's one
kill -9 $BP
wait $BP 2>/dev/null
"$WL" --db "$DB" backfill ny --from 2024-11-03 --to 2024-11-03T06:00:00Z >/dev/null 2>"$T/bf3.err"
check "a third backfill runs (exit 0)" test $? -eq 0
check "it marks the killed backfill's run interrupted" \
  test "$(q "select outcome from collection_run where id=${R1:-0}")" = interrupted
check "it closes the run whose heartbeat expired" \
  test "$(q "select outcome from collection_run where id=${R3:-0}")" = interrupted
check "it keeps the other host's live run" \
  test "$(q "select outcome from collection_run where id=${R2:-0}")" = running
check "and says how many it closed" grep -q "2 runs left running by an earlier process marked interrupted" "$T/bf3.err"
check "the expired heartbeat is removed" \
  test "$(q "select count(*) from setting where key='process:elsewhere:8:0000abcd'")" = 0
check "serve's own work is never interrupted" \
  test "$(q "select count(*) from collection_run where outcome='interrupted' and id not in (${R1:-0}, ${R3:-0})")" = 0
kill -TERM $SP
wait $SP
check "serve exits 0" test $? -eq 0
[ "$FAIL" -eq 0 ] || logs
finish
