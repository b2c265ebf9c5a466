#!/usr/bin/env bash
# The README's first command: set up and run Relay against devstore (the local Shopify
# stand-in), install Relay into a seeded demo store, and print that store's admin URL.
# Embedded SQLite + embedded Redis unless DATABASE_URL / REDIS_URL are set. Ctrl-C stops all.
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
mkdir -p var/log

pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; wait 2>/dev/null || true; }
trap cleanup EXIT INT TERM

wait_for() {  # url, name
  for _ in $(seq 1 60); do curl -fs -o /dev/null "$1" && return 0; sleep 0.5; done
  echo "$2 did not start; see var/log/" >&2; exit 1
}

python -m devstore serve --port "$DEVSTORE_PORT" --db var/devstore.sqlite3 >var/log/devstore.log 2>&1 &
pids+=($!)
wait_for "${DEVSTORE_URL}/_devstore/health" devstore

flask --app app init-db >/dev/null
gunicorn --workers 2 --threads 4 --bind "127.0.0.1:${RELAY_PORT}" --access-logfile var/log/relay-access.log \
  'app:create_app()' >var/log/relay.log 2>&1 &
pids+=($!)
# Two workers: one only for urgent pushes (tracking, answers to Shopify), so a long backfill
# or sweep on the other never makes tracking wait behind it.
python -m jobs.worker --queues push >var/log/worker-push.log 2>&1 &
pids+=($!)
python -m jobs.worker >var/log/worker.log 2>&1 &
pids+=($!)
wait_for "${APP_URL}/healthz" Relay

python scripts/demo_setup.py --devstore "$DEVSTORE_URL" --retailer "$RETAILER" --supplier "$SUPPLIER"

cat <<MSG

Relay is running.
  Demo store admin (open this):  ${DEVSTORE_URL}/store/${RETAILER}/admin/apps/${SHOPIFY_API_KEY}
  Supplier store admin:          ${DEVSTORE_URL}/store/${SUPPLIER}/admin
  Logs:                          var/log/
Ctrl-C stops devstore, Relay and the workers.
MSG
wait
