"""Orders reach Relay by backfill, webhooks and the sweep; replays and reordering change
nothing; items split per supplier by SKU mapping."""

import json
import uuid
from datetime import timedelta

from sqlalchemy import func, select

from domain.models.orders import Order, OrderEvent, Supplier, SupplierOrder, VariantMapping
from domain.models.shop import Shop
from domain.orders import sync
from domain.orders import sync_runs as order_sync_jobs
from extensions import db
from integrations.shopify_admin.order_shapes import order_from_rest
from tests.integration.merchant_pages import dropshipped
from tests.integration.test_webhooks import wait_for


def shop_row(domain):
    return db.session.scalar(select(Shop).where(Shop.domain == domain))


def count(model, *where):
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_install_backfills_every_existing_order(ctx, devstore, make_shop, oauth_install, drain):
    domain = make_shop("backfill")
    devstore.control.post(
        f"/_devstore/shops/{domain}/seed", json={"orders": 60, "seed": 1}
    ).raise_for_status()
    oauth_install(domain)  # post-install enqueues the backfill
    drain()
    shop = shop_row(domain)
    assert count(Order, Order.shop_id == shop.id) == 60
    (run,) = order_sync_jobs.latest_runs(shop)
    assert run.status == "done" and run.orders_seen == 60 and run.pages == 3  # 25 per page
    order = db.session.scalar(select(Order).where(Order.shop_id == shop.id).limit(1))
    assert order.line_items and order.customer_name and order.shipping_address["country"]


def test_a_new_order_arrives_by_webhook_and_replays_change_nothing(
    ctx, devstore, installed_shop, drain
):
    devstore.control.post(
        f"/_devstore/shops/{installed_shop}/orders",
        json={
            "line_items": [{"sku": "MUG-STN-SPK", "quantity": 2}],
            "customer": {"first_name": "Réka", "last_name": "Nagy", "email": "reka@example.com"},
        },
    ).raise_for_status()
    shop = shop_row(installed_shop)
    wait_for(lambda: drain() or count(Order, Order.shop_id == shop.id) == 1, timeout=15)
    order = db.session.scalar(select(Order).where(Order.shop_id == shop.id))
    assert order.customer_name == "Réka Nagy" and order.line_items[0].sku == "MUG-STN-SPK"
    events_before = count(OrderEvent, OrderEvent.order_id == order.id)
    # Shopify redelivers the same payload (new webhook id): nothing changes.
    delivery = next(
        d
        for d in devstore.control.get(
            "/_devstore/deliveries", params={"shop": installed_shop}
        ).json()
        if d["topic"] == "orders/create"
    )
    deliver_payload(delivery["payload"], installed_shop, "orders/create")
    drain()
    assert count(Order, Order.shop_id == shop.id) == 1
    assert count(OrderEvent, OrderEvent.order_id == order.id) == events_before


def deliver_payload(payload, shop, topic):
    from flask import current_app

    from tests.integration.test_webhooks import deliver as send

    class Server:
        url = current_app.config["APP_URL"]

    return send(Server, shop, topic, payload, webhook_id=str(uuid.uuid4()))


def test_an_older_update_arriving_late_is_ignored(ctx, devstore, installed_shop, drain):
    created = devstore.control.post(
        f"/_devstore/shops/{installed_shop}/orders",
        json={"line_items": [{"sku": "BRS-LAMP"}], "financial_status": "pending"},
    ).json()
    drain()
    devstore.control.post(f"/_devstore/shops/{installed_shop}/orders/{created['id']}/pay")
    wait_for(
        lambda: any(
            d["topic"] == "orders/paid" and d["status"] == "delivered"
            for d in devstore.control.get(
                "/_devstore/deliveries", params={"shop": installed_shop}
            ).json()
        )
    )
    drain()
    shop = shop_row(installed_shop)
    order = db.session.scalar(select(Order).where(Order.shop_id == shop.id))
    assert order.financial_status == "PAID"
    stale = json.loads(
        json.dumps(
            next(
                d["payload"]
                for d in devstore.control.get(
                    "/_devstore/deliveries", params={"shop": installed_shop}
                ).json()
                if d["topic"] == "orders/create"
            )
        )
    )
    stale["updated_at"] = (order.shopify_updated_at - timedelta(hours=1)).isoformat()
    assert sync.upsert(shop, order_from_rest(stale), source="test") == "stale"
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(Order, order.id).financial_status == "PAID"


def test_the_sweep_recovers_an_order_whose_webhook_never_arrived(
    ctx, devstore, installed_shop, drain
):
    shop = shop_row(installed_shop)
    # Drop Relay's subscription in devstore so the webhook is never sent: a missed delivery.
    for sub in devstore.store.find("webhook_subscription", shop=installed_shop):
        with devstore.store.transaction():
            devstore.store.delete("webhook_subscription", sub["id"])
    devstore.control.post(
        f"/_devstore/shops/{installed_shop}/orders", json={"line_items": [{"sku": "TOTE-REC-OLV"}]}
    ).raise_for_status()
    drain()
    assert count(Order, Order.shop_id == shop.id) == 0
    run = order_sync_jobs.start(shop, "sweep")
    drain()
    db.session.expire_all()
    run = db.session.get(type(run), run.id)
    assert run.status == "done" and run.orders_changed == 1
    assert count(Order, Order.shop_id == shop.id) == 1


def test_items_split_into_one_supplier_order_per_supplier(ctx, devstore, installed_shop, drain):
    shop = shop_row(installed_shop)
    mugs = Supplier(shop_id=shop.id, name="Mug Co", channel="portal")
    lamps = Supplier(
        shop_id=shop.id, name="Lamp Works", channel="manual", website_url="https://lamps.example"
    )
    db.session.add_all([mugs, lamps])
    db.session.flush()
    db.session.add_all(
        [
            VariantMapping(shop_id=shop.id, sku="MUG-STN-SPK", supplier_id=mugs.id),
            VariantMapping(shop_id=shop.id, sku="BRS-LAMP", supplier_id=lamps.id),
        ]
    )
    db.session.commit()
    dropshipped(devstore, installed_shop, ["MUG-STN-SPK", "BRS-LAMP", "TEE-ORG-M-SND"])
    devstore.control.post(
        f"/_devstore/shops/{installed_shop}/orders",
        json={
            "line_items": [{"sku": "MUG-STN-SPK"}, {"sku": "BRS-LAMP"}, {"sku": "TEE-ORG-M-SND"}],
        },
    ).raise_for_status()
    wait_for(lambda: drain() or count(Order, Order.shop_id == shop.id) == 1, timeout=15)
    order = db.session.scalar(select(Order).where(Order.shop_id == shop.id))
    split = {so.supplier_id: so.status for so in order.supplier_orders}
    assert split == {mugs.id: "ready", lamps.id: "ready", None: "unassigned"}
    assert count(SupplierOrder, SupplierOrder.shop_id == shop.id) == 3
