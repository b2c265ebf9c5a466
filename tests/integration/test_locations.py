"""Shopify's locations, delivery methods and line kinds decide what reaches a supplier: only
lines on fulfillment orders at Relay's location, to be shipped, go to one. Against devstore's
routing, moves and webhooks, end to end."""

import pytest
from sqlalchemy import select

from domain.fulfillment import requesting as requests
from domain.fulfillment import shipments
from domain.models.orders import LineItem, Order, Supplier, SupplierOrder, VariantMapping
from domain.orders import routing
from extensions import db
from tests.conftest import API_KEY
from tests.integration.test_fulfillment import (
    SKU,
    add_supplier,
    devstore_order,
    refreshed,
    shop_row,
    stock_at_relay,
)
from tests.integration.test_fulfillment_ui import get
from tests.integration.test_webhooks import wait_for

LAMP = "BRS-LAMP"


def place(devstore, domain, line_items, **extra):
    response = devstore.control.post(
        f"/_devstore/shops/{domain}/orders", json={"line_items": line_items, **extra}
    )
    response.raise_for_status()
    return response.json()


def order_when_placed(placed, drain, *, handled=None) -> Order:
    """The order in Relay once its fulfillment orders were read (every line knows who ships
    it), or, with `handled`, once that line item gid is handled as given."""
    gid = f"gid://shopify/Order/{placed['id']}"

    def ready():
        drain()
        db.session.expire_all()
        order = db.session.scalar(select(Order).where(Order.shopify_gid == gid))
        if order is None or not order.line_items:
            return False
        return all(line.handled_by for line in order.line_items)

    wait_for(ready, timeout=15)
    return db.session.scalar(select(Order).where(Order.shopify_gid == gid))


def stock_at_merchant_too(devstore, domain, skus):
    devstore.control.post(
        f"/_devstore/shops/{domain}/stock", json={"merchant": True, "skus": list(skus)}
    ).raise_for_status()


def move_fo(devstore, domain, fo_id, **target):
    response = devstore.control.post(
        f"/_devstore/shops/{domain}/fulfillment_orders/{fo_id}/move", json=target
    )
    response.raise_for_status()
    return response.json()


def fos_of(devstore, domain, placed):
    return devstore_order(devstore, domain, placed["id"])["fulfillment_orders"]


def relay_location(domain):
    return int(shop_row(domain).fulfillment_location_gid.rsplit("/", 1)[-1])


def test_a_line_the_merchant_stocks_is_the_stores_not_a_no_supplier_part(
    ctx, devstore, installed_shop, drain, relay_server, id_token
):
    placed = place(devstore, installed_shop, [{"sku": SKU, "quantity": 1}])
    order = order_when_placed(placed, drain)
    assert [line.handled_by for line in order.line_items] == ["merchant"]
    assert order.supplier_orders == [], "no red “No supplier” part for the store's own line"
    token = id_token(installed_shop)
    drawer = get(relay_server, f"/orders/{order.id}", token).text
    assert "Shipped by the store" in drawer and "Merchant fulfills" in drawer
    assert "No supplier" not in drawer and "request_fulfillment" not in drawer
    row = get(relay_server, "/orders", token).text
    assert 'data-store-ships="merchant"' in row


def test_a_mapped_sku_shipped_from_the_merchants_location_is_never_forwarded(
    ctx, devstore, installed_shop, drain
):
    # Stocked at both: Shopify routes to the shop's own (higher-ranked) location.
    stock_at_relay(devstore, installed_shop)
    stock_at_merchant_too(devstore, installed_shop, [SKU])
    supplier = add_supplier(installed_shop, channel="portal", place="auto")
    placed = place(devstore, installed_shop, [{"sku": SKU, "quantity": 1}])
    order = order_when_placed(placed, drain)
    drain()
    db.session.expire_all()
    assert [line.handled_by for line in order.line_items] == ["merchant"]
    assert order.supplier_orders == [], "the auto-place supplier's part was dropped unsent"
    # Even a part made before Relay knew (the webhook's old routing by SKU) is not sent: the
    # forward job reads the fulfillment orders itself.
    line = order.line_items[0]
    line.handled_by, line.supplier_id = None, supplier.id
    routing.split(order, paid=True)
    db.session.commit()
    part = order.supplier_orders[0]
    part_id, line_id = part.id, line.id
    assert requests.request_fulfillment([part], actor="merchant").done == 1
    db.session.commit()
    drain()
    db.session.expire_all()
    assert db.session.get(SupplierOrder, part_id) is None
    assert db.session.get(LineItem, line_id).handled_by == "merchant"
    fos = fos_of(devstore, installed_shop, placed)
    assert [fo["request_status"] for fo in fos] == ["UNSUBMITTED"], "nothing requested"


def test_lines_moved_into_relays_location_become_forwardable_and_out_of_it_stop_being_the_suppliers(
    ctx, devstore, installed_shop, drain
):
    stock_at_relay(devstore, installed_shop)
    stock_at_merchant_too(devstore, installed_shop, [SKU])
    add_supplier(installed_shop, channel="portal")
    placed = place(devstore, installed_shop, [{"sku": SKU, "quantity": 2}])
    order = order_when_placed(placed, drain)
    assert order.supplier_orders == []
    fo_id = fos_of(devstore, installed_shop, placed)[0]["id"]

    move_fo(devstore, installed_shop, fo_id, client_id=API_KEY)

    def routed_to_supplier():
        drain()
        db.session.expire_all()
        return [so.status for so in db.session.get(Order, order.id).supplier_orders] == ["ready"]

    wait_for(routed_to_supplier, timeout=15)
    order = db.session.get(Order, order.id)
    assert order.line_items[0].handled_by == "relay"
    part = order.supplier_orders[0]
    requests.request_fulfillment([part], actor="merchant")
    db.session.commit()
    drain()
    assert refreshed(part).status == "requested"
    fo = next(fo for fo in fos_of(devstore, installed_shop, placed) if fo["id"] == fo_id)
    assert (fo["location_id"], fo["request_status"]) == (
        relay_location(installed_shop),
        "SUBMITTED",
    )


def test_a_line_moved_away_before_it_was_sent_leaves_the_suppliers_part(
    ctx, devstore, installed_shop, drain
):
    stock_at_relay(devstore, installed_shop)
    stock_at_merchant_too(devstore, installed_shop, [SKU])
    devstore.control.post(  # the merchant's location stocks only the mug: the lamp stays
        f"/_devstore/shops/{installed_shop}/stock",
        json={"client_id": API_KEY, "skus": [LAMP]},
    ).raise_for_status()
    add_supplier(installed_shop, channel="portal")
    shop = shop_row(installed_shop)
    lamps = Supplier(shop_id=shop.id, name="Lamp Works", channel="portal")
    db.session.add(lamps)
    db.session.flush()
    db.session.add(VariantMapping(shop_id=shop.id, sku=LAMP, supplier_id=lamps.id))
    db.session.commit()
    # Stocked together only at Relay's location: one fulfillment order there for both.
    placed = place(devstore, installed_shop, [{"sku": SKU, "quantity": 1}, {"sku": LAMP}])
    order = order_when_placed(placed, drain)
    assert sorted(so.supplier.name for so in order.supplier_orders) == [
        "Lamp Works",
        "Portal Supplier",
    ]
    fo = fos_of(devstore, installed_shop, placed)[0]
    mug_line = next(
        li for li in fo["line_items"] if li["line_item_id"] == placed["line_items"][0]["id"]
    )
    move_fo(
        devstore,
        installed_shop,
        fo["id"],
        merchant=True,
        line_items=[{"id": mug_line["id"], "quantity": 1}],
    )

    def mug_left():
        drain()
        db.session.expire_all()
        return [so.supplier.name for so in db.session.get(Order, order.id).supplier_orders] == [
            "Lamp Works"
        ]

    wait_for(mug_left, timeout=15)
    order = db.session.get(Order, order.id)
    assert {line.sku: line.handled_by for line in order.line_items} == {
        SKU: "merchant",
        LAMP: "relay",
    }
    assert any(e.kind == "moved_from_relay" for e in order.events)


def test_gift_cards_and_lines_that_need_no_shipping_never_go_to_a_supplier(
    ctx, devstore, installed_shop, drain
):
    stock_at_relay(devstore, installed_shop, skus=(SKU, LAMP))
    supplier = add_supplier(installed_shop, channel="portal")
    db.session.add(
        VariantMapping(shop_id=shop_row(installed_shop).id, sku=LAMP, supplier_id=supplier.id)
    )
    db.session.commit()
    placed = place(
        devstore,
        installed_shop,
        [
            {"sku": SKU, "quantity": 1},
            {"sku": LAMP, "quantity": 1, "requires_shipping": False},
            {"title": "Gift Card", "price": "25.00", "quantity": 1, "gift_card": True},
        ],
    )
    order = order_when_placed(placed, drain)
    kinds = sorted(line.handled_by for line in order.line_items)
    assert kinds == ["digital", "gift_card", "relay"]
    (part,) = order.supplier_orders
    assert [line.sku for line in part.line_items] == [SKU]
    requests.request_fulfillment([part], actor="merchant")
    db.session.commit()
    drain()
    assert refreshed(part).status == "requested"
    submitted = [
        fo for fo in fos_of(devstore, installed_shop, placed) if fo["request_status"] == "SUBMITTED"
    ]
    assert [[li["line_item_id"] for li in fo["line_items"]] for fo in submitted] == [
        [placed["line_items"][0]["id"]]
    ]


@pytest.mark.parametrize(
    ("method", "handled", "shown"),
    [
        ("PICK_UP", "pickup", "Picked up by the customer at the store"),
        ("LOCAL", "local", "Local delivery by the store"),
    ],
)
def test_a_pickup_or_local_delivery_order_is_the_stores_and_never_sent_to_a_supplier(
    ctx, devstore, installed_shop, drain, relay_server, id_token, method, handled, shown
):
    stock_at_relay(devstore, installed_shop)
    stock_at_merchant_too(devstore, installed_shop, [SKU])
    add_supplier(installed_shop, channel="portal", place="auto")
    placed = place(
        devstore, installed_shop, [{"sku": SKU, "quantity": 1}], delivery={"type": method}
    )
    order = order_when_placed(placed, drain)
    drain()
    db.session.expire_all()
    assert [line.handled_by for line in order.line_items] == [handled]
    assert order.supplier_orders == [], "the auto-place supplier never gets it"
    assert [fo["request_status"] for fo in fos_of(devstore, installed_shop, placed)] == [
        "UNSUBMITTED"
    ]
    drawer = get(relay_server, f"/orders/{order.id}", id_token(installed_shop)).text
    assert shown in drawer


def two_suppliers_on_one_fulfillment_order(devstore, domain, drain):
    portal = add_supplier(domain, channel="portal")
    shop = shop_row(domain)
    lamps = Supplier(shop_id=shop.id, name="Lamp Works", channel="portal")
    db.session.add(lamps)
    db.session.flush()
    db.session.add(VariantMapping(shop_id=shop.id, sku=LAMP, supplier_id=lamps.id))
    db.session.commit()
    stock_at_relay(devstore, domain, skus=(SKU, LAMP))
    placed = place(devstore, domain, [{"sku": SKU, "quantity": 1}, {"sku": LAMP, "quantity": 1}])
    order = order_when_placed(placed, drain)
    mugs = next(so for so in order.supplier_orders if so.supplier_id == portal.id)
    lamp = next(so for so in order.supplier_orders if so.supplier_id == lamps.id)
    return placed, mugs, lamp


def fo_holding(devstore, domain, placed, line_index):
    line_id = placed["line_items"][line_index]["id"]
    return [
        fo
        for fo in fos_of(devstore, domain, placed)
        if any(
            li["line_item_id"] == line_id and li["remaining_quantity"] for li in fo["line_items"]
        )
    ]


def test_a_shared_admin_request_is_split_so_one_suppliers_decline_leaves_the_other_valid(
    ctx, devstore, installed_shop, drain
):
    placed, mugs, lamp = two_suppliers_on_one_fulfillment_order(devstore, installed_shop, drain)
    (shared,) = fos_of(devstore, installed_shop, placed)
    # The merchant presses Shopify's own "Request fulfillment" on the shared fulfillment order.
    devstore.control.post(
        f"/_devstore/shops/{installed_shop}/fulfillment_orders/{shared['id']}/request_fulfillment",
        json={"message": "please ship"},
    ).raise_for_status()
    wait_for(
        lambda: (
            drain()
            or (refreshed(mugs).status, refreshed(lamp).status) == ("requested", "requested")
        ),
        timeout=15,
    )
    (mug_fo,) = fo_holding(devstore, installed_shop, placed, 0)
    (lamp_fo,) = fo_holding(devstore, installed_shop, placed, 1)
    assert mug_fo["id"] != lamp_fo["id"], "one request per supplier"
    assert mug_fo["request_status"] == lamp_fo["request_status"] == "SUBMITTED"

    shipments.supplier_declines(refreshed(mugs), "Out of stock until May")
    db.session.commit()
    shipments.supplier_accepts(refreshed(lamp), actor_name="Lamp Works")
    db.session.commit()
    drain()
    (mug_fo,) = fo_holding(devstore, installed_shop, placed, 0)
    (lamp_fo,) = fo_holding(devstore, installed_shop, placed, 1)
    assert mug_fo["request_status"] == "REJECTED"
    assert (lamp_fo["status"], lamp_fo["request_status"]) == ("IN_PROGRESS", "ACCEPTED")
    assert refreshed(mugs).status == "declined"
    assert refreshed(lamp).status == "in_progress" and refreshed(lamp).problem is None


def test_an_acceptance_shopify_refuses_is_shown_to_the_merchant(
    ctx, devstore, installed_shop, drain
):
    placed, mugs, lamp = two_suppliers_on_one_fulfillment_order(devstore, installed_shop, drain)
    requests.request_fulfillment([mugs, lamp], actor="merchant")
    db.session.commit()
    drain()
    assert (refreshed(mugs).status, refreshed(lamp).status) == ("requested", "requested")
    (lamp_fo,) = fo_holding(devstore, installed_shop, placed, 1)
    # The request is declined in the store behind Relay's back.
    devstore.control.post(
        f"/_devstore/shops/{installed_shop}/fulfillment_orders/{lamp_fo['id']}/reject",
        json={"reason": "OTHER", "message": "declined in the store"},
    ).raise_for_status()
    drain()
    shipments.supplier_accepts(refreshed(lamp), actor_name="Lamp Works")
    db.session.commit()
    drain()
    lamp = refreshed(lamp)
    assert lamp.problem and "refused" in lamp.problem
    assert any(e.kind == "store_refused_answer" for e in lamp.order.events)
    assert refreshed(mugs).problem is None


def test_a_line_moved_away_after_it_was_sent_is_flagged_for_the_merchant_not_dropped(
    ctx, devstore, installed_shop, drain
):
    placed, mugs, lamp = two_suppliers_on_one_fulfillment_order(devstore, installed_shop, drain)
    stock_at_merchant_too(devstore, installed_shop, [LAMP])
    requests.request_fulfillment([mugs, lamp], actor="merchant")
    db.session.commit()
    drain()
    (lamp_fo,) = fo_holding(devstore, installed_shop, placed, 1)
    # Shopify refuses to move a submitted request: it moves only once the request is declined.
    devstore.control.post(
        f"/_devstore/shops/{installed_shop}/fulfillment_orders/{lamp_fo['id']}/reject",
        json={"reason": "OTHER", "message": "declined in the store"},
    ).raise_for_status()
    move_fo(devstore, installed_shop, lamp_fo["id"], merchant=True)

    def flagged():
        drain()
        return refreshed(lamp).problem is not None

    wait_for(flagged, timeout=15)
    lamp = refreshed(lamp)
    assert lamp.status == "requested", "still the supplier's record: it has the order"
    assert "moved to another location" in lamp.problem
    assert [line.sku for line in lamp.line_items] == [LAMP]
    assert any(e.kind == "moved_away_after_sent" for e in lamp.order.events)
    assert refreshed(mugs).problem is None
