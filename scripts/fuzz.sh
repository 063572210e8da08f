#!/usr/bin/env bash
# Fuzz every reader of untrusted text with libFuzzer (cargo fuzz, nightly),
# two targets at a time, SECONDS each (default 600). The committed seeds in
# fuzz/corpus/T are read; what libFuzzer finds grows in fuzz/work/T (not
# committed). Prints one line per target: executions, corpus size, crashes.
# Needs: rustup nightly toolchain, `cargo install cargo-fuzz`.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
secs=${1:-600}
targets=(runbook_load exposition_parse command_line journal_decode untrusted_text journal_rows)
cargo +nightly fuzz build -O
# Artifacts newer than this mark are this run's findings; older ones are
# kept for reproduction but not counted.
mark=$(mktemp)
trap 'rm -f "$mark"' EXIT
echo "machine: $(nproc) cores, $(uname -srm), $(date -u +%Y-%m-%dT%H:%MZ), ${secs} s per target"
run() {
  local t=$1 rc=0
  mkdir -p "work/$t"
  cargo +nightly fuzz run -O "$t" "$PWD/work/$t" "$PWD/corpus/$t" -- \
    -max_total_time="$secs" -print_final_stats=1 -rss_limit_mb=2048 >"work/$t.log" 2>&1 || rc=$?
  echo "$t: exit $rc"
  return $rc
}
status=0
for ((i = 0; i < ${#targets[@]}; i += 2)); do
  pids=()
  for t in "${targets[@]:i:2}"; do
    run "$t" &
    pids+=($!)
  done
  for p in "${pids[@]}"; do wait "$p" || status=1; done
done
for t in "${targets[@]}"; do
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "work/$t.log" | grep -o '[0-9]*$' || echo "?")
  # crash-, timeout-, oom-, leak- and slow-unit- files: anything found.
  found=$(find "artifacts/$t" -type f -newer "$mark" 2>/dev/null | wc -l)
  echo "$t: ${execs} executions in ${secs} s, corpus $(ls "work/$t" | wc -l) inputs, ${found} findings (crashes, timeouts, OOMs, leaks)"
done
exit $status
