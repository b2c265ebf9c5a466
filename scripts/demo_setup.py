"""Prepare the demo: register Relay in devstore, create a retailer and a supplier store with
seeded orders, and install Relay into both through Shopify's OAuth flow. Idempotent."""

from __future__ import annotations

import argparse
import os
import sys

import httpx


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

    existing = control.get(f"/_devstore/shops/{args.retailer}/orders?limit=1").json()
    if not existing:
        control.post(
            f"/_devstore/shops/{args.retailer}/seed", json={"orders": args.orders}
        ).raise_for_status()
    print(
        f"devstore ready: {args.retailer} (retailer), {args.supplier} (supplier), "
        f"Relay installed in both"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
