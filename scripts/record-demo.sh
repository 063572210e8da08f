#!/usr/bin/env bash
# Records the README's demo tour as an asciinema v2 cast (assets/demo.cast):
# the real release binary in tmux at 100x30, driven by send-keys, captured
# with script(1) and converted by scripts/typescript-to-cast.py.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
tmp=$(mktemp -d)
bin="$PWD/target/release/warroom"
tmux kill-session -t rec 2>/dev/null || true
tmux new-session -d -s rec -x 100 -y 30 \
  "cd $tmp && script -q --log-timing=$tmp/timing -c '$bin demo --as alice --journal $tmp/demo.db' $tmp/typescript"
k() { tmux send-keys -t rec "$@"; }
sleep 4
k ':sign go-live 1' Enter; sleep 1.5
k ':sign go-live 3' Enter; sleep 9
k b; sleep 2
k e; sleep 2.5; k y; sleep 22
k e; sleep 2.5; k y; sleep 4
k 1; sleep 12
k r; sleep 1; k 'error spike on the canary' Enter; sleep 2.5; k y; sleep 4
k q; sleep 1; k y; sleep 2
tmux kill-session -t rec 2>/dev/null || true
python3 scripts/typescript-to-cast.py "$tmp/timing" "$tmp/typescript" 100 30 > assets/demo.cast
echo "wrote assets/demo.cast ($(wc -c < assets/demo.cast) bytes); journal: $tmp/demo.db"
