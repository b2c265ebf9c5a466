"""Refunds, PaymentMethod clones, SetupIntent confirmation and scoped lists.

- Refunds: localstripe refunds any amount, any number of times; Stripe refuses more than what
  is left (`amount_too_large`, `charge_already_refunded`) and sends `charge.refunded` and
  `refund.created` events, which localstripe does not.
- Clones: for a direct charge with a card saved on the platform, Stripe documents POST
  /v1/payment_methods {customer, payment_method} under Stripe-Account: a copy of the card on
  the connected account. localstripe has no accounts, so no clones.
- SetupIntents: Stripe attaches the PaymentMethod to the SetupIntent's customer when it
  succeeds (needed to clone it later) and sends `setup_intent.succeeded`; localstripe does not.
- Lists: newest first, only the acting account's objects, paginated by starting_after."""

from __future__ import annotations

from aiohttp import web
from localstripe.errors import UserError
from localstripe.resources import (
    Charge,
    Customer,
    Event,
    PaymentIntent,
    PaymentMethod,
    Refund,
    SetupIntent,
)
from localstripe.server import get_api_key, get_post_data, json_response, unflatten_data

from standins.stripe import webhooks
from standins.stripe.errors import resource_missing, stripe_error
from standins.stripe.payments import export_intent
from standins.stripe.scoping import owned_objects, require_visible, visible
from standins.stripe.state import STATE


def _refundable_charge(data: dict, account: str | None) -> Charge:
    if data.get("payment_intent"):
        pi = visible(PaymentIntent, data["payment_intent"], account)
        if pi.status != "succeeded" or pi.latest_charge is None:
            raise stripe_error(
                400,
                f"This PaymentIntent ({pi.id}) does not have a successful charge to refund.",
                code="charge_not_refundable",
            )
        return pi.latest_charge
    if data.get("charge"):
        return visible(Charge, data["charge"], account)
    raise stripe_error(
        400, "One of the following params should be provided: charge, payment_intent"
    )


async def create_refund(request: web.Request, account: str | None):
    data = await get_post_data(request) or {}
    expand = data.pop("expand", None)
    reason = data.pop("reason", None)
    require_visible(data, account)
    charge = _refundable_charge(data, account)
    left = charge.amount - charge.amount_refunded
    if left <= 0:
        raise stripe_error(
            400, f"Charge {charge.id} has already been refunded.", code="charge_already_refunded"
        )
    try:
        amount = int(data.get("amount") or left)
    except ValueError:
        raise stripe_error(400, "Invalid integer: amount", param="amount") from None
    if amount > left:
        raise stripe_error(
            400,
            f"Refund amount ({amount}) is greater than unrefunded amount on charge ({left})",
            code="amount_too_large",
            param="amount",
        )
    refund = Refund(**data)
    refund.reason = reason
    webhooks.schedule_localstripe_event(Event("charge.refunded", charge))
    webhooks.schedule_localstripe_event(Event("refund.created", refund))
    return json_response(refund._export(expand=expand))


async def create_payment_method(request: web.Request, account: str | None):
    """A clone when both customer and payment_method are given; anything else is localstripe's."""
    data = await get_post_data(request) or {}
    if not (data.get("customer") and data.get("payment_method")):
        return None
    if not account:
        raise stripe_error(
            400, "Cloning a PaymentMethod needs the Stripe-Account header of the account."
        )
    customer = visible(Customer, data["customer"], None)
    source = visible(PaymentMethod, data["payment_method"], None)
    if source.customer != customer.id:
        raise stripe_error(
            400,
            f"The PaymentMethod {source.id} is not attached to customer {customer.id}.",
            param="payment_method",
        )
    card = source.card
    clone = PaymentMethod(
        type="card",
        card={
            "number": source._card_number,
            "exp_month": card["exp_month"],
            "exp_year": card["exp_year"],
            "cvc": "000",
        },
        billing_details=dict(source.billing_details or {}),
        metadata=data.get("metadata") or {},
    )
    return json_response(clone._export(expand=data.get("expand")))


async def confirm_setup_intent(request: web.Request, account: str | None):
    data = await get_post_data(request) or {}
    data.pop("_stripe_account", None)
    expand = data.pop("expand", None)
    si = visible(SetupIntent, request.match_info["id"], account)
    if not get_api_key(request) and data.get("client_secret") != si.client_secret:
        raise stripe_error(401, "Invalid API Key provided.")
    if data.get("payment_method"):
        require_visible({"payment_method": data["payment_method"]}, account)
    try:
        SetupIntent._api_confirm(si.id, **data)
    except UserError as exc:
        if exc.code != 402:
            raise
        webhooks.schedule_localstripe_event(Event("setup_intent.setup_failed", si))
        raise stripe_error(
            402,
            exc.body["error"].get("message", "Your card was declined."),
            code="card_declined",
            error_type="card_error",
            decline_code="generic_decline",
            setup_intent=si._export(),
        ) from None
    if si.status == "succeeded":
        if si.customer and si.payment_method:
            PaymentMethod._api_retrieve(si.payment_method).customer = si.customer
        webhooks.schedule_localstripe_event(Event("setup_intent.succeeded", si))
    return json_response(si._export(expand=expand))


LISTS = {
    "payment_intents": (PaymentIntent, {"customer"}),
    "refunds": (Refund, {"payment_intent", "charge"}),
    "charges": (Charge, {"customer", "payment_intent"}),
    "customers": (Customer, {"email"}),
    "setup_intents": (SetupIntent, {"customer", "payment_method"}),
}


def _export(obj, expand):
    return export_intent(obj, expand) if isinstance(obj, PaymentIntent) else obj._export(expand)


async def list_objects(request: web.Request, account: str | None):
    collection = request.path.rstrip("/").rsplit("/", 1)[-1]
    cls, filters = LISTS[collection]
    query = unflatten_data(request.query) or {}
    expand = [path.removeprefix("data.") for path in query.pop("expand", None) or []]
    try:
        limit = max(1, min(100, int(query.pop("limit", 10))))
    except ValueError:
        raise stripe_error(400, "Invalid integer: limit", param="limit") from None
    starting_after = query.pop("starting_after", None)
    query.pop("created", None)  # accepted, not filtered: Relay reconciles whole lists
    for param in query:
        if param not in filters:
            raise stripe_error(400, f"Received unknown parameter: {param}", param=param)
    items = [o for o in owned_objects(cls.object, account) if _matches(o, query)]
    items.reverse()
    items.sort(key=lambda o: o.created, reverse=True)  # stable: newest stored first on ties
    start = 0
    if starting_after:
        ids = [o.id for o in items]
        if starting_after not in ids:
            raise resource_missing(cls.object, starting_after, param="starting_after")
        start = ids.index(starting_after) + 1
    page = items[start : start + limit]
    return json_response(
        {
            "object": "list",
            "url": f"/v1/{collection}",
            "has_more": len(items) > start + limit,
            "data": [_export(o, expand) for o in page],
        }
    )


def _matches(obj, query: dict) -> bool:
    for key, value in query.items():
        current = getattr(obj, key, None)
        if key == "payment_intent" and isinstance(obj, Refund) and current is None:
            current = getattr(store_charge(obj.charge), "payment_intent", None)
        if current != value:
            return False
    return True


def store_charge(charge_id: str | None):
    return Charge._api_retrieve(charge_id) if charge_id else None


def reset() -> None:
    from localstripe.resources import store

    store.clear()
    STATE.clear_data()
