#!/usr/bin/env bash
# `wfmlink doctor`: passes on a healthy, served setup; fails (exit 1, naming
# the check) on a missing database, a missing or replaced key file, a stale
# real-time feed and a refused token.
. "$(dirname "$0")/lib.sh"
export WFMLINK_RETRY_BASE_MS=50 WFMLINK_RELOAD_S=1 WFMLINK_LEASE_TTL_S=3
export WFMLINK_FAKE_NOW=2024-11-05T21:00:00Z
start_emulator --timezone America/New_York --agents 4 --queues 2 --seed 5 --quiet
DB="sqlite:$T/d.db"
w() { "$WL" --db "$DB" "$@"; }
echo demo-token >"$T/tok"

expect_exit 1 "doctor on a missing database fails" w doctor --offline
check "... naming the database" bash -c "grep -q '^FAIL  database .*no SQLite database at $T/d.db' '$T/out'"
check "... and no database file is created" test ! -e "$T/d.db"

w source add ny --base-url "$EMU_URL/api/" --tenant demo --timezone America/New_York \
  --interval 1 --allow-fast-poll --token-file "$T/tok" >/dev/null 2>&1
curl -s -X POST "$EMU_URL/_emu/clock?now=2024-11-05T21:00:00Z" >/dev/null
expect_exit 1 "doctor before any poll fails" w doctor --offline
check "... saying the source was never polled" bash -c "grep -q '^FAIL  source ny real-time .*no successful poll yet' '$T/out'"

"$WL" --db "$DB" serve --listen "127.0.0.1:$(free_port)" >"$T/serve.out" 2>"$T/serve.err" &
SP=$!
PIDS+=($SP)
for _ in $(seq 1 100); do
  n=$(sqlite3 "$T/d.db" "select count(*) from collection_run where kind='historical' and outcome='ok'" 2>/dev/null)
  r=$(sqlite3 "$T/d.db" "select count(*) from setting where key='rt-last-ok'" 2>/dev/null)
  [ "${n:-0}" -ge 1 ] && [ "${r:-0}" -ge 1 ] && break
  sleep 0.2
done
kill -TERM $SP
wait $SP

expect_exit 0 "doctor passes on a healthy setup" w doctor
[ "$(grep -c ^FAIL "$T/out")" = 0 ] || cat "$T/out"
for c in "database" "key file" "source ny real-time" "source ny historical" "source ny clock" "disk"; do
  check "ok line for $c" bash -c "grep -q '^ok    $c ' '$T/out'"
done
check "schema version reported current" bash -c "grep -qE '^ok    database .*schema version ([0-9]+) of \\1$' '$T/out'"

# a stale feed: an hour later with no poll since
WFMLINK_FAKE_NOW=2024-11-05T22:00:00Z expect_exit 1 "doctor fails on a stale source" w doctor --offline
check "... naming the stale real-time feed" bash -c "grep -q '^FAIL  source ny real-time .*stale: last successful poll 3600 s ago' '$T/out'"
check "... and says how many checks failed" contains "$ERR" "1 check failed"

# the key file moved away
mv "$T/d.db.key" "$T/key.bak"
expect_exit 1 "doctor fails on a missing key file" w doctor --offline
check "... naming the key file" bash -c "grep -q '^FAIL  key file .*d.db.key is missing: 1 stored token cannot be read' '$T/out'"
# a different key: the stored token no longer opens
head -c 32 /dev/urandom >"$T/d.db.key"
chmod 600 "$T/d.db.key"
expect_exit 1 "doctor fails on a replaced key file" w doctor --offline
check "... naming the source whose token does not open" bash -c "grep -q '^FAIL  key file .*real-time token of source ny does not open' '$T/out'"
mv "$T/key.bak" "$T/d.db.key"

# a token refused by 8x8 (attention mark)
echo not-the-token >"$T/bad"
w source set ny token-file="$T/bad" >/dev/null 2>&1
w collect ny --realtime --once >/dev/null 2>&1
expect_exit 1 "doctor fails on a refused token" w doctor --offline
check "... naming the refused feed" bash -c "grep -q '^FAIL  source ny token .*real-time feed refused' '$T/out'"

# a disabled source is skipped, not failed
w source set ny token-file="$T/tok" >/dev/null 2>&1
w collect ny --realtime --once >/dev/null 2>&1
w source set ny enabled=off >/dev/null 2>&1
expect_exit 0 "doctor passes with the only source disabled" w doctor --offline
check "... and says it skipped it" bash -c "grep -q '^skip  source ny .*disabled' '$T/out'"
finish
