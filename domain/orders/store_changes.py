"""Changes the merchant makes in Shopify after a part was sent to its supplier, followed per
part (an order can have several suppliers) and told to the supplier of each part they touch.

- Fulfilled in Shopify by the merchant: which of a part's units the merchant fulfilled itself
  is what Shopify's fulfillments hold for the part's lines beyond the parcels the supplier
  reported through Relay (Relay's own pushes echo back as fulfillments too, and are already
  parcels). Only the parts with such units move; their supplier is told not to ship them:
  the portal shows it, an order in the supplier's store gets a note and, when the merchant
  fulfilled all of it before the supplier shipped anything, is cancelled there; for a manual
  supplier the merchant is told to contact it.
- Cancelled in Shopify: a part still with its supplier is cancelled with the supplier told
  (a cancellation request decided at once, carried out by the same job as any other: the
  supplier-store order is cancelled there); shipped parts stay shipped.
- Deleted in Shopify (orders/delete): the order is kept, marked deleted, never forwarded; its
  supplier payments, refunds and ledger entries stay (money history is never dropped).
"""

from __future__ import annotations

import logging

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from background import PUSH, background
from domain import states
from domain.cancellations import push
from domain.clock import utcnow
from domain.models.cancellations import CancellationRequest
from domain.models.orders import Order, SupplierOrder
from domain.models.shop import Shop
from domain.money import cancelled_parts
from domain.orders import timeline
from domain.orders.timeline import N_, EventKind
from domain.shop import shops, tokens
from domain.transaction import unit_of_work
from extensions import db
from integrations.shopify_admin.errors import ShopifyUserError
from integrations.shopify_admin.gateway import cancellations as store_gateway
from integrations.shopify_admin.gateway import fulfillment as fo_gateway
from integrations.shopify_admin.gateway import orders as orders_gateway
from integrations.shopify_admin.webhook_payloads import DeletedOrder, StoreFulfillment

log = logging.getLogger("relay.store_changes")

# Parts the supplier has (or had, and may still be shipping) when the merchant acts in Shopify.
WITH_SUPPLIER = (*states.WITH_SUPPLIER, "cancellation_requested")
FULFILLED_TAG = "relay-fulfilled-by-retailer"
FULFILLED_BY_MERCHANT = "fulfilled_by_merchant"
CANCELLED_IN_STORE = "cancelled_in_store"


def _supplier_name(supplier_order: SupplierOrder) -> str:
    return supplier_order.supplier.name if supplier_order.supplier else "?"


def _channel(supplier_order: SupplierOrder) -> str | None:
    return supplier_order.supplier.channel if supplier_order.supplier else None


def never_forwarded(order: Order) -> str | None:
    """Why this order must not go to any supplier (None: it may)."""
    if order.deleted_at is not None:
        return N_("The order was deleted in Shopify: nothing is sent to the supplier.")
    if order.customer_redacted_at is not None:
        return N_(
            "The customer's data was erased at their request: the order cannot be sent to a "
            "supplier."
        )
    return None


# -- cancelled in Shopify ---------------------------------------------------------------------


def cancelled_in_store(order: Order, *, source: str) -> None:
    """The order was cancelled in Shopify (called by sync.upsert, in its unit of work)."""
    for supplier_order in order.supplier_orders:
        if supplier_order.status in WITH_SUPPLIER and supplier_order.supplier is not None:
            _cancel_with_supplier(supplier_order)
        states.advance(supplier_order, "cancelled")
        cancelled_parts.record_cancellation(supplier_order)  # a paid part's money stays
    timeline.record(
        order, EventKind.CANCELLED, N_("Order cancelled in the store"), actor="shopify", via=source
    )


def _cancel_with_supplier(supplier_order: SupplierOrder) -> None:
    """The supplier has it: decided as cancelled now (Shopify's cancellation is not a request
    the supplier may decline), and carried out in the supplier's store by push.carry_out."""
    request = next((r for r in supplier_order.cancellation_requests if r.is_open), None)
    if request is None:
        request = CancellationRequest(
            shop_id=supplier_order.shop_id,
            supplier_order=supplier_order,
            source="shopify_order",
            requested_by=N_("Shopify admin"),
            requested_at=utcnow(),
            note="Order cancelled in the store",
            scope="supplier",  # the order is cancelled already: never orderCancel again
            restock=False,
            refund=False,
            notify_customer=False,
            previous_status=supplier_order.status,
            supplier_was_paid=supplier_order.supplier_paid_at is not None,
        )
        db.session.add(request)
    request.status = "auto_cancelled"
    request.decided_at = utcnow()
    request.decided_by = "relay"
    request.decided_by_name = N_("Cancelled in Shopify")
    supplier_order.store_change = CANCELLED_IN_STORE
    supplier, channel = _supplier_name(supplier_order), _channel(supplier_order)
    if channel == "manual":
        supplier_order.problem = N_(
            "The order was cancelled in Shopify after it was sent: contact the supplier to "
            "cancel it on their website."
        )
        message = N_(
            "Cancelled in Shopify after it was sent to %(supplier)s: contact them to cancel it"
        )
    elif channel == "store":
        message = N_(
            "Cancelled in Shopify after it was sent to %(supplier)s: the order in their store "
            "is cancelled too"
        )
    else:
        message = N_(
            "Cancelled in Shopify after it was sent to %(supplier)s: the supplier portal shows "
            "it cancelled"
        )
    timeline.record(
        supplier_order.order,
        EventKind.CANCELLED_AFTER_FORWARD,
        message,
        actor="shopify",
        supplier=supplier,
        channel=channel or "",
    )
    db.session.flush()
    push.carry_out.once_after_commit(
        request.id, id_parts={"status": request.status}, shop_id=request.shop_id
    )


# -- fulfilled in Shopify by the merchant -----------------------------------------------------


def fulfillment_changed(order: Order) -> None:
    """The store's fulfillment status changed: once this commits, see which parts the
    merchant fulfilled itself (a job: it reads the order's fulfillments from Shopify), unless
    every unit is in its supplier's parcels (Relay's own pushes echoing back)."""
    parts = [so for so in order.supplier_orders if so.status in (*WITH_SUPPLIER, "shipped")]
    if parts and any(
        merchant_fulfilled_units(so, {line.shopify_gid: line.quantity for line in so.line_items})
        for so in order.supplier_orders
        if so.supplier is not None
    ):
        db.session.flush()
        follow_merchant_fulfillments.once_after_commit(order.id, shop_id=order.shop_id)


def fulfilled_in_store(shop_domain: str, fulfillment: StoreFulfillment, receipt) -> None:
    """fulfillments/create and /update of the store's own order: the store's status may not
    change (a second part fulfilled while another is still open), so each one is looked at."""
    order = db.session.scalar(
        select(Order)
        .join(Shop, Shop.id == Order.shop_id)
        .where(Shop.domain == shop_domain, Order.shopify_gid == fulfillment.order_gid)
    )
    if order is None:
        return
    pushed = {
        parcel.shopify_fulfillment_gid for so in order.supplier_orders for parcel in so.parcels
    }
    if fulfillment.reference not in pushed:  # not Relay's own push echoing back
        fulfillment_changed(order)


def _relay_shipped(supplier_order: SupplierOrder) -> dict[str, int]:
    """Units per line item gid the supplier reported through Relay (its parcels)."""
    shipped: dict[str, int] = {}
    for parcel in supplier_order.parcels:
        for line in parcel.lines:
            gid = line.line_item.shopify_gid
            shipped[gid] = shipped.get(gid, 0) + line.quantity
    return shipped


def merchant_fulfilled_units(supplier_order: SupplierOrder, fulfilled: dict[str, int]) -> dict:
    """Units per line of this part fulfilled in Shopify beyond the supplier's own parcels."""
    relay = _relay_shipped(supplier_order)
    units = {}
    for line in supplier_order.line_items:
        extra = min(fulfilled.get(line.shopify_gid, 0), line.quantity) - relay.get(
            line.shopify_gid, 0
        )
        if extra > 0:
            units[line.shopify_gid] = extra
    return units


@background(
    queue=PUSH,
    job_id="merchant-fulfilled-{0}",
    label=_l("Tell suppliers about items fulfilled in Shopify"),
)
def follow_merchant_fulfillments(order_id: int) -> str:
    order = db.session.get(Order, order_id)
    if order is None:
        return "gone"
    shop = db.session.get(Shop, order.shop_id)
    if not shop.is_installed:
        return "not installed"
    fulfilled: dict[str, int] = {}
    for fulfillment in fo_gateway.fulfillments_of(tokens.admin_client(shop), order.shopify_gid):
        if fulfillment.status != "SUCCESS":
            continue
        for gid, quantity in fulfillment.line_quantities.items():
            fulfilled[gid] = fulfilled.get(gid, 0) + quantity
    db.session.rollback()  # read-only so far: the decisions lock what they change
    told = _apply_merchant_fulfillments(order_id, fulfilled)
    for supplier_order_id in told:
        _tell_supplier_store(supplier_order_id)
    return f"told {len(told)}"


@unit_of_work
def _apply_merchant_fulfillments(order_id: int, fulfilled: dict[str, int]) -> list[int]:
    """Move each part the merchant fulfilled (some or all of its units) and tell its supplier
    once per new unit; returns the parts whose supplier's store is to be told."""
    order = db.session.get(Order, order_id, with_for_update=True, populate_existing=True)
    told = []
    for supplier_order in order.supplier_orders:
        if supplier_order.supplier is None:
            continue
        units = merchant_fulfilled_units(supplier_order, fulfilled)
        already = supplier_order.merchant_fulfilled or {}
        if not units or all(already.get(gid, 0) >= n for gid, n in units.items()):
            continue  # nothing the merchant did, or the supplier was told already
        all_lines = all(
            min(fulfilled.get(line.shopify_gid, 0), line.quantity) >= line.quantity
            for line in supplier_order.line_items
        )
        event = "store_fulfilled" if all_lines else "store_partially_fulfilled"
        if supplier_order.status in states.BEFORE_FORWARD:
            states.advance(supplier_order, event)
            supplier_order.merchant_fulfilled = units
            continue  # not sent yet: no supplier to tell (the forward finds nothing open)
        states.advance(supplier_order, event)
        supplier_order.merchant_fulfilled = units
        supplier_order.store_change = FULFILLED_BY_MERCHANT
        _record_told(supplier_order, units, all_lines)
        if _channel(supplier_order) == "store":
            told.append(supplier_order.id)
    return told


def _record_told(supplier_order: SupplierOrder, units: dict, all_lines: bool) -> None:
    supplier, channel = _supplier_name(supplier_order), _channel(supplier_order)
    count = sum(units.values())
    if channel == "manual":
        supplier_order.problem = N_(
            "You fulfilled items in Shopify that were sent to the supplier: tell the supplier "
            "not to ship them."
        )
        message = N_(
            "%(count)s unit(s) sent to %(supplier)s were fulfilled in Shopify by the store: "
            "contact them so they do not ship them"
        )
    elif channel == "store":
        message = N_(
            "%(count)s unit(s) sent to %(supplier)s were fulfilled in Shopify by the store: "
            "their store's order is marked so"
        )
    else:
        message = N_(
            "%(count)s unit(s) sent to %(supplier)s were fulfilled in Shopify by the store: "
            "the supplier portal tells them not to ship them"
        )
    timeline.record(
        supplier_order.order,
        EventKind.FULFILLED_BY_MERCHANT,
        message,
        actor="shopify",
        supplier=supplier,
        count=count,
        all=all_lines,
        lines=units,
    )


def _tell_supplier_store(supplier_order_id: int) -> None:
    """Note (and tag) the order in the supplier's store; cancel it there when the merchant
    fulfilled the whole part and the supplier shipped nothing yet. Safe to repeat: the tag
    and the store's cancelled state are read first."""
    supplier_order = db.session.get(SupplierOrder, supplier_order_id)
    supplier = supplier_order.supplier
    reference = supplier_order.supplier_reference
    supplier_shop = shops.shop_by_domain(supplier.store_domain or "")
    if not reference or supplier_shop is None or not supplier_shop.is_installed:
        return
    retailer = db.session.get(Shop, supplier_order.shop_id)
    order_name = supplier_order.order.name
    whole = supplier_order.status == "shipped" and not supplier_order.parcels
    db.session.rollback()
    client = tokens.admin_client(supplier_shop)
    state = store_gateway.order_state(client, reference)
    if state is None or state.cancelled:
        return
    if FULFILLED_TAG not in state.tags:
        line = (
            f"FULFILLED BY THE RETAILER: {retailer.name or retailer.domain} fulfilled "
            f"{order_name} (or part of it) itself. Do not ship what it fulfilled."
        )
        note = f"{state.note}\n\n{line}" if state.note else line
        store_gateway.update_note_and_tags(client, reference, note, [*state.tags, FULFILLED_TAG])
    if not whole:
        return
    try:
        store_gateway.cancel_order(
            client,
            reference,
            restock=True,
            refund=False,
            notify_customer=False,
            reason="OTHER",
            staff_note=f"Cancelled by Relay: {retailer.name or retailer.domain} fulfilled "
            f"{order_name} itself",
        )
    except ShopifyUserError as exc:  # e.g. the supplier fulfilled it there meanwhile
        _record_supplier_store_answer(supplier_order_id, refused=str(exc))
        return
    _record_supplier_store_answer(supplier_order_id)


@unit_of_work
def _record_supplier_store_answer(supplier_order_id: int, refused: str | None = None) -> None:
    supplier_order = db.session.get(SupplierOrder, supplier_order_id)
    if refused is None:
        timeline.record(
            supplier_order.order,
            EventKind.CANCELLED_IN_SUPPLIER_STORE,
            N_("Order cancelled in %(supplier)s's store"),
            supplier=_supplier_name(supplier_order),
        )
        return
    supplier_order.problem = refused
    timeline.record(
        supplier_order.order,
        EventKind.CANCELLATION_REFUSED_BY_STORE,
        N_("The store refused a cancellation step: %(reason)s"),
        reason=refused,
    )


# -- deleted in Shopify -----------------------------------------------------------------------


def deleted_in_store(shop_domain: str, deleted: DeletedOrder, receipt) -> None:
    """orders/delete. Shopify deletes only cancelled or archived orders, so nothing is left to
    ship: the order is marked deleted (its rows, refunds, supplier payments and ledger entries
    stay: money already moved must stay accounted for), parts not yet sent are cancelled, and
    it is never forwarded. A part still with its supplier is left as it is, with the merchant
    told: only the supplier can stop it.

    The body ({"id"}) is a part of every order body and the HMAC does not cover the topic, so
    a captured orders/updated body posted as orders/delete would verify: the order is only
    marked deleted once the shop's Admin API no longer has it."""
    shop = shops.shop_by_domain(shop_domain)
    if shop is None or not shop.is_installed:
        return  # cannot ask the store; the sweep never brings a deleted order back either
    held = select(Order).where(Order.shop_id == shop.id, Order.shopify_gid == deleted.order_gid)
    if db.session.scalar(held.where(Order.deleted_at.is_(None))) is None:
        return  # never mirrored (nothing to keep), or a redelivery
    if orders_gateway.order_by_id(tokens.admin_client(shop), deleted.order_gid) is not None:
        log.warning(
            "orders/delete for %s, which %s still has: ignored", deleted.order_gid, shop_domain
        )
        receipt.error = "ignored: the order is still in the store"
        return
    order = db.session.scalar(held.with_for_update().execution_options(populate_existing=True))
    if order.deleted_at is not None:
        return
    order.deleted_at = utcnow()
    for supplier_order in order.supplier_orders:
        if supplier_order.status in states.BEFORE_FORWARD:
            states.advance(supplier_order, "cancelled")
            cancelled_parts.record_cancellation(supplier_order)
        elif supplier_order.status in WITH_SUPPLIER:
            supplier_order.problem = N_(
                "The order was deleted in Shopify while the supplier has it: contact the supplier."
            )
    timeline.record(
        order, EventKind.DELETED_IN_STORE, N_("Order deleted in the store"), actor="shopify"
    )
