#!/bin/sh
# Stand-in for the orders database tooling: says what it would do.
# Usage: orders-cluster.sh snapshot|cdc-start|backfill|checksum|route|freeze|unfreeze|rollback|cdc-stop
set -eu
case "${1:-}" in
  snapshot)  echo "orders: point-in-time snapshot of orders-old taken" ;;
  cdc-start) echo "orders: change data capture orders-old -> orders-new started" ;;
  backfill)  echo "orders: historical orders copied for tenant segment ${WARROOM_STAGE:-all}" ;;
  checksum)  echo "orders: per-tenant checksums compared (old vs new)" ;;
  route)     echo "orders: tenants of stage ${WARROOM_STAGE:-?} now on orders-new (${WARROOM_PREVIOUS_EXPOSURE:-0}% -> ${WARROOM_EXPOSURE:-?}% of tenants)" ;;
  freeze)    echo "orders: tenant moves frozen (reason: ${WARROOM_REASON:-none})" ;;
  unfreeze)  echo "orders: tenant moves resumed" ;;
  rollback)  echo "orders: every tenant routed back to orders-old (was ${WARROOM_EXPOSURE:-?}%), by ${WARROOM_OPERATOR:-?}" ;;
  cdc-stop)  echo "orders: change data capture stopped; orders-old is read-only" ;;
  *) echo "usage: $0 snapshot|cdc-start|backfill|checksum|route|freeze|unfreeze|rollback|cdc-stop" >&2; exit 2 ;;
esac
echo "mode: ${WARROOM_MODE:-live}"
