"""Webhooks set aside: a delivery whose handlers fail in a way retrying cannot fix.

An outage (Shopify unreachable, our database or Redis blinking) resumes by itself: the job's
retries and the sweep's recovery run it again. Bad data, Shopify's refusal or a bug fail the
same way every time, so re-running them every sweep would only repeat the failure forever: the
receipt is *parked* with its reason, recovery leaves it alone, and the Jobs page shows it in
the merchant's words with a "Try again" for after the cause is fixed.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime
from decimal import InvalidOperation

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from domain.clock import utcnow
from domain.error_text import without_secrets
from domain.errors import DomainError
from domain.models.shop import Shop, WebhookReceipt
from domain.notices import to_merchant
from domain.transaction import unit_of_work
from extensions import db
from integrations.shopify_admin.errors import ShopifyError

SHOWN = 100
DETAIL_LIMIT = 500


class ParkReason(enum.StrEnum):
    BAD_DATA = "bad_data"
    REFUSED = "refused"
    BUG = "bug"


EXPLANATIONS = {
    ParkReason.BAD_DATA: _l(
        "Shopify sent this webhook with data Relay cannot use (a field missing or malformed). "
        "It is set aside and will not be tried again by itself."
    ),
    ParkReason.REFUSED: _l(
        "Shopify refused what Relay asked while handling this webhook. It is set aside and "
        "will not be tried again by itself."
    ),
    ParkReason.BUG: _l(
        "Relay hit an error handling this webhook. It is set aside and will not be tried "
        "again by itself; our team can see the details below."
    ),
}
TOPIC_LABELS = {
    "orders/create": _l("New order"),
    "orders/updated": _l("Order updated"),
    "orders/paid": _l("Order paid"),
    "orders/cancelled": _l("Order cancelled"),
    "refunds/create": _l("Refund"),
    "fulfillments/create": _l("Shipment from a supplier store"),
    "fulfillments/update": _l("Shipment update from a supplier store"),
}
BAD_DATA_ERRORS = (KeyError, ValueError, TypeError, IndexError, InvalidOperation, AttributeError)


def reason_for(exc: BaseException) -> ParkReason:
    if isinstance(exc, ShopifyError | DomainError):
        return ParkReason.REFUSED
    if isinstance(exc, BAD_DATA_ERRORS):
        return ParkReason.BAD_DATA
    return ParkReason.BUG


@unit_of_work
def park(receipt_id: int, exc: BaseException) -> None:
    """Set the receipt aside with why, in a unit of work of its own (the handlers' was rolled
    back)."""
    receipt = db.session.get(WebhookReceipt, receipt_id, with_for_update=True)
    if receipt is None or receipt.processed_at is not None:
        return
    receipt.parked_at = utcnow()
    receipt.park_reason = reason_for(exc).value
    detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    receipt.error = without_secrets(detail)[:DETAIL_LIMIT]
    shop = db.session.scalars(select(Shop).where(Shop.domain == receipt.shop_domain)).first()
    if shop is not None:
        label = TOPIC_LABELS.get(receipt.topic)
        what = label._args[0] if label is not None else receipt.topic  # the English msgid
        to_merchant.jobs_attention(shop, f"webhook-{receipt.id}", what, receipt.error)


@dataclass(frozen=True)
class ParkedWebhook:
    id: int
    topic: str
    label: str
    explanation: str
    detail: str
    received_at: datetime
    parked_at: datetime


def parked_for_shop(shop: Shop) -> list[ParkedWebhook]:
    rows = db.session.scalars(
        select(WebhookReceipt)
        .where(WebhookReceipt.shop_domain == shop.domain, WebhookReceipt.parked_at.is_not(None))
        .order_by(WebhookReceipt.parked_at.desc())
        .limit(SHOWN)
    ).all()
    return [_describe(row) for row in rows]


def _describe(row: WebhookReceipt) -> ParkedWebhook:
    reason = ParkReason(row.park_reason) if row.park_reason in iter(ParkReason) else None
    return ParkedWebhook(
        id=row.id,
        topic=row.topic,
        label=str(TOPIC_LABELS.get(row.topic, row.topic)),
        explanation=str(EXPLANATIONS.get(reason, EXPLANATIONS[ParkReason.BUG])),
        detail=without_secrets(row.error),
        received_at=row.received_at,
        parked_at=row.parked_at,
    )
