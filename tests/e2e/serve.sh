#!/usr/bin/env bash
# `wfmlink serve`: both collectors for every enabled source on one loop, the
# catch-up backfill from local midnight, source changes picked up while it
# runs, and a clean stop on SIGTERM.
. "$(dirname "$0")/lib.sh"
export WFMLINK_RETRY_BASE_MS=50 WFMLINK_RELOAD_S=1 WFMLINK_LEASE_TTL_S=3
export WFMLINK_FAKE_NOW=2024-11-05T21:00:00Z
start_emulator --timezone America/New_York --agents 8 --queues 3 --seed 3 --quiet
DB="sqlite:$T/s.db"
w() { "$WL" --db "$DB" "$@"; }
echo demo-token >"$T/tok"
w source add ny --base-url "$EMU_URL/api/" --tenant demo --timezone America/New_York \
  --interval 1 --allow-fast-poll --token-file "$T/tok" >/dev/null 2>&1
curl -s -X POST "$EMU_URL/_emu/clock?now=2024-11-05T21:00:00Z" >/dev/null

"$WL" --db "$DB" serve --only realtime --listen "127.0.0.1:$(free_port)" >"$T/serve0.out" 2>"$T/serve0.err" &
SP=$!
PIDS+=($SP)
sleep 3
kill -TERM $SP
wait $SP
check "serve --only realtime stops cleanly on SIGTERM (exit 0)" test $? -eq 0
check "no historical run with --only realtime" test "$(sqlite3 "$T/s.db" "select count(*) from collection_run where kind!='realtime'")" = 0
check "agents stored by the real-time collector" test "$(sqlite3 "$T/s.db" 'select count(*) from agent')" = 8
check "one open segment per agent" test "$(sqlite3 "$T/s.db" 'select count(*) from agent_state where end_utc is null')" = 8

"$WL" --db "$DB" serve --listen "127.0.0.1:$(free_port)" >"$T/serve.out" 2>"$T/serve.err" &
SP=$!
PIDS+=($SP)
for _ in $(seq 1 100); do
  n=$(sqlite3 "$T/s.db" "select count(*) from collection_run where kind='historical' and outcome='ok'" 2>/dev/null)
  [ "${n:-0}" -ge 1 ] && break
  sleep 0.2
done
check "catch-up backfill then the trailing window ran" test "${n:-0}" -ge 1
check "backfill windows ran oldest first" bash -c "sqlite3 '$T/s.db' \"select window_from from collection_run where kind='backfill' order by id\" | sort -c -n"
check "backfill started at local midnight" test "$(sqlite3 "$T/s.db" "select min(window_from) from collection_run where kind='backfill'")" = 1730782800
# a source added while serve runs is picked up (reload every second here)
w source add second --base-url "$EMU_URL/api/" --tenant demo --timezone UTC --interval 1 \
  --allow-fast-poll --token-file "$T/tok" >/dev/null 2>&1
for _ in $(seq 1 50); do
  m=$(sqlite3 "$T/s.db" "select count(*) from agent a join source s on s.id=a.source_id where s.name='second'" 2>/dev/null)
  [ "${m:-0}" -ge 8 ] && break
  sleep 0.2
done
check "a source added while serving is collected" test "${m:-0}" -ge 8
kill -TERM $SP
wait $SP
check "serve exits 0 on SIGTERM" test $? -eq 0
check "log says the collectors stopped" grep -q "collectors stopped" "$T/serve.err"
check "no run left 'running'" test "$(sqlite3 "$T/s.db" "select count(*) from collection_run where outcome='running'")" = 0
curl -s "$EMU_URL/_emu/truth/intervals?tenant=demo&from=2024-11-05T05:00:00Z&to=2024-11-05T19:00:00Z" >"$T/truth.csv"
w report volume --source ny --from 2024-11-05T05:00:00Z --to 2024-11-05T19:00:00Z --format csv >"$T/ours.csv"
check "rows since midnight equal the emulator's truth" python3 - "$T/truth.csv" "$T/ours.csv" <<'PY'
import csv, sys, datetime
t = {(r['queue_id'], int(r['start_utc'])): (r['entered'], r['accepted'], r['abandoned'], r['handle_time_s'])
     for r in csv.DictReader(open(sys.argv[1]))}
o = {(r['queue_id'], int(datetime.datetime.fromisoformat(r['interval_start']).timestamp())):
     (r['entered'], r['accepted'], r['abandoned'], r['handle_time_s']) for r in csv.DictReader(open(sys.argv[2]))}
sys.exit(0 if t and t == o else 1)
PY
# a watermark older than backfill-max-days: the catch-up starts at the limit
# and reaches the trailing window (no endless re-fetch of one window)
DB3="sqlite:$T/old.db"
"$WL" --db "$DB3" source add ny --base-url "$EMU_URL/api/" --tenant demo --timezone America/New_York \
  --token-file "$T/tok" >/dev/null 2>&1
"$WL" --db "$DB3" source set ny backfill-max-days=2 >/dev/null
sqlite3 "$T/old.db" "insert into setting (source_id, key, value) select id, 'hist-watermark', '1726000000' from source"
"$WL" --db "$DB3" serve --only historical --listen "127.0.0.1:$(free_port)" >/dev/null 2>"$T/old.err" &
OP=$!
PIDS+=($OP)
for _ in $(seq 1 100); do
  n=$(sqlite3 "$T/old.db" "select count(*) from collection_run where kind='historical' and outcome='ok'" 2>/dev/null)
  [ "${n:-0}" -ge 1 ] && break
  sleep 0.2
done
kill -TERM $OP
wait $OP
check "catch-up from the backfill limit reached the trailing window" test "${n:-0}" -ge 1
check "each backfill window fetched once" test "$(sqlite3 "$T/old.db" "select count(*) - count(distinct window_from) from collection_run where kind='backfill'")" = 0
check "the limit was logged" grep -q "backfill limit" "$T/old.err"

# kill -9 in the middle of the catch-up, then restart: nothing doubled or lost
DB2="sqlite:$T/k.db"
"$WL" --db "$DB2" source add ny --base-url "$EMU_URL/api/" --tenant demo --timezone America/New_York \
  --token-file "$T/tok" >/dev/null 2>&1
"$WL" --db "$DB2" serve --only historical --listen "127.0.0.1:$(free_port)" >/dev/null 2>"$T/k1.err" &
KP=$!
for _ in $(seq 1 100); do
  n=$(sqlite3 "$T/k.db" "select count(*) from collection_run where outcome='ok'" 2>/dev/null)
  [ "${n:-0}" -ge 1 ] && break
  sleep 0.05
done
kill -9 $KP
wait $KP 2>/dev/null
# the killed process may have finished runs of every kind: wait for one of
# the restarted process (and so never signal it before it runs wfmlink)
n0=$(sqlite3 "$T/k.db" "select count(*) from collection_run where kind='historical' and outcome='ok'")
"$WL" --db "$DB2" serve --only historical --listen "127.0.0.1:$(free_port)" >/dev/null 2>"$T/k2.err" &
KP=$!
PIDS+=($KP)
for _ in $(seq 1 100); do
  n=$(sqlite3 "$T/k.db" "select count(*) from collection_run where kind='historical' and outcome='ok'" 2>/dev/null)
  [ "${n:-0}" -gt "$n0" ] && break
  sleep 0.2
done
kill -TERM $KP
wait $KP
"$WL" --db "$DB2" report volume --source ny --from 2024-11-05T05:00:00Z --to 2024-11-05T19:00:00Z --format csv >"$T/ours.csv"
check "after kill -9 and restart the rows equal the truth" python3 - "$T/truth.csv" "$T/ours.csv" <<'PY'
import csv, sys, datetime
t = {(r['queue_id'], int(r['start_utc'])): (r['entered'], r['accepted'], r['abandoned'], r['handle_time_s'])
     for r in csv.DictReader(open(sys.argv[1]))}
o = {(r['queue_id'], int(datetime.datetime.fromisoformat(r['interval_start']).timestamp())):
     (r['entered'], r['accepted'], r['abandoned'], r['handle_time_s']) for r in csv.DictReader(open(sys.argv[2]))}
sys.exit(0 if t and t == o else 1)
PY
check "rows older than the re-pull window are final, newer ones provisional" test "$(sqlite3 "$T/s.db" "
  select sum(final = (start_utc + 900 <= 1730840400 - 8100)) = count(*) from interval_volume
   where source_id = (select id from source where name = 'ny')")" = 1
check "token never logged" bash -c "! grep -q demo-token '$T/serve.err' '$T/serve.out' '$T/serve0.err'"
finish
