"""What Stripe answers, as Relay's domain sees it: typed, frozen, never a raw payload."""

from __future__ import annotations

from dataclasses import dataclass, field


class StripeUnavailable(Exception):
    """Stripe could not be reached (connection refused, timeout, 5xx): try again later."""

    retryable = True

    def __init__(self, message: str = "Stripe could not be reached"):
        super().__init__(message)


class StripeRefused(Exception):
    """Stripe refused the request (a 4xx other than a card decline): a bug, bad input, an
    account that cannot take charges, an idempotency key reused with other parameters."""

    retryable = False

    def __init__(self, code: str | None, message: str, *, http_status: int | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.http_status = http_status


class InvalidStripeSignature(Exception):
    """A webhook whose Stripe-Signature is missing, forged, or too old (a replay)."""


@dataclass(frozen=True)
class StripeAccount:
    id: str
    charges_enabled: bool
    details_submitted: bool
    default_currency: str | None
    email: str | None


@dataclass(frozen=True)
class Intent:
    """A PaymentIntent. `status` is Stripe's (succeeded, requires_action, processing,
    requires_payment_method after a decline, ...). `failure_code` is the decline_code when
    Stripe gives one (insufficient_funds, authentication_required), else the error code."""

    id: str
    status: str
    amount_minor: int
    currency: str
    client_secret: str | None
    charge_id: str | None
    failure_code: str | None
    failure_message: str | None
    card_label: str | None
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def succeeded(self) -> bool:
        return self.status == "succeeded"


@dataclass(frozen=True)
class SetupResult:
    id: str
    status: str
    client_secret: str | None
    customer_id: str | None
    payment_method_id: str | None
    card_label: str | None


@dataclass(frozen=True)
class StripeRefund:
    id: str
    status: str
    amount_minor: int
    currency: str
    payment_intent_id: str | None


@dataclass(frozen=True)
class StripeEvent:
    id: str
    type: str
    account: str | None
    object_type: str | None
    object_id: str | None
    object: Intent | StripeRefund | StripeAccount | SetupResult | None
    created: int
