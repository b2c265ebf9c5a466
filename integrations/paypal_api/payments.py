"""Payments v2 through the SDK: a capture as it stands, and refunds of it."""

from __future__ import annotations

from decimal import Decimal

from paypalserversdk.models.money import Money
from paypalserversdk.models.refund_request import RefundRequest

from integrations.paypal_api.money import amount_string
from integrations.paypal_api.orders import attr, link, present
from integrations.paypal_api.sdk import SdkClient
from integrations.paypal_api.types import PayPalCapture, PayPalRefund


def _to_refund(refund) -> PayPalRefund:
    up = link(attr(refund, "links"), "up")
    amount = attr(refund, "amount")
    return PayPalRefund(
        id=refund.id,
        status=refund.status,
        amount=Decimal(amount.value) if amount else Decimal(0),
        currency=attr(amount, "currency_code") or "",
        capture_id=up.rstrip("/").rsplit("/", 1)[-1] if up else None,
    )


def refund_capture(sdk: SdkClient, capture_id: str, *, amount: Decimal, currency, request_id,
                   note) -> PayPalRefund:  # fmt: skip
    """Give back `amount` of a capture (partial refunds add up; PayPal refuses more than was
    captured with REFUND_AMOUNT_EXCEEDED)."""
    body = RefundRequest(
        amount=Money(currency_code=currency.upper(), value=amount_string(amount, currency)),
        **present(note_to_payer=(note or "")[:255] or None),
    )
    options = {
        "capture_id": capture_id,
        "body": body,
        "paypal_request_id": request_id,
        "prefer": "return=representation",
    }
    return _to_refund(sdk.call(lambda c: c.payments.refund_captured_payment(options)).body)


def get_refund(sdk: SdkClient, refund_id: str) -> PayPalRefund:
    return _to_refund(sdk.call(lambda c: c.payments.get_refund({"refund_id": refund_id})).body)


def get_capture(sdk: SdkClient, capture_id: str) -> PayPalCapture:
    """The capture, with how much of it has been refunded (from its order's refunds)."""
    capture = sdk.call(lambda c: c.payments.get_captured_payment({"capture_id": capture_id})).body
    order_id = attr(capture, "supplementary_data", "related_ids", "order_id")
    amount = Decimal(capture.amount.value)
    refunded = amount if capture.status == "REFUNDED" else Decimal(0)
    if order_id and capture.status == "PARTIALLY_REFUNDED":
        order = sdk.call(lambda c: c.orders.get_order({"id": order_id})).body
        refunds = attr(order.purchase_units[0], "payments", "refunds") or []
        refunded = sum(
            (Decimal(r.amount.value) for r in refunds if r.status == "COMPLETED"), Decimal(0)
        )
    return PayPalCapture(
        id=capture.id,
        status=capture.status,
        amount=amount,
        currency=capture.amount.currency_code,
        order_id=order_id,
        refunded=refunded,
    )
