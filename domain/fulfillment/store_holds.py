"""Holds placed in Shopify on a fulfillment order (a fraud app's HIGH_RISK_OF_FRAUD, the
merchant's own hold in the admin), followed in Relay.

Four topics name the fulfillment order: `fulfillment_holds/added|released` (one hold each) and
`fulfillment_orders/placed_on_hold|hold_released` (the fulfillment order). Webhooks arrive late,
twice and out of order, so none of them is applied as a delta: each reads the holds on the
fulfillment order now and sets the supplier orders on it to that. A new hold is recorded on the
timeline with its reason and notes and holds a part not yet sent; once Shopify lists no hold,
a part Relay held because of Shopify is released, back to where it was (and forwarded again
when fulfillment had been requested, as the merchant's own release does).
"""

from __future__ import annotations

from sqlalchemy import select

from domain import states
from domain.fulfillment import fulfillment_orders, requesting, tracking_push
from domain.models.orders import Order, SupplierOrder
from domain.orders import timeline
from domain.orders.timeline import N_, EventKind
from domain.shop import shops, tokens
from extensions import db
from integrations.shopify_admin.gateway import fulfillment as fo_gateway
from integrations.shopify_admin.webhook_payloads import OrderReference

# Shopify's FulfillmentHoldReason, in the merchant's words.
HOLD_REASONS = {
    "AWAITING_PAYMENT": N_("Awaiting payment"),
    "AWAITING_RETURN_ITEMS": N_("Awaiting returned items"),
    "HIGH_RISK_OF_FRAUD": N_("High risk of fraud"),
    "INCORRECT_ADDRESS": N_("Incorrect address"),
    "INVENTORY_OUT_OF_STOCK": N_("Out of stock"),
    "ONLINE_STORE_POST_PURCHASE_CROSS_SELL": N_("Post-purchase offer"),
    "OTHER": N_("Other reason"),
    "UNKNOWN_DELIVERY_DATE": N_("Unknown delivery date"),
}


def reason_label(reason: str | None) -> str:
    return HOLD_REASONS.get(reason or "", HOLD_REASONS["OTHER"])


def holds_changed(shop_domain: str, reference: OrderReference, receipt) -> None:
    shop = shops.shop_by_domain(shop_domain)
    if shop is None or not reference.fulfillment_order_gid:
        return
    client = tokens.admin_client(shop)
    fo, holds = fo_gateway.fulfillment_order_holds(client, reference.fulfillment_order_gid)
    if fo is None or fo.order_gid is None:
        return  # not this shop's (the HMAC does not prove the shop), or deleted since
    order = db.session.scalar(
        select(Order).where(Order.shop_id == shop.id, Order.shopify_gid == fo.order_gid)
    )
    if order is None:
        return
    for supplier_order in fulfillment_orders.supplier_orders_on(fo, order):
        follow(supplier_order, fo.gid, fulfillment_orders.hold_records(fo.gid, holds))


def follow(supplier_order: SupplierOrder, fo_gid: str, current: list[dict]) -> None:
    """Set the supplier order's holds on this fulfillment order to Shopify's `current`."""
    before = list(supplier_order.store_holds or [])
    known = {hold["id"] for hold in before}
    now_ids = {hold["id"] for hold in current}
    for hold in current:
        if hold["id"] not in known:
            _record(supplier_order, hold, EventKind.STORE_HOLD_ADDED, added=True)
    for hold in before:
        if hold.get("fo") == fo_gid and hold["id"] not in now_ids and hold["id"] is not None:
            _record(supplier_order, hold, EventKind.STORE_HOLD_RELEASED, added=False)
    kept = [hold for hold in before if hold.get("fo") != fo_gid] + current
    supplier_order.store_holds = kept or None
    if kept:
        states.advance(supplier_order, "store_on_hold")  # not yet sent: it waits
    elif before and supplier_order.status == "on_hold":
        # Shopify lists no hold any more: Relay's part, held because of it, goes on.
        requesting.release(supplier_order, actor="shopify")
    elif before:
        # With the supplier already: its answer and any parcel refused while the hold stood
        # ("no longer open") reach Shopify now.
        if supplier_order.status in tracking_push.ANSWERED:
            tracking_push.answer_request.once_after_commit(
                supplier_order.id, shop_id=supplier_order.shop_id
            )
        if supplier_order.problem:
            tracking_push.retry_rejected(supplier_order, actor="shopify")


def _record(supplier_order: SupplierOrder, hold: dict, kind: EventKind, *, added: bool) -> None:
    supplier = supplier_order.supplier.name if supplier_order.supplier else ""
    if added:
        message = (
            N_("On hold in Shopify (%(hold_reason)s): %(notes)s — %(supplier)s's part waits")
            if hold.get("notes")
            else N_("On hold in Shopify (%(hold_reason)s) — %(supplier)s's part waits")
        )
    else:
        message = N_("Hold released in Shopify (%(hold_reason)s) for %(supplier)s")
    timeline.record(
        supplier_order.order,
        kind,
        message,
        actor="shopify",
        actor_name=hold.get("by"),
        hold_reason=reason_label(hold.get("reason")).lower(),
        notes=hold.get("notes") or "",
        supplier=supplier,
        hold=hold["id"],
    )
