"""Two shops, one throttled: does a busy shop's tracking delay a quiet shop's?

    python bench/fairness.py [--busy-orders 240] [--busy-rate 4] [--quiet-orders 40]
                             [--quiet-rate 1] [--drain 400] [--push-workers 1]

Two retailers on one Relay, each forwarding to the same supplier store (devstore). During the
run, the supplier fulfills the busy shop's orders at `--busy-rate` and the quiet shop's at
`--quiet-rate` (open loop), while another client of the busy shop spends `--drain` points a
second of its Admin API bucket (as a backfill or another app would: 400 is four times Standard's
restore rate), so the busy shop's pushes are throttled for the whole run. Latency is read as in
tracking_latency.py: the supplier's fulfillment to the retailer's, on devstore's clock.

The quiet shop's p95 is the figure (goal: under 1 s). The workers: `--push-workers` processes
on the push queue plus one on sync.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time

import httpx
from fulfillment_rig import Rig, percentile, wait_until
from tracking_latency import fulfill_at_rate, fulfillment_stamps, pushed_parcels

DRAIN_QUERY = (
    "query Drain($n: Int!) { orders(first: $n) { nodes { id lineItems(first: 1) { nodes { id } } }"
    " } }"
)


def drain_bucket(rig: Rig, shop: str, points: float, stop: threading.Event) -> dict:
    """Spend about `points` a second of `shop`'s bucket with reads of its orders (4 points an
    order), four calls a second, until `stop`."""
    from domain.models.shop import Shop
    from domain.shop import tokens
    from extensions import db
    from integrations.shopify_admin import urls

    with rig.app.app_context():
        row = db.session.query(Shop).filter_by(domain=shop).one()
        token, url = tokens.access_token_for(row), urls.graphql_url(shop)
    per_call = max(1, round((points / 4 - 2) / 4))
    spent = {"calls": 0, "throttled": 0, "points": 0}

    def run() -> None:
        with httpx.Client(timeout=30) as client:
            while not stop.wait(0.25):
                body = client.post(
                    url,
                    json={"query": DRAIN_QUERY, "variables": {"n": per_call}},
                    headers={"X-Shopify-Access-Token": token},
                ).json()
                spent["calls"] += 1
                if body.get("errors"):
                    spent["throttled"] += 1
                else:
                    spent["points"] += body["extensions"]["cost"]["actualQueryCost"] or 0

    threading.Thread(target=run, daemon=True).start()
    return spent


def latencies(rig: Rig, retailer: str, supplier: str, count: int) -> list[float]:
    supplier_made = fulfillment_stamps(rig, supplier, 2 * count + 100)
    retailer_made = fulfillment_stamps(rig, retailer, count + 50)
    return [
        retailer_made[pushed_gid] - supplier_made[source]
        for source, pushed_gid, _, _ in pushed_parcels(rig, retailer)
    ]


def line(name: str, values: list[float]) -> str:
    return (
        f"{name:<34} {len(values):4d} pushed   p50 {statistics.median(values):7.0f} ms   "
        f"p95 {percentile(values, 0.95):7.0f} ms   max {max(values):7.0f} ms"
    )


def forwarded(rig: Rig, retailer: str, supplier: str, orders: int) -> list[int]:
    """`orders` paid orders of `retailer`, forwarded; their fulfillment orders in the supplier
    store."""
    rig.stock_at_relay(retailer)
    rig.store_supplier(retailer, supplier)
    rig.place_orders(retailer, orders)
    wait_until(lambda: rig.supplier_orders(retailer, "ready") == orders, 600, what="synced")
    rig.request_all(retailer)
    wait_until(
        lambda: rig.supplier_orders(retailer, "in_progress") == orders,
        1800,
        interval=1,
        what="forwarded",
    )
    from domain.models.orders import SupplierOrder
    from domain.models.shop import Shop
    from extensions import db

    with rig.app.app_context():
        refs = {
            ref
            for (ref,) in db.session.query(SupplierOrder.supplier_reference)
            .join(Shop, Shop.id == SupplierOrder.shop_id)
            .filter(Shop.domain == retailer)
        }
    placed = rig.store_orders(supplier, 3 * orders + 100)
    return [
        o["fulfillment_orders"][0]["id"] for o in placed if f"gid://shopify/Order/{o['id']}" in refs
    ]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--busy-orders", type=int, default=240)
    parser.add_argument("--busy-rate", type=float, default=4.0)
    parser.add_argument("--quiet-orders", type=int, default=40)
    parser.add_argument("--quiet-rate", type=float, default=1.0)
    parser.add_argument("--drain", type=float, default=400.0, help="points/s spent elsewhere")
    parser.add_argument("--push-workers", type=int, default=1)
    args = parser.parse_args()

    rig = Rig(label="fairness", split=True).start()
    for n in range(1, args.push_workers):
        rig._spawn(f"push-worker-{n}", ["-m", "jobs.worker", "--queues", "push"])
    try:
        busy, quiet, supplier = rig.shop("busy"), rig.shop("quiet"), rig.shop("supplier")
        print("setup: orders forwarded to the supplier's store ...", flush=True)
        busy_fos = forwarded(rig, busy, supplier, args.busy_orders)
        quiet_fos = forwarded(rig, quiet, supplier, args.quiet_orders)
        wait_until(rig.queues_idle, 1800, interval=0.5, what="quiet queues")
        print(
            f"measuring: busy shop {len(busy_fos)} at {args.busy_rate}/s with {args.drain:g} "
            f"points/s spent elsewhere, quiet shop {len(quiet_fos)} at {args.quiet_rate}/s",
            flush=True,
        )
        stop = threading.Event()
        spent = drain_bucket(rig, busy, args.drain, stop)
        started = time.monotonic()
        runs = [
            threading.Thread(target=fulfill_at_rate, args=(rig, supplier, fos, rate))
            for fos, rate in ((busy_fos, args.busy_rate), (quiet_fos, args.quiet_rate))
        ]
        for run in runs:
            run.start()
        for run in runs:
            run.join()
        wait_until(
            lambda: len(pushed_parcels(rig, quiet)) >= len(quiet_fos), 600, what="quiet pushed"
        )
        quiet_done = time.monotonic() - started
        stop.set()  # the busy shop's bucket refills: its backlog drains
        wait_until(
            lambda: len(pushed_parcels(rig, busy)) >= len(busy_fos), 1800, what="busy pushed"
        )
        elapsed = time.monotonic() - started
        quiet_ms = latencies(rig, quiet, supplier, len(quiet_fos))
        busy_ms = latencies(rig, busy, supplier, len(busy_fos))
        jobs = rig.jobs_by_function(time.time() - elapsed - 1)
        busy_usage = rig.usage(busy)
    finally:
        rig.stop()

    print()
    print(
        f"{args.push_workers} push worker(s) + 1 sync; quiet shop done in {quiet_done:.0f} s,"
        f" busy shop in {elapsed:.0f} s (its bucket drained at {args.drain:g} points/s until the"
        f" quiet shop was done: {spent['calls']} drain calls, {spent['throttled']} throttled)"
    )
    print(line("quiet shop (1/s)", quiet_ms))
    print(line("busy shop (throttled)", busy_ms))
    print(
        f"busy shop's Relay calls: {busy_usage['calls']}, throttled answers "
        f"{busy_usage['throttled']}; job runs: "
        + ", ".join(f"{name} {n}" for name, (n, _) in jobs.items())
    )
    p95 = percentile(quiet_ms, 0.95)
    print(f"goal: quiet shop p95 < 1000 ms: {'met' if p95 < 1000 else 'NOT met'} ({p95:.0f} ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
