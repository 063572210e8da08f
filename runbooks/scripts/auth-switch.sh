#!/bin/sh
# Stand-in for the login routing switch: says what it would do.
# Usage: auth-switch.sh new-idp|legacy
set -eu
echo "auth: route login.example.com to ${1:-?} (action ${WARROOM_ACTION:-?}, reason: ${WARROOM_REASON:-none}, operator ${WARROOM_OPERATOR:-?}, mode ${WARROOM_MODE:-live})"
