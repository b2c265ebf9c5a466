"""The Mail log: the shop's outbound mails, newest first, filtered by status, with why one
could not be sent; "Send again" for a failed or waiting one."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from domain.errors import NotFound
from domain.models.notices import OutboundMail
from domain.models.shop import Shop
from domain.notices import mail
from extensions import db

PAGE_SIZE = 50
# The filter's keys: sent, waiting to retry (pending), failed for good.
FILTERS = {
    "sent": ("sent", _l("Sent")),
    "waiting": ("pending", _l("Waiting to retry")),
    "failed": ("failed", _l("Failed")),
}
STATUS_LABELS = {status: label for status, label in FILTERS.values()}
KIND_LABELS = {
    "test": _l("Test email"),
    "declined": _l("Supplier declined an order"),
    "cancellation_declined": _l("Supplier declined a cancellation"),
    "payment_failed": _l("Automatic payment failed"),
    "jobs_attention": _l("Work that needs you"),
    "new-order": _l("New order"),
    "digest": _l("Daily digest"),
    "cancellation-request": _l("Cancellation request"),
    "refund": _l("Items refunded"),
    "cancelled": _l("Items cancelled"),
    "portal-link": _l("Portal link"),
    "message": _l("Message"),
    "customer_note": _l("Note to the customer"),
}


@dataclass(frozen=True)
class MailPage:
    mails: list[OutboundMail]
    status: str  # a FILTERS key, or "" for all
    page: int
    pages: int
    total: int


def page(shop: Shop, status: str | None, page_number: int = 1) -> MailPage:
    status = status if status in FILTERS else ""
    where = [OutboundMail.shop_id == shop.id]
    if status:
        where.append(OutboundMail.status == FILTERS[status][0])
    total = db.session.execute(select(func.count()).where(*where)).scalar_one()
    pages = max(1, -(-total // PAGE_SIZE))
    page_number = min(max(1, page_number), pages)
    query = (
        select(OutboundMail)
        .where(*where)
        .order_by(OutboundMail.created_at.desc(), OutboundMail.id.desc())
        .offset((page_number - 1) * PAGE_SIZE)
        .limit(PAGE_SIZE)
    )
    mails = list(db.session.scalars(query))
    return MailPage(mails=mails, status=status, page=page_number, pages=pages, total=total)


def status_label(row: OutboundMail) -> str:
    return str(STATUS_LABELS.get(row.status, row.status))


def kind_label(row: OutboundMail) -> str:
    label = KIND_LABELS.get(row.kind)
    return str(label) if label is not None else row.kind.replace("_", " ").replace("-", " ")


def send_again(shop: Shop, mail_id: int) -> OutboundMail:
    """A failed or waiting mail of this shop goes out now; another shop's, or a sent one, is
    not found."""
    row = mail.retry_now(shop, mail_id)
    if row is None:
        raise NotFound(gettext("No such email waiting or failed for this store."))
    return row
