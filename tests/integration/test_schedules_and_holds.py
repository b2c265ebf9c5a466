"""Issue 14, schedules and holds, against devstore with real webhooks and RQ: a subscription's
supplier is asked for one delivery at a time; a pre-order waits for its date; a fraud app's
hold in Shopify is recorded with its reason and its release in Shopify releases Relay's part."""

from __future__ import annotations

from sqlalchemy import select

from domain.fulfillment import packing_slips, shipments
from domain.fulfillment import requesting as requests
from domain.models.orders import OrderEvent
from domain.models.shipments import SupplierDelivery
from extensions import db
from tests.integration.test_fulfillment import (
    SKU,
    add_supplier,
    devstore_order,
    refreshed,
    stock_at_relay,
    supplier_order_of,
)
from tests.integration.test_fulfillment_ui import get
from tests.integration.test_webhooks import wait_for

FRAUD_APP = "fraud-checker"


def place(devstore, domain, **extra):
    response = devstore.control.post(
        f"/_devstore/shops/{domain}/orders",
        json={"line_items": [{"sku": SKU, "quantity": 1}], "financial_status": "paid", **extra},
    )
    response.raise_for_status()
    return response.json()


def relay_orders_in(devstore, supplier_domain):
    return [
        o
        for o in devstore.control.get(f"/_devstore/shops/{supplier_domain}/orders").json()
        if "relay" in o["tags"]
    ]


def fos_of(devstore, domain, order_id):
    """The order's fulfillment orders, by delivery date."""
    fos = devstore_order(devstore, domain, order_id)["fulfillment_orders"]
    return sorted(fos, key=lambda fo: (fo.get("fulfill_at") or "", fo["id"]))


def store_supplier(devstore, make_shop, oauth_install, retailer):
    supplier_domain = make_shop("supplier")
    oauth_install(supplier_domain)
    add_supplier(retailer, channel="store", store_domain=supplier_domain)
    return supplier_domain


def kinds(supplier_order) -> list[str]:
    return list(
        db.session.scalars(
            select(OrderEvent.kind)
            .where(OrderEvent.order_id == supplier_order.order_id)
            .order_by(OrderEvent.id)
        )
    )


def test_a_subscription_sends_one_delivery_at_a_time(
    ctx, devstore, installed_shop, make_shop, oauth_install, drain
):
    stock_at_relay(devstore, installed_shop)
    supplier_domain = store_supplier(devstore, make_shop, oauth_install, installed_shop)
    placed = place(devstore, installed_shop, schedule={"deliveries": 3, "interval_days": 30})
    supplier_order = supplier_order_of(installed_shop, placed, drain)
    assert supplier_order.order.line_items[0].quantity == 3, "every delivery's units"

    requests.request_fulfillment([supplier_order], actor="merchant")
    db.session.commit()
    drain()
    assert refreshed(supplier_order).status == "in_progress"
    (first,) = relay_orders_in(devstore, supplier_domain)
    assert [li["quantity"] for li in first["line_items"]] == [1], "only the delivery due now"

    # The supplier ships it; the tracking reaches the first delivery's fulfillment order.
    fo_id = first["fulfillment_orders"][0]["id"]
    devstore.control.post(
        f"/_devstore/shops/{supplier_domain}/fulfillment_orders/{fo_id}/fulfill",
        json={"number": "SUB-1", "company": "UPS"},
    ).raise_for_status()
    wait_for(
        lambda: drain() or devstore_order(devstore, installed_shop, placed["id"])["fulfillments"],
        timeout=15,
    )
    assert refreshed(supplier_order).status == "partially_shipped"
    statuses = [fo["status"] for fo in fos_of(devstore, installed_shop, placed["id"])]
    assert statuses == ["CLOSED", "SCHEDULED", "SCHEDULED"]

    # Time passes: Shopify opens the second delivery, and only then is it sent.
    second_fo = fos_of(devstore, installed_shop, placed["id"])[1]
    devstore.control.post(
        f"/_devstore/shops/{installed_shop}/clock", json={"fulfillment_order_id": second_fo["id"]}
    ).raise_for_status()
    wait_for(lambda: drain() or len(relay_orders_in(devstore, supplier_domain)) == 2, timeout=15)
    orders = relay_orders_in(devstore, supplier_domain)
    assert [[li["quantity"] for li in o["line_items"]] for o in orders] == [[1], [1]]
    fo = fos_of(devstore, installed_shop, placed["id"])[1]
    assert (fo["status"], fo["request_status"]) == ("IN_PROGRESS", "ACCEPTED")
    assert fos_of(devstore, installed_shop, placed["id"])[2]["status"] == "SCHEDULED"
    deliveries = db.session.scalars(
        select(SupplierDelivery).where(SupplierDelivery.supplier_order_id == supplier_order.id)
    ).all()
    assert len(deliveries) == 2
    assert "delivery_forwarded" in kinds(supplier_order)

    # The second delivery's parcel, shipped from the supplier store, reaches the store too.
    second = next(o for o in orders if o["id"] != first["id"])
    devstore.control.post(
        f"/_devstore/shops/{supplier_domain}/fulfillment_orders/"
        f"{second['fulfillment_orders'][0]['id']}/fulfill",
        json={"number": "SUB-2", "company": "UPS"},
    ).raise_for_status()
    wait_for(
        lambda: (
            drain()
            or len(devstore_order(devstore, installed_shop, placed["id"])["fulfillments"]) == 2
        ),
        timeout=15,
    )
    # The same webhook again sends nothing twice.
    devstore.control.post(
        f"/_devstore/shops/{installed_shop}/fulfillment_orders/{second_fo['id']}/open"
    )
    drain()
    assert len(relay_orders_in(devstore, supplier_domain)) == 2


def test_a_pre_order_waits_for_its_date_then_is_sent(
    ctx, devstore, installed_shop, drain, relay_server, id_token
):
    stock_at_relay(devstore, installed_shop)
    add_supplier(installed_shop, channel="portal")
    placed = place(
        devstore,
        installed_shop,
        schedule={"deliveries": 1, "interval_days": 30, "first_in_days": 20},
    )
    supplier_order = supplier_order_of(installed_shop, placed, drain)
    requests.request_fulfillment([supplier_order], actor="merchant")
    db.session.commit()
    drain()
    supplier_order = refreshed(supplier_order)
    assert supplier_order.status == "scheduled", "not sent: nothing is due"
    assert supplier_order.scheduled_for is not None and supplier_order.problem is None
    token = id_token(installed_shop)
    drawer = get(relay_server, f"/orders/{supplier_order.order_id}", token).text
    assert "Scheduled for" in drawer and "data-scheduled-for" in drawer
    (fo,) = fos_of(devstore, installed_shop, placed["id"])
    assert (fo["status"], fo["request_status"]) == ("SCHEDULED", "UNSUBMITTED")
    assert "delivery_scheduled" in kinds(supplier_order)

    # Rescheduled in Shopify: the date shown follows.
    devstore.control.post(
        f"/_devstore/shops/{installed_shop}/fulfillment_orders/{fo['id']}/reschedule",
        json={"fulfill_at": "2027-03-01T09:00:00Z"},
    ).raise_for_status()
    wait_for(
        lambda: (
            drain() or str(refreshed(supplier_order).scheduled_for or "").startswith("2027-03-01")
        ),
        timeout=15,
    )
    assert refreshed(supplier_order).status == "scheduled"

    devstore.control.post(
        f"/_devstore/shops/{installed_shop}/clock", json={"fulfillment_order_id": fo["id"]}
    ).raise_for_status()
    wait_for(lambda: drain() or refreshed(supplier_order).status == "requested", timeout=15)
    (fo,) = fos_of(devstore, installed_shop, placed["id"])
    assert fo["request_status"] == "SUBMITTED"
    assert refreshed(supplier_order).scheduled_for is None


def test_a_fraud_hold_in_shopify_is_shown_and_its_release_releases_relay(
    ctx, devstore, installed_shop, drain, register_relay, relay_server, id_token
):
    devstore.control.post(
        "/_devstore/apps",
        json={
            "client_id": FRAUD_APP,
            "client_secret": "fraud-secret",
            "name": "Fraud Checker",
            "app_url": "https://fraud.example",
        },
    ).raise_for_status()
    stock_at_relay(devstore, installed_shop)
    add_supplier(installed_shop, channel="portal")
    placed = place(devstore, installed_shop)
    supplier_order = supplier_order_of(installed_shop, placed, drain)
    (fo,) = fos_of(devstore, installed_shop, placed["id"])
    devstore.control.post(
        f"/_devstore/shops/{installed_shop}/fulfillment_orders/{fo['id']}/hold",
        json={
            "reason": "HIGH_RISK_OF_FRAUD",
            "reason_notes": "Card used in 4 countries today",
            "handle": "fraud-check",
            "client_id": FRAUD_APP,
        },
    ).raise_for_status()
    wait_for(lambda: drain() or refreshed(supplier_order).status == "on_hold", timeout=15)
    supplier_order = refreshed(supplier_order)
    (hold,) = supplier_order.store_holds
    assert (hold["reason"], hold["notes"]) == (
        "HIGH_RISK_OF_FRAUD",
        "Card used in 4 countries today",
    )
    assert kinds(supplier_order).count("store_hold_added") == 1, "four webhooks, one record"
    token = id_token(installed_shop)
    drawer = get(relay_server, f"/orders/{supplier_order.order_id}", token).text
    assert "On hold in Shopify: High risk of fraud" in drawer
    assert "Card used in 4 countries today" in drawer and "Fraud Checker" in drawer
    grid = get(relay_server, "/orders", token).text
    assert "Held in Shopify: High risk of fraud" in grid

    # Request Fulfillment while held in Shopify: refused (the part is on hold).
    assert requests.request_fulfillment([supplier_order], actor="merchant").done == 0
    db.session.rollback()

    # Released in Shopify: released in Relay too, without the merchant releasing it here.
    devstore.control.post(
        f"/_devstore/shops/{installed_shop}/fulfillment_orders/{fo['id']}/release"
    ).raise_for_status()
    wait_for(lambda: drain() or refreshed(supplier_order).status == "ready", timeout=15)
    supplier_order = refreshed(supplier_order)
    assert supplier_order.store_holds is None
    assert "store_hold_released" in kinds(supplier_order)


def test_a_hold_released_in_shopify_resumes_a_requested_forward(
    ctx, devstore, installed_shop, drain
):
    stock_at_relay(devstore, installed_shop)
    add_supplier(installed_shop, channel="portal")
    placed = place(devstore, installed_shop)
    supplier_order = supplier_order_of(installed_shop, placed, drain)
    (fo,) = fos_of(devstore, installed_shop, placed["id"])
    devstore.control.post(
        f"/_devstore/shops/{installed_shop}/fulfillment_orders/{fo['id']}/hold",
        json={"reason": "INCORRECT_ADDRESS", "reason_notes": "No street number"},
    ).raise_for_status()
    # The merchant requested fulfillment before the hold's webhooks were processed.
    requests.request_fulfillment([supplier_order], actor="merchant")
    db.session.commit()
    wait_for(lambda: drain() or refreshed(supplier_order).status == "on_hold", timeout=15)
    assert refreshed(supplier_order).store_holds[0]["reason"] == "INCORRECT_ADDRESS"

    devstore.control.post(
        f"/_devstore/shops/{installed_shop}/fulfillment_orders/{fo['id']}/release"
    ).raise_for_status()
    wait_for(lambda: drain() or refreshed(supplier_order).status == "requested", timeout=15)
    (fo,) = fos_of(devstore, installed_shop, placed["id"])
    assert fo["request_status"] == "SUBMITTED", "forwarding resumed after Shopify's release"


def test_a_portal_supplier_ships_each_delivery_when_it_is_due(ctx, devstore, installed_shop, drain):
    stock_at_relay(devstore, installed_shop)
    add_supplier(installed_shop, channel="portal")
    placed = place(devstore, installed_shop, schedule={"deliveries": 3, "interval_days": 30})
    supplier_order = supplier_order_of(installed_shop, placed, drain)
    requests.request_fulfillment([supplier_order], actor="merchant")
    db.session.commit()
    drain()
    shipments.supplier_accepts(refreshed(supplier_order), actor_name="Portal Supplier")
    db.session.commit()
    drain()
    line_id = refreshed(supplier_order).order.line_items[0].id
    assert shipments.shippable_quantities(refreshed(supplier_order)) == {line_id: 1}
    (item,) = packing_slips.items_of(refreshed(supplier_order))  # the portal's ship form
    assert (item.remaining, item.shipped) == (1, 0), "one delivery due, none shipped yet"
    shipments.record_shipment(refreshed(supplier_order), shipments.Tracking("tracked", "P-1"))
    db.session.commit()
    drain()
    supplier_order = refreshed(supplier_order)
    assert [p.push_status for p in supplier_order.parcels] == ["pushed"]
    assert supplier_order.status == "partially_shipped"
    assert shipments.shippable_quantities(supplier_order) == {line_id: 0}, "next one not due"

    second = fos_of(devstore, installed_shop, placed["id"])[1]
    devstore.control.post(
        f"/_devstore/shops/{installed_shop}/clock", json={"fulfillment_order_id": second["id"]}
    ).raise_for_status()
    wait_for(
        lambda: (
            drain() or shipments.shippable_quantities(refreshed(supplier_order)) == {line_id: 1}
        ),
        timeout=15,
    )
    # Requested in Shopify (and accepted there: the supplier accepted the order already).
    assert fos_of(devstore, installed_shop, placed["id"])[1]["request_status"] in (
        "SUBMITTED",
        "ACCEPTED",
    )
    shipments.record_shipment(refreshed(supplier_order), shipments.Tracking("tracked", "P-2"))
    db.session.commit()
    drain()
    assert [p.push_status for p in refreshed(supplier_order).parcels] == ["pushed", "pushed"]
    statuses = [fo["status"] for fo in fos_of(devstore, installed_shop, placed["id"])]
    assert statuses == ["CLOSED", "CLOSED", "SCHEDULED"]


def test_a_parcel_refused_while_held_in_shopify_goes_once_the_hold_is_released(
    ctx, devstore, installed_shop, drain
):
    stock_at_relay(devstore, installed_shop)
    add_supplier(installed_shop, channel="portal")
    placed = place(devstore, installed_shop)
    supplier_order = supplier_order_of(installed_shop, placed, drain)
    requests.request_fulfillment([supplier_order], actor="merchant")
    db.session.commit()
    drain()
    assert refreshed(supplier_order).status == "requested"
    (fo,) = fos_of(devstore, installed_shop, placed["id"])
    devstore.control.post(
        f"/_devstore/shops/{installed_shop}/fulfillment_orders/{fo['id']}/hold",
        json={"reason": "OTHER", "reason_notes": "Checking stock"},
    ).raise_for_status()
    wait_for(lambda: drain() or refreshed(supplier_order).store_holds, timeout=15)
    assert refreshed(supplier_order).status == "requested", "the supplier has it already"

    # The supplier ships anyway: Shopify refuses the parcel while the hold stands.
    shipments.record_shipment(refreshed(supplier_order), shipments.Tracking("tracked", "H-1"))
    db.session.commit()
    drain()
    (parcel,) = refreshed(supplier_order).parcels
    assert parcel.push_status == "rejected" and refreshed(supplier_order).problem

    devstore.control.post(
        f"/_devstore/shops/{installed_shop}/fulfillment_orders/{fo['id']}/release"
    ).raise_for_status()
    wait_for(
        lambda: drain() or refreshed(supplier_order).parcels[0].push_status == "pushed",
        timeout=15,
    )
    assert "store_hold_released" in kinds(refreshed(supplier_order))
    assert refreshed(supplier_order).problem is None, "nothing left for the merchant to fix"
    (fulfillment,) = devstore_order(devstore, installed_shop, placed["id"])["fulfillments"]
    assert fulfillment["tracking"]["number"] == "H-1"


def test_a_delivery_whose_job_was_lost_is_sent_by_recovery(ctx, devstore, installed_shop, drain):
    """Shopify opened the delivery and Relay recorded it, but the job that sends it was lost
    (Redis emptied): the sweep's reconciliation sends it, once."""
    from background import PUSH, queues
    from domain.fulfillment import recovery, schedule_events
    from integrations.shopify_admin.webhook_payloads import OrderReference
    from tests.integration.test_fulfillment import shop_row

    stock_at_relay(devstore, installed_shop)
    add_supplier(installed_shop, channel="portal")
    placed = place(devstore, installed_shop, schedule={"deliveries": 2, "interval_days": 30})
    supplier_order = supplier_order_of(installed_shop, placed, drain)
    requests.request_fulfillment([supplier_order], actor="merchant")
    db.session.commit()
    drain()
    shipments.supplier_accepts(refreshed(supplier_order), actor_name="Portal Supplier")
    db.session.commit()
    drain()

    second = fos_of(devstore, installed_shop, placed["id"])[1]
    devstore.control.post(
        f"/_devstore/shops/{installed_shop}/fulfillment_orders/{second['id']}/open"
    ).raise_for_status()
    # What the ready webhook's handler does, then the job it queued is lost.
    fo_gid = f"gid://shopify/FulfillmentOrder/{second['id']}"
    db.session.rollback()
    schedule_events.fulfillment_order_due(installed_shop, OrderReference(None, fo_gid), None)
    db.session.commit()
    queues.queue(PUSH).empty()
    pending = db.session.scalars(
        select(SupplierDelivery).where(SupplierDelivery.forwarded_at.is_(None))
    ).all()
    assert [row.fulfillment_order_gid for row in pending] == [fo_gid]

    done = recovery.reconcile(shop_row(installed_shop))
    assert done.forwards == 1
    drain()
    db.session.expire_all()
    row = db.session.scalar(
        select(SupplierDelivery).where(SupplierDelivery.fulfillment_order_gid == fo_gid)
    )
    assert row.forwarded_at is not None and row.quantities
    assert fos_of(devstore, installed_shop, placed["id"])[1]["request_status"] in (
        "SUBMITTED",
        "ACCEPTED",
    )
    assert recovery.reconcile(shop_row(installed_shop)).forwards == 0, "sent once"
