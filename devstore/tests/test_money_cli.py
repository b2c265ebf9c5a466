"""`python -m devstore order place` with the money flags places a priced order; bad options
are refused."""

from devstore import cli, commerce

from .conftest import SHOP
from .money_helpers import place


def test_order_place_flags_give_presentment_money_discounts_taxes_and_duties(server, capsys):
    code = cli.main(
        [
            "--url",
            server.url,
            "order",
            "place",
            SHOP,
            "--sku",
            "PIL-LIN-NAT",
            "--qty",
            "2",
            "--shipping",
            "4.90",
            "--presentment-currency",
            "EUR",
            "--rate",
            "0.92",
            "--discount-code",
            "SAVE10",
            "--percent",
            "10",
            "--line-discount",
            "PIL-LIN-NAT:5",
            "--tax-rate",
            "0.2",
            "--tax-title",
            "VAT",
            "--duty-rate",
            "0.05",
        ]
    )
    assert code == 0, capsys.readouterr()
    order = commerce.list_orders(server.store, SHOP)[0]
    line = order["line_items"][0]
    assert (order["currency"], order["presentment_currency"], order["rate"]) == (
        "USD",
        "EUR",
        "0.92",
    )
    # 68.00, 5 % off the line (3.40), then 10 % off the rest (6.46): 58.14.
    assert [a["amount"] for a in line["discount_allocations"]] == ["3.40", "6.46"]
    assert line["discounted_total"] == "58.14"
    assert line["tax_lines"][0]["title"] == "VAT" and line["tax_lines"][0]["price"] == "11.63"
    assert line["duties"][0]["price"] == "2.91"
    assert order["shipping_price_presentment"] == "4.51"


def test_bad_money_options_are_refused(server):
    for fields in (
        {"presentment_currency": "EUR"},
        {"rate": "-1", "presentment_currency": "EUR"},
        {"discount": {"code": "X"}},
        {"discount": {"code": "X", "percent": "150"}},
    ):
        response = server.client.post(
            f"/_devstore/shops/{SHOP}/orders",
            json={"line_items": [{"sku": "MUG-STN-SPK"}], **fields},
        )
        assert response.status_code == 422, (fields, response.text)
    assert place(server, [{"sku": "MUG-STN-SPK"}])["total_price"] == "18.00"
