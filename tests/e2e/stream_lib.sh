# shellcheck shell=bash
# Shared by tests/e2e/stream.sh and stream_faults.sh (sourced after lib.sh):
# the emulator with agents changing state every few seconds on the real
# clock, a source following its event stream with a 2-second
# reconciliation poll, serve started and waited for, and the agreement of
# the stored timeline with the emulator's truth.
export WFMLINK_RELOAD_S=1 WFMLINK_LEASE_TTL_S=3 WFMLINK_STREAM_IDLE_S=4
# a zone where it is mid-morning now, so that agents are at work (on a local
# weekend about a quarter of them: 48 agents leave enough changes to judge)
TZN=$(python3 -c '
import time
g = time.gmtime(); off = round(10.5 - g.tm_hour - g.tm_min / 60)
off = off - 24 if off > 14 else off + 24 if off < -12 else off
print("Etc/GMT%+d" % -off if off else "UTC")')
start_emulator --timezone "$TZN" --agents 48 --seed 7 --dwell-scale 0.05 --quiet
DB="sqlite:$T/s.db"
w() { "$WL" --db "$DB" "$@"; }
echo demo-token >"$T/tok"
w source add s --base-url "$EMU_URL/api/" --tenant demo --interval 2 --allow-fast-poll \
  --timezone "$TZN" --token-file "$T/tok" >/dev/null 2>&1
expect_exit 0 "stream on, reconciliation every 2 s" w source set s stream=on stream-poll-s=2 rt-max-gap-s=4

setting() { sqlite3 "$T/s.db" "select value from setting where key='$1'" 2>/dev/null; }
iso() { date -u -d "@$1" +%Y-%m-%dT%H:%M:%SZ; }
SERVE_N=0
start_serve() {
  SERVE_N=$((SERVE_N + 1))
  MPORT=$(free_port) # /metrics (the stream's counters)
  "$WL" --db "$DB" serve --only realtime --listen "127.0.0.1:0" \
    --metrics-listen "127.0.0.1:$MPORT" >"$T/serve$SERVE_N.out" \
    2>"$T/serve$SERVE_N.err" &
  SP=$!
  PIDS+=($SP)
  for _ in $(seq 1 100); do
    grep -q "event stream connected" "$T/serve$SERVE_N.err" 2>/dev/null && break
    sleep 0.1
  done
  grep -q "event stream connected" "$T/serve$SERVE_N.err" || { cat "$T/serve$SERVE_N.err"; exit 1; }
}
# agreement FROM TO MIN_PCT: our timeline against the truth on [FROM, TO)
agreement() {
  curl -s "$EMU_URL/_emu/truth/states?tenant=demo&from=$1&to=$2" >"$T/truth.csv"
  WFMLINK_FAKE_NOW=$2 w report states --source s --from "$(iso "$1")" --to "$(iso "$2")" \
    --format csv >"$T/ours.csv"
  python3 - "$T/truth.csv" "$T/ours.csv" "$1" "$2" "$3" <<'PY'
import csv, sys, datetime
tf, of, t0, t1, need = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
ts = lambda s: int(datetime.datetime.fromisoformat(s).timestamp())
truth, ours = {}, {}
for r in csv.DictReader(open(tf)):
    truth.setdefault(r["agent_id"], []).append((int(r["start_utc"]), int(r["end_utc"]), r["state"]))
for r in csv.DictReader(open(of)):
    ours.setdefault(r["agent_id"], []).append((ts(r["start"]), ts(r["end"]) if r["end"] else t1, r["state"]))
def at(segs, t):
    for s, e, st in segs:
        if s <= t < e:
            return st
total = sum(t1 - t0 for _ in truth)
agree = sum(at(segs, t) == at(ours.get(a, []), t) for a, segs in truth.items() for t in range(t0, t1))
starts = [(a, s) for a, segs in truth.items() for s, e, st in segs if t0 < s < t1]
inexact = [x for x in starts if x[1] not in {s for s, e, st in ours.get(x[0], [])}]
broken = doubled = 0
for segs in ours.values():
    segs.sort()
    for i, (s, e, st) in enumerate(segs):
        broken += e <= s or (i > 0 and segs[i - 1][1] > s)
        doubled += i > 0 and segs[i - 1][2] == st and segs[i - 1][1] == s
pct = 100.0 * agree / total
print("agreement %.3f %% of %d agent-seconds, %d starts (%d not exact), %d overlapping/empty, "
      "%d doubled" % (pct, total, len(starts), len(inexact), broken, doubled))
sys.exit(0 if pct >= need and len(starts) > 10 and broken == 0 and doubled == 0 and
         (need < 99.9 or not inexact) else 1)
PY
}
