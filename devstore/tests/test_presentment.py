"""Orders in a presentment currency (Shopify Markets): MoneyBags whose two amounts differ,
RefundInput.currency, and the REST payloads' `presentment_currency` and `*_set` objects."""

import jsonschema

from devstore import commerce

from .conftest import SHOP
from .money_helpers import MONEY, app_token, gql, line_gid, pair, place, refund, schema, sent

ORDER = """query($id: ID!) { order(id: $id) { currencyCode presentmentCurrencyCode
  totalPriceSet { MONEY } subtotalPriceSet { MONEY } totalShippingPriceSet { MONEY }
  lineItems(first: 5) { nodes { quantity originalUnitPriceSet { MONEY }
    originalTotalSet { MONEY } } }
  transactions { kind amountSet { MONEY } } } }""".replace("MONEY", MONEY)

EUR = {"presentment_currency": "EUR", "rate": "0.92", "shipping_price": "9.90"}
LINES = [{"sku": "PIL-LIN-NAT", "quantity": 2}, {"sku": "MUG-STN-SPK", "quantity": 1}]


def test_an_order_in_euros_has_shop_and_presentment_money_that_differ(server):
    token = app_token(server)
    order = place(server, LINES, **EUR)
    data = gql(server, token, ORDER, {"id": f"gid://shopify/Order/{order['id']}"})["order"]
    assert (data["currencyCode"], data["presentmentCurrencyCode"]) == ("USD", "EUR")
    # 2 x 34.00 + 18.00 = 86.00 USD; 34.00 -> 31.28 EUR, 18.00 -> 16.56 EUR; shipping 9.11 EUR.
    assert pair(data["subtotalPriceSet"]) == ("86.0", "USD", "79.12", "EUR")
    assert pair(data["totalShippingPriceSet"]) == ("9.9", "USD", "9.11", "EUR")
    assert pair(data["totalPriceSet"]) == ("95.9", "USD", "88.23", "EUR")
    pillow = data["lineItems"]["nodes"][0]
    assert pair(pillow["originalUnitPriceSet"]) == ("34.0", "USD", "31.28", "EUR")
    assert pair(pillow["originalTotalSet"]) == ("68.0", "USD", "62.56", "EUR")
    assert pair(data["transactions"][0]["amountSet"]) == ("95.9", "USD", "88.23", "EUR")


def test_refund_create_wants_the_presentment_currency_and_amounts_in_it(server):
    token = app_token(server)
    order = place(server, LINES, **EUR)
    one = [{"lineItemId": line_gid(order), "quantity": 1, "restockType": "NO_RESTOCK"}]
    missing = refund(server, token, order, refundLineItems=one)
    assert missing["refund"] is None
    assert missing["userErrors"][0]["field"] == ["currency"]
    wrong = refund(server, token, order, refundLineItems=one, currency="USD")
    assert "presentment currency (EUR)" in wrong["userErrors"][0]["message"]
    done = refund(server, token, order, refundLineItems=one, currency="EUR")
    assert done["userErrors"] == []
    assert pair(done["refund"]["totalRefundedSet"]) == ("34.0", "USD", "31.28", "EUR")
    # A transaction's amount is presentment money; shop money follows at the rate.
    tx = [
        {
            "orderId": f"gid://shopify/Order/{order['id']}",
            "amount": "20.00",
            "kind": "REFUND",
            "gateway": "bogus",
        }
    ]
    partial = refund(server, token, order, transactions=tx, currency="EUR")
    assert pair(partial["refund"]["totalRefundedSet"]) == ("21.74", "USD", "20.0", "EUR")
    too_much = [{**tx[0], "amount": "40.00"}]  # 88.23 - 31.28 - 20.00 = 36.95 left
    over = refund(server, token, order, transactions=too_much, currency="EUR")
    assert "refundable amount 36.95" in over["userErrors"][0]["message"]


def test_payloads_carry_presentment_currency_and_both_moneys(server):
    token = app_token(server)
    order = place(server, LINES, **EUR)
    refund(
        server,
        token,
        order,
        currency="EUR",
        refundLineItems=[{"lineItemId": line_gid(order, 1), "quantity": 1}],
    )
    created = sent(server, "orders/create")[-1]
    jsonschema.validate(created, schema("orders/create"))
    assert (created["currency"], created["presentment_currency"]) == ("USD", "EUR")
    assert created["total_price_set"] == {
        "shop_money": {"amount": "95.90", "currency_code": "USD"},
        "presentment_money": {"amount": "88.23", "currency_code": "EUR"},
    }
    assert created["line_items"][0]["price_set"]["presentment_money"]["amount"] == "31.28"
    fo_id = order["fulfillment_orders"][0]["id"]
    tracking = {"company": "UPS", "number": "1Z999", "url": "https://ups.example/1Z999"}
    fulfilled = server.client.post(
        f"/_devstore/shops/{SHOP}/fulfillment_orders/{fo_id}/fulfill", json=tracking
    )
    assert fulfilled.status_code == 200, fulfilled.text
    fulfillment = sent(server, "fulfillments/create")[-1]
    jsonschema.validate(fulfillment, schema("fulfillments/create"))
    assert fulfillment["line_items"][0]["price_set"]["presentment_money"] == {
        "amount": "31.28",
        "currency_code": "EUR",
    }
    refunded = sent(server, "refunds/create")[-1]
    jsonschema.validate(refunded, schema("refunds/create"))
    assert refunded["transactions"][0]["currency"] == "EUR"
    assert refunded["transactions"][0]["amount"] == "16.56"
    assert refunded["refund_line_items"][0]["subtotal_set"]["shop_money"]["amount"] == "18.00"


def test_seeding_with_markets_sells_the_same_orders_in_the_customers_currency(server):
    plain = server.client.post(f"/_devstore/shops/{SHOP}/seed", json={"orders": 6, "seed": 3})
    commerce.ensure_shop(server.store, "other.myshopify.com")
    markets = server.client.post(
        "/_devstore/shops/other.myshopify.com/seed", json={"orders": 6, "seed": 3, "markets": True}
    )
    assert plain.status_code == markets.status_code == 201
    before = [commerce.get_order(server.store, SHOP, i) for i in plain.json()["order_ids"]]
    after = [
        commerce.get_order(server.store, "other.myshopify.com", i)
        for i in markets.json()["order_ids"]
    ]
    for one, two in zip(before, after, strict=True):
        assert [li["sku"] for li in one["line_items"]] == [li["sku"] for li in two["line_items"]]
        assert two["currency"] == "USD"
        assert two["presentment_currency"] == one["currency"]
        assert two["total_price"] == one["total_price"]
    foreign = [o for o in after if o["presentment_currency"] != "USD"]
    assert foreign and all(o["total_price_presentment"] != o["total_price"] for o in foreign)


def test_paying_a_pending_order_records_the_sale_in_both_currencies(server):
    token = app_token(server)
    order = place(server, LINES, financial_status="pending", **EUR)
    paid = server.client.post(f"/_devstore/shops/{SHOP}/orders/{order['id']}/pay")
    assert paid.status_code == 200, paid.text
    data = gql(server, token, ORDER, {"id": f"gid://shopify/Order/{order['id']}"})["order"]
    assert [t["kind"] for t in data["transactions"]] == ["SALE"]
    assert pair(data["transactions"][0]["amountSet"]) == ("95.9", "USD", "88.23", "EUR")
