"""Shopify → Relay: webhooks and fulfillment-service callbacks. Fast: verify, record, enqueue."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify, request

from domain.webhooks import intake as webhook_intake

bp = Blueprint("webhooks", __name__)


def _read_body() -> bytes | None:
    limit = current_app.config["WEBHOOK_MAX_BYTES"]
    if (request.content_length or 0) > limit:
        return None
    body = request.stream.read(limit + 1)
    return None if len(body) > limit else body


def _answer(outcome: webhook_intake.Outcome):
    return jsonify({"result": outcome.message}), outcome.status


@bp.post("/webhooks")
def webhook():
    body = _read_body()
    if body is None:
        return jsonify({"result": "payload too large"}), 413
    return _answer(webhook_intake.receive(request.headers, body))


@bp.post("/fulfillment_service/fulfillment_order_notification")
def fulfillment_order_notification():
    body = _read_body()
    if body is None:
        return jsonify({"result": "payload too large"}), 413
    return _answer(
        webhook_intake.receive(request.headers, body, topic="fulfillment_service/notification")
    )
