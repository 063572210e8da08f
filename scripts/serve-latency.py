#!/usr/bin/env python3
"""Note commit -> its `page` event on `warroom serve`'s event stream.

Types N notes (`:note perf-LABEL-NN`, one a second) into a console running
in tmux, reads `/events` with `curl -N`, and prints, in ms (min, p50, p99,
max): keystroke -> event, the event's journal timestamp -> event, and with
a PostgreSQL admin URL (server started with `track_commit_timestamp=on`)
the transaction's commit time -> event. Needs tmux, curl, psql (for PG).

  scripts/serve-latency.py SOCKET TARGET PORT TOKEN_FILE LABEL JOURNAL N [PG_ADMIN_URL]

SOCKET/TARGET: `tmux -L SOCKET` and the console's session; PORT: where
`warroom serve` listens on 127.0.0.1; JOURNAL: its file or URL (read back
with `warroom report --format jsonl`). Numbers go to docs/PERFORMANCE.md.
"""
import json
import os
import subprocess
import sys
import threading
import time
from datetime import datetime

if len(sys.argv) < 8:
    sys.exit(__doc__)
sock, target, port, token_file, label, journal, n = sys.argv[1:8]
admin_url = sys.argv[8] if len(sys.argv) > 8 else None
n = int(n)
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
warroom = os.path.join(root, "target/release/warroom")
token = open(token_file).readline().strip()
names = [f"perf-{label}-{i:02d}" for i in range(n)]

curl = subprocess.Popen(
    ["curl", "-s", "-N", "-H", f"Authorization: Bearer {token}",
     f"http://127.0.0.1:{port}/events"],
    stdout=subprocess.PIPE, bufsize=0)
arrived = {}
lock = threading.Lock()


def read_stream():
    for line in iter(curl.stdout.readline, b""):
        t = time.time()
        s = line.decode("utf-8", "replace")
        with lock:
            for i, name in enumerate(names):
                if i not in arrived and name in s:
                    arrived[i] = t


threading.Thread(target=read_stream, daemon=True).start()
time.sleep(1.5)  # the first page event, and the stream settled
keyed = {}
for i, name in enumerate(names):
    tmux = ["tmux", "-L", sock, "send-keys", "-t", target]
    subprocess.run(tmux + [":"], check=True)
    subprocess.run(tmux + ["-l", f"note {name}"], check=True)
    keyed[i] = time.time()
    subprocess.run(tmux + ["Enter"], check=True)
    deadline = time.time() + 10
    while time.time() < deadline:
        with lock:
            if i in arrived:
                break
        time.sleep(0.005)
    time.sleep(1.0)  # an operator's pace, not a burst
curl.terminate()
curl.wait()

stamped = {}
out = subprocess.run([warroom, "report", "--format", "jsonl", journal],
                     capture_output=True, text=True, check=True).stdout
for line in out.splitlines():
    e = json.loads(line)
    if e.get("kind") == "note" and e.get("text") in names:
        ts = e["ts"].rstrip("Z")[:26]  # microseconds are enough
        stamped[names.index(e["text"])] = datetime.fromisoformat(ts + "+00:00").timestamp()
committed = {}
if admin_url:
    q = ("SELECT data, extract(epoch from pg_xact_commit_timestamp(xmin)) "
         "FROM warroom_events WHERE kind = 'note'")
    rows = subprocess.run(["psql", "-At", "-F", "\t", admin_url, "-c", q],
                          capture_output=True, text=True, check=True).stdout
    for r in rows.splitlines():
        data, at = r.split("\t")
        text = json.loads(data).get("text")
        if text in names and at:
            committed[names.index(text)] = float(at)


def stats(what, since):
    v = sorted((arrived[i] - since[i]) * 1000 for i in arrived if i in since)
    if not v:
        print(f"{what}: none")
        return
    p = lambda q: v[min(len(v) - 1, int(round(q * (len(v) - 1))))]
    print(f"{what}: n={len(v)} min={v[0]:.0f} p50={p(0.5):.0f} "
          f"p99={p(0.99):.0f} max={v[-1]:.0f} ms")


print(f"{label}: {len(arrived)}/{n} arrived")
stats("keystroke -> event", keyed)
stats("journal ts -> event", stamped)
stats("commit -> event", committed)
