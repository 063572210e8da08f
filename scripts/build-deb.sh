#!/usr/bin/env bash
# Build the Debian package into target/debian/: the release binary in
# /usr/bin, its man page and bash/zsh/fish completions (written here by
# the binary itself, so they always match it) in their standard places,
# the example runbooks with their scripts under
# /usr/share/doc/warroom/examples. Needs `cargo deb` (cargo install
# cargo-deb --locked); nothing is downloaded at run time.
# Prints the path of the .deb on its last line.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release
bin="${CARGO_TARGET_DIR:-target}/release/warroom"
assets=target/deb-assets
rm -rf "$assets"
mkdir -p "$assets"
"$bin" man | gzip -9n >"$assets/warroom.1.gz"
"$bin" completions bash >"$assets/warroom.bash"
"$bin" completions zsh >"$assets/_warroom"
"$bin" completions fish >"$assets/warroom.fish"
# Stripped: 98 MB with the release profile's line tables, 18.5 MB without;
# a bastion host wants the small one (build from source for backtraces
# with line numbers).
cargo deb --no-build --strip "$@" | tail -n 1
