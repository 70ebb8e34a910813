#!/usr/bin/env bash
# Memory per historical window is bounded (issue 16): a window whose records
# pass the bound (here lowered to 1 MB, about 2,100 interaction legs, with
# WFMLINK_WINDOW_MAX_MB) fails at once, not retried, with a message naming
# the window, and nothing of it is stored; under the bound it is stored.
. "$(dirname "$0")/lib.sh"
start_emulator --timezone UTC --agents 200 --queues 4 --seed 7 --quiet
DB="sqlite:$T/m.db"
w() { "$WL" --db "$DB" "$@"; }
q() { sqlite3 "$T/m.db" "$1"; }
echo demo-token >"$T/tok"
w source add m --base-url "$EMU_URL/api/" --tenant demo --timezone UTC --token-file "$T/tok" >/dev/null 2>&1
expect_exit 1 "a window past the bound fails" env WFMLINK_WINDOW_MAX_MB=1 "$WL" --db "$DB" backfill m \
  --from 2024-11-05T12:00:00Z --to 2024-11-05T18:00:00Z
check "the message names the window and the bound" contains "$ERR" \
  "window 2024-11-05T12:00:00+00:00 .. 2024-11-05T18:00:00+00:00: more than 1 MB of interaction records"
check "it is not retried" bash -c "! grep -q retrying <<<\"\$1\"" _ "$ERR"
check "nothing stored" test "$(q 'select count(*) from interval_volume')" = 0
check "the run says why" contains "$(q "select outcome || ': ' || error from collection_run order by id desc limit 1")" \
  "error: window 2024-11-05T12:00:00+00:00 .. 2024-11-05T18:00:00+00:00: more than 1 MB"
expect_exit 0 "under the default bound the window is stored" w backfill m \
  --from 2024-11-05T12:00:00Z --to 2024-11-05T18:00:00Z
check "rows stored" test "$(q 'select count(*) from interval_volume')" -gt 0
finish
