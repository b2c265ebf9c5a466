"""Paying suppliers (issue 15): checkout page server time, pay -> forwarded latency, and 1,000
automatic payments with declines and a worker SIGKILLed midway.

    python bench/payments.py [--payments 1000] [--paid 30] [--checkout-orders 50]
                             [--requests 100] [--plan plus] [--keep]

The real parts, each its own process (bench/fulfillment_rig.py): devstore, Relay under
gunicorn (2 workers x 4 threads, as scripts/dev.sh), two `python -m jobs.worker`, the Stripe
stand-in (`python -m standins.stripe serve`), PostgreSQL and Redis (TEST_REDIS_URL, EMPTIED);
the ECB stand-in in a thread. Suppliers are portal suppliers that connected their own Stripe
account at the stand-in (onboarding) and take cards; the merchant saved a card.

1. Checkout: GET /payments/checkout?so=..(x50) for unpaid orders of one supplier, server time
   as bench/grid.py measures it (Flask's test client in this process: ID token, shop, quote,
   template), against the grid's htmx request (GET /orders, HX-Request) of the same shop.
2. Pay -> forwarded: a card payment (the checkout's POST /payments, the card confirmed at the
   Stripe stand-in as Stripe.js does, then POST /payments/<id>/confirmed over HTTP) until the
   supplier order is "requested" (its forwarded_at, written by the RQ worker's forward job).
   Baseline in the same run: Request Fulfillment -> requested for a supplier not paid through
   Relay (the same forward job without a payment).
3. Automatic: --payments orders of pay-automatically suppliers, 10 % of them on a shop whose
   saved card is declined when charged (4000000000000341), all requested at once (the queue
   saturated); one worker SIGKILLed when half are decided, a new one started. Checked: intents
   succeeded at the Stripe stand-in = orders paid in Relay, no order with two succeeded
   payments or intents, no order sent without being paid. Exit 1 if one breaks.
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from collections import Counter

import httpx
from fulfillment_rig import percentile, wait_until
from payments_rig import (
    DECLINED_WHEN_CHARGED,
    SENT,
    STRIPE_PUBLISHABLE,
    VISA,
    PayRig,
    add_supplier,
    id_token,
    load,
    new_shop,
    orders_state,
    place_synced,
    request,
)
from werkzeug.datastructures import MultiDict


def p50_p95(values: list[float]) -> tuple[float, float]:
    return statistics.median(values), percentile(values, 0.95)


# -- 1. checkout page against the grid's htmx request ----------------------------------------


def checkout_vs_grid(rig: PayRig, domain: str, supplier_id: int, ids: list[int], n: int) -> dict:
    """Server time as bench/grid.py takes it (the test client in this process), the two
    requests interleaved so the machine's load falls on both alike."""
    with rig.app.app_context():
        client = rig.app.test_client()

        def timed(path: str, query, htmx: bool, marker: str) -> float:
            headers = {"Authorization": f"Bearer {id_token(domain)}"}
            if htmx:
                headers["HX-Request"] = "true"
            started = time.perf_counter()
            response = client.get(path, query_string=query, headers=headers)
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, response.text[:300]
            assert marker in response.text, f"{path}: {marker!r} missing"
            return elapsed

        checkout = MultiDict([("so", str(i)) for i in ids])
        grid = {"supplier": supplier_id}
        times = {"checkout": [], "grid": []}
        for round_ in range(n + 3):
            pair = (
                ("checkout", timed("/payments/checkout", checkout, False, "Pay")),
                ("grid", timed("/orders", grid, True, 'id="order-row-')),
            )
            if round_ >= 3:  # three warm-up rounds
                for name, elapsed in pair:
                    times[name].append(elapsed)
        shown = client.get(
            "/payments/checkout",
            query_string=checkout,
            headers={"Authorization": f"Bearer {id_token(domain)}"},
        ).text
        times["orders_shown"] = sum(1 for i in ids if f'id="checkout-order-{i}"' in shown)
        times["unpayable"] = shown.count('class="unpayable"')
        times["queries"] = queries_by_size(client, domain, ids)
    return times


def queries_by_size(client, domain: str, ids: list[int]) -> str:
    """Statements one checkout request sends for 1, 10 and all the orders: flat, or N+1."""
    from sqlalchemy import event

    from extensions import db

    sent = []
    counted = lambda *args: sent.append(1)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", counted)
    counts = []
    try:
        for size in sorted({1, min(10, len(ids)), len(ids)}):
            sent.clear()
            query = MultiDict([("so", str(i)) for i in ids[:size]])
            headers = {"Authorization": f"Bearer {id_token(domain)}"}
            client.get("/payments/checkout", query_string=query, headers=headers)
            counts.append(f"{size} orders: {len(sent)}")
    finally:
        event.remove(db.engine, "before_cursor_execute", counted)
    return ", ".join(counts)


# -- 2. pay -> forwarded, and request -> forwarded without a payment --------------------------


def plain_post(rig: PayRig, domain: str, path: str, data: dict) -> httpx.Response:
    """A form post from the embedded page: the ID token in the hidden field app.js adds."""
    return httpx.post(
        rig.relay_url + path,
        params={"embedded": "1", "shop": domain},
        data={**data, "id_token": id_token(domain)},
        timeout=30,
        follow_redirects=False,
    )


def latest_payment(rig: PayRig, supplier_order_id: int):
    from sqlalchemy import select

    from domain.models.payments import SupplierPayment, SupplierPaymentItem
    from extensions import db

    with rig.app.app_context():
        payment = db.session.scalars(
            select(SupplierPayment)
            .join(SupplierPaymentItem)
            .where(SupplierPaymentItem.supplier_order_id == supplier_order_id)
            .order_by(SupplierPayment.id.desc())
        ).first()
        db.session.expunge(payment)
        return payment


def confirm_at_stripe(rig: PayRig, payment) -> str:
    """What Stripe.js's confirmCardPayment sends from the card page (4242...)."""
    from integrations import stripe_api
    from tests.integration import stripe_flows

    standin = type("S", (), {"url": rig.stripe_url, "publishable_key": STRIPE_PUBLISHABLE})
    with rig.app.app_context():
        intent = stripe_api.retrieve_intent(payment.provider_account, payment.provider_reference)
    answer = stripe_flows.shim_confirm(standin, intent, payment.provider_account, VISA)
    return answer.json()["status"]


def forwarded_after(rig: PayRig, supplier_order_id: int, since: float) -> float:
    """Seconds from `since` to the supplier order's forwarded_at, once it is "requested"."""
    state = wait_until(
        lambda: (
            (s := orders_state(rig, [supplier_order_id])[supplier_order_id])[0] == "requested" and s
        ),
        120,
        0.01,
        f"supplier order {supplier_order_id} requested",
    )
    return state[1].timestamp() - since


def pay_then_forward(rig: PayRig, domain: str, supplier_order_id: int) -> tuple[float, float]:
    answer = plain_post(rig, domain, "/payments", {"so": supplier_order_id, "method": "card"})
    assert answer.status_code == 303, answer.text[:300]
    payment = latest_payment(rig, supplier_order_id)
    assert confirm_at_stripe(rig, payment) == "succeeded"
    started = time.time()
    answer = plain_post(rig, domain, f"/payments/{payment.id}/confirmed", {})
    confirmed = time.time() - started
    assert answer.status_code == 303, answer.text[:300]
    return forwarded_after(rig, supplier_order_id, started), confirmed


def request_then_forward(rig: PayRig, supplier_order_id: int) -> float:
    started = time.time()
    request(rig, [supplier_order_id])
    return forwarded_after(rig, supplier_order_id, started)


# -- 3. automatic payments, queue saturated, a worker killed ---------------------------------


def decided(rig: PayRig, ids: list[int]) -> dict[str, int]:
    """Automatic payments of these supplier orders by status."""
    from sqlalchemy import func, select

    from domain.models.payments import SupplierPayment, SupplierPaymentItem
    from extensions import db

    with rig.app.app_context():
        return dict(
            db.session.execute(
                select(SupplierPayment.status, func.count(SupplierPayment.id.distinct()))
                .join(SupplierPaymentItem)
                .where(SupplierPaymentItem.supplier_order_id.in_(ids), SupplierPayment.automatic)
                .group_by(SupplierPayment.status)
            ).all()
        )


def settled(rig: PayRig, ids: list[int]) -> bool:
    """Every order paid and sent, or its payment failed (and nothing is left queued)."""
    states = orders_state(rig, ids).values()
    done = sum(1 for s in states if s[0] == "requested" or (s[0] == "scheduled" and s[3]))
    return done == len(ids) and rig.queues_idle()


def saturate(rig: PayRig, paying: list[int], declining: list[int], kill_at: float) -> dict:
    """Request them all at once (mixed, in commits of 100); SIGKILL a worker at `kill_at`."""
    ids = paying + declining
    every = max(1, round(len(ids) / max(1, len(declining))))
    paying_left, declining_left, mixed = list(paying), list(declining), []
    for i in range(len(ids)):
        take_declining = declining_left and (i % every == every - 1 or not paying_left)
        mixed.append((declining_left if take_declining else paying_left).pop(0))
    clicked = time.time()
    for start in range(0, len(mixed), 100):
        request(rig, mixed[start : start + 100])
    enqueued = time.time() - clicked
    killed = None
    if kill_at > 0:
        wait_until(
            lambda: (
                sum(decided(rig, ids).get(s, 0) for s in ("succeeded", "failed"))
                >= len(ids) * kill_at
            ),
            3600,
            0.2,
            "the kill point",
        )
        rig.kill_worker()
        killed = (time.time() - clicked, decided(rig, ids))
        time.sleep(1)
        rig.start_worker()
    finished = True
    try:
        wait_until(lambda: settled(rig, ids), 3600, 0.5, "every payment decided")
    except SystemExit as exc:
        print(f"NOT SETTLED: {exc}")
        finished = False
    idle = time.time() - clicked
    return {"clicked": clicked, "enqueued": enqueued, "killed": killed, "finished": finished,
            "idle": idle}  # fmt: skip


def invariants(rig: PayRig, domains: list[str], accounts: list[str], ids: list[int]) -> dict:
    """What the Stripe stand-in charged against what Relay recorded, over the paying shops."""
    from sqlalchemy import func, or_, select

    from domain.models.orders import SupplierOrder
    from domain.models.payments import SupplierPayment, SupplierPaymentItem
    from domain.models.shop import Shop
    from extensions import db
    from integrations import stripe_api

    with rig.app.app_context():
        intents = [i for account in accounts for i in stripe_api.list_intents(account)]
        succeeded = [i for i in intents if i.succeeded]
        by_payment = Counter(i.metadata.get("relay_payment_id") for i in succeeded)
        shops = select(Shop.id).where(Shop.domain.in_(domains))
        orders = select(SupplierOrder).where(SupplierOrder.shop_id.in_(shops))
        rows = db.session.scalars(orders).all()
        paid = [so for so in rows if so.supplier_paid_at is not None]
        order_of_payment = dict(
            db.session.execute(
                select(SupplierPaymentItem.payment_id, SupplierPaymentItem.supplier_order_id)
            ).all()
        )
        intents_per_order = Counter(
            order_of_payment.get(int(pid)) for pid in by_payment.elements() if pid
        )
        twice_paid = db.session.execute(
            select(SupplierPaymentItem.supplier_order_id)
            .join(SupplierPayment)
            .where(SupplierPayment.status == "succeeded")
            .group_by(SupplierPaymentItem.supplier_order_id)
            .having(func.count(SupplierPayment.id) > 1)
        ).all()
        unpaid_sent = db.session.scalars(
            orders.where(
                SupplierOrder.supplier_paid_at.is_(None),
                or_(SupplierOrder.forwarded_at.is_not(None), SupplierOrder.status.in_(SENT)),
            )
        ).all()
        mine = [so for so in rows if so.id in set(ids)]
    return {
        "intents": len(intents),
        "charges": len(succeeded),
        "paid": len(paid),
        "double_intents": sum(1 for n in by_payment.values() if n > 1)
        + sum(1 for n in intents_per_order.values() if n > 1),
        "double_payments": len(twice_paid),
        "unpaid_sent": len(unpaid_sent),
        "run_paid": sum(1 for so in mine if so.supplier_paid_at is not None),
        "run_sent": sum(1 for so in mine if so.status in SENT),
        "run_failed": sum(1 for so in mine if so.status == "scheduled" and so.payment_failure),
    }


def last_decided(rig: PayRig, ids: list[int]) -> float:
    from sqlalchemy import func, select

    from domain.models.orders import SupplierOrder
    from domain.models.payments import SupplierPayment, SupplierPaymentItem
    from extensions import db

    with rig.app.app_context():
        paid = db.session.scalar(
            select(func.max(SupplierPayment.updated_at))
            .join(SupplierPaymentItem)
            .where(SupplierPaymentItem.supplier_order_id.in_(ids))
        )
        sent = db.session.scalar(
            select(func.max(SupplierOrder.forwarded_at)).where(SupplierOrder.id.in_(ids))
        )
    return max(t.timestamp() for t in (paid, sent) if t is not None)


# -- the run ----------------------------------------------------------------------------------


def setup(rig: PayRig, args) -> dict:
    shops = {name: new_shop(rig, name) for name in ("paying", "declining", "plain")}
    a_supplier, a_account = add_supplier(rig, shops["paying"], stripe=True, pay="manual", card=VISA)
    _, b_account = add_supplier(
        rig, shops["declining"], stripe=True, pay="auto", card=DECLINED_WHEN_CHARGED
    )
    add_supplier(rig, shops["plain"], stripe=False, pay="manual", card=None)
    print(
        f"setup: {args.checkout_orders} + {args.paid} orders, {args.paid} baseline ...", flush=True
    )
    checkout_ids = place_synced(rig, shops["paying"], args.checkout_orders)
    pay_ids = place_synced(rig, shops["paying"], args.paid)
    request(rig, pay_ids)  # requested: each waits for its payment
    plain_ids = place_synced(rig, shops["plain"], args.paid)
    wait_until(rig.queues_idle, 600, 0.5, "quiet queues")
    return {
        "shops": shops, "supplier": a_supplier, "accounts": [a_account, b_account],
        "checkout": checkout_ids, "pay": pay_ids, "plain": plain_ids,
    }  # fmt: skip


def automatic_setup(rig: PayRig, run: dict, n: int) -> tuple[list[int], list[int]]:
    from domain.models.orders import Supplier
    from extensions import db

    with rig.app.app_context():
        db.session.get(Supplier, run["supplier"]).pay_mode = "auto"
        db.session.commit()
    declines = n // 10
    print(f"setup: {n} orders for automatic payment ({declines} on the declining card) ...")
    started = time.monotonic()
    paying = place_synced(rig, run["shops"]["paying"], n - declines)
    declining = place_synced(rig, run["shops"]["declining"], declines)
    wait_until(rig.queues_idle, 1200, 0.5, "quiet queues")
    print(f"  ({time.monotonic() - started:.0f} s)", flush=True)
    return paying, declining


def report_checkout(times: dict, orders: int) -> None:
    c50, c95 = p50_p95(times["checkout"])
    g50, g95 = p50_p95(times["grid"])
    verdict = "met" if c95 < 100 else "NOT met"
    print(
        f"\n1. checkout page for {orders} orders of one supplier ({times['orders_shown']} listed,"
        f" {times['unpayable']} unpayable),"
    )
    print(
        f"   server time over {len(times['checkout'])} requests each, interleaved, in ms (p50 p95)"
    )
    print(
        f"   checkout GET /payments/checkout       {c50:6.1f} {c95:6.1f}"
        f"   goal p95 < 100 ms: {verdict}"
    )
    print(f"   baseline: grid htmx GET /orders         {g50:6.1f} {g95:6.1f}")
    print(f"   ratio checkout / grid htmx, p95: {c95 / g95:.2f}x (p50 {c50 / g50:.2f}x)")
    print(f"   queries per checkout request: {times['queries']}")


def report_forwarding(paid: list, plain: list[float]) -> None:
    latency = [p[0] * 1000 for p in paid]
    confirm = [p[1] * 1000 for p in paid]
    baseline = [t * 1000 for t in plain]
    l50, l95 = p50_p95(latency)
    b50, b95 = p50_p95(baseline)
    c50, c95 = p50_p95(confirm)
    verdict = "met" if l95 < 1000 else "NOT met"
    print(
        f"\n2. pay -> forwarded, {len(paid)} card payments one after another, 2 RQ workers, in ms"
    )
    print(
        f"   POST /payments/<id>/confirmed sent -> supplier order requested:"
        f" p50 {l50:.0f}, p95 {l95:.0f} (goal p95 < 1 s: {verdict})"
    )
    print(
        f"   of which the POST's round trip (Stripe read, payment recorded):"
        f" p50 {c50:.0f}, p95 {c95:.0f}"
    )
    print(
        f"   baseline: Request Fulfillment -> requested, supplier not paid through Relay:"
        f" p50 {b50:.0f}, p95 {b95:.0f}"
    )
    print(f"   ratio pay -> forwarded / request -> forwarded, p95: {l95 / b95:.2f}x")


def report_automatic(n: int, declines: int, run: dict, checked: dict, took: float) -> bool:
    killed = run["killed"]
    print(
        f"\n3. {n} automatic payments ({declines} on a card declined when charged), all requested"
    )
    print(f"   at once ({run['enqueued']:.1f} s to enqueue), 2 RQ workers")
    if killed:
        at, counts = killed
        print(
            f"   worker SIGKILLed at {at:.1f} s with payments {counts}; a new one started 1 s later"
        )
    print(
        f"   all decided in {took:.1f} s: {n / took:.1f} payments/s"
        " (click -> last payment recorded or order sent)"
    )
    print(f"   queues idle (every webhook and echo processed) {run['idle']:.0f} s after the click")
    print(
        f"   in this run: {checked['run_paid']} paid and sent ({checked['run_sent']} sent),"
        f" {checked['run_failed']} 'Payment failed' and not sent"
    )
    print(
        f"   Stripe stand-in: {checked['charges']} intents succeeded (of {checked['intents']})"
        f" = {checked['paid']} supplier orders paid in Relay"
        " (both shops, the checkout payments of 2 included)"
    )
    print(
        f"   double charges: {checked['double_intents']} (intents), {checked['double_payments']}"
        f" (orders with two succeeded payments); forwarded unpaid: {checked['unpaid_sent']}"
    )
    ok = (
        run["finished"]
        and checked["charges"] == checked["paid"]
        and checked["double_intents"] == checked["double_payments"] == checked["unpaid_sent"] == 0
        and checked["run_paid"] == n - declines == checked["run_sent"]
        and checked["run_failed"] == declines
    )
    print("   invariants hold" if ok else "   FAILED: an invariant broke")
    return ok


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--payments", type=int, default=1000)
    parser.add_argument("--paid", type=int, default=30, help="card payments timed (2)")
    parser.add_argument("--checkout-orders", type=int, default=50)
    parser.add_argument("--requests", type=int, default=100, help="checkout requests (1)")
    parser.add_argument("--kill-at", type=float, default=0.5, help="fraction decided (0: none)")
    parser.add_argument("--plan", default="plus", choices=("standard", "advanced", "plus"))
    parser.add_argument("--keep", action="store_true", help="keep the database and logs")
    args = parser.parse_args()
    began = time.monotonic()
    print(f"machine: {os.cpu_count()} cores, {load()} at start", flush=True)
    rig = PayRig(args.plan).start()
    try:
        run = setup(rig, args)
        print(f"measuring 2: {args.paid} payments, {args.paid} baseline requests ...", flush=True)
        paid, plain = [], []
        for pay_id, plain_id in zip(run["pay"], run["plain"], strict=True):
            paid.append(pay_then_forward(rig, run["shops"]["paying"], pay_id))
            plain.append(request_then_forward(rig, plain_id))
        paying, declining = automatic_setup(rig, run, args.payments)
        print(f"measuring 3 ({load()}) ...", flush=True)
        automatic = saturate(rig, paying, declining, args.kill_at)
        ids = paying + declining
        took = last_decided(rig, ids) - automatic["clicked"]
        checked = invariants(rig, [run["shops"]["paying"], run["shops"]["declining"]],
                             run["accounts"], ids)  # fmt: skip
        print(f"measuring 1 ({load()}) ...", flush=True)
        times = checkout_vs_grid(
            rig, run["shops"]["paying"], run["supplier"], run["checkout"], args.requests
        )
    finally:
        rig.stop(keep=args.keep)
    print(f"\nRelay under gunicorn (2 x 4 threads), devstore plan {args.plan}, PostgreSQL, Redis,")
    print("Stripe stand-in (standins.stripe), portal suppliers paid on their own Stripe account")
    report_checkout(times, len(run["checkout"]))
    report_forwarding(paid, plain)
    ok = report_automatic(args.payments, len(declining), automatic, checked, took)
    print(f"\n{load()} at the end (the figures stretch with the machine's load)")
    print(f"run time {time.monotonic() - began:.0f} s")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
