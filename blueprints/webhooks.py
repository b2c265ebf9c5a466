"""Shopify → Relay: webhooks and fulfillment-service callbacks. Fast: verify, record, enqueue."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from domain.webhooks import intake as webhook_intake
from domain.webhooks.intake import Outcome
from integrations.shopify_admin.webhooks import Rejection, read_delivery

bp = Blueprint("webhooks", __name__)
# Shopify retries anything but 2xx: a delivery kept (or kept before) is acknowledged.
ANSWERS = {
    Outcome.ACCEPTED: (200, "accepted"),
    Outcome.DUPLICATE: (200, "duplicate delivery, already recorded"),
    Rejection.FORGED: (401, "HMAC verification failed"),
    Rejection.MISSING_HEADERS: (400, "missing X-Shopify headers"),
    Rejection.BAD_SHOP: (400, "X-Shopify-Shop-Domain is not a shop domain"),
    Rejection.BAD_JSON: (400, "body is not a JSON object"),
    Rejection.BAD_HEADERS: (400, "an X-Shopify header is too long or holds control characters"),
}


def _read_body() -> bytes | None:
    limit = current_app.config["WEBHOOK_MAX_BYTES"]
    if (request.content_length or 0) > limit:
        return None
    body = request.stream.read(limit + 1)
    return None if len(body) > limit else body


def _receive(topic: str | None = None):
    body = _read_body()
    if body is None:
        return jsonify({"result": "payload too large"}), 413
    delivery = read_delivery(request.headers, body, topic=topic)
    outcome = delivery if isinstance(delivery, Rejection) else webhook_intake.receive(delivery)
    status, message = ANSWERS[outcome]
    return jsonify({"result": message}), status


@bp.post("/webhooks")
def webhook():
    return _receive()


@bp.post("/fulfillment_service/fulfillment_order_notification")
def fulfillment_order_notification():
    # Shopify's callback carries no topic header; its kind is in the body.
    return _receive(topic="fulfillment_service/notification")
