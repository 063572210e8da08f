#!/bin/sh
# Stand-in for the backfill job: says what it would do.
set -eu
echo "billing: backfill invoices older than the dual-write start into v2 (operator ${WARROOM_OPERATOR:-?}, mode ${WARROOM_MODE:-live})"
