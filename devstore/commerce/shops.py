"""Shops and what a shop is set up with: its location, sample products (variants), and the
fulfillment services apps register (each with a location of its own)."""

from __future__ import annotations

from devstore.commerce.common import PLANS, UserError, money, now_iso, require_shop
from devstore.store import Store

SAMPLE_PRODUCTS = [
    ("Linen Throw Pillow", "Natural", "PIL-LIN-NAT", "34.00"),
    ("Linen Throw Pillow", "Charcoal", "PIL-LIN-CHA", "34.00"),
    ("Ceramic Pour-Over Set", "White", "CER-POUR-WHT", "58.00"),
    ("Merino Beanie", "Forest", "MER-BEA-FOR", "29.00"),
    ("Walnut Serving Board", "Large", "WAL-BRD-L", "72.00"),
    ("Brass Desk Lamp", "Default", "BRS-LAMP", "119.00"),
    ("Organic Cotton Tee", "M / Sand", "TEE-ORG-M-SND", "24.00"),
    ("Organic Cotton Tee", "L / Sand", "TEE-ORG-L-SND", "24.00"),
    ("Stoneware Mug", "Speckled", "MUG-STN-SPK", "18.00"),
    ("Recycled Tote", "Olive", "TOTE-REC-OLV", "22.00"),
]


def ensure_shop(
    store: Store,
    domain: str,
    *,
    name: str | None = None,
    currency: str = "USD",
    plan: str = "standard",
    email: str | None = None,
    locale: str | None = None,
) -> dict:
    """Create the shop with a primary location and sample products; idempotent."""
    if plan not in PLANS:
        raise UserError(f"Unknown plan {plan!r}; expected one of {sorted(PLANS)}")
    with store.transaction():
        shop = store.get("shop", domain)
        if shop:
            return shop
        shop_id = store.next_id("shop", start=60_000_001)
        location_id = store.next_id("location", start=70_000_001)
        handle = domain.split(".")[0]
        shop = {
            "domain": domain,
            "id": shop_id,
            "name": name or handle.replace("-", " ").title(),
            "email": email or f"owner@{handle}.example",
            "locale": locale or "en",  # the store's primary language (shopLocales)
            "currency": currency,
            "plan": plan,
            "primary_location_id": location_id,
            "created_at": now_iso(),
        }
        store.put("shop", domain, shop, shop=domain)
        store.put(
            "location",
            location_id,
            {"id": location_id, "name": "Shop location", "fulfillment_service_id": None},
            shop=domain,
        )
        for title, variant_title, sku, price in SAMPLE_PRODUCTS:
            create_variant(
                store,
                domain,
                title=title,
                variant_title=variant_title,
                sku=sku,
                price=price,
                location_id=location_id,
            )
        return shop


def create_variant(
    store: Store,
    shop: str,
    *,
    title: str,
    variant_title: str,
    sku: str,
    price: str,
    location_id: int | None = None,
) -> dict:
    with store.transaction():
        shop_doc = require_shop(store, shop)
        variant_id = store.next_id("variant", start=40_000_001)
        doc = {
            "id": variant_id,
            "product_id": variant_id + 1_000_000,
            "product_title": title,
            "title": variant_title,
            "sku": sku,
            "price": money(price),
            "location_id": location_id or shop_doc["primary_location_id"],
        }
        return store.put("variant", variant_id, doc, shop=shop)


def stock_skus_at(
    store: Store, shop: str, skus: list[str], location_id: int, *, add: bool = False
) -> int:
    """Move SKUs' inventory to a location (e.g. a supplier's fulfillment-service location), or
    with `add` stock them there too, so they are stocked at several locations and Shopify's
    order routing chooses among them."""
    with store.transaction():
        moved = 0
        for variant in store.find("variant", shop=shop, where=lambda v: v["sku"] in skus):
            if add:
                stocked = stocked_locations(variant)
                variant["location_ids"] = stocked + [i for i in [location_id] if i not in stocked]
            else:
                variant["location_id"] = location_id
                variant.pop("location_ids", None)
            store.put("variant", variant["id"], variant, shop=shop)
            moved += 1
        return moved


def stocked_locations(variant: dict) -> list[int]:
    """The locations a variant is stocked at, the first being where it was stocked first."""
    return list(variant.get("location_ids") or [variant["location_id"]])


def add_location(store: Store, shop: str, *, name: str) -> dict:
    """Another location of the merchant's own (a warehouse, a shop), stocking nothing yet."""
    with store.transaction():
        require_shop(store, shop)
        location_id = store.next_id("location", start=70_000_001)
        doc = {"id": location_id, "name": name, "fulfillment_service_id": None}
        return store.put("location", location_id, doc, shop=shop)


def locations_of(store: Store, shop: str) -> list[dict]:
    """The shop's locations in the order they were added (the primary first): the priority
    Shopify's default routing rule ranks them by."""
    return sorted(store.find("location", shop=shop), key=lambda loc: loc["id"])


def variant_by_sku(store: Store, shop: str, sku: str) -> dict | None:
    for variant in store.peek("variant", shop=shop):
        if variant["sku"] == sku:
            return dict(variant)
    return None


def create_fulfillment_service(
    store: Store,
    shop: str,
    *,
    client_id: str,
    name: str,
    callback_url: str | None,
    tracking_support: bool = False,
    inventory_management: bool = False,
) -> dict:
    with store.transaction():
        require_shop(store, shop)
        taken = store.find("fulfillment_service", shop=shop, where=lambda f: f["name"] == name)
        if taken:
            raise UserError("Name has already been taken", field=["name"])
        service_id = store.next_id("fulfillment_service", start=80_000_001)
        location_id = store.next_id("location", start=70_000_001)
        handle = "-".join(name.lower().split())
        store.put(
            "location",
            location_id,
            {"id": location_id, "name": name, "fulfillment_service_id": service_id},
            shop=shop,
        )
        doc = {
            "id": service_id,
            "client_id": client_id,
            "name": name,
            "handle": handle,
            "callback_url": callback_url,
            "location_id": location_id,
            "tracking_support": tracking_support,
            "inventory_management": inventory_management,
        }
        return store.put("fulfillment_service", service_id, doc, shop=shop)


def fulfillment_services_of(store: Store, shop: str, client_id: str) -> list[dict]:
    return store.find("fulfillment_service", shop=shop, where=lambda f: f["client_id"] == client_id)


def update_fulfillment_service(
    store: Store, shop: str, *, client_id: str, service_id: int, changes: dict
) -> dict:
    """fulfillmentServiceUpdate: only the app that registered a service may change it."""
    with store.transaction():
        mine = [
            f
            for f in fulfillment_services_of(store, shop, client_id)
            if str(f["id"]) == str(service_id)
        ]
        if not mine:
            raise UserError("Fulfillment service could not be found.", field=["id"])
        fs = {**mine[0], **{k: v for k, v in changes.items() if v is not None}}
        return store.put("fulfillment_service", fs["id"], fs, shop=shop)
