#!/usr/bin/env bash
# `wfmlink user ...`: accounts and API keys from the command line, checked
# against a running web page (a revoked key and a removed user stop working).
. "$(dirname "$0")/lib.sh"
DB="sqlite:$T/u.db"
w() { "$WL" --db "$DB" "$@"; }
printf 'correct horse battery\n' | w user add alice >/dev/null 2>&1
check "user add reads the password from stdin" test $? -eq 0
printf 'short\n' >"$T/pw"
"$WL" --db "$DB" user add bob <"$T/pw" >/dev/null 2>"$T/err"
check "a too short password is refused with exit 2" test $? -eq 2
check "the message says why" grep -q "8" "$T/err"
printf 'again battery staple\n' >"$T/pw2"
"$WL" --db "$DB" user add alice <"$T/pw2" >/dev/null 2>"$T/err"
check "a taken name is refused" test $? -ne 0
expect_exit 0 "user list" w user list --format csv
check "alice listed" grep -q '^alice' "$T/out"
KEY=$(w user api-key alice 2>/dev/null | grep -Eo '[A-Za-z0-9_-]{32,}' | head -1)
check "api-key prints a key" test -n "$KEY"
PORT=$(free_port)
"$WL" --db "$DB" serve --only web --listen "127.0.0.1:$PORT" >/dev/null 2>"$T/serve.err" &
PIDS+=($!)
for _ in $(seq 1 50); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
api() { curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $1" "http://127.0.0.1:$PORT/api/v1/sources"; }
check "the key works" test "$(api "$KEY")" = 200
check "a wrong key is refused" test "$(api "x$KEY")" = 401
expect_exit 0 "api-key --revoke-all" w user api-key alice --revoke-all
check "the revoked key is refused" test "$(api "$KEY")" = 401
KEY2=$(w user api-key alice 2>/dev/null | grep -Eo '[A-Za-z0-9_-]{32,}' | head -1)
check "a new key works" test "$(api "$KEY2")" = 200
expect_exit 0 "user remove" w user remove alice
check "a removed user's key is refused" test "$(api "$KEY2")" = 401
expect_exit 0 "user list after remove" w user list --format csv
check "alice gone" bash -c "! grep -q '^alice' '$T/out'"
check "no password or key in the log" bash -c "! grep -qE 'correct horse|$KEY' '$T/serve.err'"
finish
