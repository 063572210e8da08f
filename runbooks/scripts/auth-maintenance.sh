#!/bin/sh
# Stand-in for the login maintenance toggle: says what it would do.
set -eu
echo "auth: maintenance notice ${1:-on}, sign-ups $( [ "${1:-on}" = on ] && echo frozen || echo open ) (operator ${WARROOM_OPERATOR:-?}, mode ${WARROOM_MODE:-live})"
