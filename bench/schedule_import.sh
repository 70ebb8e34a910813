#!/usr/bin/env bash
# `schedule import` and its re-import (issue 16): AGENTS agents x SEGS
# back-to-back 15-minute segments in one CSV, imported into an empty SQLite
# database, then imported again (every row replaces a stored one). Prints
# the wall and CPU seconds of each import.
#   bench/schedule_import.sh WFMLINK [AGENTS [SEGS]]      # default 100 3000
set -euo pipefail
WL=$(realpath "$1")
AGENTS=${2:-100}
SEGS=${3:-3000}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
DB="sqlite:$T/s.db"
echo tok >"$T/tok"
"$WL" --db "$DB" source add b --base-url http://127.0.0.1:9/api/ --tenant t \
  --timezone UTC --token-file "$T/tok" >/dev/null
python3 - "$AGENTS" "$SEGS" >"$T/s.csv" <<'PY'
import sys, datetime
agents, segs = int(sys.argv[1]), int(sys.argv[2])
t0 = datetime.datetime(2024, 11, 4, tzinfo=datetime.timezone.utc)
out = ["agent_id,activity,start,end"]
fmt = "%Y-%m-%dT%H:%M:%SZ"
for a in range(agents):
    for i in range(segs):
        s = t0 + datetime.timedelta(minutes=15 * i)
        e = s + datetime.timedelta(minutes=15)
        out.append(f"agent{a},{'phone' if i % 4 else 'break'},{s.strftime(fmt)},{e.strftime(fmt)}")
print("\n".join(out))
PY
run() {
  /usr/bin/time -f "%e s wall, %U+%S s CPU, %M kB peak" "$WL" --db "$DB" schedule import \
    --source b --create-agents "$T/s.csv" >/dev/null 2>"$T/time" || { cat "$T/time"; exit 1; }
  echo "$1 ($((AGENTS * SEGS)) rows): $(tail -1 "$T/time")"
}
run import
run re-import
