"""What the blueprints share: the app's store and settings, and the shop a URL names."""

from __future__ import annotations

import re

from flask import abort, current_app, jsonify, request

from devstore.auth import Settings
from devstore.store import Store

SHOP_RE = re.compile(r"^[a-zA-Z0-9][a-zA-Z0-9-]*\.myshopify\.com$")
INVALID_TOKEN = {
    "errors": "[API] Invalid API key or access token (unrecognized login or wrong password)"
}


def get_store() -> Store:
    return current_app.config["DEVSTORE_STORE"]


def get_settings() -> Settings:
    return current_app.config["DEVSTORE_SETTINGS"]


def shop_or_404(shop: str) -> dict:
    if not SHOP_RE.match(shop):
        abort(404)
    doc = get_store().get("shop", shop)
    if doc is None:
        abort(404)
    return doc


def admin_base(shop: str) -> str:
    return f"{request.host_url.rstrip('/')}/store/{shop}/admin"


def ok(payload=None, status=200):
    """A /_devstore JSON answer: the payload, or {"ok": true}."""
    return jsonify(payload if payload is not None else {"ok": True}), status
