"""The store's side of a cancellation request: a job, run once per request status.

requested       mirror it on the store's fulfillment order (fulfillmentOrderSubmitCancellation-
                Request; a request made with the Shopify admin's button is there already), and
                tag + note the order Relay placed in a `store` supplier's store so the supplier
                sees it.
accepted /      accept it as the fulfillment service (fulfillmentOrderAcceptCancellationRequest);
auto_cancelled  cancel the order in a `store` supplier's store (unless the supplier did); then,
                if the merchant chose it, orderCancel with restock / refund / notify, reason
                CUSTOMER.
declined        reject it as the fulfillment service with the reason
                (fulfillmentOrderRejectCancellationRequest).

A fulfillment order that was submitted but not yet accepted has no cancellation request to
answer: Shopify takes one only on an accepted (IN_PROGRESS) fulfillment order. Relay then
withdraws the fulfillment request with fulfillmentOrderCancel, the merchant's own move for a
request the service has not accepted: Shopify closes it and opens a replacement with the same
items, unsubmitted. Rejecting the fulfillment request instead would show "Request declined" in
the store as if the supplier had refused the order, and accepting it first would claim the
supplier took on work it never did.

Retry-safe: each step reads the fulfillment order's state first and acts only if it is still
to do; a supplier-store order is tagged once; orderCancel is sent only while the order is not
cancelled and no orderCancel job is recorded. Shopify refusing (userErrors) is recorded on the
request and shown on the supplier order and the timeline, and not retried; what was done
before the refusal stays done (each step commits).
"""

from __future__ import annotations

import logging

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from background import PUSH, background
from domain.fulfillment import fulfillment_orders
from domain.fulfillment.tracking_push import SHIPPED_INSTEAD
from domain.models.cancellations import CancellationRequest
from domain.models.orders import SupplierOrder
from domain.models.shop import Shop
from domain.orders import timeline
from domain.orders.timeline import N_, EventKind
from domain.shop import shops, tokens
from extensions import db
from integrations.shopify_admin.errors import ShopifyError, ShopifyUserError
from integrations.shopify_admin.gateway import cancellations as gateway

log = logging.getLogger("relay.cancellations")
SUPPLIER_STORE_TAG = "relay-cancellation-requested"
# On an accepted (IN_PROGRESS) fulfillment order a cancellation request can be submitted.
REQUESTABLE = ("ACCEPTED", "CANCELLATION_REJECTED")


class NotYetRecorded(ShopifyError):
    """Shopify records a submitted cancellation request asynchronously (reference §4.5): the
    job is retried until it can be accepted."""

    retryable = True


class Refused(Exception):
    """A step Shopify refused, with the message the merchant reads."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class Superseded(Exception):
    """The request's status changed while this run waited: the newer status's job takes over."""


# One job id per request and status: a decision made while the previous status's job runs gets
# a job of its own.
@background(
    queue=PUSH,
    job_id="cancellation-{0}-{status}",
    label=_l("Carry out a cancellation in the store"),
)
def carry_out(request_id: int) -> str:
    run = _Run(request_id)
    if run.request is None:
        return "gone"
    if run.request.store_synced_status == run.request.status:
        return "up to date"
    shop = db.session.get(Shop, run.request.shop_id)
    if not shop.is_installed:
        return "not installed"
    steps = {
        "requested": _mirror,
        "accepted": _cancel,
        "auto_cancelled": _cancel,
        "declined": _reject,
    }[run.request.status]
    try:
        steps(run, shop, tokens.admin_client(shop))
    except Superseded:
        return "superseded"
    except ShopifyUserError as exc:
        return run.refused(str(exc))
    except Refused as exc:
        return run.refused(exc.message)
    run.request.store_synced_status = run.request.status
    db.session.commit()
    return f"done: {run.request.status}"


class _Run:
    """The rows this run works on, locked (supplier order first, then the request: the order
    every path takes), and a commit after each step that is in Shopify."""

    def __init__(self, request_id: int):
        self.request_id = request_id
        found = db.session.get(CancellationRequest, request_id)
        self.supplier_order_id = found.supplier_order_id if found else None
        self.request = None
        if found is not None:
            self._lock()
            self.status = self.request.status

    def _lock(self) -> None:
        self.supplier_order = _locked(SupplierOrder, self.supplier_order_id)
        self.request = _locked(CancellationRequest, self.request_id)

    def step_done(self, kind: EventKind, message: str, **data) -> None:
        timeline.record(self.supplier_order.order, kind, message, **data)
        db.session.commit()
        self._lock()
        if self.request.status != self.status:
            raise Superseded

    def refused(self, reason: str) -> str:
        db.session.rollback()
        self._lock()
        request, supplier_order = self.request, self.supplier_order
        request.store_error = reason
        request.store_synced_status = request.status
        supplier_order.problem = reason
        timeline.record(
            supplier_order.order,
            EventKind.CANCELLATION_REFUSED_BY_STORE,
            N_("The store refused a cancellation step: %(reason)s"),
            reason=reason,
        )
        db.session.commit()
        log.warning("cancellation request %s: the store refused: %s", request.id, reason)
        return f"refused: {reason}"


def _locked(model, row_id: int):
    return db.session.scalar(
        select(model)
        .where(model.id == row_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _supplier_name(run: _Run) -> str:
    supplier = run.supplier_order.supplier
    return supplier.name if supplier else "?"


def _shared_with_others(fo, supplier_order: SupplierOrder, agreeing: tuple[str, ...]) -> bool:
    """A fulfillment order requested with the admin's button can hold several suppliers'
    items: it is answered only once every supplier order on it has reached `agreeing`."""
    return any(
        other.id != supplier_order.id and other.status not in agreeing
        for other in fulfillment_orders.supplier_orders_on(
            fo, supplier_order.order, still_to_fulfill=True
        )
    )


def _message(request: CancellationRequest) -> str:
    return request.note or "Cancellation requested by the merchant in Relay"


# -- requested ------------------------------------------------------------------------------


def _mirror(run: _Run, shop: Shop, client) -> None:
    for fo in fulfillment_orders.at_relays_location(client, shop, run.supplier_order):
        if fo.status != "IN_PROGRESS" or fo.request_status not in REQUESTABLE:
            continue  # already requested (e.g. from the Shopify admin), or not accepted yet
        if _shared_with_others(fo, run.supplier_order, ("cancellation_requested", "cancelled")):
            continue
        gateway.submit_cancellation_request(client, fo.gid, _message(run.request))
        run.step_done(
            EventKind.CANCELLATION_SENT_TO_STORE,
            N_("Cancellation request recorded on the store's fulfillment order"),
            fulfillment_order=fo.gid,
        )
    _show_in_supplier_store(run, shop)


def _show_in_supplier_store(run: _Run, shop: Shop) -> None:
    supplier_client, reference = _supplier_store(run)
    if supplier_client is None:
        return
    state = gateway.order_state(supplier_client, reference)
    if state is None or state.cancelled or SUPPLIER_STORE_TAG in state.tags:
        return
    request = run.request
    line = (
        f"CANCELLATION REQUESTED by {shop.name or shop.domain} for {run.supplier_order.order.name}"
        f" on {request.requested_at:%Y-%m-%d}"
        + (f": {request.note}" if request.note else "")
        + ". Cancel this order to accept; fulfilling it declines the request."
        + (
            f" Not shipped by {request.auto_cancel_at:%Y-%m-%d}: cancelled automatically."
            if request.auto_cancel_at
            else ""
        )
    )
    note = f"{state.note}\n\n{line}" if state.note else line
    gateway.update_note_and_tags(
        supplier_client, reference, note, [*state.tags, SUPPLIER_STORE_TAG]
    )
    run.step_done(
        EventKind.CANCELLATION_SHOWN_IN_SUPPLIER_STORE,
        N_("Cancellation request shown on the order in %(supplier)s's store"),
        supplier=_supplier_name(run),
    )


def _supplier_store(run: _Run):
    """(Admin client of the supplier's store, the order Relay placed there) for a `store`
    supplier whose store still runs Relay; (None, None) otherwise."""
    supplier = run.supplier_order.supplier
    reference = run.supplier_order.supplier_reference
    if supplier is None or supplier.channel != "store" or not reference:
        return None, None
    supplier_shop = shops.shop_by_domain(supplier.store_domain or "")
    if supplier_shop is None or not supplier_shop.is_installed:
        return None, None
    return tokens.admin_client(supplier_shop), reference


# -- accepted / auto-cancelled --------------------------------------------------------------


def _cancel(run: _Run, shop: Shop, client) -> None:
    for fo in fulfillment_orders.at_relays_location(client, shop, run.supplier_order):
        if _shared_with_others(fo, run.supplier_order, ("cancelled",)):
            continue
        if fo.request_status == "CANCELLATION_REQUESTED":
            _accept(run, client, fo.gid)
        elif fo.status == "IN_PROGRESS" and fo.request_status in REQUESTABLE:
            # Never mirrored (cancelled at once, or the mirror job has not run): ask, then
            # accept once Shopify shows the request.
            gateway.submit_cancellation_request(client, fo.gid, _message(run.request))
            current = next(
                (
                    f
                    for f in fulfillment_orders.at_relays_location(client, shop, run.supplier_order)
                    if f.gid == fo.gid
                ),
                None,
            )
            if current is None or current.request_status != "CANCELLATION_REQUESTED":
                raise NotYetRecorded("the cancellation request is not recorded in Shopify yet")
            _accept(run, client, fo.gid)
        elif fo.status == "OPEN" and fo.request_status == "SUBMITTED":
            gateway.withdraw_fulfillment_request(client, fo.gid)
            run.step_done(
                EventKind.FULFILLMENT_REQUEST_WITHDRAWN,
                N_(
                    "Fulfillment request withdrawn in the store: %(supplier)s had not accepted "
                    "it yet"
                ),
                supplier=_supplier_name(run),
                fulfillment_order=fo.gid,
            )
    _cancel_in_supplier_store(run, shop)
    if run.request.scope == "order":
        _cancel_order(run, client)


def _accept(run: _Run, client, fo_gid: str) -> None:
    gateway.accept_cancellation_request(client, fo_gid, "Cancelled by the supplier through Relay")
    run.step_done(
        EventKind.CANCELLATION_ACCEPTED_IN_STORE,
        N_("Cancellation accepted on the store's fulfillment order"),
        fulfillment_order=fo_gid,
    )


def _cancel_in_supplier_store(run: _Run, shop: Shop) -> None:
    supplier_client, reference = _supplier_store(run)
    if supplier_client is None:
        return
    state = gateway.order_state(supplier_client, reference)
    if state is None or state.cancelled:
        return  # the supplier cancelled it itself (that was its acceptance)
    gateway.cancel_order(
        supplier_client,
        reference,
        restock=True,
        refund=False,
        notify_customer=False,
        reason="OTHER",
        staff_note=f"Cancelled by Relay: {shop.name or shop.domain} cancelled "
        f"{run.supplier_order.order.name}",
    )
    run.step_done(
        EventKind.CANCELLED_IN_SUPPLIER_STORE,
        N_("Order cancelled in %(supplier)s's store"),
        supplier=_supplier_name(run),
    )


def _cancel_order(run: _Run, client) -> None:
    request, order = run.request, run.supplier_order.order
    if request.order_cancel_job:
        return
    state = gateway.order_state(client, order.shopify_gid)
    if state is None or state.cancelled:
        request.order_cancel_job = "cancelled in the store already"
        return
    try:
        job = gateway.cancel_order(
            client,
            order.shopify_gid,
            restock=request.restock,
            refund=request.refund,
            notify_customer=request.notify_customer,
            reason="CUSTOMER",
            staff_note=f"Cancelled through Relay{': ' + request.note if request.note else ''}",
        )
    except ShopifyUserError as exc:
        raise Refused(f"Shopify did not cancel order {order.name}: {exc}") from exc
    request.order_cancel_job = job or "sent"
    run.step_done(
        EventKind.ORDER_CANCELLED_IN_STORE,
        N_("Order %(name)s cancelled in the store"),
        name=order.name,
        restock=request.restock,
        refund=request.refund,
        notify_customer=request.notify_customer,
    )


# -- declined -------------------------------------------------------------------------------


def _reject(run: _Run, shop: Shop, client) -> None:
    reason = run.request.decline_reason or SHIPPED_INSTEAD
    for fo in fulfillment_orders.at_relays_location(client, shop, run.supplier_order):
        if fo.status != "IN_PROGRESS" or fo.request_status != "CANCELLATION_REQUESTED":
            continue  # never mirrored, answered already, or closed by the shipment itself
        gateway.reject_cancellation_request(client, fo.gid, reason)
        run.step_done(
            EventKind.CANCELLATION_REJECTED_IN_STORE,
            N_("Cancellation request rejected on the store's fulfillment order: %(reason)s"),
            reason=reason,
            fulfillment_order=fo.gid,
        )
