"""The backfill: a large store comes in through Shopify's bulk export, a small one through
cost-aware pages, both to the same orders; re-runs and retries change nothing; paid-only shops
get only paid orders; the sync-status bar shows true numbers; failures read as what to do."""

from __future__ import annotations

import random
import re
import threading
import time

import httpx
import pytest
from sqlalchemy import func, select

from domain.models.orders import Order, OrderEvent, SyncRun
from domain.models.shop import Shop
from domain.orders import sync
from domain.orders import sync_runs as order_sync_jobs
from domain.shop import settings as shop_settings
from extensions import db
from jobs.runtime import run_in_app

API_KEY = "relay-test-client-id"
# Above the Standard plan's threshold (319 orders: bulk), below Plus's (4,462: pages).
LARGE = 340
SKUS = ["PIL-LIN-NAT", "CER-POUR-WHT", "MER-BEA-FOR", "BRS-LAMP", "MUG-STN-SPK", "TOTE-REC-OLV"]


def shop_row(domain: str) -> Shop:
    db.session.expire_all()
    return db.session.scalar(select(Shop).where(Shop.domain == domain))


def count(model, *where) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def runs(shop: Shop) -> list[SyncRun]:
    db.session.expire_all()
    return list(
        db.session.scalars(select(SyncRun).where(SyncRun.shop_id == shop.id).order_by(SyncRun.id))
    )


def place_identical_orders(devstore, domains: list[str], how_many: int) -> None:
    """The same customers, lines and payment states in every shop (seeding is per-shop random)."""
    rng = random.Random(7)
    for number in range(how_many):
        spec = {
            "line_items": [
                {"sku": sku, "quantity": rng.randint(1, 3)}
                for sku in rng.sample(SKUS, rng.randint(1, 3))
            ],
            "customer": {
                "first_name": rng.choice(["Réka", "Chloé", "Liam", "Ava"]),
                "last_name": f"Buyer{number}",
                "email": f"buyer{number}@example.com",
            },
            "currency": rng.choice(["USD", "EUR", "HUF"]),
            "financial_status": "paid" if rng.random() < 0.8 else "pending",
            "shipping_price": rng.choice(["0.00", "4.90"]),
        }
        for domain in domains:
            devstore.control.post(f"/_devstore/shops/{domain}/orders", json=spec).raise_for_status()


def mirrored(shop: Shop) -> list[tuple]:
    """What Relay holds for a shop, without ids that differ between shops."""
    db.session.expire_all()
    orders = db.session.scalars(select(Order).where(Order.shop_id == shop.id).order_by(Order.name))
    return [
        (
            o.name,
            o.financial_status,
            o.store_status,
            o.currency,
            str(o.total),
            o.customer_name,
            o.customer_email,
            o.shipping_address,
            o.cancelled_at,
            [
                (li.sku, li.title, li.variant_title, li.quantity, str(li.unit_price))
                for li in o.line_items
            ],
            sorted(so.status for so in o.supplier_orders),
        )
        for o in orders
    ]


def sync_status(relay_server, id_token, domain: str) -> str:
    response = httpx.get(
        f"{relay_server.url}/orders/sync",
        headers={"Authorization": f"Bearer {id_token(domain)}", "HX-Request": "true"},
        timeout=30,
    )
    assert response.status_code == 200, response.text[:300]
    return response.text


@pytest.fixture
def drop_relay_webhooks(devstore):
    """Remove Relay's webhook subscriptions in devstore: only the backfill brings orders in."""

    def drop(domain: str) -> None:
        for sub in devstore.store.find("webhook_subscription", shop=domain):
            with devstore.store.transaction():
                devstore.store.delete("webhook_subscription", sub["id"])

    return drop


def test_a_large_store_backfills_by_bulk_export_to_the_same_orders_as_pages(
    ctx, devstore, make_shop, oauth_install
):
    by_bulk, by_pages = make_shop("bulk", plan="standard"), make_shop("pages", plan="plus")
    place_identical_orders(devstore, [by_bulk, by_pages], LARGE)
    oauth_install(by_bulk)  # post-install enqueues the backfill; the install drains it
    oauth_install(by_pages)
    (bulk_run,) = runs(shop_row(by_bulk))
    (pages_run,) = runs(shop_row(by_pages))
    assert (bulk_run.method, bulk_run.status) == ("bulk", "done")
    assert bulk_run.cursor.startswith("gid://shopify/BulkOperation/")
    assert bulk_run.exported == bulk_run.orders_seen == bulk_run.estimated_total == LARGE
    assert (pages_run.method, pages_run.status) == ("pages", "done")
    assert pages_run.pages == -(-LARGE // 25)  # 25 orders a page
    assert pages_run.orders_seen == pages_run.estimated_total == LARGE
    bulk_orders = mirrored(shop_row(by_bulk))
    assert len(bulk_orders) == LARGE and all(order[9] for order in bulk_orders)
    assert bulk_orders == mirrored(shop_row(by_pages))


def test_a_retried_or_rerun_backfill_changes_nothing(
    ctx, devstore, make_shop, oauth_install, drain
):
    domain = make_shop("rerun", plan="standard")
    devstore.control.post(
        f"/_devstore/shops/{domain}/seed", json={"orders": LARGE, "seed": 1}
    ).raise_for_status()
    oauth_install(domain)
    shop = shop_row(domain)
    (first,) = runs(shop)
    assert first.method == "bulk" and first.orders_changed == LARGE
    before, events = mirrored(shop), count(OrderEvent, OrderEvent.shop_id == shop.id)

    # A job that died after importing 150 orders is retried: it resumes at the 151st.
    first.status, first.orders_seen, first.finished_at = "running", 150, None
    db.session.commit()
    assert run_in_app(order_sync_jobs.run_step, first.id) == "done"
    db.session.expire_all()
    first = db.session.get(SyncRun, first.id)
    assert first.orders_seen == LARGE and first.orders_changed == LARGE

    # Sync now, by bulk again, then by pages: every order comes back unchanged.
    again = order_sync_jobs.start(shop, "backfill")
    drain()
    forced = sync.start_run(shop, "backfill")
    forced.method = "pages"
    db.session.commit()
    devstore.settings.throttle = False  # pages without waiting out the Standard bucket
    try:
        assert run_in_app(order_sync_jobs.run_step, forced.id) == "done"
    finally:
        devstore.settings.throttle = True
    for run in (again, forced):
        db.session.expire_all()
        run = db.session.get(SyncRun, run.id)
        assert run.status == "done" and run.orders_seen == LARGE and run.orders_changed == 0
    assert mirrored(shop) == before
    assert count(OrderEvent, OrderEvent.shop_id == shop.id) == events


@pytest.mark.parametrize("plan,method", [("standard", "bulk"), ("plus", "pages")])
def test_a_paid_only_backfill_imports_only_paid_orders(
    ctx, devstore, make_shop, oauth_install, drain, drop_relay_webhooks, plan, method
):
    from devstore import commerce

    domain = make_shop("paidonly", plan=plan)
    oauth_install(domain)  # an empty store: nothing to backfill yet
    drop_relay_webhooks(domain)
    shop = shop_row(domain)
    shop_settings.save(shop, shop_settings.ShopSettings(paid_only=True))
    db.session.commit()
    # 80 % of seeded orders are paid (seed 2: the same 480 orders every run): enough paid ones
    # to be above the bulk threshold.
    devstore.control.post(
        f"/_devstore/shops/{domain}/seed", json={"orders": 480, "seed": 2}
    ).raise_for_status()
    refunded = commerce.create_order(devstore.store, domain, line_items=[{"sku": "BRS-LAMP"}])
    commerce.create_refund(devstore.store, domain, refunded["id"], refund_line_items=[], amount="5")
    paid = {
        f"gid://shopify/Order/{o['id']}"
        for o in devstore.store.find("order", shop=domain)
        if o["financial_status"] in ("paid", "partially_refunded")
    }
    assert 320 < len(paid) < 481

    run = order_sync_jobs.start(shop, "backfill")
    drain()
    db.session.expire_all()
    run = db.session.get(SyncRun, run.id)
    assert (run.status, run.method) == ("done", method)
    assert run.estimated_total == run.orders_seen == len(paid)
    held = set(db.session.scalars(select(Order.shopify_gid).where(Order.shop_id == shop.id)))
    assert held == paid
    assert f"gid://shopify/Order/{refunded['id']}" in held, "a partly refunded order was paid"


def test_the_progress_bar_shows_true_numbers_through_export_and_import(
    ctx, app, devstore, make_shop, oauth_install, drop_relay_webhooks, relay_server, id_token
):
    domain = make_shop("progress", plan="standard")
    oauth_install(domain)
    drop_relay_webhooks(domain)
    devstore.control.post(
        f"/_devstore/shops/{domain}/seed", json={"orders": LARGE, "seed": 3}
    ).raise_for_status()
    shop = shop_row(domain)
    run = sync.start_run(shop, "backfill")  # its steps run below, as the worker would
    db.session.commit()
    run_id = run.id
    saved = dict(app.config), devstore.settings.bulk_objects_per_second
    # Shopify takes a few seconds to export; each job step checks once, then gives the worker back.
    devstore.settings.bulk_objects_per_second = 400
    app.config.update(SYNC_BULK_INLINE_WAIT_SECONDS=0, SYNC_BULK_POLL_SECONDS=0.2)
    results = []

    def worker():
        while not results or results[-1] not in ("done",) and not results[-1].startswith("failed"):
            results.append(run_in_app(order_sync_jobs.run_step, run_id))
            time.sleep(0.2)

    seen = []
    thread = threading.Thread(target=worker)
    try:
        thread.start()
        deadline = time.time() + 90
        while time.time() < deadline:
            html = sync_status(relay_server, id_token, domain)
            seen.append(html)
            if "Synced" in html:
                break
            time.sleep(0.05)
        thread.join(timeout=60)
    finally:
        app.config.clear()
        app.config.update(saved[0])
        devstore.settings.bulk_objects_per_second = saved[1]
    assert results[-1] == "done" and results.count("waiting for Shopify's export") >= 2
    phases = {"exporting": [], "importing": []}
    for html in seen[:-1]:
        match = re.search(r"(preparing your orders|Importing orders): ([\d,]+) of ([\d,]+)", html)
        if not match:
            continue
        done, total = (int(group.replace(",", "")) for group in match.groups()[1:])
        percent = int(re.search(r'<progress[^>]*value="(\d+)"', html).group(1))
        assert total == LARGE and percent == done * 100 // total
        phases["exporting" if "preparing" in match.group(1) else "importing"].append(done)
    assert phases["exporting"] and phases["exporting"] == sorted(phases["exporting"])
    assert any(0 < done < LARGE for done in phases["exporting"]), "the export was seen moving"
    assert phases["importing"] == sorted(phases["importing"])
    assert "Synced" in seen[-1] and f"{LARGE} orders checked" in seen[-1]
    db.session.expire_all()
    run = db.session.get(SyncRun, run_id)
    assert run.orders_seen == run.estimated_total == count(Order, Order.shop_id == shop.id) == LARGE


def test_a_failed_bulk_export_falls_back_to_pages(
    ctx, devstore, make_shop, oauth_install, drain, drop_relay_webhooks
):
    domain = make_shop("fallback", plan="standard")
    oauth_install(domain)
    drop_relay_webhooks(domain)
    devstore.control.post(
        f"/_devstore/shops/{domain}/seed", json={"orders": LARGE, "seed": 4}
    ).raise_for_status()
    devstore.settings.bulk_failure = "TIMEOUT"
    devstore.settings.throttle = False  # the paginated fallback, without waiting out the bucket
    try:
        run = order_sync_jobs.start(shop_row(domain), "backfill")
        drain()
    finally:
        devstore.settings.bulk_failure = ""
        devstore.settings.throttle = True
    db.session.expire_all()
    run = db.session.get(SyncRun, run.id)
    assert (run.status, run.method, run.error) == ("done", "pages", None)
    assert run.orders_seen == LARGE == count(Order, Order.shop_id == run.shop_id)


def test_an_export_shopify_denies_fails_the_sync_with_what_to_do(
    ctx, devstore, installed_shop, drain, relay_server, id_token
):
    shop = shop_row(installed_shop)
    run = sync.start_run(shop, "backfill")
    run.method = "bulk"  # as for a large store
    db.session.commit()
    devstore.settings.bulk_failure = "ACCESS_DENIED"
    try:
        assert run_in_app(order_sync_jobs.run_step, run.id) == "failed: missing_scope"
    finally:
        devstore.settings.bulk_failure = ""
    html = sync_status(relay_server, id_token, installed_shop)
    assert "Relay is not allowed to read this store" in html and "approve the permissions" in html


def test_lost_access_fails_the_sync_with_what_to_do(
    ctx, devstore, installed_shop, drain, relay_server, id_token
):
    # Shopify stops honouring Relay's tokens (revoked) without an app/uninstalled webhook.
    with devstore.store.transaction():
        for kind in ("access_token", "refresh_token"):
            for token in devstore.store.find(kind, shop=installed_shop):
                token["revoked"] = True
                devstore.store.put(kind, token["token"], token, shop=installed_shop)
    run = order_sync_jobs.start(shop_row(installed_shop), "backfill")
    drain()
    db.session.expire_all()
    run = db.session.get(SyncRun, run.id)
    assert (run.status, run.error) == ("failed", "access_lost")
    html = sync_status(relay_server, id_token, installed_shop)
    assert (
        "Sync failed" in html and "Relay lost access to the store" in html and "reinstall" in html
    )
    assert "Error" not in html and "access_lost" not in html
