#!/usr/bin/env bash
# The historical pull, wfmlink beside the Python peer (bench/peer_hist.py):
# both pull DAYS days (default 7, from 2024-11-04) of a 200-agent, 4-queue
# emulated tenant into SQLite, RUNS times each (default 3); prints each
# collector's CPU seconds (user+sys of its process; the emulator excluded).
#   bench/hist_pull.sh PATH/TO/wfmlink [DAYS [RUNS]]
set -u
. "$(dirname "$0")/bench_lib.sh"
WL=$(realpath "${1:?usage: bench/hist_pull.sh PATH/TO/wfmlink [DAYS [RUNS]]}")
DAYS=${2:-7}
RUNS=${3:-3}
PEER="$(dirname "$0")/peer_hist.py"
T=$(mktemp -d "${TMPDIR:-/tmp}/wl-bench-hist.XXXXXX")
EMU_PID=
trap bench_cleanup EXIT
FROM=1730678400 # 2024-11-04T00:00:00Z
TO=$((FROM + DAYS * 86400))
WFMLINK_FAKE_NOW=$((TO + 86400)) bench_emulator "$WL" emulator --listen 127.0.0.1:0 --agents 200 \
  --queues 4 --timezone UTC --quiet
echo demo-token >"$T/tok"
for r in $(seq 1 "$RUNS"); do
  rm -f "$T"/w.db* "$T"/p.db*
  "$WL" --db "sqlite:$T/w.db" source add b --base-url "http://127.0.0.1:$PORT/api/" --tenant demo \
    --timezone UTC --token-file "$T/tok" >/dev/null 2>&1
  WFMLINK_FAKE_NOW=$((TO + 86400)) /usr/bin/time -f "%U %S %e" -o "$T/wt" "$WL" --db "sqlite:$T/w.db" \
    backfill b --from "$(date -u -d "@$FROM" +%Y-%m-%dT%H:%M:%SZ)" --to "$(date -u -d "@$TO" +%Y-%m-%dT%H:%M:%SZ)" >/dev/null 2>"$T/w.err" || { cat "$T/w.err"; exit 1; }
  /usr/bin/time -f "%U %S %e" -o "$T/pt" python3 "$PEER" "http://127.0.0.1:$PORT/api/" "$T/p.db" \
    "$FROM" "$TO" >"$T/p.out" || exit 1
  read -r wu ws we <"$T/wt"
  read -r pu ps pe <"$T/pt"
  echo "run $r: wfmlink $(echo "$wu + $ws" | bc) s CPU ($we s wall, $(sqlite3 "$T/w.db" 'select count(*) from interval_volume') rows);" \
    "peer $(echo "$pu + $ps" | bc) s CPU ($pe s wall, $(cut -d' ' -f4 "$T/p.out") rows, $(cut -d' ' -f2 "$T/p.out") legs)"
done
