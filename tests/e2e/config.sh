#!/usr/bin/env bash
# The configuration file: `config check` names the bad line; --config and
# $WFMLINK_CONFIG are read by every command; flags beat the environment,
# which beats the file; serve takes listen, metrics-listen and the log
# format from it; --log-format json writes one JSON object per line.
. "$(dirname "$0")/lib.sh"
unset WFMLINK_DB WFMLINK_KEY_FILE WFMLINK_LOG_LEVEL WFMLINK_LOG_FORMAT WFMLINK_CONFIG
cd "$T" || exit 1
P1=$(free_port)
P2=$(free_port)
cat >"$T/good.conf" <<CONF
# wfmlink settings
db = sqlite:$T/conf.db
key-file = "$T/conf.key"

listen = 127.0.0.1:$P1
metrics-listen = 127.0.0.1:$P2
log-level = info
log-format = json
CONF
expect_exit 0 "config check accepts a good file" "$WL" config check "$T/good.conf"
check "... and lists its settings" contains "$OUT" "listen          127.0.0.1:$P1"
check "... counting them" contains "$OUT" "ok, 6 settings"
printf 'db = postgresql://wl:s3cret@127.0.0.1/wl\n' >"$T/pg.conf"
expect_exit 0 "config check with a PostgreSQL URI" "$WL" config check "$T/pg.conf"
check "... hides the password" bash -c "! grep -q s3cret '$T/out' && grep -q 'postgresql://wl:\*\*\*@127.0.0.1/wl' '$T/out'"

refuse() { # refuse "description" "file text" "expected message"
  printf '%b' "$2" >"$T/bad.conf"
  expect_exit 1 "config check refuses $1" "$WL" config check "$T/bad.conf"
  check "... naming the line: $3" contains "$ERR" "$T/bad.conf:$3"
}
refuse "an unknown key" "# c\ndb = sqlite:x.db\ncolour = blue\n" "3: unknown key 'colour'"
refuse "a line without =" "db = sqlite:x.db\n\nlisten 127.0.0.1:1\n" "3: expected 'key = value'"
refuse "a bad log level" "log-level = loud\n" "1: log-level: 'loud' is not one of debug"
refuse "a bad log format" "log-format = xml\n" "1: log-format: 'xml' is not text or json"
refuse "a key set twice" "listen = a:1\nlisten = b:2\n" "2: listen: set twice"
refuse "an empty value" "db =\n" "1: db: empty value"
refuse "an unbalanced quote" "db = \"sqlite:x.db\n" "1: db: unbalanced quote"
printf 'tls-cert = /x.pem\n' >"$T/tls.conf"
expect_exit 1 "config check refuses a certificate without its key" "$WL" config check "$T/tls.conf"
expect_exit 1 "config check on a missing file" "$WL" config check "$T/nope.conf"
check "... says so" contains "$ERR" "no such configuration file"

# every command reads the file: db and key-file from it
echo demo-token >"$T/tok"
expect_exit 0 "source add with --config" "$WL" --config "$T/good.conf" source add a \
  --base-url http://127.0.0.1:9/api/ --tenant demo --token-file "$T/tok"
check "the file's database was used" test -s "$T/conf.db"
check "the file's key file was used" test -s "$T/conf.key"
check "no default database appeared" test ! -e "$T/wfmlink.db"
expect_exit 0 "WFMLINK_CONFIG names the file" env WFMLINK_CONFIG="$T/good.conf" "$WL" source list --format csv
check "... listing its source" contains "$OUT" "a,"
expect_exit 0 "--db beats the file" "$WL" --config "$T/good.conf" --db "sqlite:$T/other.db" source list --format csv
check "... (an empty database)" bash -c "! grep -q '^a,' '$T/out'"
expect_exit 0 "WFMLINK_DB beats the file" env WFMLINK_DB="sqlite:$T/env.db" "$WL" --config "$T/good.conf" source list
check "... (the environment's database)" test -e "$T/env.db"
expect_exit 2 "a broken file stops every command" "$WL" --config "$T/bad.conf" source list
check "... naming the file and line" contains "$ERR" "$T/bad.conf:1:"
expect_exit 2 "a missing --config file is an error" "$WL" --config "$T/missing.conf" source list
check "... saying so" contains "$ERR" "missing.conf: no such configuration file"

# serve: listen, metrics-listen and the json log format from the file
serve_until_up() { # serve_until_up PORT ERRFILE ARGS...: starts wfmlink ARGS, waits for /healthz
  local port=$1 err=$2; shift 2
  "$WL" "$@" >/dev/null 2>"$err" &
  SP=$!
  PIDS+=($SP)
  for _ in $(seq 1 100); do
    curl -sf "http://127.0.0.1:$port/healthz" >/dev/null 2>&1 && break
    sleep 0.1
  done
}
serve_until_up "$P1" "$T/s.err" --config "$T/good.conf" serve --only web
check "serve listens on the file's address" curl -sf "http://127.0.0.1:$P1/healthz" -o /dev/null
check "the metrics listener serves /metrics" bash -c \
  "curl -sf 'http://127.0.0.1:$P2/metrics' | grep -q '^wfmlink_build_info{version='"
check "... and nothing else (404 for a page)" test \
  "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$P2/sources")" = 404
kill -TERM $SP
wait $SP
check "log lines are JSON objects with time, level, source, message, fields" python3 - "$T/s.err" <<'PY'
import json, sys
lines = [l for l in open(sys.argv[1]) if l.strip()]
assert lines, "no log lines"
for l in lines:
    o = json.loads(l)
    assert set(o) == {"time", "level", "source", "message", "fields"}, o
    assert o["level"] in ("debug", "info", "warn", "error")
    assert isinstance(o["fields"], dict)
assert any("metrics on http://127.0.0.1:" in json.loads(l)["message"] for l in lines)
PY
P3=$(free_port)
serve_until_up "$P3" "$T/s2.err" --config "$T/good.conf" --log-format text serve --only web \
  --listen "127.0.0.1:$P3" --metrics-listen "127.0.0.1:$(free_port)"
check "--listen beats the file" curl -sf "http://127.0.0.1:$P3/healthz" -o /dev/null
kill -TERM $SP
wait $SP
check "--log-format text beats the file" grep -q ' INFO web page on ' "$T/s2.err"
finish
