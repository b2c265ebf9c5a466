"""The daily digest (issue 16): a supplier that chose it (Supplier.daily_digest) gets one mail a
day listing the orders sent to it since its last digest, instead of one mail per order (its
board still gets each order at once). One per supplier per day: event key
digest:{supplier id}:{date}, and Supplier.digest_sent_on, so the job run twice sends one."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from domain.clock import utcnow
from domain.models.notices import OutboundMail
from domain.models.orders import Supplier, SupplierOrder
from domain.models.shop import Shop
from domain.notices import mail, recipients, to_suppliers
from domain.transaction import unit_of_work
from extensions import db

FIRST_DIGEST_SPAN = timedelta(days=1)  # no digest before: the orders of the last day


def due_suppliers(today: date) -> list[int]:
    """Suppliers with the digest on, an email, and none sent today."""
    query = select(Supplier.id).where(
        Supplier.daily_digest.is_(True),
        Supplier.channel.in_(to_suppliers.TOLD_CHANNELS),
        Supplier.contact_email.is_not(None),
        (Supplier.digest_sent_on.is_(None)) | (Supplier.digest_sent_on != today.isoformat()),
    )
    return list(db.session.scalars(query.order_by(Supplier.id)))


def _since(supplier: Supplier):
    last = db.session.scalar(
        select(OutboundMail.created_at)
        .where(OutboundMail.supplier_id == supplier.id, OutboundMail.kind == "digest")
        .order_by(OutboundMail.created_at.desc())
        .limit(1)
    )
    return last or utcnow() - FIRST_DIGEST_SPAN


@unit_of_work
def send_digest(supplier_id: int, today: date) -> str:
    """This supplier's digest of `today`, once. Returns what happened."""
    supplier = db.session.get(Supplier, supplier_id, with_for_update=True, populate_existing=True)
    if supplier is None or not supplier.daily_digest:
        return "skipped"
    if supplier.digest_sent_on == today.isoformat():
        return "already sent"
    parts = list(
        db.session.scalars(
            select(SupplierOrder)
            .where(
                SupplierOrder.supplier_id == supplier.id,
                SupplierOrder.forwarded_at.is_not(None),
                SupplierOrder.forwarded_at > _since(supplier),
            )
            .order_by(SupplierOrder.forwarded_at, SupplierOrder.id)
        )
    )
    if not parts:
        return "nothing new"
    shop = db.session.get(Shop, supplier.shop_id)
    orders = [
        {
            "name": part.order.name,
            "items": to_suppliers.items(part),
            "url": to_suppliers.order_url(supplier, part),
        }
        for part in parts
    ]
    mail.queue_mail(
        shop,
        event_key=f"digest:{supplier.id}:{today.isoformat()}",
        kind="digest",
        to=recipients.supplier(supplier),
        template="supplier_digest",
        context={**to_suppliers.mail_context(shop, supplier), "orders": orders, "day": today},
        reply_to=shop.contact_email,
    )
    supplier.digest_sent_on = today.isoformat()
    return f"{len(orders)} orders"


def send_all(today: date) -> dict[str, int]:
    """Every due supplier's digest, each in a unit of work of its own."""
    results: dict[str, int] = {}
    for supplier_id in due_suppliers(today):
        outcome = send_digest(supplier_id, today)
        results[outcome] = results.get(outcome, 0) + 1
    return results
