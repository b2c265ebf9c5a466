"""refundCreate and suggestedRefund on discounted and taxed orders: a line's units come back
at what was paid for them after discounts, with their tax; never more than was paid."""

import jsonschema

from .money_helpers import MONEY, app_token, gql, line_gid, pair, place, refund, schema, sent

PILLOWS = [{"sku": "PIL-LIN-NAT", "quantity": 3}]
CURRENT = """query($id: ID!) { order(id: $id) { currentSubtotalPriceSet { MONEY }
  currentTotalTaxSet { MONEY } currentShippingPriceSet { MONEY } currentTotalPriceSet { MONEY } } }
""".replace("MONEY", MONEY)
SUGGEST = """query($id: ID!, $lines: [RefundLineItemInput!], $full: Boolean,
  $shipping: Boolean) { order(id: $id) {
  suggestedRefund(refundLineItems: $lines, suggestFullRefund: $full, refundShipping: $shipping) {
    amountSet { MONEY } subtotalSet { MONEY } totalTaxSet { MONEY }
    totalCartDiscountAmountSet { MONEY }
    maximumRefundableSet { MONEY } shipping { amountSet { MONEY } taxSet { MONEY } }
    refundLineItems { quantity subtotalSet { MONEY } totalTaxSet { MONEY } }
    suggestedTransactions { kind gateway amountSet { MONEY } parentTransaction { id } } } } }
""".replace("MONEY", MONEY)


def pillows(server, **fields):
    """3 pillows (102.00), SAVE10 (10 % off) and 20 % VAT added, unless fields say otherwise."""
    defaults = {"discount": {"code": "SAVE10", "percent": "10"}, "taxes": {"rate": "0.2"}}
    return place(server, PILLOWS, **{**defaults, **fields})


def amounts(done):
    return pair(done["refund"]["totalRefundedSet"])[0]


def test_units_of_a_discounted_taxed_line_come_back_at_what_was_paid(server):
    token = app_token(server)
    # 3 x 34.00 = 102.00, 10 % off: 91.80, 20 % tax added: 18.36; paid 110.16.
    order = pillows(server)
    one = refund(
        server, token, order, refundLineItems=[{"lineItemId": line_gid(order), "quantity": 1}]
    )
    item = one["refund"]["refundLineItems"]["nodes"][0]
    assert (pair(item["subtotalSet"])[0], pair(item["totalTaxSet"])[0]) == ("30.6", "6.12")
    assert amounts(one) == "36.72"
    tx = [
        {
            "orderId": f"gid://shopify/Order/{order['id']}",
            "amount": "73.45",
            "kind": "REFUND",
            "gateway": "bogus",
        }
    ]
    over = refund(server, token, order, transactions=tx)
    assert "greater than the refundable amount 73.44" in over["userErrors"][0]["message"]
    rest = refund(
        server, token, order, refundLineItems=[{"lineItemId": line_gid(order), "quantity": 2}]
    )
    assert amounts(rest) == "73.44"  # 36.72 + 73.44 = 110.16: all that was paid
    refunded = sent(server, "refunds/create")[-1]
    jsonschema.validate(refunded, schema("refunds/create"))
    assert refunded["refund_line_items"][0]["total_tax"] == 12.24


def test_current_amounts_go_down_with_what_was_refunded(server):
    token = app_token(server)
    order = pillows(server, shipping_price="5.00")
    refund(
        server,
        token,
        order,
        refundLineItems=[{"lineItemId": line_gid(order), "quantity": 1}],
        shipping={"fullRefund": True},
    )
    data = gql(server, token, CURRENT, {"id": f"gid://shopify/Order/{order['id']}"})["order"]
    # 91.80 of pillows less 30.60; tax 18.36 + 1.00 less 6.12 + 1.00; shipping all back.
    assert pair(data["currentSubtotalPriceSet"])[0] == "61.2"
    assert pair(data["currentTotalTaxSet"])[0] == "12.24"
    assert pair(data["currentShippingPriceSet"])[0] == "0.0"
    assert pair(data["currentTotalPriceSet"])[0] == "73.44"  # 116.16 - 42.72
    updated = sent(server, "orders/updated")[-1]
    jsonschema.validate(updated, schema("orders/updated"))
    assert (updated["current_subtotal_price"], updated["current_total_tax"]) == ("61.20", "12.24")
    assert updated["current_total_price"] == "73.44"


def test_uneven_units_add_up_to_the_line_exactly_taxes_included(server):
    token = app_token(server)
    # 102.00 less 10.00 = 92.00 for 3 units, VAT included (15.33 of it).
    order = pillows(
        server,
        discount={"code": "TEN", "amount": "10.00"},
        taxes={"rate": "0.2", "included": True},
    )
    line = [{"lineItemId": line_gid(order), "quantity": 1}]
    got = [amounts(refund(server, token, order, refundLineItems=line)) for _ in range(3)]
    assert got == ["30.67", "30.66", "30.67"]
    assert sum(float(g) for g in got) == 92.0
    again = refund(server, token, order, refundLineItems=line)
    assert again["refund"] is None and again["userErrors"]


def test_shipping_comes_back_with_its_tax(server):
    token = app_token(server)
    order = place(server, [{"sku": "MUG-STN-SPK"}], shipping_price="5.00", taxes={"rate": "0.2"})
    done = refund(server, token, order, shipping={"fullRefund": True})
    assert amounts(done) == "6.0"
    refunded = sent(server, "refunds/create")[-1]
    shipping = refunded["refund_shipping_lines"][0]
    assert shipping["subtotal_amount_set"]["shop_money"]["amount"] == "5.00"
    assert shipping["tax_amount_set"]["shop_money"]["amount"] == "1.00"


def test_suggested_refund_matches_what_refund_create_gives_back(server):
    token = app_token(server)
    order = pillows(server, presentment_currency="EUR", rate="0.92", shipping_price="5.00")
    gid = f"gid://shopify/Order/{order['id']}"
    lines = [{"lineItemId": line_gid(order), "quantity": 1}]
    suggested = gql(server, token, SUGGEST, {"id": gid, "lines": lines})["order"]
    suggested = suggested["suggestedRefund"]
    # EUR: 31.28 x 3 = 93.84, 10 % off 84.46 (9.38 off), one unit 28.15 + 5.63 VAT.
    assert pair(suggested["subtotalSet"]) == ("30.6", "USD", "28.15", "EUR")
    assert pair(suggested["totalTaxSet"]) == ("6.12", "USD", "5.63", "EUR")
    assert pair(suggested["amountSet"]) == ("36.72", "USD", "33.78", "EUR")
    # The code took 10.20 USD / 9.38 EUR off the line; a third of it went with this unit.
    assert pair(suggested["totalCartDiscountAmountSet"]) == ("3.4", "USD", "3.13", "EUR")
    transaction = suggested["suggestedTransactions"][0]
    assert transaction["kind"] == "SUGGESTED_REFUND" and transaction["parentTransaction"]["id"]
    done = refund(server, token, order, currency="EUR", refundLineItems=lines)
    assert pair(done["refund"]["totalRefundedSet"]) == pair(suggested["amountSet"])
    full = gql(server, token, SUGGEST, {"id": gid, "full": True})["order"]["suggestedRefund"]
    assert [n["quantity"] for n in full["refundLineItems"]] == [2]
    assert pair(full["shipping"]["amountSet"])[0] == "5.0"
    assert pair(full["amountSet"]) == pair(full["maximumRefundableSet"])


def test_suggested_refund_on_a_plain_order(server):
    token = app_token(server)
    order = place(server, [{"sku": "MUG-STN-SPK", "quantity": 2}])
    lines = [{"lineItemId": line_gid(order), "quantity": 1}]
    gid = f"gid://shopify/Order/{order['id']}"
    suggested = gql(server, token, SUGGEST, {"id": gid, "lines": lines})["order"]
    assert pair(suggested["suggestedRefund"]["amountSet"]) == ("18.0", "USD", "18.0", "USD")
