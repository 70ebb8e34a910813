#!/usr/bin/env bash
# Agent states from the event stream (issue 15), end to end against the
# emulator on the real clock: agents change state every few seconds, `serve`
# follows the stream with a 2-second reconciliation poll.
#  - `source test` covers the stream (OK, 401, an unreachable host)
#  - clean: >= 99.9 % of agent-seconds agree with the emulator's truth and
#    every start is exact to the second
#  - serve stopped (SIGTERM) and killed (-9) mid-stream: resumed by message
#    id, the time it was away filled from the stream, nothing doubled
# The faults are in stream_faults.sh.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/stream_lib.sh"
SECONDS=0
expect_exit 0 "source test covers the stream" w source test s
check "source test: the stream answers" contains "$OUT" "event stream:          OK"
curl -s -X POST "$EMU_URL/_emu/stream-fault?kind=refuse" >/dev/null
expect_exit 1 "source test: a refused token fails" w source test s
check "source test: 401 explained" contains "$OUT" "401 Unauthorized"
expect_exit 0 "stream-host to a port nobody listens on" w source set s "stream-host=ws://127.0.0.1:$(free_port)"
expect_exit 1 "source test: unreachable stream host fails" w source test s
check "source test: unreachable host explained" contains "$OUT" "wrong region host"
expect_exit 2 "plain ws:// to a remote host is refused" w source set s stream-host=ws://10.1.2.3:80
expect_exit 0 "stream-host back to the emulator" w source set s "stream-host=ws://127.0.0.1:$EMU_PORT"

# 1. clean
start_serve
T0=$(($(date +%s) + 2))
sleep 8
T1=$(($(date +%s) - 1))
check "clean: >= 99.9 % agreement, every start exact, no overlap, nothing doubled" agreement $T0 $T1 99.9
check "status: live" bash -c "sqlite3 '$T/s.db' \"select value from setting where key='stream-status'\" | grep -q '^live since'"
check "reconciliation polls agreed" test "$(setting stream-agree)" -gt 50
check "no mismatch without faults" test "$(setting stream-mismatch || echo 0)" = ""
expect_exit 0 "source show gives the agreement" w source show s
check "source show: agreement line" contains "$OUT" "100.0 % ("

# 2. restart and kill -9
kill -TERM $SP
wait $SP
check "serve stops cleanly" test $? -eq 0
ID1=$(setting stream-message-id)
R0=$(date +%s)
sleep 2
start_serve
check "resumed by message id after a restart" grep -q "event stream connected (from $ID1)" "$T/serve$SERVE_N.err"
sleep 3
kill -9 $SP
wait $SP 2>/dev/null
ID2=$(setting stream-message-id)
sleep 2
start_serve
check "resumed by message id after kill -9" grep -q "event stream connected (from $ID2)" "$T/serve$SERVE_N.err"
sleep 4
R1=$(($(date +%s) - 1))
check "restart + kill -9: >= 99.9 % agreement, starts exact, nothing doubled" agreement $R0 $R1 99.9
kill -TERM $SP
wait $SP
echo "($SECONDS s)"
finish
