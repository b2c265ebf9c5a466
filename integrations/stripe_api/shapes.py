"""Stripe payloads (SDK objects or webhook JSON, both mappings) -> Relay's dataclasses."""

from __future__ import annotations

from collections.abc import Mapping

from integrations.stripe_api.types import (
    Intent,
    SetupResult,
    StripeAccount,
    StripeRefund,
)

BRANDS = {
    "visa": "Visa",
    "mastercard": "Mastercard",
    "amex": "American Express",
    "discover": "Discover",
    "jcb": "JCB",
    "diners": "Diners Club",
    "unionpay": "UnionPay",
    "cartes_bancaires": "Cartes Bancaires",
}


def plain(obj) -> dict:
    """The SDK's objects are not dicts (stripe>=15); webhook JSON already is."""
    return obj.to_dict() if hasattr(obj, "to_dict") else obj


def _id(value) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return value.get("id")


def card_label(payment_method) -> str | None:
    """ "Visa •••• 4242" from an expanded PaymentMethod; None for an id or no card."""
    payment_method = plain(payment_method) if payment_method is not None else None
    if not isinstance(payment_method, Mapping):
        return None
    card = payment_method.get("card")
    if not card:
        return None
    brand = card.get("brand") or "card"
    return f"{BRANDS.get(brand, brand.title())} •••• {card.get('last4')}"


def intent(obj: Mapping, *, card: str | None = None) -> Intent:
    obj = plain(obj)
    error = obj.get("last_payment_error") or {}
    return Intent(
        id=obj["id"],
        status=obj["status"],
        amount_minor=int(obj["amount"]),
        currency=str(obj["currency"]).upper(),
        client_secret=obj.get("client_secret"),
        charge_id=_id(obj.get("latest_charge")),
        failure_code=(error.get("decline_code") or error.get("code")) if error else None,
        failure_message=error.get("message") if error else None,
        card_label=card or card_label(obj.get("payment_method")),
        metadata={str(k): str(v) for k, v in (obj.get("metadata") or {}).items()},
    )


def setup_result(obj: Mapping) -> SetupResult:
    obj = plain(obj)
    payment_method = obj.get("payment_method")
    return SetupResult(
        id=obj["id"],
        status=obj["status"],
        client_secret=obj.get("client_secret"),
        customer_id=_id(obj.get("customer")),
        payment_method_id=_id(payment_method),
        card_label=card_label(payment_method),
    )


def refund(obj: Mapping) -> StripeRefund:
    obj = plain(obj)
    return StripeRefund(
        id=obj["id"],
        status=obj["status"],
        amount_minor=int(obj["amount"]),
        currency=str(obj["currency"]).upper(),
        payment_intent_id=_id(obj.get("payment_intent")),
    )


def account(obj: Mapping) -> StripeAccount:
    obj = plain(obj)
    currency = obj.get("default_currency")
    return StripeAccount(
        id=obj["id"],
        charges_enabled=bool(obj.get("charges_enabled")),
        details_submitted=bool(obj.get("details_submitted")),
        default_currency=currency.upper() if currency else None,
        email=obj.get("email"),
    )


SHAPES = {
    "payment_intent": intent,
    "refund": refund,
    "account": account,
    "setup_intent": setup_result,
}
