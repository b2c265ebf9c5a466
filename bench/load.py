"""Load at the anchor rate: a flash sale of `--rate` paid orders a second for `--seconds`, each
arriving as Shopify sends it (orders/create + orders/paid, from devstore over HTTP) at gunicorn,
synced, and forwarded to a supplier's store (place mode automatic, hold window 0) by scaled-out
workers on two "hosts".

    python bench/load.py [--rate 100] [--seconds 60] [--push-workers 3] [--sync-workers 1]
                         [--web 3] [--plan plus]

Printed: the rate devstore actually placed orders at, when every order was forwarded (and
p50/p95 from its placing to its forward), the peak depth of every queue (waiting + scheduled,
sampled every 0.5 s), GraphQL points per order on the retailer, and the throttle's lower bound
for that many orders on the plan's bucket (a full bucket first, then restoreRate points a
second), with the worker counts used. The supplier's store runs the same plan.
"""

from __future__ import annotations

import argparse
import os
import time

from fulfillment_rig import percentile, wait_until
from scale_rig import DepthSampler, ScaleRig

from devstore.commerce import PLANS


def forward_delays(rig: ScaleRig, retailer: str) -> list[tuple[float, float]]:
    """(order created in the store, forwarded) per supplier order, epoch seconds."""
    from sqlalchemy import select

    from domain.models.orders import Order, SupplierOrder
    from domain.models.shop import Shop
    from extensions import db

    with rig.app.app_context():
        shop = db.session.query(Shop).filter_by(domain=retailer).one()
        rows = db.session.execute(
            select(Order.created_at, SupplierOrder.forwarded_at)
            .join(SupplierOrder, SupplierOrder.order_id == Order.id)
            .where(Order.shop_id == shop.id, SupplierOrder.forwarded_at.is_not(None))
        ).all()
        return [(created.timestamp(), forwarded.timestamp()) for created, forwarded in rows]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rate", type=float, default=100.0, help="orders per second")
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--push-workers", type=int, default=3)
    parser.add_argument("--sync-workers", type=int, default=1)
    parser.add_argument("--web", type=int, default=3, help="gunicorn processes")
    parser.add_argument("--plan", choices=sorted(PLANS), default="plus")
    parser.add_argument("--keep", action="store_true")
    args = parser.parse_args()
    n = int(args.rate * args.seconds)

    rig = ScaleRig(web_processes=args.web, label="load").start()
    try:
        for i in range(args.push_workers):
            rig.add_worker("push,mail", ("host-a", "host-b")[i % 2])
        for i in range(args.sync_workers):
            rig.add_worker("sync", ("host-b", "host-a")[i % 2])
        rig.wait_for_workers()
        retailer = rig.shop("retail", plan=args.plan)
        supplier = rig.shop("supplier", plan=args.plan)
        rig.stock_at_relay(retailer)
        rig.store_supplier(retailer, supplier)
        rig.auto_place(retailer)
        wait_until(rig.queues_idle, 600, interval=1, what="quiet queues before the sale")
        rig.control.delete("/_devstore/usage")
        load_before = os.getloadavg()

        print(f"measuring: {n} paid orders at {args.rate:.0f}/s ...", flush=True)
        sampler = DepthSampler(rig).start()
        started = time.time()
        placing = rig.place_at_rate(retailer, n, args.rate, threads=32)
        wait_until(lambda: rig.forwarded(retailer) >= n, 7200, interval=1, what="all forwarded")
        all_forwarded = time.time()
        wait_until(rig.queues_idle, 3600, interval=1, what="queues drained")
        peaks = sampler.stop()
        delays = forward_delays(rig, retailer)
        load_after = os.getloadavg()
        used = rig.usage(retailer)
    finally:
        rig.stop(keep=args.keep)

    waits = [forwarded - created for created, forwarded in delays]
    per_order = used["actual_cost"] / n
    limits = PLANS[args.plan]
    bound = max(0.0, per_order * n - limits["bucket"]) / limits["restore_rate"]
    print()
    print(
        f"workers: gunicorn {args.web} processes x 4 threads; {args.push_workers} push "
        f"(+mail) and {args.sync_workers} sync `python -m jobs.worker` on 2 hosts' names; "
        f"devstore plan {args.plan} ({limits['restore_rate']:.0f} points/s, bucket "
        f"{limits['bucket']:.0f})"
    )
    print(
        f"placed {n} paid orders in {placing:.1f} s ({n / placing:.1f}/s asked {args.rate:.0f}/s;"
        f" devstore sends orders/create + orders/paid for each)"
    )
    print(
        f"every order forwarded {all_forwarded - started:.1f} s after the first was placed; "
        f"placed -> forwarded p50 {percentile(waits, 0.5):.1f} s, p95 "
        f"{percentile(waits, 0.95):.1f} s, max {max(waits):.1f} s"
    )
    print(
        f"throttle bound for {n} orders at {per_order:.1f} points each on {args.plan}: "
        f"{bound:.0f} s -> measured {(all_forwarded - started) / bound:.2f}x the bound"
        if bound
        else f"throttle bound: the bucket ({limits['bucket']:.0f}) holds all {n} orders"
    )
    print(f"peak queue depth (waiting + scheduled): {peaks}")
    for operation, used_by in sorted(
        used["operations"].items(), key=lambda kv: -kv[1]["actual_cost"]
    ):
        print(
            f"  {operation:<38} {used_by['calls'] / n:5.2f} calls "
            f"{used_by['actual_cost'] / n:6.1f} points per order"
        )
    print(
        f"load average before {load_before[0]:.1f}, after {load_after[0]:.1f} "
        "(2 cores, shared with other sessions)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
