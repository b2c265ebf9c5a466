"""Payments v2: captures (made by orders.py) and their refunds, partial or whole."""

from __future__ import annotations

from flask import Blueprint

from standins.paypal import server, webhooks
from standins.paypal.errors import PayPalError, unprocessable
from standins.paypal.ids import new_id, now
from standins.paypal.money import amount_issue, amount_text, cents

bp = Blueprint("payments", __name__)
FEE_PER_MILLE = 35  # a flat 3.5 % fee keeps the breakdown's arithmetic visible


def _money(currency: str, hundredths: int) -> dict:
    return {"currency_code": currency, "value": amount_text(hundredths, currency)}


def new_capture(order: dict, status: str) -> dict:
    unit = order["purchase_units"][0]
    amount = unit["amount"]
    gross = cents(amount["value"])
    fee = gross * FEE_PER_MILLE // 1000
    if amount["currency_code"] in ("HUF", "JPY", "TWD"):
        fee -= fee % 100  # whole units only
    capture_id = new_id()
    base = server.base_url()
    capture = {
        "id": capture_id,
        "status": status,
        "amount": dict(amount),
        "final_capture": True,
        "seller_protection": {"status": "ELIGIBLE"},
        "links": [
            {"href": f"{base}/v2/payments/captures/{capture_id}", "rel": "self", "method": "GET"},
            {
                "href": f"{base}/v2/payments/captures/{capture_id}/refund",
                "rel": "refund",
                "method": "POST",
            },
            {"href": f"{base}/v2/checkout/orders/{order['id']}", "rel": "up", "method": "GET"},
        ],  # fmt: skip
        "supplementary_data": {"related_ids": {"order_id": order["id"]}},
        "payee": unit["payee"],
        "create_time": now(),
        "update_time": now(),
        "_refund_ids": [],
    }
    if status == "COMPLETED":
        capture["seller_receivable_breakdown"] = {
            "gross_amount": _money(amount["currency_code"], gross),
            "paypal_fee": _money(amount["currency_code"], fee),
            "net_amount": _money(amount["currency_code"], gross - fee),
        }
    else:
        capture["status_details"] = {"reason": "DECLINED_BY_RISK_FRAUD_FILTERS"}
    for key in ("invoice_id", "custom_id"):
        if unit.get(key):
            capture[key] = unit[key]
    return server.store().put("capture", capture_id, capture)


def public_capture(capture: dict) -> dict:
    return {key: value for key, value in capture.items() if not key.startswith("_")}


def capture_in_order(capture: dict) -> dict:
    """As an order shows its capture: without the payee and related ids."""
    view = public_capture(capture)
    view.pop("supplementary_data", None)
    view.pop("payee", None)
    return view


def public_refund(refund: dict) -> dict:
    return {key: value for key, value in refund.items() if not key.startswith("_")}


def _load(kind: str, doc_id: str) -> dict:
    doc = server.store().get(kind, doc_id)
    if doc is None:
        raise PayPalError(
            404,
            "INVALID_RESOURCE_ID",
            "Specified resource ID does not exist. Please check the resource ID and try again.",
        )
    return doc


def _refunded(capture: dict) -> int:
    refunds = [server.store().get("refund", rid) for rid in capture["_refund_ids"]]
    return sum(cents(r["amount"]["value"]) for r in refunds if r["status"] == "COMPLETED")


def _refund_amount(capture: dict, body: dict) -> int:
    currency = capture["amount"]["currency_code"]
    remaining = cents(capture["amount"]["value"]) - _refunded(capture)
    amount = body.get("amount")
    if amount is None:
        return remaining
    if not isinstance(amount, dict):
        raise PayPalError(400, "INVALID_PARAMETER_SYNTAX", "amount must be an object.", "/amount")
    problem = amount_issue(amount.get("currency_code"), amount.get("value"))
    if problem:
        status = 400 if problem[0].startswith(("MISSING", "INVALID")) else 422
        raise PayPalError(status, *problem, "/amount/value")
    if amount["currency_code"] != currency:
        raise unprocessable(
            "REFUND_CURRENCY_MISMATCH",
            "Refund must be in the same currency as the capture.",
            "/amount/currency_code",
        )
    if cents(amount["value"]) > remaining:
        raise unprocessable(
            "REFUND_AMOUNT_EXCEEDED",
            "The refund amount must be less than or equal to the capture amount that has not "
            "yet been refunded.",
            "/amount/value",
        )
    return cents(amount["value"])


def refund_capture(capture_id: str, body: dict) -> tuple[dict, int]:
    capture = _load("capture", capture_id)
    if capture["status"] == "REFUNDED":
        raise unprocessable("CAPTURE_FULLY_REFUNDED", "The capture has already been fully refunded")
    if capture["status"] not in ("COMPLETED", "PARTIALLY_REFUNDED"):
        raise unprocessable(
            "CANNOT_PROCESS_REFUNDS", "Current status of the capture does not allow a refund."
        )
    hundredths = _refund_amount(capture, body)
    currency = capture["amount"]["currency_code"]
    refund_id = new_id()
    base = server.base_url()
    refund = {
        "id": refund_id,
        "status": "COMPLETED",
        "amount": _money(currency, hundredths),
        "seller_payable_breakdown": {"gross_amount": _money(currency, hundredths),
                                     "net_amount": _money(currency, hundredths)},
        "links": [
            {"href": f"{base}/v2/payments/refunds/{refund_id}", "rel": "self", "method": "GET"},
            {"href": f"{base}/v2/payments/captures/{capture_id}", "rel": "up", "method": "GET"},
        ],
        "create_time": now(),
        "update_time": now(),
    }  # fmt: skip
    for key in ("invoice_id", "custom_id", "note_to_payer"):
        if body.get(key):
            refund[key] = str(body[key])
    server.store().put("refund", refund_id, refund)
    capture["_refund_ids"].append(refund_id)
    fully = _refunded(capture) >= cents(capture["amount"]["value"])
    capture.update(status="REFUNDED" if fully else "PARTIALLY_REFUNDED", update_time=now())
    server.store().put("capture", capture_id, capture)
    webhooks.emit("PAYMENT.CAPTURE.REFUNDED", "refund", public_refund(refund))
    return public_refund(refund), 201


@bp.get("/v2/payments/captures/<capture_id>")
def capture_route(capture_id: str):
    return server.api(lambda: (public_capture(_load("capture", capture_id)), 200))


@bp.post("/v2/payments/captures/<capture_id>/refund")
def refund_route(capture_id: str):
    return server.api(lambda: refund_capture(capture_id, server.json_body()))


@bp.get("/v2/payments/refunds/<refund_id>")
def refund_show_route(refund_id: str):
    return server.api(lambda: (public_refund(_load("refund", refund_id)), 200))
