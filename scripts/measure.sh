#!/usr/bin/env bash
# Steady-state CPU and terminal bytes, key-to-screen latency, pairing
# latency between two consoles, first frame and frame times with 500 panels
# of the real binary, plus the status quo (`watch curl`) measured the same
# way. Numbers go to docs/PERFORMANCE.md. Needs: script, watch, curl, python3.
#
#   scripts/measure.sh              everything above (about 3 minutes)
#   scripts/measure.sh PART         one of: demo first pairing panels fleet lock
#   scripts/measure.sh soak [MIN]   50 panels @ 1 s for MIN minutes (30): RSS trend
#   scripts/measure.sh pg [RUNS]    journal on PostgreSQL: append and pairing p99
#                                   over a Unix socket, plain TCP and TLS on
#                                   loopback, one server (scripts/pg-tls-cluster.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ ${1:-} == pg ]]; then
  # tests/journal_pg.rs two_consoles against each URL: 200 notes, one
  # transaction each, delivered to another console's follower.
  tmp=$(mktemp -d) && chmod 755 "$tmp"
  trap 'scripts/pg-tls-cluster.sh stop "$tmp/c" 2>/dev/null; rm -rf "$tmp"' EXIT
  PGTLS_PLAIN=1 scripts/pg-tls-cluster.sh start "$tmp/c" > "$tmp/urls"
  url() { sed -n "s/^$1=//p" "$tmp/urls"; }
  admin=$(url admin)
  echo "machine: $(nproc) cores, $(uname -srm), $(date -u +%Y-%m-%dT%H:%MZ), $(git describe --always --dirty)"
  for run in $(seq 1 "${2:-3}"); do
    for kind in socket plain tls; do
      db="pair_${kind}_$run"
      as_owner=(); [ "$(id -u)" -eq 0 ] && as_owner=(runuser -u postgres --)
      "${as_owner[@]}" $admin -qc "CREATE DATABASE $db"
      case $kind in
        socket) u=$(url socket_url) ;;
        plain) u=$(url plain_url) ;;
        tls) u=$(url tls_url) ;;
      esac
      u=${u/\/trial/\/$db}
      printf '%-6s run %s: ' "$kind" "$run"
      WARROOM_PG_PAIR_URL=$u cargo test --quiet --test journal_pg two_consoles -- --nocapture 2>&1 |
        sed -n 's/^postgres over [^:]*: //p'
    done
  done
  exit 0
fi
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
