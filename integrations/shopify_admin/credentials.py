"""The app's own credentials, as configured: what Relay proves itself to Shopify with."""

from __future__ import annotations

from flask import current_app


def api_secrets() -> list[str]:
    """The app's API secret, then the previous one (empty when none): Shopify signs webhooks,
    install links and ID tokens with either for a while after a rotation."""
    config = current_app.config
    return [config["SHOPIFY_API_SECRET"], config.get("SHOPIFY_API_SECRET_PREVIOUS") or ""]
