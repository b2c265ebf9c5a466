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
STRIPE_STANDIN_PORT=${STRIPE_STANDIN_PORT:-8766}
RELAY_PORT=${RELAY_PORT:-8000}
DEVSTORE_URL="http://127.0.0.1:${DEVSTORE_PORT}"
PAYPAL_STANDIN_PORT=${PAYPAL_STANDIN_PORT:-8767}
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
# PayPal: the stand-in (standins/paypal) accepts the client id/secret Relay has; the secret is
# the development one of var/dev-secrets.json unless PAYPAL_CLIENT_SECRET is set.
export PAYPAL_API_BASE="http://127.0.0.1:${PAYPAL_STANDIN_PORT}"
export PAYPAL_CLIENT_ID=${PAYPAL_CLIENT_ID:-relay-dev-paypal-client-id}
export PAYPAL_WEBHOOK_ID=${PAYPAL_WEBHOOK_ID:-WH-RELAYDEV0000000000000000}
if [ -z "${PAYPAL_CLIENT_SECRET:-}" ]; then
  PAYPAL_CLIENT_SECRET=$(python -c 'import config; c = {}
config.fill_development_secrets(c, config.VAR_DIR); print(c["PAYPAL_CLIENT_SECRET"])')
  export PAYPAL_CLIENT_SECRET
fi

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

# Stripe: the stand-in (standins/stripe, localstripe inside) unless STRIPE_API_BASE names a
# real Stripe. Its webhooks are signed with Relay's own STRIPE_WEBHOOK_SECRET: made here once
# (var/dev-secrets.json, before any other process reads that file) and exported to everyone.
if [ -z "${STRIPE_API_BASE:-}" ]; then
  STRIPE_WEBHOOK_SECRET=${STRIPE_WEBHOOK_SECRET:-$(python - <<'PY'
from pathlib import Path
import os
from config import fill_development_secrets
config = {}
fill_development_secrets(config, Path(os.environ["RELAY_VAR_DIR"]))
print(config["STRIPE_WEBHOOK_SECRET"])
PY
)}
  export STRIPE_WEBHOOK_SECRET
  export STRIPE_API_BASE="http://127.0.0.1:${STRIPE_STANDIN_PORT}"
  export STRIPE_JS_URL="${STRIPE_API_BASE}/js.stripe.com/v3/"
  export STRIPE_PUBLISHABLE_KEY=${STRIPE_PUBLISHABLE_KEY:-pk_test_relay_development}
  python -m standins.stripe serve --port "$STRIPE_STANDIN_PORT" --state "$VAR_DIR/stripe-standin.pickle" >"$VAR_DIR/log/stripe-standin.log" 2>&1 &
  pids+=($!)
  wait_for "${STRIPE_API_BASE}/_standin/health" "the Stripe stand-in"
  curl -fsS -o /dev/null -X POST "${STRIPE_API_BASE}/_config/webhooks/relay" \
    --data-urlencode "url=${APP_URL}/webhooks/stripe" --data-urlencode "secret=${STRIPE_WEBHOOK_SECRET}"
fi
# Reads PAYPAL_CLIENT_ID/SECRET from the environment (never on the command line).
python -m standins.paypal serve --port "$PAYPAL_STANDIN_PORT" --db "$VAR_DIR/paypal-standin.sqlite3" >"$VAR_DIR/log/paypal-standin.log" 2>&1 &
pids+=($!)
wait_for "${PAYPAL_API_BASE}/_standin/health" "PayPal stand-in"
python -m standins.paypal merchant add supplier@demo-supplier.example >/dev/null  # the demo supplier's PayPal
python -m standins.paypal webhook add "${APP_URL}/webhooks/paypal" --id "$PAYPAL_WEBHOOK_ID" >/dev/null

# --- Exchange rates (issue 15): the ECB's daily reference rates, served by standins.ecb ---
ECB_STANDIN_PORT=${ECB_STANDIN_PORT:-8768}
python -m standins.ecb serve --port "$ECB_STANDIN_PORT" >"$VAR_DIR/log/ecb.log" 2>&1 &
pids+=($!)  # stopped by cleanup with the others
export ECB_RATES_URL="http://127.0.0.1:${ECB_STANDIN_PORT}/stats/eurofxref/eurofxref-daily.xml"
wait_for "http://127.0.0.1:${ECB_STANDIN_PORT}/_ecb/health" "ECB stand-in"
# --- end of exchange rates ---

# --- Mail (issue 16): a real SMTP server with a web inbox (standins/mailbox); the inbox is
# kept under var/mail, so a restart keeps what Relay sent ---
MAILBOX_SMTP_PORT=${MAILBOX_SMTP_PORT:-8769}
MAILBOX_WEB_PORT=${MAILBOX_WEB_PORT:-8770}
python -m standins.mailbox serve --smtp-port "$MAILBOX_SMTP_PORT" --web-port "$MAILBOX_WEB_PORT" \
  --store "$VAR_DIR/mail" >"$VAR_DIR/log/mailbox.log" 2>&1 &
pids+=($!)
MAILBOX_URL="http://127.0.0.1:${MAILBOX_WEB_PORT}/"
wait_for "${MAILBOX_URL}_mailbox/health" "the mailbox (SMTP stand-in)"
export SMTP_URL="smtp://127.0.0.1:${MAILBOX_SMTP_PORT}"
# --- end of mail ---

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
  Stripe:                        ${STRIPE_API_BASE} (cards: 4242 4242 4242 4242 pays,
                                 4000 0000 0000 0002 is declined, 4000 0027 6000 3184 asks 3-D Secure)
  PayPal:                        ${PAYPAL_API_BASE} (buyers: any e-mail; declined@buyer.example is declined)
  Inbox (every email Relay sends): ${MAILBOX_URL}
  Logs:                          ${VAR_DIR}/log/
Ctrl-C stops devstore, the Stripe, PayPal, ECB and mail stand-ins, Relay, the workers
and the embedded Redis (its data and the inbox are kept).
MSG
wait
