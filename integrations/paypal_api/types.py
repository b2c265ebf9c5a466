"""What the PayPal integration hands the domain: typed frozen values and two errors."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


class PayPalUnavailable(Exception):
    """PayPal did not answer, or answered 5xx/429: try again later; nothing is known to have
    happened (retry with the same request id, which PayPal replays)."""


class PayPalRefused(Exception):
    """PayPal answered and said no (4xx): `issue` is its details[].issue (e.g.
    ORDER_NOT_APPROVED, PAYEE_ACCOUNT_INVALID, INVALID_RESOURCE_ID), or the error name / OAuth
    error when there is no detail; `name` is the error's name (UNPROCESSABLE_ENTITY,
    RESOURCE_NOT_FOUND, ...)."""

    def __init__(self, issue: str, message: str, status: int, name: str | None = None):
        super().__init__(f"PayPal refused ({status} {issue}): {message}")
        self.issue, self.message, self.status, self.name = issue, message, status, name


class InvalidPayPalSignature(Exception):
    """A webhook PayPal does not vouch for (forged, altered, or missing headers)."""


@dataclass(frozen=True)
class PayPalOrder:
    id: str  # "" only when PayPal refused a vaulted charge before making an order
    status: str  # CREATED, PAYER_ACTION_REQUIRED, APPROVED, COMPLETED, ...
    approve_url: str | None
    capture_id: str | None
    capture_status: str | None  # COMPLETED, DECLINED, PENDING, (PARTIALLY_)REFUNDED
    amount: Decimal
    currency: str
    payee_email: str | None
    reference_id: str | None
    failure_issue: str | None  # e.g. INSTRUMENT_DECLINED: the buyer's money did not move


@dataclass(frozen=True)
class PayPalCapture:
    id: str
    status: str
    amount: Decimal
    currency: str
    order_id: str | None
    refunded: Decimal


@dataclass(frozen=True)
class PayPalRefund:
    id: str
    status: str
    amount: Decimal
    currency: str
    capture_id: str | None


@dataclass(frozen=True)
class VaultSetup:
    id: str
    status: str
    approve_url: str | None


@dataclass(frozen=True)
class VaultToken:
    id: str
    payer_email: str | None


@dataclass(frozen=True)
class PayPalEvent:
    id: str
    event_type: str
    resource_type: str
    resource_id: str | None
    order_id: str | None
    capture_id: str | None
    created: str
