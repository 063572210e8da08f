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
cargo deb --no-build "$@" | tail -n 1
