"""Order edits as Shopify runs them (orderEditBegin … orderEditCommit over HTTP, and the staff's
edit through the control route): quantities, fulfillment orders and the orders/edited webhook."""

import json

import pytest

from devstore import commerce

from .conftest import CLIENT_ID, SHOP, run_cli
from .test_oauth_and_delivery import exchange, id_token, register
from .test_payload_schemas import validate

GRAPHQL = f"/store/{SHOP}/admin/api/2026-07/graphql.json"

BEGIN = """mutation($id: ID!) { orderEditBegin(id: $id) {
  calculatedOrder { id lineItems(first: 10) { nodes { id quantity editableQuantity sku } } }
  orderEditSession { id } userErrors { field message } } }"""
SET_QTY = """mutation($id: ID!, $line: ID!, $qty: Int!) {
  orderEditSetQuantity(id: $id, lineItemId: $line, quantity: $qty, restock: true) {
    calculatedLineItem { id quantity editableQuantity }
    calculatedOrder { subtotalLineItemsQuantity } userErrors { field message } } }"""
ADD = """mutation($id: ID!, $variant: ID!, $qty: Int!) {
  orderEditAddVariant(id: $id, variantId: $variant, quantity: $qty) {
    calculatedLineItem { id quantity sku }
    calculatedOrder { addedLineItems(first: 5) { nodes { id quantity } } }
    userErrors { field message } } }"""
COMMIT = """mutation($id: ID!) {
  orderEditCommit(id: $id, notifyCustomer: true, staffNote: "customer called") {
    order { id edited } successMessages userErrors { field message } } }"""
ORDER = """query($id: ID!) { order(id: $id) { edited displayFinancialStatus
  totalOutstandingSet { shopMoney { amount } }
  lineItems(first: 10) { nodes { id sku quantity currentQuantity nonFulfillableQuantity
    fulfillableQuantity unfulfilledQuantity } }
  fulfillmentOrders(first: 10) { nodes { id status assignedLocation { location { id } }
    lineItems(first: 10) { nodes { totalQuantity remainingQuantity
      lineItem { id sku } } } } } } }"""


@pytest.fixture
def api(server):
    register(server)
    token = exchange(server, id_token()).json()["access_token"]
    commerce.create_webhook_subscription(
        server.store, SHOP, client_id=CLIENT_ID, topic="ORDERS_EDITED", uri="http://127.0.0.1:9/e"
    )
    commerce.create_webhook_subscription(
        server.store, SHOP, client_id=CLIENT_ID, topic="ORDERS_UPDATED", uri="http://127.0.0.1:9/u"
    )

    def ask(query, **variables):
        response = server.client.post(
            GRAPHQL,
            json={"query": query, "variables": variables},
            headers={"X-Shopify-Access-Token": token},
        )
        assert response.status_code == 200 and "errors" not in response.json(), response.text
        return response.json()["data"]

    return ask


def _deliveries(store, topic):
    return [
        json.loads(d["body"])
        for d in store.find("webhook_delivery", shop=SHOP)
        if d["topic"] == topic
    ]


def _order(store, lines):
    return commerce.create_order(store, SHOP, line_items=lines)


def test_edit_3_to_1_and_add_a_variant_updates_lines_fos_and_webhooks(server, api):
    order = _order(server.store, [{"sku": "MUG-STN-SPK", "quantity": 3}, {"sku": "BRS-LAMP"}])
    mug, lamp = order["line_items"]
    begun = api(BEGIN, id=f"gid://shopify/Order/{order['id']}")["orderEditBegin"]
    calc_id = begun["calculatedOrder"]["id"]
    assert begun["orderEditSession"]["id"].startswith("gid://shopify/OrderEditSession/")
    assert [n["editableQuantity"] for n in begun["calculatedOrder"]["lineItems"]["nodes"]] == [3, 1]

    set_mug = api(SET_QTY, id=calc_id, line=f"gid://shopify/CalculatedLineItem/{mug['id']}", qty=1)
    assert set_mug["orderEditSetQuantity"]["calculatedLineItem"]["quantity"] == 1
    assert set_mug["orderEditSetQuantity"]["calculatedOrder"]["subtotalLineItemsQuantity"] == 2
    # The session's id works as well as the calculated order's.
    session_id = begun["orderEditSession"]["id"]
    api(SET_QTY, id=session_id, line=f"gid://shopify/CalculatedLineItem/{lamp['id']}", qty=0)
    tote = commerce.variant_by_sku(server.store, SHOP, "TOTE-REC-OLV")
    added = api(ADD, id=calc_id, variant=f"gid://shopify/ProductVariant/{tote['id']}", qty=2)
    assert added["orderEditAddVariant"]["calculatedLineItem"]["sku"] == "TOTE-REC-OLV"
    committed = api(COMMIT, id=calc_id)["orderEditCommit"]
    assert committed["order"]["edited"] is True and committed["userErrors"] == []

    after = api(ORDER, id=f"gid://shopify/Order/{order['id']}")["order"]
    lines = {n["sku"]: n for n in after["lineItems"]["nodes"]}
    assert lines["MUG-STN-SPK"]["quantity"] == 3 and lines["MUG-STN-SPK"]["currentQuantity"] == 1
    assert lines["MUG-STN-SPK"]["nonFulfillableQuantity"] == 2
    assert lines["MUG-STN-SPK"]["unfulfilledQuantity"] == 1
    assert lines["BRS-LAMP"]["quantity"] == 1 and lines["BRS-LAMP"]["currentQuantity"] == 0
    assert lines["TOTE-REC-OLV"]["quantity"] == lines["TOTE-REC-OLV"]["currentQuantity"] == 2
    # One location stocks everything: the added line joined the open fulfillment order.
    (fo,) = after["fulfillmentOrders"]["nodes"]
    held = {n["lineItem"]["sku"]: n["remainingQuantity"] for n in fo["lineItems"]["nodes"]}
    assert held == {"MUG-STN-SPK": 1, "TOTE-REC-OLV": 2}
    # 18 + 22*2 = 62 against 18*3 + 119 = 173 paid: Shopify owes the customer the difference.
    assert after["totalOutstandingSet"]["shopMoney"]["amount"] == "-111.0"

    (edited,) = _deliveries(server.store, "orders/edited")
    validate("orders/edited", edited)
    edit = edited["order_edit"]
    assert edit["order_id"] == order["id"] and edit["notify_customer"] is True
    assert edit["staff_note"] == "customer called" and edit["app_id"] is not None
    assert edit["line_items"]["removals"] == [
        {"id": mug["id"], "delta": 2},
        {"id": lamp["id"], "delta": 1},
    ]
    tote_line = next(li for li in after["lineItems"]["nodes"] if li["sku"] == "TOTE-REC-OLV")
    assert edit["line_items"]["additions"] == [
        {"id": int(tote_line["id"].rsplit("/", 1)[1]), "delta": 2}
    ]
    updated = _deliveries(server.store, "orders/updated")[-1]
    validate("orders/updated", updated)
    mug_payload = next(li for li in updated["line_items"] if li["id"] == mug["id"])
    assert mug_payload["quantity"] == 3 and mug_payload["current_quantity"] == 1


def test_a_line_added_to_a_forwarded_order_gets_its_own_fulfillment_order(server, api, installed):
    service = commerce.create_fulfillment_service(
        server.store, SHOP, client_id=installed, name="Supplier", callback_url=None
    )
    with server.store.transaction():
        commerce.stock_skus_at(server.store, SHOP, ["MUG-STN-SPK"], service["location_id"])
    order = _order(server.store, [{"sku": "MUG-STN-SPK", "quantity": 2}])
    (fo,) = commerce.fulfillment_orders_of(server.store, SHOP, order["id"])
    commerce.submit_fulfillment_request(server.store, SHOP, fo["id"])
    commerce.accept_fulfillment_request(server.store, SHOP, fo["id"])

    response = server.client.post(
        f"/_devstore/shops/{SHOP}/orders/{order['id']}/edit",
        json={"set": {str(order["line_items"][0]["id"]): 1}},
    )
    assert response.status_code == 422
    assert "no longer editable" in response.json()["error"]
    response = server.client.post(
        f"/_devstore/shops/{SHOP}/orders/{order['id']}/edit",
        json={"add": [{"sku": "MUG-STN-SPK", "quantity": 1}], "staff_note": "one more"},
    )
    assert response.status_code == 422  # the variant is on the order already
    response = server.client.post(
        f"/_devstore/shops/{SHOP}/orders/{order['id']}/edit",
        json={"set": {str(order["line_items"][0]["id"]): 3}},
    )
    assert response.status_code == 200
    fos = response.json()["fulfillment_orders"]
    assert [(f["status"], [li["total_quantity"] for li in f["line_items"]]) for f in fos] == [
        ("IN_PROGRESS", [2]),
        ("OPEN", [1]),
    ]
    assert fos[1]["location_id"] == service["location_id"]
    assert response.json()["financial_status"] == "partially_paid"
    paid = server.client.post(f"/_devstore/shops/{SHOP}/orders/{order['id']}/pay").json()
    # The third mug (18.00) is what is still owed.
    assert paid["financial_status"] == "paid" and paid["transactions"][-1]["amount"] == "18.00"
    (edited,) = _deliveries(server.store, "orders/edited")
    validate("orders/edited", edited)
    assert edited["order_edit"]["app_id"] is None and edited["order_edit"]["user_id"] == 1


def test_removing_every_unit_closes_the_fulfillment_order(server, api):
    order = _order(server.store, [{"sku": "BRS-LAMP", "quantity": 2}])
    line_id = order["line_items"][0]["id"]
    response = server.client.post(
        f"/_devstore/shops/{SHOP}/orders/{order['id']}/edit", json={"set": {str(line_id): 0}}
    )
    assert response.status_code == 200
    (fo,) = response.json()["fulfillment_orders"]
    assert fo["status"] == "CLOSED"
    page = server.client.get(f"/store/{SHOP}/admin/orders/{order['id']}")
    assert page.status_code == 200 and "(2 removed)" in page.text
    after = api(ORDER, id=f"gid://shopify/Order/{order['id']}")["order"]
    (line,) = after["lineItems"]["nodes"]
    assert (line["quantity"], line["currentQuantity"], line["fulfillableQuantity"]) == (2, 0, 0)
    # Nothing left to refund either: removed units are not refundable.
    with pytest.raises(commerce.UserError):
        commerce.create_refund(
            server.store,
            SHOP,
            order["id"],
            refund_line_items=[{"line_item_id": line_id, "quantity": 1}],
        )


def test_edit_errors_come_back_as_user_errors(server, api):
    order = _order(server.store, [{"sku": "BRS-LAMP"}])
    calc_id = api(BEGIN, id=f"gid://shopify/Order/{order['id']}")["orderEditBegin"][
        "calculatedOrder"
    ]["id"]
    line = f"gid://shopify/CalculatedLineItem/{order['line_items'][0]['id']}"
    errors = api(SET_QTY, id=calc_id, line=line, qty=-1)["orderEditSetQuantity"]["userErrors"]
    assert errors and errors[0]["field"] == ["quantity"]
    lamp = commerce.variant_by_sku(server.store, SHOP, "BRS-LAMP")
    added = api(ADD, id=calc_id, variant=f"gid://shopify/ProductVariant/{lamp['id']}", qty=1)
    assert added["orderEditAddVariant"]["userErrors"][0]["field"] == ["variantId"]
    api(COMMIT, id=calc_id)
    again = api(COMMIT, id=calc_id)["orderEditCommit"]
    assert again["order"] is None and again["userErrors"][0]["field"] == ["id"]


def test_the_cli_edits_an_order_as_the_merchant(server, capsys):
    order = _order(server.store, [{"sku": "MUG-STN-SPK", "quantity": 3}])
    line_id = order["line_items"][0]["id"]
    code, edited = run_cli(
        server,
        capsys,
        *f"order edit {SHOP} {order['id']} --set {line_id}=1 --add TOTE-REC-OLV=2".split(),
        "--staff-note",
        "phoned",
    )
    assert code == 0
    assert [
        (li["sku"], li["quantity"], li.get("removed_quantity", 0)) for li in edited["line_items"]
    ] == [
        ("MUG-STN-SPK", 3, 2),
        ("TOTE-REC-OLV", 2, 0),
    ]
    (fo,) = edited["fulfillment_orders"]
    assert [li["remaining_quantity"] for li in fo["line_items"]] == [1, 2]


ADD_CUSTOM = """mutation($id: ID!, $title: String!, $ships: Boolean) {
  orderEditAddCustomItem(id: $id, title: $title, quantity: 1, requiresShipping: $ships,
    price: {amount: "5.00", currencyCode: USD}) {
    calculatedLineItem { id title sku quantity } userErrors { field message } } }"""
KINDS = """query($id: ID!) { order(id: $id) {
  lineItems(first: 5) { nodes { title requiresShipping } }
  fulfillmentOrders(first: 5) { nodes { deliveryMethod { methodType }
    lineItems(first: 5) { nodes { lineItem { title } } } } } } }"""


def test_custom_items_join_the_fulfillment_order_of_their_delivery_method(server, api):
    order = _order(server.store, [{"sku": "BRS-LAMP"}])
    order_gid = f"gid://shopify/Order/{order['id']}"
    calc_id = api(BEGIN, id=order_gid)["orderEditBegin"]["calculatedOrder"]["id"]
    wrap = api(ADD_CUSTOM, id=calc_id, title="Gift wrap")["orderEditAddCustomItem"]
    assert wrap["calculatedLineItem"]["sku"] is None and wrap["userErrors"] == []
    api(ADD_CUSTOM, id=calc_id, title="Spare bulb", ships=True)
    api(COMMIT, id=calc_id)
    after = api(KINDS, id=order_gid)["order"]
    ships = {n["title"]: n["requiresShipping"] for n in after["lineItems"]["nodes"]}
    # requiresShipping defaults to false for a custom item, as orderEditAddCustomItem documents.
    assert ships == {"Brass Desk Lamp": True, "Gift wrap": False, "Spare bulb": True}
    held = {
        fo["deliveryMethod"]["methodType"]: [
            n["lineItem"]["title"] for n in fo["lineItems"]["nodes"]
        ]
        for fo in after["fulfillmentOrders"]["nodes"]
    }
    assert held == {"SHIPPING": ["Brass Desk Lamp", "Spare bulb"], "NONE": ["Gift wrap"]}
    (edited,) = _deliveries(server.store, "orders/edited")
    validate("orders/edited", edited)
    assert [a["delta"] for a in edited["order_edit"]["line_items"]["additions"]] == [1, 1]


def test_a_priced_order_can_be_edited_and_keeps_its_prices_discounts_and_taxes(server):
    """An edit of an order in a presentment currency with a discount code and taxes: a unit
    removed leaves at what it was sold for, an added line is priced in both currencies and taxed
    like the others (no discount reaches it), and the payloads validate."""
    order = commerce.create_order(
        server.store,
        SHOP,
        line_items=[{"sku": "MUG-STN-SPK", "quantity": 2}, {"sku": "BRS-LAMP"}],
        pricing={
            "presentment_currency": "EUR",
            "rate": "0.5",
            "discount": {"code": "TENOFF", "percent": "10"},
            "taxes": {"rate": "0.2", "shipping": False},
        },
    )
    mug = order["line_items"][0]
    edits = commerce.order_edits
    session = edits.begin_edit(server.store, SHOP, order["id"])
    edits.set_quantity(server.store, SHOP, session["id"], mug["id"], 1)
    tote = commerce.variant_by_sku(server.store, SHOP, "TOTE-REC-OLV")
    edits.add_variant(server.store, SHOP, session["id"], tote["id"], 1)
    edited = edits.commit_edit(server.store, SHOP, session["id"])
    # Before: 2 x 18 + 119 = 155, less 10 % = 139.50, tax 27.90: 167.40 USD.
    # After: one mug (16.20 + 3.24 tax) + the lamp (107.10 + 21.42) + the tote (22 + 4.40).
    assert edited["subtotal_price"] == "145.30"
    assert edited["total_tax"] == "29.06"
    assert edited["total_price"] == "174.36"
    assert edited["total_price_presentment"] == "87.18"
    added = edited["line_items"][-1]
    assert (added["price_presentment"], added["discount_allocations"]) == ("11.00", [])
    assert added["tax_lines"][0]["price"] == "4.40"
    from devstore import payloads

    updated = payloads.order(server.store, SHOP, order["id"])
    validate("orders/updated", updated)
    assert updated["presentment_currency"] == "EUR"
    assert updated["tax_lines"][0]["price"] == "32.30"  # as sold: 27.90 + the tote's 4.40


def test_an_order_an_edit_left_partially_paid_refunds_what_was_paid(server):
    """The customer paid 18.00; an edit added a 22.00 tote, so the order is partially paid.
    What was received can still be refunded (Shopify refunds captured money), never more."""
    order = commerce.create_order(server.store, SHOP, line_items=[{"sku": "MUG-STN-SPK"}])
    edits = commerce.order_edits
    session = edits.begin_edit(server.store, SHOP, order["id"])
    tote = commerce.variant_by_sku(server.store, SHOP, "TOTE-REC-OLV")
    edits.add_variant(server.store, SHOP, session["id"], tote["id"], 1)
    edited = edits.commit_edit(server.store, SHOP, session["id"])
    assert edited["financial_status"] == "partially_paid"
    mug, tote_line = edited["line_items"]
    suggested = commerce.suggest_refund(
        edited, refund_line_items=[{"line_item_id": tote_line["id"], "quantity": 1}]
    )
    assert suggested["amount"][""] == "18.00"  # 22.00 asked, 18.00 received
    with pytest.raises(commerce.UserError, match="greater than the refundable amount 18.00"):
        commerce.create_refund(
            server.store, SHOP, order["id"], refund_line_items=[], amount="18.01"
        )
    refund = commerce.create_refund(
        server.store,
        SHOP,
        order["id"],
        refund_line_items=[{"line_item_id": mug["id"], "quantity": 1}],
    )
    assert refund["transactions"][0]["amount"] == "18.00"


def test_units_refunded_before_they_ship_leave_the_fulfillment_order(server):
    """Refunded units that had not shipped can no longer be fulfilled, restocked (CANCEL) or
    not (NO_RESTOCK): they leave the fulfillment order, as on Shopify; RETURN (units that
    shipped and came back) leaves the units still to ship alone."""
    order = commerce.create_order(
        server.store, SHOP, line_items=[{"sku": "MUG-STN-SPK", "quantity": 4}]
    )
    mug = order["line_items"][0]

    def refund(quantity, restock):
        commerce.create_refund(
            server.store,
            SHOP,
            order["id"],
            refund_line_items=[
                {"line_item_id": mug["id"], "quantity": quantity, "restock_type": restock}
            ],
        )
        (fo,) = commerce.fulfillment_orders_of(server.store, SHOP, order["id"])
        return [(li["total_quantity"], li["remaining_quantity"]) for li in fo["line_items"]]

    assert refund(2, "CANCEL") == [(2, 2)]
    assert refund(1, "NO_RESTOCK") == [(1, 1)]
    assert refund(1, "RETURN") == [(1, 1)]
