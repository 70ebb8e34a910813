#!/usr/bin/env bash
# The forecast and staffing pages (issues 12 and 13) in headless Chromium
# (tests/browser/forecast.mjs) against the real `wfmlink serve`, with the
# clock fixed (WFMLINK_FAKE_NOW = 2024-11-05 10:00 in New York): five weeks
# of history for two queues imported with `wfmlink volume import` and a
# schedule for the day, then for both pages: the page's table = its CSV
# download = `wfmlink forecast|staffing --format csv` with the same
# arguments, byte for byte. Also saving a forecast, the staffing settings
# and the Erlang calculator (against `wfmlink erlang`).
# Screenshots go to ./screenshots/forecast*.png (build/screenshots/ under ctest).
. "$(dirname "$0")/browser_lib.sh"
PASSWORD="pw-$RANDOM-$RANDOM-forecast"
DB="sqlite:$T/db"
export WFMLINK_FAKE_NOW=2024-11-05T15:00:00Z
w() { "$WL" --db "$DB" "$@"; }
mkdir -p "$T/dl"

# Weekday and time-of-day shaped contacts, 2024-10-01 .. 2024-11-05 10:00;
# queue 102's name needs escaping everywhere.
python3 - >"$T/hist.csv" <<'PY'
import datetime, math, zoneinfo
zone = zoneinfo.ZoneInfo("America/New_York")
t = datetime.datetime(2024, 10, 1, tzinfo=zone).astimezone(datetime.timezone.utc)
end = datetime.datetime(2024, 11, 5, 10, 0, tzinfo=zone).astimezone(datetime.timezone.utc)
print("queue_id,interval_start,entered,accepted,abandoned,handle_time_s,queue_name")
while t < end:
    loc = t.astimezone(zone)
    h = loc.hour + loc.minute / 60
    for q, scale, name in (("101", 1.0, "Sales"), ("102", 0.5, "Support <b>&\"")):
        base = 0 if h < 8 or h >= 18 else 10 * math.sin(math.pi * (h - 8) / 10)
        if loc.weekday() >= 5:
            base *= 0.3
        e = 0 if base == 0 else int(round(base * scale + (loc.day * 7 + loc.hour * 3 + loc.minute) % 3))
        ab = e // 10
        name_q = '"' + name.replace('"', '""') + '"'
        print(f"{q},{loc.isoformat()},{e},{e - ab},{ab},{(e - ab) * 240},{name_q}")
    t += datetime.timedelta(minutes=15)
PY
cat >"$T/sched.csv" <<'CSV'
agent_id,start,end,activity
a1,2024-11-05T08:00:00-05:00,2024-11-05T16:00:00-05:00,phone
a2,2024-11-05T09:00:00-05:00,2024-11-05T12:00:00-05:00,phone
a2,2024-11-05T12:00:00-05:00,2024-11-05T12:30:00-05:00,break
a2,2024-11-05T12:30:00-05:00,2024-11-05T17:07:00-05:00,phone
CSV
echo unused-token >"$T/tok"
expect_exit 0 "source add" w source add fc --base-url "http://127.0.0.1:9/api/" --tenant demo \
  --timezone America/New_York --token-file "$T/tok"
expect_exit 0 "volume import: five weeks, two queues" w volume import --source fc "$T/hist.csv"
expect_exit 0 "schedule import" w schedule import --source fc --create-agents "$T/sched.csv"
expect_exit 0 "source disabled (no collectors: no 8x8 here)" w source set fc enabled=off
printf '%s\n' "$PASSWORD" | w user add admin >/dev/null 2>&1
check "user add" test $? -eq 0

# The command line's rows for the views the browser opens
w forecast --source fc --from 2024-11-05 --to 2024-11-12 --format csv >"$T/cli_forecast.csv" 2>/dev/null
w forecast --source fc --from 2024-11-05 --to 2024-11-07 --queue 101 --method weekday-median \
  --as-of 2024-11-05T12:00:00-05:00 --format csv >"$T/cli_forecast_101.csv" 2>/dev/null
w staffing --source fc --from 2024-11-05 --to 2024-11-12 --format csv >"$T/cli_staffing.csv" 2>/dev/null
w staffing --source fc --from 2024-11-05 --to 2024-11-06 --queue 102 --model erlang-a \
  --target 90/30 --patience-s 60 --format csv >"$T/cli_staffing_102a.csv" 2>/dev/null
w erlang --calls 100 --aht-s 180 --target 80/20 --shrinkage 0.30 --max-occupancy 0.85 \
  --format json >"$T/cli_erlang.json" 2>/dev/null
check "the command line has forecast rows (7 days x 96 x 2 queues)" \
  test "$(wc -l <"$T/cli_forecast.csv")" -eq $((7 * 96 * 2 + 1))
check "the command line has staffing rows" test "$(wc -l <"$T/cli_staffing.csv")" -eq $((7 * 96 * 2 + 1))

start_serve
run_node forecast main CLI_DIR="$T" OUT_DIR="$T/dl"
stop_serve
publish_shots forecast 2
for f in forecast forecast_101 staffing staffing_102a; do
  check "the page's $f CSV download is the command line's byte for byte" \
    cmp "$T/dl/page_$f.csv" "$T/cli_$f.csv"
done
check "the staffing settings were saved from the page" \
  bash -c "'$WL' --db '$DB' source show fc | grep -q 'staffing-target: *90/30'"
check "the service logged who saved" grep -q "web: 'admin' saved the forecast 'week 45'" "$T/serve.err"
check "no password in the service's log" bash -c "! grep -q -e '$PASSWORD' '$T/serve.err' '$T/serve.out'"
finish
