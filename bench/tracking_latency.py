"""End-to-end tracking latency: a supplier fulfills Relay's order in its own store (devstore),
until the fulfillment with that tracking exists in the retailer's store.

    python bench/tracking_latency.py [--orders 500] [--rate 4] [--server gunicorn|werkzeug]

Setup (not timed): a retailer and a supplier store both running Relay, `--orders` paid orders
forwarded to the supplier store. Then the supplier fulfills them at `--rate` per second (open
loop, through devstore's control API), and devstore delivers fulfillments/create to Relay over
HTTP; one `python -m jobs.worker` turns each into a parcel and pushes it (fulfillmentCreate
with tracking, notifyCustomer). Latency is read from devstore's own clock: the supplier
fulfillment's created_at to the retailer fulfillment's created_at (millisecond stamps, since
Shopify's created_at has whole seconds). Measured in the same run, as baselines: the bare
webhook round trip (fulfillment created -> devstore has Relay's 200) and the push job's part
(parcel stored -> fulfillment created in the retailer store).
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time

from fulfillment_rig import Rig, percentile, wait_until

COMPETITORS_HOURS = (4, 12)  # others sync tracking every 4-12 hours


def fulfill_at_rate(rig: Rig, supplier: str, fo_ids: list[int], rate: float) -> None:
    """Open loop: fulfillment i is created at start + i / rate, whatever Relay is doing."""
    start = time.monotonic()
    threads = []

    def fulfill(fo_id: int) -> None:
        rig.control.post(
            f"/_devstore/shops/{supplier}/fulfillment_orders/{fo_id}/fulfill",
            json={
                "number": f"LX{fo_id}FR",
                "company": "La Poste",
                "url": f"https://www.laposte.example/track/LX{fo_id}FR",
                "notify_customer": True,
            },
        ).raise_for_status()

    for i, fo_id in enumerate(fo_ids):
        delay = start + i / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        thread = threading.Thread(target=fulfill, args=(fo_id,))
        thread.start()
        threads.append(thread)
    for thread in threads:
        thread.join()


def pushed_parcels(rig: Rig, retailer: str) -> list:
    from sqlalchemy import select

    from domain.models.shipments import Parcel
    from domain.models.shop import Shop
    from extensions import db

    with rig.app.app_context():
        shop = db.session.query(Shop).filter_by(domain=retailer).one()
        return db.session.execute(
            select(
                Parcel.source_ref,
                Parcel.shopify_fulfillment_gid,
                Parcel.created_at,
                Parcel.pushed_at,
            ).where(Parcel.shop_id == shop.id, Parcel.push_status == "pushed")
        ).all()


def fulfillment_stamps(rig: Rig, domain: str, limit: int) -> dict[str, int]:
    """Fulfillment gid -> devstore's created_at in milliseconds."""
    return {
        f"gid://shopify/Fulfillment/{f['id']}": f["created_at_ms"]
        for order in rig.store_orders(domain, limit)
        for f in order["fulfillments"]
    }


def answered_at(rig: Rig, supplier: str) -> dict[str, float]:
    """Supplier fulfillment gid -> when devstore had Relay's 2xx for its fulfillments/create."""
    found = {}
    for delivery in rig.control.get("/_devstore/deliveries", params={"shop": supplier}).json():
        if delivery["topic"] != "fulfillments/create":
            continue
        ok = [r for r in delivery["responses"] if r.get("status") and r["status"] < 300]
        if ok:
            found[delivery["payload"]["admin_graphql_api_id"]] = ok[0]["at"] + ok[0]["ms"] / 1000
    return found


def line(name: str, values: list[float]) -> str:
    return (
        f"{name:<44} p50 {statistics.median(values):7.0f} ms   p95 {percentile(values, 0.95):7.0f}"
        f" ms   max {max(values):7.0f} ms"
    )


def print_costs(count: int, jobs: dict[str, tuple[int, float]], usage: dict[str, dict]) -> None:
    """What one supplier fulfillment cost: job runs and the worker time they took, and
    Shopify calls (points: the actual cost taken from the shop's bucket; requested: what the
    bucket had to hold for the call to be answered)."""
    runs = sum(n for n, _ in jobs.values())
    busy = sum(seconds for _, seconds in jobs.values())
    print(
        f"per supplier fulfillment: {runs / count:.2f} job runs, {busy / count * 1000:.0f} ms of"
        " worker time ("
        + ", ".join(f"{name} {n / count:.2f}" for name, (n, _) in jobs.items())
        + ")"
    )
    for shop, spent in usage.items():
        role = shop.split("-", 1)[0]
        operations = ", ".join(
            f"{op} {c['calls'] / count:.2f} ({c['actual_cost'] / max(c['calls'], 1):.0f} pts,"
            f" requested {c['requested_cost'] / max(c['calls'], 1):.0f})"
            for op, c in sorted(spent.get("operations", {}).items())
        )
        print(
            f"  {role} store: {spent['calls'] / count:.2f} Shopify calls, "
            f"{spent['actual_cost'] / count:.1f} points, {spent['throttled']} throttled"
            f" answers in all: {operations or 'none'}"
        )
    retail = next(iter(usage.values()))
    points = retail["actual_cost"] / count if retail["calls"] else 0
    if points:
        print(
            f"  throttle bound for the retailer at {points:.1f} points per fulfillment: "
            f"Standard (100 points/s) {100 / points:.1f}/s, Plus (1,000 points/s) "
            f"{1000 / points:.0f}/s"
        )


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--orders", type=int, default=500)
    parser.add_argument("--rate", type=float, default=4.0, help="supplier fulfillments per second")
    parser.add_argument("--server", choices=["gunicorn", "werkzeug"], default="gunicorn")
    parser.add_argument("--keep", action="store_true", help="keep the database and logs")
    parser.add_argument(
        "--split-workers",
        action="store_true",
        help="a push-only worker plus a sync worker, instead of one worker on both queues",
    )
    args = parser.parse_args()

    rig = Rig(server=args.server, label="latency", split=args.split_workers).start()
    try:
        retailer = rig.shop("retail")
        supplier = rig.shop("supplier")
        rig.stock_at_relay(retailer)
        rig.store_supplier(retailer, supplier)
        print(
            f"setup: {args.orders} paid orders, forwarded to the supplier's store ...", flush=True
        )
        rig.place_orders(retailer, args.orders)
        wait_until(
            lambda: rig.supplier_orders(retailer, "ready") == args.orders, 600, what="orders synced"
        )
        rig.request_all(retailer)
        wait_until(
            lambda: rig.supplier_orders(retailer, "in_progress") == args.orders,
            1800,
            interval=1,
            what="orders forwarded",
        )
        wait_until(rig.queues_idle, 1800, interval=0.5, what="quiet queues")
        placed = [o for o in rig.store_orders(supplier, args.orders + 50) if "relay" in o["tags"]]
        fo_ids = [o["fulfillment_orders"][0]["id"] for o in placed]

        print(
            f"measuring: the supplier fulfills {len(fo_ids)} orders at {args.rate}/s ...",
            flush=True,
        )
        rig.control.delete("/_devstore/usage")
        started, since = time.monotonic(), time.time()
        fulfill_at_rate(rig, supplier, fo_ids, args.rate)
        wait_until(
            lambda: len(pushed_parcels(rig, retailer)) >= len(fo_ids),
            1800,
            interval=0.5,
            what="tracking pushed",
        )
        elapsed = time.monotonic() - started

        parcels = pushed_parcels(rig, retailer)
        supplier_made = fulfillment_stamps(rig, supplier, args.orders + 50)
        retailer_made = fulfillment_stamps(rig, retailer, args.orders + 50)
        answered = answered_at(rig, supplier)
        end_to_end, webhook, push = [], [], []
        for source, pushed_gid, parcel_at, pushed_at in parcels:
            start_ms = supplier_made[source]
            end_to_end.append(retailer_made[pushed_gid] - start_ms)
            webhook.append(answered[source] * 1000 - start_ms)
            push.append((pushed_at - parcel_at).total_seconds() * 1000)
        slow = rig.slow_jobs(since)
        time.sleep(3)  # the echoes of the last pushes (webhooks of the retailer's store)
        wait_until(rig.queues_idle, 1800, interval=0.5, what="quiet queues")
        jobs = rig.jobs_by_function(since)
        usage = {shop: rig.usage(shop) for shop in (retailer, supplier)}
        retailer_fulfillments = sum(
            len(o["fulfillments"]) for o in rig.store_orders(retailer, args.orders + 50)
        )
    finally:
        rig.stop(keep=args.keep)

    p95 = percentile(end_to_end, 0.95)
    print()
    print(
        f"Relay served by {args.server} (2 workers x 4 threads)"
        if args.server == "gunicorn"
        else "Relay served by werkzeug's threaded server"
    )
    workers = (
        "`python -m jobs.worker --queues push` + one on sync"
        if args.split_workers
        else "one `python -m jobs.worker` (push, then sync)"
    )
    print(
        f"{len(end_to_end)} tracking updates at {args.rate}/s, {workers}, devstore delivering "
        f"webhooks over HTTP; {elapsed:.0f} s in all"
    )
    print(f"jobs over 1 s meanwhile: {slow or 'none'}")
    print(line("supplier fulfillment -> retailer fulfillment", end_to_end))
    print(line("  baseline: webhook round trip (-> 200)", webhook))
    print(line("  baseline: push job (parcel -> fulfillment)", push))
    print(f"goal p95 < 1000 ms: {'met' if p95 < 1000 else 'NOT met'} ({p95:.0f} ms)")
    print_costs(len(fo_ids), jobs, usage)
    low, high = COMPETITORS_HOURS
    print(
        f"competitors sync tracking every {low}-{high} h: p95 is "
        f"{low * 3600_000 / p95:,.0f}-{high * 3600_000 / p95:,.0f}x sooner "
        f"(their average wait is {low / 2:g}-{high / 2:g} h)"
    )
    print(
        f"retailer fulfillments: {retailer_fulfillments} for {len(fo_ids)} supplier "
        f"fulfillments (duplicates: {retailer_fulfillments - len(fo_ids)})"
    )
    return 0 if retailer_fulfillments == len(fo_ids) == len(end_to_end) else 1


if __name__ == "__main__":
    raise SystemExit(main())
