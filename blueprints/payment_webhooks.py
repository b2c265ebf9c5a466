"""Stripe → Relay and PayPal → Relay: payment webhooks. Verified first (Stripe-Signature with
its tolerance; PayPal's own verification), then processed once (domain/payments/events.py).
A forged or stale delivery is a 400 and changes nothing; one Relay could not finish (the
provider unreachable while Relay reads the payment back) is a 503, so the provider retries."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify, request

from domain.payments import events, providers
from integrations import paypal_api, stripe_api

bp = Blueprint("payment_webhooks", __name__)
log = logging.getLogger("relay.payments")


def _body() -> bytes | None:
    limit = current_app.config["WEBHOOK_MAX_BYTES"]
    if (request.content_length or 0) > limit:
        return None
    body = request.stream.read(limit + 1)
    return None if len(body) > limit else body


def _answer(process, event):
    try:
        result = process(event)
    except providers.ProviderDown as exc:
        log.warning("payment event %s not processed: %s", getattr(event, "id", "?"), exc.message)
        return jsonify({"result": "try again later"}), 503
    return jsonify({"result": result}), 200


@bp.post("/webhooks/stripe")
def stripe_webhook():
    body = _body()
    if body is None:
        return jsonify({"result": "payload too large"}), 413
    try:
        event = stripe_api.verify_event(body, request.headers.get("Stripe-Signature"))
    except stripe_api.InvalidStripeSignature:
        return jsonify({"result": "signature verification failed"}), 400
    return _answer(events.stripe_event, event)


@bp.post("/webhooks/paypal")
def paypal_webhook():
    body = _body()
    if body is None:
        return jsonify({"result": "payload too large"}), 413
    try:
        event = paypal_api.verify_event(request.headers, body)
    except paypal_api.InvalidPayPalSignature:
        return jsonify({"result": "signature verification failed"}), 400
    except paypal_api.PayPalUnavailable:
        return jsonify({"result": "could not verify now"}), 503
    return _answer(events.paypal_event, event)
