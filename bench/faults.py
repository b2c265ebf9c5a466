"""Faults survived with nothing lost or doubled: Redis killed and back, a worker killed
mid-job, devstore (Shopify) down and back, the database restarted.

    python bench/faults.py [--orders 6] [--only redis,worker,devstore,database] [--keep]

Everything runs on servers of its own, never the shared ones: a private redis-server (no
persistence: it comes back EMPTY, the harder case) and a private PostgreSQL cluster (initdb in
a temp dir, run as `postgres`), devstore, Relay under gunicorn (2 workers x 4 threads, as
scripts/dev.sh) and one `python -m jobs.worker`, each its own process (bench/fulfillment_rig).

Per fault, `--orders` paid orders of a retailer whose supplier is another store running Relay
(hold window 0). The merchant clicks Request fulfillment on each row over HTTP (an ID token,
as the admin iframe sends), the fault strikes while they are being forwarded (Redis: before the
clicks, and new orders are placed while it is down, so their webhooks arrive then), and
the fault is repaired. Then: every order reaches Relay, every requested order is forwarded,
and the supplier's store holds exactly one order per supplier order (its reference tag).
Printed: a table of what was lost, what was doubled, the 5xx answers (to the merchant's clicks
and to devstore's webhook deliveries), the slowest click, and how long recovery took.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import httpx
import jwt

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from fulfillment_rig import API_KEY, API_SECRET, ROOT, Rig, wait_until  # noqa: E402

from tests.private_services import PrivatePostgres, PrivateRedis  # noqa: E402

FAULTS = ("redis", "worker", "devstore", "database")


@dataclass
class Result:
    fault: str
    orders: int = 0
    forwarded_once: int = 0
    lost: int = 0
    doubled: int = 0
    click_5xx: int = 0
    webhook_5xx: int = 0
    slowest_click: float = 0.0
    recovered_in: float = 0.0


class FaultRig(Rig):
    def __init__(self, redis_server: PrivateRedis):
        super().__init__(server="gunicorn", label="faults")
        self.redis_server = redis_server
        self.env["RELAY_OUTBOX_INTERVAL"] = "1"

    def restart_devstore(self) -> None:
        self.processes["devstore"].kill()
        self.processes["devstore"].wait()
        time.sleep(3)
        self.spawn_devstore()
        wait_until(self._devstore_up, 60, what="devstore back")

    def token(self, domain: str) -> str:
        now = int(time.time())
        claims = {
            "iss": f"https://{domain}/admin",
            "dest": f"https://{domain}",
            "aud": API_KEY,
            "sub": "42",
            "exp": now + 60,
            "nbf": now - 5,
            "iat": now - 5,
            "jti": uuid.uuid4().hex,
            "sid": uuid.uuid4().hex,
        }
        return jwt.encode(claims, API_SECRET, algorithm="HS256")

    def shop_id(self, domain: str) -> int:
        from domain.models.shop import Shop
        from extensions import db

        with self.app.app_context():
            try:
                return db.session.query(Shop.id).filter_by(domain=domain).scalar()
            finally:
                db.session.remove()

    def ready_ids(self, domain: str) -> list[int]:
        return self._ids(domain, "ready")

    def _ids(self, domain: str, status: str) -> list[int]:
        from sqlalchemy import select

        from domain.models.orders import SupplierOrder
        from domain.models.shop import Shop
        from extensions import db

        with self.app.app_context():
            try:
                return list(
                    db.session.scalars(
                        select(SupplierOrder.id)
                        .join(Shop, Shop.id == SupplierOrder.shop_id)
                        .where(Shop.domain == domain, SupplierOrder.status == status)
                        .order_by(SupplierOrder.id)
                    )
                )
            finally:
                db.session.remove()

    def click(self, domain: str, supplier_order_id: int) -> tuple[int, float]:
        started = time.perf_counter()
        answer = httpx.post(
            f"{self.relay_url}/orders/supplier-orders/{supplier_order_id}/request_fulfillment",
            data={"view": "row"},
            headers={"Authorization": f"Bearer {self.token(domain)}", "HX-Request": "true"},
            timeout=60,
        )
        return answer.status_code, time.perf_counter() - started

    def sent_ids(self, domain: str) -> set[int]:
        return set(self._ids(domain, "requested")) | set(self._ids(domain, "in_progress"))

    def reference_tags(self, supplier: str) -> Counter:
        return Counter(
            tag
            for order in self.store_orders(supplier, 2000)
            for tag in order["tags"]
            if tag.startswith("relay-r")
        )

    def webhook_5xx(self) -> int:
        deliveries = self.control.get("/_devstore/deliveries").json()
        return sum(
            1
            for delivery in deliveries
            for answer in delivery.get("responses", [])
            if (answer.get("status") or 0) >= 500
        )


def run_fault(rig: FaultRig, fault: str, n: int, retailer: str, supplier: str, pg) -> Result:
    result = Result(fault, orders=n)
    tags_before = rig.reference_tags(supplier)
    webhook_5xx_before = rig.webhook_5xx()
    ready_before = set(rig.ready_ids(retailer))
    if fault == "redis":
        rig.place_orders(retailer, n)
        wait_until(lambda: len(set(rig.ready_ids(retailer)) - ready_before) >= n, 120)
        targets = sorted(set(rig.ready_ids(retailer)) - ready_before)[:n]
        rig.redis_server.kill()
        broke = time.time()
        rig.place_orders(retailer, n)  # their webhooks arrive while Redis is down
        clicks = [rig.click(retailer, so_id) for so_id in targets]
        time.sleep(2)
        rig.redis_server.start()
        repaired = time.time()
        expected_new = n  # the orders placed during the outage must still reach Relay
    else:
        rig.place_orders(retailer, n)
        wait_until(lambda: len(set(rig.ready_ids(retailer)) - ready_before) >= n, 120)
        targets = sorted(set(rig.ready_ids(retailer)) - ready_before)[:n]
        sent_before = rig.sent_ids(retailer)
        slow = {"answer_delay_shop": supplier, "answer_delay_seconds": 1.0}
        rig.control.post("/_devstore/settings", json=slow).raise_for_status()  # mid-job
        clicks = [rig.click(retailer, so_id) for so_id in targets]
        wait_until(
            lambda: len(rig.sent_ids(retailer) - sent_before) >= 1, 120, interval=0.05
        )  # strike mid-way: the first order is out, the rest are being forwarded
        broke = time.time()
        if fault == "worker":
            rig.kill_worker()
            time.sleep(2)
            rig.start_worker()
        elif fault == "devstore":
            rig.restart_devstore()
        elif fault == "database":
            pg.stop()
            time.sleep(3)
            pg.start()
        repaired = time.time()
        rig.control.post("/_devstore/settings", json={"answer_delay_seconds": 0.0})
        expected_new = 0
    result.click_5xx = sum(1 for status, _ in clicks if status >= 500)
    result.slowest_click = max(took for _, took in clicks)

    def placed() -> set[int]:  # supplier orders with an order in the supplier's store
        return {so_id for so_id in targets if rig.reference_tags(supplier)[tag(so_id)]}

    def tag(so_id: int) -> str:
        return f"relay-r{shop_id}-so{so_id}"

    shop_id = rig.shop_id(retailer)

    def settled() -> bool:
        arrived = len(set(rig.ready_ids(retailer)) - ready_before - set(targets))
        return placed() == set(targets) and arrived >= expected_new

    try:
        wait_until(settled, 240, interval=0.5, what=f"recovery from {fault}")
        wait_until(rig.queues_idle, 120, interval=0.5, what="quiet queues")
    except SystemExit as exc:
        print(f"  {fault}: {exc}", flush=True)
    result.recovered_in = time.time() - max(repaired, broke)
    time.sleep(1)
    tags = rig.reference_tags(supplier) - tags_before
    counts = [tags[tag(so_id)] for so_id in targets]
    result.forwarded_once = sum(1 for count in counts if count == 1)
    result.doubled = sum(count - 1 for count in counts if count > 1)
    arrived = len(set(rig.ready_ids(retailer)) - ready_before - set(targets))
    result.lost = sum(1 for count in counts if count == 0) + max(0, expected_new - arrived)
    result.webhook_5xx = rig.webhook_5xx() - webhook_5xx_before
    return result


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=6)
    parser.add_argument("--only", default=",".join(FAULTS))
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    faults = [f for f in args.only.split(",") if f in FAULTS]

    redis_server = PrivateRedis().start()
    pg = PrivatePostgres().start()
    os.environ["TEST_DATABASE_URL"] = pg.url
    os.environ["TEST_REDIS_URL"] = redis_server.url
    rig = None
    results = []
    try:
        rig = FaultRig(redis_server).start()
        retailer = rig.shop("retail")
        supplier = rig.shop("supplier")
        rig.stock_at_relay(retailer)
        rig.store_supplier(retailer, supplier)
        for fault in faults:
            print(f"fault: {fault} ...", flush=True)
            results.append(run_fault(rig, fault, args.orders, retailer, supplier, pg))
    finally:
        if rig is not None:
            rig.stop(keep=args.keep)
        redis_server.kill()
        if not args.keep:
            pg.remove()

    print()
    print(
        f"{'fault':<10} {'orders':>6} {'fwd once':>8} {'lost':>5} {'doubled':>7} "
        f"{'5xx click':>9} {'5xx hook':>8} {'slowest click':>13} {'recovered in':>12}"
    )
    for r in results:
        print(
            f"{r.fault:<10} {r.orders:>6} {r.forwarded_once:>8} {r.lost:>5} {r.doubled:>7} "
            f"{r.click_5xx:>9} {r.webhook_5xx:>8} {r.slowest_click:>12.2f}s "
            f"{r.recovered_in:>11.1f}s"
        )
    survived = sum(1 for r in results if not r.lost and not r.doubled and not r.click_5xx)
    print(f"faults survived with nothing lost or doubled and no 5xx: {survived}/{len(results)}")
    print(f"(logs: {rig.tmp if rig else '-'}; Relay: gunicorn 2x4, one jobs.worker, {ROOT.name})")
    return 0 if survived == len(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
