#!/usr/bin/env bash
# The collectors against the emulator over loopback: exact 15-minute rows on a
# DST day, faults that must neither lose nor double data, 401 handling,
# verify, and the real-time timeline against the emulator's true timeline.
. "$(dirname "$0")/lib.sh"
export WFMLINK_RETRY_BASE_MS=50
NOW=2024-11-05T21:00:00Z
export WFMLINK_FAKE_NOW=$NOW
start_emulator --timezone America/New_York --agents 12 --queues 4 --seed 7 --quiet
DB="sqlite:$T/c.db"
w() { "$WL" --db "$DB" "$@"; }
emu() { curl -s -X "${2:-GET}" "$EMU_URL$1"; }
echo demo-token >"$T/tok"
echo wrong >"$T/bad"
w source add ny --base-url "$EMU_URL/api/" --tenant demo --timezone America/New_York --token-file "$T/tok" >/dev/null 2>&1
w source add nope --base-url "$EMU_URL/api/" --tenant demo --token-file "$T/bad" >/dev/null 2>&1

# compare_truth FROM TO: stored rows == the emulator's true 15-minute rows
not() { ! "$@"; }
compare_truth() {
  emu "/_emu/truth/intervals?tenant=demo&from=$1&to=$2" >"$T/truth.csv"
  w report volume --source ny --from "$1" --to "$2" --format csv >"$T/ours.csv"
  python3 - "$T/truth.csv" "$T/ours.csv" <<'EOF'
import csv, sys, datetime
def load(p, key):
    out = {}
    for r in csv.DictReader(open(p)):
        k = (r['queue_id'], int(r['start_utc']) if key else
             int(datetime.datetime.fromisoformat(r['interval_start']).timestamp()))
        out[k] = tuple(int(r[c]) for c in ('entered','accepted','abandoned','handle_time_s','wait_time_s'))
    return out
t, o = load(sys.argv[1], True), load(sys.argv[2], False)
bad = [(k, t.get(k), o.get(k)) for k in sorted(set(t) | set(o)) if t.get(k) != o.get(k)]
for b in bad[:5]: print("  differs:", b)
if not t: print("  no truth rows")
sys.exit(0 if t and not bad else 1)
EOF
}

expect_exit 0 "backfill the fall-back DST day" w backfill ny --from 2024-11-03 --to 2024-11-04
check "rows equal the emulator's truth on 2024-11-03 (25-hour day)" compare_truth 2024-11-03T00:00:00-04:00 2024-11-04T00:00:00-05:00
expect_exit 0 "backfill again is harmless" w backfill ny --from 2024-11-03 --to 2024-11-04
check "still exactly the truth (nothing doubled)" compare_truth 2024-11-03T00:00:00-04:00 2024-11-04T00:00:00-05:00

# faults that a retry overcomes
for kind in 500 503 truncate badjson reset; do
  emu "/_emu/fault?kind=$kind&count=2&path=allinteractions" POST >/dev/null
  expect_exit 0 "backfill through two '$kind' faults" w backfill ny --from 2024-11-04 --to 2024-11-05
  check "rows exact after '$kind'" compare_truth 2024-11-04T00:00:00-05:00 2024-11-05T00:00:00-05:00
done
emu "/_emu/fault?kind=429&count=1&retry_after=1&path=allinteractions" POST >/dev/null
expect_exit 0 "429 with Retry-After honoured" w backfill ny --from 2024-11-04 --to 2024-11-05
check "retry logged with the wait" contains "$ERR" "retrying in"

# the spring-forward day (92 intervals in New York)
expect_exit 0 "backfill the spring-forward DST day" w backfill ny --from 2024-03-10 --to 2024-03-11
check "rows equal the truth on 2024-03-10 (23-hour day)" compare_truth 2024-03-10T00:00:00-05:00 2024-03-11T00:00:00-04:00

# late data: pull while the last hour is incomplete, move the clock past the
# hour, pull again: the stored rows become the completed truth
L0=2024-11-06T19:00:00Z
curl -s -X POST "$EMU_URL/_emu/clock?now=$L0" >/dev/null
WFMLINK_FAKE_NOW=$L0 expect_exit 0 "pull with late columns still empty" w collect ny --historical --once
check "the last hour is incomplete at first (late columns)" not compare_truth 2024-11-06T18:00:00Z 2024-11-06T19:00:00Z
L1=2024-11-06T20:15:00Z
curl -s -X POST "$EMU_URL/_emu/clock?now=$L1" >/dev/null
WFMLINK_FAKE_NOW=$L1 expect_exit 0 "pull again an hour later" w collect ny --historical --once
check "stored rows equal the completed truth" compare_truth 2024-11-06T17:00:00Z 2024-11-06T19:00:00Z
curl -s -X POST "$EMU_URL/_emu/clock?now=$NOW" >/dev/null

# 8x8's JSON quirks: single objects, "" for empty lists, numbers as strings,
# extra fields, durations as text
curl -s -X POST "$EMU_URL/_emu/quirks?set=all" >/dev/null
expect_exit 0 "backfill with every quirk on" w backfill ny --from 2024-11-02 --to 2024-11-03
check "rows exact with quirks" compare_truth 2024-11-02T00:00:00-04:00 2024-11-03T00:00:00-04:00
w source add q --base-url "$EMU_URL/api/" --tenant demo --token-file "$T/tok" >/dev/null 2>&1
expect_exit 0 "real-time poll with every quirk on" w collect q --realtime --once
check "every agent stored despite the quirks" test "$(sqlite3 "$T/c.db" "select count(*) from agent_state st join source s on s.id=st.source_id where s.name='q'")" = 12
curl -s -X POST "$EMU_URL/_emu/quirks?set=none" >/dev/null

# a fault that outlasts the retries: exit 1, window named, data intact
emu "/_emu/fault?kind=503&count=50&path=allinteractions" POST >/dev/null
expect_exit 1 "persistent 503 fails the backfill" w backfill ny --from 2024-11-04 --to 2024-11-05
check "message names the window" contains "$ERR" "window 2024-11-04T00:00:00-05:00"
check "message names the error" contains "$ERR" "503"
emu "/_emu/faults" DELETE >/dev/null
check "stored rows intact after the failure" compare_truth 2024-11-04T00:00:00-05:00 2024-11-05T00:00:00-05:00

# 401: not retried, explained
expect_exit 1 "wrong token" "$WL" --db "$DB" backfill nope --from 2024-11-04 --to 2024-11-05
check "says authentication failed" contains "$ERR" "authentication failed (401)"
check "token not in the message" bash -c "! grep -q wrong '$T/err'"
expect_exit 0 "source show after a 401" w source show nope
check "the source is marked as needing attention" grep -Eq '^attention_historical: +since .*authentication failed' "$T/out"
expect_exit 1 "source test with a wrong token" w source test nope
check "test explains the 401" contains "$OUT" "check the tenant name and the data request token"

# the trailing window
w source set ny repull-window-s=14400 >/dev/null
expect_exit 0 "collect --historical --once" w collect ny --historical --once
# legs younger than an hour still lack their late columns (8x8-api.md): the
# part of the window older than that must be exact
check "trailing window equals the truth where 8x8 is complete" compare_truth 2024-11-05T17:00:00Z 2024-11-05T19:00:00Z
check "runs recorded" bash -c "sqlite3 '$T/c.db' 'select count(*) from collection_run where outcome=\"ok\"' | grep -qv '^0$'"

# a tenant with more queues than one page of /stats/queues (50)
EMU1=$EMU_URL
start_emulator --timezone America/New_York --queues 60 --agents 4 --seed 2 --quiet
w source add many --base-url "$EMU_URL/api/" --tenant demo --timezone America/New_York --token-file "$T/tok" >/dev/null 2>&1
expect_exit 0 "backfill a tenant with 60 queues" w backfill many --from 2024-11-04 --to 2024-11-05
expect_exit 0 "report volume for 60 queues" w report volume --source many --from 2024-11-04 --to 2024-11-05 --by day --format csv
check "every row has its queue name (queue list paged)" bash -c "! tail -n +2 '$T/out' | cut -d, -f2 | grep -qx ''"
check "queues beyond the first page are keyed by id" bash -c "tail -n +2 '$T/out' | cut -d, -f1 | grep -qE '^1(5[1-9]|60)$'"
expect_exit 0 "verify covers all 60 queues" w verify many --from 2024-11-04 --to 2024-11-05
check "60 queues verified" contains "$OUT" "60 queues"
EMU_URL=$EMU1

# verify against 8x8's own 30-minute buckets
expect_exit 0 "verify a complete day" w verify ny --from 2024-11-03 --to 2024-11-04
check "verify summary" contains "$OUT" "all agree"
ROW=$(sqlite3 "$T/c.db" "select queue_id||' '||start_utc from interval_volume where start_utc >= 1730610000 and start_utc < 1730696400 order by entered desc limit 1")
set -- $ROW
sqlite3 "$T/c.db" "delete from interval_volume where queue_id='$1' and start_utc=$2"
WHEN=$(python3 -c "import datetime,zoneinfo; print(datetime.datetime.fromtimestamp($2, zoneinfo.ZoneInfo('America/New_York')).isoformat())")
expect_exit 1 "verify after deleting one row" w verify ny --from 2024-11-03 --to 2024-11-04
check "verify points at the deleted interval ($WHEN)" contains "$OUT" "queue $1 "
check "verify names the interval start" contains "$OUT" "interval $WHEN"

# real-time: step both clocks 10 s at a time through a weekday morning
T0=1730728800 # 2024-11-04T09:00:00-05:00, a Monday
for i in $(seq 0 60); do
  t=$((T0 + 10 * i))
  emu "/_emu/clock?now=$t" POST >/dev/null
  WFMLINK_FAKE_NOW=$t "$WL" --db "$DB" collect ny --realtime --once >/dev/null 2>>"$T/rt.err" || echo "poll $i failed"
done
TEND=$((T0 + 600))
emu "/_emu/truth/states?tenant=demo&from=$T0&to=$TEND" >"$T/truth_states.csv"
WFMLINK_FAKE_NOW=$TEND w report states --source ny --from 2024-11-04T09:00:00-05:00 --to 2024-11-04T09:10:00-05:00 --format csv >"$T/states.csv"
check "real-time timeline matches the truth at every poll" python3 - "$T/truth_states.csv" "$T/states.csv" "$T0" <<'EOF'
import csv, sys, datetime
t0 = int(sys.argv[3])
truth = [r for r in csv.DictReader(open(sys.argv[1]))]
ours = [r for r in csv.DictReader(open(sys.argv[2]))]
ts = lambda s: int(datetime.datetime.fromisoformat(s).timestamp())
# every true segment that some poll saw must be stored with its exact start
errors = 0
stored = {(r['agent_id'], max(ts(r['start']), t0)): r['state'] for r in ours}
seen = 0
for r in truth:
    s, e = int(r['start_utc']), int(r['end_utc'])
    polls = [p for p in range(t0, t0 + 601, 10) if s <= p < e]
    if not polls: continue
    seen += 1
    if stored.get((r['agent_id'], max(s, t0))) != r['state']:
        errors += 1
        if errors < 5: print("  missing", r)
print("  true segments seen by polls:", seen, "stored rows:", len(ours))
sys.exit(1 if errors or seen < 10 else 0)
EOF
finish
