#!/usr/bin/env bash
# The real-time collector against agents that change state every few
# seconds, polled every 2 seconds for a minute (both clocks stepped): the
# recorded timeline must agree with the emulator's true timeline for at least
# 99 % of agent-seconds, with state starts within 1 second.
. "$(dirname "$0")/lib.sh"
start_emulator --timezone America/New_York --agents 20 --seed 5 --dwell-scale 0.25 --quiet
DB="sqlite:$T/rt.db"
echo demo-token >"$T/tok"
"$WL" --db "$DB" source add rt --base-url "$EMU_URL/api/" --tenant demo --interval 2 \
  --allow-fast-poll --timezone America/New_York --token-file "$T/tok" >/dev/null 2>&1
T0=1730730600 # 2024-11-04T09:30:00-05:00, a Monday morning
fails=0
for i in $(seq 0 30); do
  t=$((T0 + 2 * i))
  curl -s -X POST "$EMU_URL/_emu/clock?now=$t" >/dev/null
  WFMLINK_FAKE_NOW=$t "$WL" --db "$DB" collect rt --realtime --once >/dev/null 2>&1 || fails=$((fails + 1))
done
check "every poll succeeded" test $fails -eq 0
TEND=$((T0 + 60))
curl -s "$EMU_URL/_emu/truth/states?tenant=demo&from=$T0&to=$TEND" >"$T/truth.csv"
WFMLINK_FAKE_NOW=$TEND "$WL" --db "$DB" report states --source rt --from 2024-11-04T09:30:00-05:00 \
  --to 2024-11-04T09:31:00-05:00 --format csv >"$T/ours.csv"
check "timeline agrees for >= 99 % of agent-seconds, starts within 1 s" python3 - "$T" "$T0" "$TEND" <<'PY'
import csv, sys, datetime
d, t0, t1 = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
ts = lambda s: int(datetime.datetime.fromisoformat(s).timestamp())
truth, ours = {}, {}
for r in csv.DictReader(open(d + "/truth.csv")):
    truth.setdefault(r["agent_id"], []).append((int(r["start_utc"]), int(r["end_utc"]), r["state"]))
for r in csv.DictReader(open(d + "/ours.csv")):
    ours.setdefault(r["agent_id"], []).append((ts(r["start"]), ts(r["end"]) if r["end"] else t1, r["state"]))
def state_at(segs, t):
    for s, e, st in segs:
        if s <= t < e: return st
    return None
total = agree = 0
for a, segs in truth.items():
    for t in range(t0, t1):
        total += 1
        agree += state_at(ours.get(a, []), t) == state_at(segs, t)
starts_ok = all(any(abs(s - ts_) <= 1 and st == st_ for ts_, _, st_ in truth.get(a, []))
                for a, segs in ours.items() for s, _, st in segs if s > t0)
changes = sum(len(v) for v in truth.values())
print("  agent-seconds %d, agreeing %.2f %%, true segments %d, starts ok %s" % (total, 100.0 * agree / total, changes, starts_ok))
sys.exit(0 if total and agree >= 0.99 * total and starts_ok and changes > 40 else 1)
PY
# real-time adherence now, against the schedule the emulator follows
curl -s "$EMU_URL/_emu/schedule?tenant=demo&from=2024-11-04T00:00:00-05:00&to=2024-11-05T00:00:00-05:00" >"$T/sched.csv"
expect_exit 0 "import the emulator's schedule" "$WL" --db "$DB" schedule import --source rt "$T/sched.csv"
LAST=$((T0 + 60))
WFMLINK_FAKE_NOW=$LAST expect_exit 0 "report rta" "$WL" --db "$DB" report rta --source rt --format json
cp "$T/out" "$T/rta.json"
check "rta: every agent, current state as in the truth, scheduled activity, verdict" python3 - "$T" "$LAST" <<'PY'
import csv, json, sys
d, now = sys.argv[1], int(sys.argv[2])
rows = json.load(open(d + "/rta.json"))
truth = {}
for r in csv.DictReader(open(d + "/truth.csv")):
    if int(r["start_utc"]) <= now - 1 < int(r["end_utc"]): truth[r["agent_id"]] = r["state"]
sched = {}
for r in csv.DictReader(open(d + "/sched.csv")):
    sched.setdefault(r["agent_id"], []).append(r)
ok = len(rows) == 20
for r in rows:
    ok &= r["state"] == truth.get(r["agent_id"], r["state"])
    ok &= r["adherence"] in ("in", "out", "neutral", "unscheduled")
    ok &= (r["activity"] != "") == (r["adherence"] != "unscheduled")
    if r["adherence"] == "in": ok &= r["out_for_s"] == 0
ok &= any(r["activity"] == "phone" for r in rows)
sys.exit(0 if ok else 1)
PY
WFMLINK_FAKE_NOW=$((LAST + 3600)) expect_exit 0 "report rta an hour after the last poll" "$WL" --db "$DB" report rta --source rt --format json
check "feed down: every agent unknown, none alerting" python3 -c "
import json,sys; rows=json.load(open(sys.argv[1]))
sys.exit(0 if rows and all(r['state']=='unknown' and r['alerting']=='no' for r in rows) else 1)" "$T/out"
finish
