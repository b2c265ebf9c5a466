"""Cancellation answers and requests that reach Relay from outside its own pages:

- the Shopify admin's own "Request cancellation" button: a fulfillment-service callback
  {"kind": "CANCELLATION_REQUEST"} and the webhook fulfillment_orders/cancellation_request_
  submitted, both at least once. Relay reads what is waiting at its location and opens one
  request per supplier order (an open request is never opened twice, so the two deliveries,
  and Relay's own request echoing back, end in one);
- a `store` supplier cancelling, in its own store, the order Relay placed there: that is its
  acceptance; with no request waiting, "Cancelled by the supplier" with the store's reason;
- the supplier portal's answer;
- the sweep's fallback: requests past their automatic-cancellation time whose job was lost,
  and store sides never carried out.
"""

from __future__ import annotations

import logging

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from background import SYNC, background
from domain import states
from domain.cancellations import lifecycle as cancellations
from domain.cancellations import push, rules
from domain.clock import utcnow
from domain.errors import WrongState
from domain.fulfillment import channels, fulfillment_orders
from domain.models.cancellations import CancellationRequest
from domain.models.orders import Order, Supplier, SupplierOrder
from domain.models.shop import Shop
from domain.notices import to_merchant
from domain.orders import timeline
from domain.orders.timeline import N_, EventKind
from domain.shop import tokens
from domain.suppliers import portal
from domain.transaction import unit_of_work
from extensions import db
from integrations.shopify_admin.errors import ShopifyUserError
from integrations.shopify_admin.gateway import cancellations as gateway
from integrations.shopify_admin.webhook_payloads import CancelledOrder

log = logging.getLogger("relay.cancellations")
ADMIN = N_("Shopify admin")  # stored in English, shown translated


# -- the Shopify admin's button -------------------------------------------------------------


@unit_of_work
def take_admin_requests(shop: Shop) -> int:
    """Open a request for each supplier order on a fulfillment order with a cancellation
    request waiting at Relay's location. Returns how many were opened."""
    client = tokens.admin_client(shop)
    opened = 0
    for waiting in gateway.requested_cancellations(client, shop.fulfillment_location_gid):
        fo = waiting.fulfillment_order
        order = db.session.scalar(
            select(Order).where(Order.shop_id == shop.id, Order.shopify_gid == fo.order_gid)
        )
        if order is None:
            continue  # not mirrored yet: the sweep brings it in, the next delivery finds it
        parts = [
            _locked(so.id)
            for so in fulfillment_orders.supplier_orders_on(fo, order)
            if so.supplier_id is not None
        ]
        for supplier_order in parts:
            opened += _take(client, supplier_order, fo.gid, waiting.message)
    return opened


def _locked(supplier_order_id: int) -> SupplierOrder:
    return db.session.scalar(
        select(SupplierOrder)
        .where(SupplierOrder.id == supplier_order_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _take(client, supplier_order: SupplierOrder, fo_gid: str, message: str | None) -> int:
    if rules.open_request(supplier_order) is not None:
        return 0  # Relay's own request echoing back, or the second of the two deliveries
    latest = rules.latest_request(supplier_order)
    if supplier_order.status == "cancelled" and latest is not None:
        # Decided, but the store still waits for the answer: that job was lost.
        push.carry_out.enqueue_once(
            latest.id, id_parts={"status": latest.status}, shop_id=latest.shop_id
        )
        return 0
    problem = rules.why_not_cancellable(supplier_order)
    if problem:
        _refuse_in_store(client, supplier_order, fo_gid, problem)
        return 0
    cancellations.request_cancellation(
        supplier_order,
        note=message,
        choices=rules.ADMIN_CHOICES,
        source="shopify_admin",
        actor="merchant",
        actor_name=ADMIN,
    )
    return 1


def _refuse_in_store(client, supplier_order: SupplierOrder, fo_gid: str, reason: str) -> None:
    """A request Relay cannot honour (e.g. it shipped): answer it in the store with why."""
    try:
        gateway.reject_cancellation_request(client, fo_gid, reason)
    except ShopifyUserError as exc:
        log.info("could not reject cancellation request on %s: %s", fo_gid, exc)
        return
    timeline.record(
        supplier_order.order,
        EventKind.ADMIN_CANCELLATION_REFUSED,
        N_("Cancellation request from the Shopify admin declined: %(reason)s"),
        reason=reason,
    )


# -- the supplier's own store ---------------------------------------------------------------


def cancelled_in_supplier_store(shop_domain: str, cancelled: CancelledOrder) -> int:
    """orders/cancelled from a supplier's store, for an order Relay placed there."""
    owned = channels.placed_in_supplier_store(shop_domain, cancelled.order_gid)
    for supplier_order in owned:
        name = supplier_order.supplier.name
        if supplier_order.status == "cancellation_requested":
            cancellations.accept(supplier_order, by="supplier", actor_name=name)
        elif (
            states.can("supplier_cancelled_in_store", supplier_order.status)
            and not supplier_order.parcels
        ):
            _cancelled_by_supplier(supplier_order, cancelled.cancel_reason)
        # Otherwise Relay cancelled it there itself (automatic cancellation), or it is over.
    return len(owned)


# Shopify's orders/cancelled cancel_reason, as the merchant reads it.
STORE_CANCEL_REASONS = {
    "customer": N_("the customer changed or cancelled the order"),
    "inventory": N_("items unavailable"),
    "fraud": N_("fraudulent order"),
    "declined": N_("payment declined"),
    "staff": N_("staff error"),
    "other": N_("other reason"),
}


def _cancelled_by_supplier(supplier_order: SupplierOrder, cancel_reason: str | None) -> None:
    """Cancelled in the supplier's store with nothing asked: not a declined request but an
    order the supplier will not ship. Said as it is ("Cancelled by the supplier"), with the
    merchant's next steps from the status table (another supplier, or cancel and refund)."""
    name = supplier_order.supplier.name
    reason = STORE_CANCEL_REASONS.get((cancel_reason or "other").lower(), N_("other reason"))
    states.advance(supplier_order, "supplier_cancelled_in_store")
    supplier_order.decline_reason = reason
    supplier_order.decline_reason_code = "OTHER"
    timeline.record(
        supplier_order.order,
        EventKind.SUPPLIER_CANCELLED_IN_STORE,
        N_("%(supplier)s cancelled the order in its store (reason: %(store_reason)s)"),
        actor="supplier",
        actor_name=name,
        supplier=name,
        store_reason=reason,
    )
    db.session.flush()
    to_merchant.supplier_cancelled_in_store(supplier_order)


def order_cancelled_in_store(shop_domain: str, cancelled: CancelledOrder, receipt) -> None:
    """The retailer cancelled the order in Shopify after Shopify had refused Relay's
    orderCancel (e.g. once the other suppliers' parts were cancelled): that problem is over."""
    order = db.session.scalar(
        select(Order)
        .join(Shop, Shop.id == Order.shop_id)
        .where(Shop.domain == shop_domain, Order.shopify_gid == cancelled.order_gid)
    )
    if order is None:
        return
    for supplier_order in order.supplier_orders:
        latest = rules.latest_request(supplier_order)
        if latest is None or not latest.store_error or latest.order_cancel_job:
            continue
        if supplier_order.problem == latest.store_error:
            supplier_order.problem = None
        latest.order_cancel_job = "cancelled in the store"
        timeline.record(
            order,
            EventKind.ORDER_CANCEL_RESOLVED,
            N_("Order cancelled in the store: the earlier refusal is resolved"),
            actor="shopify",
        )


# -- the supplier portal --------------------------------------------------------------------


@unit_of_work
def answer_in_portal(supplier: Supplier, supplier_order_id: int, *, accept: bool, form) -> None:
    supplier_order = portal.supplier_order_of(supplier, supplier_order_id, lock=True)
    if accept:
        cancellations.accept(supplier_order, by="supplier", actor_name=supplier.name)
    else:
        cancellations.decline(
            supplier_order, form.get("reason"), by="supplier", actor_name=supplier.name
        )


@unit_of_work
def answer_for_manual_supplier(supplier_order: SupplierOrder, *, accept: bool, form) -> None:
    """The merchant answers for a manual (non auto-order) supplier it contacted itself."""
    if supplier_order.supplier is None or supplier_order.supplier.channel != "manual":
        raise WrongState(_("Only the supplier can answer this cancellation request."))
    if accept:
        cancellations.accept(supplier_order, by="merchant", actor_name=N_("Merchant"))
    else:
        cancellations.decline(
            supplier_order, form.get("reason"), by="merchant", actor_name=N_("Merchant")
        )


# -- the sweep's fallback -------------------------------------------------------------------


@background(
    queue=SYNC,
    job_id="cancellation-reconcile-{0}",
    label=_l("Check cancellations left unfinished"),
)
def reconcile_shop(shop_id: int) -> str:
    shop = db.session.get(Shop, shop_id)
    if shop is None:
        return "no such shop"
    return str(reconcile(shop))


def reconcile(shop: Shop) -> dict[str, int]:
    """Re-enqueue what lost jobs left: overdue automatic cancellations, store sides not carried
    out, and cancellation requests made in the Shopify admin that Relay never saw."""
    done = {"overdue": 0, "store": 0, "admin": 0}
    if not shop.is_installed:
        return done
    for request_id in db.session.scalars(
        select(CancellationRequest.id).where(
            CancellationRequest.shop_id == shop.id,
            CancellationRequest.status == "requested",
            CancellationRequest.auto_cancel_at <= utcnow(),
        )
    ):
        done["overdue"] += (
            cancellations.auto_cancel_if_due.run_now_unless_pending(request_id, shop_id=shop.id)
            is not None
        )
    for request_id, status in db.session.execute(
        select(CancellationRequest.id, CancellationRequest.status).where(
            CancellationRequest.shop_id == shop.id,
            (CancellationRequest.store_synced_status.is_(None))
            | (CancellationRequest.store_synced_status != CancellationRequest.status),
        )
    ):
        done["store"] += (
            push.carry_out.enqueue_once(request_id, id_parts={"status": status}, shop_id=shop.id)
            is not None
        )
    db.session.rollback()  # read-only so far: end the transaction before talking to Shopify
    if shop.fulfillment_location_gid:
        done["admin"] = take_admin_requests(shop)
    return done
