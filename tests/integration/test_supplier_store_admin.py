"""The supplier's side of a `store` supplier, as its staff sees it: the order Relay placed in
the supplier's store shows the retailer's order number, note and tags in the store admin,
is fulfilled there with the admin's "Fulfill items" form in two parcels, and each parcel's
tracking reaches the retailer's order. Relay inside the supplier's store shows that order as
the retailer's, to ship itself, never as "No supplier" work."""

from __future__ import annotations

import re

from sqlalchemy import select

from domain.fulfillment import requesting as requests
from domain.models.orders import Order
from domain.orders import from_retailers
from extensions import db
from tests.integration.test_fulfillment import (
    add_supplier,
    devstore_order,
    place_order,
    refreshed,
    shop_row,
    stock_at_relay,
    supplier_order_of,
)
from tests.integration.test_webhooks import wait_for
from tests.integration.test_words_and_numbers import drawer_get


def _forwarded(devstore, retailer, supplier_domain, drain):
    """A paid two-unit order of the retailer, requested and placed in the supplier's store."""
    add_supplier(retailer, channel="store", store_domain=supplier_domain)
    placed = place_order(devstore, retailer, quantity=2)
    supplier_order = supplier_order_of(retailer, placed, drain)
    requests.request_fulfillment([supplier_order], actor="merchant")
    db.session.commit()
    drain()
    in_store = next(
        o
        for o in devstore.control.get(f"/_devstore/shops/{supplier_domain}/orders").json()
        if "relay" in o["tags"]
    )
    return placed, supplier_order, in_store


def _fulfill_in_admin(devstore, supplier_domain, in_store, quantity, number, company):
    fo = in_store["fulfillment_orders"][0]
    (line,) = fo["line_items"]
    response = devstore.control.post(
        f"/store/{supplier_domain}/admin/orders/{in_store['id']}/fulfillment_orders/"
        f"{fo['id']}/fulfill",
        data={
            f"quantity-{line['id']}": str(quantity),
            "tracking_number": number,
            "company": company,
            "tracking_url": f"https://track.example/{number}",
            "notify_customer": "1",
        },
    )
    assert response.status_code == 302, response.text[:500]


def test_two_parcels_fulfilled_in_the_supplier_admin_reach_the_retailer(
    ctx, devstore, make_shop, oauth_install, installed_shop, drain
):
    retailer = installed_shop
    stock_at_relay(devstore, retailer)
    supplier_domain = make_shop("supplier")
    oauth_install(supplier_domain)
    placed, supplier_order, in_store = _forwarded(devstore, retailer, supplier_domain, drain)

    page = devstore.control.get(f"/store/{supplier_domain}/admin/orders/{in_store['id']}").text
    retailer_ref = f"{shop_row(retailer).name or retailer} {placed['name']}"
    assert re.search(rf'id="order-po">.*{re.escape(retailer_ref)}', page), "PO number"
    assert f"Dropship order {retailer_ref}, placed by Relay." in page
    assert "None" not in page

    _fulfill_in_admin(devstore, supplier_domain, in_store, 1, "LX1", "La Poste")

    def retailer_fulfillments(count):
        def enough():
            drain()
            return len(devstore_order(devstore, retailer, placed["id"])["fulfillments"]) >= count

        wait_for(enough, timeout=15)
        return devstore_order(devstore, retailer, placed["id"])["fulfillments"]

    (first,) = retailer_fulfillments(1)
    assert first["tracking"] == {
        "number": "LX1",
        "company": "La Poste",
        "url": "https://track.example/LX1",
    }
    assert [li["quantity"] for li in first["line_items"]] == [1]
    assert refreshed(supplier_order).status == "partially_shipped"

    _fulfill_in_admin(devstore, supplier_domain, in_store, 1, "LX2", "La Poste")
    fulfillments = retailer_fulfillments(2)
    assert sorted(f["tracking"]["number"] for f in fulfillments) == ["LX1", "LX2"]
    supplier_order = refreshed(supplier_order)
    assert supplier_order.status == "shipped"
    assert sorted(p.tracking_number for p in supplier_order.parcels) == ["LX1", "LX2"]


def test_relay_in_the_supplier_store_shows_the_retailers_order_not_no_supplier(
    ctx, devstore, make_shop, oauth_install, installed_shop, drain, relay_server, id_token
):
    retailer = installed_shop
    stock_at_relay(devstore, retailer)
    supplier_domain = make_shop("supplier")
    oauth_install(supplier_domain)
    placed, _supplier_order, in_store = _forwarded(devstore, retailer, supplier_domain, drain)
    gid = f"gid://shopify/Order/{in_store['id']}"

    def synced():
        drain()
        db.session.expire_all()
        order = db.session.scalar(select(Order).where(Order.shopify_gid == gid))
        return order is not None and all(li.handled_by for li in order.line_items)

    wait_for(synced, timeout=15)
    supplier_shop = shop_row(supplier_domain)
    order = db.session.scalar(
        select(Order).where(Order.shop_id == supplier_shop.id, Order.shopify_gid == gid)
    )
    assert order.supplier_orders == [], "no 'No supplier' part: the store ships it itself"
    assert [li.handled_by for li in order.line_items] == ["merchant"]
    assert from_retailers.retailer_order(supplier_shop, order) == from_retailers.RetailerOrder(
        retailer=shop_row(retailer).name or retailer, order_name=placed["name"]
    )
    # The retailer's own order is not "from a retailer" in the retailer's store.
    retailer_order = db.session.scalar(
        select(Order).where(Order.shopify_gid == f"gid://shopify/Order/{placed['id']}")
    )
    assert from_retailers.retailer_order(shop_row(retailer), retailer_order) is None

    # What the supplier's staff reads, with parts of the address missing (no "None").
    order.shipping_address = {**order.shipping_address, "zip": None, "name": None}
    db.session.commit()
    token, retailer_name = id_token(supplier_domain), shop_row(retailer).name or retailer
    badge = {
        "en": f"Order {placed['name']} from {retailer_name}",
        "fr": f"Commande {placed['name']} du revendeur {retailer_name}",
        "hu": f"{retailer_name} {placed['name']} rendelése",
    }
    for locale, says in badge.items():
        grid = drawer_get(relay_server, "/orders", token, locale).text
        row = re.search(rf'<tr id="order-row-{order.id}".*?</tr>', grid, re.S).group(0)
        assert says in row and "data-store-ships" in row
        assert "No supplier" not in row and "Unassigned" not in row
        drawer = drawer_get(relay_server, f"/orders/{order.id}", token, locale).text
        assert f'id="from-retailer-{order.id}"' in drawer and says in drawer
        address = re.search(r'<address id="ship-to-\d+">(.*?)</address>', drawer, re.S).group(1)
        assert "None" not in address and address.split("<br>")[:2] == [
            in_store["shipping_address"]["address1"],
            in_store["shipping_address"]["city"]
            + f", {in_store['shipping_address']['province_code']}",
        ]
