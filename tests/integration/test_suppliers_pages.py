"""The suppliers pages: create/edit with inline errors, delete rules, and tenancy."""

from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import func, select

from domain import states
from domain.models.orders import Supplier, SupplierOrder, VariantMapping
from extensions import db
from tests.integration.merchant_pages import Merchant, place_orders, supplier_form


@pytest.fixture
def merchant(ctx, relay_server, installed_shop, id_token):
    return Merchant(relay_server.url, installed_shop, id_token)


def suppliers_of(merchant) -> list[Supplier]:
    db.session.expire_all()
    return db.session.scalars(
        select(Supplier).where(Supplier.shop_id == merchant.shop.id).order_by(Supplier.id)
    ).all()


def test_htmx_create_lands_on_the_supplier_page_and_it_is_listed(merchant):
    response = merchant.post(
        "/suppliers",
        supplier_form(
            "Lamp Works",
            channel="manual",
            website_url="https://lampworks.example/shop",
            currency="huf",
        ),
    )
    assert response.status_code == 200
    (supplier,) = suppliers_of(merchant)
    location = response.headers["HX-Location"]
    assert location.startswith(f"/suppliers/{supplier.id}?")
    assert parse_qs(urlsplit(location).query)["shop"] == [merchant.domain]
    assert supplier.currency == "HUF" and supplier.channel == "manual" and not supplier.auto_order

    page = merchant.get("/suppliers")
    assert page.status_code == 200
    assert "Lamp Works" in page.text and "Non auto-order" in page.text
    assert 'href="https://lampworks.example/shop"' in page.text
    assert 'aria-current="page"' in page.text and ">Suppliers</a>" in page.text


def test_a_plain_form_post_redirects_with_a_fresh_token_and_shows_the_supplier(merchant):
    response = merchant.post("/suppliers", supplier_form("Mug Co"), htmx=False)
    assert response.status_code == 303
    location = response.headers["location"]
    query = parse_qs(urlsplit(location).query)
    assert query["id_token"] and query["done"] == ["created"]
    page = merchant.get(urlsplit(location).path, **{k: v[0] for k, v in query.items()})
    assert page.status_code == 200 and "Mug Co" in page.text and "Supplier added" in page.text


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"website_url": "javascript:alert(1)"}, "website_url", "Only http:// or https://"),
        ({"website_url": "ftp://files.example"}, "website_url", "Only http:// or https://"),
        ({"currency": "XYZ"}, "currency", "not an ISO 4217 currency"),
        ({"currency": "DEM"}, "currency", "not an ISO 4217 currency"),
        ({"channel": "store", "store_domain": "evil.example.com"}, "store_domain", "not a Shopify"),
        (
            {"channel": "store", "store_domain": "x.myshopify.com/admin"},
            "store_domain",
            "not a Shopify",
        ),
        ({"channel": "store", "store_domain": ""}, "store_domain", "Enter the supplier"),
        ({"name": "  "}, "name", "Name is required"),
        ({"channel": "portal", "contact_email": ""}, "contact_email", "Portal suppliers"),
        ({"channel": "teleport"}, "channel", "Choose one of"),
        (
            {"channel": "manual", "website_url": "https://a.example", "place_mode": "auto"},
            "place_mode",
            "cannot place its orders automatically",
        ),
    ],
)
def test_bad_supplier_input_is_shown_inline_and_changes_nothing(
    merchant, overrides, field, message
):
    response = merchant.post("/suppliers", supplier_form("Bad Input Ltd", **overrides))
    assert response.status_code == 200
    assert "HX-Location" not in response.headers
    assert response.text.lstrip().startswith('<form id="supplier-form"')  # the partial only
    assert f'id="f-{field}-error"' in response.text, response.text
    assert message in response.text
    assert suppliers_of(merchant) == []


def test_duplicate_names_are_refused_on_create_and_edit_and_nothing_changes(merchant):
    merchant.post("/suppliers", supplier_form("Mug Co"))
    merchant.post("/suppliers", supplier_form("Lamp Co"))
    duplicate = merchant.post("/suppliers", supplier_form("mug co"))
    assert "already called" in duplicate.text
    mug, lamp = suppliers_of(merchant)
    renamed = merchant.post(
        f"/suppliers/{lamp.id}", supplier_form("MUG CO", currency="XYZ", website_url="no")
    )
    assert "already called" in renamed.text and "ISO 4217" in renamed.text
    assert [s.name for s in suppliers_of(merchant)] == ["Mug Co", "Lamp Co"]
    assert suppliers_of(merchant)[1].currency == "EUR"


def test_a_store_supplier_needs_a_myshopify_domain_not_its_own(merchant):
    own = merchant.post(
        "/suppliers", supplier_form("Me", channel="store", store_domain=merchant.domain)
    )
    assert "cannot be its own supplier" in own.text
    ok = merchant.post(
        "/suppliers",
        supplier_form("Tote Co", channel="store", store_domain="Tote-Co.myshopify.com"),
    )
    assert "HX-Location" in ok.headers
    (supplier,) = suppliers_of(merchant)
    assert supplier.store_domain == "tote-co.myshopify.com" and supplier.auto_order


def test_deleting_a_supplier_with_open_orders_is_refused(merchant, devstore, drain):
    merchant.post("/suppliers", supplier_form("Mug Co"))
    (mug,) = suppliers_of(merchant)
    merchant.post(f"/suppliers/{mug.id}/skus", {"sku": "MUG-1", "cost": "4.50"})
    place_orders(devstore, drain, merchant.domain, [["MUG-1"]])

    refused = merchant.post(f"/suppliers/{mug.id}/delete")
    assert refused.status_code == 200 and "HX-Location" not in refused.headers
    assert "Mug Co has 1 open order" in refused.text
    assert [s.name for s in suppliers_of(merchant)] == ["Mug Co"]
    assert db.session.scalar(select(func.count()).select_from(VariantMapping)) == 1

    # Once its order is shipped, the supplier can go; the order keeps its history.
    part = db.session.scalar(select(SupplierOrder).where(SupplierOrder.supplier_id == mug.id))
    for event in ("request_fulfillment", "forward", "ship_all"):
        assert states.advance(part, event)
    db.session.commit()
    deleted = merchant.post(f"/suppliers/{mug.id}/delete")
    assert deleted.headers["HX-Location"].startswith("/suppliers?")
    assert suppliers_of(merchant) == []
    assert db.session.scalar(select(func.count()).select_from(VariantMapping)) == 0
    db.session.expire_all()
    part = db.session.get(SupplierOrder, part.id)
    assert part.status == "shipped" and part.supplier_id is None
    assert any(e.kind == "supplier_deleted" for e in part.order.events)


def test_pages_show_only_this_shops_suppliers_and_refuse_another_shops_ids(
    merchant, relay_server, make_shop, oauth_install, id_token
):
    other_domain = make_shop("other")
    oauth_install(other_domain)
    other = Merchant(relay_server.url, other_domain, id_token)
    merchant.post("/suppliers", supplier_form("Mine Only"))
    other.post("/suppliers", supplier_form("Theirs Only"))
    (theirs,) = suppliers_of(other)

    page = merchant.get("/suppliers")
    assert "Mine Only" in page.text and "Theirs Only" not in page.text
    assert merchant.get(f"/suppliers/{theirs.id}").status_code == 404
    assert merchant.get(f"/suppliers/{theirs.id}/edit").status_code == 404
    edit = merchant.post(f"/suppliers/{theirs.id}", supplier_form("Hijacked"))
    assert edit.status_code == 404
    assert merchant.post(f"/suppliers/{theirs.id}/delete").status_code == 404
    assert merchant.post(f"/suppliers/{theirs.id}/skus", {"sku": "X-1"}).status_code == 404
    assert [s.name for s in suppliers_of(other)] == ["Theirs Only"]
    assert db.session.scalar(select(func.count()).select_from(VariantMapping)) == 0
