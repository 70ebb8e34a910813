#!/usr/bin/env python3
"""The peer for the real-time path: what a straightforward Python (stdlib
only) collector does with one 8x8 agents answer, the same work as
bench/bench_rt_path.c does with wfmlink's code, for a side-by-side CPU
comparison (bench/README.md, docs/PERFORMANCE.md "Real-time path").

    peer_rt.py SNAP1.json NOW1 SNAP2.json NOW2 [RUNS]
    peer_rt.py --url http://127.0.0.1:PORT NOW1 NOW2 [RUNS]

With --url it polls the emulator itself (sets its clock through
/_emu/clock, then GET /api/rtstats/stats/agents.json as demo:demo-token)
at NOW1 and NOW2. SNAP1 opens the segments; the measured poll is SNAP2:
json.loads, the status-code mapping and the timeline rules of
wfm-definitions.md (dict lookups, so linear in agents), with the same caps
as wfmlink (no start before the previous poll, none after now). Prints the
minimum and median CPU time (time.process_time) of RUNS runs per 1,000
agent records.
"""
import base64
import json
import sys
import time
import urllib.request

STATES = {0: "available", 1: "offered", 2: "busy", 3: "wrap", 4: "break", 5: "offline",
          9: "logged_out"}
MAX_GAP = 30


def fetch(base, now):
    urllib.request.urlopen(urllib.request.Request(
        "%s/_emu/clock?now=%d" % (base, now), data=b"", method="POST")).read()
    req = urllib.request.Request(base + "/api/rtstats/stats/agents.json")
    req.add_header("Authorization", "Basic " + base64.b64encode(b"demo:demo-token").decode())
    return urllib.request.urlopen(req).read()


def parse(body):
    doc = json.loads(body)
    agents = doc.get("agent") if isinstance(doc, dict) else None
    if isinstance(agents, dict):
        agents = [agents]
    out = []
    for a in agents or []:
        aid = str(a.get("agent-id", "")).strip()
        if not aid:
            continue
        try:
            code = int(float(a.get("agent-status")))
        except (TypeError, ValueError):
            code = -1
        try:
            tis = max(0, int(float(a.get("time-in-status", 0))))
        except (TypeError, ValueError):
            tis = 0
        out.append((aid, STATES.get(code, "unknown"), str(code), tis))
    return out


def step(open_, last_ok, snap, now):
    """open_: agent -> (start, state, code). Returns the ops."""
    ops, seen = [], set()
    for aid, state, code, tis in snap:
        if aid in seen:
            continue
        seen.add(aid)
        raw = min(now - tis, now)
        lo = last_ok if last_ok else now
        prev = open_.get(aid)
        if prev is None:
            if lo <= now:
                ops.append(("insert", aid, max(raw, lo), None, state, code))
            continue
        pstart, pstate, pcode = prev
        if pstate == state and pcode == code and raw <= max(last_ok, pstart):
            continue
        lo = max(lo, pstart + 1)
        if lo > now:
            continue
        start = max(raw, lo)
        gap = last_ok == 0 or now - last_ok > MAX_GAP
        pend = max(pstart + 1, min(last_ok, start)) if gap else start
        ops.append(("close", aid, pstart, pend, None, None))
        if pend < start:
            ops.append(("insert", aid, pend, start, "unknown", ""))
        ops.append(("insert", aid, start, None, state, code))
    return ops


def main(argv):
    if len(argv) >= 4 and argv[0] == "--url":
        now1, now2 = int(argv[2]), int(argv[3])
        b1, b2 = fetch(argv[1], now1), fetch(argv[1], now2)
        runs = int(argv[4]) if len(argv) > 4 else 5
    elif len(argv) >= 4:
        b1, now1 = open(argv[0], "rb").read(), int(argv[1])
        b2, now2 = open(argv[2], "rb").read(), int(argv[3])
        runs = int(argv[4]) if len(argv) > 4 else 5
    else:
        sys.exit(__doc__)
    first = step({}, 0, parse(b1), now1)
    open_ = {op[1]: (op[2], op[4], op[5]) for op in first if op[0] == "insert" and op[3] is None}
    tp, tt, ta, n, nops = [], [], [], 0, 0
    for _ in range(runs):
        t0 = time.process_time()
        snap = parse(b2)
        t1 = time.process_time()
        ops = step(open_, now1, snap, now2)
        t2 = time.process_time()
        n, nops = len(snap), len(ops)
        tp.append((t1 - t0) * 1e6 / n)
        tt.append((t2 - t1) * 1e6 / n)
        ta.append((t2 - t0) * 1e6 / n)
    tp.sort(), tt.sort(), ta.sort()
    print("agents %d, %d runs, %d ops in the measured poll (%d bytes)" % (n, runs, nops, len(b2)))
    print("  CPU ms per 1,000 records   min     median")
    for name, t in (("parse", tp), ("timeline", tt), ("parse + timeline", ta)):
        print("  %-26s %7.3f %7.3f" % (name, t[0], t[runs // 2]))


if __name__ == "__main__":
    main(sys.argv[1:])
