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
. "$(dirname "$0")/lib.sh"
SRC=${WL_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
BROWSER_DIR=$SRC/tests/browser
SHOTS=${WL_SHOTS:-$PWD/screenshots}
PASSWORD="pw-$RANDOM-$RANDOM-adherence"
TOKEN="e2e-token-$RANDOM$RANDOM"
DB="sqlite:$T/db"
ZONE=America/New_York
AGENTS=6

need() {
  command -v "$1" >/dev/null 2>&1 || { echo "FAIL - $1 is missing (scripts/install-deps.sh test installs it)"; echo "0 passed, 1 failed"; exit 1; }
}
need node
need npm
[ -x /usr/bin/chromium ] || { echo "FAIL - /usr/bin/chromium is missing (scripts/install-deps.sh test installs it)"; echo "0 passed, 1 failed"; exit 1; }
if [ ! -d "$BROWSER_DIR/node_modules/playwright-core" ]; then
  (cd "$BROWSER_DIR" && { npm ci --no-audit --no-fund --loglevel=error || npm install --no-audit --no-fund --loglevel=error; }) >"$T/npm.log" 2>&1 ||
    { echo "FAIL - npm could not install playwright-core:"; tail -5 "$T/npm.log"; echo "0 passed, 1 failed"; exit 1; }
fi
# taken into $T/shots, copied to $SHOTS at the end: the other browser tests
# share (and clear) that directory, maybe at the same time
mkdir -p "$T/shots"

# runs the browser script for one phase and adds its counts to ours
run_node() {
  local phase=$1 rc summary fails
  WL_URL="http://127.0.0.1:$PORT" WL_USER=admin WL_PASSWORD="$PASSWORD" SHOTS="$T/shots" \
    WL_PROFILE="$T/profile-$phase" PHASE=$phase AGENTS=$AGENTS ALERT_S=10 AGENT="$AGENT1" FROM="$FROM" TO="$TO" \
    ADH_CSV="$T/adh.csv" BAD_CSV="$T/bad.csv" GOOD_CSV="$T/good.csv" timeout 240 node "$BROWSER_DIR/adherence.mjs" >"$T/node-$phase.out" 2>&1
  rc=$?
  grep -v -E '^[0-9]+ passed, [0-9]+ failed$' "$T/node-$phase.out"
  summary=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$T/node-$phase.out" | tail -1)
  if [ -n "$summary" ]; then
    PASS=$((PASS + $(echo "$summary" | cut -d' ' -f1)))
    FAIL=$((FAIL + $(echo "$summary" | cut -d' ' -f3)))
  fi
  fails=$(echo "$summary" | cut -s -d' ' -f3)
  if [ "$rc" -ne 0 ] && [ "${fails:-0}" = 0 ]; then
    bad "the browser script ($phase) ended with exit $rc" "$(tail -3 "$T/node-$phase.out")"
  fi
}

start_serve() { # start_serve [--only web]; sets PORT and SERVE_PID
  PORT=$(free_port)
  "$WL" --db "$DB" serve --listen "127.0.0.1:$PORT" "$@" >"$T/serve.out" 2>>"$T/serve.err" &
  SERVE_PID=$!
  PIDS+=($SERVE_PID)
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
    sleep 0.1
  done
  check "serve $* answers /healthz" curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz"
}

stop_serve() {
  kill -TERM "$SERVE_PID"
  wait "$SERVE_PID"
  check "serve stops cleanly on SIGTERM (exit 0)" test $? -eq 0
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
run_node live
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
run_node fixed
stop_serve
check "screenshots written" test "$(ls "$T"/shots/adherence-*.png 2>/dev/null | wc -l)" -ge 8
mkdir -p "$SHOTS" && rm -f "$SHOTS"/adherence-*.png && cp "$T"/shots/adherence-*.png "$SHOTS"/
check "no token or password in the service's log" bash -c "! grep -q -e '$TOKEN' -e '$PASSWORD' '$T/serve.err' '$T/serve.out'"
check "the upload was logged" grep -q "web: schedule uploaded by 'admin': 1 segments" "$T/serve.err"
finish
