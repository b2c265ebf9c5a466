"""Forwarding throughput, and a worker killed mid-run: nothing forwarded twice, nothing lost.

    python bench/forwarding.py [--orders 5000] [--plan standard|advanced|plus]
                               [--kill-at 0.5] [--server gunicorn|werkzeug]

Setup (not timed): a retailer and a supplier store both running Relay (devstore plan
`--plan`, throttle on), `--orders` paid orders synced into Relay, hold window over. Then the
merchant selects them all and clicks Request Fulfillment (the grid's bulk action) and one
`python -m jobs.worker` forwards them: submit Shopify's fulfillment request, place the order
in the supplier's store, accept the request. When `--kill-at` of them are forwarded the worker
is SIGKILLed and a new one started. Printed: orders/s, GraphQL calls and cost per forwarded
order (devstore's own accounting), the throttle's lower bound for that cost, and the counts
that prove it: one supplier-store order per reference tag, one fulfillment request per
supplier order, every supplier order sent.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

from fulfillment_rig import Rig, wait_until

from devstore.commerce import PLANS


def forwarded_times(rig: Rig, retailer: str) -> list[float]:
    from sqlalchemy import select

    from domain.models.orders import SupplierOrder
    from domain.models.shop import Shop
    from extensions import db

    with rig.app.app_context():
        shop = db.session.query(Shop).filter_by(domain=retailer).one()
        return [
            at.timestamp()
            for at in db.session.scalars(
                select(SupplierOrder.forwarded_at).where(
                    SupplierOrder.shop_id == shop.id, SupplierOrder.forwarded_at.is_not(None)
                )
            )
        ]


def statuses(rig: Rig, retailer: str) -> Counter:
    from sqlalchemy import func, select

    from domain.models.orders import SupplierOrder
    from domain.models.shop import Shop
    from extensions import db

    with rig.app.app_context():
        shop = db.session.query(Shop).filter_by(domain=retailer).one()
        return Counter(
            dict(
                db.session.execute(
                    select(SupplierOrder.status, func.count())
                    .where(SupplierOrder.shop_id == shop.id)
                    .group_by(SupplierOrder.status)
                ).all()
            )
        )


def bound_seconds(cost_per_order: float, orders: int, plan: str) -> float:
    """Shopify's leaky bucket: a full bucket first, then restoreRate points a second."""
    limits = PLANS[plan]
    return max(0.0, cost_per_order * orders - limits["bucket"]) / limits["restore_rate"]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=5000)
    parser.add_argument("--plan", choices=sorted(PLANS), default="standard")
    parser.add_argument(
        "--kill-at", type=float, default=0.5, help="fraction forwarded (0: no kill)"
    )
    parser.add_argument("--server", choices=["gunicorn", "werkzeug"], default="gunicorn")
    parser.add_argument("--keep", action="store_true", help="keep the database and logs")
    args = parser.parse_args()
    n = args.orders

    rig = Rig(server=args.server, label="forwarding").start()
    try:
        retailer = rig.shop("retail", plan=args.plan)
        supplier = rig.shop("supplier", plan=args.plan)
        rig.stock_at_relay(retailer)
        rig.store_supplier(retailer, supplier)
        print(f"setup: {n} paid orders synced into Relay (plan {args.plan}) ...", flush=True)
        started = time.monotonic()
        rig.place_orders(retailer, n)
        wait_until(
            lambda: rig.supplier_orders(retailer, "ready") == n,
            7200,
            interval=1,
            what="orders synced",
        )
        wait_until(rig.queues_idle, 3600, interval=1, what="quiet queues")
        print(f"  ({time.monotonic() - started:.0f} s)", flush=True)
        rig.control.delete("/_devstore/usage")

        print(f"measuring: Request Fulfillment on {n} orders, one worker ...", flush=True)
        clicked = time.time()
        rig.request_all(retailer)
        killed_at = restarted_at = None
        if args.kill_at > 0:
            wait_until(
                lambda: len(forwarded_times(rig, retailer)) >= n * args.kill_at,
                7200,
                interval=0.2,
                what="the kill point",
            )
            rig.kill_worker()
            killed_at = time.time()
            at_kill = len(forwarded_times(rig, retailer))
            time.sleep(2)
            rig.start_worker()
            restarted_at = time.time()
        wait_until(
            lambda: len(forwarded_times(rig, retailer)) >= n,
            14400,
            interval=0.5,
            what="every order forwarded",
        )
        last_forward = max(forwarded_times(rig, retailer))
        wait_until(rig.queues_idle, 7200, interval=0.5, what="answers and webhooks done")
        settled = time.time()

        tags = Counter(
            tag
            for order in rig.store_orders(supplier, n + 100)
            for tag in order["tags"]
            if tag.startswith("relay-r")
        )
        requests_per_fo = [
            len(fo["merchant_requests"])
            for order in rig.store_orders(retailer, n + 100)
            for fo in order["fulfillment_orders"]
            if fo["merchant_requests"]
        ]
        final = statuses(rig, retailer)
        cost = {shop: rig.usage(shop) for shop in (retailer, supplier)}
    finally:
        rig.stop(keep=args.keep)

    forward_seconds = last_forward - clicked
    print()
    print(
        f"devstore plan {args.plan} ({PLANS[args.plan]['restore_rate']:.0f} points/s, bucket "
        f"{PLANS[args.plan]['bucket']:.0f}), throttle on; Relay served by {args.server}; "
        f"one `python -m jobs.worker`"
    )
    print(
        f"forwarded {n} orders in {forward_seconds:.1f} s: {n / forward_seconds:.1f} orders/s "
        f"(click -> last order placed in the supplier's store)"
    )
    bound = max(
        bound_seconds(cost[shop]["actual_cost"] / n, n, args.plan) for shop in (retailer, supplier)
    )
    print(
        f"all settled (requests accepted, webhooks processed) after {settled - clicked:.1f} s"
        f" = {(settled - clicked) / bound:.2f}x the throttle's lower bound ({bound:.0f} s)"
        if bound
        else f"all settled (requests accepted, webhooks processed) after {settled - clicked:.1f} s"
    )
    if killed_at:
        print(
            f"worker SIGKILLed at {killed_at - clicked:.1f} s with {at_kill} forwarded; "
            f"a new one started {restarted_at - killed_at:.1f} s later"
        )
    for label, shop in (("retailer", retailer), ("supplier store", supplier)):
        used = cost[shop]
        per_order = used["actual_cost"] / n
        on_standard = (
            f", {bound_seconds(per_order, n, 'standard'):.0f} s on standard"
            if args.plan != "standard"
            else ""
        )
        print(
            f"{label:>15}: {used['calls'] / n:.2f} GraphQL calls and {per_order:.1f} cost "
            f"points per order ({used['throttled']} throttled answers); throttle bound "
            f"{bound_seconds(per_order, n, args.plan):.0f} s on {args.plan}{on_standard}"
        )
        for operation, used_by in sorted(
            used["operations"].items(), key=lambda kv: -kv[1]["actual_cost"]
        ):
            print(
                f"{'':>17}{operation:<38} {used_by['calls'] / n:5.2f} calls "
                f"{used_by['actual_cost'] / n:6.1f} points per order"
            )
    duplicates = sum(count - 1 for count in tags.values() if count > 1)
    twice = sum(1 for count in requests_per_fo if count > 1)
    sent = final["requested"] + final["in_progress"]
    print(
        f"supplier-store orders: {sum(tags.values())} for {len(tags)} reference tags "
        f"(placed twice: {duplicates})"
    )
    print(
        f"fulfillment requests: {sum(requests_per_fo)} on {len(requests_per_fo)} fulfillment "
        f"orders (submitted twice: {twice})"
    )
    print(f"supplier orders sent: {sent} of {n} (lost: {n - sent}); statuses {dict(final)}")
    ok = duplicates == 0 and twice == 0 and sent == n == len(tags)
    print("no order forwarded twice, none lost" if ok else "FAILED: duplicates or losses")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
