"""Prepare the demo: register Relay in devstore, create a retailer and a supplier store with
seeded orders, and install Relay into both through Shopify's OAuth flow. Idempotent."""

from __future__ import annotations

import argparse
import html
import os
import re
import sys
import time

import demo_payments  # scripts/: run as a script, its folder is on the path
import httpx

# SKU, supplier, supplier SKU, cost, currency: every sample product of the demo store but one,
# split over the three kinds of supplier (a supplier store, a portal supplier, a non auto-order
# supplier), so a new user sees orders with a supplier, not "No supplier".
DEMO_MAPPINGS = [
    ("MUG-STN-SPK", "Demo Supplier", "DS-MUG-01", "7.20", "EUR"),
    ("CER-POUR-WHT", "Demo Supplier", "DS-POUR-02", "21.00", "EUR"),
    ("PIL-LIN-NAT", "Atelier Lin", "AL-NAT-45", "12.50", "EUR"),
    ("PIL-LIN-CHA", "Atelier Lin", "AL-CHA-45", "12.50", "EUR"),
    ("MER-BEA-FOR", "Atelier Lin", "AL-BEANIE-F", "9.90", "EUR"),
    ("WAL-BRD-L", "Budapest Woodworks", "BW-3020", "26.00", "HUF"),
    ("BRS-LAMP", "Budapest Woodworks", "BW-LAMP-7", "48.00", "HUF"),
    ("TEE-ORG-M-SND", "Atelier Lin", "AL-TEE-M-SND", "8.50", "EUR"),
    ("TEE-ORG-L-SND", "Atelier Lin", "AL-TEE-L-SND", "8.50", "EUR"),
]
# The one product deliberately left without a supplier: dropshipped (at Relay's location) but
# mapped to nobody, in one order of its own, so the demo shows what "No supplier" means and how
# to map it (the drawer's explanation, Suppliers → SKUs without a supplier).
UNMAPPED_SKU = "TOTE-REC-OLV"


def _wait_for_fulfillment_service(control: httpx.Client, shop: str, client_id: str) -> bool:
    """Post-install runs on the worker; stocking needs the location it creates."""
    for _ in range(60):
        probe = control.post(
            f"/_devstore/shops/{shop}/stock", json={"client_id": client_id, "skus": []}
        )
        if probe.status_code == 200:
            return True
        time.sleep(0.5)
    return False


def _set_up_suppliers(
    control,
    app_url: str,
    client_id: str,
    retailer: str,
    supplier_store: str,
    stripe: tuple[str | None, str | None] = (None, None),
):
    """As the merchant would, through Relay's own pages (an ID token from the admin)."""
    token = control.post(f"/_devstore/shops/{retailer}/apps/{client_id}/id_token").json()[
        "id_token"
    ]
    relay = httpx.Client(base_url=app_url, headers={"Authorization": f"Bearer {token}"}, timeout=30)
    suppliers = [
        {
            "name": "Demo Supplier",
            "channel": "store",
            "store_domain": supplier_store,
            "place_mode": "auto",
            "pay_mode": "auto",
            "currency": "EUR",
            "contact_email": "orders@demo-supplier.example",
        },
        {
            "name": "Atelier Lin",
            "channel": "portal",
            "place_mode": "manual",
            "pay_mode": "manual",
            "currency": "EUR",
            "contact_email": "orders@atelier-lin.example",
        },
        {
            "name": "Budapest Woodworks",
            "channel": "manual",
            "place_mode": "manual",
            "pay_mode": "manual",
            "currency": "HUF",
            "website_url": "https://woodworks.example/shop",
        },
    ]
    for supplier in suppliers:
        relay.post("/suppliers", data=supplier)  # already there on a re-run: refused, fine
    rows = "\n".join(",".join(row) for row in DEMO_MAPPINGS)
    relay.post(
        "/suppliers/import",
        files={"file": ("demo.csv", f"sku,supplier,supplier_sku,cost,currency\n{rows}\n")},
    )
    demo_payments.set_up(relay, *stripe)
    _supplier_writes(relay)


def _supplier_writes(relay: httpx.Client) -> None:
    """Atelier Lin writes to the store from its portal ("Message the store"), so the bell, the
    board, the supplier page's thread and the inbox have something to show. Once."""
    ids = demo_payments.supplier_ids(relay)
    if "Atelier Lin" not in ids:
        return
    page = relay.get(f"/suppliers/{ids['Atelier Lin']}").text
    link = re.search(r'id="portal-link-url"[^>]*value="([^"]+)"', page)
    if link is None or "Linen cushions are back" in page:
        return
    httpx.post(
        html.unescape(link.group(1)).rstrip("/") + "/messages",
        data={"body": "Hello! Linen cushions are back in stock; orders ship within 2 days."},
        timeout=30,
    )


# Orders real stores send (issue 14), so every case can be seen in the demo: money in the
# customer's currency with a discount and VAT, a test order, a gift card and a download beside a
# dropshipped item, a pickup order, and a prepaid subscription of three monthly deliveries.
REAL_SHAPED_ORDERS = [
    {
        "line_items": [{"sku": "MUG-STN-SPK", "quantity": 2}, {"sku": "PIL-LIN-NAT"}],
        "presentment_currency": "EUR",
        "rate": "0.92",
        "discount": {"code": "WELCOME10", "percent": "10"},
        "taxes": {"rate": "0.2", "title": "VAT", "included": True},
        "shipping_price": "6.00",
    },
    {"line_items": [{"sku": "CER-POUR-WHT"}], "test": True},
    {
        "line_items": [
            {"sku": "PIL-LIN-CHA"},
            {"title": "Gift Card", "price": "25.00", "quantity": 1, "gift_card": True},
            {"sku": "TOTE-REC-OLV", "requires_shipping": False},
        ]
    },
    {"line_items": [{"sku": "MER-BEA-FOR"}], "delivery": {"type": "PICK_UP"}},
    {
        "line_items": [{"sku": "MUG-STN-SPK", "quantity": 1}],
        "schedule": {"deliveries": 3, "interval_days": 30, "first_in_days": 0},
    },
    {"line_items": [{"sku": UNMAPPED_SKU}], "note": "The demo's product with no supplier yet"},
]


def populate(
    control: httpx.Client,
    app_url: str,
    client_id: str,
    retailer: str,
    supplier_store: str,
    orders: int,
    stripe: tuple[str | None, str | None],
    seed: int | None = None,
) -> None:
    """Relay installed in both stores: the products, the suppliers and the orders the README's
    first steps walk (tests/browser/test_first_steps.py calls this too)."""
    # Dropshipped products live at Relay's fulfillment-service location, so their orders route
    # to Relay (as products stocked by a dropshipping app do on Shopify).
    control.post(
        f"/_devstore/shops/{retailer}/stock",
        json={"client_id": client_id, "skus": [row[0] for row in DEMO_MAPPINGS] + [UNMAPPED_SKU]},
    ).raise_for_status()
    _set_up_suppliers(control, app_url, client_id, retailer, supplier_store, stripe)

    existing = control.get(f"/_devstore/shops/{retailer}/orders?limit=1").json()
    if not existing:
        control.post(
            f"/_devstore/shops/{retailer}/seed",
            # seed None: the store's own mix; a number: the same orders every time (tests).
            json={"orders": orders, "skus": [row[0] for row in DEMO_MAPPINGS], "seed": seed},
        ).raise_for_status()
        for order in REAL_SHAPED_ORDERS:
            control.post(f"/_devstore/shops/{retailer}/orders", json=order).raise_for_status()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--devstore", required=True)
    parser.add_argument("--retailer", required=True)
    parser.add_argument("--supplier", required=True)
    parser.add_argument("--orders", type=int, default=40)
    args = parser.parse_args()
    app_url = os.environ["APP_URL"]
    client_id = os.environ["SHOPIFY_API_KEY"]
    control = httpx.Client(base_url=args.devstore, timeout=30)

    control.post(
        "/_devstore/apps",
        json={
            "client_id": client_id,
            "client_secret": os.environ["SHOPIFY_API_SECRET"],
            "name": "Relay",
            "app_url": app_url,
            "redirect_urls": [f"{app_url}/auth/callback"],
            "scopes": os.environ.get("SHOPIFY_SCOPES", "read_orders,write_orders").split(","),
            "webhooks_uri": f"{app_url}/webhooks",
        },
    ).raise_for_status()
    for domain, name, currency in (
        (args.retailer, "Demo Retailer", "USD"),
        (args.supplier, "Demo Supplier", "EUR"),
    ):
        control.post(
            "/_devstore/shops", json={"domain": domain, "name": name, "currency": currency}
        ).raise_for_status()

    # Install through the real OAuth flow (consent auto-approved for this one run).
    control.post("/_devstore/settings", json={"auto_approve": True}).raise_for_status()
    try:
        browser = httpx.Client(follow_redirects=True, timeout=30)
        for domain in (args.retailer, args.supplier):
            response = browser.get(f"{args.devstore}/store/{domain}/admin/apps/{client_id}/install")
            if response.status_code != 200:
                print(
                    f"install into {domain} failed: {response.status_code} {response.text[:300]}",
                    file=sys.stderr,
                )
                return 1
    finally:
        control.post("/_devstore/settings", json={"auto_approve": False})

    if not _wait_for_fulfillment_service(control, args.retailer, client_id):
        print(
            "Relay's worker did not register its fulfillment service; see var/log/", file=sys.stderr
        )
        return 1
    stripe = (os.environ.get("STRIPE_API_BASE"), os.environ.get("STRIPE_PUBLISHABLE_KEY"))
    populate(control, app_url, client_id, args.retailer, args.supplier, args.orders, stripe)
    print(
        f"devstore ready: {args.retailer} (retailer), {args.supplier} (supplier), "
        f"Relay installed in both"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
