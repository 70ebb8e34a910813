#!/usr/bin/env bash
# The volume page (issue 7) in headless Chromium (tests/browser/volume.mjs),
# against the real `wfmlink serve` and `wfmlink emulator` with the clock
# fixed (WFMLINK_FAKE_NOW), so every figure is the same on every run: the
# 25-hour day 2024-11-03 is backfilled from the command line, the page's
# chart, table and CSV download are checked against `wfmlink report volume`,
# and "Fill the gaps" moves the watermark back so the collectors pull the
# days never collected. With the clock stopped an idle collector never
# reaches its next 15-minute boundary, so serve is restarted to show the
# collectors filling the gaps (a started collector pulls at once).
# Screenshots go to ./screenshots/volume*.png (build/screenshots/ under ctest).
. "$(dirname "$0")/browser_lib.sh"
PASSWORD="pw-$RANDOM-$RANDOM-volume"
DB="sqlite:$T/db"
export WFMLINK_FAKE_NOW=2024-11-05T12:00:00Z
w() { "$WL" --db "$DB" "$@"; }
mkdir -p "$T/dl"

start_emulator --timezone America/New_York --queues 5 --seed 11 --quiet
echo demo-token >"$T/tok"
expect_exit 0 "source add" w source add vol --base-url "$EMU_URL/api/" --tenant demo \
  --timezone America/New_York --token-file "$T/tok"
expect_exit 0 "backfill 2024-11-03, the 25-hour day" w backfill vol --from 2024-11-03 --to 2024-11-04
printf '%s\n' "$PASSWORD" | w user add admin >/dev/null 2>&1
check "user add" test $? -eq 0
w report volume --source vol --from 2024-11-03 --to 2024-11-04 --by day --format csv >"$T/cli_day.csv"
w report volume --source vol --from 2024-11-03 --to 2024-11-04 --by interval --queue 102 \
  --format csv >"$T/cli_interval_102.csv"
check "the command line has day rows to compare" test "$(wc -l <"$T/cli_day.csv")" -ge 3

# run_mode MODE (main, after): the browser script's lines, its counts added to ours
run_mode() {
  run_node volume "$1" MODE="$1" CLI_DIR="$T" OUT_DIR="$T/dl"
}

start_serve
run_mode main
stop_serve
check "the downloaded day CSV, total rows left out, is the command line's byte for byte" \
  diff <(grep -v '^[^,]*,[^,]*,total,' "$T/dl/page_day.csv") "$T/cli_day.csv"
check "the service logged who filled the gaps" \
  grep -q "web: 'admin' moved the history watermark back to 2024-11-02T00:00:00-04:00 to fill gaps" "$T/serve.err"
check "the watermark is 2024-11-02 00:00 local" \
  bash -c "'$WL' --db '$DB' source show vol | grep -q '^history_final_until: *2024-11-02T00:00:00-04:00'"

start_serve
run_mode after
stop_serve
publish_shots volume
w report volume --source vol --from 2024-11-03 --to 2024-11-04 --by day --format csv >"$T/cli_day_after.csv"
check "2024-11-03, pulled again, is unchanged" diff "$T/cli_day.csv" "$T/cli_day_after.csv"
check "2024-11-02 and 2024-11-04 now have rows" bash -c "'$WL' --db '$DB' report volume --source vol \
  --from 2024-11-02 --to 2024-11-05 --by day --format csv | cut -d, -f3 | sort -u | tr '\n' ' ' | \
  grep -q '^2024-11-02T00:00:00-04:00 2024-11-03T00:00:00-04:00 2024-11-04T00:00:00-05:00 interval_start \$'"
check "screenshot build/screenshots/volume.png" test -s "$SHOTS/volume.png"
check "no password in the service's log" bash -c "! grep -q -e '$PASSWORD' '$T/serve.err' '$T/serve.out'"
finish
