#!/usr/bin/env bash
# The adherence pages in headless Chromium (tests/browser/adherence.mjs),
# against the real binary: `wfmlink emulator` with its schedule imported and
# a schedule for every agent around now, `wfmlink serve` polling every 2 s.
#   live:  the RTA board lists the agents and refreshes itself in place;
#          a CSV upload with a bad row is refused with its line number and
#          nothing is stored; a good one is stored.
#   fixed: the collectors stopped, `serve --only web` and the command line on
#          one fixed clock (WFMLINK_FAKE_NOW): the adherence page shows the
#          numbers of `wfmlink report adherence` for the same range, and the
#          board shows the feed as down.
# Screenshots go to ./screenshots/adherence-*.png (build/screenshots/).
. "$(dirname "$0")/browser_lib.sh"
PASSWORD="pw-$RANDOM-$RANDOM-adherence"
TOKEN="e2e-token-$RANDOM$RANDOM"
DB="sqlite:$T/db"
ZONE=America/New_York
AGENTS=6

# runs the browser script for one phase (live, fixed); its counts added to ours
run_phase() {
  run_node adherence "$1" PHASE="$1" AGENTS="$AGENTS" ALERT_S=10 AGENT="$AGENT1" FROM="$FROM" TO="$TO" \
    ADH_CSV="$T/adh.csv" BAD_CSV="$T/bad.csv" GOOD_CSV="$T/good.csv"
}

start_emulator --tenant acme-cc --token "$TOKEN" --timezone "$ZONE" --agents "$AGENTS" \
  --dwell-scale 0.05 --quiet
printf '%s\n' "$PASSWORD" | "$WL" --db "$DB" user add admin >/dev/null 2>&1
check "user add" test $? -eq 0
echo "$TOKEN" >"$T/tok"
expect_exit 0 "source add (polls every 2 s)" "$WL" --db "$DB" source add acme \
  --base-url "$EMU_URL/api/" --tenant acme-cc --interval 2 --allow-fast-poll --timezone "$ZONE" \
  --token-file "$T/tok"
# alert after 10 s out of adherence, so the board shows alerting rows soon
expect_exit 0 "source set rta-alert-after-s=10" "$WL" --db "$DB" source set acme rta-alert-after-s=10
FROM=$(TZ=$ZONE date +%F)
TO=$(TZ=$ZONE date -d "$FROM 12:00 +1 day" +%F)
curl -s "$EMU_URL/_emu/schedule?tenant=acme-cc" >"$T/emu-sched.csv"
expect_exit 0 "import the emulator's schedule for today" "$WL" --db "$DB" schedule import \
  --source acme --create-agents "$T/emu-sched.csv"

start_serve
# wait for the first polls: every agent known
for _ in $(seq 1 100); do
  "$WL" --db "$DB" report rta --source acme --format json >"$T/rta.json" 2>/dev/null
  [ "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$T/rta.json" 2>/dev/null)" = "$AGENTS" ] && break
  sleep 0.2
done
check "the collector knows all $AGENTS agents" test "$(python3 -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$T/rta.json")" = "$AGENTS"
# a schedule for every agent around now (weekends have few shifts):
# phone, a break that began 10 minutes ago, phone again
NOW=$(date +%s)
python3 - "$T/rta.json" "$NOW" "$ZONE" >"$T/around.csv" <<'PY'
import json, sys, datetime, zoneinfo
rows, now, zone = json.load(open(sys.argv[1])), int(sys.argv[2]) // 60 * 60, zoneinfo.ZoneInfo(sys.argv[3])
iso = lambda t: datetime.datetime.fromtimestamp(t, zone).isoformat()
print("agent_id,start,end,activity")
for r in rows:
    a = r["agent_id"]
    print(f"{a},{iso(now - 3600)},{iso(now - 600)},phone")
    print(f"{a},{iso(now - 600)},{iso(now + 300)},break")
    print(f"{a},{iso(now + 300)},{iso(now + 3600)},phone")
PY
expect_exit 0 "import a schedule around now for every agent" "$WL" --db "$DB" schedule import \
  --source acme "$T/around.csv"
AGENT1=$(sed -n 2p "$T/around.csv" | cut -d, -f1)
# the files the browser uploads: a bad one (line 3: an unknown activity) and
# a good one, for slots just after local midnight
python3 - "$FROM" "$ZONE" "$AGENT1" "$T" <<'PY'
import sys, datetime, zoneinfo
day, zone, agent, d = sys.argv[1], zoneinfo.ZoneInfo(sys.argv[2]), sys.argv[3], sys.argv[4]
at = lambda h, m: datetime.datetime.fromisoformat(f"{day}T{h:02d}:{m:02d}:00").replace(tzinfo=zone).isoformat()
open(d + "/bad.csv", "w").write("agent_id,start,end,activity\n"
    f"{agent},{at(0, 15)},{at(0, 30)},phone\n{agent},{at(0, 30)},{at(0, 45)},nap\n")
open(d + "/good.csv", "w").write(f"agent_id,start,end,activity\n{agent},{at(0, 0)},{at(0, 15)},phone\n")
PY
sleep 4 # a few more polls
run_phase live
"$WL" --db "$DB" schedule export --source acme --from "$FROM" --to "$TO" --format csv >"$T/after.csv"
check "the refused upload stored nothing" bash -c "! grep -q -e '$(sed -n 2p "$T/bad.csv")' -e ',nap$' '$T/after.csv'"
check "the good upload was stored" grep -qx "$(sed -n 2p "$T/good.csv")" "$T/after.csv"
stop_serve

# the fixed clock: 10 minutes after the last poll
FIXED=$(($(date +%s) + 600))
WFMLINK_FAKE_NOW=$FIXED "$WL" --db "$DB" report adherence --source acme --from "$FROM" --to "$TO" \
  --format csv >"$T/adh.csv" 2>"$T/adh.err"
check "report adherence (csv) has a row per agent" test "$(($(wc -l <"$T/adh.csv") - 1))" -ge "$AGENTS"
export WFMLINK_FAKE_NOW=$FIXED
start_serve --only web
unset WFMLINK_FAKE_NOW
run_phase fixed
stop_serve
publish_shots adherence 8
check "no token or password in the service's log" bash -c "! grep -q -e '$TOKEN' -e '$PASSWORD' '$T/serve.err' '$T/serve.out'"
check "the upload was logged" grep -q "web: schedule uploaded by 'admin': 1 segments" "$T/serve.err"
finish
