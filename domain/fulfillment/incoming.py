"""Requests made with Shopify's own admin buttons reach Relay as the fulfillment service (a
callback and a webhook, both at least once). Relay reads what is assigned to it and treats a
fulfillment request exactly like Request Fulfillment in its grid: one outcome, deduplicated by
the status table (a supplier order already scheduled or sent is left alone)."""

from __future__ import annotations

from sqlalchemy import select

from domain.cancellations import intake as cancellation_intake
from domain.fulfillment import fulfillment_orders
from domain.fulfillment import requesting as requests
from domain.models.orders import Order, SupplierOrder
from domain.models.shop import Shop
from domain.orders import sync, timeline
from domain.orders.timeline import N_
from domain.shop import installation
from domain.webhooks.topics import handles
from extensions import db
from integrations.shopify_admin.errors import ShopifyUserError
from integrations.shopify_admin.gateway import fulfillment as fo_gateway
from integrations.shopify_admin.gateway import orders as orders_gateway
from jobs import queues
from jobs.after_commit import defer

ADMIN = N_("Shopify admin")  # stored in English, shown translated
ANSWERED_IN_RELAY = ("in_progress", "partially_shipped", "shipped")
# A request for these can only be answered "no"; every other status is Relay's flow in motion.
CANNOT_GO_TO_A_SUPPLIER = ("awaiting_payment", "unassigned", "cancelled")


@handles("fulfillment_service/notification")
def fulfillment_service_notified(shop_domain: str, payload: dict, receipt) -> None:
    """The callback names no fulfillment order: Relay lists what is assigned to it, a little
    later and on the sync queue. The webhook below already took each request it names, so the
    listing only catches one whose webhook never came; a burst of callbacks (one per request
    Relay itself submits) is one listing per shop."""
    if payload.get("kind") not in (None, "FULFILLMENT_REQUEST"):
        return
    shop = installation.shop_by_domain(shop_domain)
    if shop is not None and shop.is_installed and shop.fulfillment_location_gid:
        queues.enqueue_take_admin_requests(shop.id)


@handles("fulfillment_orders/fulfillment_request_submitted")
def fulfillment_request_submitted(shop_domain: str, payload: dict, receipt) -> None:
    """The webhook names the submitted fulfillment order: when Relay already has it under way
    (usually its own submission echoing back) nothing is read; otherwise only that one."""
    shop = installation.shop_by_domain(shop_domain)
    if shop is None or not shop.is_installed or not shop.fulfillment_location_gid:
        return
    fo_gid = (payload.get("submitted_fulfillment_order") or {}).get("id")
    if not fo_gid:
        process_fulfillment_requests(shop)
        return
    if _under_way(shop, fo_gid):
        return
    client = installation.admin_client(shop)
    fo = fo_gateway.fulfillment_order(client, fo_gid)
    if (
        fo is not None
        and fo.request_status == "SUBMITTED"
        and fo.location_gid == shop.fulfillment_location_gid
    ):
        _take(shop, client, fo)
    db.session.commit()


def _under_way(shop: Shop, fo_gid: str) -> bool:
    statuses = db.session.scalars(
        select(SupplierOrder.status).where(
            SupplierOrder.shop_id == shop.id, SupplierOrder.fulfillment_order_gid == fo_gid
        )
    ).all()
    return bool(statuses) and not any(
        status in ("ready", "declined", *CANNOT_GO_TO_A_SUPPLIER) for status in statuses
    )


@handles("fulfillment_service/notification", "fulfillment_orders/cancellation_request_submitted")
def cancellation_request_arrived(shop_domain: str, payload: dict, receipt) -> None:
    """The Shopify admin's "Request cancellation": one request per supplier order on it."""
    if receipt.topic == "fulfillment_service/notification" and payload.get("kind") != (
        "CANCELLATION_REQUEST"
    ):
        return
    shop = installation.shop_by_domain(shop_domain)
    if shop is not None and shop.is_installed and shop.fulfillment_location_gid:
        cancellation_intake.take_admin_requests(shop)


def process_fulfillment_requests(shop: Shop) -> int:
    """Every request submitted to Relay's location and not answered yet (all pages)."""
    handled, after = take_requests_page(shop, None)
    while after is not None:
        more, after = take_requests_page(shop, after)
        handled += more
    return handled


def take_requests_page(shop: Shop, after: str | None) -> tuple[int, str | None]:
    """One page of the requests submitted to Relay's location: how many were taken, and the
    cursor of the next page (None on the last). A job per page keeps a long list of open
    requests from holding a worker for minutes."""
    client = installation.admin_client(shop)
    page, after = fo_gateway.assigned_fulfillment_orders_page(
        client, "FULFILLMENT_REQUESTED", shop.fulfillment_location_gid, after
    )
    handled = sum(_take(shop, client, fo) for fo in page)
    db.session.commit()
    return handled, after


def _take(shop: Shop, client, fo) -> int:
    """One submitted request: Request Fulfillment for the parts that can go, a decline when
    none can, nothing when it is already under way."""
    order = _order(shop, client, fo.order_gid)
    if order is None:
        return 0
    parts = fulfillment_orders.supplier_orders_on(fo, order)
    for so in parts:
        so.fulfillment_order_gid = fo.gid
        if so.status in ANSWERED_IN_RELAY:
            # The supplier answered but Shopify still shows the request as submitted: the
            # answer job was lost. Send it again.
            defer(queues.enqueue_answer_request, so.id, shop_id=so.shop_id)
    fresh = [so for so in parts if so.status in ("ready", "declined")]
    if fresh:
        return requests.request_fulfillment(fresh, actor="merchant", actor_name=ADMIN).done
    if parts and all(so.status in CANNOT_GO_TO_A_SUPPLIER for so in parts):
        _decline(client, order, fo.gid, requests.why_not_requestable(parts[0]))
    # Anything else is already on its way (often Relay's own submission echoing back).
    return 0


def _order(shop: Shop, client, order_gid: str | None) -> Order | None:
    order = db.session.scalar(
        select(Order).where(Order.shop_id == shop.id, Order.shopify_gid == order_gid)
    )
    if order is None and order_gid:
        node = orders_gateway.order_by_id(client, order_gid)
        if node is not None:
            sync.upsert(shop, sync.snapshot_from_graphql(node), source="fulfillment request")
            db.session.flush()
            order = db.session.scalar(
                select(Order).where(Order.shop_id == shop.id, Order.shopify_gid == order_gid)
            )
    return order


def _decline(client, order: Order, fo_gid: str, reason: str) -> None:
    """Nothing in this request can go to a supplier (unpaid, unmapped, cancelled): say so in
    the store instead of leaving the request unanswered."""
    try:
        fo_gateway.reject_request(client, fo_gid, "OTHER", reason)
    except ShopifyUserError:
        return
    timeline.record(
        order,
        "request_declined_by_relay",
        N_("Fulfillment request from the Shopify admin declined: %(reason)s"),
        reason=reason,
    )
