#!/bin/sh
# Stand-in for the IdP import tool: says what it would do.
# Usage: auth-migrate.sh users|hashes
set -eu
case "${1:-}" in
  users)  echo "auth: import users and OAuth clients into the new IdP" ;;
  hashes) echo "auth: re-hash passwords to argon2id, then drop legacy bcrypt hashes" ;;
  *) echo "usage: $0 users|hashes" >&2; exit 2 ;;
esac
echo "operator ${WARROOM_OPERATOR:-?}, mode ${WARROOM_MODE:-live}"
