"""Tax lines with taxes added and included, on lines and shipping; duties on cross-border
orders, refunded with refundDuties (FULL or PROPORTIONAL)."""

import jsonschema

from .money_helpers import MONEY, app_token, gql, line_gid, pair, place, refund, schema, sent

ORDER = """query($id: ID!) { order(id: $id) {
  taxesIncluded subtotalPriceSet { MONEY } totalPriceSet { MONEY } totalTaxSet { MONEY }
  originalTotalDutiesSet { MONEY } currentTotalDutiesSet { MONEY }
  taxLines { title rate ratePercentage priceSet { MONEY } }
  shippingLines(first: 1) { nodes { title originalPriceSet { MONEY }
    taxLines { title rate priceSet { MONEY } } } }
  lineItems(first: 5) { nodes { taxable taxLines { title rate priceSet { MONEY } }
    duties { id harmonizedSystemCode countryCodeOfOrigin price { MONEY } } } } } }
""".replace("MONEY", MONEY)
MUGS = [{"sku": "MUG-STN-SPK", "quantity": 2}]


def read(server, token, order):
    return gql(server, token, ORDER, {"id": f"gid://shopify/Order/{order['id']}"})["order"]


def test_taxes_added_to_the_price(server):
    token = app_token(server)
    order = place(server, MUGS, shipping_price="5.00", taxes={"rate": "0.2", "title": "VAT"})
    data = read(server, token, order)
    assert data["taxesIncluded"] is False
    line = data["lineItems"]["nodes"][0]
    assert line["taxable"] is True
    assert [(t["title"], t["rate"], pair(t["priceSet"])[0]) for t in line["taxLines"]] == [
        ("VAT", 0.2, "7.2")
    ]
    shipping = data["shippingLines"]["nodes"][0]
    assert pair(shipping["originalPriceSet"])[0] == "5.0"
    assert pair(shipping["taxLines"][0]["priceSet"])[0] == "1.0"
    assert [(t["ratePercentage"], pair(t["priceSet"])[0]) for t in data["taxLines"]] == [
        (20.0, "8.2")
    ]
    assert pair(data["totalTaxSet"])[0] == "8.2"
    assert pair(data["subtotalPriceSet"])[0] == "36.0"
    assert pair(data["totalPriceSet"])[0] == "49.2"  # 36 + 5 + 8.20


def test_taxes_included_in_the_price(server):
    token = app_token(server)
    order = place(
        server, MUGS, shipping_price="6.00", taxes={"rate": "0.2", "title": "VAT", "included": True}
    )
    data = read(server, token, order)
    assert data["taxesIncluded"] is True
    line = data["lineItems"]["nodes"][0]
    assert pair(line["taxLines"][0]["priceSet"])[0] == "6.0"  # 36 * 0.2 / 1.2
    assert pair(data["totalTaxSet"])[0] == "7.0"
    assert pair(data["subtotalPriceSet"])[0] == "36.0"
    assert pair(data["totalPriceSet"])[0] == "42.0"
    created = sent(server, "orders/create")[-1]
    jsonschema.validate(created, schema("orders/create"))
    assert created["taxes_included"] is True and created["total_tax"] == "7.00"
    assert created["line_items"][0]["tax_lines"][0]["price"] == "6.00"
    assert created["shipping_lines"][0]["tax_lines"][0]["price"] == "1.00"


def test_duties_on_a_cross_border_order_and_refunding_them(server):
    token = app_token(server)
    order = place(
        server,
        MUGS,
        presentment_currency="EUR",
        rate="0.92",
        duties={"rate": "0.05", "harmonized_system_code": "691200"},
    )
    data = read(server, token, order)
    duty = data["lineItems"]["nodes"][0]["duties"][0]
    assert duty["harmonizedSystemCode"] == "691200" and duty["countryCodeOfOrigin"] == "CN"
    # 36.00 USD / 33.12 EUR of mugs, 5 % duty: 1.80 USD / 1.66 EUR.
    assert pair(duty["price"]) == ("1.8", "USD", "1.66", "EUR")
    assert pair(data["originalTotalDutiesSet"]) == ("1.8", "USD", "1.66", "EUR")
    assert pair(data["totalPriceSet"]) == ("37.8", "USD", "34.78", "EUR")
    # One mug back with its share of the duty, then the rest of the duty in full.
    one = [{"lineItemId": line_gid(order), "quantity": 1}]
    first = refund(
        server,
        token,
        order,
        currency="EUR",
        refundLineItems=one,
        refundDuties=[{"dutyId": duty["id"], "refundType": "PROPORTIONAL"}],
    )
    assert pair(first["refund"]["totalRefundedSet"]) == ("18.9", "USD", "17.39", "EUR")
    rest = refund(
        server,
        token,
        order,
        currency="EUR",
        refundDuties=[{"dutyId": duty["id"], "refundType": "FULL"}],
    )
    assert pair(rest["refund"]["totalRefundedSet"]) == ("0.9", "USD", "0.83", "EUR")
    data = read(server, token, order)
    assert pair(data["currentTotalDutiesSet"]) == ("0.0", "USD", "0.0", "EUR")
    refunded = sent(server, "refunds/create")[-1]
    assert refunded["duties"][0]["amount_set"]["presentment_money"]["amount"] == "0.83"
