#!/bin/sh
# Stand-in for the dual-write flag: says what it would do.
set -eu
echo "billing: dual write ${1:-on} for ${WARROOM_CUTOVER:-?} (operator ${WARROOM_OPERATOR:-?}, mode ${WARROOM_MODE:-live})"
