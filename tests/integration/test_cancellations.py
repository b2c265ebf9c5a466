"""Cancellation requests end to end against devstore with real webhooks and RQ jobs: Shopify
Collective's rules (unpaid supplier: at once; paid: the supplier answers, ships instead, or
is cancelled automatically after N days), the store's fulfillment order mirrored, orderCancel
with the merchant's choices, and the three supplier channels; bad input changes nothing."""

from __future__ import annotations

import json
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select

from background import queues
from domain import sweep
from domain.cancellations import lifecycle as cancellations
from domain.cancellations import push as cancellation_push
from domain.cancellations import rules as cancellation_rules
from domain.clock import utcnow
from domain.errors import DomainError
from domain.fulfillment import requesting as requests
from domain.fulfillment import shipments
from domain.models.cancellations import CancellationRequest
from domain.models.orders import Order, OrderEvent, Supplier, VariantMapping
from domain.suppliers import portal
from extensions import db
from tests.integration.test_fulfillment import (
    SKU,
    add_supplier,
    place_order,
    refreshed,
    shop_row,
    stock_at_relay,
    supplier_order_of,
)
from tests.integration.test_webhooks import wait_for

LAMP = "BRS-LAMP"


# -- helpers ---------------------------------------------------------------------------------


@pytest.fixture
def retailer(ctx, installed_shop, devstore):
    stock_at_relay(devstore, installed_shop, skus=(SKU, LAMP))
    return installed_shop


def with_supplier(
    devstore, domain, drain, *, accepted=True, paid=True, supplier=None, **supplier_fields
):
    """A paid store order, forwarded to a (new, portal by default) supplier; accepted by it and
    the supplier paid, unless told otherwise."""
    supplier = supplier or add_supplier(domain, **supplier_fields)
    placed = place_order(devstore, domain)
    so = supplier_order_of(domain, placed, drain)
    assert requests.request_fulfillment([so], actor="merchant").done == 1
    db.session.commit()
    drain()
    so = refreshed(so)
    if accepted and so.status == "requested":
        shipments.supplier_accepts(so, actor_name=supplier.name)
        db.session.commit()
        drain()
        so = refreshed(so)
    if paid and so.supplier_paid_at is None:
        requests.pay_supplier(so)
        db.session.commit()
        so = refreshed(so)
    return so


def store_fos(devstore, domain, so):
    order_id = int(so.order.shopify_gid.rsplit("/", 1)[1])
    orders = devstore.control.get(f"/_devstore/shops/{domain}/orders?limit=500").json()
    order = next(o for o in orders if o["id"] == order_id)
    return order, [(fo["status"], fo["request_status"]) for fo in order["fulfillment_orders"]]


def request_of(so) -> CancellationRequest:
    db.session.expire_all()
    return db.session.scalars(
        select(CancellationRequest).where(CancellationRequest.supplier_order_id == so.id)
    ).one()


def timeline(so) -> list[str]:
    db.session.expire_all()
    return [
        e.kind
        for e in db.session.scalars(
            select(OrderEvent).where(OrderEvent.order_id == so.order_id).order_by(OrderEvent.id)
        )
    ]


def ask(so, *, scope="supplier", note="Customer changed their mind", **choices):
    form = {"note": note, "scope": scope, **{k: "1" for k, v in choices.items() if v}}
    note, parsed = cancellation_rules.choices_from(form)
    request = cancellations.request_cancellation(
        refreshed(so), note=note, choices=parsed, actor_name="Merchant"
    )
    db.session.commit()
    return request


def post(relay_server, path, token, data=None, htmx=True):
    headers = {"Authorization": f"Bearer {token}"}
    if htmx:
        headers["HX-Request"] = "true"
    return httpx.post(f"{relay_server.url}{path}", data=data or {}, headers=headers, timeout=30)


def get(relay_server, path, token):
    headers = {"Authorization": f"Bearer {token}", "HX-Request": "true"}
    return httpx.get(f"{relay_server.url}{path}", headers=headers, timeout=30)


def portal_post(relay_server, supplier, path, data, htmx=False):
    token = portal.link_token(supplier)
    headers = {"HX-Request": "true"} if htmx else {}
    return httpx.post(
        f"{relay_server.url}/portal/{token}/{path}", data=data, headers=headers, timeout=30
    )


# -- Collective's rules ----------------------------------------------------------------------


def test_an_unpaid_supplier_is_cancelled_at_once_and_the_store_agrees(
    ctx, relay_server, retailer, devstore, id_token, drain
):
    so = with_supplier(devstore, retailer, drain, paid=False)
    assert so.status == "in_progress" and so.supplier_paid_at is None
    response = post(
        relay_server,
        f"/orders/supplier-orders/{so.id}/cancellation/request",
        id_token(retailer),
        {"note": "Wrong size", "scope": "supplier"},
    )
    assert response.status_code == 200
    assert response.headers["HX-Retarget"] == "#order-drawer"
    toast = json.loads(response.headers["HX-Trigger"])["relay:toast"]
    assert "not been paid" in toast["message"] and not toast["error"]
    assert refreshed(so).status == "cancelled"
    request = request_of(so)
    assert (request.status, request.decided_by, request.supplier_was_paid) == (
        "auto_cancelled",
        "relay",
        False,
    )
    drain()
    _, fos = store_fos(devstore, retailer, so)
    assert fos == [("CLOSED", "CANCELLATION_ACCEPTED")], "asked, then accepted as the service"
    assert request_of(so).store_synced_status == "auto_cancelled"
    assert {"cancellation_requested", "auto_cancelled", "cancellation_accepted_in_store"} <= set(
        timeline(so)
    )


def test_a_paid_supplier_accepts_in_the_portal_and_the_order_is_cancelled_in_the_store(
    ctx, relay_server, retailer, devstore, drain
):
    so = with_supplier(devstore, retailer, drain)
    request = ask(so, scope="order", restock=True, refund=True, notify_customer=True)
    assert refreshed(so).status == "cancellation_requested"
    assert request.auto_cancel_at.date() == (utcnow() + timedelta(days=14)).date()
    scheduled = queues.queue(queues.PUSH).scheduled_job_registry.get_job_ids()
    assert f"auto-cancel-{request.id}" in scheduled
    drain()
    _, fos = store_fos(devstore, retailer, so)
    assert fos == [("IN_PROGRESS", "CANCELLATION_REQUESTED")], "mirrored on the store's FO"
    assert request_of(so).store_synced_status == "requested"

    supplier = refreshed(so).supplier
    page = portal_post(relay_server, supplier, f"orders/{so.id}/cancellation/accept", {})
    assert page.status_code == 303
    assert refreshed(so).status == "cancelled"
    drain()
    order, fos = store_fos(devstore, retailer, so)
    assert fos == [("CLOSED", "CANCELLATION_ACCEPTED")]
    assert order["cancelled_at"] and order["cancel_reason"] == "customer"
    assert order["financial_status"] == "refunded"

    def mirrored():  # orders/cancelled comes back from the store as a webhook
        drain()
        db.session.expire_all()
        return db.session.get(Order, so.order_id).cancelled_at is not None

    wait_for(mirrored, timeout=15)
    request = request_of(so)
    assert (request.status, request.decided_by, request.store_error) == (
        "accepted",
        "supplier",
        None,
    )
    assert request.order_cancel_job and request.store_synced_status == "accepted"
    assert "order_cancelled_in_store" in timeline(so)


def test_a_paid_supplier_that_has_not_shipped_by_the_deadline_is_cancelled_automatically(
    ctx, retailer, devstore, drain
):
    so = with_supplier(devstore, retailer, drain)
    request = ask(so)
    drain()
    # Early: the job leaves it alone (and waits for the deadline again).
    assert cancellations.auto_cancel_if_due(request.id) == "not due yet"
    assert request_of(so).status == "requested"
    # Time passes: the deadline is in the past; the sweep's fallback runs the job now.
    request = request_of(so)
    request.auto_cancel_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    queues.queue(queues.SYNC).enqueue(sweep.sweep.path, shop_row(retailer).id)  # the sweep
    drain()
    request = request_of(so)
    assert (request.status, request.decided_by) == ("auto_cancelled", "relay")
    assert refreshed(so).status == "cancelled"
    _, fos = store_fos(devstore, retailer, so)
    assert fos == [("CLOSED", "CANCELLATION_ACCEPTED")]
    # Late or repeated runs change nothing.
    assert cancellations.auto_cancel_if_due(request.id) == "nothing to do: auto_cancelled"
    assert cancellation_push.carry_out(request.id) == "up to date"


def test_before_forwarding_cancelling_is_immediate_and_cancels_the_order_if_chosen(
    ctx, retailer, devstore, drain
):
    add_supplier(retailer)
    placed = place_order(devstore, retailer)
    so = supplier_order_of(retailer, placed, drain)
    assert so.status == "ready"
    request = ask(so, scope="order", restock=True)
    assert (request.status, request.previous_status) == ("auto_cancelled", "ready")
    assert refreshed(so).status == "cancelled"
    drain()
    order, fos = store_fos(devstore, retailer, so)
    assert order["cancelled_at"] and order["financial_status"] == "paid", "no refund chosen"
    assert request_of(so).order_cancel_job


# -- the supplier's answer -------------------------------------------------------------------


def test_a_decline_needs_a_reason_and_then_shows_request_declined(
    ctx, relay_server, retailer, devstore, id_token, drain
):
    so = with_supplier(devstore, retailer, drain)
    ask(so)
    drain()
    supplier = refreshed(so).supplier
    path = f"orders/{so.id}/cancellation/decline"
    refused = portal_post(relay_server, supplier, path, {"reason": "  "}, htmx=True)
    assert refused.status_code == 422
    assert 'id="cancellation"' in refused.text and "Give a reason" in refused.text
    assert request_of(so).status == "requested" and refreshed(so).status == "cancellation_requested"

    done = portal_post(relay_server, supplier, path, {"reason": "Already with the carrier"})
    assert done.status_code == 303
    so = refreshed(so)
    assert so.status == "in_progress"
    assert request_of(so).decline_reason == "Already with the carrier"
    drain()
    _, fos = store_fos(devstore, retailer, so)
    assert fos == [("IN_PROGRESS", "CANCELLATION_REJECTED")]
    token = id_token(retailer)
    row = get(relay_server, "/orders", token).text
    assert "Request declined" in row and "Already with the carrier" in row
    drawer = get(relay_server, f"/orders/{so.order_id}", token).text
    assert "Request declined" in drawer and "declined the cancellation" in drawer
    # Asking again after a decline is a new request, mirrored again.
    ask(so)
    drain()
    _, fos = store_fos(devstore, retailer, so)
    assert fos == [("IN_PROGRESS", "CANCELLATION_REQUESTED")]


def test_shipping_instead_declines_the_request_and_the_parcel_reaches_the_store(
    ctx, retailer, devstore, drain
):
    so = with_supplier(devstore, retailer, drain)
    ask(so)
    drain()
    shipments.record_shipment(refreshed(so), shipments.Tracking("tracked", "1Z55", "UPS"))
    db.session.commit()
    so = refreshed(so)
    assert so.status == "shipped"
    request = request_of(so)
    assert (request.status, request.decided_by) == ("declined", "shipment")
    drain()
    order, fos = store_fos(devstore, retailer, so)
    assert [f["tracking"]["number"] for f in order["fulfillments"]] == ["1Z55"]
    assert fos == [("CLOSED", "CANCELLATION_REJECTED")]
    assert refreshed(so).parcels[0].push_status == "pushed"


def test_a_request_not_yet_accepted_by_the_supplier_is_withdrawn_in_the_store(
    ctx, relay_server, retailer, devstore, drain
):
    so = with_supplier(devstore, retailer, drain, accepted=False)
    assert so.status == "requested"
    ask(so)
    drain()
    _, fos = store_fos(devstore, retailer, so)
    assert fos == [("OPEN", "SUBMITTED")], "Shopify takes no cancellation request before acceptance"
    supplier = refreshed(so).supplier
    page = portal_post(relay_server, supplier, f"orders/{so.id}/cancellation/accept", {})
    assert page.status_code == 303
    assert request_of(so).status == "accepted" and refreshed(so).status == "cancelled"
    drain()
    _, fos = store_fos(devstore, retailer, so)
    assert sorted(fos) == [("CLOSED", "SUBMITTED"), ("OPEN", "UNSUBMITTED")]
    assert "fulfillment_request_withdrawn" in timeline(so)


def test_a_manual_suppliers_answer_is_typed_in_by_the_merchant(
    ctx, relay_server, retailer, devstore, id_token, drain
):
    so = with_supplier(devstore, retailer, drain, channel="manual", accepted=False)
    shipments.supplier_accepts(refreshed(so), actor="merchant", reference="WEB-1")
    db.session.commit()
    ask(so)
    token = id_token(retailer)
    drawer = get(relay_server, f"/orders/{so.order_id}", token).text
    assert "/cancellation/accept" in drawer and "ask it, then record its answer" in drawer
    base = f"/orders/supplier-orders/{so.id}/cancellation"
    inline = post(relay_server, f"{base}/decline", token, {"reason": ""})
    assert inline.status_code == 200
    assert inline.text.lstrip().startswith(f'<div class="cancellation" id="cancellation-{so.id}"')
    assert "Give a reason" in inline.text
    plain = post(relay_server, f"{base}/decline", token, {"reason": ""}, htmx=False)
    assert plain.status_code == 422 and "Give a reason" in plain.text
    assert request_of(so).status == "requested"
    accepted = post(relay_server, f"{base}/accept", token, htmx=False)
    assert accepted.status_code == 303
    assert refreshed(so).status == "cancelled"
    assert (request_of(so).decided_by, request_of(so).status) == ("merchant", "accepted")


# -- the supplier's own store ----------------------------------------------------------------


def test_a_store_supplier_sees_the_request_in_its_store_and_cancelling_there_accepts_it(
    ctx, retailer, devstore, make_shop, oauth_install, drain
):
    supplier_domain = make_shop("supplier")
    oauth_install(supplier_domain)
    so = with_supplier(
        devstore, retailer, drain, channel="store", pay="auto", store_domain=supplier_domain
    )
    assert so.status == "in_progress" and so.supplier_paid_at is not None
    ask(so, note="Customer moved abroad")
    drain()
    placed_id = int(refreshed(so).supplier_reference.rsplit("/", 1)[1])
    in_supplier_store = next(
        o
        for o in devstore.control.get(f"/_devstore/shops/{supplier_domain}/orders").json()
        if o["id"] == placed_id
    )
    assert "relay-cancellation-requested" in in_supplier_store["tags"]
    assert "Customer moved abroad" in in_supplier_store["note"]

    devstore.control.post(
        f"/_devstore/shops/{supplier_domain}/orders/{placed_id}/cancel", json={}
    ).raise_for_status()

    def accepted():
        drain()
        return refreshed(so).status == "cancelled"

    wait_for(accepted, timeout=15)
    request = request_of(so)
    assert (request.status, request.decided_by) == ("accepted", "supplier")
    drain()
    _, fos = store_fos(devstore, retailer, so)
    assert fos == [("CLOSED", "CANCELLATION_ACCEPTED")]


def test_a_store_supplier_that_ships_declines_and_one_that_does_nothing_is_cancelled_there(
    ctx, retailer, devstore, make_shop, oauth_install, drain
):
    supplier_domain = make_shop("supplier")
    oauth_install(supplier_domain)
    shipping = with_supplier(
        devstore, retailer, drain, channel="store", pay="auto", store_domain=supplier_domain
    )
    ask(shipping)
    drain()
    placed_id = int(refreshed(shipping).supplier_reference.rsplit("/", 1)[1])
    (placed,) = [
        o
        for o in devstore.control.get(f"/_devstore/shops/{supplier_domain}/orders").json()
        if o["id"] == placed_id
    ]
    devstore.control.post(
        f"/_devstore/shops/{supplier_domain}/fulfillment_orders/"
        f"{placed['fulfillment_orders'][0]['id']}/fulfill",
        json={"number": "LX9", "company": "La Poste"},
    ).raise_for_status()

    def shipped():
        drain()
        return refreshed(shipping).status == "shipped"

    wait_for(shipped, timeout=15)
    assert (request_of(shipping).status, request_of(shipping).decided_by) == (
        "declined",
        "shipment",
    )

    idle = with_supplier(devstore, retailer, drain, supplier=refreshed(shipping).supplier)
    request = ask(idle)
    drain()
    request = request_of(idle)
    request.auto_cancel_at = utcnow() - timedelta(seconds=5)
    db.session.commit()
    cancellations.auto_cancel_if_due.enqueue(request.id, shop_id=request.shop_id)
    drain()
    assert refreshed(idle).status == "cancelled"
    placed_id = int(refreshed(idle).supplier_reference.rsplit("/", 1)[1])
    (placed,) = [
        o
        for o in devstore.control.get(f"/_devstore/shops/{supplier_domain}/orders").json()
        if o["id"] == placed_id
    ]
    assert placed["cancelled_at"], "Relay cancelled the order it had placed in the supplier store"
    assert "cancelled_in_supplier_store" in timeline(idle)


def test_only_the_supplier_store_that_owns_the_order_can_cancel_it(
    ctx, retailer, devstore, make_shop, oauth_install, drain
):
    supplier_domain, stranger = make_shop("supplier"), make_shop("stranger")
    oauth_install(supplier_domain)
    oauth_install(stranger)
    so = with_supplier(
        devstore, retailer, drain, channel="store", pay="auto", store_domain=supplier_domain
    )
    ask(so)
    drain()
    from domain.cancellations import intake as cancellation_intake
    from integrations.shopify_admin import webhook_payloads

    payload = {"admin_graphql_api_id": refreshed(so).supplier_reference, "cancel_reason": "other"}
    cancelled = webhook_payloads.cancelled_order(payload)
    assert cancellation_intake.cancelled_in_supplier_store(stranger, cancelled) == 0
    db.session.commit()
    assert refreshed(so).status == "cancellation_requested"


# -- bad input and duplicates ----------------------------------------------------------------


def test_a_shipped_order_offers_no_cancellation_and_a_direct_request_is_refused(
    ctx, relay_server, retailer, devstore, id_token, drain
):
    so = with_supplier(devstore, retailer, drain)
    shipments.record_shipment(refreshed(so), shipments.Tracking("tracked", "1Z1", "UPS"))
    db.session.commit()
    drain()
    token = id_token(retailer)
    drawer = get(relay_server, f"/orders/{so.order_id}", token).text
    assert "/cancellation/request" not in drawer
    response = post(
        relay_server,
        f"/orders/supplier-orders/{so.id}/cancellation/request",
        token,
        {"scope": "supplier"},
        htmx=False,
    )
    assert response.status_code == 409  # a wrong state, not bad input
    assert "a shipped order cannot be cancelled" in response.text
    assert db.session.scalar(select(func.count()).select_from(CancellationRequest)) == 0
    with pytest.raises(DomainError, match="cannot be cancelled"):
        ask(so)


def test_asking_twice_from_the_grid_makes_one_request(
    ctx, relay_server, retailer, devstore, id_token, drain
):
    so = with_supplier(devstore, retailer, drain)
    token = id_token(retailer)
    path = f"/orders/supplier-orders/{so.id}/cancellation/request"
    first = post(relay_server, path, token, {"scope": "supplier"})
    assert first.status_code == 200
    second = post(relay_server, path, token, {"scope": "supplier"})
    assert "already waiting" in json.loads(second.headers["HX-Trigger"])["relay:toast"]["message"]
    drain()  # Relay's own request echoes back from the store (callback + webhook): no new one
    assert db.session.scalar(select(func.count()).select_from(CancellationRequest)) == 1
    assert request_of(so).source == "relay"


def test_the_shopify_admin_button_opens_one_request_with_its_note(
    ctx, relay_server, retailer, devstore, id_token, drain
):
    so = with_supplier(devstore, retailer, drain)
    devstore.settings.duplicate_deliveries = True
    try:
        _, fos = store_fos(devstore, retailer, so)
        order_id = int(so.order.shopify_gid.rsplit("/", 1)[1])
        fo_id = devstore.control.get(f"/_devstore/shops/{retailer}/orders?limit=500").json()
        fo_id = next(o for o in fo_id if o["id"] == order_id)["fulfillment_orders"][0]["id"]
        devstore.control.post(
            f"/_devstore/shops/{retailer}/fulfillment_orders/{fo_id}/request_cancellation",
            json={"message": "Customer cancelled by phone"},
        ).raise_for_status()

        def taken():
            drain()
            return refreshed(so).status == "cancellation_requested"

        wait_for(taken, timeout=15)
        for _ in range(5):  # the callback, the webhook and their duplicates
            drain()
    finally:
        devstore.settings.duplicate_deliveries = False
    request = request_of(so)  # exactly one
    assert (request.source, request.note, request.scope) == (
        "shopify_admin",
        "Customer cancelled by phone",
        "supplier",
    )
    response = post(
        relay_server,
        f"/orders/supplier-orders/{so.id}/cancellation/request",
        id_token(retailer),
        {"scope": "supplier"},
    )
    assert "already waiting" in json.loads(response.headers["HX-Trigger"])["relay:toast"]["message"]
    assert db.session.scalar(select(func.count()).select_from(CancellationRequest)) == 1


def test_whole_order_cancel_refused_by_shopify_is_shown_and_not_retried(
    ctx, relay_server, retailer, devstore, drain
):
    mugs = add_supplier(retailer)  # portal, SKU
    shop = shop_row(retailer)
    lamps = Supplier(shop_id=shop.id, name="Lamp Works", channel="portal", currency="EUR")
    db.session.add(lamps)
    db.session.flush()
    db.session.add(VariantMapping(shop_id=shop.id, sku=LAMP, supplier_id=lamps.id))
    db.session.commit()
    placed = (
        devstore.control.post(
            f"/_devstore/shops/{retailer}/orders",
            json={"line_items": [{"sku": SKU, "quantity": 1}, {"sku": LAMP, "quantity": 1}]},
        )
        .raise_for_status()
        .json()
    )
    parts = supplier_order_of(retailer, placed, drain).order.supplier_orders
    mug = next(p for p in parts if p.supplier_id == mugs.id)
    lamp = next(p for p in parts if p.supplier_id == lamps.id)
    requests.request_fulfillment([mug], actor="merchant")
    db.session.commit()
    drain()
    requests.pay_supplier(refreshed(mug))
    db.session.commit()
    # The lamps are not with a supplier yet, so cancelling the whole order is allowed...
    ask(mug, scope="order", refund=True)
    drain()
    # ...but by the time the mug supplier agrees, the lamp supplier has accepted its part.
    requests.request_fulfillment([refreshed(lamp)], actor="merchant")
    db.session.commit()
    drain()
    assert refreshed(lamp).status == "requested", "a portal supplier answers the request itself"
    shipments.supplier_accepts(refreshed(lamp))
    db.session.commit()
    drain()
    page = portal_post(
        relay_server, refreshed(mug).supplier, f"orders/{mug.id}/cancellation/accept", {}
    )
    assert page.status_code == 303 and request_of(mug).status == "accepted"
    drain()

    mug, request = refreshed(mug), request_of(mug)
    assert mug.status == "cancelled", "the supplier's part is cancelled: it agreed"
    assert "Cannot cancel an order that has outstanding fulfillments" in mug.problem
    assert request.store_error == mug.problem and request.store_synced_status == "accepted"
    assert "cancellation_refused_by_store" in timeline(mug)
    order, _ = store_fos(devstore, retailer, mug)
    assert order["cancelled_at"] is None and order["financial_status"] == "paid"
    assert refreshed(lamp).status == "in_progress"
    # Not retried: running the job again does nothing.
    assert cancellation_push.carry_out(request.id) == "up to date"
    assert request_of(mug).order_cancel_job is None
    # The merchant cancels the lamps too (their supplier is not paid: at once, nothing for it
    # to accept), then the order in Shopify: the problem is over.
    ask(lamp)
    assert (request_of(lamp).status, refreshed(lamp).status) == ("auto_cancelled", "cancelled")
    drain()
    order_id = int(mug.order.shopify_gid.rsplit("/", 1)[1])
    devstore.control.post(
        f"/_devstore/shops/{retailer}/orders/{order_id}/cancel", json={"reason": "CUSTOMER"}
    ).raise_for_status()

    def resolved():
        drain()
        return refreshed(mug).problem is None

    wait_for(resolved, timeout=15)
    assert "order_cancel_resolved" in timeline(mug)


def test_whole_order_is_refused_up_front_while_another_supplier_has_its_items(
    ctx, relay_server, retailer, devstore, id_token, drain
):
    so = with_supplier(devstore, retailer, drain)
    shop = shop_row(retailer)
    other = Supplier(shop_id=shop.id, name="Lamp Works", channel="portal", currency="EUR")
    db.session.add(other)
    db.session.commit()
    from domain.models.orders import SupplierOrder

    busy = SupplierOrder(
        order_id=so.order_id, shop_id=shop.id, supplier_id=other.id, status="in_progress"
    )
    db.session.add(busy)
    db.session.commit()
    response = post(
        relay_server,
        f"/orders/supplier-orders/{so.id}/cancellation/request",
        id_token(retailer),
        {"scope": "order", "refund": "1"},
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith(f'<div class="cancellation" id="cancellation-{so.id}"')
    assert "Lamp Works has other items" in response.text
    assert refreshed(so).status == "in_progress"
    assert db.session.scalar(select(func.count()).select_from(CancellationRequest)) == 0


def test_the_store_side_is_safe_to_run_again(ctx, retailer, devstore, drain):
    so = with_supplier(devstore, retailer, drain, paid=False)
    request = ask(so, scope="order")
    drain()
    order, fos = store_fos(devstore, retailer, so)
    assert order["cancelled_at"] and fos == [("CLOSED", "CANCELLATION_ACCEPTED")]
    # As if the job had died after Shopify did everything but before Relay recorded it.
    request = request_of(so)
    request.store_synced_status, request.order_cancel_job = None, None
    db.session.commit()
    assert cancellation_push.carry_out(request.id) == "done: auto_cancelled"
    request = request_of(so)
    assert request.store_error is None and request.order_cancel_job
    assert timeline(so).count("order_cancelled_in_store") == 1
