"""Configuration: safe defaults for a laptop, every value overridable from the environment.

Embedded defaults: with no DATABASE_URL Relay uses a SQLite file under var/; with no REDIS_URL
every process (web, workers, CLI) reaches the one embedded Redis server of var/ by its unix
socket, started on first use (integrations/embedded_redis.py; dev.sh starts and stops it).
"""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VAR_DIR = Path(os.environ.get("RELAY_VAR_DIR", ROOT / "var"))

# The scopes Relay asks for: orders (read/write), the fulfillment orders it is assigned as a
# fulfillment service and those it requests from others, and fulfillments for tracking.
DEFAULT_SCOPES = ",".join(
    [
        "read_orders",
        "write_orders",
        "read_products",
        "write_fulfillments",
        "read_assigned_fulfillment_orders",
        "write_assigned_fulfillment_orders",
        "read_merchant_managed_fulfillment_orders",
        "write_merchant_managed_fulfillment_orders",
        "read_third_party_fulfillment_orders",
        "write_third_party_fulfillment_orders",
    ]
)


def _env(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return value if value not in (None, "") else default


def _env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in (_env(name, default) or "").split(",") if item.strip()]


def load_config() -> dict:
    """Read the environment once, at app creation."""
    return {
        "SECRET_KEY": _env("SECRET_KEY", "dev-only-secret-change-me"),
        "APP_URL": (_env("APP_URL", "http://127.0.0.1:8000") or "").rstrip("/"),
        # Shopify app credentials (Partner dashboard / devstore `app add`).
        "SHOPIFY_API_KEY": _env("SHOPIFY_API_KEY", "relay-dev-client-id"),
        "SHOPIFY_API_SECRET": _env(
            "SHOPIFY_API_SECRET", "relay-dev-client-secret-not-for-production"
        ),
        # During a secret rotation Shopify may still sign with the old secret for up to an hour.
        "SHOPIFY_API_SECRET_PREVIOUS": _env("SHOPIFY_API_SECRET_PREVIOUS"),
        "SHOPIFY_SCOPES": _env("SHOPIFY_SCOPES", DEFAULT_SCOPES),
        "SHOPIFY_API_VERSION": _env("SHOPIFY_API_VERSION", "2026-07"),
        # The seam: https://{shop} on Shopify, http://127.0.0.1:8765/store/{shop} on devstore.
        "SHOPIFY_SHOP_URL_TEMPLATE": _env("SHOPIFY_SHOP_URL_TEMPLATE", "https://{shop}"),
        # Origins allowed to frame Relay besides the shop itself (CSP frame-ancestors).
        "SHOPIFY_ADMIN_ORIGINS": _env_list("SHOPIFY_ADMIN_ORIGINS", "https://admin.shopify.com"),
        "APP_BRIDGE_URL": _env(
            "APP_BRIDGE_URL", "https://cdn.shopify.com/shopifycloud/app-bridge.js"
        ),
        "SQLALCHEMY_DATABASE_URI": _env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'relay.sqlite3'}"),
        "REDIS_URL": _env("REDIS_URL"),
        # With no REDIS_URL: the one embedded Redis of this var/ (its socket: var/redis.sock).
        "EMBEDDED_REDIS_DIR": str(VAR_DIR),
        # Fernet keys, newest first; older keys still decrypt during a rotation.
        "TOKEN_ENCRYPTION_KEYS": _env_list("TOKEN_ENCRYPTION_KEYS"),
        "WEBHOOK_MAX_BYTES": int(_env("WEBHOOK_MAX_BYTES", str(1024 * 1024)) or 0),
        "RQ_QUEUE_PREFIX": _env("RQ_QUEUE_PREFIX", ""),
    }
