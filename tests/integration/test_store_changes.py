"""Changes the merchant makes in Shopify (devstore) after an order went to its suppliers: a
fulfillment of one supplier's lines, a cancellation, a deletion, a customer's redaction. Two
suppliers per order, real webhooks, real jobs."""

import json
from decimal import Decimal

import pytest
from sqlalchemy import select

from domain.fulfillment import requesting as requests
from domain.models.cancellations import CancellationRequest
from domain.models.orders import Order, OrderEvent, Supplier, SupplierOrder, VariantMapping
from domain.models.shop import ComplianceRecord, Shop, WebhookReceipt
from domain.shop import settings as shop_settings
from extensions import db
from tests.conftest import API_KEY
from tests.integration.test_portal import Portal
from tests.integration.test_webhooks import deliveries_settled, wait_for

SKU_A, SKU_B = "MUG-STN-SPK", "PIL-LIN-NAT"


def shop_row(domain):
    return db.session.scalar(select(Shop).where(Shop.domain == domain))


def add_supplier(domain, name, sku, *, channel="portal", **fields):
    shop = shop_row(domain)
    shop_settings.save(shop, shop_settings.ShopSettings(hold_minutes=0))
    supplier = Supplier(
        shop_id=shop.id,
        name=name,
        channel=channel,
        place_mode="manual",
        pay_mode="manual",
        currency="EUR",
        **fields,
    )
    db.session.add(supplier)
    db.session.flush()
    db.session.add(
        VariantMapping(
            shop_id=shop.id,
            sku=sku,
            supplier_id=supplier.id,
            supplier_sku="SUP-" + sku,
            cost=Decimal("7.50"),
            cost_currency="EUR",
        )
    )
    db.session.commit()
    return supplier


@pytest.fixture
def retailer(ctx, installed_shop, devstore):
    devstore.control.post(
        f"/_devstore/shops/{installed_shop}/stock",
        json={"client_id": API_KEY, "skus": [SKU_A, SKU_B]},
    ).raise_for_status()
    return installed_shop


def place_two_supplier_order(devstore, domain, *, paid=True):
    response = devstore.control.post(
        f"/_devstore/shops/{domain}/orders",
        json={
            "line_items": [{"sku": SKU_A, "quantity": 2}, {"sku": SKU_B, "quantity": 1}],
            "financial_status": "paid" if paid else "pending",
        },
    )
    response.raise_for_status()
    return response.json()


def mirrored(order_doc, drain) -> Order:
    gid = f"gid://shopify/Order/{order_doc['id']}"

    def arrived():
        drain()
        db.session.expire_all()
        return db.session.scalar(select(Order).where(Order.shopify_gid == gid)) is not None

    wait_for(arrived, timeout=15)
    return db.session.scalar(select(Order).where(Order.shopify_gid == gid))


def settle(devstore, domain, drain):
    """Every webhook devstore owes the shop delivered, and every job they made run."""
    wait_for(lambda: deliveries_settled(devstore, domain), timeout=15)
    drain()
    db.session.expire_all()


def part_of(order: Order, supplier: Supplier) -> SupplierOrder:
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    return next(so for so in order.supplier_orders if so.supplier_id == supplier.id)


def forward_both(devstore, domain, order: Order, drain) -> None:
    outcome = requests.request_fulfillment(list(order.supplier_orders), actor="merchant")
    db.session.commit()
    assert outcome.done == 2
    settle(devstore, domain, drain)


def devstore_order(devstore, domain, order_id):
    orders = devstore.control.get(f"/_devstore/shops/{domain}/orders?limit=500").json()
    return next(o for o in orders if o["id"] == order_id)


def fo_holding(devstore, domain, order_doc, sku):
    doc = devstore_order(devstore, domain, order_doc["id"])
    line_id = next(li["id"] for li in doc["line_items"] if li["sku"] == sku)
    return next(
        fo
        for fo in doc["fulfillment_orders"]
        if any(line["line_item_id"] == line_id for line in fo["line_items"])
        and fo["status"] not in ("CLOSED", "CANCELLED")
    )


def events_of(order: Order, kind: str) -> list[OrderEvent]:
    return list(
        db.session.scalars(
            select(OrderEvent).where(OrderEvent.order_id == order.id, OrderEvent.kind == kind)
        )
    )


def test_merchant_fulfilling_one_suppliers_lines_moves_only_that_part_and_tells_it(
    ctx, devstore, retailer, relay_server, drain
):
    portal = add_supplier(retailer, "Portal Co", SKU_A)
    manual = add_supplier(retailer, "Manual Co", SKU_B, channel="manual")
    placed = place_two_supplier_order(devstore, retailer)
    order = mirrored(placed, drain)
    forward_both(devstore, retailer, order, drain)
    assert part_of(order, portal).status == "requested"
    assert part_of(order, manual).status == "requested"

    # The merchant fulfills the portal supplier's lines itself, in Shopify's admin.
    fo = fo_holding(devstore, retailer, placed, SKU_A)
    devstore.control.post(
        f"/_devstore/shops/{retailer}/fulfillment_orders/{fo['id']}/fulfill", json={}
    ).raise_for_status()
    settle(devstore, retailer, drain)

    fulfilled, untouched = part_of(order, portal), part_of(order, manual)
    assert fulfilled.status == "shipped"
    assert fulfilled.store_change == "fulfilled_by_merchant"
    page = Portal(relay_server, portal).get(f"orders/{fulfilled.id}")
    assert "fulfilled items of this order itself." in page.text
    assert untouched.status == "requested" and untouched.store_change is None
    (told,) = events_of(order, "fulfilled_by_merchant")
    assert told.data["supplier"] == "Portal Co" and told.data["count"] == 2

    # A redelivery, or the order's next update, tells nobody twice.
    settle(devstore, retailer, drain)
    assert len(events_of(order, "fulfilled_by_merchant")) == 1

    # Then the merchant fulfills the manual supplier's line too: the merchant is told to call.
    fo = fo_holding(devstore, retailer, placed, SKU_B)
    devstore.control.post(
        f"/_devstore/shops/{retailer}/fulfillment_orders/{fo['id']}/fulfill", json={}
    ).raise_for_status()
    settle(devstore, retailer, drain)
    manual_part = part_of(order, manual)
    assert manual_part.status == "shipped"
    assert "tell the supplier not to ship" in manual_part.problem


def test_supplier_store_order_is_marked_and_cancelled_when_the_merchant_fulfills_it(
    ctx, devstore, retailer, make_shop, oauth_install, drain
):
    supplier_domain = make_shop("supplier")
    oauth_install(supplier_domain)
    store_supplier = add_supplier(
        retailer, "Store Co", SKU_A, channel="store", store_domain=supplier_domain
    )
    portal = add_supplier(retailer, "Portal Co", SKU_B)
    placed = place_two_supplier_order(devstore, retailer)
    order = mirrored(placed, drain)
    forward_both(devstore, retailer, order, drain)
    assert part_of(order, store_supplier).status == "in_progress"

    fo = fo_holding(devstore, retailer, placed, SKU_A)
    devstore.control.post(
        f"/_devstore/shops/{retailer}/fulfillment_orders/{fo['id']}/fulfill", json={}
    ).raise_for_status()
    settle(devstore, retailer, drain)

    assert part_of(order, store_supplier).status == "shipped"
    assert part_of(order, portal).status == "requested"
    (in_supplier_store,) = [
        o
        for o in devstore.control.get(f"/_devstore/shops/{supplier_domain}/orders").json()
        if "relay" in o["tags"]
    ]
    assert "relay-fulfilled-by-retailer" in in_supplier_store["tags"]
    assert "FULFILLED BY THE RETAILER" in in_supplier_store["note"]
    assert in_supplier_store["cancelled_at"], "nothing left for the supplier to ship"


def test_cancelling_in_shopify_after_forwarding_tells_each_supplier(
    ctx, devstore, retailer, relay_server, drain
):
    portal = add_supplier(retailer, "Portal Co", SKU_A)
    manual = add_supplier(retailer, "Manual Co", SKU_B, channel="manual")
    placed = place_two_supplier_order(devstore, retailer)
    order = mirrored(placed, drain)
    forward_both(devstore, retailer, order, drain)

    devstore.control.post(
        f"/_devstore/shops/{retailer}/orders/{placed['id']}/cancel", json={"reason": "CUSTOMER"}
    ).raise_for_status()
    settle(devstore, retailer, drain)

    portal_part, manual_part = part_of(order, portal), part_of(order, manual)
    assert (portal_part.status, portal_part.store_change) == ("cancelled", "cancelled_in_store")
    page = Portal(relay_server, portal).get(f"orders/{portal_part.id}")
    assert "cancelled it in its store." in page.text and 'id="ship-form"' not in page.text
    assert manual_part.status == "cancelled"
    assert "contact the supplier" in manual_part.problem
    told = {e.data["supplier"] for e in events_of(order, "cancelled_after_forward")}
    assert told == {"Portal Co", "Manual Co"}
    decided = db.session.scalars(select(CancellationRequest)).all()
    assert sorted(r.status for r in decided) == ["auto_cancelled", "auto_cancelled"]
    assert all(r.store_error is None for r in decided)


def test_cancelling_in_shopify_cancels_the_order_in_the_supplier_store(
    ctx, devstore, retailer, make_shop, oauth_install, drain, app
):
    """Shopify refuses to cancel an order a fulfillment service has accepted, so this is the
    window before Relay's acceptance reached Shopify: the order is in the supplier's store,
    the store's fulfillment order still only submitted."""
    from background import queues
    from domain.fulfillment import tracking_push

    supplier_domain = make_shop("supplier")
    oauth_install(supplier_domain)
    store_supplier = add_supplier(
        retailer, "Store Co", SKU_A, channel="store", store_domain=supplier_domain
    )
    placed = devstore.control.post(
        f"/_devstore/shops/{retailer}/orders",
        json={"line_items": [{"sku": SKU_A, "quantity": 1}], "financial_status": "paid"},
    ).json()
    order = mirrored(placed, drain)
    from domain.fulfillment import forwarding

    requests.request_fulfillment(list(order.supplier_orders), actor="merchant")
    db.session.commit()
    part = part_of(order, store_supplier)
    assert forwarding.forward(part.id) == "forwarded"
    # The acceptance job has not run yet.
    queues.queue(tracking_push.answer_request.policy.queue).remove(
        tracking_push.answer_request.job_id(part.id)
    )
    assert part_of(order, store_supplier).status == "in_progress"

    devstore.control.post(
        f"/_devstore/shops/{retailer}/orders/{placed['id']}/cancel", json={}
    ).raise_for_status()
    settle(devstore, retailer, drain)

    assert part_of(order, store_supplier).status == "cancelled"
    (in_supplier_store,) = [
        o
        for o in devstore.control.get(f"/_devstore/shops/{supplier_domain}/orders").json()
        if "relay" in o["tags"]
    ]
    assert in_supplier_store["cancelled_at"]
    assert events_of(order, "cancelled_in_supplier_store")


def test_an_order_deleted_in_shopify_is_kept_marked_and_never_forwarded(
    ctx, devstore, retailer, drain
):
    portal = add_supplier(retailer, "Portal Co", SKU_A)
    add_supplier(retailer, "Manual Co", SKU_B, channel="manual")
    placed = place_two_supplier_order(devstore, retailer)
    order = mirrored(placed, drain)
    part = part_of(order, portal)
    part.supplier_paid_at = part.status_changed_at  # money history the deletion must keep
    db.session.commit()

    devstore.control.post(
        f"/_devstore/shops/{retailer}/orders/{placed['id']}/cancel", json={}
    ).raise_for_status()
    devstore.control.post(
        f"/_devstore/shops/{retailer}/orders/{placed['id']}/delete"
    ).raise_for_status()
    settle(devstore, retailer, drain)

    order = db.session.get(Order, order.id)
    assert order.deleted_at is not None
    assert {so.status for so in order.supplier_orders} == {"cancelled"}
    assert part_of(order, portal).supplier_paid_at is not None
    assert events_of(order, "deleted_in_store")
    receipt = db.session.scalar(
        select(WebhookReceipt).where(WebhookReceipt.topic == "orders/delete")
    )
    assert receipt.processed_at is not None and receipt.error is None


def test_customer_redaction_by_orders_to_redact_survives_later_webhooks_and_is_never_sent(
    ctx, devstore, retailer, drain
):
    portal = add_supplier(retailer, "Portal Co", SKU_A)
    add_supplier(retailer, "Manual Co", SKU_B, channel="manual")
    placed = place_two_supplier_order(devstore, retailer, paid=False)
    order = mirrored(placed, drain)
    assert order.customer_email and order.shipping_address
    email = order.customer_email

    # Shopify names the order; the customer's email is not the one Relay holds (it changed).
    devstore.control.post(
        f"/_devstore/shops/{retailer}/webhooks/trigger",
        json={
            "topic": "customers/redact",
            "customer": {"id": 424242, "email": "someone-else@example.com"},
            "order_ids": [placed["id"]],
        },
    ).raise_for_status()
    settle(devstore, retailer, drain)
    order = db.session.get(Order, order.id)
    assert order.customer_redacted_at is not None
    assert order.customer_email is None and order.shipping_address is None
    record = db.session.scalar(
        select(ComplianceRecord).where(ComplianceRecord.topic == "customers/redact")
    )
    assert record.result["orders"] == 1

    # The customer pays: orders/paid and orders/updated carry the customer again, and the
    # sweep's read of the order would too. Nothing of it is mirrored back.
    devstore.control.post(
        f"/_devstore/shops/{retailer}/orders/{placed['id']}/pay"
    ).raise_for_status()
    settle(devstore, retailer, drain)
    order = db.session.get(Order, order.id)
    assert order.financial_status == "PAID", "the update itself was applied"
    assert order.customer_email is None and order.shipping_address is None
    assert order.customer_name == "Redacted"
    kept = [json.dumps(r.payload) for r in db.session.scalars(select(WebhookReceipt))]
    assert kept and not [body for body in kept if email in body.lower()]

    # And it is never sent to a supplier.
    part = part_of(order, portal)
    requests.request_fulfillment([part], actor="merchant")
    db.session.commit()
    settle(devstore, retailer, drain)
    part = part_of(order, portal)
    assert part.status == "ready" and part.forwarded_at is None
    assert "erased" in part.problem
    fo = fo_holding(devstore, retailer, placed, SKU_A)
    assert fo["request_status"] == "UNSUBMITTED"


def test_customer_redaction_finds_orders_by_customer_id_when_the_email_differs(
    ctx, devstore, retailer, drain
):
    add_supplier(retailer, "Portal Co", SKU_A)
    placed = place_two_supplier_order(devstore, retailer)
    order = mirrored(placed, drain)
    other = place_two_supplier_order(devstore, retailer)
    kept = mirrored(other, drain)
    assert order.customer_gid == f"gid://shopify/Customer/{placed['customer']['id']}"

    devstore.control.post(
        f"/_devstore/shops/{retailer}/webhooks/trigger",
        json={
            "topic": "customers/redact",
            "customer": {"id": placed["customer"]["id"], "email": "changed@example.com"},
            "order_ids": [],
        },
    ).raise_for_status()
    settle(devstore, retailer, drain)
    order, kept = db.session.get(Order, order.id), db.session.get(Order, kept.id)
    assert order.customer_redacted_at is not None and order.shipping_address is None
    if other["customer"]["id"] != placed["customer"]["id"]:
        assert kept.customer_redacted_at is None and kept.shipping_address is not None


def test_an_order_body_replayed_as_orders_delete_deletes_nothing(
    ctx, devstore, retailer, relay_server, drain
):
    """The HMAC covers the body, not the topic: a captured order body ({"id": ...} and more)
    sent as orders/delete must not mark an order the store still has."""
    from tests.integration.test_webhooks import deliver

    add_supplier(retailer, "Portal Co", SKU_A)
    placed = place_two_supplier_order(devstore, retailer)
    order = mirrored(placed, drain)
    assert deliver(relay_server, retailer, "orders/delete", {"id": placed["id"]}).status_code == 200
    drain()
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    assert order.deleted_at is None
    assert {so.status for so in order.supplier_orders} == {"ready", "unassigned"}
    receipt = db.session.scalar(
        select(WebhookReceipt).where(WebhookReceipt.topic == "orders/delete")
    )
    assert receipt.error == "ignored: the order is still in the store"


def test_a_second_part_fulfilled_while_the_store_stays_partially_fulfilled_is_followed(
    ctx, devstore, retailer, drain
):
    """Three lines, two suppliers and one line the merchant ships: fulfilling the second
    supplier's lines leaves the store's status "Partially fulfilled", as it was."""
    first = add_supplier(retailer, "First Co", SKU_A)
    second = add_supplier(retailer, "Second Co", SKU_B)
    response = devstore.control.post(
        f"/_devstore/shops/{retailer}/orders",
        json={
            "line_items": [
                {"sku": SKU_A, "quantity": 1},
                {"sku": SKU_B, "quantity": 1},
                {"sku": "CER-POUR-WHT", "quantity": 1},
            ],
            "financial_status": "paid",
        },
    )
    placed = response.json()
    order = mirrored(placed, drain)
    outcome = requests.request_fulfillment(
        [so for so in order.supplier_orders if so.supplier_id], actor="merchant"
    )
    db.session.commit()
    assert outcome.done == 2
    settle(devstore, retailer, drain)

    for sku in (SKU_A, SKU_B):
        fo = fo_holding(devstore, retailer, placed, sku)
        devstore.control.post(
            f"/_devstore/shops/{retailer}/fulfillment_orders/{fo['id']}/fulfill", json={}
        ).raise_for_status()
        settle(devstore, retailer, drain)
    assert db.session.get(Order, order.id).store_status == "PARTIALLY_FULFILLED"
    assert part_of(order, first).status == "shipped"
    assert part_of(order, second).status == "shipped"
    told = {e.data["supplier"] for e in events_of(order, "fulfilled_by_merchant")}
    assert told == {"First Co", "Second Co"}
