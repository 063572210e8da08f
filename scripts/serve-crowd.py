#!/usr/bin/env python3
"""`warroom serve` under a crowd, on loopback: file descriptors and memory.

Builds a journal of EVENTS events (a rehearsal opened in tmux, then note
rows added with sqlite3), starts `warroom serve` on it and measures its
open descriptors and RSS (from /proc) at rest, during and after:

1. slowloris: SLOW connections from 127.0.0.1, each sending half a
   request and then one more header byte every 5 s, held for HOLD seconds;
   meanwhile a valid viewer from 127.0.0.2 asks for the page (its status
   and time are printed);
2. report flood: REPORTS parallel GET /report.html (statuses counted,
   peak RSS sampled every 100 ms), then RSS 10 s later.

  scripts/serve-crowd.py BINARY [SLOW=5000] [HOLD=20] [REPORTS=30] [EVENTS=100000]

Loopback only, bounded in count and time (every socket is closed and the
server stopped at the end). Numbers go to docs/RELIABILITY.md.
"""
import os
import resource
import shutil
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

if len(sys.argv) < 2:
    sys.exit(__doc__)
binary = os.path.abspath(sys.argv[1])
slow_n = int(sys.argv[2]) if len(sys.argv) > 2 else 5000
hold = int(sys.argv[3]) if len(sys.argv) > 3 else 20
reports = int(sys.argv[4]) if len(sys.argv) > 4 else 30
events = int(sys.argv[5]) if len(sys.argv) > 5 else 100000
root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

work = tempfile.mkdtemp(prefix="serve-crowd-")
rb = os.path.join(work, "billing.toml")
shutil.copy(os.path.join(root, "runbooks/billing-phased.toml"), rb)
journal = os.path.join(work, "rehearsal-1.db")
token_file = os.path.join(work, "token")
with open(token_file, "w") as f:
    f.write("crowd-token-0123456789abcdef\n")
os.chmod(token_file, 0o600)
token = "crowd-token-0123456789abcdef"


def sh(*args):
    subprocess.run(args, check=True, capture_output=True)


# A real session, then EVENTS notes appended as rows.
tmux = f"serve-crowd-{os.getpid()}"
sh("tmux", "new-session", "-d", "-s", tmux, "-x", "120", "-y", "40",
   f"{binary} rehearse {rb} --journal {journal} --as alice")
deadline = time.time() + 30
while not os.path.exists(journal) and time.time() < deadline:
    time.sleep(0.1)
time.sleep(1.5)
sh("tmux", "send-keys", "-t", tmux, "q")
sh("tmux", "send-keys", "-t", tmux, "y")
deadline = time.time() + 30
while time.time() < deadline:
    if subprocess.run(["tmux", "has-session", "-t", tmux], capture_output=True).returncode:
        break
    time.sleep(0.1)
subprocess.run(["tmux", "kill-session", "-t", tmux], capture_output=True)
db = sqlite3.connect(journal)
last = db.execute("SELECT max(seq) FROM events").fetchone()[0]
db.executemany(
    "INSERT INTO events(seq, ts, operator, kind, data) VALUES (?, '2026-12-04T10:00:00Z', 'alice', 'note', ?)",
    ((last + i, '{"text":"reading %d looks fine, nothing to do"}' % i) for i in range(1, events + 1)))
db.commit()
db.close()

port_sock = socket.socket()
port_sock.bind(("127.0.0.1", 0))
port = port_sock.getsockname()[1]
port_sock.close()
server = subprocess.Popen(
    [binary, "serve", rb, "--journal", journal, "--listen", f"127.0.0.1:{port}",
     "--token-file", token_file],
    stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
pid = server.pid


def fds():
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return -1


def rss_mb():
    try:
        for line in open(f"/proc/{pid}/status"):
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) // 1024
    except OSError:
        pass
    return -1


def viewer(path="/", source="127.0.0.2", timeout=30):
    """Status and seconds of one GET from `source`."""
    t = time.time()
    s = socket.socket()
    s.settimeout(timeout)
    try:
        s.bind((source, 0))
        s.connect(("127.0.0.1", port))
        s.sendall(f"GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {token}\r\n"
                  f"Connection: close\r\n\r\n".encode())
        first = s.recv(64)
        while s.recv(1 << 16):
            pass
        status = int(first.split(b" ")[1]) if first else 0
    except (OSError, ValueError, IndexError):
        status = 0
    finally:
        s.close()
    return status, time.time() - t


deadline = time.time() + 30
while viewer(timeout=2)[0] != 200 and time.time() < deadline:
    time.sleep(0.2)
print(f"server pid {pid}, journal of {events + last} events")
print(f"rest:        fds {fds():6}  RSS {rss_mb():5} MB")

# 1. slowloris
half = b"GET / HTTP/1.1\r\nHost: x\r\nX-a: "
conns = []
for i in range(slow_n):
    s = socket.socket()
    s.setblocking(False)
    try:
        s.connect_ex(("127.0.0.1", port))
        conns.append(s)
    except OSError:
        s.close()
        break
time.sleep(0.5)
for s in conns:
    try:
        s.send(half)
    except OSError:
        pass
peak_fds, peak_rss = fds(), rss_mb()
status, secs = viewer()
print(f"slowloris:   {len(conns)} half-sent connections; viewer from 127.0.0.2: HTTP {status} in {secs:.2f} s")
start = time.time()
while time.time() - start < hold:
    time.sleep(5)
    for s in conns:
        try:
            s.send(b"a")
        except OSError:
            pass
    peak_fds, peak_rss = max(peak_fds, fds()), max(peak_rss, rss_mb())
open_ = 0
for s in conns:
    try:
        s.send(b"a")
        open_ += 1
    except OSError:
        pass
print(f"  during:    fds {peak_fds:6}  RSS {peak_rss:5} MB (peak); after {hold} s still open on our side: {open_}")
for s in conns:
    s.close()
time.sleep(3)
print(f"  after:     fds {fds():6}  RSS {rss_mb():5} MB")

# 2. report flood
results = []
peak = [rss_mb()]
stop = threading.Event()


def sample():
    while not stop.is_set():
        peak[0] = max(peak[0], rss_mb())
        time.sleep(0.1)


def ask():
    results.append(viewer("/report.html", "127.0.0.1", timeout=600))


sampler = threading.Thread(target=sample)
sampler.start()
t0 = time.time()
threads = [threading.Thread(target=ask) for _ in range(reports)]
for t in threads:
    t.start()
for t in threads:
    t.join()
stop.set()
sampler.join()
codes = {}
for status, _ in results:
    codes[status] = codes.get(status, 0) + 1
slowest = max(s for _, s in results)
print(f"reports:     {reports} parallel /report.html in {time.time() - t0:.1f} s: {codes}; slowest {slowest:.1f} s")
print(f"  during:    RSS {peak[0]:5} MB (peak)")
time.sleep(10)
print(f"  10 s later: fds {fds():5}  RSS {rss_mb():5} MB")

server.terminate()
server.wait(timeout=10)
shutil.rmtree(work, ignore_errors=True)
