"""Order edits and which orders move (issue 14), end to end against devstore: orders edited in
the store's admin (orderEdit*, orders/edited then orders/updated), test orders, refunded and
authorized orders, and the orders/edited subscription for new and existing shops."""

from __future__ import annotations

from sqlalchemy import select

from devstore import commerce
from domain import sweep
from domain.fulfillment import forwarding, line_changes
from domain.fulfillment import requesting as requests
from domain.models.orders import Order, SupplierOrder, VariantMapping
from domain.models.shop import Shop, WebhookReceipt
from domain.shop import settings as shop_settings
from domain.shop import subscriptions
from extensions import db
from integrations.shopify_admin.gateway import install as install_gateway
from tests.integration.merchant_pages import Merchant
from tests.integration.test_fulfillment import (
    SKU,
    add_supplier,
    shop_row,
    stock_at_relay,
)
from tests.integration.test_portal import Portal
from tests.integration.test_webhooks import deliver, wait_for

LAMP = "BRS-LAMP"


def place(devstore, domain, drain, lines, *, financial_status="paid", test=False) -> Order:
    """An order placed in devstore ([(sku, quantity)]), mirrored into Relay by its webhooks."""
    body = {
        "line_items": [{"sku": sku, "quantity": quantity} for sku, quantity in lines],
        "financial_status": financial_status,
        **({"test": True} if test else {}),
    }
    doc = devstore.control.post(f"/_devstore/shops/{domain}/orders", json=body)
    doc.raise_for_status()
    gid = f"gid://shopify/Order/{doc.json()['id']}"

    def arrived():
        drain()
        db.session.expire_all()
        return db.session.scalar(select(Order).where(Order.shopify_gid == gid)) is not None

    wait_for(arrived, timeout=15)
    return db.session.scalar(select(Order).where(Order.shopify_gid == gid))


def map_sku(domain: str, sku: str, supplier) -> None:
    db.session.add(VariantMapping(shop_id=shop_row(domain).id, sku=sku, supplier_id=supplier.id))
    db.session.commit()


def number(gid: str) -> int:
    return int(gid.rsplit("/", 1)[1])


def edit(devstore, domain, drain, order: Order, body: dict, *, until) -> dict:
    """The store's staff edits the order in its admin; Relay takes in its webhooks (they come
    on their own: wait until `until(order)` holds)."""
    response = devstore.control.post(
        f"/_devstore/shops/{domain}/orders/{number(order.shopify_gid)}/edit", json=body
    )
    response.raise_for_status()
    wait_for(lambda: drain() or until(fresh(order)), timeout=15)
    return response.json()


def fresh(order: Order) -> Order:
    db.session.expire_all()
    return db.session.get(Order, order.id)


def line(order: Order, sku: str):
    return next(li for li in fresh(order).line_items if li.sku == sku)


def forward_now(parts: list[SupplierOrder], drain) -> None:
    outcome = requests.request_fulfillment(parts, actor="merchant")
    db.session.commit()
    assert outcome.done == len(parts), outcome
    drain()


def supplier_store_orders(devstore, supplier_domain) -> list[dict]:
    return [
        o
        for o in devstore.control.get(f"/_devstore/shops/{supplier_domain}/orders").json()
        if "relay" in o["tags"]
    ]


def store_supplier(retailer, make_shop, oauth_install):
    supplier_domain = make_shop("supplier")
    oauth_install(supplier_domain)
    return add_supplier(retailer, channel="store", store_domain=supplier_domain), supplier_domain


# -- 1. order edits before forwarding ---------------------------------------------------------


def test_an_order_edited_from_3_to_1_before_forwarding_asks_the_supplier_for_1(
    ctx, devstore, installed_shop, make_shop, oauth_install, drain
):
    retailer = installed_shop
    stock_at_relay(devstore, retailer)
    supplier, supplier_domain = store_supplier(retailer, make_shop, oauth_install)
    order = place(devstore, retailer, drain, [(SKU, 3)])
    edit(
        devstore,
        retailer,
        drain,
        order,
        {"set": {number(line(order, SKU).shopify_gid): 1}},
        until=lambda o: line(o, SKU).quantity == 1,
    )

    mirrored = line(order, SKU)
    assert (mirrored.quantity, mirrored.ordered_quantity) == (1, 3)
    forward_now(fresh(order).supplier_orders, drain)

    (placed,) = supplier_store_orders(devstore, supplier_domain)
    assert [(li["sku"], li["quantity"]) for li in placed["line_items"]] == [("SUP-" + SKU, 1)]
    (part,) = fresh(order).supplier_orders
    assert part.status == "in_progress" and part.supplier_id == supplier.id


def test_a_line_removed_before_forwarding_is_asked_of_no_supplier(
    ctx, devstore, installed_shop, drain
):
    retailer = installed_shop
    stock_at_relay(devstore, retailer, skus=(SKU, LAMP))
    supplier = add_supplier(retailer, channel="portal")
    order = place(devstore, retailer, drain, [(SKU, 2), (LAMP, 1)])
    map_sku(retailer, LAMP, supplier)
    from domain.orders import rerouting

    rerouting.reroute_skus(shop_row(retailer).id, {LAMP})
    db.session.commit()
    order = fresh(order)
    assert sorted(li.sku for li in order.supplier_orders[0].line_items) == [LAMP, SKU]

    edit(
        devstore,
        retailer,
        drain,
        order,
        {"set": {number(line(order, LAMP).shopify_gid): 0}},
        until=lambda o: line(o, LAMP).quantity == 0,
    )
    # orders/edited carries only the edit: Relay read the order back and holds 0 of the lamp.
    assert line(order, LAMP).quantity == 0
    forward_now(fresh(order).supplier_orders, drain)
    (part,) = fresh(order).supplier_orders
    assert part.status == "requested"
    assert {li.sku: li.quantity for li in part.line_items} == {SKU: 2, LAMP: 0}
    # Portal: what the supplier sees and ships is what the order holds.
    from domain.fulfillment import shipments

    assert sorted(shipments.remaining_quantities(part).values()) == [0, 2]
    # What it ships is what Shopify's fulfillment order holds: the tracking push is accepted.
    shipments.supplier_accepts(part, actor_name="Portal Supplier")
    db.session.commit()
    drain()
    part = db.session.get(SupplierOrder, part.id)
    shipments.record_shipment(part, shipments.Tracking("tracked", "1Z777", "UPS", None))
    db.session.commit()

    def pushed():
        drain()
        db.session.expire_all()
        return db.session.get(SupplierOrder, part.id).parcels[0].push_status != "pending"

    wait_for(pushed, timeout=15)
    db.session.expire_all()
    part = db.session.get(SupplierOrder, part.id)
    assert [(p.push_status, p.push_error) for p in part.parcels] == [("pushed", None)]
    assert part.status == "shipped"


def test_a_supplier_part_emptied_by_an_edit_before_forwarding_is_cancelled(
    ctx, devstore, installed_shop, drain
):
    retailer = installed_shop
    stock_at_relay(devstore, retailer)
    add_supplier(retailer, channel="portal")
    order = place(devstore, retailer, drain, [(SKU, 2)])
    edit(
        devstore,
        retailer,
        drain,
        order,
        {"set": {number(line(order, SKU).shopify_gid): 0}},
        until=lambda o: line(o, SKU).quantity == 0,
    )
    (part,) = fresh(order).supplier_orders
    assert part.status == "cancelled"
    assert "part_emptied" in [e.kind for e in fresh(order).events]


# -- 2. edits after forwarding ----------------------------------------------------------------


def test_a_line_added_after_forwarding_makes_a_follow_up_part_that_is_forwarded(
    ctx, devstore, installed_shop, drain
):
    retailer = installed_shop
    stock_at_relay(devstore, retailer, skus=(SKU, LAMP))
    supplier = add_supplier(retailer, channel="portal")
    map_sku(retailer, LAMP, supplier)
    order = place(devstore, retailer, drain, [(SKU, 2)])
    forward_now(fresh(order).supplier_orders, drain)
    (first,) = fresh(order).supplier_orders
    assert first.status == "requested"

    edit(
        devstore,
        retailer,
        drain,
        order,
        {"add": [{"sku": LAMP, "quantity": 1}]},
        until=lambda o: len(o.supplier_orders) == 2,
    )
    order = fresh(order)
    first, follow_up = order.supplier_orders
    # The sent part is as it was sent; the lamp is a follow-up part for the same supplier, not
    # "No supplier". The edit made the order dearer: it waits for the balance.
    assert (first.part, [li.sku for li in first.line_items]) == (1, [SKU])
    assert (follow_up.supplier_id, follow_up.part) == (supplier.id, 2)
    assert [li.sku for li in follow_up.line_items] == [LAMP]
    assert order.financial_status == "PARTIALLY_PAID" and follow_up.status == "awaiting_payment"

    paid = devstore.control.post(
        f"/_devstore/shops/{retailer}/orders/{number(order.shopify_gid)}/pay"
    )
    paid.raise_for_status()
    wait_for(lambda: drain() or fresh(order).financial_status == "PAID", timeout=15)
    follow_up = db.session.get(SupplierOrder, follow_up.id)
    assert follow_up.status == "ready"
    forward_now([follow_up], drain)
    assert db.session.get(SupplierOrder, follow_up.id).status == "requested"
    # Both of the store's fulfillment orders at Relay's location were requested, each once.
    fos = devstore.control.get(f"/_devstore/shops/{retailer}/orders?limit=500").json()
    doc = next(o for o in fos if o["id"] == number(order.shopify_gid))
    relay_location = number(shop_row(retailer).fulfillment_location_gid)
    at_relay = [fo for fo in doc["fulfillment_orders"] if fo["location_id"] == relay_location]
    assert len(at_relay) == 2
    assert {fo["request_status"] for fo in at_relay} == {"SUBMITTED"}


def _refund_units(devstore, domain, order: Order, sku: str, quantity: int) -> None:
    commerce.create_refund(
        devstore.store,
        domain,
        number(order.shopify_gid),
        refund_line_items=[
            {
                "line_item_id": number(line(order, sku).shopify_gid),
                "quantity": quantity,
                "restock_type": "CANCEL",
            }
        ],
        note="Customer changed their mind",
    )


def test_units_taken_off_after_forwarding_are_told_to_a_portal_supplier(
    ctx, devstore, installed_shop, drain, relay_server
):
    retailer = installed_shop
    stock_at_relay(devstore, retailer)
    add_supplier(retailer, channel="portal")
    order = place(devstore, retailer, drain, [(SKU, 3)])
    forward_now(fresh(order).supplier_orders, drain)

    _refund_units(devstore, retailer, order, SKU, 2)
    wait_for(lambda: drain() or line(order, SKU).quantity == 1, timeout=15)
    (part,) = fresh(order).supplier_orders
    assert part.status == "requested"
    assert "the supplier was told" in part.problem
    assert line_changes.changes_after_sent(part) == [f"{line(order, SKU).title}: 3 → 1"]
    # Its portal page says so, beside the quantity it is to ship now.
    supplier_browser = Portal(relay_server, part.supplier)
    page = supplier_browser.get(f"orders/{part.id}")
    assert page.status_code == 200
    assert "data-quantity-changes" in page.text and "3 → 1" in page.text


def test_units_taken_off_after_forwarding_are_edited_out_of_the_supplier_store_order(
    ctx, devstore, installed_shop, make_shop, oauth_install, drain
):
    retailer = installed_shop
    stock_at_relay(devstore, retailer)
    _supplier, supplier_domain = store_supplier(retailer, make_shop, oauth_install)
    order = place(devstore, retailer, drain, [(SKU, 3)])
    forward_now(fresh(order).supplier_orders, drain)
    (placed,) = supplier_store_orders(devstore, supplier_domain)
    assert placed["line_items"][0]["quantity"] == 3

    _refund_units(devstore, retailer, order, SKU, 2)

    def noted():
        drain()
        (placed,) = supplier_store_orders(devstore, supplier_domain)
        return line_changes.SUPPLIER_STORE_TAG in placed["tags"]

    wait_for(noted, timeout=15)
    (placed,) = supplier_store_orders(devstore, supplier_domain)
    assert f"Ship only: 1 × SUP-{SKU}." in placed["note"]
    # The order in the supplier's store was edited down to what the order holds now.
    (placed_line,) = placed["line_items"]
    assert placed_line["quantity"] - placed_line.get("removed_quantity", 0) == 1
    assert placed["edited"] is True
    (part,) = fresh(order).supplier_orders
    assert "the supplier was told" in part.problem
    # Told once: the job run again writes nothing new.
    line_changes.show_in_supplier_store(part.id)
    (again,) = supplier_store_orders(devstore, supplier_domain)
    assert again["note"] == placed["note"]


def test_units_taken_off_after_forwarding_tell_the_merchant_to_contact_a_manual_supplier(
    ctx, devstore, installed_shop, drain
):
    retailer = installed_shop
    stock_at_relay(devstore, retailer)
    add_supplier(retailer, channel="manual")
    order = place(devstore, retailer, drain, [(SKU, 3)])
    forward_now(fresh(order).supplier_orders, drain)
    _refund_units(devstore, retailer, order, SKU, 1)
    wait_for(lambda: drain() or line(order, SKU).quantity == 2, timeout=15)
    (part,) = fresh(order).supplier_orders
    assert part.problem.endswith("contact the supplier.")
    (event,) = [e for e in fresh(order).events if e.kind == "quantities_changed_after_forward"]
    assert "contact the supplier" in event.message and event.data["changes"].endswith("3 → 2")


# -- 3. which orders move ---------------------------------------------------------------------


def test_a_test_order_never_reaches_a_supplier_store(
    ctx, devstore, installed_shop, make_shop, oauth_install, drain
):
    retailer = installed_shop
    stock_at_relay(devstore, retailer)
    supplier, supplier_domain = store_supplier(retailer, make_shop, oauth_install)
    supplier.place_mode = "auto"  # even a supplier that places automatically
    db.session.commit()
    order = place(devstore, retailer, drain, [(SKU, 1)], test=True)
    assert fresh(order).test is True
    (part,) = fresh(order).supplier_orders
    assert part.status == "ready", "not requested automatically"

    forward_now([part], drain)  # the merchant requests it by hand: refused
    part = db.session.get(SupplierOrder, part.id)
    assert part.status == "ready" and part.problem == forwarding.TEST_ORDER_TO_STORE
    assert supplier_store_orders(devstore, supplier_domain) == []


def test_a_test_order_is_shown_as_one_and_reaches_a_portal_supplier_marked_as_test(
    ctx, devstore, installed_shop, drain, relay_server, id_token
):
    retailer = installed_shop
    stock_at_relay(devstore, retailer)
    add_supplier(retailer, channel="portal")
    order = place(devstore, retailer, drain, [(SKU, 1)], test=True)
    forward_now(fresh(order).supplier_orders, drain)
    (part,) = fresh(order).supplier_orders
    assert part.status == "requested"
    merchant = Merchant(relay_server.url, retailer, id_token)
    assert "data-test-order" in merchant.get(f"/orders/{order.id}", htmx=True).text
    assert "data-test-order" in merchant.get("/orders").text
    assert "data-test-order" in Portal(relay_server, part.supplier).get(f"orders/{part.id}").text


def test_a_refunded_order_never_goes_to_its_supplier(ctx, devstore, installed_shop, drain):
    retailer = installed_shop
    stock_at_relay(devstore, retailer)
    add_supplier(retailer, channel="portal")
    shop = shop_row(retailer)
    shop_settings.save(shop, shop_settings.ShopSettings(hold_minutes=60))
    db.session.commit()
    order = place(devstore, retailer, drain, [(SKU, 2)])
    requests.request_fulfillment(fresh(order).supplier_orders, actor="merchant")
    db.session.commit()
    (part,) = fresh(order).supplier_orders
    assert part.status == "scheduled"

    _refund_units(devstore, retailer, order, SKU, 2)
    wait_for(lambda: drain() or fresh(order).financial_status == "REFUNDED", timeout=15)
    assert forwarding.forward(part.id) != "forwarded"
    part = db.session.get(SupplierOrder, part.id)
    assert part.status == "cancelled" and part.forwarded_at is None


def test_refunded_is_never_paid_and_partially_paid_waits(ctx, devstore, installed_shop):
    from domain.orders.paid import counts_as_paid

    shop = shop_row(installed_shop)
    assert [
        counts_as_paid(s, shop)
        for s in ("PAID", "PARTIALLY_REFUNDED", "REFUNDED", "VOIDED", "PARTIALLY_PAID", "PENDING")
    ] == [True, True, False, False, False, False]


def test_authorized_orders_forward_only_when_the_shop_says_so(ctx, devstore, installed_shop, drain):
    retailer = installed_shop
    stock_at_relay(devstore, retailer)
    add_supplier(retailer, channel="portal")
    held = place(devstore, retailer, drain, [(SKU, 1)], financial_status="authorized")
    assert fresh(held).financial_status == "AUTHORIZED"
    assert fresh(held).supplier_orders[0].status == "awaiting_payment"

    shop = shop_row(retailer)
    shop_settings.save(shop, shop_settings.ShopSettings(hold_minutes=0, forward_authorized=True))
    db.session.commit()
    moving = place(devstore, retailer, drain, [(SKU, 1)], financial_status="authorized")
    (part,) = fresh(moving).supplier_orders
    assert part.status == "ready"
    forward_now([part], drain)
    assert db.session.get(SupplierOrder, part.id).status == "requested"


def test_the_settings_page_turns_forwarding_of_authorized_orders_on(
    ctx, installed_shop, relay_server, id_token
):
    merchant = Merchant(relay_server.url, installed_shop, id_token)
    page = merchant.get("/settings")
    assert 'name="forward_authorized"' in page.text
    assert 'name="forward_authorized" checked' not in page.text, "off by default"
    assert "Forward authorized (not yet captured) orders" in page.text
    assert "Transmettre les commandes autorisées" in merchant.get("/settings", locale="fr").text
    response = merchant.post("/settings", {"forward_authorized": "on", "hold_minutes": "2"})
    assert response.status_code == 200
    db.session.expire_all()
    assert shop_settings.settings_of(shop_row(installed_shop)).forward_authorized is True


# -- orders/edited subscribed ------------------------------------------------------------------


def _topics(devstore, domain) -> set[str]:
    return {s["topic"] for s in devstore.store.find("webhook_subscription", shop=domain)}


def test_orders_edited_is_subscribed_on_install(ctx, devstore, installed_shop):
    assert "ORDERS_EDITED" in _topics(devstore, installed_shop)
    shop = shop_row(installed_shop)
    assert shop.webhook_topics == install_gateway.topics_fingerprint()


def test_a_shop_installed_before_orders_edited_gets_it_at_its_next_sweep(
    ctx, devstore, installed_shop, drain
):
    # As a shop installed by the previous release: no orders/edited, no fingerprint.
    for sub in devstore.store.find("webhook_subscription", shop=installed_shop):
        if sub["topic"] == "ORDERS_EDITED":
            commerce.delete_webhook_subscription(
                devstore.store, installed_shop, client_id=sub["client_id"], sub_id=sub["id"]
            )
    shop = shop_row(installed_shop)
    shop.webhook_topics = None
    db.session.commit()
    assert "ORDERS_EDITED" not in _topics(devstore, installed_shop)
    assert subscriptions.behind(shop)

    sweep.sweep(shop.id)
    drain()
    assert "ORDERS_EDITED" in _topics(devstore, installed_shop)
    db.session.expire_all()
    assert not subscriptions.behind(db.session.get(Shop, shop.id))
    assert subscriptions.refresh(shop.id) == "up to date"


def test_orders_edited_alone_brings_the_edit_and_a_replay_changes_nothing(
    ctx, devstore, installed_shop, drain, relay_server
):
    """orders/edited carries only the edit; Relay reads the order back. Proven with the shop's
    orders/updated subscription removed, so no other order webhook brings the change."""
    retailer = installed_shop
    stock_at_relay(devstore, retailer)
    add_supplier(retailer, channel="portal")
    order = place(devstore, retailer, drain, [(SKU, 3)])
    for sub in devstore.store.find("webhook_subscription", shop=retailer):
        if sub["topic"].startswith("ORDERS_") and sub["topic"] != "ORDERS_EDITED":
            commerce.delete_webhook_subscription(
                devstore.store, retailer, client_id=sub["client_id"], sub_id=sub["id"]
            )
    edit(
        devstore,
        retailer,
        drain,
        order,
        {"set": {number(line(order, SKU).shopify_gid): 2}},
        until=lambda o: line(o, SKU).quantity == 2,
    )
    topics = [r.topic for r in db.session.scalars(select(WebhookReceipt))]
    assert "orders/edited" in topics and "orders/updated" not in topics
    events_before = len(fresh(order).events)

    (receipt,) = [
        r for r in db.session.scalars(select(WebhookReceipt)) if r.topic == "orders/edited"
    ]
    payload = {"order_edit": {"id": 1, "order_id": number(order.shopify_gid)}}
    assert deliver(relay_server, retailer, "orders/edited", payload).status_code == 200
    drain()
    assert line(order, SKU).quantity == 2 and len(fresh(order).events) == events_before
    assert receipt.processed_at is not None
    # A body naming no order is bad data: set aside as such, never a 500 or a retry loop.
    assert deliver(relay_server, retailer, "orders/edited", {"order_edit": {}}).status_code == 200
    drain()
    db.session.expire_all()
    (bad,) = [
        r
        for r in db.session.scalars(select(WebhookReceipt))
        if r.topic == "orders/edited" and r.parked_at is not None
    ]
    assert bad.id != receipt.id
