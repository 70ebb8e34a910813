#!/usr/bin/env bash
# The web page in headless Chromium (tests/browser/web.mjs), against the real
# binary: `wfmlink serve` on a free loopback port beside `wfmlink emulator`
# (so "Test connection" can pass). Screenshots go to ./screenshots/web-*.png
# (ctest runs this in the build directory: build/screenshots/).
. "$(dirname "$0")/browser_lib.sh"
PASSWORD="pw-$RANDOM-$RANDOM-browser"
TOKEN="e2e-token-$RANDOM$RANDOM"
DB="sqlite:$T/db"

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

# the collectors re-read sources every 2 s here (30 s in production)
WFMLINK_RELOAD_S=2 start_serve

run_node web main EMU_API="$EMU_URL/api/" EMU_TENANT=acme-cc EMU_TOKEN="$TOKEN"
publish_shots web 12
SID="(select id from source where name='acme')"
check "the page stored stream=on" \
  test "$(sqlite3 "$T/db" "select value from setting where source_id=$SID and key='stream'")" = on
check "the page stored the stream host" \
  test "$(sqlite3 "$T/db" "select value from setting where source_id=$SID and key='stream-host'")" = "ws://127.0.0.1:$EMU_PORT"
check "no token or password in the service's log" bash -c "! grep -q -e '$TOKEN' -e '$PASSWORD' '$T/serve.err' '$T/serve.out'"
check "the service logged the login" grep -q "web: 'admin' logged in" "$T/serve.err"
curl -s -H "Authorization: Bearer $(cat "$T/key")" "http://127.0.0.1:$PORT/api/v1/sources" >"$T/api.json"
check "the API with the key lists the source, without its token" python3 -c '
import json, sys
d = json.load(open(sys.argv[1]))
assert d[0]["name"] == "acme" and d[0]["token_set"] is True, d
assert sys.argv[2] not in open(sys.argv[1]).read()' "$T/api.json" "$TOKEN"
stop_serve
check "the log says the web page stopped" grep -q "web page stopped" "$T/serve.err"
finish
