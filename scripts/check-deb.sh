#!/usr/bin/env bash
# Install a warroom .deb into a clean root and use it from there: every
# file in its standard place, `warroom --version` naming this checkout's
# commit, `warroom check` passing on every installed example runbook.
# As root: `dpkg --root=DIR -i` into an empty dpkg database (the host's
# own packages are never touched); otherwise `dpkg-deb -x` (unpacked, not
# installed), said on stderr.
set -euo pipefail
deb=${1:?usage: scripts/check-deb.sh PATH.deb}
cd "$(dirname "$0")/.."
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
fail() { echo "check-deb: $*" >&2; exit 1; }

if [ "$(id -u)" -eq 0 ]; then
  mkdir -p "$root/var/lib/dpkg/info" "$root/var/lib/dpkg/updates"
  : >"$root/var/lib/dpkg/status"
  : >"$root/var/lib/dpkg/available"
  # The clean root has no libc6 package registered; the host's libc runs
  # the binary, so the dependency is forced, nothing else.
  dpkg --root="$root" --log=/dev/null --force-depends -i "$deb"
  dpkg --root="$root" -s warroom | grep -q '^Status: install ok installed' ||
    fail "dpkg does not list warroom as installed"
else
  echo "check-deb: not root: unpacking with dpkg-deb -x instead of dpkg -i" >&2
  dpkg-deb -x "$deb" "$root"
fi

for f in usr/bin/warroom \
  usr/share/man/man1/warroom.1.gz \
  usr/share/bash-completion/completions/warroom \
  usr/share/zsh/vendor-completions/_warroom \
  usr/share/fish/vendor_completions.d/warroom.fish \
  usr/share/doc/warroom/RUNBOOK.md; do
  [ -s "$root/$f" ] || fail "missing from the package: /$f"
done
zcat "$root/usr/share/man/man1/warroom.1.gz" | grep -q '^\.TH warroom' || fail "not a man page"
grep -q 'complete' "$root/usr/share/bash-completion/completions/warroom" || fail "bash completion empty"

wr="$root/usr/bin/warroom"
version=$("$wr" --version)
echo "installed: $version"
commit=$(git rev-parse --short HEAD 2>/dev/null || echo unknown)
case "$version" in
  *"commit $commit"*) ;;
  *) fail "--version does not name commit $commit: $version" ;;
esac

shopt -s nullglob
examples=("$root"/usr/share/doc/warroom/examples/*.toml)
[ "${#examples[@]}" -gt 0 ] || fail "no example runbooks under /usr/share/doc/warroom/examples"
for rb in "${examples[@]}"; do
  "$wr" --no-color check "$rb"
done
echo "check-deb: ${#examples[@]} installed examples pass \`warroom check\`"
