#!/usr/bin/env bash
# Reports through the command line: the four worked examples of
# wfm-definitions.md (schedule import + states import + report adherence),
# DST days, imports that must be rejected whole, and volume sums by interval,
# day and week against the emulator's truth.
. "$(dirname "$0")/lib.sh"
export WFMLINK_FAKE_NOW=2024-11-10T12:00:00Z
DB="sqlite:$T/r.db"
w() { "$WL" --db "$DB" "$@"; }
echo tok >"$T/tok"
for s in ex ex_unsched ex_grace; do
  w source add $s --base-url https://x.8x8.com/api/ --tenant t --timezone America/New_York --token-file "$T/tok" >/dev/null 2>&1
done
w source set ex_unsched count-unscheduled-work=on >/dev/null
w source set ex_grace adherence-grace-s=300 >/dev/null

D=2024-11-06 # a Wednesday, offset -05:00
cat >"$T/sched.csv" <<EOF
agent_id,start,end,activity
a1,${D}T09:00:00-05:00,${D}T17:00:00-05:00,phone
a2,${D}T10:00:00-05:00,${D}T11:00:00-05:00,phone
a3,${D}T09:00:00-05:00,${D}T10:00:00-05:00,phone
a3,${D}T10:00:00-05:00,${D}T10:15:00-05:00,break
a3,${D}T10:15:00-05:00,${D}T12:00:00-05:00,phone
a4,${D}T09:00:00-05:00,${D}T10:00:00-05:00,phone
EOF
cat >"$T/states.csv" <<EOF
agent_id,state,start,end
a1,logged_out,${D}T00:00:00-05:00,${D}T09:30:00-05:00
a1,available,${D}T09:30:00-05:00,${D}T13:00:00-05:00
a1,busy,${D}T13:00:00-05:00,${D}T17:30:00-05:00
a1,logged_out,${D}T17:30:00-05:00,2024-11-07T00:00:00-05:00
a2,logged_out,${D}T00:00:00-05:00,${D}T10:10:00-05:00
a2,available,${D}T10:10:00-05:00,${D}T11:10:00-05:00
a2,logged_out,${D}T11:10:00-05:00,2024-11-07T00:00:00-05:00
a3,available,${D}T09:00:00-05:00,${D}T10:05:00-05:00
a3,break,${D}T10:05:00-05:00,${D}T10:20:00-05:00
a3,available,${D}T10:20:00-05:00,${D}T12:00:00-05:00
a4,available,${D}T09:00:00-05:00,${D}T09:20:00-05:00
a4,unknown,${D}T09:20:00-05:00,${D}T09:30:00-05:00
a4,available,${D}T09:30:00-05:00,${D}T10:00:00-05:00
EOF
for s in ex ex_unsched ex_grace; do
  expect_exit 0 "states import ($s)" w states import --source $s "$T/states.csv"
  expect_exit 0 "schedule import ($s)" w schedule import --source $s "$T/sched.csv"
done
row() { # row SOURCE AGENT -> the agent's CSV row for day D
  w report adherence --source "$1" --from $D --to 2024-11-07 --format csv | grep "^$2,"
}
check "example 1: 480 min scheduled, in 450, out 30, 93.8 %, conformance 100.0" \
  test "$(row ex a1)" = "a1,,$D,28800,27000,1800,0,0,93.8,100.0,28800,28800"
check "example 2: adherence 83.3, conformance 100.0" \
  test "$(row ex a2 | cut -d, -f4-10)" = "3600,3000,600,0,0,83.3,100.0"
check "example 2 with count-unscheduled-work on: 71.4" \
  test "$(row ex_unsched a2 | cut -d, -f4-10)" = "3600,3000,1200,0,0,71.4,100.0"
check "example 3: out 10 min, adherence 94.4" \
  test "$(row ex a3 | cut -d, -f4-9)" = "10800,10200,600,0,0,94.4"
check "example 3 with grace 300: 100.0" \
  test "$(row ex_grace a3 | cut -d, -f4-9)" = "10800,10800,0,0,0,100.0"
check "example 4: unknown 600, adherence 100.0, conformance 83.3" \
  test "$(row ex a4 | cut -d, -f4-10)" = "3600,3000,0,600,600,100.0,83.3"
expect_exit 0 "table format has total rows" w report adherence --source ex --from $D --to 2024-11-07
check "total row for a1" grep -Eq '^a1 +total' "$T/out"
expect_exit 0 "exceptions report" w report exceptions --source ex --from $D --to 2024-11-07 --format csv --agent a3
check "two 5-minute stretches for a3" test "$(grep -c '^a3,' "$T/out")" = 2
check "stretch 10:00-10:05 while available during break" grep -q "^a3,,${D}T10:00:00-05:00,${D}T10:05:00-05:00,break,available,300" "$T/out"

# states report: clipped to the range, an open state has an empty end
expect_exit 0 "states report clipped" w report states --source ex --agent a1 --from ${D}T12:00:00-05:00 --to ${D}T14:00:00-05:00 --format csv
check "clipped rows" test "$(cat "$T/out")" = "agent_id,state,vendor_code,start,end,duration_s
a1,available,,${D}T12:00:00-05:00,${D}T13:00:00-05:00,3600
a1,busy,,${D}T13:00:00-05:00,${D}T14:00:00-05:00,3600"

# DST days: a schedule of the whole local day is 23 h / 25 h
cat >"$T/dst.csv" <<EOF
agent_id,start,end,activity
d1,2024-03-10T00:00:00-05:00,2024-03-11T00:00:00-04:00,phone
d1,2024-11-03T00:00:00-04:00,2024-11-04T00:00:00-05:00,phone
EOF
expect_exit 0 "schedule on both DST days (new agent with --create-agents)" w schedule import --source ex --create-agents "$T/dst.csv"
check "2024-03-10 has 82800 s scheduled" bash -c "'$WL' --db '$DB' report adherence --source ex --from 2024-03-10 --to 2024-03-11 --format csv | grep -q '^d1,,2024-03-10,82800,0,0,82800,82800'"
check "2024-11-03 has 90000 s scheduled" bash -c "'$WL' --db '$DB' report adherence --source ex --from 2024-11-03 --to 2024-11-04 --format csv | grep -q '^d1,,2024-11-03,90000,'"
expect_exit 0 "schedule export" w schedule export --source ex --from 2024-11-03 --to 2024-11-04
check "export round-trips the DST day" grep -q '^d1,2024-11-03T00:00:00-04:00,2024-11-04T00:00:00-05:00,phone$' "$T/out"

# bad files are rejected whole, with line numbers; nothing changes
cp "$T/r.db" "$T/before.db"
cat >"$T/bad.csv" <<EOF
agent_id,start,end,activity
a1,${D}T09:00:00-05:00,${D}T10:00:00-05:00,phone
nobody,${D}T09:00:00-05:00,${D}T10:00:00-05:00,phone
a2,${D}T11:00:00-05:00,${D}T10:00:00-05:00,phone
a3,${D}T09:00:00,${D}T10:00:00-05:00,phone
a4,${D}T09:00:00-05:00,${D}T10:00:00-05:00,juggling
a1,${D}T09:30:00-05:00,${D}T10:30:00-05:00,phone
EOF
expect_exit 2 "bad schedule rejected" w schedule import --source ex "$T/bad.csv"
check "line 3: unknown agent" contains "$ERR" "line 3: unknown agent 'nobody'"
check "line 4: end before start" contains "$ERR" "line 4: end"
check "line 5: time without offset" contains "$ERR" "line 5: start"
check "line 6: unknown activity" contains "$ERR" "line 6: unknown activity 'juggling'"
check "line 7: overlap" contains "$ERR" "line 7: overlaps line 2"
check "nothing imported" test "$(sqlite3 "$T/r.db" 'select count(*) from schedule_segment')" = "$(sqlite3 "$T/before.db" 'select count(*) from schedule_segment')"
printf 'agent_id,start,end,activity\na1,%sT10:00:00-05:00,%sT09:00:00-05:00,phone\na2,%sT11:00:00-05:00,%sT11:00:00-05:00,phone\na3,%sT12:00:00-05:00,%sT11:00:00-05:00,phone\n' $D $D $D $D $D $D >"$T/ends.csv"
expect_exit 2 "every bad row is listed, not only the first" w schedule import --source ex "$T/ends.csv"
check "three bad rows counted" contains "$ERR" "(3 bad rows)"
check "line 4 named" contains "$ERR" "line 4: end"
printf 'agent_id,start,end,activity,start\n' >"$T/dup.csv"
expect_exit 2 "a column twice in the header" w schedule import --source ex "$T/dup.csv"
check "says which column" contains "$ERR" "the column 'start' twice"
printf 'agent_id,state,start,end\na1,dancing,%sT09:00:00-05:00,%sT10:00:00-05:00\n' $D $D >"$T/bads.csv"
expect_exit 2 "bad state rejected" w states import --source ex "$T/bads.csv"
check "names the state" contains "$ERR" "line 2: unknown state 'dancing'"
expect_exit 2 "missing column rejected" w schedule import --source ex "$T/tok"
expect_exit 2 "time without offset on the command line" w report adherence --source ex --from 2024-11-06T00:00:00 --to 2024-11-07
check "message names --from" contains "$ERR" "--from"

# rules
expect_exit 0 "new activity 'training' in while offline" w rules set --source ex training offline in --kind work
expect_exit 0 "rules list" w rules list --source ex --format csv
check "training offline in" grep -q '^training,work,offline,in$' "$T/out"
check "training busy out" grep -q '^training,work,busy,out$' "$T/out"
check "default phone/available in" grep -q '^phone,work,available,in$' "$T/out"
expect_exit 2 "bad verdict" w rules set --source ex phone busy maybe
expect_exit 2 "bad state" w rules set --source ex phone sleeping in

# volume: interval, day and week sums against the emulator's truth
start_emulator --timezone America/New_York --agents 10 --queues 5 --seed 11 --quiet
w source add vol --base-url "$EMU_URL/api/" --tenant demo --timezone America/New_York --token-file <(echo demo-token) >/dev/null 2>&1
expect_exit 0 "backfill two weeks around the fall-back day" w backfill vol --from 2024-10-28 --to 2024-11-11
curl -s "$EMU_URL/_emu/truth/intervals?tenant=demo&from=2024-10-28T00:00:00-04:00&to=2024-11-11T00:00:00-05:00" >"$T/truth.csv"
for by in interval day week; do
  w report volume --source vol --from 2024-10-28 --to 2024-11-11 --by $by --format csv >"$T/vol_$by.csv"
done
check "interval, day and week sums and AHT equal the truth" python3 - "$T" <<'PY'
import csv, sys, datetime, zoneinfo
d = sys.argv[1]
ny = zoneinfo.ZoneInfo("America/New_York")
truth = list(csv.DictReader(open(d + "/truth.csv")))
def period(ts, by):
    t = datetime.datetime.fromtimestamp(ts, ny)
    if by == "interval": return t.isoformat()
    day = t.date() - datetime.timedelta(days=t.weekday() if by == "week" else 0)
    return datetime.datetime(day.year, day.month, day.day, tzinfo=ny).isoformat()
ok = True
for by in ("interval", "day", "week"):
    want = {}
    for r in truth:
        k = (r["queue_id"], period(int(r["start_utc"]), by))
        s = want.setdefault(k, [0, 0, 0, 0])
        for i, c in enumerate(("entered", "accepted", "abandoned", "handle_time_s")): s[i] += int(r[c])
    got = {}
    for r in csv.DictReader(open(d + "/vol_%s.csv" % by)):
        got[(r["queue_id"], r["interval_start"])] = [int(r[c]) for c in ("entered", "accepted", "abandoned", "handle_time_s")]
        s = got[(r["queue_id"], r["interval_start"])]
        aht = "" if s[1] == 0 else "%.1f" % (int(s[3] * 10 / s[1] + 0.5) / 10)
        if r["aht_s"] != aht and abs(float(r["aht_s"] or 0) - float(aht or 0)) > 0.051:
            print("aht", by, r); ok = False
    if want != got:
        print(by, "differs", len(want), len(got)); ok = False
weeks = {k[1] for k in got}
ok = ok and len(weeks) == 2
sys.exit(0 if ok else 1)
PY
check "week rows start on Monday local midnight" grep -q ',2024-10-28T00:00:00-04:00,' "$T/vol_week.csv"
check "the week of the DST change starts at -05:00" grep -q ',2024-11-04T00:00:00-05:00,' "$T/vol_week.csv"
check "header is the cli.md columns first" test "$(head -1 "$T/vol_day.csv" | cut -d, -f1-8)" = "queue_id,queue_name,interval_start,entered,accepted,abandoned,handle_time_s,aht_s"
expect_exit 0 "one queue only" w report volume --source vol --from 2024-11-04 --to 2024-11-05 --queue 101 --format csv
check "only queue 101 rows" test "$(tail -n +2 "$T/out" | cut -d, -f1 | sort -u)" = 101
finish
