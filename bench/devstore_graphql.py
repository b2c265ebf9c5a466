"""devstore must never be the bottleneck: requests/s of its GraphQL endpoint for an orders page
of 50 with line items, in-process and over real HTTP, against what Shopify's Standard plan
throttle allows for the same query (100 cost points/s ÷ the query's cost).

    python bench/devstore_graphql.py [--seconds 5]
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx
from werkzeug.serving import make_server

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from devstore import auth, commerce, graphql_api  # noqa: E402
from devstore.auth import Settings  # noqa: E402
from devstore.server import create_app  # noqa: E402
from devstore.store import Store  # noqa: E402

SHOP = "bench.myshopify.com"
QUERY = """query Page($after: String) { orders(first: 50, after: $after) {
  nodes { id name createdAt displayFinancialStatus
    totalPriceSet { shopMoney { amount currencyCode } }
    customer { displayName email }
    lineItems(first: 5) { nodes { id sku quantity title } } }
  pageInfo { hasNextPage endCursor } } }"""


def measure(call, seconds: float) -> float:
    count, deadline, start = 0, time.time() + seconds, time.time()
    while time.time() < deadline:
        call()
        count += 1
    return count / (time.time() - start)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5)
    args = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per request
    store = Store(Path(tempfile.mkdtemp()) / "bench.sqlite3")
    commerce.ensure_shop(store, SHOP)
    commerce.seed_orders(store, SHOP, 200)
    app_doc = auth.register_app(
        store,
        client_id="bench",
        client_secret="b" * 40,
        name="Bench",
        app_url="http://127.0.0.1:9/",
        redirect_urls=[],
        scopes=[],
        webhooks_uri=None,
    )
    body = {"query": QUERY, "variables": {}}
    status, payload = graphql_api.execute_request(
        store, shop=SHOP, client_id="bench", plan="standard", body=body, throttle=False
    )
    assert status == 200 and len(payload["data"]["orders"]["nodes"]) == 50, payload
    cost = payload["extensions"]["cost"]["requestedQueryCost"]
    shopify_allows = 100.0 / cost

    in_process = measure(
        lambda: graphql_api.execute_request(
            store, shop=SHOP, client_id="bench", plan="standard", body=body, throttle=False
        ),
        args.seconds,
    )

    server = make_server("127.0.0.1", 0, create_app(store, Settings(throttle=False)), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    token = auth.access_token_grant(
        store,
        Settings(),
        SHOP,
        {
            "client_id": "bench",
            "client_secret": "b" * 40,
            "expiring": "1",
            "grant_type": auth.TOKEN_EXCHANGE,
            "subject_token": auth.mint_id_token(app_doc, SHOP),
        },
    )["access_token"]
    url = f"http://127.0.0.1:{server.server_port}/store/{SHOP}/admin/api/2026-07/graphql.json"
    with httpx.Client() as http:
        over_http = measure(
            lambda: http.post(
                url, json=body, headers={"X-Shopify-Access-Token": token}
            ).raise_for_status(),
            args.seconds,
        )
    server.shutdown()

    print(f"query cost (requested)         : {cost} points (50 orders x 5 line items)")
    print(f"Shopify Standard allows        : {shopify_allows:8.2f} req/s (100 points/s)")
    print(
        f"devstore in-process            : {in_process:8.1f} req/s "
        f"({in_process / shopify_allows:,.0f}x the throttle)"
    )
    print(
        f"devstore over HTTP             : {over_http:8.1f} req/s "
        f"({over_http / shopify_allows:,.0f}x the throttle)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
