"""Mirror the store's orders into Relay: upserts keyed by Shopify ids, safe to replay and to
receive out of order (a delivery older than what we hold changes nothing).

Orders come in as `ShopifyOrder` values (integrations/shopify_admin/order_shapes.py makes them
from GraphQL nodes and from REST webhook payloads alike); here it is only decided what they
change: created or updated, stale or skipped, and how the order splits per supplier.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from sqlalchemy import delete, or_, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from domain import states
from domain.clock import aware, utcnow
from domain.fulfillment import hooks, line_changes
from domain.models.orders import (
    LineItem,
    Order,
    OrderEvent,
    Supplier,
    SupplierOrder,
    SyncRun,
    VariantMapping,
)
from domain.models.shop import Shop
from domain.orders import routing, store_changes, timeline
from domain.orders.paid import counts_as_paid
from domain.orders.timeline import N_, EventKind
from domain.shop import compliance
from domain.shop.settings import settings_of
from extensions import db
from integrations.shopify_admin.ids import gid
from integrations.shopify_admin.order_shapes import ShopifyOrder
from integrations.shopify_admin.webhook_payloads import ComplianceRequest, Customer


def _paid(snapshot: ShopifyOrder, shop: Shop) -> bool:
    return counts_as_paid(snapshot.financial_status, shop)


def _event(order: Order, kind: EventKind, message: str, **data) -> None:
    timeline.record(order, kind, message, actor="shopify", **data)


def _search_text(snapshot: ShopifyOrder) -> str:
    parts = [snapshot.name, snapshot.customer_name or "", snapshot.customer_email or ""]
    parts += [line.sku or "" for line in snapshot.lines]
    return " ".join(p.lower() for p in parts if p)


def _locked_order(shop: Shop, gid: str) -> Order | None:
    return db.session.scalar(
        select(Order)
        .where(Order.shop_id == shop.id, Order.shopify_gid == gid)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _insert_if_absent(shop: Shop, snapshot: ShopifyOrder) -> bool:
    """Claim the order's row; False when another transaction has (it waits for that one to
    commit on PostgreSQL, for its write lock on SQLite)."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(Order.__table__)
        .values(shop_id=shop.id, shopify_gid=snapshot.gid, **_order_values(snapshot))
        .on_conflict_do_nothing(index_elements=["shop_id", "shopify_gid"])
        .returning(Order.__table__.c.id)
    )
    return db.session.execute(statement).scalar() is not None


def holds_order(shop: Shop, gid: str) -> bool:
    """Does Relay's mirror of this shop hold the order?"""
    found = select(Order.id).where(Order.shop_id == shop.id, Order.shopify_gid == gid)
    return db.session.scalar(found) is not None


def upsert(shop: Shop, snapshot: ShopifyOrder, *, source: str) -> str:
    """Apply one snapshot. Returns "created", "updated", "unchanged", "stale" or "skipped"."""
    order = _locked_order(shop, snapshot.gid)
    created = False
    if order is None:
        if settings_of(shop).paid_only and not _paid(snapshot, shop):
            return "skipped"
        # A webhook and the backfill may bring the same new order at the same moment: the
        # row is claimed with INSERT ... ON CONFLICT DO NOTHING, and whoever did not claim it
        # carries on as an update of the row the other made.
        created = _insert_if_absent(shop, snapshot)
        order = _locked_order(shop, snapshot.gid)
    if created:
        return _created(shop, order, snapshot, source)
    if order.shopify_updated_at and snapshot.updated_at < aware(order.shopify_updated_at):
        return "stale"  # an older delivery arrived late: what we hold is newer
    if order.cancelled_at is not None and snapshot.cancelled_at is None:
        # A cancelled order is never uncancelled: this delivery is from before the cancellation
        # (a refund made with it carries the same second in updated_at and may come last).
        return "stale"
    if order.deleted_at is not None:
        return "stale"  # deleted in Shopify: a delivery from before that changes nothing
    snapshot = _without_redacted_customer(order, snapshot)
    was_paid = counts_as_paid(order.financial_status, shop)
    previous_store_status = order.store_status
    was_cancelled = order.cancelled_at is not None
    previous_address = order.shipping_address
    changed = _apply(order, snapshot)
    sent_before = line_changes.sent_quantities(order)
    _sync_lines(order, snapshot)
    routing.split(order, paid=_paid(snapshot, shop))
    line_changes.tell_suppliers(order, sent_before)
    if _paid(snapshot, shop):
        if not was_paid or order.paid_at is None:
            # The hold window counts from the first payment (a balance paid later keeps it).
            order.paid_at = order.paid_at or utcnow()
            _event(order, EventKind.PAID, N_("Payment captured in the store"), via=source)
        # Also for an order paid before: a follow-up part made while an edit left it partly
        # paid waits for the balance, and moves on once it is paid.
        _advance_all(order, "paid")
    if snapshot.store_status != previous_store_status:
        _store_status_changed(order, snapshot.store_status, source)
    if snapshot.cancelled_at and not was_cancelled:
        store_changes.cancelled_in_store(order, source=source)
    if _stored_address(snapshot) != previous_address:
        hooks.address_changed_in_store(order)
    hooks.order_synced(order)
    return "updated" if changed else "unchanged"


def store_status_read(shop: Shop, order_gid: str, store_status: str, source: str) -> str | None:
    """Only the store's fulfillment status was read (a fulfillment order's request moved; the
    order itself did not change): apply it to the order Relay holds. None when Relay does not
    hold the order: the caller reads it whole."""
    order = _locked_order(shop, order_gid)
    if order is None:
        return None
    if order.deleted_at is not None or order.store_status == store_status:
        return "unchanged"
    order.store_status = store_status
    # A request's move adds or removes no fulfillment: nothing the merchant fulfilled to see.
    _store_status_changed(order, store_status, source, fulfillments_may_differ=False)
    hooks.order_synced(order)
    return "updated"


def _store_status_changed(
    order: Order, store_status: str, source: str, fulfillments_may_differ: bool = True
) -> None:
    event = states.STORE_STATUS_EVENTS.get(store_status)
    # The store's status is the whole order's: it speaks for a supplier order only when
    # there is just one. With several, each part moves by its own supplier's actions.
    # Nor when the store ships some lines itself (a gift card fulfilled at once): then
    # the store's status is about those lines too.
    if (
        event
        and len(order.supplier_orders) == 1
        and all(line.goes_to_a_supplier for line in order.line_items)
    ):
        _advance_all(order, event)
    # Which parts the merchant fulfilled itself, per part, from Shopify's fulfillments.
    if fulfillments_may_differ:
        store_changes.fulfillment_changed(order)
    _event(
        order,
        EventKind.STORE_STATUS,
        N_("Store status is now %(status)s"),
        status=store_status.replace("_", " ").lower(),
        via=source,
    )


def _created(shop: Shop, order: Order, snapshot: ShopifyOrder, source: str) -> str:
    """A new order: mirrored, split per supplier, and its first timeline event."""
    _apply(order, snapshot)
    _sync_lines(order, snapshot)
    routing.split(order, paid=_paid(snapshot, shop))
    if _paid(snapshot, shop):
        order.paid_at = utcnow()
    if snapshot.cancelled_at:
        _advance_all(order, "cancelled")
    _event(
        order,
        EventKind.CREATED,
        N_("Order %(name)s received from the store"),
        name=snapshot.name,
        via=source,
    )
    hooks.order_synced(order)
    return "created"


def _advance_all(order: Order, event: str) -> None:
    for supplier_order in order.supplier_orders:
        states.advance(supplier_order, event)


def _apply(order: Order, snapshot: ShopifyOrder) -> bool:
    changed = False
    for key, value in _order_values(snapshot).items():
        current = getattr(order, key)
        if isinstance(current, datetime) and isinstance(value, datetime):
            current = aware(current)
        if current != value:
            setattr(order, key, value)
            changed = True
    order.synced_at = utcnow()
    return changed


def _order_values(snapshot: ShopifyOrder) -> dict:
    """The order's columns as the snapshot has them."""
    return {
        "name": snapshot.name,
        "created_at": snapshot.created_at,
        "shopify_updated_at": snapshot.updated_at,
        "financial_status": snapshot.financial_status,
        "store_status": snapshot.store_status,
        "cancelled_at": snapshot.cancelled_at,
        "currency": snapshot.currency,
        "total": snapshot.total,
        "customer_name": snapshot.customer_name,
        "customer_email": snapshot.customer_email,
        "customer_gid": snapshot.customer_gid,
        "shipping_address": _stored_address(snapshot),
        "search_text": _search_text(snapshot),
        **_money_values(snapshot),
        "test": snapshot.test,
    }


def _money_values(snapshot: ShopifyOrder) -> dict:
    """Presentment money and how taxes count, when the payload carried them (never unset)."""
    values = {
        "presentment_currency": snapshot.presentment_currency,
        "presentment_total": snapshot.presentment_total,
        "taxes_included": snapshot.taxes_included,
        "shipping_total": snapshot.shipping_total,
        "presentment_shipping_total": snapshot.presentment_shipping_total,
    }
    return {key: value for key, value in values.items() if value is not None}


LINE_MONEY = (
    "presentment_unit_price",
    "discounted_total",
    "presentment_discounted_total",
    "tax",
    "presentment_tax",
)


def _line_money(line) -> dict:
    return {key: getattr(line, key) for key in LINE_MONEY if getattr(line, key) is not None}


def _stored_address(snapshot: ShopifyOrder) -> dict | None:
    address = snapshot.shipping_address
    return address.as_dict() if address is not None else None


def _sync_lines(order: Order, snapshot: ShopifyOrder) -> None:
    """Each line's quantity is what the order holds now (removed and refunded units left out).
    A line removed by an order edit stays, at 0 (refunds and parcels may point at it), and
    routing leaves it out of every part: no supplier is asked for it."""
    existing = {line.shopify_gid: line for line in order.line_items}
    for line in snapshot.lines:
        row = existing.get(line.gid)
        if row is None:
            order.line_items.append(
                LineItem(
                    shopify_gid=line.gid,
                    sku=line.sku,
                    title=line.title,
                    variant_title=line.variant_title,
                    quantity=line.holds,
                    ordered_quantity=line.quantity,
                    unit_price=line.unit_price,
                    **_line_money(line),
                )
            )
        else:
            row.quantity, row.ordered_quantity = line.holds, line.quantity
            row.unit_price = line.unit_price
            for key, value in _line_money(line).items():
                setattr(row, key, value)


def start_run(shop: Shop, kind: str) -> SyncRun:
    run = SyncRun(shop_id=shop.id, kind=kind, status="queued")
    db.session.add(run)
    db.session.flush()
    return run


# -- compliance: orders hold customer data --------------------------------------------------


def _orders_of_customer(shop: Shop, customer: Customer, order_ids=()):
    """The customer's orders: those Shopify names (`orders_to_redact`, REST ids), those of
    the customer's id, and those carrying the customer's email (an order placed as a guest
    has no customer id)."""
    wanted = [gid("Order", i) for i in order_ids or () if isinstance(i, int | str)]
    email = (customer.email or "").lower()
    match = [Order.shopify_gid.in_(wanted)] if wanted else []
    if customer.id is not None and isinstance(customer.id, int | str) and str(customer.id):
        match.append(Order.customer_gid == gid("Customer", customer.id))
    if email:
        match.append(Order.customer_email == email)
    if not match:
        return []
    return db.session.scalars(
        select(Order).where(Order.shop_id == shop.id, or_(*match)).order_by(Order.id)
    ).all()


def _collect(shop: Shop, request: ComplianceRequest) -> dict:
    return {
        "orders": [
            {
                "name": o.name,
                "customer_name": o.customer_name,
                "email": o.customer_email,
                "shipping_address": o.shipping_address,
            }
            for o in _orders_of_customer(shop, request.customer, request.orders_requested)
        ]
    }


REDACTED_NAME = "Redacted"


def _redact(shop: Shop, request: ComplianceRequest) -> int:
    orders = _orders_of_customer(shop, request.customer, request.orders_to_redact)
    for order in orders:
        order.customer_name = REDACTED_NAME
        order.customer_email = None
        order.customer_gid = None
        order.shipping_address = None
        order.search_text = order.name.lower()
        if order.customer_redacted_at is None:
            order.customer_redacted_at = utcnow()
            timeline.record(
                order,
                EventKind.CUSTOMER_REDACTED,
                N_("The customer's data was erased at their request: it is never sent on"),
                actor="shopify",
            )
    return len(orders)


def customer_redacted(shop: Shop, gid_: str) -> bool:
    """Was the customer of this order erased at their request?"""
    found = select(Order.customer_redacted_at).where(
        Order.shop_id == shop.id, Order.shopify_gid == gid_
    )
    return db.session.scalar(found) is not None


def _without_redacted_customer(order: Order, snapshot: ShopifyOrder) -> ShopifyOrder:
    """A redacted order's later snapshots (webhooks, sweeps) never bring the customer back."""
    if order.customer_redacted_at is None:
        return snapshot
    return replace(
        snapshot,
        customer_name=REDACTED_NAME,
        customer_email=None,
        customer_gid=None,
        shipping_address=None,
    )


compliance.customer_data("orders")((_collect, _redact))


@compliance.shop_eraser
def _erase_orders(shop: Shop) -> None:
    for model in (OrderEvent, SupplierOrder):
        db.session.execute(delete(model).where(model.shop_id == shop.id))
    order_ids = select(Order.id).where(Order.shop_id == shop.id)
    db.session.execute(delete(LineItem).where(LineItem.order_id.in_(order_ids)))
    db.session.execute(delete(Order).where(Order.shop_id == shop.id))
    db.session.execute(delete(SyncRun).where(SyncRun.shop_id == shop.id))
    db.session.execute(delete(VariantMapping).where(VariantMapping.shop_id == shop.id))
    db.session.execute(delete(Supplier).where(Supplier.shop_id == shop.id))
