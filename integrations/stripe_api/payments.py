"""Charges on a supplier's connected account (direct charges), saved cards of merchants on the
platform, refunds and the lists reconciliation reads. Every call that moves money takes an
idempotency key derived from Relay's own payment row."""

from __future__ import annotations

import stripe

from integrations.stripe_api import shapes
from integrations.stripe_api.client import call, client, refused, request_options
from integrations.stripe_api.types import Intent, SetupResult, StripeRefund

LIST_PAGE = 100


def create_checkout_intent(
    *,
    account_id: str,
    amount_minor: int,
    currency: str,
    description: str,
    metadata: dict[str, str],
    idempotency_key: str,
) -> Intent:
    """On-session: the browser confirms it with Stripe.js (card element, 3-D Secure)."""
    obj = call(
        client().v1.payment_intents.create,
        params={
            "amount": int(amount_minor),
            "currency": currency.lower(),
            "description": description,
            "metadata": dict(metadata),
            "payment_method_types": ["card"],
        },
        options=request_options(account=account_id, idempotency_key=idempotency_key),
    )
    return shapes.intent(obj)


def retrieve_intent(account_id: str, intent_id: str) -> Intent:
    obj = call(
        client().v1.payment_intents.retrieve,
        intent_id,
        params={"expand": ["payment_method"]},
        options=request_options(account=account_id),
    )
    return shapes.intent(obj)


def ensure_customer(
    *, shop_domain: str, email: str | None, existing_id: str | None, idempotency_key: str
) -> str:
    """The merchant's customer on the platform (where its saved card lives): the existing one
    while Stripe still has it, else a new one."""
    if existing_id:
        try:
            found = client().v1.customers.retrieve(existing_id)
        except stripe.InvalidRequestError as exc:
            if exc.code != "resource_missing":
                raise refused(exc) from exc
        except stripe.StripeError as exc:
            raise refused(exc) from exc
        else:
            if not shapes.plain(found).get("deleted"):
                return found.id
    params = {
        "description": f"Relay merchant {shop_domain}",
        "metadata": {"shop_domain": shop_domain},
    }
    if email:
        params["email"] = email
    obj = call(
        client().v1.customers.create,
        params=params,
        options=request_options(idempotency_key=idempotency_key),
    )
    return obj.id


def create_setup_intent(*, customer_id: str, idempotency_key: str) -> SetupResult:
    """Save a card for off-session charges; the browser confirms it (confirmCardSetup)."""
    obj = call(
        client().v1.setup_intents.create,
        params={"customer": customer_id, "usage": "off_session", "payment_method_types": ["card"]},
        options=request_options(idempotency_key=idempotency_key),
    )
    return shapes.setup_result(obj)


def retrieve_setup_intent(setup_intent_id: str) -> SetupResult:
    obj = call(
        client().v1.setup_intents.retrieve,
        setup_intent_id,
        params={"expand": ["payment_method"]},
    )
    return shapes.setup_result(obj)


def charge_saved_card(
    *,
    account_id: str,
    customer_id: str,
    payment_method_id: str,
    amount_minor: int,
    currency: str,
    description: str,
    metadata: dict[str, str],
    idempotency_key: str,
) -> Intent:
    """Off-session direct charge of the merchant's saved card on the supplier's account: the
    card is cloned onto the account, then charged. A decline or a request for authentication
    is not an exception: the Intent comes back with Stripe's status (requires_payment_method)
    and failure_code/failure_message (e.g. insufficient_funds, authentication_required)."""
    clone = call(
        client().v1.payment_methods.create,
        params={"customer": customer_id, "payment_method": payment_method_id},
        options=request_options(account=account_id, idempotency_key=f"{idempotency_key}:clone"),
    )
    label = shapes.card_label(clone)
    try:
        obj = client().v1.payment_intents.create(
            params={
                "amount": int(amount_minor),
                "currency": currency.lower(),
                "description": description,
                "metadata": dict(metadata),
                "payment_method": clone.id,
                "payment_method_types": ["card"],
                "confirm": True,
                "off_session": True,
            },
            options=request_options(account=account_id, idempotency_key=idempotency_key),
        )
    except stripe.CardError as exc:
        declined = (exc.json_body or {}).get("error", {}).get("payment_intent")
        if not declined:
            raise refused(exc) from exc
        return shapes.intent(declined, card=label)
    except stripe.StripeError as exc:
        raise refused(exc) from exc
    return shapes.intent(obj, card=label)


def refund(
    *,
    account_id: str,
    intent_id: str,
    amount_minor: int,
    idempotency_key: str,
    metadata: dict[str, str],
) -> StripeRefund:
    """Take money back from a charge on the supplier's account. More than what is left is
    refused by Stripe (StripeRefused, code amount_too_large / charge_already_refunded)."""
    obj = call(
        client().v1.refunds.create,
        params={
            "payment_intent": intent_id,
            "amount": int(amount_minor),
            "metadata": dict(metadata),
        },
        options=request_options(account=account_id, idempotency_key=idempotency_key),
    )
    return shapes.refund(obj)


def _every(list_method, account_id: str, params: dict):
    try:
        page = list_method(
            params={"limit": LIST_PAGE, **params}, options=request_options(account=account_id)
        )
        yield from page.auto_paging_iter()
    except stripe.StripeError as exc:
        raise refused(exc) from exc


def list_intents(account_id: str, *, metadata_key: str = "relay_payment_id") -> list[Intent]:
    """Every PaymentIntent on the account that Relay made (it carries `metadata_key`)."""
    return [
        shapes.intent(obj)
        for obj in _every(client().v1.payment_intents.list, account_id, {})
        if metadata_key in (shapes.plain(obj).get("metadata") or {})
    ]


def list_refunds(account_id: str) -> list[StripeRefund]:
    return [shapes.refund(obj) for obj in _every(client().v1.refunds.list, account_id, {})]
