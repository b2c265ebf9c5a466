"""Backfill of N orders (10,000 by default) from devstore under Shopify's Standard plan throttle
(100 points/s restore, 2,000-point bucket), by both paths, in one run:

- pages: Relay's cost-aware pagination (forced, as for a store under the bulk threshold);
- bulk: what Relay chooses for a store this size, Shopify's bulk export.

For each: wall time against the throttle's lower bound, total actual cost / restore rate, the
costs summed from the extensions.cost devstore returned to Relay. Goal: pages within 1.2x.

    python bench/backfill.py [--orders 10000] [--paths pages,bulk] [--database-url URL]

devstore runs in this process (a thread); Relay's sync runs here too, step by step as its worker
would (`order_sync_jobs.run_sync`). PostgreSQL: a fresh database on --database-url's server
(default the test server), dropped at the end; without one, a temporary SQLite file. Redis:
REDIS_URL, else the embedded one. The paginated path takes about 20 minutes for 10,000 orders.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from cryptography.fernet import Fernet
from werkzeug.serving import make_server

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from devstore import auth, commerce  # noqa: E402
from devstore import cost as devstore_cost  # noqa: E402
from devstore.auth import Settings  # noqa: E402
from devstore.server import create_app as create_devstore  # noqa: E402
from devstore.store import Store  # noqa: E402

CLIENT_ID, SECRET = "relay-bench", "relay-bench-secret-long-enough-for-hs256"
RESTORE_RATE, BUCKET = 100.0, 2000.0  # devstore's Standard plan, as Shopify's


def fresh_database(server_url: str | None) -> tuple[str, callable]:
    """(SQLAlchemy URL, cleanup): a new PostgreSQL database, or a temporary SQLite file."""
    if server_url:
        import psycopg

        parts = urlsplit(server_url)
        name = f"relay_bench_{uuid.uuid4().hex[:8]}"
        try:
            admin = psycopg.connect(
                urlunsplit(parts._replace(scheme="postgresql")), autocommit=True
            )
            admin.execute(f'CREATE DATABASE "{name}"')

            def drop():
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
                admin.close()

            return urlunsplit(parts._replace(path=f"/{name}")), drop
        except psycopg.OperationalError as exc:
            print(f"(PostgreSQL unavailable: {exc}; using SQLite)")
    path = Path(tempfile.mkdtemp()) / "relay-bench.sqlite3"
    return f"sqlite:///{path}", lambda: None


def start_devstore():
    store = Store(Path(tempfile.mkdtemp()) / "devstore.sqlite3")
    settings = Settings(access_token_seconds=24 * 3600)
    server = make_server("127.0.0.1", 0, create_devstore(store, settings), threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    app_doc = auth.register_app(
        store,
        client_id=CLIENT_ID,
        client_secret=SECRET,
        name="Relay",
        app_url="http://127.0.0.1:9/",
        redirect_urls=[],
        scopes=["read_orders"],
        webhooks_uri=None,
    )
    return store, settings, server, app_doc


def seeded_shop(store, settings, app_doc, domain: str, orders: int) -> str:
    """A Standard-plan store with `orders` orders and Relay installed: its offline token."""
    commerce.ensure_shop(store, domain, plan="standard")
    commerce.seed_orders(store, domain, orders)
    auth.install(store, domain, CLIENT_ID, ["read_orders"])
    return auth.access_token_grant(
        store,
        settings,
        domain,
        {
            "client_id": CLIENT_ID,
            "client_secret": SECRET,
            "expiring": "1",
            "grant_type": auth.TOKEN_EXCHANGE,
            "subject_token": auth.mint_id_token(app_doc, domain),
        },
    )["access_token"]


class Costs:
    """Every extensions.cost Relay's Admin client received, per shop."""

    def __init__(self):
        self.by_shop: dict[str, list[dict]] = {}

    def install(self):
        from integrations.shopify_admin.client import AdminClient

        costs, remember = self, AdminClient._remember_cost

        def recording(client, cost):
            costs.by_shop.setdefault(client.shop_domain, []).append(cost)
            remember(client, cost)

        AdminClient._remember_cost = recording


def relay_shop(domain: str, token: str):
    from domain import crypto
    from domain.clock import utcnow
    from domain.models.shop import Shop
    from extensions import db

    shop = Shop(
        domain=domain,
        settings={},
        access_token_encrypted=crypto.encrypt(token),
        access_token_expires_at=datetime.now(UTC) + timedelta(hours=23),
        installed_at=utcnow(),
    )
    db.session.add(shop)
    db.session.commit()
    return shop


def backfill(shop, method: str | None) -> tuple[float, object]:
    """Run a backfill to the end, as the worker would; (wall seconds, the finished run)."""
    from domain.models.orders import SyncRun
    from domain.orders import sync
    from domain.orders import sync_runs as order_sync_jobs
    from extensions import db

    run = sync.start_run(shop, "backfill")
    run.method = method  # None: Relay chooses
    db.session.commit()
    run_id = run.id
    started = time.perf_counter()
    while True:
        outcome = order_sync_jobs.run_sync(run_id)
        if outcome == "done" or outcome.startswith("failed"):
            break
        time.sleep(0.5)  # a bulk export still running: the next step, as the scheduler would
    wall = time.perf_counter() - started
    db.session.expire_all()
    return wall, db.session.get(SyncRun, run_id)


def report_line(name, run, wall, costs):
    answered = [c for c in costs if c.get("actualQueryCost") is not None]
    throttled = len(costs) - len(answered)
    actual = sum(c["actualQueryCost"] for c in answered)
    bound = actual / RESTORE_RATE
    ratio = f"{wall / bound:8.2f}x" if bound >= 1 else "     n/a"
    print(
        f"{name:<6} {run.orders_seen:>7,} {len(costs):>9,} {throttled:>9,} {actual:>12,} "
        f"{bound:>12,.1f} s {wall:>9,.1f} s {ratio}"
    )
    return answered, bound


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=10_000)
    parser.add_argument("--paths", default="pages,bulk")
    parser.add_argument(
        "--database-url",
        default=os.environ.get(
            "BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/"
        ),
        help="a PostgreSQL server to create a scratch database on ('' for SQLite)",
    )
    args = parser.parse_args()
    paths = [p for p in args.paths.split(",") if p]
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    store, settings, server, app_doc = start_devstore()
    devstore_url = f"http://127.0.0.1:{server.server_port}"
    seeding = time.perf_counter()
    tokens = {
        path: seeded_shop(store, settings, app_doc, f"bench-{path}.myshopify.com", args.orders)
        for path in paths
    }
    seeding = time.perf_counter() - seeding
    database_url, drop_database = fresh_database(args.database_url or None)

    from app import create_app
    from domain.orders.sync_runs import choose_method
    from extensions import db
    from integrations.shopify_admin.gateway import bulk as bulk_gateway

    app = create_app(
        {
            "RELAY_ENV": "test",
            "SQLALCHEMY_DATABASE_URI": database_url,
            "SHOPIFY_API_KEY": CLIENT_ID,
            "SHOPIFY_API_SECRET": SECRET,
            "SHOPIFY_SHOP_URL_TEMPLATE": devstore_url + "/store/{shop}",
            "TOKEN_ENCRYPTION_KEYS": [Fernet.generate_key().decode()],
            "RQ_QUEUE_PREFIX": f"bench-{uuid.uuid4().hex[:6]}-",
        }
    )
    costs = Costs()
    costs.install()
    phases: dict[str, float] = {}
    exported_orders = bulk_gateway.exported_orders

    def timed_export(url):  # when Relay starts reading the finished export
        phases["download_started"] = time.perf_counter()
        yield from exported_orders(url)

    bulk_gateway.exported_orders = timed_export
    standard = {"restoreRate": RESTORE_RATE, "maximumAvailable": BUCKET}
    results = {}
    try:
        with app.app_context():
            db.create_all()
            print(
                f"Backfill of {args.orders:,} orders from devstore, Standard plan throttle "
                f"({RESTORE_RATE:.0f} points/s restore, {BUCKET:,.0f} bucket); Relay on "
                f"{database_url.split(':')[0]}; seeding took {seeding:.0f} s"
            )
            print(
                f"Relay's own choice for {args.orders:,} orders: "
                f"{choose_method(args.orders, standard)} (bulk from 319 orders on Standard)\n"
            )
            print(
                f"{'path':<6} {'orders':>7} {'requests':>9} {'throttled':>9} {'actual cost':>12} "
                f"{'bound':>14} {'wall':>11} {'wall/bound':>9}"
            )
            for path in paths:
                devstore_cost.reset_buckets()  # each path starts with a full bucket
                shop = relay_shop(f"bench-{path}.myshopify.com", tokens[path])
                phases["started"] = time.perf_counter()
                wall, run = backfill(shop, "pages" if path == "pages" else None)
                phases["ended"] = time.perf_counter()
                assert run.status == "done" and run.orders_seen == args.orders, (
                    run.status,
                    run.error,
                )
                assert run.method == path, run.method
                answered, bound = report_line(path, run, wall, costs.by_shop[shop.domain])
                results[path] = (shop.domain, wall, answered, bound, dict(phases))
    finally:
        server.shutdown()
        drop_database()

    print()
    if "pages" in results:
        domain, wall, answered, bound, _ = results["pages"]
        page_costs = [c for c in answered if c["requestedQueryCost"] > 100]
        average = sum(c["actualQueryCost"] for c in page_costs) / len(page_costs)
        lines = sum(len(o["line_items"]) for o in store.peek("order", shop=domain)) / args.orders
        requested = page_costs[0]["requestedQueryCost"]
        print(
            f"pages: {len(page_costs)} pages of 25; a page requests {requested} points (10 lines "
            f"reserved per order) and costs {average:.0f} on average "
            f"(2 + 25 x (7 + 3 x {lines:.2f} lines)); wall {wall:,.0f} s = "
            f"{wall / bound:.2f}x the bound of {bound:,.0f} s (goal <= 1.2x)"
        )
    if "bulk" in results:
        _, wall, answered, bound, marks = results["bulk"]
        export = marks["download_started"] - marks["started"]
        importing = marks["ended"] - marks["download_started"]
        points = sum(c["actualQueryCost"] for c in answered)
        print(
            f"bulk: {points} points in {len(answered)} requests (ordersCount 1, "
            f"bulkOperationRunQuery 10, status checks 1 each): the throttle is no "
            f"limit. Wall {wall:,.1f} s = Shopify's export {export:,.1f} s (devstore writes "
            f"{settings.bulk_objects_per_second:,.0f} objects/s) + download and Relay's upserts "
            f"{importing:,.1f} s ({args.orders / importing:,.0f} orders/s)"
        )
    if len(results) == 2:
        pages_wall, bulk_wall = results["pages"][1], results["bulk"][1]
        print(
            f"bulk vs pages for {args.orders:,} orders: {pages_wall / bulk_wall:.1f}x faster "
            f"(and {results['pages'][3] / bulk_wall:.1f}x faster than the paginated bound)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
