#!/usr/bin/env python3
"""The peer for the historical pull: what a straightforward Python (stdlib
only) collector does for `wfmlink backfill SOURCE --from FROM --to TO`
against the emulator, for a side-by-side CPU comparison (bench/hist_pull.sh,
docs/PERFORMANCE.md "Historical pull").

    peer_hist.py URL DB FROM TO        # URL: http://127.0.0.1:PORT/api/

Per 6-hour window, oldest first: the queue list (pages of 50), then the
allinteractions pages of 50 (urllib, json.loads), inbound legs aggregated
to 15-minute rows per queue (entered, accepted, abandoned, handle time =
process + post-process of accepted legs, wait time), and the window's rows
replaced in SQLite in one transaction (executemany). Basic auth
demo:demo-token, zone UTC. Prints legs, rows and its CPU seconds.
"""
import base64
import datetime
import json
import sqlite3
import sys
import time
import urllib.parse
import urllib.request

AUTH = "Basic " + base64.b64encode(b"demo:demo-token").decode()
WINDOW = 6 * 3600


def get(url):
    req = urllib.request.Request(url, headers={"Authorization": AUTH})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())


def iso(t):
    return datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S+00:00")


def ts(s):
    return int(datetime.datetime.fromisoformat(s).timestamp()) if s else None


def pages(url, root, item):
    n = 1
    while True:
        body = get(f"{url}&n={n}" if "?" in url else f"{url}?n={n}")
        recs = (body.get(root) or {}).get(item) or []
        if isinstance(recs, dict):
            recs = [recs]
        yield from recs
        if len(recs) < 50:
            return
        n += len(recs)


def window(base, db, frm, to):
    queues = {q["queue-name"]: str(q["queue-id"]) for q in pages(base + "stats/queues.json", "queues", "queue")}
    d = urllib.parse.quote(f"{iso(frm)},{iso(to - 1)}")
    rows = {}
    legs = 0
    for leg in pages(f"{base}stats/allinteractions.json?d={d}&tz=UTC", "interactions", "interaction"):
        legs += 1
        if str(leg.get("interaction-direction", "")).lower() != "inbound":
            continue
        c = ts(leg["create-timestamp"])
        key = (queues.get(leg.get("queue-name"), leg.get("queue-name")), c - c % 900)
        r = rows.setdefault(key, [0, 0, 0, 0, 0])
        r[0] += 1
        a, b = ts(leg.get("accept-timestamp")), ts(leg.get("abandon-timestamp"))
        if a is not None:
            r[1] += 1
            r[3] += max(0, int(leg.get("process-time") or 0)) + max(0, int(leg.get("post-process-time") or 0))
            r[4] += a - c
        elif b is not None:
            r[2] += 1
            r[4] += b - c
    with db:
        db.execute("DELETE FROM interval_volume WHERE start_utc >= ? AND start_utc < ?", (frm, to))
        db.executemany("INSERT INTO interval_volume VALUES (?, ?, ?, ?, ?, ?, ?)",
                       [(q, s, *r) for (q, s), r in rows.items()])
    return legs, len(rows)


def main():
    base, path, frm, to = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    db = sqlite3.connect(path)
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("CREATE TABLE IF NOT EXISTS interval_volume (queue_id TEXT, start_utc INTEGER, entered INTEGER,"
               " accepted INTEGER, abandoned INTEGER, handle_time_s INTEGER, wait_time_s INTEGER,"
               " PRIMARY KEY (queue_id, start_utc))")
    legs = nrows = 0
    for w in range(frm, to, WINDOW):
        a, b = window(base, db, w, min(w + WINDOW, to))
        legs += a
        nrows += b
    print(f"legs {legs} rows {nrows} cpu {time.process_time():.3f}")


if __name__ == "__main__":
    main()
