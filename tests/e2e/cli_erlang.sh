#!/usr/bin/env bash
# `wfmlink erlang`: the worked examples of forecasting.md through the binary
# (exact JSON), the table, and every bad input exits 2 naming its flag.
. "$(dirname "$0")/lib.sh"
cd "$T" || exit 1
E=("$WL" erlang --calls 100 --interval-s 1800 --aht-s 180 --target 80/20)

expect_exit 0 "Erlang C requirement" "${E[@]}" --format json
check "Erlang C example JSON" test "$OUT" = '{"traffic_erl": 10.000000, "agents": 14, "positions": 14, "service_level": 0.888350, "p_wait": 0.174132, "asa_s": 7.836, "occupancy": 0.714286, "p_abandon": 0.000000}'
check "JSON parses with the contract's keys" python3 -c 'import json,sys; d=json.loads(sys.argv[1]); assert list(d)==["traffic_erl","agents","positions","service_level","p_wait","asa_s","occupancy","p_abandon"]' "$OUT"
expect_exit 0 "shrinkage 0.30, max occupancy 0.85" "${E[@]}" --shrinkage 0.30 --max-occupancy 0.85 --format json
check "N 14, positions 20" contains "$OUT" '"agents": 14, "positions": 20,'
expect_exit 0 "shrinkage 0.30, max occupancy 0.70" "${E[@]}" --shrinkage 0.30 --max-occupancy 0.70 --format json
check "N 15, positions 22" contains "$OUT" '"agents": 15, "positions": 22,'
expect_exit 0 "Erlang C with 13 agents" "${E[@]}" --agents 13 --format json
check "N 13: SL 0.795595" contains "$OUT" '"service_level": 0.795595,'
expect_exit 0 "Erlang A with 14 agents" "${E[@]}" --model erlang-a --patience-s 300 --agents 14 --format json
check "Erlang A example JSON" test "$OUT" = '{"traffic_erl": 10.000000, "agents": 14, "positions": 14, "service_level": 0.916792, "p_wait": 0.145260, "asa_s": 3.878, "occupancy": 0.704297, "p_abandon": 0.013984}'
expect_exit 0 "Erlang A requirement" "${E[@]}" --model erlang-a --patience-s 300 --format json
check "Erlang A needs 13" contains "$OUT" '"agents": 13,'
expect_exit 0 "Erlang C at N <= A" "${E[@]}" --agents 10 --format json
check "ASA null, SL 0" contains "$OUT" '"service_level": 0.000000, "p_wait": 1.000000, "asa_s": null, "occupancy": 1.000000'
expect_exit 0 "no volume" "$WL" erlang --calls 0 --aht-s 180 --target 80/20 --format json
check "no volume needs 0" contains "$OUT" '"agents": 0, "positions": 0,'
expect_exit 0 "table output" "${E[@]}" --shrinkage 0.3
check "table names agents" grep -Eq '^agents: +14$' "$T/out"
check "table names positions" grep -Eq '^positions: +20$' "$T/out"
check "table names service_level" grep -Eq '^service_level: +0.888350$' "$T/out"
check "no database opened" test ! -e "$T/wfmlink.db"
expect_exit 0 "--help" "$WL" erlang --help
check "help shows the usage" contains "$OUT" "usage: wfmlink erlang --calls C"
expect_exit 0 "listed in wfmlink --help" "$WL" --help
check "erlang in the command list" contains "$OUT" "erlang"

# bad input: exit 2 and the flag named
bad_flag() { # bad_flag FLAG args...
  local flag=$1; shift
  expect_exit 2 "$* refused" "$WL" erlang "$@"
  check "message names $flag" contains "$ERR" "$flag"
}
bad_flag --target --calls 100 --aht-s 180 --target 120/20
bad_flag --target --calls 100 --aht-s 180 --target 80-20
bad_flag --target --calls 100 --aht-s 180 --target 0/20
bad_flag --target --calls 100 --aht-s 180 --target 80/x
bad_flag --shrinkage --calls 100 --aht-s 180 --target 80/20 --shrinkage 1
bad_flag --shrinkage --calls 100 --aht-s 180 --target 80/20 --shrinkage -0.1
bad_flag --max-occupancy --calls 100 --aht-s 180 --target 80/20 --max-occupancy 0
bad_flag --max-occupancy --calls 100 --aht-s 180 --target 80/20 --max-occupancy 1.2
bad_flag --aht-s --calls 100 --aht-s 0 --target 80/20
bad_flag --aht-s --calls 100 --aht-s -180 --target 80/20
bad_flag --patience-s --calls 100 --aht-s 180 --target 80/20 --model erlang-a --patience-s 0
bad_flag --patience-s --calls 100 --aht-s 180 --target 80/20 --model erlang-a --patience-s -5
bad_flag --patience-s --calls 100 --aht-s 180 --target 80/20 --model erlang-a
bad_flag --calls --calls 9000001 --aht-s 180 --target 80/20
bad_flag --calls --calls 18000001 --interval-s 1800 --aht-s 180 --target 80/20
bad_flag --calls --calls -1 --aht-s 180 --target 80/20
bad_flag --calls --calls abc --aht-s 180 --target 80/20
bad_flag --model --calls 100 --aht-s 180 --target 80/20 --model erlang-b
bad_flag --format --calls 100 --aht-s 180 --target 80/20 --format csv
bad_flag --agents --calls 100 --aht-s 180 --target 80/20 --agents -1
bad_flag --interval-s --calls 100 --aht-s 180 --target 80/20 --interval-s 0
bad_flag --target --calls 100 --aht-s 180
expect_exit 0 "exactly 10,000 calls per second is allowed" "$WL" erlang --calls 9000000 --aht-s 1 --target 80/20 --format json
finish
