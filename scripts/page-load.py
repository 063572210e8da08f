#!/usr/bin/env python3
"""The status page under N viewers: serve's CPU and each viewer's bytes/s.

Starts `warroom demo` in tmux (five panels polled every second, its
conductor storing their readings), `warroom serve` on the demo's journal,
then opens N Server-Sent Event streams (`/events`) from 127.0.0.1, lets
them settle (the first, whole page each) and measures for SECONDS:

- serve's CPU (utime + stime from /proc) as % of one core;
- bytes received per viewer per second (mean, min, max), headers and the
  first whole page excluded;
- how many streams were refused (503) or ended early; serve's RSS.

  scripts/page-load.py [BINARY=target/release/warroom] [N=1000] [SECONDS=60] [NOTE_EVERY=0]

NOTE_EVERY > 0 types a note (`:note load-N`) into the demo console every
NOTE_EVERY seconds while measuring, so journal lines reach the viewers too.

Loopback only, bounded in count and time; tmux, the server and every
socket are closed at the end. Numbers go to docs/PERFORMANCE.md.
"""
import asyncio
import os
import resource
import shutil
import socket
import subprocess
import sys
import tempfile
import time

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
binary = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else os.path.join(root, "target/release/warroom"))
n = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
seconds = float(sys.argv[3]) if len(sys.argv) > 3 else 60.0
note_every = float(sys.argv[4]) if len(sys.argv) > 4 else 0.0
SETTLE = 8.0
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
if hard < n + 64:
    sys.exit(f"this shell allows {hard} open files; {n} viewers need more (ulimit -Hn)")

work = tempfile.mkdtemp(prefix="page-load-")
journal = os.path.join(work, "demo.db")
runbook = os.path.join(work, "demo.toml")
token = "page-load-token-0123456789abcdef"
token_file = os.path.join(work, "token")
with open(token_file, "w") as f:
    f.write(token + "\n")
os.chmod(token_file, 0o600)
tmux = f"page-load-{os.getpid()}"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime


def rss_mb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


class Viewer:
    def __init__(self):
        self.status = None
        self.bytes = 0
        self.ended = False
        self.writer = None


async def view(v, port):
    try:
        r, w = await asyncio.open_connection("127.0.0.1", port)
        v.writer = w
        w.write(f"GET /events HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer {token}\r\n"
                "Accept: text/event-stream\r\n\r\n".encode())
        head = await r.readuntil(b"\r\n\r\n")
        v.status = int(head.split(b" ", 2)[1])
        if v.status != 200:
            v.ended = True
            return
        while True:
            chunk = await r.read(65536)
            if not chunk:
                break
            v.bytes += len(chunk)
    except (OSError, asyncio.IncompleteReadError, ValueError):
        pass
    v.ended = True


async def main(port, serve_pid):
    viewers = [Viewer() for _ in range(n)]
    tasks = []
    for i, v in enumerate(viewers):
        tasks.append(asyncio.create_task(view(v, port)))
        if i % 50 == 49:
            await asyncio.sleep(0.05)
    await asyncio.sleep(SETTLE)
    hz = os.sysconf("SC_CLK_TCK")
    b0 = [v.bytes for v in viewers]
    c0, t0 = ticks(serve_pid), time.monotonic()
    notes = 0
    if note_every > 0:
        while time.monotonic() - t0 < seconds - note_every / 2:
            await asyncio.sleep(note_every)
            keys = ["tmux", "send-keys", "-t", tmux]
            subprocess.run(keys + [":"], check=True)
            subprocess.run(keys + ["-l", f"note load-{notes}"], check=True)
            subprocess.run(keys + ["Enter"], check=True)
            notes += 1
        await asyncio.sleep(max(0.0, seconds - (time.monotonic() - t0)))
    else:
        await asyncio.sleep(seconds)
    c1, t1 = ticks(serve_pid), time.monotonic()
    b1 = [v.bytes for v in viewers]
    wall = t1 - t0
    live = [i for i, v in enumerate(viewers) if v.status == 200 and not v.ended]
    rates = sorted((b1[i] - b0[i]) / wall for i in live)
    refused = sum(1 for v in viewers if v.status == 503)
    print(f"viewers: {n} asked, {len(live)} streaming to the end, {refused} refused (503), "
          f"{sum(1 for v in viewers if v.ended and v.status == 200)} ended early")
    if notes:
        print(f"notes typed: {notes}, one every {note_every:.0f} s")
    print(f"serve CPU: {(c1 - c0) / hz / wall * 100:.2f} % of one core over {wall:.0f} s; RSS {rss_mb(serve_pid):.1f} MB")
    if rates:
        print(f"bytes/s per viewer: mean {sum(rates) / len(rates):.0f}, "
              f"min {rates[0]:.0f}, p50 {rates[len(rates) // 2]:.0f}, max {rates[-1]:.0f}")
    for v in viewers:
        if v.writer:
            v.writer.close()
    for t in tasks:
        t.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


serve = None
try:
    subprocess.run(["tmux", "new-session", "-d", "-s", tmux, "-x", "160", "-y", "50",
                    f"{binary} demo --journal {journal}"], check=True)
    deadline = time.time() + 30
    while not (os.path.exists(journal) and os.path.exists(runbook)) and time.time() < deadline:
        time.sleep(0.1)
    if not os.path.exists(journal):
        sys.exit("the demo never created its journal")
    port = free_port()
    serve = subprocess.Popen([binary, "serve", runbook, "--journal", journal,
                              "--listen", f"127.0.0.1:{port}", "--token-file", token_file],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 30
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.1)
    print(f"demo in tmux, serve pid {serve.pid} on 127.0.0.1:{port}; {n} viewers for {seconds:.0f} s")
    asyncio.run(main(port, serve.pid))
finally:
    if serve:
        serve.terminate()
        serve.wait(10)
    subprocess.run(["tmux", "kill-session", "-t", tmux], capture_output=True)
    shutil.rmtree(work, ignore_errors=True)
