#!/usr/bin/env bash
# Three `serve` instances on one PostgreSQL database share 20 emulated
# tenants through leases: every tenant collected by exactly one instance at a
# time, the sources spread over the instances, a SIGKILLed instance's tenants
# taken over, rows equal to the emulator's truth; then the database server
# restarts under a running instance and the data is complete afterwards.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg_lib.sh"
# on failure, what a person needs to see why: every instance's log tail
show_logs() {
  [ "$FAIL" -eq 0 ] && return
  for f in "$T"/serve.*.err "$T/emu.err" "$T/pg.err"; do
    [ -f "$f" ] && { echo "--- tail of $(basename "$f")"; tail -n 25 "$f"; }
  done
  pg_log_tail 2>/dev/null
}
trap 'show_logs; pg_stop; cleanup' EXIT
if ! pg_start 2>"$T/pg.err"; then
  bad "start a PostgreSQL server" "$(cat "$T/pg.err")"
  finish
fi
export WFMLINK_DB=$PG_DSN WFMLINK_KEY_FILE=$T/wfmlink.key
export WFMLINK_RETRY_BASE_MS=50 WFMLINK_RELOAD_S=1 WFMLINK_LEASE_TTL_S=3
export WFMLINK_FAKE_NOW=2024-11-05T21:00:00Z
start_emulator --tenants 20 --agents 4 --queues 2 --timezone America/New_York --seed 9 --quiet
for k in $(seq 1 20); do
  echo "demo-token-$k" | "$WL" source add "t$k" --base-url "$EMU_URL/api/" --tenant "tenant$k" \
    --timezone America/New_York --interval 2 --allow-fast-poll >/dev/null 2>&1 || bad "add t$k"
done

start_serve() { # start_serve I: instance I, its log in $T/serve.I.err
  "$WL" serve --listen "127.0.0.1:$(free_port)" >/dev/null 2>"$T/serve.$1.err" &
  SERVE[$1]=$!
  PIDS+=(${SERVE[$1]})
}
declare -a SERVE
for i in 1 2 3; do start_serve $i; done
# wait until every instance serves (readiness, not a fixed sleep) ...
serving() { for i in 1 2 3; do grep -q "wfmlink serving" "$T/serve.$i.err" || return 1; done; }
for _ in $(seq 1 600); do serving && break; sleep 0.1; done
check "three instances serving" serving
# ... then the database server restarts under them while they catch up
pg_restart >/dev/null 2>&1
sleep 1
check "instances still running after the database restart" kill -0 "${SERVE[1]}" "${SERVE[2]}" "${SERVE[3]}"

# an instance started while the database is down waits for it instead of exiting
pg_down >/dev/null 2>&1
start_serve 4
for _ in $(seq 1 100); do grep -q "retrying in" "$T/serve.4.err" && break; sleep 0.1; done
check "serve started with the database down waits for it" grep -q "cannot connect to .*retrying in" "$T/serve.4.err"
pg_up >/dev/null 2>&1
for _ in $(seq 1 300); do grep -q "wfmlink serving" "$T/serve.4.err" && break; sleep 0.1; done
check "... and serves once it is back" grep -q "wfmlink serving" "$T/serve.4.err"
kill -TERM "${SERVE[4]}"; wait "${SERVE[4]}"
check "... and stops cleanly" test $? -eq 0

leases() { pg_psql -At -c "select owner from lease where expires_at > extract(epoch from now())::bigint" 2>/dev/null; }
spread_ok() { # all 20 leased, by 3 distinct instances, each with 6 or 7
  local l
  l=$(leases)
  [ "$(echo "$l" | grep -c .)" = 20 ] || return 1
  [ "$(echo "$l" | sort | uniq -c | awk '$1 >= 6 && $1 <= 7' | wc -l)" = 3 ]
}
for _ in $(seq 1 60); do spread_ok && break; sleep 0.5; done
check "20 tenants spread over 3 instances (6 or 7 each)" spread_ok

# kill one instance; the others take its tenants within a minute
VICTIM=$(grep -o 'instance [^ ]*' "$T/serve.2.err" | head -1 | cut -d' ' -f2)
kill -9 "${SERVE[2]}"
KILLED_AT=$(date +%s)
taken_over() {
  local l
  l=$(leases)
  [ "$(echo "$l" | grep -c .)" = 20 ] && ! echo "$l" | grep -qF "$VICTIM" &&
    [ "$(echo "$l" | sort -u | wc -l)" = 2 ]
}
for _ in $(seq 1 120); do taken_over && break; sleep 0.5; done
check "the killed instance's tenants were taken over by the other two" taken_over
check "within a minute" test $(($(date +%s) - KILLED_AT)) -le 60

# every tenant's history collected up to the trailing window, by one
# instance at a time: runs of one source never overlap in time
wait_hist() {
  [ "$(pg_psql -At -c "select count(distinct source_id) from collection_run where kind='historical' and outcome='ok'")" = 20 ]
}
for _ in $(seq 1 240); do wait_hist && break; sleep 0.5; done
check "every tenant's trailing window stored" wait_hist
check "no overlapping work on any source" test "$(pg_psql -At -c "
  select count(*) from collection_run a join collection_run b
    on a.source_id = b.source_id and a.id < b.id and a.kind <> 'realtime' and b.kind <> 'realtime'
   and a.started < coalesce(nullif(b.finished, 0), 9e18) and b.started < coalesce(nullif(a.finished, 0), 9e18)
   and a.outcome = 'ok' and b.outcome = 'ok'")" = 0

for i in 1 3; do kill -TERM "${SERVE[$i]}"; done
for i in 1 3; do wait "${SERVE[$i]}"; done
check "instances stop cleanly" test $? -eq 0
check "leases released on shutdown" test -z "$(leases)"

# rows equal the emulator's truth for every tenant
for k in 1 7 20; do
  curl -s "$EMU_URL/_emu/truth/intervals?tenant=tenant$k&from=2024-11-05T05:00:00Z&to=2024-11-05T19:00:00Z" >"$T/truth$k.csv"
  "$WL" report volume --source "t$k" --from 2024-11-05T05:00:00Z --to 2024-11-05T19:00:00Z --format csv >"$T/ours$k.csv"
  check "tenant $k: rows equal the truth" python3 - "$T/truth$k.csv" "$T/ours$k.csv" <<'PY'
import csv, sys, datetime
t = {(r['queue_id'], int(r['start_utc'])): (r['entered'], r['accepted'], r['abandoned'], r['handle_time_s'])
     for r in csv.DictReader(open(sys.argv[1]))}
o = {(r['queue_id'], int(datetime.datetime.fromisoformat(r['interval_start']).timestamp())):
     (r['entered'], r['accepted'], r['abandoned'], r['handle_time_s']) for r in csv.DictReader(open(sys.argv[2]))}
sys.exit(0 if t and t == o else 1)
PY
done
check "no token in any log" bash -c "! grep -q 'demo-token' '$T'/serve.*.err"
finish
