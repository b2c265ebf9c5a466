"""The stand-in's WSGI app: OAuth client credentials, the REST routes of orders.py,
payments.py and vault.py, the buyer's approval pages (buyer.py), webhooks (webhooks.py) and
the /_standin control routes (control.py)."""

from __future__ import annotations

import base64
import binascii
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app, jsonify, request

from standins.paypal.errors import PayPalError
from standins.paypal.ids import new_id
from standins.paypal.store import Store

TOKEN_SECONDS = 32400


@dataclass
class Settings:
    client_id: str = "standin-client-id"
    client_secret: str = "standin-client-secret"
    deliver_webhooks: bool = True
    webhook_attempts: int = 3
    webhook_retry_seconds: float = 0.5


def create_app(store: Store, settings: Settings | None = None) -> Flask:
    from standins.paypal import buyer, control, orders, payments, vault, webhooks

    app = Flask(__name__)
    app.config["STORE"] = store
    app.config["SETTINGS"] = settings or Settings()
    app.config["SIGNER"] = webhooks.Signer(store)
    app.add_url_rule("/v1/oauth2/token", view_func=token, methods=["POST"])
    for blueprint in (orders.bp, payments.bp, vault.bp, buyer.bp, webhooks.bp, control.bp):
        app.register_blueprint(blueprint)
    app.register_error_handler(PayPalError, _render_error)
    return app


def store() -> Store:
    return current_app.config["STORE"]


def settings() -> Settings:
    return current_app.config["SETTINGS"]


def base_url() -> str:
    return request.host_url.rstrip("/")


def _render_error(error: PayPalError):
    api = "payments/v2" if request.path.startswith("/v2/payments") else "orders/v2"
    if request.path.startswith("/v3/vault"):
        api = "vault/v3"
    return jsonify(error.body(api)), error.status


def _basic_credentials() -> tuple[str, str] | None:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Basic "):
        return None
    try:
        client_id, _, client_secret = base64.b64decode(header[6:]).decode().partition(":")
    except (binascii.Error, UnicodeDecodeError):
        return None
    return client_id, client_secret


def token():
    """POST /v1/oauth2/token: client credentials in Basic auth, as PayPal's OAuth answers."""
    credentials = _basic_credentials()
    known = (settings().client_id, settings().client_secret)
    if credentials is None or not all(
        hmac.compare_digest(given.encode(), expected.encode())
        for given, expected in zip(credentials, known, strict=True)
    ):
        body = {"error": "invalid_client", "error_description": "Client Authentication failed"}
        return jsonify(body), 401
    if request.form.get("grant_type") != "client_credentials":
        body = {"error": "unsupported_grant_type", "error_description": "Grant Type is NULL"}
        return jsonify(body), 400
    access_token = "A21AA" + secrets.token_urlsafe(48)
    store().put("token", access_token, {"client_id": credentials[0]})
    return jsonify(
        {
            "scope": "https://uri.paypal.com/services/payments/payment "
            "https://uri.paypal.com/services/vault/payment-tokens/readwrite",
            "access_token": access_token,
            "token_type": "Bearer",
            "app_id": "APP-80W284485P519543T",
            "expires_in": TOKEN_SECONDS,
            "nonce": new_id(20),
        }
    )


def require_token() -> None:
    header = request.headers.get("Authorization", "")
    if not header.startswith("Bearer ") or store().get("token", header[7:]) is None:
        raise PayPalError(401, "INVALID_TOKEN", "Token signature verification failed.")


def json_body() -> dict:
    body = request.get_json(silent=True)
    if body is None and request.get_data():
        raise PayPalError(400, "MALFORMED_REQUEST_JSON", "The request JSON is not well formed.")
    if body is not None and not isinstance(body, dict):
        raise PayPalError(400, "MALFORMED_REQUEST_JSON", "The request JSON is not well formed.")
    return body or {}


def api(handler: Callable[[], tuple[dict, int]]):
    """Authenticate, then answer once per PayPal-Request-Id: a retried request with the same
    id gets the first success again and changes nothing."""
    require_token()
    request_id = request.headers.get("PayPal-Request-Id")
    key = f"{request.method} {request.path} {request_id}"
    with store().lock:
        if request_id:
            replayed = store().replay(key)
            if replayed is not None:
                return jsonify(replayed[1]), replayed[0]
        body, status = handler()
        if request_id and status < 300:
            store().remember(key, status, body)
    return jsonify(body), status
