"""SKU mappings on the supplier page and by CSV import; re-routing of orders not yet sent."""

from decimal import Decimal

import pytest
from sqlalchemy import select

from domain import states
from domain.models.orders import Order, Supplier, SupplierOrder, VariantMapping
from domain.orders import routing
from extensions import db
from tests.integration.merchant_pages import Merchant, place_orders, supplier_form


@pytest.fixture
def merchant(ctx, relay_server, installed_shop, id_token):
    return Merchant(relay_server.url, installed_shop, id_token)


def add_supplier(merchant, name, **fields) -> Supplier:
    response = merchant.post("/suppliers", supplier_form(name, **fields))
    assert "HX-Location" in response.headers, response.text
    db.session.expire_all()
    return db.session.scalar(select(Supplier).where(Supplier.name == name))


def mappings(merchant) -> dict[str, tuple]:
    db.session.expire_all()
    rows = db.session.scalars(
        select(VariantMapping).where(VariantMapping.shop_id == merchant.shop.id)
    )
    return {m.sku: (m.supplier_id, m.supplier_sku, m.cost, m.cost_currency) for m in rows}


def parts(order: Order) -> dict:
    """{supplier id: (status, SKUs)}; a follow-up part is keyed (supplier id, part)."""
    db.session.expire_all()
    order = db.session.get(Order, order.id)
    return {
        (so.supplier_id if so.part == 1 else (so.supplier_id, so.part)): (
            so.status,
            sorted(li.sku for li in so.line_items),
        )
        for so in order.supplier_orders
    }


def upload(merchant, text: str, **kwargs):
    return merchant.post(
        "/suppliers/import", files={"file": ("mappings.csv", text.encode(), "text/csv")}, **kwargs
    )


def test_mappings_are_added_edited_and_removed_with_inline_errors(merchant):
    mug = add_supplier(merchant, "Mug Co")
    added = merchant.post(
        f"/suppliers/{mug.id}/skus",
        {"sku": " MUG-1 ", "supplier_sku": "MC-1", "cost": "4,5", "cost_currency": ""},
    )
    assert added.status_code == 200 and added.text.lstrip().startswith('<div id="sku-panel"')
    assert "MUG-1 now goes to Mug Co" in added.text
    assert mappings(merchant) == {"MUG-1": (mug.id, "MC-1", Decimal("4.50"), "EUR")}

    for bad, message in [
        ({"sku": "MUG-2", "cost": "-1"}, "cannot be negative"),
        ({"sku": "MUG-2", "cost": "1.005"}, "at most two decimals"),
        ({"sku": "MUG-2", "cost": "NaN"}, "Enter an amount"),
        ({"sku": "MUG-2", "cost_currency": "EURO"}, "ISO 4217"),
        ({"sku": ""}, "SKU is required"),
        ({"sku": "MUG-1"}, "already in this list"),
    ]:
        response = merchant.post(f"/suppliers/{mug.id}/skus", bad)
        assert message in response.text, bad
        assert 'aria-invalid="true"' in response.text
    assert set(mappings(merchant)) == {"MUG-1"}

    (mapping_id,) = db.session.scalars(select(VariantMapping.id)).all()
    edit_form = merchant.get(f"/suppliers/{mug.id}/skus", htmx=True, edit=mapping_id)
    assert f'id="mapping-form-{mapping_id}"' in edit_form.text
    merchant.post(
        f"/suppliers/{mug.id}/skus/{mapping_id}",
        {"sku": "MUG-1", "supplier_sku": "", "cost": "5", "cost_currency": "usd"},
    )
    assert mappings(merchant) == {"MUG-1": (mug.id, None, Decimal("5.00"), "USD")}

    lamp = add_supplier(merchant, "Lamp Co")
    taken = merchant.post(f"/suppliers/{lamp.id}/skus", {"sku": "MUG-1"})
    assert "MUG-1 is routed to Mug Co" in taken.text
    merchant.post(f"/suppliers/{mug.id}/skus/{mapping_id}/delete")
    assert mappings(merchant) == {}


def test_mapping_a_sku_to_a_supplier_already_sent_its_part_makes_a_follow_up_part(
    merchant, devstore, drain
):
    """Issue 14: an item mapped to a supplier whose part of the order was already sent used to
    stay in "No supplier" for good. It now makes a follow-up part for that supplier, requested
    on its own; the sent part never changes."""
    mug = add_supplier(merchant, "Mug Co")
    lamp = add_supplier(merchant, "Lamp Co")
    merchant.post(f"/suppliers/{mug.id}/skus", {"sku": "MUG-1"})
    sent, waiting = place_orders(
        devstore, drain, merchant.domain, [["MUG-1", "LAMP-1"], ["LAMP-1"]]
    )
    assert parts(sent) == {mug.id: ("ready", ["MUG-1"]), None: ("unassigned", ["LAMP-1"])}
    assert parts(waiting) == {None: ("unassigned", ["LAMP-1"])}
    unassigned_id = waiting.supplier_orders[0].id
    # Mug Co's part of the first order is sent to the supplier.
    mug_part = next(so for so in sent.supplier_orders if so.supplier_id == mug.id)
    assert states.advance(mug_part, "request_fulfillment") and states.advance(mug_part, "forward")
    db.session.commit()

    # The page lists LAMP-1 as unmapped; one click maps it to Mug Co.
    page = merchant.get(f"/suppliers/{mug.id}")
    assert "LAMP-1" in page.text and "Map to Mug Co" in page.text
    response = merchant.post(f"/suppliers/{mug.id}/skus", {"sku": "LAMP-1"})
    assert "2 open orders re-routed" in response.text
    assert "follow-up part to request" in response.text

    # The waiting order's unassigned part became Mug Co's, through the status table.
    assert parts(waiting) == {mug.id: ("ready", ["LAMP-1"])}
    assert db.session.get(SupplierOrder, unassigned_id).supplier_id == mug.id
    # The first order's Mug Co part was already sent: LAMP-1 makes a follow-up part, ready to
    # request, and the sent part keeps what was sent.
    assert parts(sent) == {mug.id: ("requested", ["MUG-1"]), (mug.id, 2): ("ready", ["LAMP-1"])}
    kinds = lambda o: [e.kind for e in db.session.get(Order, o.id).events]  # noqa: E731
    assert "rerouted" in kinds(waiting) and "follow_up_part" in kinds(sent)
    # Every sync update re-splits the order: nothing moves again.
    routing.split(db.session.get(Order, sent.id), paid=True)
    db.session.commit()
    assert parts(sent) == {mug.id: ("requested", ["MUG-1"]), (mug.id, 2): ("ready", ["LAMP-1"])}

    # Moving both SKUs to Lamp Co by CSV: the open parts follow, the sent part stays.
    report = upload(
        merchant,
        "sku,supplier,supplier_sku,cost,currency\nMUG-1,Lamp Co,,,\nLAMP-1,lamp co,L1,2.00,EUR\n",
    )
    assert "Import done" in report.text, report.text
    assert parts(sent) == {mug.id: ("requested", ["MUG-1"]), lamp.id: ("ready", ["LAMP-1"])}
    assert parts(waiting) == {lamp.id: ("ready", ["LAMP-1"])}

    # Removing the mapping sends the open part back to "No supplier".
    mapping_id = db.session.scalar(select(VariantMapping.id).where(VariantMapping.sku == "LAMP-1"))
    merchant.post(f"/suppliers/{lamp.id}/skus/{mapping_id}/delete")
    assert parts(waiting) == {None: ("unassigned", ["LAMP-1"])}
    assert parts(sent) == {mug.id: ("requested", ["MUG-1"]), None: ("unassigned", ["LAMP-1"])}


def test_an_unpaid_order_assigned_a_supplier_awaits_payment(merchant, devstore, drain):
    mug = add_supplier(merchant, "Mug Co")
    (order,) = place_orders(
        devstore, drain, merchant.domain, [["MUG-9"]], financial_status="pending"
    )
    assert parts(order) == {None: ("unassigned", ["MUG-9"])}
    merchant.post(f"/suppliers/{mug.id}/skus", {"sku": "MUG-9"})
    assert parts(order) == {mug.id: ("awaiting_payment", ["MUG-9"])}


def test_a_good_csv_imports_and_a_bad_one_changes_nothing_and_lists_each_line(merchant):
    mug = add_supplier(merchant, "Mug Co")
    lamp = add_supplier(merchant, "Lamp Co", currency="HUF")
    good = upload(
        merchant,
        "\ufeffSKU,Supplier,Supplier_SKU,Cost,Currency\n"
        "MUG-1,Mug Co,MC-1,4.50,EUR\n"
        "\n"
        '"LAMP-1",Lamp Co,"L,1",1200,\n',
    )
    assert "2 added, 0 updated, 0 unchanged" in good.text
    assert mappings(merchant) == {
        "MUG-1": (mug.id, "MC-1", Decimal("4.50"), "EUR"),
        "LAMP-1": (lamp.id, "L,1", Decimal("1200.00"), "HUF"),
    }
    again = upload(
        merchant,
        "sku;supplier;supplier_sku;cost;currency\n"
        "MUG-1;Mug Co;MC-1;4,50;EUR\n"
        "LAMP-1;Lamp Co;L,1;1300;HUF\n",
    )
    assert "0 added, 1 updated, 1 unchanged" in again.text

    bad = upload(
        merchant,
        "sku,supplier,supplier_sku,cost,currency\n"
        "MUG-1,Mug Co,MC-1,9.99,EUR\n"  # fine, but the file is rejected as a whole
        "TOTE-1,Nobody Inc,,1.00,EUR\n"
        "TOTE-2,Mug Co,,-3,EUR\n"
        "MUG-1,Lamp Co,,,\n"
        "TOTE-3,Mug Co,,1.00,EURO\n"
        "TOTE-4,Mug Co\n"
        ",Mug Co,,,\n",
    )
    assert "Nothing was imported: 6 lines need fixing" in bad.text
    for line, message in [
        (3, "No supplier called “Nobody Inc”"),
        (4, "cannot be negative"),
        (5, "already on line 2"),
        (6, "ISO 4217"),
        (7, "Expected 5 values, found 2"),
        (8, "SKU is required"),
    ]:
        assert f'<span class="line-no">Line {line}</span>' in bad.text
        assert message in bad.text, message
    assert "Line 2<" not in bad.text
    assert mappings(merchant)["MUG-1"] == (mug.id, "MC-1", Decimal("4.50"), "EUR")


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "Choose a CSV file"),
        (b"sku,supplier\nA,B\n", "Line 1 must be the header"),
        (b"MUG-1,Mug Co,MC-1,4.50,EUR\n", "Line 1 must be the header"),
        (b"sku,supplier,supplier_sku,cost,currency\n", "no mappings"),
        ("sku,supplier,supplier_sku,cost,currency\nMÜG,Mug Co,,,\n".encode("latin-1"), "UTF-8"),
        (b"sku,supplier,supplier_sku,cost,currency\n" + b"X" * (1024 * 1024), "larger than 1 MB"),
    ],
)
def test_unusable_files_are_refused_with_a_reason(merchant, content, message):
    add_supplier(merchant, "Mug Co")
    response = merchant.post("/suppliers/import", files={"file": ("m.csv", content, "text/csv")})
    assert response.status_code == 200 and message in response.text
    assert mappings(merchant) == {}


def test_a_plain_csv_upload_renders_the_page_with_the_report(merchant):
    add_supplier(merchant, "Mug Co")
    response = upload(
        merchant, "sku,supplier,supplier_sku,cost,currency\nMUG-1,Mug Co,,,\n", htmx=False
    )
    assert response.status_code == 200 and "<html" in response.text
    assert "1 added, 0 updated, 0 unchanged" in response.text


def test_the_unmapped_list_shows_only_this_shops_skus(
    merchant, devstore, drain, relay_server, make_shop, oauth_install, id_token
):
    other_domain = make_shop("other")
    oauth_install(other_domain)
    other = Merchant(relay_server.url, other_domain, id_token)
    place_orders(devstore, drain, merchant.domain, [["MINE-1"]])
    place_orders(devstore, drain, other_domain, [["THEIRS-1"]])
    mug = add_supplier(merchant, "Mug Co")
    page = merchant.get(f"/suppliers/{mug.id}")
    assert "MINE-1" in page.text and "THEIRS-1" not in page.text
    overview = other.get("/suppliers")
    assert "THEIRS-1" in overview.text and "MINE-1" not in overview.text
