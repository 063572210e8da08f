#!/bin/sh
# Stand-in for the user database snapshot: says what it would do.
set -eu
echo "auth: snapshot users database for ${WARROOM_CUTOVER:-?} (operator ${WARROOM_OPERATOR:-?}, mode ${WARROOM_MODE:-live})"
