#!/bin/sh
# Stand-in for the deploy pipeline: says what it would do.
set -eu
echo "deploy: orders-api v3 canary pods at 0% weight for ${WARROOM_CUTOVER:-?} (operator ${WARROOM_OPERATOR:-?}, mode ${WARROOM_MODE:-live})"
