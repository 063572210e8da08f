#!/bin/sh
# Stand-in for the billing routing tool: says what it would do.
# Usage: billing-segment.sh freeze|unfreeze|route|rollback
set -eu
case "${1:-}" in
  freeze)   echo "billing: freeze segment moves for ${WARROOM_CUTOVER:-?} (reason: ${WARROOM_REASON:-none})" ;;
  unfreeze) echo "billing: resume segment moves for ${WARROOM_CUTOVER:-?}" ;;
  route)    echo "billing: v2 is system of record for stage ${WARROOM_STAGE:-?} (${WARROOM_PREVIOUS_EXPOSURE:-0}% -> ${WARROOM_EXPOSURE:-?}% of customers)" ;;
  rollback) echo "billing: route every segment back to legacy (was ${WARROOM_EXPOSURE:-?}%), by ${WARROOM_OPERATOR:-?}" ;;
  *) echo "usage: $0 freeze|unfreeze|route|rollback" >&2; exit 2 ;;
esac
echo "mode: ${WARROOM_MODE:-live}"
