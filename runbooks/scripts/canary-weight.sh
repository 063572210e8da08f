#!/bin/sh
# Stand-in for the load balancer weight API: says what it would do.
# Usage: canary-weight.sh hold|release|set|zero
set -eu
case "${1:-}" in
  hold)    echo "lb: hold canary weight at ${WARROOM_EXPOSURE:-?}% (reason: ${WARROOM_REASON:-none})" ;;
  release) echo "lb: weight changes allowed again" ;;
  set)     echo "lb: canary weight ${WARROOM_PREVIOUS_EXPOSURE:-0}% -> ${WARROOM_EXPOSURE:-?}% (stage ${WARROOM_STAGE:-?})" ;;
  zero)    echo "lb: canary weight ${WARROOM_EXPOSURE:-?}% -> 0%, all traffic to stable" ;;
  *) echo "usage: $0 hold|release|set|zero" >&2; exit 2 ;;
esac
echo "operator ${WARROOM_OPERATOR:-?}, mode ${WARROOM_MODE:-live}"
