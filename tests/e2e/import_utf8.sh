#!/usr/bin/env bash
# Imported CSV must be UTF-8: a schedule or state file with other bytes is
# refused as a whole, exit 2, naming the line of the bad byte (issue 16),
# and nothing is stored; the same file saved as UTF-8 imports.
. "$(dirname "$0")/lib.sh"
DB="sqlite:$T/u.db"
w() { "$WL" --db "$DB" "$@"; }
echo tok >"$T/tok"
w source add ex --base-url http://127.0.0.1:9/api/ --tenant t --timezone UTC --token-file "$T/tok" >/dev/null 2>&1
printf 'agent_id,activity,start,end\na1,phone,2024-11-04T09:00:00Z,2024-11-04T10:00:00Z\nm\xfcller,phone,2024-11-04T09:00:00Z,2024-11-04T10:00:00Z\n' >"$T/latin1.csv"
expect_exit 2 "schedule with a Latin-1 byte refused" w schedule import --source ex --create-agents "$T/latin1.csv"
check "the message names line 3 and the byte" contains "$ERR" "CSV line 3: invalid UTF-8 (byte 0xFC at byte 2 of the line)"
printf 'agent_id,state,start,end\na1,available,2024-11-04T09:00:00Z,2024-11-04T10:00:00Z\n"a\n\xff",busy,2024-11-04T10:00:00Z,2024-11-04T11:00:00Z\n' >"$T/states.csv"
expect_exit 2 "states with a bad byte in a two-line quoted field refused" w states import --source ex "$T/states.csv"
check "the message names the line of the byte (4)" contains "$ERR" "CSV line 4: invalid UTF-8 (byte 0xFF"
expect_exit 0 "nothing was stored" w report states --source ex --from 2024-11-04 --to 2024-11-05 --format csv
check "no state rows" test "$(printf '%s\n' "$OUT" | wc -l)" -le 1
printf 'agent_id,activity,start,end\nm\xc3\xbcller,phone,2024-11-04T09:00:00Z,2024-11-04T10:00:00Z\n' >"$T/utf8.csv"
expect_exit 0 "the same name in UTF-8 imports" w schedule import --source ex --create-agents "$T/utf8.csv"
finish
