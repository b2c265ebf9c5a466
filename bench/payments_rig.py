"""The real parts bench/payments.py runs on, and the merchant's and suppliers' setup (not
timed): shops, portal suppliers paid through Stripe, saved cards, orders synced and requested."""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
import uuid
from decimal import Decimal

import httpx
import jwt
from fulfillment_rig import API_KEY, API_SECRET, ROOT, SKU, Rig, wait_until
from werkzeug.serving import make_server

sys.path.insert(0, str(ROOT))
PORTS = {"devstore": 18450, "relay": 18451, "stripe": 18452, "ecb": 18453}
STRIPE_SECRET = "sk_test_relay_bench_0123456789abcdefghij"
STRIPE_PUBLISHABLE = "pk_test_relay_bench_0123456789abcdefghij"
STRIPE_WEBHOOK_SECRET = "whsec_relay_bench_0123456789abcdefghijkl"
VISA, DECLINED_WHEN_CHARGED = "4242424242424242", "4000000000000341"
SENT = ("requested", "in_progress", "partially_shipped", "shipped")


def load() -> str:
    return "load average " + " ".join(f"{value:.1f}" for value in os.getloadavg())


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


class PayRig(Rig):
    """The fulfillment rig on this bench's ports, with the Stripe and ECB stand-ins."""

    def __init__(self, plan: str):
        super().__init__(server="gunicorn", label="payments")
        self.plan = plan
        from standins.ecb import DAILY_PATH

        self.devstore_url = f"http://127.0.0.1:{PORTS['devstore']}"
        self.relay_url = f"http://127.0.0.1:{PORTS['relay']}"
        self.stripe_url = f"http://127.0.0.1:{PORTS['stripe']}"
        self.ecb_url = f"http://127.0.0.1:{PORTS['ecb']}"
        self.control = httpx.Client(base_url=self.devstore_url, timeout=120)
        self.env.update(
            APP_URL=self.relay_url,
            SHOPIFY_SHOP_URL_TEMPLATE=self.devstore_url + "/store/{shop}",
            SHOPIFY_ADMIN_ORIGINS=self.devstore_url,
            STRIPE_API_BASE=self.stripe_url,
            STRIPE_SECRET_KEY=STRIPE_SECRET,
            STRIPE_PUBLISHABLE_KEY=STRIPE_PUBLISHABLE,
            STRIPE_WEBHOOK_SECRET=STRIPE_WEBHOOK_SECRET,
            STRIPE_JS_URL=f"{self.stripe_url}/js.stripe.com/v3/",
            ECB_RATES_URL=self.ecb_url + DAILY_PATH,
        )

    def start(self) -> PayRig:
        from standins.ecb import create_app as ecb_app

        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no line per ECB request
        self.ecb = make_server("127.0.0.1", PORTS["ecb"], ecb_app(), threaded=True)
        threading.Thread(target=self.ecb.serve_forever, daemon=True).start()
        self._spawn("stripe", ["-m", "standins.stripe", "serve", "--port", str(PORTS["stripe"])])
        wait_until(lambda: self._up(self.stripe_url + "/_standin/health"), 60, what="Stripe")
        httpx.post(
            f"{self.stripe_url}/_config/webhooks/relay",
            data={"url": f"{self.relay_url}/webhooks/stripe", "secret": STRIPE_WEBHOOK_SECRET},
        ).raise_for_status()
        super().start()
        self._spawn("worker-2", ["-m", "jobs.worker"])  # two workers, one per core
        return self

    @staticmethod
    def _up(url: str) -> bool:
        try:
            return httpx.get(url, timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def stop(self, keep: bool = False) -> None:
        self.ecb.shutdown()
        super().stop(keep=keep)


# -- setting up (not timed) ---------------------------------------------------------------


def add_supplier(rig: PayRig, domain: str, *, stripe: bool, pay: str, card: str | None):
    """A portal supplier: Stripe connected at the stand-in (if `stripe`), Standard shipping
    4.00 + 1.00 per extra item, the SKU at 7.50 EUR; the merchant's saved card (if `card`)."""
    from sqlalchemy import select

    from domain.models.orders import Supplier, VariantMapping
    from domain.models.payments import SavedPaymentMethod, ShippingRate
    from domain.models.shop import Shop
    from domain.shop import settings as shop_settings
    from extensions import db
    from tests.integration import stripe_flows

    standin = type("S", (), {"url": rig.stripe_url, "publishable_key": STRIPE_PUBLISHABLE})
    with rig.app.app_context():
        shop = db.session.scalar(select(Shop).where(Shop.domain == domain))
        shop_settings.save(shop, shop_settings.ShopSettings(hold_minutes=0))
        supplier = Supplier(
            shop_id=shop.id, name="Bench Portal Supplier", channel="portal",
            place_mode="manual", pay_mode=pay, currency="EUR",
            contact_email="portal@supplier.test",
        )  # fmt: skip
        db.session.add(supplier)
        db.session.flush()
        if stripe:
            account = stripe_flows.onboarded_account(standin)
            supplier.stripe_account_id = account.id
            supplier.stripe_charges_enabled = account.charges_enabled
            supplier.accepts_card = True
        db.session.add(
            ShippingRate(
                shop_id=shop.id, supplier_id=supplier.id, zone="Everywhere", countries=[],
                method="Standard", per_order=Decimal("4.00"), per_extra_item=Decimal("1.00"),
            )
        )  # fmt: skip
        db.session.add(
            VariantMapping(
                shop_id=shop.id, sku=SKU, supplier_id=supplier.id, supplier_sku="SUP-" + SKU,
                cost=Decimal("7.50"), cost_currency="EUR",
            )
        )  # fmt: skip
        if card:
            customer, setup = stripe_flows.save_card(standin, card)
            db.session.add(
                SavedPaymentMethod(
                    shop_id=shop.id, kind="card", status="active", label=setup.card_label,
                    stripe_customer_id=customer, stripe_payment_method_id=setup.payment_method_id,
                )
            )  # fmt: skip
        db.session.commit()
        return supplier.id, supplier.stripe_account_id


def new_shop(rig: PayRig, prefix: str) -> str:
    domain = rig.shop(prefix, plan=rig.plan)
    rig.stock_at_relay(domain)
    return domain


def place_synced(rig: PayRig, domain: str, count: int) -> list[int]:
    """`count` paid orders placed in devstore, synced into Relay: their supplier order ids."""
    before = set(ready_ids(rig, domain))
    rig.place_orders(domain, count)
    wait_until(
        lambda: len(set(ready_ids(rig, domain)) - before) >= count, 3600, 0.5, "orders synced"
    )
    return sorted(set(ready_ids(rig, domain)) - before)


def ready_ids(rig: PayRig, domain: str) -> list[int]:
    from sqlalchemy import select

    from domain.models.orders import SupplierOrder
    from domain.models.shop import Shop
    from extensions import db

    with rig.app.app_context():
        return list(
            db.session.scalars(
                select(SupplierOrder.id)
                .join(Shop, Shop.id == SupplierOrder.shop_id)
                .where(Shop.domain == domain, SupplierOrder.status == "ready")
            )
        )


def request(rig: PayRig, ids: list[int]) -> None:
    """Request Fulfillment on these supplier orders (the grid's bulk action), one commit."""
    from sqlalchemy import select

    from domain.fulfillment import requesting
    from domain.models.orders import SupplierOrder
    from extensions import db

    with rig.app.app_context():
        rows = db.session.scalars(select(SupplierOrder).where(SupplierOrder.id.in_(ids))).all()
        requesting.request_fulfillment(list(rows), actor="merchant")
        db.session.commit()


def orders_state(rig: PayRig, ids: list[int]) -> dict[int, tuple]:
    from sqlalchemy import select

    from domain.models.orders import SupplierOrder
    from extensions import db

    with rig.app.app_context():
        rows = db.session.execute(
            select(
                SupplierOrder.id,
                SupplierOrder.status,
                SupplierOrder.forwarded_at,
                SupplierOrder.supplier_paid_at,
                SupplierOrder.payment_failure,
            ).where(SupplierOrder.id.in_(ids))
        ).all()
        return {row[0]: tuple(row[1:]) for row in rows}
