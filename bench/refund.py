"""Refund form submit -> Shopify refund recorded: server time, p50/p95, against devstore.

The whole stack runs on loopback: devstore (`python -m devstore serve`, its own process:
Shopify's real schema, cost/throttle model on, webhooks delivered to Relay) plays the store;
Relay (threaded werkzeug, in this process) is installed in it through OAuth; PostgreSQL (a
throwaway database on TEST_DATABASE_URL's server) and Redis (TEST_REDIS_URL) are real.

Each submit is the htmx POST the drawer's form sends: Relay reads the order's payment from
Shopify (RefundContext), checks the form, reserves the refund under the order's row lock,
calls refundCreate, records the refund, the suppliers' shares and the timeline, and renders
the drawer. "Server time" is measured by a WSGI middleware around Relay (inside the server,
from the request to the last byte of the response).

Baselines measured in the same run, interleaved with the submits:
- the drawer GET of the same order (htmx partial), and
- the bare refundCreate: Relay's gateway calls (RefundContext + RefundCreate) alone, no Relay
  request around them, i.e. what Shopify's side costs.

    python bench/refund.py [--submits 200] [--orders 20] [--plan plus|standard]

Each order has a line of 20 units; each submit refunds one unit with a restock (partial refund
with a RETURN/CANCEL split), so an order sees 10 refunds at most and its history stays small.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from decimal import Decimal
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import httpx
import jwt
import psycopg
import redis

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

API_KEY = "bench-refund-client-id"
API_SECRET = "bench-refund-client-secret-long-enough-for-hs256"
SKU = "MUG-STN-SPK"


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Timed:
    """WSGI middleware: server time of each request, by path prefix and method."""

    def __init__(self, app):
        self.app, self.times = app, []

    def __call__(self, environ, start_response):
        started = time.perf_counter()
        body = b"".join(self.app(environ, start_response))
        self.times.append(
            (environ["REQUEST_METHOD"], environ["PATH_INFO"], time.perf_counter() - started)
        )
        return [body]


def id_token(domain: str) -> str:
    now = int(time.time())
    claims = {
        "iss": f"https://{domain}/admin",
        "dest": f"https://{domain}",
        "aud": API_KEY,
        "sub": "1",
        "exp": now + 3600,
        "nbf": now,
        "iat": now,
        "jti": uuid.uuid4().hex,
        "sid": uuid.uuid4().hex,
    }
    return jwt.encode(claims, API_SECRET, algorithm="HS256")


def pct(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))] * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--submits", type=int, default=200)
    parser.add_argument("--orders", type=int, default=20)
    parser.add_argument("--plan", default="plus", choices=("standard", "advanced", "plus"))
    args = parser.parse_args()
    per_order = -(-args.submits // args.orders)
    if per_order > 20:
        sys.exit("at most 20 submits per order (--orders too small)")

    base = os.environ.get("TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    parts = urlsplit(base)
    db_name = f"relay_bench_refund_{uuid.uuid4().hex[:8]}"
    admin = psycopg.connect(urlunsplit(parts._replace(scheme="postgresql")), autocommit=True)
    admin.execute(f'CREATE DATABASE "{db_name}"')
    redis_url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    prefix = f"bench-refund-{uuid.uuid4().hex[:6]}-"
    try:
        run(args, urlunsplit(parts._replace(path=f"/{db_name}")), redis_url, prefix, per_order)
    finally:
        r = redis.Redis.from_url(redis_url)
        for key in r.scan_iter(f"*{prefix}*"):
            r.delete(key)
        admin.execute(f'DROP DATABASE IF EXISTS "{db_name}" WITH (FORCE)')


def run(args, database_uri, redis_url, prefix, per_order) -> None:
    workdir = Path(tempfile.mkdtemp(prefix="bench-refund-"))
    devstore_port = free_port()
    devstore_process = subprocess.Popen(
        [sys.executable, "-m", "devstore", "serve", "--port", str(devstore_port)]
        + ["--db", str(workdir / "devstore.sqlite3"), "--auto-approve", "--retry-base", "0.05"],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    devstore_url = f"http://127.0.0.1:{devstore_port}"
    for _ in range(100):
        try:
            httpx.get(f"{devstore_url}/_devstore/health", timeout=1)
            break
        except httpx.TransportError:
            time.sleep(0.1)
    try:
        measure(args, database_uri, redis_url, prefix, devstore_url)
    finally:
        devstore_process.terminate()
        devstore_process.wait(10)


def measure(args, database_uri, redis_url, prefix, devstore_url) -> None:
    relay_port = free_port()

    from app import create_app
    from background import queues
    from domain.models.orders import Order, Supplier, VariantMapping
    from domain.models.shop import Shop
    from domain.shop import tokens
    from extensions import db, redis_connection
    from integrations.shopify_admin.gateway import refunds as gateway
    from jobs import runtime

    relay = create_app(
        {
            "RELAY_ENV": "test",
            "SQLALCHEMY_DATABASE_URI": database_uri,
            "REDIS_URL": redis_url,
            "RQ_QUEUE_PREFIX": prefix,
            "APP_URL": f"http://127.0.0.1:{relay_port}",
            "SHOPIFY_API_KEY": API_KEY,
            "SHOPIFY_API_SECRET": API_SECRET,
            "SHOPIFY_SHOP_URL_TEMPLATE": devstore_url + "/store/{shop}",
            "SHOPIFY_ADMIN_ORIGINS": [devstore_url],
            "APP_BRIDGE_URL": devstore_url + "/cdn/shopifycloud/app-bridge.js",
            "TOKEN_ENCRYPTION_KEYS": ["2N1fVt3R4m5cL8qkzVJd3hQq4bq1n2h0rV1Zb7m6sCw="],
            "SECRET_KEY": "bench",
        }
    )
    with relay.app_context():
        db.create_all()
    runtime.set_app(relay)
    timed = Timed(relay.wsgi_app)
    relay.wsgi_app = timed
    from werkzeug.serving import make_server as _make

    server = _make("127.0.0.1", relay_port, relay, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    relay_url = f"http://127.0.0.1:{relay_port}"

    def drain():
        from jobs.runtime import AppWorker

        with relay.app_context():
            qs = [queues.queue(name) for name in queues.QUEUE_ORDER]
            AppWorker(qs, connection=redis_connection()).work(burst=True)

    control = httpx.Client(base_url=devstore_url, timeout=30)
    control.post(
        "/_devstore/apps",
        json={
            "client_id": API_KEY,
            "client_secret": API_SECRET,
            "name": "Relay",
            "app_url": relay_url,
            "redirect_urls": [f"{relay_url}/auth/callback"],
            "scopes": ["read_orders", "write_orders", "write_fulfillments"],
            "webhooks_uri": f"{relay_url}/webhooks",
        },
    ).raise_for_status()
    domain = f"bench-{uuid.uuid4().hex[:8]}.myshopify.com"
    # Shopify Plus's bucket (1,000 points/s): back-to-back submits on Standard (100/s) end up
    # waiting for Shopify's leaky bucket, which measures Shopify's rate limit, not Relay.
    control.post("/_devstore/shops", json={"domain": domain, "plan": args.plan}).raise_for_status()
    with httpx.Client(follow_redirects=True, timeout=30) as browser:
        browser.get(f"{devstore_url}/store/{domain}/admin/apps/{API_KEY}/install")
    drain()
    control.post(
        f"/_devstore/shops/{domain}/stock", json={"client_id": API_KEY, "skus": [SKU]}
    ).raise_for_status()

    with relay.app_context():
        shop = db.session.query(Shop).filter_by(domain=domain).one()
        supplier = Supplier(
            shop_id=shop.id, name="Mug Makers", channel="portal", pay_mode="auto", currency="EUR"
        )
        db.session.add(supplier)
        db.session.flush()
        db.session.add(
            VariantMapping(shop_id=shop.id, sku=SKU, supplier_id=supplier.id, cost=Decimal("7.50"))
        )
        db.session.commit()
        shop_id = shop.id

    print(f"placing {args.orders} orders ...", flush=True)
    for _ in range(args.orders):
        control.post(
            f"/_devstore/shops/{domain}/orders",
            json={
                "line_items": [{"sku": SKU, "quantity": 20, "price": "12.00"}],
                "shipping_price": "4.90",
            },
        ).raise_for_status()
    drain()
    with relay.app_context():
        orders = [
            (o.id, o.shopify_gid, o.line_items[0].id)
            for o in db.session.query(Order).filter_by(shop_id=shop_id).order_by(Order.id)
        ]
        for order in db.session.query(Order).filter_by(shop_id=shop_id):
            order.supplier_orders[0].supplier_paid_at = order.paid_at
        db.session.commit()
    assert len(orders) == args.orders, "every order reached Relay"

    client = httpx.Client(timeout=30)
    seen = {order_id: 0 for order_id, _, _ in orders}
    wall, bare, bare_read, mark = [], [], [], len(timed.times)
    failures = 0
    print(f"{args.submits} refund submits, each with a drawer GET and a bare refundCreate ...")
    for i in range(args.submits):
        order_id, order_gid, line_id = orders[i % len(orders)]
        headers = {"Authorization": f"Bearer {id_token(domain)}", "HX-Request": "true"}
        client.get(f"{relay_url}/orders/{order_id}", headers=headers).raise_for_status()
        form = {
            "key": uuid.uuid4().hex,
            "seen": str(seen[order_id]),
            "mode": "partial",
            f"qty-{line_id}": "1",
            f"amount-{line_id}": "12.00",
            f"restock-{line_id}": "1",
            "reason": "Bench refund",
        }
        started = time.perf_counter()
        response = client.post(f"{relay_url}/orders/{order_id}/refund", data=form, headers=headers)
        wall.append(time.perf_counter() - started)
        if "Refunded" not in response.headers.get("HX-Trigger", ""):
            failures += 1
        seen[order_id] += 1
        # Baseline: the same Shopify work with no Relay request around it (a 1-cent refund
        # on another line-less amount keeps the orders' item counts for the form submits).
        with relay.app_context():
            api = tokens.admin_client(db.session.get(Shop, shop_id))
            started = time.perf_counter()
            context = gateway.refund_context(api, order_gid)
            bare_read.append(time.perf_counter() - started)
            gateway.create_refund(
                api,
                order_gid=order_gid,
                context=context,
                lines=[],
                shipping_amount=Decimal("0"),
                amount=Decimal("0.01"),
                note=None,
                notify=False,
            )
            bare.append(time.perf_counter() - started)
            db.session.remove()
    server_times = timed.times[mark:]
    submits = [t for m, p, t in server_times if m == "POST" and p.endswith("/refund")]
    drawers = [t for m, p, t in server_times if m == "GET" and p.startswith("/orders/")]

    with relay.app_context():
        from domain.models.refunds import Refund, SupplierLedgerEntry

        recorded = db.session.query(Refund).filter_by(status="recorded").count()
        entries = db.session.query(SupplierLedgerEntry).count()
    in_store = control.get(f"/_devstore/shops/{domain}/orders", params={"limit": 500}).json()
    store_refunds = sum(len(o["refunds"]) for o in in_store)

    def line(label, values):
        return (
            f"  {label:<44} p50 {pct(values, 0.5):7.1f} ms   p95 {pct(values, 0.95):7.1f} ms"
            f"   mean {statistics.fmean(values) * 1000:7.1f} ms"
        )

    print(f"\nrefund submits: {len(submits)} ({failures} not refunded)")
    print(line("submit -> refund recorded (server time)", submits))
    print(line("submit, client wall time", wall))
    print(line("baseline: drawer GET (server time)", drawers))
    print(line("baseline: bare RefundContext + refundCreate", bare))
    print(line("  of which RefundContext", bare_read))
    print(
        f"  ratio p95 submit / drawer GET: {pct(submits, 0.95) / pct(drawers, 0.95):.1f}x; "
        f"submit / bare Shopify calls: {pct(submits, 0.95) / pct(bare, 0.95):.2f}x"
    )
    print(
        f"  check: {recorded} refunds recorded in Relay, {store_refunds - len(bare)} from the "
        f"form in devstore (+{len(bare)} baseline), {entries} supplier ledger entries"
    )
    server.shutdown()


if __name__ == "__main__":
    main()
