"""Orders v2: create (buyer approval, or a vaulted PayPal agreement that completes at once),
show, capture. Magic sandbox buyers decide what a capture does (buyer.py)."""

from __future__ import annotations

from flask import Blueprint, request

from standins.paypal import buyer, payments, server, webhooks
from standins.paypal.errors import PayPalError, invalid, unprocessable
from standins.paypal.ids import new_id, now
from standins.paypal.money import amount_issue

bp = Blueprint("orders", __name__)
UNIT_FIELD = "/purchase_units/@reference_id=='{ref}'"
# The API caller's own account: the payee when a purchase unit names none.
PLATFORM_EMAIL = "platform@relay-standin.example"


def public(doc: dict) -> dict:
    return {key: value for key, value in doc.items() if not key.startswith("_")}


def order_view(order: dict) -> dict:
    """The order as GET shows it now: its capture and refunds as they stand."""
    view = public(order)
    capture_id = order.get("_capture_id")
    if capture_id:
        capture = server.store().get("capture", capture_id)
        refunds = [server.store().get("refund", rid) for rid in capture.get("_refund_ids", [])]
        unit = dict(view["purchase_units"][0])
        unit["payments"] = {"captures": [payments.capture_in_order(capture)]}
        if refunds:
            unit["payments"]["refunds"] = [payments.public_refund(r) for r in refunds]
        view["purchase_units"] = [unit, *view["purchase_units"][1:]]
    return view


def _payee(unit: dict, ref: str) -> dict:
    payee = unit.get("payee") or {}
    if not isinstance(payee, dict):
        raise invalid("INVALID_PARAMETER_SYNTAX", "payee must be an object.")
    found = (
        server.store().merchant(email=str(payee["email_address"]))
        if payee.get("email_address")
        else server.store().merchant(merchant_id=str(payee["merchant_id"]))
        if payee.get("merchant_id")
        else server.store().merchant(email=PLATFORM_EMAIL)
    )
    if found is None:
        raise unprocessable(
            "PAYEE_ACCOUNT_INVALID",
            "Payee account specified is invalid. Please check the `payee.email_address` or "
            "`payee.merchant_id` specified and try again.",
            UNIT_FIELD.format(ref=ref) + "/payee",
        )
    return {"email_address": found[0], "merchant_id": found[1]}


def _purchase_unit(body: dict) -> dict:
    units = body.get("purchase_units")
    if not isinstance(units, list) or not units or not isinstance(units[0], dict):
        raise invalid(
            "MISSING_REQUIRED_PARAMETER", "A required field is missing.", "/purchase_units"
        )  # noqa: E501
    if len(units) > 1:
        raise invalid("INVALID_ARRAY_MAX_ITEMS", "The stand-in takes one purchase unit.")
    unit = units[0]
    ref = str(unit.get("reference_id") or "default")
    amount = unit.get("amount") if isinstance(unit.get("amount"), dict) else {}
    problem = amount_issue(amount.get("currency_code"), amount.get("value"))
    if problem:
        status = 400 if problem[0].startswith(("MISSING", "INVALID")) else 422
        raise PayPalError(status, *problem, UNIT_FIELD.format(ref=ref) + "/amount/value")
    kept = {"reference_id": ref, "amount": {
        "currency_code": amount["currency_code"], "value": amount["value"]}}  # fmt: skip
    for key in ("description", "custom_id", "invoice_id", "soft_descriptor"):
        if unit.get(key) is not None:
            kept[key] = str(unit[key])
    kept["payee"] = _payee(unit, ref)
    return kept


def _paypal_source(body: dict) -> dict:
    source = body.get("payment_source") or {}
    paypal = source.get("paypal") if isinstance(source, dict) else None
    return paypal if isinstance(paypal, dict) else {}


def _links(order_id: str, approve_rel: str | None) -> list[dict]:
    base = server.base_url()
    links = [{"href": f"{base}/v2/checkout/orders/{order_id}", "rel": "self", "method": "GET"}]
    if approve_rel:
        href = f"{base}/checkoutnow?token={order_id}"
        links.append({"href": href, "rel": approve_rel, "method": "GET"})
    capture = f"{base}/v2/checkout/orders/{order_id}/capture"
    links.append({"href": capture, "rel": "capture", "method": "POST"})
    return links


def create_order(body: dict, request_id: str | None) -> tuple[dict, int]:
    if body.get("intent") != "CAPTURE":
        raise invalid("INVALID_PARAMETER_VALUE", "The stand-in takes intent CAPTURE.", "/intent")
    unit = _purchase_unit(body)
    paypal = _paypal_source(body)
    order_id = new_id()
    order = {"id": order_id, "intent": "CAPTURE", "purchase_units": [unit],
             "create_time": now(), "update_time": now()}  # fmt: skip
    if paypal.get("vault_id"):
        if not request_id:
            raise invalid(
                "PAYPAL_REQUEST_ID_REQUIRED",
                "A PayPal-Request-Id is required if you are trying to process payment for an "
                "Order.",
            )
        return _complete_vaulted(order, str(paypal["vault_id"])), 201
    context = paypal.get("experience_context") or body.get("application_context") or {}
    context = context if isinstance(context, dict) else {}
    order["_return_url"] = context.get("return_url")
    order["_cancel_url"] = context.get("cancel_url")
    order["status"] = "PAYER_ACTION_REQUIRED" if paypal else "CREATED"
    order["links"] = _links(order_id, "payer-action" if paypal else "approve")
    server.store().put("order", order_id, order)
    return public(order), 201


def _complete_vaulted(order: dict, vault_id: str) -> dict:
    """A vaulted agreement pays without the buyer: the order is COMPLETED at once, with a
    COMPLETED capture, or a DECLINED one when the agreement's buyer is a declining one."""
    token = server.store().get("payment_token", vault_id)
    if token is None:
        raise unprocessable(
            "INVALID_RESOURCE_ID",
            "Specified resource ID does not exist. Please check the resource ID and try again.",
            "/payment_source/paypal/vault_id",
        )
    email = token["payment_source"]["paypal"]["email_address"]
    buyer.set_payer(order, email, vault_id=vault_id)
    order["status"] = "COMPLETED"
    order["links"] = _links(order["id"], None)[:1]
    declined = buyer.declines(email)
    _check_invoice(order)
    capture = payments.new_capture(order, "DECLINED" if declined else "COMPLETED")
    order["_capture_id"] = capture["id"]
    server.store().put("order", order["id"], order)
    event = "PAYMENT.CAPTURE.DENIED" if declined else "PAYMENT.CAPTURE.COMPLETED"
    webhooks.emit(event, "capture", payments.public_capture(capture))
    return order_view(order)


def _check_invoice(order: dict) -> None:
    unit = order["purchase_units"][0]
    invoice_id = unit.get("invoice_id")
    if not invoice_id:
        return
    for capture in server.store().all("capture"):
        if (
            capture.get("invoice_id") == invoice_id
            and capture["payee"]["merchant_id"] == unit["payee"]["merchant_id"]
            and capture["status"] != "DECLINED"
        ):
            raise unprocessable(
                "DUPLICATE_INVOICE_ID",
                "Duplicate Invoice ID detected. To avoid a potential duplicate transaction your "
                "account setting requires that Invoice Id be unique for each transaction.",
                UNIT_FIELD.format(ref=unit["reference_id"]) + "/invoice_id",
            )


def load(order_id: str) -> dict:
    order = server.store().get("order", order_id)
    if order is None:
        raise PayPalError(
            404,
            "INVALID_RESOURCE_ID",
            "Specified resource ID does not exist. Please check the resource ID and try again.",
        )
    return order


def capture_order(order_id: str) -> tuple[dict, int]:
    order = load(order_id)
    if order["status"] == "COMPLETED":
        raise unprocessable(
            "ORDER_ALREADY_CAPTURED",
            "Order already captured. If 'intent=CAPTURE' only one capture per order is allowed.",
        )
    if order["status"] != "APPROVED":
        raise unprocessable(
            "ORDER_NOT_APPROVED",
            "Payer has not yet approved the Order for payment. Please redirect the payer to the "
            "'rel':'approve' url returned as part of the HATEOAS links within the Create Order "
            "call or provide a valid payment_source in the request.",
        )
    if buyer.declines(order["_buyer"]):
        raise unprocessable(
            "INSTRUMENT_DECLINED",
            "The instrument presented was either declined by the processor or bank, or it "
            "can't be used for this payment.",
        )
    _check_invoice(order)
    capture = payments.new_capture(order, "COMPLETED")
    order.update(status="COMPLETED", update_time=now(), _capture_id=capture["id"])
    order["links"] = _links(order_id, None)[:1]
    server.store().put("order", order_id, order)
    webhooks.emit("PAYMENT.CAPTURE.COMPLETED", "capture", payments.public_capture(capture))
    return order_view(order), 201


@bp.post("/v2/checkout/orders")
def create_route():
    request_id = request.headers.get("PayPal-Request-Id")
    return server.api(lambda: create_order(server.json_body(), request_id))


@bp.get("/v2/checkout/orders/<order_id>")
def show_route(order_id: str):
    return server.api(lambda: (order_view(load(order_id)), 200))


@bp.post("/v2/checkout/orders/<order_id>/capture")
def capture_route(order_id: str):
    return server.api(lambda: capture_order(order_id))
