#!/usr/bin/env bash
# Steady-state CPU and terminal bytes, key-to-screen latency, pairing
# latency between two consoles, first frame and frame times with 500 panels
# of the real binary, plus the status quo (`watch curl`) measured the same
# way. Numbers go to docs/PERFORMANCE.md. Needs: script, watch, curl, python3.
#
#   scripts/measure.sh              everything above (about 3 minutes)
#   scripts/measure.sh PART         one of: demo first pairing panels fleet lock
#   scripts/measure.sh soak [MIN]   50 panels @ 1 s for MIN minutes (30): RSS trend
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
cargo build --release --quiet --example measure
echo "machine: $(nproc) cores, $(uname -srm), $(date -u +%Y-%m-%dT%H:%MZ), $(git describe --always --dirty)"
if [[ ${1:-} == soak ]]; then
  exec ./target/release/examples/measure soak ./target/release/warroom "${2:-30}"
fi
./target/release/examples/measure ./target/release/warroom ${1:+"$1"}
[[ -n ${1:-} ]] && exit 0

# Status quo: `watch -n1 curl -s .../metrics` at 120x40, through `script`
# so the bytes a terminal would receive are counted.
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT
for i in $(seq 1 60); do echo "http_requests_total{code=\"200\",track=\"canary\"} $((i*100))"; done > "$tmp/metrics"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
(cd "$tmp" && python3 -m http.server "$port" --bind 127.0.0.1 >/dev/null 2>&1) &
sleep 1
stty_cmd="stty rows 40 cols 120; exec watch -n1 curl -s http://127.0.0.1:$port/metrics"
script -qfc "$stty_cmd" "$tmp/typescript" >/dev/null 2>&1 &
spid=$!
sleep 5
# `script` runs the shell that execs watch: its child, not anyone's watch.
wpid=$(pgrep -x watch -P "$spid")
b0=$(stat -c %s "$tmp/typescript"); c0=$(awk '{print $14+$15+$16+$17}' /proc/$wpid/stat)
sleep 20
b1=$(stat -c %s "$tmp/typescript"); c1=$(awk '{print $14+$15+$16+$17}' /proc/$wpid/stat)
echo "status quo (watch -n1 curl, 120x40): $(( (b1-b0)/20 )) bytes/s, $(awk "BEGIN {printf \"%.2f\", ($c1-$c0)/20}") % of one core (watch + reaped curl children)"
