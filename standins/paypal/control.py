"""/_standin control routes (no PayPal equivalent): health, merchants, webhooks, deliveries,
reset. Development and tests use them; Relay never does."""

from __future__ import annotations

from flask import Blueprint, jsonify, request

from standins.paypal import server
from standins.paypal.ids import new_id
from standins.paypal.orders import PLATFORM_EMAIL

bp = Blueprint("control", __name__, url_prefix="/_standin")


def ensure_default_merchants(store) -> None:
    store.add_merchant(PLATFORM_EMAIL, new_id(13))


@bp.get("/health")
def health():
    return jsonify({"ok": True, "service": "paypal-standin"})


@bp.post("/merchants")
def add_merchant():
    body = request.get_json(silent=True) or {}
    email = str(body.get("email") or "").strip()
    if "@" not in email:
        return jsonify({"error": "email is required"}), 400
    merchant_id = server.store().add_merchant(email, str(body.get("merchant_id") or new_id(13)))
    return jsonify({"email_address": email.lower(), "merchant_id": merchant_id}), 201


@bp.get("/merchants")
def list_merchants():
    return jsonify({"merchants": server.store().merchants()})


@bp.post("/webhooks")
def add_webhook():
    """Configure a webhook: {"url": ..., "id": optional}; answers PayPal's webhook id."""
    body = request.get_json(silent=True) or {}
    url = str(body.get("url") or "")
    if not url.startswith(("http://", "https://")):
        return jsonify({"error": "url must be http(s)"}), 400
    webhook_id = str(body.get("id") or new_id())
    server.store().add_webhook(webhook_id, url)
    return jsonify({"id": webhook_id, "url": url}), 201


@bp.get("/webhooks/deliveries")
def deliveries():
    return jsonify({"deliveries": server.store().deliveries()})


@bp.post("/reset")
def reset():
    server.store().reset()
    return jsonify({"ok": True})
