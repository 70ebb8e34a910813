#!/usr/bin/env bash
# `wfmlink source ...` as a user types it: validation, exit codes, secrecy.
. "$(dirname "$0")/lib.sh"
DB="sqlite:$T/t.db"
SECRET="tok-Zq81-very-secret"
printf '%s\n' "$SECRET" >"$T/token.txt"
w() { "$WL" --db "$DB" "$@"; }

"$WL" --db "$DB" source add s1 --base-url https://vcc-na10.8x8.com/api/ --tenant acme <"$T/token.txt" >"$T/o1" 2>"$T/e1"
check "source add reads the token from stdin" test $? -eq 0
expect_exit 0 "source show" w source show s1
check "show says a token is set" contains "$OUT" "token_set"
check "show says yes" grep -Eq '^token_set: +yes' "$T/out"
expect_exit 0 "source list --format csv" w source list --format csv
check "csv header" test "$(head -1 "$T/out")" = "name,vendor,base_url,tenant,hist_base_url,hist_tenant,interval_s,timezone,enabled,token_set,hist_token_set"
check "csv row" grep -q '^s1,8x8,https://vcc-na10.8x8.com/api/,acme,https://vcc-na10.8x8.com/api/,acme,10,UTC,on,yes' "$T/out"
expect_exit 0 "source list --format json" w source list --format json
check "json is valid" python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d[0]["name"]=="s1"' "$T/out"
check "key file has mode 0600" test "$(stat -c %a "$T/t.db.key")" = 600
check "token not in the database file in clear" bash -c "! grep -aq '$SECRET' '$T/t.db' '$T/t.db-wal' 2>/dev/null"

# a base URL without /api/ or with a trailing-slash-less /api is normalised
expect_exit 0 "base URL without trailing slash" w source add s2 --base-url https://vcc-na10.8x8.com/api --tenant acme --token-file "$T/token.txt"
check "normalised to /api/" bash -c "'$WL' --db '$DB' source show s2 | grep -q 'base_url: *https://vcc-na10.8x8.com/api/$'"
WFMLINK_TOKEN=$SECRET expect_exit 0 "token from WFMLINK_TOKEN" w source add s3 --base-url http://127.0.0.1:9/api/ --tenant t3
check "loopback http allowed" contains "$OUT" "added"

# bad values: exit 2 and the flag named
expect_exit 2 "http:// to a remote host refused" w source add b1 --base-url http://vcc-na10.8x8.com/api/ --tenant a --token-file "$T/token.txt"
check "message names --base-url" contains "$ERR" "--base-url"
expect_exit 2 "a path that is not /api/ refused" w source add b1 --base-url https://vcc-na10.8x8.com/foo/ --tenant a --token-file "$T/token.txt"
check "message names --base-url" contains "$ERR" "--base-url"
expect_exit 2 "ftp URL refused" w source add b1 --base-url ftp://x/api/ --tenant a --token-file "$T/token.txt"
expect_exit 2 "tenant with a colon refused" w source add b1 --base-url https://x.8x8.com/api/ --tenant 'a:b' --token-file "$T/token.txt"
check "message names --tenant" contains "$ERR" "--tenant"
expect_exit 2 "empty tenant refused" w source add b1 --base-url https://x.8x8.com/api/ --tenant '' --token-file "$T/token.txt"
check "message names --tenant" contains "$ERR" "--tenant"
expect_exit 2 "interval 5 refused" w source add b1 --base-url https://x.8x8.com/api/ --tenant a --interval 5 --token-file "$T/token.txt"
check "message names --interval" contains "$ERR" "--interval"
expect_exit 2 "interval 3601 refused" w source add b1 --base-url https://x.8x8.com/api/ --tenant a --interval 3601 --token-file "$T/token.txt"
expect_exit 2 "interval abc refused" w source add b1 --base-url https://x.8x8.com/api/ --tenant a --interval abc --token-file "$T/token.txt"
check "message names --interval" contains "$ERR" "--interval"
expect_exit 0 "interval 2 with --allow-fast-poll" w source add fast --base-url https://x.8x8.com/api/ --tenant a --interval 2 --allow-fast-poll --token-file "$T/token.txt"
expect_exit 2 "bad time zone refused" w source add b1 --base-url https://x.8x8.com/api/ --tenant a --timezone Mars/Olympus --token-file "$T/token.txt"
check "message names --timezone" contains "$ERR" "--timezone"
expect_exit 2 "duplicate name refused" w source add s1 --base-url https://x.8x8.com/api/ --tenant a --token-file "$T/token.txt"
check "message says it exists" contains "$ERR" "already exists"
expect_exit 2 "unknown flag refused" w source add b1 --base-url https://x.8x8.com/api/ --tenant a --bogus 1
check "message names --bogus" contains "$ERR" "--bogus"
expect_exit 2 "missing token file" w source add b1 --base-url https://x.8x8.com/api/ --tenant a --token-file "$T/nope"
check "message names --token-file" contains "$ERR" "--token-file"
expect_exit 2 "token on argv is not a flag" w source add b1 --base-url https://x.8x8.com/api/ --tenant a --token abc
expect_exit 2 "bad source name" w source add 'a b' --base-url https://x.8x8.com/api/ --tenant a --token-file "$T/token.txt"

# set
expect_exit 0 "set interval=30 timezone" w source set s1 interval=30 timezone=America/New_York adherence-grace-s=60
check "show reflects interval" bash -c "'$WL' --db '$DB' source show s1 | grep -Eq '^interval_s: +30$'"
check "show reflects grace" bash -c "'$WL' --db '$DB' source show s1 | grep -Eq '^adherence-grace-s: +60$'"
expect_exit 2 "set interval=5 refused" w source set s1 interval=5
check "message names interval" contains "$ERR" "interval"
expect_exit 2 "set unknown key refused" w source set s1 colour=blue
check "message names the key" contains "$ERR" "colour"
expect_exit 2 "set negative grace refused" w source set s1 adherence-grace-s=-1
expect_exit 2 "set enabled=maybe refused" w source set s1 enabled=maybe
expect_exit 0 "set token-file" w source set s1 token-file="$T/token.txt"
# the event stream needs a host: vcc-na10 does not tell the region
expect_exit 2 "set stream=on without a host refused" w source set s1 stream=on
check "message names the region hosts" contains "$ERR" "pulsar-ws-use1.8x8.com US1"
check "stream left off" bash -c "'$WL' --db '$DB' source show s1 | grep -Eq '^stream: +off$'"
expect_exit 2 "set a stream host with a path refused" w source set s1 stream=on stream-host=wss://pulsar-ws-use1.8x8.com/x
expect_exit 0 "set stream=on with the region host" w source set s1 stream=on stream-host=pulsar-ws-use1.8x8.com
check "show: stream on" bash -c "'$WL' --db '$DB' source show s1 | grep -Eq '^stream: +on$'"
check "show: the host in canonical form" bash -c "'$WL' --db '$DB' source show s1 | grep -Eq '^stream-host: +wss://pulsar-ws-use1.8x8.com:443$'"
expect_exit 0 "set stream=off" w source set s1 stream=off
expect_exit 2 "show unknown source" w source show nosuch
check "message names the source" contains "$ERR" "nosuch"

# the token never appears anywhere
ALL=$(w source show s1; w source show s1 --format json; w source list; w source list --format json; w source list --format csv; cat "$T/o1" "$T/e1")
check "token never printed" bash -c "! printf '%s' \"\$1\" | grep -q '$SECRET'" _ "$ALL"

expect_exit 0 "remove" w source remove s2
expect_exit 0 "list after remove" w source list --format csv
check "s2 gone" bash -c "! grep -q '^s2,' '$T/out'"
expect_exit 0 "--help" w source --help
check "help lists keys" contains "$OUT" "rta-alert-after-s"
finish
