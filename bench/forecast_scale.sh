#!/usr/bin/env bash
# Forecast speed through the command line, store reads included: 100 queues
# x 1 year of 15-minute history (Mon-Sat 08:00-20:00, double-peak days,
# Poisson-like noise; ~1.47 M rows) imported with `volume import`, then
#  - `forecast --method auto` for every queue over a 6-week horizon
#    (target: < 5 s on one core), and
#  - `forecast accuracy` over 10 weeks for one queue (target: < 1 s).
# Usage: bench/forecast_scale.sh PATH/TO/wfmlink
set -euo pipefail
WL=$(realpath "${1:?usage: forecast_scale.sh PATH/TO/wfmlink}")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
export WFMLINK_DB="sqlite:$T/s.db" WFMLINK_LOG_LEVEL=warn
python3 - "$T/big.csv" <<'PY'
import datetime, math, random, sys
random.seed(7)
start = datetime.datetime(2025, 1, 6, tzinfo=datetime.timezone.utc)
with open(sys.argv[1], "w") as f:
    f.write("queue_id,interval_start,entered,accepted,abandoned,handle_time_s\n")
    for q in range(100):
        lvl = 2 + q * 3
        for d in range(364):
            base = start + datetime.timedelta(days=d)
            wd = base.weekday()
            if wd == 6:
                continue
            for i in range(32, 80):
                h = i / 4
                lam = lvl * (math.exp(-((h - 11) / 2.5) ** 2) + 0.8 * math.exp(-((h - 15) / 2) ** 2))
                lam *= 0.5 if wd == 5 else 1
                n = int(lam + random.random() * 2)
                if n:
                    t = base + datetime.timedelta(minutes=15 * i)
                    f.write(f"Q{q},{t.strftime('%Y-%m-%dT%H:%M:%SZ')},{n},{n},0,{n * 200}\n")
PY
echo tk | "$WL" source add s --base-url http://127.0.0.1:9/api/ --tenant t >/dev/null 2>&1
tm() { /usr/bin/time -o "$T/time" -f "%e s wall, %U s user, %M KiB max RSS" "$@"; cat "$T/time"; }
echo "volume import ($(($(wc -l <"$T/big.csv") - 1)) rows):"
tm taskset -c 0 "$WL" volume import --source s "$T/big.csv"
echo "forecast --method auto, 100 queues, 6 weeks:"
tm taskset -c 0 bash -c '"$1" forecast --source s --from 2026-01-05 --to 2026-02-16 \
  --as-of 2026-01-05 --format csv 2>/dev/null >"$2"' - "$WL" "$T/out.csv"
echo "  $(($(wc -l <"$T/out.csv") - 1)) rows"
echo "forecast accuracy, one queue, 10 weeks, every method:"
tm taskset -c 0 bash -c '"$1" forecast accuracy --source s --queue Q50 --from 2025-10-20 \
  --to 2025-12-29 >/dev/null' - "$WL"
