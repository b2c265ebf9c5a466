"""Seeding: realistic orders for a shop (customers and addresses in several countries)."""

from __future__ import annotations

import random
from decimal import Decimal

from devstore.commerce.common import UserError
from devstore.commerce.orders import create_order
from devstore.store import Store

FIRST = [
    "Emma",
    "Liam",
    "Chloé",
    "Bence",
    "Zsófia",
    "Noah",
    "Léa",
    "Ava",
    "Lucas",
    "Réka",
    "Oliver",
    "Mia",
    "Hugo",
    "Anna",
    "Jack",
]
LAST = [
    "Martin",
    "Nagy",
    "Smith",
    "Dubois",
    "Kovács",
    "Brown",
    "Bernard",
    "Tóth",
    "Wilson",
    "Lefebvre",
    "Taylor",
    "Horváth",
]
ADDRESSES = [
    ("US", "United States", "New York", "NY", "New York", "10001", "350 5th Ave", "USD"),
    ("FR", "France", "Paris", None, "Île-de-France", "75011", "12 Rue Oberkampf", "EUR"),
    ("HU", "Hungary", "Budapest", None, "Budapest", "1052", "Váci utca 10", "HUF"),
    ("GB", "United Kingdom", "London", None, "England", "EC1V 9HX", "221 City Road", "GBP"),
    ("CA", "Canada", "Toronto", "ON", "Ontario", "M5V 2T6", "100 King St W", "CAD"),
]


# Units of each currency per US dollar, for `markets` seeding (fixed: deterministic orders).
USD_RATES = {"USD": "1", "EUR": "0.92", "HUF": "361.5", "GBP": "0.79", "CAD": "1.37"}


def _markets(store: Store, shop: str, currency: str) -> dict:
    """Pricing options selling in the customer's currency at a fixed cross rate."""
    shop_currency = store.get("shop", shop)["currency"]
    if currency == shop_currency or shop_currency not in USD_RATES:
        return {}
    rate = Decimal(USD_RATES[currency]) / Decimal(USD_RATES[shop_currency])
    return {"presentment_currency": currency, "rate": str(rate.quantize(Decimal("0.000001")))}


def seed_orders(
    store: Store,
    shop: str,
    count: int,
    *,
    rng_seed: int | None = None,
    paid_ratio: float = 0.8,
    markets: bool = False,
    skus: list[str] | None = None,
) -> list[dict]:
    """Realistic orders: 1-3 lines, customers and addresses in several countries/currencies.

    With `rng_seed`, the orders are the same whatever the shop (only ids differ); without it,
    each shop gets its own mix (keyed on the shop's domain). `markets`: the same orders, sold
    in the customer's currency as presentment money (Shopify Markets). `skus`: only these
    products (the demo leaves its one unmapped product out of the random orders)."""
    rng = random.Random(f"{shop}:0" if rng_seed is None else f"seed:{rng_seed}")  # noqa: S311
    variants = store.find("variant", shop=shop)
    if skus is not None:
        variants = [v for v in variants if v.get("sku") in set(skus)]
    if not variants:
        raise UserError(f"Shop {shop} has no products; create the shop first")
    created = []
    for _ in range(count):
        first, last = rng.choice(FIRST), rng.choice(LAST)
        code, country, city, prov_code, province, zip_code, street, currency = rng.choice(ADDRESSES)
        lines = [
            {"variant_id": v["id"], "quantity": rng.randint(1, 3)}
            for v in rng.sample(variants, rng.randint(1, min(3, len(variants))))
        ]
        email = f"{first}.{last}@example.com".lower().encode("ascii", "ignore").decode()
        created.append(
            create_order(
                store,
                shop,
                line_items=lines,
                customer={
                    "first_name": first,
                    "last_name": last,
                    "email": email,
                    "phone": f"+1555{rng.randint(1000000, 9999999)}",
                },
                shipping_address={
                    "first_name": first,
                    "last_name": last,
                    "name": f"{first} {last}",
                    "company": None,
                    "address1": street,
                    "address2": None,
                    "city": city,
                    "province": province,
                    "province_code": prov_code,
                    "zip": zip_code,
                    "country": country,
                    "country_code": code,
                    "phone": None,
                },
                currency=currency,
                pricing=_markets(store, shop, currency) if markets else None,
                financial_status="paid" if rng.random() < paid_ratio else "pending",
                shipping_price=rng.choice(["0.00", "4.90", "9.90"]),
            )
        )
    return created
