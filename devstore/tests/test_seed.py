"""Seeding: an explicit seed gives the same orders in any shop, so a test whose shops have
random names sees the same data every run."""

from devstore import commerce

from .conftest import SHOP


def content(orders: list[dict]) -> list[tuple]:
    """What a seeded order is made of, without the ids that differ between shops."""
    return [
        (
            o["customer"]["first_name"],
            o["customer"]["last_name"],
            o["shipping_address"]["country_code"],
            o["currency"],
            o["financial_status"],
            o["shipping_price"],
            [(line["sku"], line["quantity"]) for line in o["line_items"]],
        )
        for o in orders
    ]


def test_an_explicit_seed_places_the_same_orders_in_any_shop(server):
    other = "other-4f2a9c.myshopify.com"
    commerce.ensure_shop(server.store, other)
    placed = {}
    for shop in (SHOP, other):
        response = server.client.post(
            f"/_devstore/shops/{shop}/seed", json={"orders": 8, "seed": 3}
        )
        assert response.status_code == 201, response.text
        ids = response.json()["order_ids"]
        assert len(ids) == 8
        placed[shop] = [server.store.get("order", order_id) for order_id in ids]
    assert content(placed[SHOP]) == content(placed[other])
    assert {o["id"] for o in placed[SHOP]}.isdisjoint(o["id"] for o in placed[other])
    # Another seed, other orders.
    again = server.client.post(f"/_devstore/shops/{other}/seed", json={"orders": 8, "seed": 4})
    again.raise_for_status()
    fresh = [server.store.get("order", i) for i in again.json()["order_ids"]]
    assert content(fresh) != content(placed[other])
