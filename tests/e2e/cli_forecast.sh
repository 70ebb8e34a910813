#!/usr/bin/env bash
# volume import, forecast, forecast accuracy, special days and staffing
# through the binary, on imported history with exact expected rows.
. "$(dirname "$0")/lib.sh"
export WFMLINK_DB="sqlite:$T/fc.db" WFMLINK_LOG_LEVEL=warn

# gen FILE TZ FIRST_DAY DAYS [SKIP_SUNDAY] : weekday rows at local 09:00-09:45
# of 10, 20, 30, 40 contacts (all answered, 120 s each), queue q1 "Sales".
gen() {
  python3 - "$@" <<'PY'
import sys, datetime, zoneinfo
path, tzname, first, days = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
skip_sun = len(sys.argv) > 5
tz = zoneinfo.ZoneInfo(tzname)
d0 = datetime.date.fromisoformat(first)
out = ["queue_id,interval_start,entered,accepted,abandoned,handle_time_s,queue_name"]
for i in range(days):
    d = d0 + datetime.timedelta(days=i)
    if skip_sun and d.weekday() == 6:
        continue
    for k, n in enumerate([10, 20, 30, 40]):
        t = datetime.datetime(d.year, d.month, d.day, 9, 15 * k, tzinfo=tz)
        out.append(f"q1,{t.isoformat()},{n},{n},0,{n * 120},Sales")
open(path, "w").write("\n".join(out) + "\n")
PY
}

echo tok | "$WL" source add s --base-url http://127.0.0.1:9/api/ --tenant t --timezone UTC >/dev/null 2>&1

# --- import validation: a bad file is refused whole, every bad line listed
cat >"$T/bad.csv" <<'CSV'
queue_id,interval_start,entered,accepted
q1,2024-02-05T09:00:00Z,5,5
q1,2024-02-05T09:07:00Z,5,5
q1,2024-02-05T09:15:00,5,5
q1,2024-02-05T09:30:00Z,-1,0
q1,2024-02-05T09:45:00Z,3,4
q1,2024-02-05T09:00:00Z,6,6
CSV
expect_exit 2 "import refuses a bad file" "$WL" volume import --source s "$T/bad.csv"
for l in "line 3" "15-minute boundary" "line 4" "offset" "line 5" "negative" "line 6" "more than entered"; do
  check "import error names '$l'" contains "$ERR" "$l"
done
printf 'queue_id,interval_start,entered,colour\nq1,2024-02-05T09:00:00Z,5,red\n' >"$T/bad2.csv"
expect_exit 2 "import refuses an unknown column" "$WL" volume import --source s "$T/bad2.csv"
check "unknown column named" contains "$ERR" "unknown column 'colour'"
printf 'queue_id,interval_start,entered\nq1,2024-02-05T09:00:00Z,5\nq1,2024-02-05T09:00:00Z,6\n' >"$T/dup.csv"
expect_exit 2 "import refuses a queue and interval twice" "$WL" volume import --source s "$T/dup.csv"
check "duplicate names both lines" contains "$ERR" "line 3: queue q1, interval 2024-02-05T09:00:00+00:00 is also on line 2"
expect_exit 0 "nothing was stored" "$WL" report volume --source s --from 2024-01-01 --to 2024-12-31 --format csv
check "volume report empty" [ "$OUT" = "queue_id,queue_name,interval_start,entered,accepted,abandoned,handle_time_s,aht_s,wait_time_s,final" ]

# --- three identical weeks (Mon 2024-02-05 .. Sun 2024-02-25), Sundays closed
gen "$T/w.csv" UTC 2024-02-05 21 skip_sunday
expect_exit 0 "import three weeks" "$WL" volume import --source s "$T/w.csv"
check "import summary" contains "$OUT" "imported 72 rows for 1 queue"

expect_exit 0 "seasonal-naive forecast" "$WL" forecast --source s --from 2024-02-26 --to 2024-02-27 \
  --as-of 2024-02-26 --method seasonal-naive --format csv
check "96 rows + header" [ "$(printf '%s\n' "$OUT" | wc -l)" = 97 ]
check "09:00 is last Monday's 10" contains "$OUT" "q1,Sales,2024-02-26T09:00:00+00:00,10.0,120.0,seasonal-naive"
check "09:45 is 40" contains "$OUT" "q1,Sales,2024-02-26T09:45:00+00:00,40.0,120.0,seasonal-naive"
check "08:45 is 0" contains "$OUT" "q1,Sales,2024-02-26T08:45:00+00:00,0.0,"

expect_exit 0 "auto forecast of a closed Sunday" "$WL" forecast --source s --from 2024-02-25 --to 2024-02-26 \
  --as-of 2024-02-19 --format csv
check "a closed day forecasts 0 everywhere" [ "$(printf '%s\n' "$OUT" | tail -n +2 | cut -d, -f4 | sort -u)" = "0.0" ]

# --- as-of is strict: later data (and the afternoon after as-of) change nothing
cp "$T/fc.db" "$T/before.db"; cp "$T/fc.db.key" "$T/before.db.key" 2>/dev/null
gen "$T/later.csv" UTC 2024-02-26 14 skip_sunday
sed -i 's/,40,40,0,4800,/,400,400,0,48000,/' "$T/later.csv"
"$WL" volume import --source s "$T/later.csv" >/dev/null
for asof in 2024-02-26T00:00:00Z 2024-02-26T09:30:00Z; do
  A=$("$WL" --db "sqlite:$T/before.db" forecast --source s --from 2024-02-26 --to 2024-03-04 --as-of $asof --format csv 2>&1)
  B=$("$WL" forecast --source s --from 2024-02-26 --to 2024-03-04 --as-of $asof --format csv 2>&1)
  check "as of $asof: later data is never read" [ "$A" = "$B" ]
done
check "the later data is there" [ "$("$WL" report volume --source s --from 2024-02-26T09:45:00Z --to 2024-02-26T10:00:00Z --format csv | tail -1 | cut -d, -f4)" = 400 ]

# --- intraday: as of 09:30 on a day running 10x, the rest of it is raised
expect_exit 0 "intraday re-forecast" "$WL" forecast --source s --from 2024-03-04 --to 2024-03-05 \
  --as-of 2024-03-04T09:45:00Z --method seasonal-naive --format csv
v=$(printf '%s\n' "$OUT" | grep "T09:45:00" | cut -d, -f4)
check "09:45 re-forecast stays near 40 when the morning ran as forecast ($v)" [ "$v" = 40.0 ]

# --- special days
base=$("$WL" forecast --source s --from 2024-03-18 --to 2024-03-19 --as-of 2024-03-18 \
  --method seasonal-naive --format csv 2>/dev/null | grep T09:00 | cut -d, -f4)
expect_exit 0 "special day factor" "$WL" forecast special-day --source s 2024-03-18 --factor 2 --queue q1
expect_exit 0 "forecast a doubled Monday" "$WL" forecast --source s --from 2024-03-18 --to 2024-03-19 \
  --as-of 2024-03-18 --method seasonal-naive --format csv
want=$(python3 -c "print(f'{2 * $base:.1f}')")
check "factor 2 doubles $base to $want" contains "$OUT" "2024-03-18T09:00:00+00:00,$want,120.0"
expect_exit 0 "special day exclude" "$WL" forecast special-day --source s 2024-02-12 --exclude
expect_exit 0 "special days list" "$WL" forecast special-day --source s --list --format csv
check "list shows both" [ "$OUT" = $'date,queue_id,kind,factor\n2024-02-12,,exclude,\n2024-03-18,q1,factor,2' ]
expect_exit 2 "special day: bad date" "$WL" forecast special-day --source s 2024-02-30 --exclude
check "names DATE" contains "$ERR" "DATE"
expect_exit 2 "special day: bad factor" "$WL" forecast special-day --source s 2024-03-01 --factor -1
check "names --factor" contains "$ERR" "--factor"

# --- a queue without history
expect_exit 0 "a queue without history" "$WL" forecast --source s --from 2024-03-18 --to 2024-03-19 \
  --queue nosuch --format csv
check "96 rows of 0" [ "$(printf '%s\n' "$OUT" | tail -n +2 | cut -d, -f4 | sort -u)" = 0.0 ]
check "96 rows" [ "$(printf '%s\n' "$OUT" | tail -n +2 | wc -l)" = 96 ]
check "a note says so" contains "$ERR" "queue nosuch"

# --- bad flags
expect_exit 2 "horizon over 400 days" "$WL" forecast --source s --from 2024-01-01 --to 2025-03-01
check "names --to" contains "$ERR" "--to"
expect_exit 2 "as-of over a year after --to" "$WL" forecast --source s --from 2024-01-01 --to 2024-01-02 --as-of 2025-06-01
check "names --as-of" contains "$ERR" "--as-of"
expect_exit 2 "unknown method" "$WL" forecast --source s --from 2024-01-01 --to 2024-01-02 --method crystal-ball
check "names --method" contains "$ERR" "--method"
expect_exit 2 "time without offset" "$WL" forecast --source s --from 2024-01-01T00:00:00 --to 2024-01-02
check "names --from" contains "$ERR" "--from"

# --- accuracy: identical weeks, so seasonal-naive is exact
expect_exit 0 "forecast accuracy" "$WL" forecast accuracy --source s --from 2024-02-19 --to 2024-02-26 \
  --method seasonal-naive --method weekday-mean --format csv
check "accuracy columns" contains "$OUT" "queue_id,method,intervals,wmape_pct,mape_pct,bias_pct,day_mape_pct,vs_seasonal_naive_pct"
check "seasonal-naive exact" contains "$OUT" "q1,seasonal-naive,576,0.00,0.00,0.00,0.00,"

# --- saving
expect_exit 0 "forecast --save" "$WL" forecast --source s --from 2024-03-18 --to 2024-03-19 --as-of 2024-03-18 --save wk12 --format csv
check "saved rows" [ "$(sqlite3 "$T/fc.db" "SELECT count(*) FROM forecast_value v JOIN forecast_saved s ON s.id = v.saved_id WHERE s.name = 'wk12'")" = 96 ]

# --- staffing from the recorded volume, against partial schedule segments
cat >"$T/sched.csv" <<'CSV'
agent_id,start,end,activity
a1,2024-02-19T09:00:00Z,2024-02-19T09:20:00Z,phone
a1,2024-02-19T09:20:00Z,2024-02-19T09:35:00Z,break
a1,2024-02-19T09:35:00Z,2024-02-19T12:00:00Z,phone
a2,2024-02-19T09:05:00Z,2024-02-19T17:00:00Z,phone
CSV
"$WL" schedule import --source s --create-agents "$T/sched.csv" >/dev/null
expect_exit 0 "staffing --actual" "$WL" staffing --source s --from 2024-02-19T09:00:00Z --to 2024-02-19T10:00:00Z \
  --actual --target 80/20 --shrinkage 0.3 --max-occupancy 0.85 --format csv
check "staffing header" contains "$OUT" "queue_id,interval_start,volume,aht_s,traffic_erl,agents,positions,service_level_pct,asa_s,occupancy_pct,abandon_pct,scheduled"
E=$("$WL" erlang --calls 40 --aht-s 120 --target 80/20 --shrinkage 0.3 --max-occupancy 0.85 --format json)
agents=$(printf '%s' "$E" | python3 -c 'import json,sys; print(json.load(sys.stdin)["agents"])')
row=$(printf '%s\n' "$OUT" | grep "T09:45:00")
check "09:45: 40 calls x 120 s = 5.33 Erlangs, agents as the calculator ($agents), scheduled 2" \
  [ "$(printf '%s' "$row" | cut -d, -f3,4,5,6)" = "40.0,120.0,5.33,$agents" ] 
check "scheduled counts parts of intervals" [ "$(printf '%s\n' "$OUT" | tail -n +2 | cut -d, -f12 | tr '\n' ' ')" = "1.67 1.33 1.67 2.00 " ]
for bad in "--target 120/20" "--target 80-20" "--shrinkage 1" "--shrinkage -0.1" "--max-occupancy 0" \
           "--max-occupancy 1.5" "--model erlang-a --patience-s 0" "--model erlang-b"; do
  flag=${bad%% *}
  [ "$bad" = "--model erlang-a --patience-s 0" ] && flag=--patience-s
  # shellcheck disable=SC2086
  expect_exit 2 "staffing $bad" "$WL" staffing --source s --from 2024-02-19 --to 2024-02-20 $bad
  check "names $flag" contains "$ERR" "$flag"
done

# --- DST: local patterns land on the same local hours, days of 92 and 100
echo tok | "$WL" source add ny --base-url http://127.0.0.1:9/api/ --tenant t --timezone America/New_York >/dev/null 2>&1
gen "$T/ny.csv" America/New_York 2024-02-05 34
sed -i '1!s/^q1,/q1,/' "$T/ny.csv"
"$WL" volume import --source ny "$T/ny.csv" >/dev/null
expect_exit 0 "forecast across spring forward" "$WL" forecast --source ny --from 2024-03-10 --to 2024-03-12 \
  --as-of 2024-03-10 --method seasonal-naive --format csv
check "2024-03-10 has 92 intervals" [ "$(printf '%s\n' "$OUT" | grep -c '2024-03-10T')" = 92 ]
check "local 09:00 after the change keeps its 10" contains "$OUT" "2024-03-11T09:00:00-04:00,10.0,120.0"
check "local 08:00 after the change stays 0" contains "$OUT" "2024-03-11T08:00:00-04:00,0.0,"
expect_exit 0 "fall back day" "$WL" forecast --source ny --from 2024-11-03 --to 2024-11-04 --format csv
check "2024-11-03 has 100 intervals" [ "$(printf '%s\n' "$OUT" | grep -c '2024-11-03T')" = 100 ]
finish
