"""PayPal for Relay: Orders v2, Payments v2 and Vault v3 through the official
`paypal-server-sdk` (the only package that imports it), webhook verification through PayPal's
verify-webhook-signature. Configured by PAYPAL_API_BASE (api-m.paypal.com; the stand-in of
standins/paypal in development and tests), PAYPAL_CLIENT_ID, PAYPAL_CLIENT_SECRET and
PAYPAL_WEBHOOK_ID. Everything that moves money takes a `request_id` (PayPal-Request-Id): the same
id again replays PayPal's first answer and moves nothing twice. Hands back frozen values of
types.py; raises PayPalUnavailable (no answer, 5xx) or PayPalRefused (PayPal said no)."""

from __future__ import annotations

import threading
from collections.abc import Mapping
from decimal import Decimal

from flask import current_app

from integrations.paypal_api import orders as _orders
from integrations.paypal_api import payments as _payments
from integrations.paypal_api import webhooks as _webhooks
from integrations.paypal_api.money import SUPPORTED_CURRENCIES, amount_string
from integrations.paypal_api.sdk import SdkClient
from integrations.paypal_api.types import (
    InvalidPayPalSignature,
    PayPalCapture,
    PayPalEvent,
    PayPalOrder,
    PayPalRefund,
    PayPalRefused,
    PayPalUnavailable,
    VaultSetup,
    VaultToken,
)

__all__ = [
    "SUPPORTED_CURRENCIES", "InvalidPayPalSignature", "PayPalCapture", "PayPalEvent",
    "PayPalOrder", "PayPalRefund", "PayPalRefused", "PayPalUnavailable", "VaultSetup",
    "VaultToken", "amount_string", "capture_order", "charge_vaulted", "create_order",
    "create_vault_setup", "create_vault_token", "get_capture", "get_order", "get_refund",
    "refund_capture", "verify_event",
]  # fmt: skip

_clients: dict[tuple[str, str, str], SdkClient] = {}
_clients_lock = threading.Lock()


def _sdk() -> SdkClient:
    """The SDK client for the app's configuration (kept: it holds the OAuth token)."""
    config = current_app.config
    key = (
        config.get("PAYPAL_API_BASE") or "https://api-m.paypal.com",
        config.get("PAYPAL_CLIENT_ID") or "",
        config.get("PAYPAL_CLIENT_SECRET") or "",
    )
    with _clients_lock:
        if key not in _clients:
            _clients[key] = SdkClient(*key)
        return _clients[key]


def create_order(*, payee_email: str, amount: Decimal, currency: str, reference_id: str,
                 description: str, return_url: str, cancel_url: str, request_id: str,
                 invoice_id: str | None = None) -> PayPalOrder:  # fmt: skip
    return _orders.create_order(
        _sdk(), payee_email=payee_email, amount=amount, currency=currency,
        reference_id=reference_id, description=description, return_url=return_url,
        cancel_url=cancel_url, request_id=request_id, invoice_id=invoice_id,
    )  # fmt: skip


def get_order(order_id: str) -> PayPalOrder:
    return _orders.get_order(_sdk(), order_id)


def capture_order(order_id: str, *, request_id: str) -> PayPalOrder:
    """A decline is a PayPalOrder with failure_issue, not an exception."""
    return _orders.capture_order(_sdk(), order_id, request_id=request_id)


def charge_vaulted(*, vault_id: str, payee_email: str, amount: Decimal, currency: str,
                   reference_id: str, description: str, request_id: str,
                   invoice_id: str | None = None) -> PayPalOrder:  # fmt: skip
    return _orders.charge_vaulted(
        _sdk(), vault_id=vault_id, payee_email=payee_email, amount=amount, currency=currency,
        reference_id=reference_id, description=description, request_id=request_id,
        invoice_id=invoice_id,
    )  # fmt: skip


def create_vault_setup(*, return_url: str, cancel_url: str, request_id: str) -> VaultSetup:
    return _orders.create_vault_setup(
        _sdk(), return_url=return_url, cancel_url=cancel_url, request_id=request_id
    )


def create_vault_token(setup_token_id: str, *, request_id: str) -> VaultToken:
    return _orders.create_vault_token(_sdk(), setup_token_id, request_id=request_id)


def refund_capture(capture_id: str, *, amount: Decimal, currency: str, request_id: str,
                   note: str | None) -> PayPalRefund:  # fmt: skip
    return _payments.refund_capture(
        _sdk(), capture_id, amount=amount, currency=currency, request_id=request_id, note=note
    )


def get_refund(refund_id: str) -> PayPalRefund:
    return _payments.get_refund(_sdk(), refund_id)


def get_capture(capture_id: str) -> PayPalCapture:
    return _payments.get_capture(_sdk(), capture_id)


def verify_event(headers: Mapping[str, str], body: bytes) -> PayPalEvent:
    """Raises InvalidPayPalSignature; PayPalUnavailable when PayPal cannot be asked."""
    webhook_id = current_app.config.get("PAYPAL_WEBHOOK_ID")
    return _webhooks.verify_event(_sdk(), webhook_id, headers, body)
