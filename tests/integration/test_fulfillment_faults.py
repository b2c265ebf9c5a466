"""Fulfillment under faults: workers killed mid-job (real `python -m jobs.worker` processes,
SIGKILL), Shopify down, failing or throttling, Shopify refusing, and bad input. Nothing is
lost, nothing is done twice, and the merchant is told what could not be done."""

import os
import signal
import subprocess
import sys
import threading
import time
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from rq.job import Job
from sqlalchemy import delete, func, select

from background import TRANSIENT_RETRY, queues
from devstore import commerce
from devstore import cost as devstore_cost
from devstore import faults as devstore_faults
from domain.clock import utcnow
from domain.errors import DomainError
from domain.fulfillment import forwarding, recovery, shipments
from domain.fulfillment import requesting as requests
from domain.models.orders import (
    OrderEvent,
    SupplierOrder,
)
from domain.models.shipments import Parcel
from domain.models.shop import WebhookReceipt
from extensions import db, redis_connection
from integrations.shopify_admin import transport
from tests.conftest import API_KEY, ROOT, free_port, worker_env
from tests.integration.test_fulfillment import (
    SKU,
    add_supplier,
    devstore_order,
    place_order,
    refreshed,
    shop_row,
    stock_at_relay,
    supplier_order_of,
)
from tests.integration.test_webhooks import deliver, deliveries_settled, example, wait_for

pytestmark = pytest.mark.attack

TRACKING = shipments.Tracking("tracked", "1Z999AA1", "UPS", "https://ups.example/1Z999AA1")


# -- helpers --------------------------------------------------------------------------------


@pytest.fixture
def retailer(ctx, installed_shop, devstore):
    stock_at_relay(devstore, installed_shop)
    return installed_shop


@pytest.fixture
def supplier_store(make_shop, oauth_install, retailer):
    domain = make_shop("supplier")
    oauth_install(domain)
    add_supplier(retailer, channel="store", store_domain=domain)
    return domain


@pytest.fixture
def start_worker(app, tmp_path):
    """A real worker process (not burst), killed at the end of the test if still running."""
    started = []

    def start() -> subprocess.Popen:
        log = open(tmp_path / f"worker-{len(started)}.log", "w")  # noqa: SIM115
        process = subprocess.Popen(
            [sys.executable, "-m", "jobs.worker"],
            cwd=ROOT,
            env=worker_env(app.config),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
            process.wait()


def children_of(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def running(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except FileNotFoundError:
        return False
    return state not in ("Z", "X")


def sigkill(process: subprocess.Popen) -> list[int]:
    """SIGKILL the worker alone (as the OOM killer would); returns its children's pids."""
    children = children_of(process.pid)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    return children


@contextmanager
def late_answers(devstore, shop: str, seconds: float):
    devstore.settings.answer_delay_shop, devstore.settings.answer_delay_seconds = shop, seconds
    try:
        yield
    finally:
        devstore.settings.answer_delay_seconds = 0.0


def relay_orders_in(devstore, supplier_domain):
    orders = devstore.control.get(f"/_devstore/shops/{supplier_domain}/orders?limit=500").json()
    return [o for o in orders if "relay" in o["tags"]]


def order_id(supplier_order) -> int:
    return int(supplier_order.order.shopify_gid.rsplit("/", 1)[1])


def store_fo(devstore, retailer_domain, supplier_order):
    (fo,) = devstore_order(devstore, retailer_domain, order_id(supplier_order))[
        "fulfillment_orders"
    ]
    return fo


def forwarded(devstore, domain, drain, **order):
    supplier_order = supplier_order_of(domain, place_order(devstore, domain, **order), drain)
    requests.request_fulfillment([supplier_order], actor="merchant")
    db.session.commit()
    drain()
    return refreshed(supplier_order)


def shipped_and_waiting_for_push(devstore, domain, drain):
    """A portal supplier order, accepted (answer sent), with a parcel whose push is queued."""
    supplier_order = forwarded(devstore, domain, drain)
    shipments.supplier_accepts(supplier_order)
    db.session.commit()
    drain()
    # The webhooks the answer set off reach Relay on devstore's own thread, maybe after that
    # drain (SQLite serializes their intake behind the worker's writes): take them too, so
    # the push is all that waits and none of them runs into a later fault.
    wait_for(lambda: deliveries_settled(devstore, domain), timeout=15)
    drain()
    parcel = shipments.record_shipment(refreshed(supplier_order), TRACKING)
    db.session.commit()
    return refreshed(supplier_order), parcel.id


def run_due_retries(app):
    """RQ's scheduler would enqueue a retry after its interval; do it now."""
    with app.app_context():
        for name in queues.QUEUE_ORDER:
            queue = queues.queue(name)
            registry = queue.scheduled_job_registry
            for job_id in registry.get_job_ids():
                job = Job.fetch(job_id, connection=queue.connection)
                registry.remove(job)
                queue.enqueue_job(job)


def scheduled_retries(app) -> list[str]:
    """Jobs waiting in RQ's scheduled registry for a retry (not sweeps or delayed listings)."""
    with app.app_context():
        return [
            job_id
            for name in queues.QUEUE_ORDER
            for job_id in queues.queue(name).scheduled_job_registry.get_job_ids()
            if not job_id.startswith(("sweep-", "admin-requests-"))
        ]


def events(supplier_order, kind):
    return db.session.scalars(
        select(OrderEvent).where(
            OrderEvent.order_id == supplier_order.order_id, OrderEvent.kind == kind
        )
    ).all()


def receipts_of(shop_domain, topic=None):
    query = select(WebhookReceipt).where(WebhookReceipt.shop_domain == shop_domain)
    if topic:
        query = query.where(WebhookReceipt.topic == topic)
    db.session.expire_all()
    return db.session.scalars(query).all()


def lose_every_queued_job(app):
    with app.app_context():
        for name in queues.QUEUE_ORDER:
            queues.queue(name).empty()


# -- a worker killed mid-job ---------------------------------------------------------------


@pytest.mark.parametrize("answer_lost_from", ["retailer store", "supplier store"])
def test_a_forward_killed_before_it_could_save_is_finished_once_by_the_next_worker(
    ctx, app, devstore, retailer, supplier_store, drain, run_worker, start_worker, answer_lost_from
):
    supplier_order = supplier_order_of(retailer, place_order(devstore, retailer), drain)
    requests.request_fulfillment([supplier_order], actor="merchant")
    db.session.commit()
    late_shop = retailer if answer_lost_from == "retailer store" else supplier_store

    with late_answers(devstore, late_shop, 60):
        worker = start_worker()
        if answer_lost_from == "retailer store":  # killed right after Shopify took the request
            wait_for(
                lambda: (
                    store_fo(devstore, retailer, supplier_order)["request_status"] == "SUBMITTED"
                ),
                timeout=30,
            )
        else:  # killed right after the order was created in the supplier's store
            wait_for(lambda: relay_orders_in(devstore, supplier_store), timeout=30)
        children = sigkill(worker)
    wait_for(lambda: not any(running(pid) for pid in children), timeout=10)  # no orphan
    assert refreshed(supplier_order).status == "scheduled", "the killed run saved nothing"

    run_worker()  # a new worker takes back the dead worker's job at start

    supplier_order = refreshed(supplier_order)
    assert supplier_order.status == "in_progress"
    placed = relay_orders_in(devstore, supplier_store)
    assert len(placed) == 1, "one order in the supplier's store"
    assert supplier_order.supplier_reference == f"gid://shopify/Order/{placed[0]['id']}"
    fo = store_fo(devstore, retailer, supplier_order)
    assert len(fo["merchant_requests"]) == 1, "one fulfillment request in the store"
    assert len(events(supplier_order, "forwarded")) == 1


def test_a_push_killed_after_the_store_created_the_fulfillment_adopts_it(
    ctx, app, devstore, retailer, drain, run_worker, start_worker
):
    add_supplier(retailer, channel="portal")
    supplier_order, parcel_id = shipped_and_waiting_for_push(devstore, retailer, drain)

    with late_answers(devstore, retailer, 60):
        worker = start_worker()
        wait_for(
            lambda: devstore_order(devstore, retailer, order_id(supplier_order))["fulfillments"],
            timeout=30,
        )
        sigkill(worker)
    db.session.expire_all()
    assert db.session.get(Parcel, parcel_id).shopify_fulfillment_gid is None

    run_worker()

    (fulfillment,) = devstore_order(devstore, retailer, order_id(supplier_order))["fulfillments"]
    parcel = db.session.get(Parcel, parcel_id)
    assert parcel.push_status == "pushed"
    assert parcel.shopify_fulfillment_gid == f"gid://shopify/Fulfillment/{fulfillment['id']}"
    assert fulfillment["tracking"]["number"] == TRACKING.number and fulfillment["notify_customer"]
    assert refreshed(supplier_order).status == "shipped"


def test_a_worker_killed_mid_run_leaves_nothing_undone_after_restart(
    ctx, app, devstore, retailer, supplier_store, drain, run_worker, start_worker
):
    orders = [place_order(devstore, retailer) for _ in range(6)]
    supplier_orders = [supplier_order_of(retailer, placed, drain) for placed in orders]
    requests.request_fulfillment(supplier_orders, actor="merchant")
    db.session.commit()

    def sent() -> int:
        db.session.expire_all()
        return db.session.scalar(
            select(func.count())
            .select_from(SupplierOrder)
            .where(SupplierOrder.status == "in_progress")
        )

    # Forwarding: killed part-way.
    with late_answers(devstore, retailer, 0.4):
        worker = start_worker()
        wait_for(lambda: sent() >= 2, timeout=60)
        sigkill(worker)
    assert sent() < 6
    run_worker()
    assert sent() == 6
    placed = relay_orders_in(devstore, supplier_store)
    assert len(placed) == 6 and len({o["tags"][1] for o in placed}) == 6, "one order each"
    for supplier_order in supplier_orders:
        assert len(store_fo(devstore, retailer, supplier_order)["merchant_requests"]) == 1

    # Tracking: the supplier ships all six; the worker is killed part-way through the pushes.
    for order in placed:
        fo_id = order["fulfillment_orders"][0]["id"]
        devstore.control.post(
            f"/_devstore/shops/{supplier_store}/fulfillment_orders/{fo_id}/fulfill",
            json={"number": f"LX{fo_id}", "company": "La Poste", "url": "https://lp.example/"},
        ).raise_for_status()
    wait_for(lambda: len(receipts_of(supplier_store, "fulfillments/create")) == 6, timeout=30)

    def pushed() -> int:
        db.session.expire_all()
        return db.session.scalar(
            select(func.count()).select_from(Parcel).where(Parcel.push_status == "pushed")
        )

    with late_answers(devstore, retailer, 0.4):
        worker = start_worker()
        wait_for(lambda: pushed() >= 2, timeout=60)
        sigkill(worker)
    assert pushed() < 6
    restarted = run_worker()
    parcels = [
        (p.id, p.push_status, p.supplier_order.problem) for p in db.session.scalars(select(Parcel))
    ]
    supplier_receipts = [
        (r.id, r.processed_at is not None, r.error)
        for r in receipts_of(supplier_store, "fulfillments/create")
    ]
    assert pushed() == 6, f"{parcels}\n{supplier_receipts}\n{restarted.stderr}"
    for supplier_order in supplier_orders:
        fulfillments = devstore_order(devstore, retailer, order_id(supplier_order))["fulfillments"]
        assert len(fulfillments) == 1, "one fulfillment per parcel, none twice"
        assert refreshed(supplier_order).status == "shipped"


def test_a_forward_due_after_the_worker_died_is_still_sent_on_time(
    ctx, app, devstore, retailer, drain, start_worker
):
    """The hold window ends while no scheduler runs: the dead worker's scheduler died with it
    and left its lock (61 s); the next worker takes the lock at once and sends the order."""
    add_supplier(retailer, channel="portal")
    supplier_order = supplier_order_of(retailer, place_order(devstore, retailer), drain)
    requests.request_fulfillment([supplier_order], actor="merchant")
    db.session.commit()
    lose_every_queued_job(app)
    forwarding.forward.enqueue(
        supplier_order.id, at=utcnow() + timedelta(seconds=10), shop_id=supplier_order.shop_id
    )  # hold ends soon

    worker = start_worker()
    wait_for(lambda: children_of(worker.pid), timeout=30)  # its scheduler is running
    children = sigkill(worker)
    wait_for(lambda: not any(running(pid) for pid in children), timeout=10)
    assert refreshed(supplier_order).status == "scheduled"

    restarted = time.monotonic()
    start_worker()
    wait_for(lambda: refreshed(supplier_order).status == "requested", timeout=30)
    assert time.monotonic() - restarted < 30, "not after the dead scheduler's lock expired"


def test_reconcile_enqueues_again_only_what_lost_jobs_left_undone(
    ctx, app, devstore, retailer, drain
):
    add_supplier(retailer, channel="portal")
    shop = shop_row(retailer)
    unsent = supplier_order_of(retailer, place_order(devstore, retailer), drain)
    requests.request_fulfillment([unsent], actor="merchant")
    db.session.commit()
    lose_every_queued_job(app)  # the forward job is lost
    unpushed, parcel_id = shipped_and_waiting_for_push(devstore, retailer, drain)
    lose_every_queued_job(app)  # the push job is lost
    unseen = place_order(devstore, retailer)  # its orders/create webhook is stored, job lost
    wait_for(lambda: len(receipts_of(retailer, "orders/create")) == 3, timeout=15)
    wait_for(lambda: deliveries_settled(devstore, retailer), timeout=15)  # no late receipt
    lose_every_queued_job(app)
    db.session.execute(
        WebhookReceipt.__table__.update()
        .where(WebhookReceipt.processed_at.is_(None))
        .values(received_at=utcnow() - timedelta(minutes=1))
    )
    db.session.commit()

    lost_receipts = [r for r in receipts_of(retailer) if r.processed_at is None]
    assert lost_receipts

    done = recovery.reconcile(shop)
    assert (done.forwards, done.pushes, done.webhooks) == (1, 1, len(lost_receipts))
    again = recovery.reconcile(shop)
    assert (again.forwards, again.pushes, again.webhooks) == (0, 0, 0), "jobs still waiting"

    drain()
    assert refreshed(unsent).status == "requested"
    assert db.session.get(Parcel, parcel_id).push_status == "pushed"
    assert len(devstore_order(devstore, retailer, order_id(unpushed))["fulfillments"]) == 1
    assert supplier_order_of(retailer, unseen, drain).status == "ready"
    after = recovery.reconcile(shop)
    assert (after.forwards, after.pushes, after.webhooks) == (0, 0, 0)


def test_a_push_a_killed_worker_took_off_the_queue_but_never_started_is_sent_again(
    ctx, app, devstore, retailer, drain
):
    """RQ takes a job off its queue, then marks it started: a worker killed in between leaves
    the job "queued" in name only. Recovery must not take that name for a waiting job."""
    add_supplier(retailer, channel="portal")
    supplier_order, parcel_id = shipped_and_waiting_for_push(devstore, retailer, drain)
    with app.app_context():
        push = queues.queue(queues.PUSH)
        assert push.connection.lpop(push.key).decode() == f"push-parcel-{parcel_id}"
        job = Job.fetch(f"push-parcel-{parcel_id}", connection=push.connection)
        assert job.get_status() == "queued" and push.count == 0

    assert recovery.reconcile(shop_row(retailer)).pushes == 1
    assert recovery.reconcile(shop_row(retailer)).pushes == 0, "now it really waits"
    drain()
    assert db.session.get(Parcel, parcel_id).push_status == "pushed"
    assert len(devstore_order(devstore, retailer, order_id(supplier_order))["fulfillments"]) == 1


def test_a_new_webhook_a_killed_worker_took_off_the_queue_is_processed_at_restart(
    ctx, app, devstore, retailer, drain
):
    """Seconds old, so intake might still be enqueueing it: reconcile leaves such a receipt
    alone while it has no job, but takes it back once a dead worker is known to have had it."""
    place_order(devstore, retailer)
    wait_for(lambda: receipts_of(retailer, "orders/create"), timeout=15)
    (receipt,) = receipts_of(retailer, "orders/create")
    job_id = f"webhook-{receipt.id}"
    with app.app_context():
        push = queues.queue(queues.PUSH)
        # Intake commits the receipt, then enqueues: wait until its job is on the queue.
        wait_for(lambda: job_id in push.get_job_ids(), timeout=15)
        job = Job.fetch(job_id, connection=push.connection)
        assert push.connection.lrem(push.key, 1, job_id) == 1  # taken, as RQ's LPOP takes it
    drain()  # the order's other webhooks
    assert receipts_of(retailer, "orders/create")[0].processed_at is None

    job.delete()  # as if intake had stored the receipt and not yet enqueued it
    assert recovery.reconcile(shop_row(retailer)).webhooks == 0, "left to intake"
    job.save()
    job.set_status("queued")  # back to what the dead worker left: queued in name only
    assert recovery.reconcile(shop_row(retailer)).webhooks == 1
    assert recovery.reconcile(shop_row(retailer)).webhooks == 0, "now it really waits"
    drain()
    assert receipts_of(retailer, "orders/create")[0].processed_at is not None


def test_the_sweep_asks_for_a_reconcile_pass(ctx, app, retailer):
    from domain import sweep
    from domain.fulfillment import recovery
    from jobs.runtime import run_in_app

    shop = shop_row(retailer)
    run_in_app(sweep.sweep, shop.id)
    job = Job.fetch(f"reconcile-{shop.id}", connection=redis_connection())
    assert job.func_name == recovery.reconcile_shop.path and job.args == (shop.id,)


def test_reconcile_takes_a_shopify_admin_request_whose_notifications_never_arrived(
    ctx, app, devstore, retailer, drain
):
    add_supplier(retailer, channel="portal")
    supplier_order = supplier_order_of(retailer, place_order(devstore, retailer), drain)
    fo = store_fo(devstore, retailer, supplier_order)
    devstore.control.post(
        f"/_devstore/shops/{retailer}/fulfillment_orders/{fo['id']}/request_fulfillment"
    ).raise_for_status()
    wait_for(lambda: len(receipts_of(retailer)) >= 3, timeout=15)  # callback + webhook
    lose_every_queued_job(app)
    db.session.execute(delete(WebhookReceipt).where(WebhookReceipt.processed_at.is_(None)))
    db.session.commit()  # as if Relay had been down for all of Shopify's retries
    assert refreshed(supplier_order).status == "ready"

    assert recovery.reconcile(shop_row(retailer)).admin_requests_listed
    assert not recovery.reconcile(shop_row(retailer)).admin_requests_listed, "one at a time"
    drain()
    assert refreshed(supplier_order).status == "requested"
    assert len(store_fo(devstore, retailer, supplier_order)["merchant_requests"]) == 1


# -- Shopify down, failing, throttling ------------------------------------------------------


@contextmanager
def store_fault(app, devstore, shop, kind):
    if kind == "connection refused":
        template = app.config["SHOPIFY_SHOP_URL_TEMPLATE"]
        app.config["SHOPIFY_SHOP_URL_TEMPLATE"] = f"http://127.0.0.1:{free_port()}/store/{{shop}}"
        try:
            yield
        finally:
            app.config["SHOPIFY_SHOP_URL_TEMPLATE"] = template
        return
    devstore.settings.outage, devstore.settings.outage_shop = kind, shop
    devstore.settings.outage_requests = -1
    try:
        yield
    finally:
        devstore.settings.outage, devstore.settings.outage_requests = "", 0


@pytest.mark.parametrize("fault", ["connection refused", "503", "502", "internal_error", "drop"])
def test_a_push_while_the_store_is_down_is_retried_later_and_lands_once(
    ctx, app, devstore, retailer, drain, fault
):
    add_supplier(retailer, channel="portal")
    supplier_order, parcel_id = shipped_and_waiting_for_push(devstore, retailer, drain)

    with store_fault(app, devstore, retailer, fault):
        drain()
    job = Job.fetch(f"push-parcel-{parcel_id}", connection=redis_connection())
    assert job.get_status() == "scheduled" and job.retries_left == 5, "RQ retries it later"
    assert db.session.get(Parcel, parcel_id).push_status == "pending"
    assert not devstore_order(devstore, retailer, order_id(supplier_order))["fulfillments"]

    run_due_retries(app)
    drain()
    db.session.expire_all()
    assert db.session.get(Parcel, parcel_id).push_status == "pushed"
    assert len(devstore_order(devstore, retailer, order_id(supplier_order))["fulfillments"]) == 1


def test_a_push_that_fails_its_last_retry_is_listed_on_its_shops_jobs_page(
    ctx, app, devstore, retailer, drain, relay_server, id_token, make_shop, oauth_install
):
    add_supplier(retailer, channel="portal")
    _, parcel_id = shipped_and_waiting_for_push(devstore, retailer, drain)
    job_id = f"push-parcel-{parcel_id}"

    with store_fault(app, devstore, retailer, "503"):
        drain()
        for _ in range(TRANSIENT_RETRY.max):
            run_due_retries(app)
            drain()
    with app.app_context():
        assert queues.queue(queues.PUSH).failed_job_registry.get_job_ids() == [job_id]
    assert db.session.get(Parcel, parcel_id).push_status == "pending", "nothing lost"

    headers = {"Authorization": f"Bearer {id_token(retailer)}", "HX-Request": "true"}
    page = httpx.get(f"{relay_server.url}/jobs", headers=headers)
    assert f'data-job-id="{job_id}"' in page.text
    assert "Send tracking to the store" in page.text
    assert "Shopify could not be reached." in page.text

    other = make_shop("other")
    oauth_install(other)
    headers = {"Authorization": f"Bearer {id_token(other)}", "HX-Request": "true"}
    assert job_id not in httpx.get(f"{relay_server.url}/jobs", headers=headers).text


def test_a_push_waits_out_a_short_throttle_in_the_same_run(ctx, app, devstore, retailer, drain):
    add_supplier(retailer, channel="portal")
    supplier_order, parcel_id = shipped_and_waiting_for_push(devstore, retailer, drain)
    devstore_cost.bucket_for(API_KEY, retailer, "standard").available = 0  # someone spent it

    drain()
    assert db.session.get(Parcel, parcel_id).push_status == "pushed"
    assert not scheduled_retries(app), "waited, not failed"
    assert len(devstore_order(devstore, retailer, order_id(supplier_order))["fulfillments"]) == 1


def test_a_push_throttled_longer_than_a_job_should_wait_is_retried_later(
    ctx, app, devstore, retailer, drain
):
    add_supplier(retailer, channel="portal")
    supplier_order, parcel_id = shipped_and_waiting_for_push(devstore, retailer, drain)
    bucket = devstore_cost.bucket_for(API_KEY, retailer, "standard")
    bucket.available = -bucket.restore_rate * (transport.MAX_THROTTLE_WAIT + 60)

    started = time.monotonic()
    drain()
    assert time.monotonic() - started < transport.MAX_THROTTLE_WAIT / 2, "did not sit it out"
    assert f"push-parcel-{parcel_id}" in scheduled_retries(app)
    assert db.session.get(Parcel, parcel_id).push_status == "pending"

    bucket.available = bucket.maximum  # the bucket refilled: the wait it asked for is over
    redis_connection().delete(f"relay:{app.config['RQ_QUEUE_PREFIX']}throttled:{retailer}")
    run_due_retries(app)
    drain()
    db.session.expire_all()
    assert db.session.get(Parcel, parcel_id).push_status == "pushed"
    assert len(devstore_order(devstore, retailer, order_id(supplier_order))["fulfillments"]) == 1


def test_shopify_refusing_a_fulfillment_is_shown_to_the_merchant_and_not_retried(
    ctx, app, devstore, retailer, drain
):
    add_supplier(retailer, channel="portal")
    supplier_order = forwarded(devstore, retailer, drain)
    parcel_id = shipments.record_shipment(supplier_order, TRACKING).id  # accepts, then ships
    db.session.commit()
    with app.app_context():  # the answer job has not run: the push accepts the request itself
        queues.queue(queues.PUSH).remove(f"answer-request-{supplier_order.id}")
    fo = store_fo(devstore, retailer, supplier_order)

    # The merchant puts the order on hold in Shopify while Relay's push is under way: after
    # Relay read the fulfillment order, before it acts on it.
    devstore.settings.answer_delay_operation = "OrderFulfillmentState"
    held_before = devstore_faults.held["OrderFulfillmentState"]

    def merchant_holds_it():
        wait_for(lambda: devstore_faults.held["OrderFulfillmentState"] > held_before, timeout=30)
        devstore.control.post(
            f"/_devstore/shops/{retailer}/fulfillment_orders/{fo['id']}/hold",
            json={"message": "Suspicious order"},
        ).raise_for_status()

    holding = threading.Thread(target=merchant_holds_it)
    try:
        with late_answers(devstore, retailer, 1.5):
            holding.start()
            drain()
            holding.join()
    finally:
        devstore.settings.answer_delay_operation = ""
    assert store_fo(devstore, retailer, supplier_order)["status"] == "ON_HOLD"

    db.session.expire_all()
    parcel = db.session.get(Parcel, parcel_id)
    assert parcel.push_status == "rejected"
    refusal = parcel.push_error
    assert refusal and refreshed(supplier_order).problem == refusal
    (event,) = events(supplier_order, "tracking_rejected")
    assert event.data["reason"] == refusal
    assert not scheduled_retries(app), "a refusal is not retried"
    with app.app_context():
        assert queues.queue(queues.PUSH).failed_job_registry.count == 0
    assert not devstore_order(devstore, retailer, order_id(supplier_order))["fulfillments"]


# -- bad requests: twice, unpaid, cancelled, fulfilled ---------------------------------------


def request_in_shopify_admin(devstore, domain, supplier_order):
    fo = store_fo(devstore, domain, supplier_order)
    devstore.control.post(
        f"/_devstore/shops/{domain}/fulfillment_orders/{fo['id']}/request_fulfillment",
        json={"message": "Please ship"},
    ).raise_for_status()
    wait_for(
        lambda: (
            len(receipts_of(domain, "fulfillment_orders/fulfillment_request_submitted")) == 1
            and len(receipts_of(domain, "fulfillment_service/notification")) == 1
        ),
        timeout=15,
    )


def test_requested_in_the_grid_and_in_the_shopify_admin_is_sent_once(
    ctx, app, devstore, retailer, supplier_store, drain
):
    supplier_order = supplier_order_of(retailer, place_order(devstore, retailer), drain)
    assert requests.request_fulfillment([supplier_order], actor="merchant").done == 1
    db.session.commit()
    request_in_shopify_admin(devstore, retailer, supplier_order)  # before Relay forwarded it
    drain()

    supplier_order = refreshed(supplier_order)
    assert supplier_order.status == "in_progress"
    assert len(relay_orders_in(devstore, supplier_store)) == 1
    assert len(store_fo(devstore, retailer, supplier_order)["merchant_requests"]) == 1
    assert len(events(supplier_order, "forwarded")) == 1
    again = requests.request_fulfillment([supplier_order], actor="merchant")
    assert again.done == 0 and "cannot be requested again" in again.refused[0]


def test_requested_in_the_shopify_admin_then_in_the_grid_is_sent_once(
    ctx, app, devstore, retailer, supplier_store, drain
):
    supplier_order = supplier_order_of(retailer, place_order(devstore, retailer), drain)
    request_in_shopify_admin(devstore, retailer, supplier_order)
    drain()
    supplier_order = refreshed(supplier_order)
    assert supplier_order.status == "in_progress"
    (event,) = events(supplier_order, "fulfillment_requested")
    assert event.actor_name == "Shopify admin"

    again = requests.request_fulfillment([supplier_order], actor="merchant")
    db.session.commit()
    drain()
    assert again.done == 0 and "cannot be requested again" in again.refused[0]
    assert len(relay_orders_in(devstore, supplier_store)) == 1
    assert len(store_fo(devstore, retailer, supplier_order)["merchant_requests"]) == 1


def test_a_shopify_admin_request_for_an_unpaid_order_is_declined_with_the_reason(
    ctx, app, devstore, retailer, supplier_store, drain
):
    supplier_order = supplier_order_of(retailer, place_order(devstore, retailer, paid=False), drain)
    request_in_shopify_admin(devstore, retailer, supplier_order)
    drain()

    fo = store_fo(devstore, retailer, supplier_order)
    assert fo["request_status"] == "REJECTED", "answered in the store, not left hanging"
    assert refreshed(supplier_order).status == "awaiting_payment"
    (event,) = events(supplier_order, "request_declined_by_relay")
    assert "not paid" in event.data["reason"]
    assert not relay_orders_in(devstore, supplier_store), "nothing sent"


def test_a_cancelled_order_cannot_be_requested_and_one_cancelled_meanwhile_is_not_sent(
    ctx, app, devstore, retailer, supplier_store, drain
):
    # Cancelled before the request: refused with a reason.
    cancelled = supplier_order_of(retailer, place_order(devstore, retailer), drain)
    commerce.cancel_order(
        devstore.store, retailer, order_id(cancelled), reason="CUSTOMER", restock=True
    )
    wait_for(lambda: (drain(), refreshed(cancelled).status)[1] == "cancelled", timeout=15)
    outcome = requests.request_fulfillment([refreshed(cancelled)], actor="merchant")
    assert outcome.done == 0 and "is cancelled" in outcome.refused[0]

    # Cancelled in Shopify after the request, before the hold window ended: not sent.
    later = supplier_order_of(retailer, place_order(devstore, retailer), drain)
    requests.request_fulfillment([later], actor="merchant")
    db.session.commit()
    commerce.cancel_order(devstore.store, retailer, order_id(later), reason="FRAUD", restock=True)
    drain()  # the forward job runs first: Shopify says nothing is left to fulfill
    assert "Nothing was sent to the supplier" in refreshed(later).problem
    wait_for(lambda: (drain(), refreshed(later).status)[1] == "cancelled", timeout=15)
    assert not relay_orders_in(devstore, supplier_store), "nothing sent to the supplier"


def test_an_order_fulfilled_in_shopify_is_neither_sent_nor_requestable(
    ctx, app, devstore, retailer, supplier_store, drain
):
    supplier_order = supplier_order_of(retailer, place_order(devstore, retailer), drain)
    requests.request_fulfillment([supplier_order], actor="merchant")
    db.session.commit()
    fo = store_fo(devstore, retailer, supplier_order)
    devstore.control.post(  # the merchant fulfilled it in Shopify during the hold window
        f"/_devstore/shops/{retailer}/fulfillment_orders/{fo['id']}/fulfill",
        json={"number": "OWN1", "company": "DHL"},
    ).raise_for_status()
    wait_for(lambda: (drain(), refreshed(supplier_order).status)[1] == "shipped", timeout=15)
    assert not relay_orders_in(devstore, supplier_store), "nothing sent to the supplier"
    (failed,) = events(supplier_order, "forward_failed")
    assert "Nothing was sent" in failed.data["reason"]
    outcome = requests.request_fulfillment([refreshed(supplier_order)], actor="merchant")
    assert outcome.done == 0 and "already “Shipped”" in outcome.refused[0]


# -- what suppliers send ---------------------------------------------------------------------


def test_a_supplier_store_cannot_report_shipments_on_an_order_it_does_not_own(
    ctx, app, devstore, retailer, supplier_store, make_shop, oauth_install, relay_server, drain
):
    supplier_order = forwarded(devstore, retailer, drain)
    (placed,) = relay_orders_in(devstore, supplier_store)
    other = make_shop("other")
    oauth_install(other)
    # Another store that installed Relay claims a fulfillment of the supplier's order (signed
    # with Relay's secret like any genuine webhook from that store) ...
    claim = example("fulfillments/create") | {"order_id": placed["id"], "tracking_number": "X1"}
    assert deliver(relay_server, other, "fulfillments/create", claim).status_code == 200
    # ... and fulfills an order of its own that has nothing to do with Relay.
    own = devstore.control.post(
        f"/_devstore/shops/{other}/orders", json={"line_items": [{"sku": SKU}]}
    ).json()
    devstore.control.post(
        f"/_devstore/shops/{other}/fulfillment_orders/{own['fulfillment_orders'][0]['id']}/fulfill",
        json={"number": "X2"},
    ).raise_for_status()
    wait_for(lambda: len(receipts_of(other, "fulfillments/create")) == 2, timeout=15)
    drain()

    assert all(r.processed_at and not r.error for r in receipts_of(other, "fulfillments/create"))
    supplier_order = refreshed(supplier_order)
    assert supplier_order.parcels == [] and supplier_order.status == "in_progress"
    assert not devstore_order(devstore, retailer, order_id(supplier_order))["fulfillments"]


def test_a_tracking_url_that_is_not_a_web_address_is_refused_and_the_merchant_told(
    ctx, app, devstore, retailer, supplier_store, drain
):
    supplier_order = forwarded(devstore, retailer, drain)
    (placed,) = relay_orders_in(devstore, supplier_store)
    fulfillment = commerce.create_fulfillment(
        devstore.store,
        supplier_store,
        by_fulfillment_order=[{"fulfillment_order_id": placed["fulfillment_orders"][0]["id"]}],
        tracking={"company": "UPS", "number": "1Z5", "url": "javascript:alert(1)"},
    )
    wait_for(lambda: receipts_of(supplier_store, "fulfillments/create"), timeout=15)
    drain()
    supplier_order = refreshed(supplier_order)
    assert supplier_order.parcels == [], "nothing recorded, nothing pushed"
    assert "could not use" in supplier_order.problem
    (event,) = events(supplier_order, "supplier_shipment_refused")
    assert "http" in event.data["reason"]
    assert not devstore_order(devstore, retailer, order_id(supplier_order))["fulfillments"]

    # The supplier corrects it in its store: the update brings the parcel in.
    commerce.update_tracking(
        devstore.store,
        supplier_store,
        fulfillment["id"],
        tracking={"company": "UPS", "number": "1Z5", "url": "https://ups.example/1Z5"},
    )
    wait_for(lambda: receipts_of(supplier_store, "fulfillments/update"), timeout=15)
    drain()
    (pushed,) = devstore_order(devstore, retailer, order_id(supplier_order))["fulfillments"]
    assert pushed["tracking"]["url"] == "https://ups.example/1Z5"

    # A merchant or portal update with a bad URL changes nothing and pushes nothing.
    parcel = refreshed(supplier_order).parcels[0]
    with pytest.raises(DomainError, match="http"):
        shipments.update_tracking(parcel, shipments.Tracking("tracked", "1Z6", "UPS", "ftp://x"))
    db.session.rollback()
    parcel = refreshed(supplier_order).parcels[0]
    assert (parcel.tracking_number, parcel.push_status) == ("1Z5", "pushed")
