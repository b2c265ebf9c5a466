"""Requests made with Shopify's own admin buttons reach Relay as the fulfillment service (a
callback and a webhook, both at least once). Relay reads what is assigned to it and treats a
fulfillment request exactly like Request Fulfillment in its grid: one outcome, deduplicated by
the status table (a supplier order already scheduled or sent is left alone)."""

from __future__ import annotations

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from background import SYNC, background, defer
from domain.cancellations import intake as cancellation_intake
from domain.fulfillment import fulfillment_orders, tracking_push
from domain.fulfillment import requesting as requests
from domain.models.orders import Order, SupplierOrder
from domain.models.shop import Shop
from domain.orders import sync, timeline
from domain.orders.timeline import N_, EventKind
from domain.shop import shops, tokens
from domain.transaction import unit_of_work
from extensions import db, redis_connection
from integrations.shopify_admin.errors import ShopifyError, ShopifyThrottled, ShopifyUserError
from integrations.shopify_admin.gateway import fulfillment as fo_gateway
from integrations.shopify_admin.gateway import orders as orders_gateway
from integrations.shopify_admin.webhook_payloads import ServiceNotification, SubmittedRequest

ADMIN = N_("Shopify admin")  # stored in English, shown translated
# Sent to Shopify with the shared request Relay declines before requesting it per supplier.
SPLIT_PER_SUPPLIER = "Relay requests each supplier's items separately."
ANSWERED_IN_RELAY = ("in_progress", "partially_shipped", "shipped")
# A request for these can only be answered "no"; every other status is Relay's flow in motion.
CANNOT_GO_TO_A_SUPPLIER = ("awaiting_payment", "unassigned", "cancelled")


def fulfillment_service_notified(
    shop_domain: str, notification: ServiceNotification, receipt
) -> None:
    """The callback names no fulfillment order: Relay lists what is assigned to it, a little
    later and on the sync queue. The webhook below already took each request it names, so the
    listing only catches one whose webhook never came; a burst of callbacks (one per request
    Relay itself submits) is one listing per shop."""
    if notification.kind not in (None, "FULFILLMENT_REQUEST"):
        return
    shop = shops.shop_by_domain(shop_domain)
    if shop is not None and shop.is_installed and shop.fulfillment_location_gid:
        defer(list_admin_requests_soon, shop.id)  # once this delivery is committed


@unit_of_work
def fulfillment_request_submitted(shop_domain: str, submitted: SubmittedRequest, receipt) -> None:
    """The webhook names the submitted fulfillment order: when Relay already has it under way
    (usually its own submission echoing back) nothing is read; otherwise only that one."""
    shop = shops.shop_by_domain(shop_domain)
    if shop is None or not shop.is_installed or not shop.fulfillment_location_gid:
        return
    fo_gid = submitted.fulfillment_order_gid
    if not fo_gid:
        process_fulfillment_requests(shop)
        return
    if _under_way(shop, fo_gid):
        return
    client = tokens.admin_client(shop)
    fo = fo_gateway.fulfillment_order(client, fo_gid)
    if (
        fo is not None
        and fo.request_status == "SUBMITTED"
        and fo.location_gid == shop.fulfillment_location_gid
    ):
        _take(shop, client, fo)


def _under_way(shop: Shop, fo_gid: str) -> bool:
    statuses = db.session.scalars(
        select(SupplierOrder.status).where(
            SupplierOrder.shop_id == shop.id, SupplierOrder.fulfillment_order_gid == fo_gid
        )
    ).all()
    return bool(statuses) and not any(
        status in ("ready", "declined", *CANNOT_GO_TO_A_SUPPLIER) for status in statuses
    )


def cancellation_callback(shop_domain: str, notification: ServiceNotification, receipt) -> None:
    """The fulfillment-service callback of the Shopify admin's "Request cancellation"."""
    if notification.kind == "CANCELLATION_REQUEST":
        cancellation_request_arrived(shop_domain, None, receipt)


def cancellation_request_arrived(shop_domain: str, _payload: None, receipt) -> None:
    """The Shopify admin's "Request cancellation": one request per supplier order on it. What
    the webhook names is not read: Relay reads what is waiting at its location."""
    shop = shops.shop_by_domain(shop_domain)
    if shop is not None and shop.is_installed and shop.fulfillment_location_gid:
        cancellation_intake.take_admin_requests(shop)


def process_fulfillment_requests(shop: Shop) -> int:
    """Every request submitted to Relay's location and not answered yet (all pages)."""
    handled, after = take_requests_page(shop, None)
    while after is not None:
        more, after = take_requests_page(shop, after)
        handled += more
    return handled


ADMIN_REQUESTS_DELAY = 30  # seconds: a burst of callbacks settles into one listing


def list_admin_requests_soon(shop_id: int, delay: float = ADMIN_REQUESTS_DELAY):
    """List the fulfillment requests assigned to Relay (after a fulfillment-service callback,
    or from recovery). At most one listing waits per shop: a burst of callbacks is one
    listing. The job clears the mark when it starts, so a callback arriving during a listing
    gets a listing of its own."""
    if not redis_connection().set(_listing_waiting(shop_id), 1, nx=True, ex=3600):
        return None
    return take_admin_requests.enqueue(shop_id, None, shop_id=shop_id, delay=delay)


# One job per page (a fresh id each), so pushes run between the pages of a long listing.
@background(
    queue=SYNC,
    job_id="admin-requests-{0}-{unique}",
    label=_l("Pick up requests made in the Shopify admin"),
)
def take_admin_requests(shop_id: int, cursor: str | None = None) -> str:
    """One page of the requests assigned to Relay; the next page is a job of its own."""
    if cursor is None:
        redis_connection().delete(_listing_waiting(shop_id))
    shop = db.session.get(Shop, shop_id)
    if shop is None or not shop.is_installed or not shop.fulfillment_location_gid:
        return "not installed"
    taken, next_cursor = take_requests_page(shop, cursor)
    if next_cursor is not None:
        take_admin_requests.enqueue(shop_id, next_cursor, shop_id=shop_id)
    return f"{taken} request(s) taken" + (", next page queued" if next_cursor else "")


def _listing_waiting(shop_id: int) -> str:
    prefix = current_app.config.get("RQ_QUEUE_PREFIX", "")
    return f"relay:{prefix}admin-requests-waiting:{shop_id}"


@unit_of_work
def take_requests_page(shop: Shop, after: str | None) -> tuple[int, str | None]:
    """One page of the requests submitted to Relay's location: how many were taken, and the
    cursor of the next page (None on the last). A job per page keeps a long list of open
    requests from holding a worker for minutes."""
    client = tokens.admin_client(shop)
    page, after = fo_gateway.assigned_fulfillment_orders_page(
        client, "FULFILLMENT_REQUESTED", shop.fulfillment_location_gid, after
    )
    handled = sum(_take(shop, client, fo) for fo in page)
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
            tracking_push.answer_request.once_after_commit(so.id, shop_id=so.shop_id)
    fresh = [so for so in parts if so.status in ("ready", "declined")]
    if fresh and len(fulfillment_orders.supplier_orders_on(fo, order, still_to_fulfill=True)) > 1:
        _split_per_supplier(client, order, fo, fresh)
    if fresh:
        return requests.request_fulfillment(fresh, actor="merchant", actor_name=ADMIN).done
    if parts and all(so.status in CANNOT_GO_TO_A_SUPPLIER for so in parts):
        _decline(client, order, fo.gid, requests.why_not_requestable(parts[0]))
    # Anything else is already on its way (often Relay's own submission echoing back).
    return 0


def _split_per_supplier(client, order: Order, fo, fresh: list[SupplierOrder]) -> None:
    """The admin's button requested one fulfillment order holding several suppliers' items.
    Shopify takes one answer for a whole request, so one supplier's decline would reject the
    others' items too. Relay declines the shared request and submits one request per supplier
    instead (Shopify splits the rest off each time), so each answer acts on its own request.
    Once declined, the parts are requested whatever happens next: a submission Shopify
    refuses or that fails is shown, and the forward job submits what is still unsubmitted."""
    try:
        fo_gateway.reject_request(client, fo.gid, "OTHER", SPLIT_PER_SUPPLIER)
    except ShopifyUserError as exc:
        _split_refused(order, exc)
        return
    try:
        _submit_each(client, fo, fresh)
    except ShopifyThrottled:
        raise  # not a refusal: the job waits for the shop's throttle (jobs/runtime.py)
    except ShopifyError as exc:
        _split_refused(order, exc)
        return
    timeline.record(
        order,
        EventKind.SHARED_REQUEST_SPLIT,
        N_(
            "The request from the Shopify admin covered several suppliers: Relay requested "
            "each supplier's items separately"
        ),
    )


def _submit_each(client, fo, fresh: list[SupplierOrder]) -> None:
    """One request per supplier: each submission leaves the other lines on a new fulfillment
    order (new line ids), read once before the next supplier's lines are submitted."""
    remaining = fo
    for index, supplier_order in enumerate(fresh):
        wanted = {line.shopify_gid for line in supplier_order.line_items}
        lines = {
            line.gid: line.remaining_quantity
            for line in remaining.lines
            if line.line_item_gid in wanted and line.remaining_quantity > 0
        }
        if not lines:
            continue
        submitted, rest = fo_gateway.submit_request_splitting(
            client, remaining.gid, lines, "Sent to the supplier by Relay"
        )
        supplier_order.fulfillment_order_gid = submitted.gid
        if rest is None or index == len(fresh) - 1:
            return
        remaining = fo_gateway.fulfillment_order(client, rest)
        if remaining is None:
            return


def _split_refused(order: Order, exc: Exception) -> None:
    timeline.record(
        order,
        EventKind.STORE_REFUSED_ANSWER,
        N_("Shopify refused to split the request per supplier: %(reason)s"),
        actor="shopify",
        reason=str(exc),
    )


def _order(shop: Shop, client, order_gid: str | None) -> Order | None:
    order = db.session.scalar(
        select(Order).where(Order.shop_id == shop.id, Order.shopify_gid == order_gid)
    )
    if order is None and order_gid:
        snapshot = orders_gateway.order_by_id(client, order_gid)
        if snapshot is not None:
            sync.upsert(shop, snapshot, source="fulfillment request")
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
        EventKind.REQUEST_DECLINED_BY_RELAY,
        N_("Fulfillment request from the Shopify admin declined: %(reason)s"),
        reason=reason,
    )
