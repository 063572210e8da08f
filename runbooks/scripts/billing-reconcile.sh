#!/bin/sh
# Stand-in for the reconciler's full pass: says what it would do.
set -eu
echo "billing: full reconciliation legacy vs v2, all segments (operator ${WARROOM_OPERATOR:-?}, mode ${WARROOM_MODE:-live})"
