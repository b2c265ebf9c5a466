"""Discounts at line and order level with Shopify's allocations, in GraphQL and in the REST
payloads (discount_allocations, discount_applications)."""

import jsonschema

from .money_helpers import MONEY, app_token, gql, pair, place, schema, sent

ORDER = """query($id: ID!) { order(id: $id) {
  subtotalPriceSet { MONEY } totalPriceSet { MONEY } totalDiscountsSet { MONEY }
  cartDiscountAmountSet { MONEY } discountCodes discountCode
  discountApplications(first: 5) { nodes { __typename index allocationMethod targetSelection
    targetType value { __typename ... on PricingPercentageValue { percentage }
      ... on MoneyV2 { amount currencyCode } }
    ... on DiscountCodeApplication { code } ... on ManualDiscountApplication { title } } }
  lineItems(first: 5) { nodes { originalTotalSet { MONEY } discountedTotalSet { MONEY }
    totalDiscountSet { MONEY } discountedUnitPriceSet { MONEY }
    discountedUnitPriceAfterAllDiscountsSet { MONEY }
    discountAllocations { allocatedAmountSet { MONEY } discountApplication { index } } } } } }
""".replace("MONEY", MONEY)

LINES = [
    {"sku": "PIL-LIN-NAT", "quantity": 2, "discount": {"percent": "10"}},
    {"sku": "MUG-STN-SPK", "quantity": 1},
]


def shop_amounts(bags):
    return [b["allocatedAmountSet"]["shopMoney"]["amount"] for b in bags]


def test_line_and_order_discounts_are_allocated_as_shopify_does(server):
    token = app_token(server)
    order = place(server, LINES, discount={"code": "SAVE10", "percent": "10"})
    data = gql(server, token, ORDER, {"id": f"gid://shopify/Order/{order['id']}"})["order"]
    apps = data["discountApplications"]["nodes"]
    assert [(a["__typename"], a["index"]) for a in apps] == [
        ("ManualDiscountApplication", 0),
        ("DiscountCodeApplication", 1),
    ]
    assert apps[1]["code"] == "SAVE10" and apps[1]["value"]["percentage"] == 10.0
    assert (apps[1]["targetSelection"], apps[1]["allocationMethod"]) == ("ALL", "ACROSS")
    assert apps[0]["targetSelection"] == "EXPLICIT"
    assert data["discountCodes"] == ["SAVE10"] and data["discountCode"] == "SAVE10"
    pillow, mug = data["lineItems"]["nodes"]
    # Pillows 68.00, 10 % off the line: 6.80. The code's 10 % of 61.20 + 18.00 = 7.92,
    # split by what each line costs after line discounts: 6.12 and 1.80.
    assert shop_amounts(pillow["discountAllocations"]) == ["6.8", "6.12"]
    assert [a["discountApplication"]["index"] for a in pillow["discountAllocations"]] == [0, 1]
    assert shop_amounts(mug["discountAllocations"]) == ["1.8"]
    # discountedTotalSet / totalDiscountSet / discountedUnitPriceSet: line-level only.
    assert pair(pillow["discountedTotalSet"])[0] == "61.2"
    assert pair(pillow["totalDiscountSet"])[0] == "6.8"
    assert pair(pillow["discountedUnitPriceSet"])[0] == "30.6"
    assert pair(pillow["discountedUnitPriceAfterAllDiscountsSet"])[0] == "27.54"
    assert pair(mug["discountedTotalSet"])[0] == "18.0"
    assert pair(data["totalDiscountsSet"])[0] == "14.72"
    assert pair(data["cartDiscountAmountSet"])[0] == "7.92"
    assert pair(data["subtotalPriceSet"])[0] == "71.28"
    assert pair(data["totalPriceSet"])[0] == "71.28"


def test_a_fixed_amount_code_is_entered_in_the_customers_currency(server):
    token = app_token(server)
    order = place(
        server,
        [{"sku": "PIL-LIN-NAT", "quantity": 2}, {"sku": "MUG-STN-SPK", "quantity": 1}],
        presentment_currency="EUR",
        rate="0.92",
        discount={"code": "TENEUR", "amount": "10.00"},
    )
    data = gql(server, token, ORDER, {"id": f"gid://shopify/Order/{order['id']}"})["order"]
    assert pair(data["totalDiscountsSet"]) == ("10.87", "USD", "10.0", "EUR")
    value = data["discountApplications"]["nodes"][0]["value"]
    assert value == {"__typename": "MoneyV2", "amount": "10.00", "currencyCode": "EUR"}
    pillow, mug = data["lineItems"]["nodes"]
    # EUR: 62.56 and 16.56 share 10.00 -> 7.91 + 2.09; USD: 68 and 18 share 10.87.
    assert pair(pillow["discountAllocations"][0]["allocatedAmountSet"]) == (
        "8.59",
        "USD",
        "7.91",
        "EUR",
    )
    assert pair(mug["discountAllocations"][0]["allocatedAmountSet"]) == (
        "2.28",
        "USD",
        "2.09",
        "EUR",
    )
    assert pair(data["totalPriceSet"]) == ("75.13", "USD", "69.12", "EUR")


def test_payloads_carry_discount_allocations_and_applications(server):
    app_token(server)
    place(server, LINES, discount={"code": "SAVE10", "percent": "10"})
    created = sent(server, "orders/create")[-1]
    jsonschema.validate(created, schema("orders/create"))
    assert [a["type"] for a in created["discount_applications"]] == ["manual", "discount_code"]
    code = created["discount_applications"][1]
    assert (code["code"], code["value"], code["value_type"]) == ("SAVE10", "10", "percentage")
    assert created["discount_codes"] == [{"code": "SAVE10", "amount": "7.92", "type": "percentage"}]
    pillow = created["line_items"][0]
    assert [
        (a["amount"], a["discount_application_index"]) for a in pillow["discount_allocations"]
    ] == [("6.80", 0), ("6.12", 1)]
    assert created["total_discounts"] == "14.72"
    assert created["current_total_price"] == "71.28"
