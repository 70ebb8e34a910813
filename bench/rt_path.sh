#!/usr/bin/env bash
# The real-time path (parse + timeline) at 1,000, 10,000 and 100,000 agents
# in one answer, wfmlink's code beside the Python peer.
#
#   bench/rt_path.sh PATH/TO/wfmlink PATH/TO/bench_rt_path [RUNS]
#
# Starts `wfmlink emulator --agents 1000 --dwell-scale 0.2` on loopback,
# takes two agents answers 10 s apart (emulator clock 2024-11-05 15:00 UTC
# and 10 s later), and builds the 10,000 and 100,000-agent answers from
# them by copying each agent with "-K" appended to its agent-id (the
# emulator stops at 9,999 agents a tenant). Then runs bench_rt_path and
# bench/peer_rt.py on the same files (RUNS runs each, default 5) and prints
# their figures. Temporary directory removed at exit (KEEP=1 keeps it).
set -u
. "$(dirname "$0")/bench_lib.sh"
WL=${1:?usage: bench/rt_path.sh PATH/TO/wfmlink PATH/TO/bench_rt_path [RUNS]}
BENCH=${2:?usage: bench/rt_path.sh PATH/TO/wfmlink PATH/TO/bench_rt_path [RUNS]}
RUNS=${3:-5}
PEER="$(dirname "$0")/peer_rt.py"
T=$(mktemp -d "${TMPDIR:-/tmp}/wl-bench-rtpath.XXXXXX")
EMU_PID=
trap bench_cleanup EXIT
NOW1=1730818800 # 2024-11-05T15:00:00Z
NOW2=$((NOW1 + 10))
WFMLINK_FAKE_NOW=$NOW1 bench_emulator "$WL" emulator --listen 127.0.0.1:0 --agents 1000 \
  --dwell-scale 0.2 --quiet
EMU="http://127.0.0.1:$PORT"
for i in 1 2; do
  now=$((i == 1 ? NOW1 : NOW2))
  curl -sf -X POST "$EMU/_emu/clock?now=$now" >/dev/null
  curl -sf -u demo:demo-token -o "$T/s${i}_1000.json" "$EMU/api/rtstats/stats/agents.json" ||
    { echo "emulator did not answer" >&2; exit 1; }
done
kill "$EMU_PID" && wait "$EMU_PID" 2>/dev/null
EMU_PID=
python3 - "$T" <<'PY'
import json, sys
d = sys.argv[1]
for i in (1, 2):
    agents = json.load(open("%s/s%d_1000.json" % (d, i)))["agent"]
    for copies in (10, 100):
        out = []
        for k in range(copies):
            for a in agents:
                b = dict(a)
                if k:
                    b["agent-id"] = "%s-%d" % (a["agent-id"], k)
                out.append(b)
        with open("%s/s%d_%d.json" % (d, i, copies * 1000), "w", encoding="utf-8") as f:
            json.dump({"agent": out}, f, ensure_ascii=False, separators=(",", ":"))
PY
for n in 1000 10000 100000; do
  echo "== $n agents: wfmlink (bench_rt_path)"
  "$BENCH" "$T/s1_$n.json" "$NOW1" "$T/s2_$n.json" "$NOW2" "$RUNS" || exit 1
  echo "== $n agents: Python peer (bench/peer_rt.py)"
  python3 "$PEER" "$T/s1_$n.json" "$NOW1" "$T/s2_$n.json" "$NOW2" "$RUNS" || exit 1
done
