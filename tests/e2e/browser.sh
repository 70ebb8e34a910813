#!/usr/bin/env bash
# The web page in headless Chromium (tests/browser/web.mjs), against the real
# binary: `wfmlink serve` on a free loopback port beside `wfmlink emulator`
# (so "Test connection" can pass). Screenshots go to ./screenshots (ctest runs
# this in the build directory: build/screenshots/).
. "$(dirname "$0")/lib.sh"
SRC=${WL_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
BROWSER_DIR=$SRC/tests/browser
SHOTS=${WL_SHOTS:-$PWD/screenshots}
PASSWORD="pw-$RANDOM-$RANDOM-browser"
TOKEN="e2e-token-$RANDOM$RANDOM"
DB="sqlite:$T/db"

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
# only this script's screenshots (NN-*.png): other browser tests share the directory
mkdir -p "$SHOTS" && rm -f "$SHOTS"/[0-9][0-9]-*.png

start_emulator --tenant acme-cc --token "$TOKEN" --timezone America/New_York --quiet
printf '%s\n' "$PASSWORD" | "$WL" --db "$DB" user add admin >"$T/user.out" 2>&1
check "user add" grep -q "user 'admin' added" "$T/user.out"
printf '%s\n' "$PASSWORD" | "$WL" --db "$DB" user add admin >/dev/null 2>"$T/dup.err"
check "user add refuses a taken name (exit 2)" test $? -eq 2
printf 'short\n' | "$WL" --db "$DB" user add bob >/dev/null 2>"$T/short.err"
check "user add refuses a short password (exit 2)" grep -q "shorter than 8 characters" "$T/short.err"
check "user list" test "$("$WL" --db "$DB" user list --format csv | cut -d, -f1 | tr '\n' ' ')" = "name admin "
"$WL" --db "$DB" user api-key admin >"$T/key" 2>/dev/null
check "user api-key prints a key" grep -Eq '^wlk_[0-9a-f]{64}$' "$T/key"

PORT=$(free_port)
# the collectors re-read sources every 2 s here (30 s in production)
WFMLINK_RELOAD_S=2 "$WL" --db "$DB" serve --listen "127.0.0.1:$PORT" >"$T/serve.out" 2>"$T/serve.err" &
SERVE_PID=$!
PIDS+=($SERVE_PID)
for _ in $(seq 1 100); do
  curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
check "serve answers /healthz" curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz"

WL_URL="http://127.0.0.1:$PORT" EMU_API="$EMU_URL/api/" EMU_TENANT=acme-cc EMU_TOKEN="$TOKEN" \
  WL_USER=admin WL_PASSWORD="$PASSWORD" SHOTS="$SHOTS" WL_PROFILE="$T/profile" \
  timeout 180 node "$BROWSER_DIR/web.mjs" >"$T/node.out" 2>&1
NODE_RC=$?
# the script's own lines, then its counts added to ours (one summary line)
grep -v -E '^[0-9]+ passed, [0-9]+ failed$' "$T/node.out"
SUMMARY=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$T/node.out" | tail -1)
if [ -n "$SUMMARY" ]; then
  PASS=$((PASS + $(echo "$SUMMARY" | cut -d' ' -f1)))
  FAIL=$((FAIL + $(echo "$SUMMARY" | cut -d' ' -f3)))
fi
NODE_FAILS=$(echo "$SUMMARY" | cut -s -d' ' -f3)
if [ "$NODE_RC" -ne 0 ] && [ "${NODE_FAILS:-0}" = 0 ]; then
  bad "the browser script ended with exit $NODE_RC" "$(tail -3 "$T/node.out")"
fi
check "screenshots written" test "$(ls "$SHOTS"/*.png 2>/dev/null | wc -l)" -ge 10
check "no token or password in the service's log" bash -c "! grep -q -e '$TOKEN' -e '$PASSWORD' '$T/serve.err' '$T/serve.out'"
check "the service logged the login" grep -q "web: 'admin' logged in" "$T/serve.err"
curl -s -H "Authorization: Bearer $(cat "$T/key")" "http://127.0.0.1:$PORT/api/v1/sources" >"$T/api.json"
check "the API with the key lists the source, without its token" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d[0]["name"] == "acme" and d[0]["token_set"] is True, d
assert sys.argv[2] not in open(sys.argv[1]).read()' "$T/api.json" "$TOKEN"
kill -TERM "$SERVE_PID"
wait "$SERVE_PID"
check "serve stops cleanly on SIGTERM (exit 0; no leaks under ASan)" test $? -eq 0
check "the log says the web page stopped" grep -q "web page stopped" "$T/serve.err"
finish
