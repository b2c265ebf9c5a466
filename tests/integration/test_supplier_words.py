"""Issue 17, words the merchant reads about suppliers: a supplier that cancels the order Relay
placed in its store is "Cancelled by the supplier" (not "Request declined") with next steps the
status table offers; an address change refused after forwarding names who to contact and how;
the ⚡ shows only where the supplier places orders automatically; "No supplier" rows and the
empty Unassigned view say how to map a SKU."""

from __future__ import annotations

import html
import re

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from domain import states
from domain.models.notices import Notification
from domain.models.orders import Order, Supplier, VariantMapping
from domain.models.shop import Shop
from domain.notices import board_pages
from domain.suppliers import sku_mappings
from extensions import db
from tests.integration.test_cancellations import (
    ask,
    get,
    post,
    timeline,
    with_supplier,
)
from tests.integration.test_fulfillment import (
    SKU,
    add_supplier,
    place_order,
    refreshed,
    stock_at_relay,
    supplier_order_of,
)
from tests.integration.test_webhooks import wait_for


@pytest.fixture
def retailer(ctx, installed_shop, devstore):
    stock_at_relay(devstore, installed_shop, skus=(SKU,))
    return installed_shop


def _text(page: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def test_a_supplier_cancelling_in_its_store_is_cancelled_by_the_supplier_with_next_steps(
    ctx, relay_server, retailer, devstore, make_shop, oauth_install, drain, id_token
):
    supplier_domain = make_shop("supplier")
    oauth_install(supplier_domain)
    so = with_supplier(
        devstore, retailer, drain, channel="store", pay="auto", store_domain=supplier_domain
    )
    assert so.status == "in_progress"
    placed_id = int(so.supplier_reference.rsplit("/", 1)[1])
    devstore.control.post(
        f"/_devstore/shops/{supplier_domain}/orders/{placed_id}/cancel",
        json={"reason": "inventory"},
    ).raise_for_status()

    def cancelled_there():
        drain()
        return refreshed(so).status == "supplier_cancelled"

    wait_for(cancelled_there, timeout=15)
    so = refreshed(so)
    assert "supplier_cancelled_in_store" in timeline(so)
    notice = db.session.scalars(select(Notification).order_by(Notification.id.desc())).first()
    assert notice.kind == "declined"
    assert notice.message == (
        "%(supplier)s cancelled order %(order)s in its store: %(store_reason)s"
    )
    assert notice.params["store_reason"] == "items unavailable"
    with force_locale("fr"):  # Shopify's reason in Relay's words, in the reader's language
        assert board_pages.render_message(notice) == (
            f"Store Supplier a annulé la commande {so.order.name} dans sa boutique\u00a0: "
            "articles indisponibles"
        )
    # The next steps are the status table's, nothing else: another supplier, or cancel.
    assert states.allowed_actions(so) == ["choose_supplier", "request_cancellation"]
    token = id_token(retailer)
    drawer = _text(get(relay_server, f"/orders/{so.order_id}", token).text)
    assert "Cancelled by Store Supplier in its store" in drawer
    assert "Request declined" not in drawer
    assert "Choose another supplier" in drawer
    assert "cancel these items and refund the customer" in drawer
    grid = _text(get(relay_server, "/orders", token).text)
    assert "Cancelled by the supplier" in grid

    # Cancelling now needs nobody's consent: the supplier will not ship it.
    ask(so)
    drain()
    assert refreshed(so).status == "cancelled"


def test_a_refused_address_change_names_the_supplier_and_how_to_reach_it(
    ctx, relay_server, retailer, devstore, drain, id_token
):
    so = with_supplier(devstore, retailer, drain, contact_email="orders@portal.example")
    assert so.status == "in_progress"
    token = id_token(retailer)
    path = f"/orders/{so.order_id}/address"
    form = get(relay_server, path, token).text
    address = {"name": "A", "address1": "1 Rue", "city": "Lyon", "country_code": "FR"}
    assert post(relay_server, path, token, address, htmx=False).status_code == 409
    refused = post(relay_server, path, token, address)  # htmx swaps 2xx only: the form again
    for page in (form, refused.text):
        contact = re.search(r'<li data-supplier-contact="(\d+)">(.*?)</li>', page, re.S)
        assert contact is not None and int(contact.group(1)) == so.id
        assert "Portal Supplier" in contact.group(2)
        assert 'href="mailto:orders@portal.example?subject=' in contact.group(2)
        # The order's conversation with that supplier, in the drawer.
        assert f'hx-swap="outerHTML show:#messages-{so.id}:top"' in contact.group(2)
        assert "Message Portal Supplier in Relay" in _text(contact.group(2))
    french = get(relay_server, path + "?locale=fr", token).text
    assert "Écrire à Portal Supplier dans Relay" in html.unescape(french)


def test_the_bolt_shows_only_for_a_supplier_that_places_orders_automatically(
    ctx, relay_server, retailer, devstore, drain, id_token
):
    manual = add_supplier(retailer, channel="portal", place="manual", pay="manual")
    so = supplier_order_of(retailer, place_order(devstore, retailer), drain)
    token = id_token(retailer)

    def row() -> str:
        page = get(relay_server, "/orders", token).text
        return re.search(rf'<tr id="order-row-{so.order_id}".*?</tr>', page, re.S).group(0)

    assert "Portal Supplier" in row() and 'class="auto-order"' not in row()
    manual.place_mode = "auto"
    db.session.commit()
    assert refreshed(so).supplier.places_automatically
    bolt = re.search(r'<span class="auto-order"[^>]*><svg', row())
    assert bolt is not None
    assert 'role="img"' in bolt.group(0)
    assert 'aria-label="Places orders automatically"' in bolt.group(0)


def test_no_supplier_rows_and_the_empty_unassigned_view_say_how_to_map_a_sku(
    ctx, relay_server, retailer, devstore, drain, id_token
):
    token = id_token(retailer)
    empty = get(relay_server, "/orders?supplier=unassigned", token).text
    assert "Every item has a supplier" in empty
    assert re.search(r'data-map-skus href="/suppliers\?[^"]*#unmapped-summary"', empty)
    searched = get(relay_server, "/orders?supplier=unassigned&q=nothing-like-it", token).text
    assert "No orders match these filters" in searched, "a search of its own: no such claim"
    assert "Every item has a supplier" not in searched

    unmapped = supplier_order_of(retailer, place_order(devstore, retailer), drain)
    assert unmapped.status == "unassigned"
    order = db.session.get(Order, unmapped.order_id)
    row = get(relay_server, "/orders?supplier=unassigned", token).text
    assert order.name in row and "Map SKUs to a supplier" in row
    drawer = _text(get(relay_server, f"/orders/{order.id}", token).text)
    assert "No supplier ships MUG-STN-SPK yet" in drawer
    assert "Suppliers → SKUs without a supplier" in drawer


def test_choosing_another_supplier_after_a_store_supplier_cancelled_moves_the_items(
    ctx, relay_server, retailer, devstore, make_shop, oauth_install, drain
):
    """The next step offered: the SKU mapped to another supplier, the items go to it."""
    supplier_domain = make_shop("supplier")
    oauth_install(supplier_domain)
    so = with_supplier(
        devstore, retailer, drain, channel="store", pay="auto", store_domain=supplier_domain
    )
    placed_id = int(so.supplier_reference.rsplit("/", 1)[1])
    devstore.control.post(
        f"/_devstore/shops/{supplier_domain}/orders/{placed_id}/cancel", json={}
    ).raise_for_status()
    wait_for(lambda: drain() or refreshed(so).status == "supplier_cancelled", timeout=15)
    shop = refreshed(so).supplier.shop_id
    other = Supplier(shop_id=shop, name="Other Supplier", channel="manual", currency="EUR")
    other.website_url = "https://other.example"
    db.session.add(other)
    mapping = db.session.scalar(select(VariantMapping).where(VariantMapping.sku == SKU))
    db.session.commit()
    owner = db.session.get(Shop, shop)
    sku_mappings.remove(owner, mapping.supplier_id, mapping.id)
    sku_mappings.add(owner, other.id, {"sku": SKU, "cost": "7.00", "cost_currency": "EUR"})
    drain()
    db.session.expire_all()
    order = db.session.get(Order, so.order_id)
    assert [(p.supplier.name, p.status) for p in order.supplier_orders] == [
        ("Other Supplier", "ready")
    ]
