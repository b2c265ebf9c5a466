"""PaymentIntents as Stripe answers them, on the platform or on a connected account.

localstripe's PaymentIntent does the state machine; the stand-in adds what Relay's calls need
and localstripe refuses or answers otherwise: `description` and the other fields Stripe keeps,
confirming with a payment_method (localstripe: "Not implemented"), `off_session` charges that
need authentication, declines answered as Stripe's `card_error` with the PaymentIntent in the
error body (the SDK's CardError), `latest_charge` as an id, charges refused on an account that
has not finished onboarding, and the amount rules of three-decimal currencies."""

from __future__ import annotations

from aiohttp import web
from localstripe.errors import UserError
from localstripe.resources import Charge, Event, PaymentIntent, PaymentMethod
from localstripe.server import get_api_key, get_post_data, json_response, unflatten_data

from standins.stripe import cards, webhooks
from standins.stripe.connect import require_charges_enabled
from standins.stripe.errors import stripe_error
from standins.stripe.scoping import require_visible, visible

KEPT_FIELDS = (
    "description",
    "receipt_email",
    "statement_descriptor",
    "statement_descriptor_suffix",
    "setup_future_usage",
    "transfer_group",
)
IGNORED_FIELDS = (
    "automatic_payment_methods",
    "return_url",
    "use_stripe_sdk",
    "mandate_data",
    "error_on_requires_action",
    "confirmation_method",
    "_stripe_account",
)
THREE_DECIMALS = {"bhd", "jod", "kwd", "omr", "tnd"}
CONFIRMABLE = ("requires_payment_method", "requires_confirmation", "requires_action")


def truthy(value) -> bool:
    return value is True or str(value).lower() == "true"


def export_intent(pi: PaymentIntent, expand=None) -> dict:
    expand = list(expand or [])
    keep_charge = "latest_charge" in expand
    obj = pi._export(expand=[e for e in expand if e != "latest_charge"])
    charge = pi.latest_charge
    if charge is not None and not keep_charge:
        obj["latest_charge"] = charge.id
    error = obj.get("last_payment_error")
    if error and charge is not None and getattr(charge, "_decline_code", None):
        error["decline_code"] = charge._decline_code
        error["type"] = "card_error"
    obj.setdefault("description", None)
    return obj


def card_error(pi: PaymentIntent, fallback: UserError) -> UserError:
    """Stripe's 402 for a declined PaymentIntent: the SDK raises CardError, and the error
    carries the PaymentIntent (status requires_payment_method) for the caller to record."""
    exported = export_intent(pi)
    error = exported.get("last_payment_error") or fallback.body["error"]
    return stripe_error(
        402,
        error.get("message") or "Your card was declined.",
        code=error.get("code"),
        error_type="card_error",
        decline_code=error.get("decline_code"),
        charge=exported.get("latest_charge"),
        payment_intent=exported,
    )


def _check_amount(data: dict) -> None:
    currency = str(data.get("currency") or "").lower()
    try:
        amount = int(data.get("amount"))
    except (TypeError, ValueError):
        raise stripe_error(400, "Invalid integer: amount", param="amount") from None
    if currency in THREE_DECIMALS and amount % 10:
        raise stripe_error(
            400,
            f"Amounts in {currency.upper()} must be multiples of 10 (the last digit is 0).",
            code="invalid_amount",
            param="amount",
        )


def _fail_authentication_required(pi: PaymentIntent) -> None:
    charge = Charge(
        amount=pi.amount, currency=pi.currency, customer=pi.customer, source=pi.payment_method
    )
    charge.payment_intent = pi.id
    cards.fail_charge(charge, *cards.AUTHENTICATION_REQUIRED)
    pi.latest_charge = charge
    webhooks.schedule_localstripe_event(Event("payment_intent.payment_failed", pi))
    raise card_error(pi, stripe_error(402, cards.AUTHENTICATION_REQUIRED[2]))


def confirm_intent(pi: PaymentIntent, off_session: bool) -> None:
    if not pi.payment_method:
        raise stripe_error(
            400,
            "You cannot confirm this PaymentIntent because it's missing a payment method.",
            code="payment_intent_unexpected_state",
        )
    try:
        if (
            off_session
            and PaymentMethod._api_retrieve(pi.payment_method)._requires_authentication()
        ):
            if cards.needs_authentication_off_session(pi.payment_method):
                _fail_authentication_required(pi)
            pi._create_charge(on_failure_now=pi._report_failure)
        else:
            pi._confirm(on_failure_now=pi._report_failure)
    except UserError as exc:
        if exc.code == 402 and exc.body["error"].get("type") != "card_error":
            raise card_error(pi, exc) from None
        raise


async def create_intent(request: web.Request, account: str | None):
    data = await get_post_data(request) or {}
    expand = data.pop("expand", None)
    confirm = truthy(data.pop("confirm", None))
    off_session = truthy(data.pop("off_session", None))
    kept = {key: data.pop(key) for key in KEPT_FIELDS if key in data}
    for key in IGNORED_FIELDS:
        data.pop(key, None)
    require_charges_enabled(account)
    _check_amount(data)
    require_visible(data, account)
    data["currency"] = str(data.get("currency") or "").lower()
    pi = PaymentIntent(**data)
    pi.description = None
    for key, value in kept.items():
        setattr(pi, key, value)
    if confirm:
        confirm_intent(pi, off_session)
    return json_response(export_intent(pi, expand))


async def retrieve_intent(request: web.Request, account: str | None):
    pi = visible(PaymentIntent, request.match_info["id"], account)
    expand = (await _query_and_body(request)).get("expand")
    return json_response(export_intent(pi, expand))


async def _query_and_body(request: web.Request) -> dict:
    data = (await get_post_data(request) or {}) if request.method == "POST" else {}
    data.update(unflatten_data(request.query) or {})
    return data


def _authorize_client(request: web.Request, data: dict, client_secret: str) -> None:
    """The secret key, or (from Stripe.js) the publishable key with the object's client_secret."""
    if get_api_key(request):
        return
    given = data.get("client_secret")
    if given is None or given != client_secret:
        raise stripe_error(401, "Invalid API Key provided.")


async def confirm(request: web.Request, account: str | None):
    data = await _query_and_body(request)
    pi = visible(PaymentIntent, request.match_info["id"], account)
    _authorize_client(request, data, pi.client_secret)
    if pi.status not in CONFIRMABLE:
        raise stripe_error(
            400,
            f"This PaymentIntent's status is {pi.status}, so it cannot be confirmed.",
            code="payment_intent_unexpected_state",
        )
    pm_id = data.get("payment_method")
    if data.get("payment_method_data"):
        pm_id = PaymentMethod(**data["payment_method_data"]).id
    elif pm_id:
        require_visible({"payment_method": pm_id}, account)
        pm_id = PaymentMethod._api_retrieve(pm_id).id
    if pm_id:
        pi.payment_method = pm_id
        pi.latest_charge = None
        pi.next_action = None
        pi._authentication_failed = False
    confirm_intent(pi, truthy(data.get("off_session")))
    return json_response(export_intent(pi, data.get("expand")))


async def authenticate(request: web.Request, account: str | None):
    """The 3-D Secure step (localstripe's own endpoint), scoped and with Stripe's card errors."""
    data = await _query_and_body(request)
    pi = visible(PaymentIntent, request.match_info["id"], account)
    success = truthy(data.get("success"))
    try:
        PaymentIntent._api_authenticate(
            pi.id, client_secret=data.get("client_secret"), success=success
        )
    except UserError as exc:
        if exc.code == 402:
            raise card_error(pi, exc) from None
        raise
    if not success:
        webhooks.schedule_localstripe_event(Event("payment_intent.payment_failed", pi))
    return json_response(export_intent(pi))
