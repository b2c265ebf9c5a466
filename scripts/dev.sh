#!/usr/bin/env bash
# The README's first command: set up and run Relay against devstore (the local Shopify
# stand-in), install Relay into a seeded demo store, and print that store's admin URL.
# Embedded SQLite + embedded Redis unless DATABASE_URL / REDIS_URL are set. Ctrl-C stops all.
# The embedded Redis is one redis-server for the var/ directory (RELAY_VAR_DIR), reached by
# every process through var/redis.sock and shut down with SHUTDOWN SAVE when this script exits.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/bootstrap.sh
# shellcheck disable=SC1091
. .venv/bin/activate

DEVSTORE_PORT=${DEVSTORE_PORT:-8765}
RELAY_PORT=${RELAY_PORT:-8000}
DEVSTORE_URL="http://127.0.0.1:${DEVSTORE_PORT}"
RETAILER=${RETAILER:-demo-retailer.myshopify.com}
SUPPLIER=${SUPPLIER:-demo-supplier.myshopify.com}
# Development: missing secrets are made at random once and kept in var/dev-secrets.json.
export RELAY_ENV=${RELAY_ENV:-development}
export APP_URL="http://127.0.0.1:${RELAY_PORT}"
export SHOPIFY_API_KEY=${SHOPIFY_API_KEY:-relay-dev-client-id}
export SHOPIFY_API_SECRET=${SHOPIFY_API_SECRET:-relay-dev-client-secret-not-for-production}
export SHOPIFY_SHOP_URL_TEMPLATE="${DEVSTORE_URL}/store/{shop}"
export SHOPIFY_ADMIN_ORIGINS="${DEVSTORE_URL}"
export APP_BRIDGE_URL="${DEVSTORE_URL}/cdn/shopifycloud/app-bridge.js"
mkdir -p "${RELAY_VAR_DIR:-var}/log"
VAR_DIR=$(cd "${RELAY_VAR_DIR:-var}" && pwd)  # absolute: SQLite and the socket need it
export RELAY_VAR_DIR="$VAR_DIR"

pids=()
embedded_redis=""
cleanup() {
  trap - EXIT INT TERM
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  # After every process that uses it has stopped: SHUTDOWN SAVE keeps the queues and jobs.
  if [ -n "$embedded_redis" ]; then
    python -m integrations.embedded_redis stop --var-dir "$VAR_DIR" || true
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_for() {  # url, name
  for _ in $(seq 1 60); do curl -fs -o /dev/null "$1" && return 0; sleep 0.5; done
  echo "$2 did not start; see $VAR_DIR/log/" >&2; exit 1
}

if [ -z "${REDIS_URL:-}" ]; then
  # One server, started here once; the web, the workers and the flask CLI all reach it.
  embedded_redis=1
  REDIS_URL=$(python -m integrations.embedded_redis start --var-dir "$VAR_DIR")
  export REDIS_URL
fi

python -m devstore serve --port "$DEVSTORE_PORT" --db "$VAR_DIR/devstore.sqlite3" >"$VAR_DIR/log/devstore.log" 2>&1 &
pids+=($!)
wait_for "${DEVSTORE_URL}/_devstore/health" devstore

# --- Exchange rates (issue 15): the ECB's daily reference rates, served by standins.ecb ---
ECB_STANDIN_PORT=${ECB_STANDIN_PORT:-8768}
python -m standins.ecb serve --port "$ECB_STANDIN_PORT" >"$VAR_DIR/log/ecb.log" 2>&1 &
pids+=($!)  # stopped by cleanup with the others
export ECB_RATES_URL="http://127.0.0.1:${ECB_STANDIN_PORT}/stats/eurofxref/eurofxref-daily.xml"
wait_for "http://127.0.0.1:${ECB_STANDIN_PORT}/_ecb/health" "ECB stand-in"
# --- end of exchange rates ---

flask --app app init-db >/dev/null
gunicorn --workers 2 --threads 4 --bind "127.0.0.1:${RELAY_PORT}" --access-logfile "$VAR_DIR/log/relay-access.log" \
  'app:create_app()' >"$VAR_DIR/log/relay.log" 2>&1 &
pids+=($!)
# Two workers: one only for urgent pushes (tracking, answers to Shopify), so a long backfill
# or sweep on the other never makes tracking wait behind it.
python -m jobs.worker --queues push >"$VAR_DIR/log/worker-push.log" 2>&1 &
pids+=($!)
python -m jobs.worker >"$VAR_DIR/log/worker.log" 2>&1 &
pids+=($!)
wait_for "${APP_URL}/healthz" Relay

python scripts/demo_setup.py --devstore "$DEVSTORE_URL" --retailer "$RETAILER" --supplier "$SUPPLIER"

cat <<MSG

Relay is running.
  Demo store admin (open this):  ${DEVSTORE_URL}/store/${RETAILER}/admin/apps/${SHOPIFY_API_KEY}
  Supplier store admin:          ${DEVSTORE_URL}/store/${SUPPLIER}/admin
  Logs:                          ${VAR_DIR}/log/
Ctrl-C stops devstore, Relay, the workers and the embedded Redis (its data is kept).
MSG
wait
