"""Mirror the store's orders into Relay: upserts keyed by Shopify ids, safe to replay and to
receive out of order (a delivery older than what we hold changes nothing).

Orders come in as `ShopifyOrder` values (integrations/shopify_admin/order_shapes.py makes them
from GraphQL nodes and from REST webhook payloads alike); here it is only decided what they
change: created or updated, stale or skipped, and how the order splits per supplier.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from domain import states
from domain.clock import aware, utcnow
from domain.fulfillment import hooks
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
from domain.orders import routing, timeline
from domain.orders.timeline import N_, EventKind
from domain.shop import compliance
from domain.shop.settings import settings_of
from extensions import db
from integrations.shopify_admin.order_shapes import ShopifyOrder
from integrations.shopify_admin.webhook_payloads import Customer

PAID_STATUSES = {"PAID", "PARTIALLY_REFUNDED", "REFUNDED", "PARTIALLY_PAID"}


def _paid(snapshot: ShopifyOrder) -> bool:
    return snapshot.financial_status in PAID_STATUSES


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
        if settings_of(shop).paid_only and not _paid(snapshot):
            return "skipped"
        # A webhook and the backfill may bring the same new order at the same moment: the
        # row is claimed with INSERT ... ON CONFLICT DO NOTHING, and whoever did not claim it
        # carries on as an update of the row the other made.
        created = _insert_if_absent(shop, snapshot)
        order = _locked_order(shop, snapshot.gid)
    if created:
        return _created(order, snapshot, source)
    if order.shopify_updated_at and snapshot.updated_at < aware(order.shopify_updated_at):
        return "stale"  # an older delivery arrived late: what we hold is newer
    was_paid = order.financial_status in PAID_STATUSES
    previous_store_status = order.store_status
    was_cancelled = order.cancelled_at is not None
    previous_address = order.shipping_address
    changed = _apply(order, snapshot)
    _sync_lines(order, snapshot)
    routing.split(order, paid=_paid(snapshot))
    if _paid(snapshot) and not was_paid:
        order.paid_at = utcnow()
        _advance_all(order, "paid")
        _event(order, EventKind.PAID, N_("Payment captured in the store"), via=source)
    if snapshot.store_status != previous_store_status:
        event = states.STORE_STATUS_EVENTS.get(snapshot.store_status)
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
        _event(
            order,
            EventKind.STORE_STATUS,
            N_("Store status is now %(status)s"),
            status=snapshot.store_status.replace("_", " ").lower(),
            via=source,
        )
    if snapshot.cancelled_at and not was_cancelled:
        _advance_all(order, "cancelled")
        _event(order, EventKind.CANCELLED, N_("Order cancelled in the store"), via=source)
    if _stored_address(snapshot) != previous_address:
        hooks.address_changed_in_store(order)
    hooks.order_synced(order)
    return "updated" if changed else "unchanged"


def _created(order: Order, snapshot: ShopifyOrder, source: str) -> str:
    """A new order: mirrored, split per supplier, and its first timeline event."""
    _apply(order, snapshot)
    _sync_lines(order, snapshot)
    routing.split(order, paid=_paid(snapshot))
    if _paid(snapshot):
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
        "shipping_address": _stored_address(snapshot),
        "search_text": _search_text(snapshot),
    }


def _stored_address(snapshot: ShopifyOrder) -> dict | None:
    address = snapshot.shipping_address
    return address.as_dict() if address is not None else None


def _sync_lines(order: Order, snapshot: ShopifyOrder) -> None:
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
                    quantity=line.quantity,
                    unit_price=line.unit_price,
                )
            )
        else:
            row.quantity, row.unit_price = line.quantity, line.unit_price


def start_run(shop: Shop, kind: str) -> SyncRun:
    run = SyncRun(shop_id=shop.id, kind=kind, status="queued")
    db.session.add(run)
    db.session.flush()
    return run


# -- compliance: orders hold customer data --------------------------------------------------


def _orders_of_customer(shop: Shop, customer: Customer):
    email = (customer.email or "").lower()
    if not email:
        return []
    return db.session.scalars(
        select(Order).where(Order.shop_id == shop.id, Order.customer_email == email)
    ).all()


def _collect(shop: Shop, customer: Customer) -> dict:
    return {
        "orders": [
            {
                "name": o.name,
                "customer_name": o.customer_name,
                "email": o.customer_email,
                "shipping_address": o.shipping_address,
            }
            for o in _orders_of_customer(shop, customer)
        ]
    }


def _redact(shop: Shop, customer: Customer) -> int:
    orders = _orders_of_customer(shop, customer)
    for order in orders:
        order.customer_name = "Redacted"
        order.customer_email = None
        order.shipping_address = None
        order.search_text = order.name.lower()
    return len(orders)


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
