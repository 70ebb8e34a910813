#!/usr/bin/env bash
# End-to-end test of `wfmlink emulator`: starts the real binary on a free
# loopback port (port 0; the port is read from its ready line), checks the
# API, authentication, paging, time zones, quirks and faults with curl, and
# stops it with SIGTERM. Usage: tests/e2e/emulator.sh path/to/wfmlink
set -u
BIN=${1:?usage: emulator.sh path/to/wfmlink}
TMP=$(mktemp -d)
PID=""
BASE=""
PASS=0
FAIL=0

cleanup() {
  if [ -n "$PID" ]; then
    kill "$PID" 2>/dev/null
    wait "$PID" 2>/dev/null
  fi
  rm -rf "$TMP"
}
trap cleanup EXIT

ok() { PASS=$((PASS + 1)); }
bad() { FAIL=$((FAIL + 1)); echo "FAIL: $*" >&2; }
# check NAME COMMAND...: passes when the command succeeds.
check() {
  local name=$1
  shift
  if "$@"; then ok; else bad "$name"; fi
}

# start ARGS...: runs the emulator in the background, waits for its line.
start() {
  "$BIN" emulator --listen 127.0.0.1:0 "$@" >"$TMP/out" 2>"$TMP/err" &
  PID=$!
  for _ in $(seq 1 100); do
    grep -q "^emulator listening on " "$TMP/out" 2>/dev/null && break
    sleep 0.1
  done
  BASE=$(sed -n 's|^emulator listening on \(http://127\.0\.0\.1:[0-9]*\)/api/ .*|\1|p' "$TMP/out")
  [ -n "$BASE" ]
}

stop() {
  kill -TERM "$PID" 2>/dev/null
  wait "$PID"
  local rc=$?
  PID=""
  return $rc
}

A=(-s -u demo:t0k)
get() { curl "${A[@]}" "$BASE$1"; }
status() { curl -s -o /dev/null -w '%{http_code}' "$@"; }
count() { grep -o "$1" | wc -l | tr -d ' '; }

# ---- command line -----------------------------------------------------------
"$BIN" emulator --help >"$TMP/help" 2>&1
check "--help exits 0" test $? -eq 0
check "--help lists --dwell-scale" grep -q -- "--dwell-scale" "$TMP/help"
"$BIN" emulator --agents zero >/dev/null 2>&1
check "bad number exits 2" test $? -eq 2
"$BIN" emulator --listen 0.0.0.0:0 >/dev/null 2>"$TMP/remote"
check "non-loopback refused with exit 2" test $? -eq 2
check "refusal names --allow-remote" grep -q -- "--allow-remote" "$TMP/remote"

# ---- one tenant, clock fixed ------------------------------------------------
if ! start --tenant demo --token t0k --fake-now 2024-03-13T15:00:00Z \
  --timezone America/New_York --seed 3; then
  bad "emulator did not start: $(cat "$TMP/err")"
  echo "$PASS passed, $FAIL failed"
  exit 1
fi
ok
check "ready line names the tenant" grep -q "(tenant demo)$" "$TMP/out"

body=$(get /api/rtstats/stats/agents.json)
check "agents.json shape" test "${body:0:10}" = '{"agent":['
check "20 agents" test "$(echo "$body" | count '"agent-id"')" = 20
check "non-ASCII names" grep -q "Zoë Müller" <<<"$body"
xml=$(get /api/rtstats/stats/agents)
check "XML by default" grep -q "^<agents>" <<<"$xml"
check "queues.json shape" test "$(get /api/rtstats/stats/queues.json | count '"queue-id"')" = 4
check "one agent" grep -q '"agent-id":"jpena02"' <(get /api/rtstats/stats/agent/jpena02.json)
check "unknown agent 404" test "$(status -u demo:t0k "$BASE/api/rtstats/stats/agent/nobody")" = 404
check "unknown path 404" test "$(status -u demo:t0k "$BASE/api/whatever")" = 404

check "no credentials 401" test "$(status "$BASE/api/rtstats/stats/agents.json")" = 401
check "wrong token 401" test "$(status -u demo:nope "$BASE/api/rtstats/stats/agents.json")" = 401
check "401 body" test "$(curl -s -u demo:nope "$BASE/api/rtstats/stats/agents.json")" = \
  "<API><Error>401 - Unauthorized.</Error></API>"

# ---- paging: pages of 50 add up to the truth without gaps or overlaps --------
D="d=2024-03-13T12:00:00%2B00:00,2024-03-13T13:59:59%2B00:00"
: >"$TMP/rows"
n=1
pages=0
while :; do
  get "/api/stats/allinteractions.csv?$D&n=$n" | tail -n +2 >"$TMP/page"
  k=$(wc -l <"$TMP/page" | tr -d ' ')
  cat "$TMP/page" >>"$TMP/rows"
  pages=$((pages + 1))
  [ "$k" -lt 50 ] && break
  [ "$k" -ne 50 ] && { bad "page $pages has $k rows"; break; }
  n=$((n + 50))
done
check "several pages" test "$pages" -ge 3
dups=$(cut -d, -f1,2 "$TMP/rows" | sort | uniq -d | wc -l | tr -d ' ')
check "no duplicate (interaction-id, trans-rec-num)" test "$dups" = 0
inbound=$(grep -c ',inbound,' "$TMP/rows")
truth=$(curl -s "$BASE/_emu/truth/intervals?from=2024-03-13T12:00:00Z&to=2024-03-13T14:00:00Z" |
  awk -F, 'NR > 1 { s += $5 } END { print s + 0 }')
check "pages add up to the truth ($inbound = $truth)" test "$inbound" = "$truth"
requests=$(curl -s "$BASE/_emu/requests" | grep '^/api/stats/allinteractions.csv,' | cut -d, -f2)
check "requests counted per path" test "$requests" = "$pages"

# literal '+' and %2B give the same answer; malformed d= is 400
plus=$(get "/api/stats/allinteractions.csv?d=2024-03-13T10:00:00+01:00,2024-03-13T10:29:59+01:00")
enc=$(get "/api/stats/allinteractions.csv?d=2024-03-13T10:00:00%2B01:00,2024-03-13T10:29:59%2B01:00")
check "literal + equals %2B" test "$plus" = "$enc"
check "malformed d is 400" \
  test "$(status -u demo:t0k "$BASE/api/stats/allinteractions.json?d=soon")" = 400

# DST day in New York renders both offsets
dst=$(get "/api/stats/queues/101/statistics.json?d=2024-03-10T05:00:00Z,2024-03-10T07:59:59Z&tz=America/New_York")
check "EST offset before the change" grep -q '2024-03-10T01:30:00-05:00' <<<"$dst"
check "EDT offset after the change" grep -q '2024-03-10T03:00:00-04:00' <<<"$dst"
check "timestamps in --timezone by default" grep -q -- '-04:00","accept' \
  <(get "/api/stats/allinteractions.json?d=2024-03-13T12:00:00Z,2024-03-13T12:10:00Z")

# schedule and state truth
check "schedule CSV" grep -q '^agent_id,start,end,activity$' \
  <(curl -s "$BASE/_emu/schedule?from=2024-03-13&to=2024-03-14")
check "state truth CSV" grep -q '^agent_id,state,vendor_code,start_utc,end_utc$' \
  <(curl -s "$BASE/_emu/truth/states?from=2024-03-13T12:00:00Z&to=2024-03-13T13:00:00Z")

# ---- quirks -----------------------------------------------------------------
curl -s -X POST "$BASE/_emu/quirks?set=single-object,numbers-as-strings" >/dev/null
one=$(get /api/rtstats/stats/agent/jpena02.json)
check "single object quirk" test "${one:0:10}" = '{"agent":{'
check "numbers as strings quirk" grep -q '"group-id":"' <<<"$one"
curl -s -X POST "$BASE/_emu/quirks?set=empty-string" >/dev/null
check "empty list as string" test "$(get "/api/stats/allinteractions.json?n=100000")" = \
  '{"interactions":""}'
curl -s -X POST "$BASE/_emu/quirks?set=none" >/dev/null

# ---- faults -----------------------------------------------------------------
P=/api/rtstats/stats/agents.json
curl -s -X POST "$BASE/_emu/fault?kind=500&count=2&path=agents" >/dev/null
check "500 #1" test "$(status -u demo:t0k "$BASE$P")" = 500
check "500 #2" test "$(status -u demo:t0k "$BASE$P")" = 500
check "then 200" test "$(status -u demo:t0k "$BASE$P")" = 200
curl -s "$BASE/_emu/fault?kind=503&count=1" >/dev/null
check "503" test "$(status -u demo:t0k "$BASE$P")" = 503
curl -s "$BASE/_emu/fault?kind=429&count=1&retry_after=9" >/dev/null
check "429 with Retry-After" grep -qi '^Retry-After: 9' <(curl -s -D - -o /dev/null -u demo:t0k "$BASE$P")
curl -s "$BASE/_emu/fault?kind=401&count=1" >/dev/null
check "401 fault" test "$(status -u demo:t0k "$BASE$P")" = 401
curl -s "$BASE/_emu/fault?kind=truncate&count=1" >/dev/null
curl -s -o /dev/null -u demo:t0k "$BASE$P"
check "truncated body (curl 18)" test $? -eq 18
curl -s "$BASE/_emu/fault?kind=badjson&count=1" >/dev/null
get "$P" >"$TMP/bad.json"
check "invalid JSON" test "$(python3 -c 'import json,sys
try:
    json.load(open(sys.argv[1])); print("valid")
except ValueError:
    print("invalid")' "$TMP/bad.json")" = invalid
curl -s "$BASE/_emu/fault?kind=reset&count=1" >/dev/null
curl -s -o /dev/null -u demo:t0k "$BASE$P"
rc=$?
check "reset connection (curl $rc)" test $rc -eq 52 -o $rc -eq 56
curl -s "$BASE/_emu/fault?kind=hang&count=1&path=queues" >/dev/null
curl -s -o /dev/null -m 2 -u demo:t0k "$BASE/api/rtstats/stats/queues.json" &
hang=$!
sleep 0.3
check "others answered during a hang" test "$(curl -s -m 1 -o /dev/null -w '%{http_code}' \
  -u demo:t0k "$BASE$P")" = 200
wait $hang
check "hung request timed out (curl 28)" test $? -eq 28
curl -s -X POST "$BASE/_emu/fault?kind=500&count=9" >/dev/null
curl -s -X DELETE "$BASE/_emu/faults" >/dev/null
check "faults cleared" test "$(curl -s "$BASE/_emu/faults")" = "kind,count,path,retry_after"
check "200 after clearing" test "$(status -u demo:t0k "$BASE$P")" = 200

stop
check "SIGTERM stops cleanly (exit 0)" test $? -eq 0

# ---- several tenants --------------------------------------------------------
if start --tenants 3 --token t0k --agents 5; then
  ok
  check "ready line lists tenants" grep -q "(tenants tenant1..tenant3)$" "$TMP/out"
  check "tenant2 token" test "$(status -u tenant2:t0k-2 "$BASE$P")" = 200
  check "tenant2 with tenant1's token" test "$(status -u tenant2:t0k-1 "$BASE$P")" = 401
  check "5 agents per tenant" test "$(curl -s -u tenant3:t0k-3 "$BASE$P" | count '"agent-id"')" = 5
  stop
  check "second instance stops" test $? -eq 0
else
  bad "multi-tenant emulator did not start: $(cat "$TMP/err")"
fi

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
