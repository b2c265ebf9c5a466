"""Configuration: safe defaults for a laptop, every value overridable from the environment.

Embedded defaults: with no DATABASE_URL Relay uses a SQLite file under var/; with no REDIS_URL
every process (web, workers, CLI) reaches the one embedded Redis server of var/ by its unix
socket, started on first use (integrations/embedded_redis.py; dev.sh starts and stops it).

Secrets are never defaulted in production. `RELAY_ENV` is `production` unless it says
`development` (./scripts/dev.sh) or `test`; in production Relay refuses to start while a secret
is missing, is a known placeholder or is too short (`secret_problems`). In development and tests
a missing secret is made once at random and kept in var/dev-secrets.json, so every process on
the machine agrees on it and no secret is ever a constant written in the code.
"""

from __future__ import annotations

import json
import os
import secrets
import time
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
        "RELAY_ENV": _env("RELAY_ENV", "production"),
        # Flask's own secret (sessions, flashes). Portal links and tokens at rest have keys of
        # their own, so one leaked or guessed secret does not open the others.
        "SECRET_KEY": _env("SECRET_KEY"),
        # Signing keys of the supplier portal's magic links, newest first (rotation).
        "PORTAL_LINK_SECRETS": _env_list("PORTAL_LINK_SECRETS"),
        "APP_URL": (_env("APP_URL", "http://127.0.0.1:8000") or "").rstrip("/"),
        # Shopify app credentials (Partner dashboard / devstore `app add`).
        "SHOPIFY_API_KEY": _env("SHOPIFY_API_KEY", "relay-dev-client-id"),
        "SHOPIFY_API_SECRET": _env("SHOPIFY_API_SECRET"),
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
        # Stripe (integrations/stripe_api): the one seam is the API base, the Stripe stand-in
        # (standins/stripe, localstripe inside) in development and tests.
        "STRIPE_API_BASE": (_env("STRIPE_API_BASE", "https://api.stripe.com") or "").rstrip("/"),
        "STRIPE_SECRET_KEY": _env("STRIPE_SECRET_KEY"),
        "STRIPE_PUBLISHABLE_KEY": _env("STRIPE_PUBLISHABLE_KEY"),
        # One signing secret, or several separated by commas (Stripe gives the platform's
        # endpoint and its Connect endpoint a secret each).
        "STRIPE_WEBHOOK_SECRET": _env("STRIPE_WEBHOOK_SECRET"),
        "STRIPE_JS_URL": _env("STRIPE_JS_URL", "https://js.stripe.com/v3/"),
        # PayPal REST (integrations/paypal_api): the seam is the base URL; dev.sh and the
        # tests point it at the stand-in (standins/paypal), which accepts the same id/secret.
        "PAYPAL_API_BASE": (_env("PAYPAL_API_BASE", "https://api-m.paypal.com") or "").rstrip("/"),
        "PAYPAL_CLIENT_ID": _env("PAYPAL_CLIENT_ID"),
        "PAYPAL_CLIENT_SECRET": _env("PAYPAL_CLIENT_SECRET"),
        # The webhook's id at PayPal: part of what PayPal signs, checked on every event.
        "PAYPAL_WEBHOOK_ID": _env("PAYPAL_WEBHOOK_ID"),
        # The European Central Bank's daily reference rates (dev.sh points it at standins.ecb).
        "ECB_RATES_URL": _env(
            "ECB_RATES_URL", "https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml"
        ),
        # Mail (integrations/smtp.py): smtp://[user:password@]host[:port][?starttls=true] or
        # smtps:// (implicit TLS). Unset: mail waits in the outbox, "no SMTP server configured".
        "SMTP_URL": _env("SMTP_URL"),
        # The address Relay sends from; the shop's name is the sender's display name.
        "SMTP_FROM": _env("SMTP_FROM", "notifications@relay.localhost"),
        "SMTP_TIMEOUT": float(_env("SMTP_TIMEOUT", "15") or 15),
        # How often an open page asks for the bell's unread count (one indexed COUNT).
        "BELL_POLL_SECONDS": int(_env("BELL_POLL_SECONDS", "20") or 20),
    }


# Values that once shipped as defaults, or that dev.sh hands devstore: never a production secret.
KNOWN_PLACEHOLDERS = frozenset(
    {
        "dev-only-secret-change-me",
        "relay-dev-client-secret-not-for-production",
        "change-me",
        "secret",
    }
)
MIN_SECRET_LENGTH = 32
# (config key, environment variable, how a development value is made)
SECRETS = (
    ("SECRET_KEY", "SECRET_KEY", lambda: secrets.token_urlsafe(32)),
    ("SHOPIFY_API_SECRET", "SHOPIFY_API_SECRET", lambda: secrets.token_urlsafe(32)),
    ("PORTAL_LINK_SECRETS", "PORTAL_LINK_SECRETS", lambda: [secrets.token_urlsafe(32)]),
    ("TOKEN_ENCRYPTION_KEYS", "TOKEN_ENCRYPTION_KEYS", lambda: [_fernet_key()]),
    # localstripe takes any key starting sk_test_; the prefixes keep dev values recognisable.
    ("STRIPE_SECRET_KEY", "STRIPE_SECRET_KEY", lambda: "sk_test_" + secrets.token_hex(24)),
    ("STRIPE_WEBHOOK_SECRET", "STRIPE_WEBHOOK_SECRET", lambda: "whsec_" + secrets.token_hex(24)),
    ("PAYPAL_CLIENT_SECRET", "PAYPAL_CLIENT_SECRET", lambda: secrets.token_urlsafe(32)),
)


def _fernet_key() -> str:
    from cryptography.fernet import Fernet

    return Fernet.generate_key().decode()


def is_production(config: dict) -> bool:
    return not config.get("TESTING") and config.get("RELAY_ENV") not in ("development", "test")


def secret_problems(config: dict) -> list[str]:
    """What is wrong with the secrets for production, one sentence per variable."""
    problems = []
    for key, variable, _make in SECRETS:
        value = config.get(key)
        values = list(value) if isinstance(value, list | tuple) else [value] if value else []
        if not values:
            problems.append(f"{variable} is not set")
        elif any(v in KNOWN_PLACEHOLDERS for v in values):
            problems.append(f"{variable} is a placeholder value; set a random secret")
        elif key != "TOKEN_ENCRYPTION_KEYS" and any(len(v) < MIN_SECRET_LENGTH for v in values):
            problems.append(f"{variable} is shorter than {MIN_SECRET_LENGTH} characters")
    keys = config.get("PORTAL_LINK_SECRETS") or []
    if config.get("SECRET_KEY") and config["SECRET_KEY"] in keys:
        problems.append("PORTAL_LINK_SECRETS must differ from SECRET_KEY")
    return problems


def fill_development_secrets(config: dict, var_dir: Path) -> None:
    """Development and tests only: each missing secret comes from var/dev-secrets.json, made
    once (at random) by whichever process gets there first."""
    missing = [(key, make) for key, _variable, make in SECRETS if not config.get(key)]
    if not missing:
        return
    path = var_dir / "dev-secrets.json"
    var_dir.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        pass
    else:  # the first process: write them all at once, then everyone reads the same file
        made = {key: make() for key, _variable, make in SECRETS}
        with os.fdopen(fd, "w") as out:
            json.dump(made, out)
    for _ in range(100):  # another process may be between creating and writing the file
        try:
            stored = json.loads(path.read_text() or "null")
        except (OSError, ValueError):
            stored = None
        if stored:
            break
        time.sleep(0.05)
    else:
        raise RuntimeError(f"{path} is empty or unreadable; delete it and start again")
    if any(key not in stored for key, _make in missing):
        stored = _add_new_secrets(path)
    for key, _make in missing:
        config[key] = stored[key]


def _add_new_secrets(path: Path) -> dict:
    """A dev-secrets.json written before a secret was added to SECRETS gains it, once: under
    a lock, re-read, add what is missing, replace the file whole."""
    import fcntl

    with open(path.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        stored = json.loads(path.read_text())
        added = {key: make() for key, _variable, make in SECRETS if key not in stored}
        if added:
            stored.update(added)
            fresh = path.with_suffix(".new")
            fd = os.open(fresh, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as out:
                json.dump(stored, out)
            os.replace(fresh, path)
    return stored


class RefusedToStart(RuntimeError):
    """The configuration is unsafe to serve with; the message names the variables."""


def apply_secret_policy(config: dict) -> None:
    """Refuse to run in production on a missing or placeholder secret; fill them in dev."""
    if is_production(config):
        problems = secret_problems(config)
        if problems:
            raise RefusedToStart(
                "Relay refuses to start in production (RELAY_ENV=production): "
                + "; ".join(problems)
                + ". Set them in the environment (RELAY_ENV=development for a laptop)."
            )
    else:
        fill_development_secrets(config, Path(config.get("RELAY_VAR_DIR") or VAR_DIR))
