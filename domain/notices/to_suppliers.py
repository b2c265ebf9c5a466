"""Everything Relay tells a supplier (issue 16): a new order, a cancellation request, a refund
or cancellation that takes items off its part, its portal link. Each event function runs in
the unit of work of its event: it posts once on the supplier's board and queues one mail
(board only when the supplier has no email), under an event key stable per event, so a
replayed webhook or a retried job writes nothing twice. Mail is rendered in the supplier's
language (Supplier.language).

Event keys: new-order:{supplier order id}, cancel-request:{request id},
refund:{refund id}:{supplier id}, cancelled:{supplier order id},
portal-link:{supplier id}:{nonce}, digest:{supplier id}:{date} (supplier_digest)."""

from __future__ import annotations

import secrets
from datetime import timedelta

from sqlalchemy import func, select

from domain.clock import utcnow
from domain.models.cancellations import CancellationRequest
from domain.models.notices import OutboundMail
from domain.models.orders import Supplier, SupplierOrder, VariantMapping
from domain.models.shop import Shop
from domain.notices import mail, recipients
from domain.notices.tell import tell
from domain.orders.timeline import N_
from domain.suppliers import portal_links
from domain.transaction import unit_of_work
from extensions import db
from integrations.shopify_admin.urls import shop_base_url

LINK_EVERY = timedelta(minutes=5)  # at most one sign-in link mail per supplier in this time
TOLD_CHANNELS = ("portal", "store")  # manual suppliers: the merchant orders on their website


def portal_url(supplier: Supplier, endpoint: str = "portal.orders", **values) -> str:
    """A freshly signed link into the portal, for a mail."""
    return mail.absolute_url(endpoint, token=portal_links.link_token(supplier), **values)


def order_url(supplier: Supplier, supplier_order: SupplierOrder) -> str | None:
    """Where the supplier opens this order: its portal page, or the order in its own store."""
    if supplier.channel == "portal":
        return portal_url(supplier, "portal.order", supplier_order_id=supplier_order.id)
    reference = supplier_order.supplier_reference or ""
    if supplier.channel == "store" and supplier.store_domain and reference:
        return f"{shop_base_url(supplier.store_domain)}/admin/orders/{reference.rsplit('/', 1)[-1]}"
    return None


def items(supplier_order: SupplierOrder) -> list[dict]:
    """Its lines as the supplier knows them: its own SKU (the store SKU when unmapped)."""
    lines = [line for line in supplier_order.line_items if line.quantity > 0]
    skus = {li.sku for li in lines if li.sku}
    mappings = {
        m.sku: m
        for m in db.session.scalars(
            select(VariantMapping).where(
                VariantMapping.shop_id == supplier_order.shop_id, VariantMapping.sku.in_(skus)
            )
        )
    }
    return [
        {
            "line_id": line.id,
            "title": line.title,
            "variant": line.variant_title,
            "sku": (getattr(mappings.get(line.sku), "supplier_sku", None) or line.sku or ""),
            "quantity": line.quantity,
        }
        for line in lines
    ]


def mail_context(shop: Shop, supplier: Supplier) -> dict:
    settings = (
        portal_url(supplier, "portal.settings") if supplier.channel in TOLD_CHANNELS else None
    )
    return {"supplier": supplier, "settings_url": settings, "retailer": shop.name or shop.domain}


def _tell(
    shop: Shop,
    supplier: Supplier,
    *,
    event_key: str,
    kind: str,
    message: str,
    params: dict,
    supplier_order: SupplierOrder | None = None,
    template: str | None = None,
    context: dict | None = None,
) -> None:
    tell(
        shop,
        board_recipient=recipients.board_key(supplier),
        event_key=event_key,
        kind=kind,
        message=message,
        params=params,
        supplier_order=supplier_order,
        to=recipients.supplier(supplier),
        template=template,
        context={**mail_context(shop, supplier), **(context or {})},
        reply_to=shop.contact_email,
    )


# -- events -----------------------------------------------------------------------------------


def order_sent(shop: Shop, supplier_order: SupplierOrder) -> None:
    """Forwarded to a portal or store supplier: the board at once; a mail now, or in the next
    daily digest when the supplier chose one."""
    supplier = supplier_order.supplier
    if supplier is None or supplier.channel not in TOLD_CHANNELS:
        return
    order = supplier_order.order
    _tell(
        shop,
        supplier,
        event_key=f"new-order:{supplier_order.id}",
        kind="new-order",
        message=N_("New order %(order)s from %(store)s"),
        params={"order": order.name, "store": shop.name or shop.domain},
        supplier_order=supplier_order,
        template=None if supplier.daily_digest else "supplier_new_order",
        context={
            "order": order,
            "supplier_order": supplier_order,
            "items": items(supplier_order),
            "address": order.shipping_address or {},
            "order_url": order_url(supplier, supplier_order),
        },
    )


def cancellation_requested(request) -> None:
    """The merchant asks a paid supplier to cancel: its note, and where to accept or decline."""
    supplier_order = request.supplier_order
    supplier = supplier_order.supplier
    if supplier is None or supplier.channel not in TOLD_CHANNELS:
        return
    shop = db.session.get(Shop, supplier_order.shop_id)
    order = supplier_order.order
    _tell(
        shop,
        supplier,
        event_key=f"cancel-request:{request.id}",
        kind="cancellation-request",
        message=N_("%(store)s asks you to cancel order %(order)s"),
        params={"order": order.name, "store": shop.name or shop.domain},
        supplier_order=supplier_order,
        template="supplier_cancellation_request",
        context={
            "order": order,
            "request": request,
            "items": items(supplier_order),
            "order_url": order_url(supplier, supplier_order),
        },
    )


def items_taken_off(
    supplier_order: SupplierOrder,
    *,
    event_key: str,
    taken: list[dict],
    entries: list,
    cancelled: bool,
) -> None:
    """A refund or a cancellation took units off a part already sent: which, how many, and
    what it owes back (its ledger entries, when it was paid before)."""
    supplier = supplier_order.supplier
    if supplier is None or supplier.channel not in TOLD_CHANNELS or not (taken or entries):
        return
    shop = db.session.get(Shop, supplier_order.shop_id)
    order = supplier_order.order
    _tell(
        shop,
        supplier,
        event_key=event_key,
        kind="cancelled" if cancelled else "refund",
        message=N_("Order %(order)s was cancelled")
        if cancelled
        else N_("Items of order %(order)s were refunded"),
        params={"order": order.name},
        supplier_order=supplier_order,
        template="supplier_items_taken_off",
        context={
            "order": order,
            "taken": taken,
            "owed": [_money(e) for e in entries],
            "cancelled": cancelled,
            "automatic": bool(entries) and all(e.status == "automatic" for e in entries),
            "order_url": order_url(supplier, supplier_order),
        },
    )


def refund_recorded(refund, entries) -> None:
    """Called once a refund is recorded: the supplier of each part already sent whose unshipped
    units it took (not to ship any more), or that owes money back for it (`entries`)."""
    sent = {
        (so.supplier_id, so.part): so
        for so in refund.order.supplier_orders
        if so.forwarded_at is not None and so.supplier_id is not None
    }
    taken: dict[int, list[dict]] = {}
    skus = {i["line_id"]: i["sku"] for part in sent.values() for i in items(part)}
    for rl in refund.lines:
        line = rl.line_item
        part = sent.get((line.supplier_id, line.part))
        if part is None or rl.quantity <= 0:
            continue  # not sent yet: the part holds what the order holds when it is
        unshipped = max(0, line.bought_quantity - _shipped_units(part).get(line.id, 0))
        if min(rl.quantity, unshipped) > 0:
            item = {
                "title": line.title,
                "variant": line.variant_title,
                "sku": skus.get(line.id, line.sku or ""),
                "quantity": min(rl.quantity, unshipped),
            }
            taken.setdefault(part.id, []).append(item)
    owing = {entry.supplier_order_id for entry in entries}
    for part in sent.values():
        if part.id in taken or part.id in owing:
            items_taken_off(
                part,
                event_key=f"refund:{refund.id}:{part.supplier_id}:{part.id}",
                taken=taken.get(part.id, []),
                entries=[e for e in entries if e.supplier_order_id == part.id],
                cancelled=False,
            )


def _shipped_units(part: SupplierOrder) -> dict[int, int]:
    shipped: dict[int, int] = {}
    for parcel in part.parcels:
        for line in parcel.lines:
            shipped[line.line_item_id] = shipped.get(line.line_item_id, 0) + line.quantity
    return shipped


def part_cancelled(part: SupplierOrder, entries) -> None:
    """A part already sent was cancelled (by request, in Shopify, automatically)."""
    if part.forwarded_at is None or part.status != "cancelled":
        return
    if not entries and _supplier_agreed(part):
        return  # it accepted the cancellation itself: nothing it does not know
    taken = items(part)
    items_taken_off(
        part,
        event_key=f"cancelled:{part.id}",
        taken=taken,
        entries=list(entries),
        cancelled=True,
    )


def _supplier_agreed(part: SupplierOrder) -> bool:
    """The supplier itself accepted the cancellation (then only money owed back is news)."""
    latest = db.session.scalar(
        select(CancellationRequest)
        .where(CancellationRequest.supplier_order_id == part.id)
        .order_by(CancellationRequest.id.desc())
        .limit(1)
    )
    return latest is not None and latest.status == "accepted" and latest.decided_by == "supplier"


def _money(entry) -> str:
    from domain.money.amounts import format_money

    return format_money(entry.amount, entry.currency)


# -- the portal link --------------------------------------------------------------------------


def send_portal_link(supplier: Supplier) -> bool:
    """Mail a fresh sign-in link, unless one went in the last LINK_EVERY (or no email)."""
    if supplier.channel != "portal" or not recipients.is_email(supplier.contact_email):
        return False
    recent = select(func.count()).where(
        OutboundMail.supplier_id == supplier.id,
        OutboundMail.kind == "portal-link",
        OutboundMail.created_at > utcnow() - LINK_EVERY,
    )
    if db.session.execute(recent).scalar_one():
        return False
    shop = db.session.get(Shop, supplier.shop_id)
    queued = mail.queue_mail(
        shop,
        event_key=f"portal-link:{supplier.id}:{secrets.token_hex(8)}",
        kind="portal-link",
        to=recipients.supplier(supplier),
        template="supplier_portal_link",
        context={**mail_context(shop, supplier), "link": portal_url(supplier)},
        reply_to=shop.contact_email,
    )
    return queued is not None


def send_links_to(address: str) -> int:
    """ "Send me my link": every portal supplier with this contact email gets one. Returns how
    many were sent (never shown: the page says the same whoever asks)."""
    address = (address or "").strip()
    if not recipients.is_email(address):
        return 0
    found = db.session.scalars(
        select(Supplier)
        .where(
            Supplier.channel == "portal",
            func.lower(Supplier.contact_email) == address.lower(),
        )
        .with_for_update()
    )
    return sum(send_portal_link(supplier) for supplier in found)


@unit_of_work
def email_link(supplier_id: int) -> bool:
    """The merchant's "Email the link": False when none could go (no email, one just went)."""
    supplier = db.session.get(Supplier, supplier_id, with_for_update=True)
    return send_portal_link(supplier)


@unit_of_work
def links_requested(address: str) -> None:
    """The public "Send me my link" page: nothing told back, whoever asks."""
    send_links_to(address)
