"""The supplier portal over real HTTP: magic links, tenancy, accept / decline / ship with the
real push job against devstore, bad input, and the packing slip (portal and merchant side)."""

from __future__ import annotations

import re
import time
from decimal import Decimal

import httpx
import pytest
from sqlalchemy import select

from domain.fulfillment import requesting as requests
from domain.models.orders import (
    Order,
    Supplier,
    SupplierOrder,
    VariantMapping,
)
from domain.models.shipments import Parcel
from domain.models.shop import Shop
from domain.shop import settings as shop_settings
from domain.shop import tokens
from domain.suppliers import portal
from extensions import db
from tests.conftest import API_KEY
from tests.integration.test_webhooks import deliveries_settled, wait_for

MUG, PILLOW = "MUG-STN-SPK", "PIL-LIN-NAT"


# -- helpers ---------------------------------------------------------------------------------


def shop_row(domain: str) -> Shop:
    return db.session.scalar(select(Shop).where(Shop.domain == domain))


def add_portal_supplier(domain: str, name: str, skus: tuple[str, ...]) -> Supplier:
    shop = shop_row(domain)
    shop_settings.save(shop, shop_settings.ShopSettings(hold_minutes=0))
    supplier = Supplier(shop_id=shop.id, name=name, channel="portal", currency="EUR")
    db.session.add(supplier)
    db.session.flush()
    for sku in skus:
        db.session.add(
            VariantMapping(
                shop_id=shop.id,
                sku=sku,
                supplier_id=supplier.id,
                supplier_sku=f"{name[:3].upper()}-{sku}",
                cost=Decimal("7.50"),
                cost_currency="EUR",
            )
        )
    db.session.commit()
    return supplier


def place_order(devstore, domain: str, lines: dict[str, int]) -> dict:
    response = devstore.control.post(
        f"/_devstore/shops/{domain}/orders",
        json={
            "line_items": [{"sku": sku, "quantity": qty} for sku, qty in lines.items()],
            "financial_status": "paid",
        },
    )
    response.raise_for_status()
    return response.json()


def refreshed(supplier_order_id: int) -> SupplierOrder:
    db.session.expire_all()
    return db.session.get(SupplierOrder, supplier_order_id)


def sent_to_supplier(devstore, domain: str, lines: dict[str, int], drain) -> SupplierOrder:
    """Place a paid order in devstore, let Relay sync it, request fulfillment, forward it."""
    placed = place_order(devstore, domain, lines)
    gid = f"gid://shopify/Order/{placed['id']}"

    def synced():
        drain()
        db.session.expire_all()
        return db.session.scalar(select(Order).where(Order.shopify_gid == gid)) is not None

    wait_for(synced, timeout=15)
    order = db.session.scalar(select(Order).where(Order.shopify_gid == gid))
    supplier_order = order.supplier_orders[0]
    assert requests.request_fulfillment([supplier_order], actor="merchant").done == 1
    db.session.commit()
    drain()
    # The webhooks forwarding set off may reach Relay after that drain (on SQLite their intake
    # waits for the worker's writes): take them now, not in the middle of the test's own steps.
    wait_for(lambda: deliveries_settled(devstore, domain), timeout=15)
    drain()
    supplier_order = refreshed(supplier_order.id)
    assert supplier_order.status == "requested"
    return supplier_order


def devstore_order(devstore, domain: str, supplier_order: SupplierOrder) -> dict:
    order_id = int(supplier_order.order.shopify_gid.rsplit("/", 1)[1])
    orders = devstore.control.get(f"/_devstore/shops/{domain}/orders?limit=500").json()
    return next(o for o in orders if o["id"] == order_id)


class Portal:
    """A supplier's browser: every URL carries its magic link."""

    def __init__(self, relay_server, supplier: Supplier):
        self.token = portal.link_token(supplier)
        self.http = httpx.Client(base_url=relay_server.url, follow_redirects=False, timeout=30)

    def url(self, path: str = "") -> str:
        return f"/portal/{self.token}/{path}"

    def get(self, path: str = "", **kwargs) -> httpx.Response:
        return self.http.get(self.url(path), **kwargs)

    def post(self, path: str, data: dict, htmx: bool = False) -> httpx.Response:
        headers = {"HX-Request": "true"} if htmx else {}
        return self.http.post(self.url(path), data=data, headers=headers)


def line_ids(supplier_order: SupplierOrder) -> dict[str, int]:
    return {line.sku: line.id for line in supplier_order.order.line_items}


@pytest.fixture
def retailer(ctx, installed_shop, devstore):
    devstore.control.post(
        f"/_devstore/shops/{installed_shop}/stock",
        json={"client_id": API_KEY, "skus": [MUG, PILLOW]},
    ).raise_for_status()
    return installed_shop


# -- links -----------------------------------------------------------------------------------


@pytest.mark.attack
def test_a_genuine_link_opens_the_portal_and_tampered_or_foreign_links_do_not(
    ctx, app, relay_server, retailer
):
    supplier = add_portal_supplier(retailer, "Atelier Nord", (MUG,))
    supplier_id = supplier.id
    good = Portal(relay_server, supplier)
    page = good.get()
    assert page.status_code == 200
    assert "Atelier Nord" in page.text and "Supplier portal" in page.text

    tampered = good.token[:-3] + ("AAA" if not good.token.endswith("AAA") else "BBB")
    response = good.http.get(f"/portal/{tampered}/")
    assert response.status_code == 403 and "This link is not valid" in response.text

    from itsdangerous import URLSafeTimedSerializer

    forged = URLSafeTimedSerializer("another-app-secret", salt=portal.SALT).dumps(
        {"s": supplier_id, "k": supplier.portal_key}
    )
    assert good.http.get(f"/portal/{forged}/").status_code == 403

    # A link whose signature is genuine but older than the expiry names the store to ask.
    max_age = portal.LINK_MAX_AGE.total_seconds()
    expired_at = time.time() - max_age - 60
    old = portal.link_token(supplier, now=lambda: expired_at)
    response = good.http.get(f"/portal/{old}/")
    assert response.status_code == 410
    assert "expired" in response.text and shop_row(retailer).name in response.text
    # Signed a day short of the expiry, a link still opens.
    almost_expired_at = time.time() - max_age + 86400
    aged = portal.link_token(supplier, now=lambda: almost_expired_at)
    assert good.http.get(f"/portal/{aged}/").status_code == 200

    # Switched to another channel: the portal is closed to it.
    db.session.get(Supplier, supplier_id).channel = "manual"
    db.session.commit()
    response = good.get()
    assert response.status_code == 403 and "no longer sends you orders" in response.text


@pytest.mark.attack
def test_revoking_links_rotates_the_key_and_old_links_stop_working(
    ctx, relay_server, retailer, id_token
):
    supplier = add_portal_supplier(retailer, "Atelier Nord", (MUG,))
    old = Portal(relay_server, supplier)
    assert old.get().status_code == 200
    key_before = supplier.portal_key

    response = httpx.post(
        f"{relay_server.url}/suppliers/{supplier.id}/portal-link/revoke",
        headers={"Authorization": f"Bearer {id_token(retailer)}", "HX-Request": "true"},
    )
    assert response.status_code == 200
    assert response.text.lstrip().startswith('<section class="card" id="portal-link">')
    new_link = re.search(r'id="portal-link-url"[^>]*value="([^"]+)"', response.text).group(1)
    db.session.expire_all()
    assert db.session.get(Supplier, supplier.id).portal_key != key_before

    revoked = old.get()
    assert revoked.status_code == 403
    assert "has revoked this link" in revoked.text and "new one" in revoked.text
    assert httpx.get(new_link).status_code == 200, "the link shown after revoking works"


def test_the_supplier_page_shows_a_working_link_for_portal_suppliers_only(
    ctx, relay_server, retailer, id_token
):
    supplier = add_portal_supplier(retailer, "Atelier Nord", (MUG,))
    manual = Supplier(shop_id=supplier.shop_id, name="Website Supplier", channel="manual")
    db.session.add(manual)
    db.session.commit()

    def supplier_page(supplier_id):
        return httpx.get(
            f"{relay_server.url}/suppliers/{supplier_id}",
            headers={"Authorization": f"Bearer {id_token(retailer)}"},
        )

    page = supplier_page(supplier.id)
    assert page.status_code == 200 and 'id="portal-link"' in page.text
    link = re.search(r'id="portal-link-url"[^>]*value="([^"]+)"', page.text).group(1)
    assert link.startswith(relay_server.url + "/portal/")
    opened = httpx.get(link)
    assert opened.status_code == 200 and "Atelier Nord" in opened.text
    assert 'id="portal-link"' not in supplier_page(manual.id).text


@pytest.mark.attack
def test_revoking_is_scoped_to_the_merchants_own_suppliers(
    ctx, relay_server, retailer, make_shop, oauth_install, id_token
):
    other_retailer = make_shop("other")
    oauth_install(other_retailer)
    theirs = add_portal_supplier(other_retailer, "Their Supplier", (MUG,))
    key = theirs.portal_key
    response = httpx.post(
        f"{relay_server.url}/suppliers/{theirs.id}/portal-link/revoke",
        headers={"Authorization": f"Bearer {id_token(retailer)}", "HX-Request": "true"},
    )
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Supplier, theirs.id).portal_key == key


@pytest.mark.attack
def test_portal_pages_cannot_be_framed_cached_or_leak_the_link(ctx, relay_server, retailer):
    supplier = add_portal_supplier(retailer, "Atelier Nord", (MUG,))
    link = Portal(relay_server, supplier)
    for response in (link.get(), link.http.get("/portal/not-a-token/")):
        assert response.headers["Content-Security-Policy"] == "frame-ancestors 'none';"
        assert response.headers["Referrer-Policy"] == "no-referrer"
        assert response.headers["Cache-Control"] == "no-store"
        assert "app-bridge" not in response.text
    # A shop parameter would widen the app-wide frame-ancestors: it is dropped by a redirect.
    framed = link.get(params={"shop": retailer, "status": "new"})
    assert framed.status_code == 302
    assert "shop=" not in framed.headers["Location"] and "status=new" in framed.headers["Location"]


# -- tenancy ---------------------------------------------------------------------------------


@pytest.mark.attack
def test_a_supplier_sees_only_its_own_orders_of_that_retailer(
    ctx, relay_server, retailer, devstore, drain, make_shop, oauth_install
):
    mine = add_portal_supplier(retailer, "Atelier Nord", (MUG,))
    neighbour = add_portal_supplier(retailer, "Pillow Works", (PILLOW,))
    my_order = sent_to_supplier(devstore, retailer, {MUG: 1}, drain)
    their_order = sent_to_supplier(devstore, retailer, {PILLOW: 1}, drain)
    not_sent = place_order(devstore, retailer, {MUG: 3})  # synced, never requested

    def synced():
        drain()
        db.session.expire_all()
        return _order_names() >= {not_sent["name"]}

    wait_for(synced, timeout=15)

    other_retailer = make_shop("other")
    oauth_install(other_retailer)
    foreign = add_portal_supplier(other_retailer, "Atelier Nord", (MUG,))

    me = Portal(relay_server, mine)
    listing = me.get()
    assert my_order.order.name in listing.text
    assert their_order.order.name not in listing.text
    assert not_sent["name"] not in listing.text, "not sent to the supplier yet: not shown"
    assert re.search(r'data-count="new">1<', listing.text), "one new request, counted"

    assert me.get(f"orders/{my_order.id}").status_code == 200
    for path in (f"orders/{their_order.id}", f"orders/{their_order.id}/packing-slip"):
        response = me.get(path)
        assert response.status_code == 404 and "not yours to see" in response.text
    assert me.post(f"orders/{their_order.id}/accept", {}).status_code == 404
    assert refreshed(their_order.id).status == "requested"
    assert Portal(relay_server, neighbour).get(f"orders/{my_order.id}").status_code == 404
    # The same supplier name at another retailer is another supplier with its own link.
    assert Portal(relay_server, foreign).get(f"orders/{my_order.id}").status_code == 404
    assert my_order.order.name not in Portal(relay_server, foreign).get().text


def _order_names() -> set[str]:
    return set(db.session.scalars(select(Order.name)))


# -- accept / decline / ship -----------------------------------------------------------------


def test_supplier_accepts_ships_two_parcels_and_edits_tracking_through_the_portal(
    ctx, relay_server, retailer, devstore, drain
):
    supplier = add_portal_supplier(retailer, "Atelier Nord", (MUG, PILLOW))
    supplier_order = sent_to_supplier(devstore, retailer, {MUG: 2, PILLOW: 1}, drain)
    lines = line_ids(supplier_order)
    me = Portal(relay_server, supplier)

    page = me.get(f"orders/{supplier_order.id}")
    assert "ATE-" + MUG in page.text, "the supplier's own SKU is shown"
    assert supplier_order.order.name in page.text
    assert supplier_order.order.shipping_address["city"] in page.text

    accepted = me.post(f"orders/{supplier_order.id}/accept", {})
    assert accepted.status_code == 303 and "done=accepted" in accepted.headers["Location"]
    drain()
    assert refreshed(supplier_order.id).status == "in_progress"
    (fo,) = devstore_order(devstore, retailer, supplier_order)["fulfillment_orders"]
    assert (fo["status"], fo["request_status"]) == ("IN_PROGRESS", "ACCEPTED")

    first = me.post(
        f"orders/{supplier_order.id}/parcels",
        {
            f"qty-{lines[MUG]}": "1",
            f"qty-{lines[PILLOW]}": "1",
            "kind": "tracked",
            "tracking_number": "1Z999AA10123456784",
            "carrier": "UPS",
            "tracking_url": "https://www.ups.com/track?tracknum=1Z999AA10123456784",
        },
    )
    assert first.status_code == 303, first.text[:500]
    assert refreshed(supplier_order.id).status == "partially_shipped"
    second = me.post(
        f"orders/{supplier_order.id}/parcels", {f"qty-{lines[MUG]}": "1", "kind": "untracked"}
    )
    assert second.status_code == 303
    drain()

    supplier_order = refreshed(supplier_order.id)
    assert supplier_order.status == "shipped"
    assert [p.push_status for p in supplier_order.parcels] == ["pushed", "pushed"]
    fulfillments = devstore_order(devstore, retailer, supplier_order)["fulfillments"]
    assert len(fulfillments) == 2 and all(f["notify_customer"] for f in fulfillments)
    tracked, untracked = sorted(fulfillments, key=lambda f: f["tracking"]["number"] is None)
    assert tracked["tracking"] == {
        "number": "1Z999AA10123456784",
        "company": "UPS",
        "url": "https://www.ups.com/track?tracknum=1Z999AA10123456784",
    }
    assert untracked["tracking"] == {"number": None, "company": None, "url": None}

    # The supplier mistyped the number: fixing it updates the store's fulfillment.
    parcel_id = supplier_order.parcels[0].id
    fixed = me.post(
        f"parcels/{parcel_id}/tracking",
        {"kind": "tracked", "tracking_number": "1Z999AA10123456785", "carrier": "UPS"},
    )
    assert fixed.status_code == 303 and "done=tracking_updated" in fixed.headers["Location"]
    drain()
    numbers = {
        f["tracking"]["number"]
        for f in devstore_order(devstore, retailer, supplier_order)["fulfillments"]
    }
    assert "1Z999AA10123456785" in numbers and "1Z999AA10123456784" not in numbers

    page = me.get(f"orders/{supplier_order.id}")
    assert 'id="ship-form"' not in page.text, "nothing left to ship"
    assert page.text.count('class="parcel"') == 2


def test_supplier_declines_with_shopifys_reason_and_the_store_gets_it(
    ctx, relay_server, retailer, devstore, drain
):
    supplier = add_portal_supplier(retailer, "Atelier Nord", (MUG,))
    supplier_order = sent_to_supplier(devstore, retailer, {MUG: 1}, drain)
    me = Portal(relay_server, supplier)

    refused = me.post(f"orders/{supplier_order.id}/decline", {"note": "sorry"}, htmx=True)
    assert refused.status_code == 422
    assert refused.text.lstrip().startswith('<section class="panel answer')
    assert "Choose why you decline the order." in refused.text
    other_without_note = me.post(
        f"orders/{supplier_order.id}/decline", {"reason_code": "OTHER", "note": "  "}
    )
    assert other_without_note.status_code == 422 and "Tell the store why" in other_without_note.text
    assert "<html" in other_without_note.text, "without htmx the whole page comes back"
    assert refreshed(supplier_order.id).status == "requested"

    declined = me.post(
        f"orders/{supplier_order.id}/decline",
        {"reason_code": "INVENTORY_OUT_OF_STOCK", "note": "Back in stock on the 12th"},
    )
    assert declined.status_code == 303
    drain()
    supplier_order = refreshed(supplier_order.id)
    assert supplier_order.status == "declined"
    assert supplier_order.decline_reason == "Out of stock: Back in stock on the 12th"
    (fo,) = devstore_order(devstore, retailer, supplier_order)["fulfillment_orders"]
    assert fo["request_status"] == "REJECTED"
    assert fo["rejection"] == {
        "reason": "INVENTORY_OUT_OF_STOCK",
        "message": "Out of stock: Back in stock on the 12th",
    }
    listing = me.get("", params={"status": "closed"})
    assert supplier_order.order.name in listing.text and "Declined" in listing.text


# -- bad input -------------------------------------------------------------------------------


@pytest.mark.attack
def test_bad_shipments_get_a_readable_message_and_change_nothing(
    ctx, relay_server, retailer, devstore, drain
):
    supplier = add_portal_supplier(retailer, "Atelier Nord", (MUG,))
    supplier_order = sent_to_supplier(devstore, retailer, {MUG: 2}, drain)
    qty = f"qty-{line_ids(supplier_order)[MUG]}"
    me = Portal(relay_server, supplier)
    path = f"orders/{supplier_order.id}/parcels"
    cases = {
        "The tracking URL must be a web address starting with http:// or https://.": {
            qty: "1",
            "kind": "tracked",
            "tracking_number": "X1",
            "tracking_url": "javascript:alert(1)",
        },
        "Only 2 left to ship.": {qty: "3", "kind": "tracked", "tracking_number": "X1"},
        "Enter a whole number, 0 or more.": {qty: "-1", "kind": "untracked"},
        "Enter how many of each item are in this parcel.": {qty: "0", "kind": "untracked"},
        "Enter the tracking number, or choose “Shipped without tracking”.": {
            qty: "1",
            "kind": "tracked",
        },
    }
    for message, form in cases.items():
        response = me.post(path, form, htmx=True)
        assert response.status_code == 422, message
        assert response.text.lstrip().startswith('<section class="panel" id="ship-form">')
        assert message in response.text
        assert 'name="tracking_number" value="{}"'.format(form.get("tracking_number", "")) in (
            response.text
        ), "what the supplier typed comes back"
    drain()
    supplier_order = refreshed(supplier_order.id)
    assert supplier_order.parcels == [] and supplier_order.status == "requested"
    assert devstore_order(devstore, retailer, supplier_order)["fulfillments"] == []


def test_shipping_a_cancelled_order_is_refused(ctx, relay_server, retailer, devstore, drain):
    supplier = add_portal_supplier(retailer, "Atelier Nord", (MUG,))
    supplier_order = sent_to_supplier(devstore, retailer, {MUG: 1}, drain)
    shop = shop_row(retailer)
    response = httpx.post(
        f"{devstore.url}/store/{retailer}/admin/api/2026-07/graphql.json",
        headers={"X-Shopify-Access-Token": tokens.access_token_for(shop)},
        json={
            "query": "mutation($id: ID!) { orderCancel(orderId: $id, reason: CUSTOMER, "
            "restock: true, refund: false) { orderCancelUserErrors { message } } }",
            "variables": {"id": supplier_order.order.shopify_gid},
        },
    )
    assert response.json()["data"]["orderCancel"]["orderCancelUserErrors"] == []

    def cancelled():
        drain()
        return refreshed(supplier_order.id).status == "cancelled"

    wait_for(cancelled, timeout=15)
    me = Portal(relay_server, supplier)
    page = me.get(f"orders/{supplier_order.id}")
    assert "This order was cancelled." in page.text and 'id="ship-form"' not in page.text
    refused = me.post(
        f"orders/{supplier_order.id}/parcels",
        {f"qty-{line_ids(supplier_order)[MUG]}": "1", "kind": "tracked", "tracking_number": "X"},
    )
    assert refused.status_code == 409  # a wrong state, not bad input
    assert "This order is “Cancelled”; a parcel cannot be added now." in refused.text
    assert me.post(f"orders/{supplier_order.id}/accept", {}).status_code == 409
    assert db.session.scalars(select(Parcel)).all() == []


# -- packing slip ----------------------------------------------------------------------------


def test_packing_slip_lists_the_supplier_items_without_prices_on_both_sides(
    ctx, relay_server, retailer, devstore, drain, id_token, make_shop, oauth_install
):
    supplier = add_portal_supplier(retailer, "Atelier Nord", (MUG, PILLOW))
    supplier_order = sent_to_supplier(devstore, retailer, {MUG: 2, PILLOW: 1}, drain)
    order = supplier_order.order
    slip = Portal(relay_server, supplier).get(f"orders/{supplier_order.id}/packing-slip")
    assert slip.status_code == 200
    merchant = httpx.get(
        f"{relay_server.url}/orders/supplier-orders/{supplier_order.id}/packing-slip",
        headers={"Authorization": f"Bearer {id_token(retailer)}"},
    )
    assert merchant.status_code == 200
    for response in (slip, merchant):
        text = response.text
        assert 'id="packing-slip"' in text and "Packing slip" in text
        assert shop_row(retailer).name in text and order.name in text
        assert order.shipping_address["address1"] in text
        assert "ATE-" + MUG in text and "ATE-" + PILLOW in text
        assert "Stoneware Mug" in text and "Linen Throw Pillow" in text
        assert re.search(r'class="num">2</td>', text) and re.search(r'class="num">3</td>', text)
        assert "18.00" not in text and "34.00" not in text and "€" not in text, "no prices"
        assert 'class="note-area"' in text

    other_retailer = make_shop("other")
    oauth_install(other_retailer)
    foreign = httpx.get(
        f"{relay_server.url}/orders/supplier-orders/{supplier_order.id}/packing-slip",
        headers={"Authorization": f"Bearer {id_token(other_retailer)}"},
    )
    assert foreign.status_code == 404
    assert order.name not in foreign.text


def test_portal_speaks_the_suppliers_language(ctx, relay_server, retailer):
    supplier = add_portal_supplier(retailer, "Atelier Nord", (MUG,))
    me = Portal(relay_server, supplier)
    english = me.get(headers={"Accept-Language": "en-GB,en;q=0.8"})
    assert '<html lang="en">' in english.text
    french = me.get(headers={"Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"})
    assert '<html lang="fr">' in french.text
