#!/usr/bin/env bash
# Forecast accuracy on the emulator's history: backfills WEEKS weeks of one
# emulated tenant (America/New_York, 4 queues, 40 agents, seed 1) into a
# fresh SQLite file, then runs the rolling-origin backtest of every method
# over the last EVAL weeks (week-ahead forecasts refreshed weekly).
# Usage: bench/forecast_emulator.sh PATH/TO/wfmlink [WEEKS [EVAL]]
set -euo pipefail
WL=$(realpath "${1:?usage: forecast_emulator.sh PATH/TO/wfmlink [WEEKS [EVAL]]}")
WEEKS=${2:-17}
EVAL=${3:-9}
T=$(mktemp -d)
trap 'kill "${EMU_PID:-}" 2>/dev/null; rm -rf "$T"' EXIT
. "$(dirname "$0")/bench_lib.sh"
# a fixed "now": a Monday, so the weeks are whole
export WFMLINK_FAKE_NOW=2026-11-30T12:00:00Z WFMLINK_DB="sqlite:$T/e.db" WFMLINK_LOG_LEVEL=warn
bench_emulator "$WL" emulator --listen 127.0.0.1:0 --tenant acme --token tk --queues 4 \
  --agents 40 --seed 1 --timezone America/New_York
echo tk | "$WL" source add acme --base-url "http://127.0.0.1:$PORT/api/" --tenant acme \
  --timezone America/New_York >/dev/null 2>&1
to=2026-11-30
from=$(date -u -d "$to - $((WEEKS * 7)) days" +%F)
eval_from=$(date -u -d "$to - $((EVAL * 7)) days" +%F)
echo "backfilling $from .. $to" >&2
"$WL" backfill acme --from "$from" --to "$to" >/dev/null 2>&1
"$WL" forecast accuracy --source acme --from "$eval_from" --to "$to" --format "${FORMAT:-table}"
