"""The two ways money reaches a supplier, behind one shape: a card charged on the supplier's own
Stripe account (a direct charge), or PayPal with the supplier as payee. Each call carries the
payment row's idempotency key, so a retry, a second tab or a killed worker never pays twice:
Stripe replays the first answer for a repeated Idempotency-Key, PayPal for a repeated
PayPal-Request-Id.

What comes back is an `Outcome`, whatever the provider said: succeeded, needs the payer
(3-D Secure, PayPal approval), failed with a reason, or still processing."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask import current_app
from flask_babel import gettext as _

from domain.errors import StoreUnreachable, WrongState
from domain.models.payments import SavedPaymentMethod, SupplierPayment
from integrations import paypal_api, stripe_api

SUCCEEDED = "succeeded"
NEEDS_PAYER = "requires_action"
FAILED = "failed"
PROCESSING = "processing"

# Stripe's intent statuses, as Relay's payment statuses.
STRIPE_STATUSES = {
    "succeeded": SUCCEEDED,
    "processing": PROCESSING,
    "requires_action": NEEDS_PAYER,
    "requires_confirmation": NEEDS_PAYER,
    "requires_payment_method": NEEDS_PAYER,
    "requires_capture": PROCESSING,
    "canceled": FAILED,
}


class ProviderDown(StoreUnreachable):
    """Stripe or PayPal could not be reached: nothing was charged; trying again later works
    (a job retries it: `retryable`)."""

    retryable = True


@dataclass(frozen=True)
class Outcome:
    status: str
    reference: str | None = None  # PaymentIntent / PayPal order
    capture_reference: str | None = None  # the charge / capture that moved the money
    client_secret: str | None = None  # the checkout page confirms a card with it
    approve_url: str | None = None  # where the payer approves a PayPal order
    failure_code: str | None = None
    failure_message: str | None = None
    card_label: str | None = None


def _down(name: str) -> ProviderDown:
    return ProviderDown(
        _(
            "%(provider)s could not be reached, so nothing was charged. Try again in a minute.",
            provider=name,
        )
    )


def _metadata(payment: SupplierPayment) -> dict[str, str]:
    return {"relay_payment_id": str(payment.id), "relay_shop_id": str(payment.shop_id)}


def _description(payment: SupplierPayment) -> str:
    names = ", ".join(item.order_name for item in payment.items)
    return f"Relay {payment.receipt_number}: {names}"[:250]


def _from_intent(intent, *, declined_is_failure: bool) -> Outcome:
    status = STRIPE_STATUSES.get(intent.status, PROCESSING)
    if intent.failure_code and declined_is_failure and status == NEEDS_PAYER:
        status = FAILED  # off-session: nobody is there to enter another card or authenticate
    message = intent.failure_message
    if intent.failure_code == "authentication_required":
        message = _(
            "The bank asks for authentication (3-D Secure), which an automatic payment cannot "
            "give. Pay this order with Pay now."
        )
    return Outcome(
        status=status,
        reference=intent.id,
        capture_reference=intent.charge_id,
        client_secret=intent.client_secret,
        failure_code=intent.failure_code,
        failure_message=message,
        card_label=intent.card_label,
    )


def _from_paypal(order) -> Outcome:
    if order.failure_issue:
        return Outcome(
            status=FAILED,
            reference=order.id,
            failure_code=order.failure_issue,
            failure_message=paypal_reason(order.failure_issue),
        )
    if order.status == "COMPLETED" and order.capture_status in (None, "COMPLETED"):
        return Outcome(status=SUCCEEDED, reference=order.id, capture_reference=order.capture_id)
    if order.status == "COMPLETED":  # captured, but PENDING or DECLINED at PayPal
        failed = order.capture_status == "DECLINED"
        return Outcome(
            status=FAILED if failed else PROCESSING,
            reference=order.id,
            capture_reference=order.capture_id,
            failure_code=order.capture_status if failed else None,
        )
    if order.status == "VOIDED":
        return Outcome(status=FAILED, reference=order.id, failure_code="VOIDED")
    return Outcome(status=NEEDS_PAYER, reference=order.id, approve_url=order.approve_url)


def paypal_reason(issue: str) -> str:
    reasons = {
        "INSTRUMENT_DECLINED": _("PayPal declined the payment method. Choose another one."),
        "ORDER_NOT_APPROVED": _("The PayPal payment was not approved."),
        "PAYEE_ACCOUNT_INVALID": _("The supplier's PayPal account cannot receive payments."),
        "CURRENCY_NOT_SUPPORTED": _("PayPal does not take payments in this currency."),
    }
    return reasons.get(issue, _("PayPal refused the payment (%(issue)s).", issue=issue))


def minor(amount: Decimal, currency: str) -> int:
    return stripe_api.to_minor(amount, currency)


def chargeable(amount: Decimal, currency: str) -> Decimal:
    """`amount` as a card can be charged it (KWD 1.235 -> 1.240: Stripe's step is 0.010)."""
    return stripe_api.from_minor(minor(amount, currency), currency)


def begin_card(payment: SupplierPayment) -> Outcome:
    """A card payment the merchant confirms in the checkout page (Stripe Elements)."""
    try:
        intent = stripe_api.create_checkout_intent(
            account_id=payment.provider_account,
            amount_minor=minor(payment.amount, payment.currency),
            currency=payment.currency,
            description=_description(payment),
            metadata=_metadata(payment),
            idempotency_key=payment.idempotency_key,
        )
    except stripe_api.StripeUnavailable as exc:
        raise _down("Stripe") from exc
    except stripe_api.StripeRefused as exc:
        raise WrongState(stripe_reason(exc)) from exc
    return _from_intent(intent, declined_is_failure=False)


def stripe_reason(exc) -> str:
    if exc.code == "account_invalid":
        return _("The supplier's Stripe account cannot take payments now.")
    return _("Stripe refused: %(message)s", message=exc.message or exc.code)


def begin_paypal(payment: SupplierPayment, *, return_url: str, cancel_url: str) -> Outcome:
    try:
        order = paypal_api.create_order(
            payee_email=payment.provider_account,
            amount=payment.amount,
            currency=payment.currency,
            reference_id=payment.receipt_number,
            description=_description(payment),
            return_url=return_url,
            cancel_url=cancel_url,
            request_id=payment.idempotency_key,
        )
    except paypal_api.PayPalUnavailable as exc:
        raise _down("PayPal") from exc
    except paypal_api.PayPalRefused as exc:
        return Outcome(
            status=FAILED, failure_code=exc.issue, failure_message=paypal_reason(exc.issue)
        )
    return _from_paypal(order)


def current(payment: SupplierPayment) -> Outcome:
    """Where the payment stands at the provider now (after the browser came back, or a webhook
    said something happened: the provider's word, read fresh, wins over the event's order)."""
    try:
        if payment.provider == "stripe":
            intent = stripe_api.retrieve_intent(
                payment.provider_account, payment.provider_reference
            )
            return _from_intent(intent, declined_is_failure=payment.automatic)
        return _from_paypal(paypal_api.get_order(payment.provider_reference))
    except stripe_api.StripeUnavailable as exc:
        raise _down("Stripe") from exc
    except paypal_api.PayPalUnavailable as exc:
        raise _down("PayPal") from exc


def capture_paypal(payment: SupplierPayment) -> Outcome:
    """The payer approved at PayPal: take the money (PayPal-Request-Id: captured once)."""
    try:
        order = paypal_api.capture_order(
            payment.provider_reference, request_id=f"{payment.idempotency_key}:capture"
        )
    except paypal_api.PayPalUnavailable as exc:
        raise _down("PayPal") from exc
    except paypal_api.PayPalRefused as exc:
        if exc.issue == "ORDER_ALREADY_CAPTURED":
            return current(payment)
        return Outcome(
            status=FAILED,
            reference=payment.provider_reference,
            failure_code=exc.issue,
            failure_message=paypal_reason(exc.issue),
        )
    return _from_paypal(order)


def charge_saved(payment: SupplierPayment, saved: SavedPaymentMethod) -> Outcome:
    """Automatic payment: the merchant's saved card or PayPal, charged off-session."""
    try:
        if saved.kind == "card":
            intent = stripe_api.charge_saved_card(
                account_id=payment.provider_account,
                customer_id=saved.stripe_customer_id,
                payment_method_id=saved.stripe_payment_method_id,
                amount_minor=minor(payment.amount, payment.currency),
                currency=payment.currency,
                description=_description(payment),
                metadata=_metadata(payment),
                idempotency_key=payment.idempotency_key,
            )
            return _from_intent(intent, declined_is_failure=True)
        return _charge_vaulted(payment, saved)
    except stripe_api.StripeUnavailable as exc:
        raise _down("Stripe") from exc
    except stripe_api.StripeRefused as exc:
        return Outcome(status=FAILED, failure_code=exc.code, failure_message=stripe_reason(exc))


def _charge_vaulted(payment: SupplierPayment, saved: SavedPaymentMethod) -> Outcome:
    try:
        order = paypal_api.charge_vaulted(
            vault_id=saved.paypal_vault_id,
            payee_email=payment.provider_account,
            amount=payment.amount,
            currency=payment.currency,
            reference_id=payment.receipt_number,
            description=_description(payment),
            request_id=payment.idempotency_key,
        )
    except paypal_api.PayPalUnavailable as exc:
        raise _down("PayPal") from exc
    except paypal_api.PayPalRefused as exc:
        return Outcome(
            status=FAILED, failure_code=exc.issue, failure_message=paypal_reason(exc.issue)
        )
    if not order.id:  # refused before PayPal made an order
        return Outcome(status=FAILED, failure_code=order.failure_issue or "REFUSED")
    return _from_paypal(order)


@dataclass(frozen=True)
class Returned:
    reference: str
    amount: Decimal


def refund(payment: SupplierPayment, amount: Decimal, *, idempotency_key: str) -> Returned:
    """Take `amount` back from the supplier's payment (on its own account / PayPal capture)."""
    try:
        if payment.provider == "stripe":
            done = stripe_api.refund(
                account_id=payment.provider_account,
                intent_id=payment.provider_reference,
                amount_minor=minor(amount, payment.currency),
                idempotency_key=idempotency_key,
                metadata={"relay_payment_id": str(payment.id)},
            )
            return Returned(done.id, stripe_api.from_minor(done.amount_minor, payment.currency))
        done = paypal_api.refund_capture(
            payment.capture_reference,
            amount=amount,
            currency=payment.currency,
            request_id=idempotency_key,
            note=f"Relay {payment.receipt_number}",
        )
        return Returned(done.id, done.amount)
    except stripe_api.StripeUnavailable as exc:
        raise _down("Stripe") from exc
    except paypal_api.PayPalUnavailable as exc:
        raise _down("PayPal") from exc
    except stripe_api.StripeRefused as exc:
        raise WrongState(stripe_reason(exc)) from exc
    except paypal_api.PayPalRefused as exc:
        raise WrongState(paypal_reason(exc.issue)) from exc


def publishable_key() -> str | None:
    return current_app.config.get("STRIPE_PUBLISHABLE_KEY")
