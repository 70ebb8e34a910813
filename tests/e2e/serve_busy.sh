#!/usr/bin/env bash
# Another process holding the SQLite write lock for 12 s (longer than the 5 s
# busy timeout; a large `schedule import` does so for minutes) while serve
# polls every second (issue 16): serve keeps the source (no "left to other
# instances", no failed poll), keeps polling, holds the polls in memory and
# stores them once the lock is free, so no `unknown` time is recorded.
. "$(dirname "$0")/lib.sh"
export WFMLINK_RELOAD_S=3600 WFMLINK_LEASE_TTL_S=3
start_emulator --timezone UTC --agents 6 --queues 1 --seed 5 --quiet
DB="sqlite:$T/b.db"
w() { "$WL" --db "$DB" "$@"; }
q() { sqlite3 "$T/b.db" "$1"; }
wait_for() { for _ in $(seq 1 100); do eval "$1" && return 0; sleep 0.1; done; return 1; }
echo demo-token >"$T/tok"
w source add b --base-url "$EMU_URL/api/" --tenant demo --timezone UTC --interval 1 \
  --allow-fast-poll --token-file "$T/tok" >/dev/null 2>&1
"$WL" --db "$DB" serve --only realtime --listen "127.0.0.1:$(free_port)" >"$T/serve.out" 2>"$T/serve.err" &
SP=$!
PIDS+=($SP)
check "serve stores a first poll" wait_for '[ "$(q "select count(*) from agent_state" 2>/dev/null)" -gt 0 ]'
BEFORE=$(q "select value from setting where key='rt-last-ok'")
python3 - "$T/b.db" "$T/locked" <<'PY' &
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
open(sys.argv[2], "w").close()
time.sleep(12)
c.execute("COMMIT")
PY
LP=$!
PIDS+=($LP)
check "the other process holds the write lock" wait_for '[ -e "$T/locked" ]'
sleep 8
check "serve still runs" kill -0 $SP
check "nothing was stored while the lock was held" test "$(q "select value from setting where key='rt-last-ok'")" = "$BEFORE"
wait $LP
check "the kept polls are stored once the lock is free" \
  wait_for 'grep -q "polls kept while the database was busy" "$T/serve.err"'
check "polls were kept in memory" grep -q "the poll is kept in memory" "$T/serve.err"
sleep 2
AFTER=$(q "select value from setting where key='rt-last-ok'")
check "polls continue after the lock ($BEFORE -> $AFTER)" test "$AFTER" -gt $((BEFORE + 8))
check "the source was never dropped" bash -c "! grep -q 'left to other instances' '$T/serve.err'"
check "no poll failed" bash -c "! grep -q 'real-time poll failed' '$T/serve.err'"
check "no unknown time recorded" test "$(q "select count(*) from agent_state where state='unknown'")" = 0
kill -TERM $SP
wait $SP
check "serve exits 0" test $? -eq 0
[ "$FAIL" -eq 0 ] || { echo "--- serve log"; cat "$T/serve.err"; }
finish
