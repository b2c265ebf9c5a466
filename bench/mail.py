"""Mail and notification figures (issue 16), on real parts: PostgreSQL, Redis, one
`python -m jobs.worker` process, and the mailbox stand-in as its own process (a real SMTP
server, stopped and started over its control API). The bench process commits the events
through Relay's domain (`to_suppliers.order_sent`: what forwarding calls), as a request would.

1. Event -> mail accepted by the SMTP server: new-order events at a steady rate; the time from
   the event's commit to the server's "250" (the mailbox's received time, by Message-ID).
   Baseline in the same run: the same server taking a mail straight from smtplib.
2. 1,000 new-order mails with the SMTP server stopped for 30 s in the middle: every mail
   delivered exactly once (Message-IDs counted at the server), and how long it all took.
3. The bell's unread-count request next to the grid's htmx request, same app and data
   (in-process test client, as bench/grid.py): p50/p95 over N requests each.

    python bench/mail.py [--rate 20] [--seconds 15] [--mails 1000] [--outage 30]
"""

from __future__ import annotations

import argparse
import os
import smtplib
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fulfillment_rig import ROOT, Rig, free_port, percentile, wait_until  # noqa: E402

SHOP = "mail-bench.myshopify.com"


def load() -> str:
    return "load average " + " ".join(f"{value:.1f}" for value in os.getloadavg())


class MailRig(Rig):
    """Rig's database, Redis and worker; the mailbox stand-in instead of devstore and Relay."""

    def __init__(self):
        super().__init__(label="mail")
        self.smtp_port, self.web_port = free_port(), free_port()
        self.mailbox_url = f"http://127.0.0.1:{self.web_port}"
        self.env.update(
            SMTP_URL=f"smtp://127.0.0.1:{self.smtp_port}",
            SMTP_FROM="relay@relay-bench.test",
            PORTAL_LINK_SECRETS="bench-portal-link-secret-0123456789abcdef",
        )

    def start(self) -> MailRig:
        import psycopg
        import redis

        redis.Redis.from_url(self.env["REDIS_URL"]).flushdb()
        with psycopg.connect(self._admin_dsn, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{self.db_name}"')
        self._spawn(
            "mailbox",
            [
                "-m",
                "standins.mailbox",
                "serve",
                "--smtp-port",
                str(self.smtp_port),
                "--web-port",
                str(self.web_port),
            ],
        )
        wait_until(self._mailbox_up, 60, what="mailbox")
        import subprocess

        subprocess.run(
            [sys.executable, "-m", "flask", "--app", "app", "init-db"],
            cwd=ROOT,
            env=self.env,
            check=True,
            capture_output=True,
        )
        self._spawn("worker", ["-m", "jobs.worker"])
        os.environ.update(self.env)
        from app import create_app

        self.app = create_app()
        return self

    def _mailbox_up(self) -> bool:
        try:
            return httpx.get(self.mailbox_url + "/_mailbox/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def mailbox(self, action: str) -> None:
        httpx.post(
            self.mailbox_url + "/_mailbox/control", json={"action": action}, timeout=10
        ).raise_for_status()

    def received(self) -> list[dict]:
        return httpx.get(self.mailbox_url + "/_mailbox/messages", timeout=60).json()


# -- data (not timed) ---------------------------------------------------------------------------


def make_shop_and_parts(count: int, first: int = 0):
    """A shop, a portal supplier with an email, `count` orders each with one supplier order."""
    from domain.models.orders import LineItem, Order, Supplier, SupplierOrder, VariantMapping
    from domain.models.shop import Shop
    from extensions import db

    shop = db.session.query(Shop).filter_by(domain=SHOP).one_or_none()
    if shop is None:
        shop = Shop(
            domain=SHOP,
            name="Mail Bench",
            contact_email="owner@mail-bench.example",
            locale="en",
            settings={},
            access_token_encrypted="x",
            installed_at=datetime.now(UTC),
        )
        db.session.add(shop)
        db.session.flush()
        supplier = Supplier(
            shop_id=shop.id,
            name="Bench Supplier",
            channel="portal",
            contact_email="orders@bench-supplier.example",
            currency="USD",
        )
        db.session.add(supplier)
        db.session.flush()
        db.session.add(
            VariantMapping(
                shop_id=shop.id,
                sku="MUG",
                supplier_id=supplier.id,
                supplier_sku="SUP-MUG",
                cost=Decimal("4.00"),
            )
        )
    supplier = db.session.query(Supplier).filter_by(shop_id=shop.id).one()
    now = datetime.now(UTC)
    parts = []
    for n in range(first, first + count):
        order = Order(
            shop_id=shop.id,
            shopify_gid=f"gid://shopify/Order/{n + 1}",
            name=f"#{1000 + n}",
            created_at=now,
            shopify_updated_at=now,
            financial_status="PAID",
            store_status="UNFULFILLED",
            currency="USD",
            total=Decimal("25.00"),
            customer_name="Ann Buyer",
            customer_email="ann@buyer.example",
            shipping_address={
                "name": "Ann Buyer",
                "address1": "1 Main St",
                "city": "Lyon",
                "zip": "69001",
                "country": "France",
                "country_code": "FR",
            },
        )
        order.line_items.append(
            LineItem(
                shopify_gid=f"gid://shopify/LineItem/{n + 1}",
                sku="MUG",
                title="Mug",
                quantity=2,
                ordered_quantity=2,
                unit_price=Decimal("12.50"),
                supplier_id=supplier.id,
            )
        )
        part = SupplierOrder(
            shop_id=shop.id,
            supplier_id=supplier.id,
            status="requested",
            requested_at=now,
            forwarded_at=now,
        )
        order.supplier_orders.append(part)
        db.session.add(order)
        parts.append(part)
    db.session.commit()
    return shop.id, [p.id for p in parts]


def tell(shop_id: int, part_id: int) -> str:
    """One event in its own unit of work, as forwarding commits it; the mail's Message-ID."""
    from domain.models.notices import OutboundMail
    from domain.models.orders import SupplierOrder
    from domain.models.shop import Shop
    from domain.notices import to_suppliers
    from domain.transaction import atomic
    from extensions import db

    with atomic():
        shop = db.session.get(Shop, shop_id)
        to_suppliers.order_sent(shop, db.session.get(SupplierOrder, part_id))
    return (
        db.session.query(OutboundMail.message_id)
        .filter(OutboundMail.event_key == f"new-order:{part_id}")
        .scalar()
    )


# -- 1. event -> accepted ------------------------------------------------------------------------


def event_to_accepted(rig: MailRig, rate: float, seconds: float) -> dict:
    count = int(rate * seconds)
    with rig.app.app_context():
        shop_id, parts = make_shop_and_parts(count, first=_next_order(rig))
        committed: dict[str, float] = {}
        start = time.time()
        for i, part_id in enumerate(parts):
            due = start + i / rate
            if (pause := due - time.time()) > 0:
                time.sleep(pause)
            message_id = tell(shop_id, part_id)
            committed[message_id] = time.time()
    wait_until(lambda: _delivered(rig, committed) >= count, 300, 0.5, what="mails delivered")
    latencies = [
        _received_at(m) - committed[m["message_id"]]
        for m in rig.received()
        if m["message_id"] in committed
    ]
    return {
        "n": count,
        "rate": rate,
        "p50": statistics.median(latencies),
        "p95": percentile(latencies, 0.95),
        "max": max(latencies),
    }


def smtp_baseline(rig: MailRig, n: int = 50) -> dict:
    """The same server taking a mail straight from smtplib (connect, send, quit)."""
    times = []
    for i in range(n):
        message = EmailMessage()
        message["From"], message["To"] = "bench@relay-bench.test", "baseline@bench.example"
        message["Subject"] = f"baseline {i}"
        message.set_content("baseline")
        started = time.perf_counter()
        with smtplib.SMTP("127.0.0.1", rig.smtp_port, timeout=10) as client:
            client.send_message(message)
        times.append(time.perf_counter() - started)
    return {"p50": statistics.median(times), "p95": percentile(times, 0.95)}


# -- 2. 1,000 mails through an outage --------------------------------------------------------


def through_outage(rig: MailRig, mails: int, outage: float) -> dict:
    with rig.app.app_context():
        shop_id, parts = make_shop_and_parts(mails, first=_next_order(rig))
        message_ids = set()
        started = time.time()
        down_at = None
        for i, part_id in enumerate(parts):
            message_ids.add(tell(shop_id, part_id))
            if down_at is None and i >= mails // 3:
                rig.mailbox("down")  # the server stops in the middle of the burst
                down_at = time.time()
        remaining = outage - (time.time() - down_at)
        if remaining > 0:
            time.sleep(remaining)
        rig.mailbox("up")
        up_at = time.time()
    wait_until(lambda: _delivered(rig, message_ids) >= mails, 900, 1.0, what="all mails")
    finished = time.time()
    time.sleep(5)  # a late duplicate would show up here
    received = [m["message_id"] for m in rig.received() if m["message_id"] in message_ids]
    with rig.app.app_context():
        from sqlalchemy import func, select

        from domain.models.notices import OutboundMail
        from extensions import db

        attempts = db.session.execute(
            select(func.max(OutboundMail.attempts), func.sum(OutboundMail.attempts)).where(
                OutboundMail.message_id.in_(message_ids)
            )
        ).one()
    return {
        "mails": mails,
        "delivered": len(set(received)),
        "duplicates": len(received) - len(set(received)),
        "outage": up_at - down_at,
        "total": finished - started,
        "after_up": finished - up_at,
        "max_attempts": attempts[0],
        "attempts": attempts[1],
    }


def _next_order(rig: MailRig) -> int:
    from domain.models.orders import Order
    from extensions import db

    with rig.app.app_context():
        return db.session.query(Order).count()


def _delivered(rig: MailRig, message_ids) -> int:
    return sum(1 for m in rig.received() if m["message_id"] in message_ids)


def _received_at(message: dict) -> float:
    return datetime.fromisoformat(message["received_at"]).timestamp()


# -- 3. bell vs grid ------------------------------------------------------------------------


def bell_vs_grid(rig: MailRig, n: int) -> dict:
    """The bell's count and the grid's htmx request, both through the app as the admin asks."""
    import jwt

    from domain.models.notices import Notification
    from domain.models.shop import Shop
    from extensions import db

    app = rig.app
    with app.app_context():
        shop = db.session.query(Shop).filter_by(domain=SHOP).one()
        now = datetime.now(UTC)
        db.session.add_all(
            Notification(
                shop_id=shop.id,
                recipient="merchant",
                event_key=f"bench:{i}",
                kind="new-order",
                message="New order %(order)s",
                params={"order": i},
                created_at=now - timedelta(seconds=i),
                read_at=None if i % 5 else now,
            )
            for i in range(5000)
        )
        db.session.commit()
    claims = {
        "iss": f"https://{SHOP}/admin",
        "dest": f"https://{SHOP}",
        "aud": app.config["SHOPIFY_API_KEY"],
        "sub": "1",
        "exp": int(time.time()) + 3600,
        "nbf": int(time.time()) - 5,
        "iat": int(time.time()),
        "jti": "bench",
        "sid": "bench",
    }
    headers = {
        "Authorization": "Bearer "
        + jwt.encode(claims, app.config["SHOPIFY_API_SECRET"], algorithm="HS256"),
        "HX-Request": "true",
    }
    client = app.test_client()
    results = {}
    for label, path in (("bell", "/notifications/bell"), ("grid", "/orders")):
        for _ in range(5):
            assert client.get(path, headers=headers).status_code == 200, path
        times = []
        for _ in range(n):
            started = time.perf_counter()
            response = client.get(path, headers=headers)
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200
        results[label] = {"p50": statistics.median(times), "p95": percentile(times, 0.95)}
    return results


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, nargs="+", default=[10.0, 50.0])
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--mails", type=int, default=1000)
    parser.add_argument("--outage", type=float, default=30.0)
    parser.add_argument("--requests", type=int, default=300)
    args = parser.parse_args()
    rig = MailRig().start()
    try:
        print(f"# mail bench ({load()}, 2 cores; one worker; mailbox stand-in as a process)")
        baseline = smtp_baseline(rig)
        print(
            f"baseline smtplib -> server: p50 {baseline['p50'] * 1000:.1f} ms, "
            f"p95 {baseline['p95'] * 1000:.1f} ms"
        )
        for rate in args.rate:
            r = event_to_accepted(rig, rate, args.seconds)
            print(
                f"event -> accepted at {rate:g} events/s ({r['n']} mails): "
                f"p50 {r['p50'] * 1000:.0f} ms, p95 {r['p95'] * 1000:.0f} ms, "
                f"max {r['max'] * 1000:.0f} ms (goal < 5 s; {r['p95'] / baseline['p95']:.0f}x "
                f"the direct send) [{load()}]"
            )
        o = through_outage(rig, args.mails, args.outage)
        print(
            f"{o['mails']} new-order mails, server down {o['outage']:.0f} s mid-burst: "
            f"{o['delivered']} delivered, {o['duplicates']} duplicates; all done in "
            f"{o['total']:.0f} s ({o['after_up']:.0f} s after it came back); attempts "
            f"{o['attempts']} (max {o['max_attempts']} per mail) [{load()}]"
        )
        b = bell_vs_grid(rig, args.requests)
        print(
            f"bell unread count: p50 {b['bell']['p50']:.1f} ms, p95 {b['bell']['p95']:.1f} ms "
            f"vs grid htmx p50 {b['grid']['p50']:.1f} ms, p95 {b['grid']['p95']:.1f} ms "
            f"({b['bell']['p95'] / b['grid']['p95']:.2f}x) [{load()}]"
        )
        ok = o["delivered"] == o["mails"] and o["duplicates"] == 0
        return 0 if ok else 1
    finally:
        rig.stop()


if __name__ == "__main__":
    sys.exit(main())
