"""Stripe's test cards as Stripe answers them, where localstripe answers otherwise.

localstripe declines 4000000000000002 & co. only when a card is attached to a customer, so a
checkout with them would succeed; Stripe declines them on every charge, each with its own
code and decline_code. And off-session, Stripe asks for authentication again on cards that
always require it (4000002760003184) while a card authenticated when it was saved
(4000002500003155) goes through; localstripe instead leaves every 3-D Secure card waiting for a
browser (requires_action), which an off-session charge never has."""

from __future__ import annotations

from localstripe.resources import Charge, PaymentMethod

GENERIC = ("card_declined", "generic_decline", "Your card was declined.")
# number -> (code, decline_code, message), as https://docs.stripe.com/testing lists them
DECLINES = {
    "4000000000000002": GENERIC,
    "4000000000000341": GENERIC,
    "4000000000009995": (
        "card_declined",
        "insufficient_funds",
        "Your card has insufficient funds.",
    ),
    "4000000000009987": ("card_declined", "lost_card", "Your card was declined."),
    "4000000000009979": ("card_declined", "stolen_card", "Your card was declined."),
    "4000000000000069": ("expired_card", "expired_card", "Your card has expired."),
    "4000000000000127": (
        "incorrect_cvc",
        "incorrect_cvc",
        "Your card's security code is incorrect.",
    ),
    "4000000000000119": (
        "processing_error",
        "processing_error",
        "An error occurred while processing your card. Try again in a little bit.",
    ),
    "4242424242424241": ("incorrect_number", "incorrect_number", "Your card number is incorrect."),
    # 3-D Secure cards that are declined once authenticated
    "4000008260003178": (
        "card_declined",
        "insufficient_funds",
        "Your card has insufficient funds.",
    ),
    "4000008400001629": GENERIC,
}
# Cards needing 3-D Secure that, once saved with a SetupIntent, pay off-session without it.
AUTHENTICATED_AT_SETUP = {"4000002500003155"}
AUTHENTICATION_REQUIRED = (
    "authentication_required",
    "authentication_required",
    "Your card was declined. This transaction requires authentication.",
)
_original_charging_is_declined = PaymentMethod._charging_is_declined
_original_payment_method_init = PaymentMethod.__init__
# Leading digits -> Stripe's brand (localstripe calls every card "visa").
BRAND_PREFIXES = (
    (("34", "37"), "amex"),
    (("6011", "65", "644", "645", "646", "647", "648", "649"), "discover"),
    (("35",), "jcb"),
    (("300", "301", "302", "303", "304", "305", "36", "38"), "diners"),
    (("62",), "unionpay"),
    (("4",), "visa"),
)


def brand_of(number: str) -> str:
    for prefixes, brand in BRAND_PREFIXES:
        if number.startswith(prefixes):
            return brand
    if number[:2] in {str(n) for n in range(51, 56)} or 2221 <= int(number[:4] or 0) <= 2720:
        return "mastercard"
    return "unknown"


def _payment_method_init(self, *args, **kwargs) -> None:
    _original_payment_method_init(self, *args, **kwargs)
    if self.type == "card":
        self.card["brand"] = brand_of(self._card_number)


def card_number(payment_method_id: str | None) -> str | None:
    if not payment_method_id:
        return None
    pm = PaymentMethod._api_retrieve(payment_method_id)
    return getattr(pm, "_card_number", None)


def _charging_is_declined(self) -> bool:
    if getattr(self, "type", "card") == "card" and getattr(self, "_card_number", None):
        return self._card_number in DECLINES
    return _original_charging_is_declined(self)


def _set_auth_failure(self) -> None:
    code, decline_code, message = DECLINES.get(card_number(self.payment_method), GENERIC)
    fail_charge(self, code, decline_code, message)


def fail_charge(charge, code: str, decline_code: str, message: str) -> None:
    charge.status = "failed"
    charge.failure_code = code
    charge.failure_message = message
    charge._decline_code = decline_code


def needs_authentication_off_session(payment_method_id: str) -> bool:
    pm = PaymentMethod._api_retrieve(payment_method_id)
    return pm._requires_authentication() and card_number(pm.id) not in AUTHENTICATED_AT_SETUP


def install() -> None:
    PaymentMethod.__init__ = _payment_method_init
    PaymentMethod._charging_is_declined = _charging_is_declined
    Charge._set_auth_failure = _set_auth_failure
