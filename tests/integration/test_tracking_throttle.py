"""Tracking under Shopify's throttle and concurrency (issue 18): a throttled shop's jobs wait
out of the workers' way (deferred in RQ's schedule, not slept in a worker), another shop's go
on; a push costs one mutation and its own echo costs no read; a tracking change made while the
parcel's push runs is sent after it, never lost and never doubled."""

import time

import pytest
from rq.job import Job

from devstore import cost as devstore_cost
from domain.fulfillment import shipments
from domain.models.shipments import Parcel
from extensions import db, redis_connection
from integrations.shopify_admin import throttle
from tests.conftest import API_KEY
from tests.integration.test_fulfillment import (
    add_supplier,
    devstore_order,
    refreshed,
    stock_at_relay,
)
from tests.integration.test_fulfillment_faults import (
    TRACKING,
    forwarded,
    late_answers,
    order_id,
    run_due_retries,
    scheduled_retries,
    shipped_and_waiting_for_push,
    start_worker,  # noqa: F401  (a fixture)
)
from tests.integration.test_webhooks import deliveries_settled, wait_for

pytestmark = pytest.mark.postgresql


@pytest.fixture
def two_retailers(ctx, devstore, make_shop, oauth_install):
    shops = []
    for prefix in ("busy", "quiet"):
        domain = make_shop(prefix)
        oauth_install(domain)
        stock_at_relay(devstore, domain)
        add_supplier(domain, channel="portal")
        shops.append(domain)
    return shops


def pushes_waiting(devstore, shops, drain) -> list[tuple]:
    """In each shop a portal supplier order, accepted (answer sent), then a parcel of each, its
    push queued: (supplier order, parcel id) per shop, nothing run yet."""
    accepted = []
    for domain in shops:
        supplier_order = forwarded(devstore, domain, drain)
        shipments.supplier_accepts(supplier_order)
        db.session.commit()
        drain()
        wait_for(lambda domain=domain: deliveries_settled(devstore, domain), timeout=15)
        drain()
        accepted.append(refreshed(supplier_order))
    parcels = [shipments.record_shipment(so, TRACKING).id for so in accepted]
    db.session.commit()
    return [(refreshed(so), parcel) for so, parcel in zip(accepted, parcels, strict=True)]


def usage_calls(devstore, shop: str) -> dict[str, int]:
    rows = devstore.control.get("/_devstore/usage", params={"shop": shop}).json()
    found = next((r for r in rows if r["client_id"] == API_KEY), {"operations": {}})
    return {name: op["calls"] for name, op in found["operations"].items()}


def test_a_throttled_shops_push_is_deferred_while_another_shops_push_goes_out(
    app, devstore, two_retailers, drain
):
    busy, quiet = two_retailers
    (busy_order, busy_parcel), (quiet_order, quiet_parcel) = pushes_waiting(
        devstore, two_retailers, drain
    )
    bucket = devstore_cost.bucket_for(API_KEY, busy, "standard")
    bucket.available = -bucket.restore_rate * 10  # someone spent it: ~10 s to wait
    devstore.control.delete("/_devstore/usage")

    drain()

    db.session.expire_all()
    assert db.session.get(Parcel, quiet_parcel).push_status == "pushed"
    assert len(devstore_order(devstore, quiet, order_id(quiet_order))["fulfillments"]) == 1
    assert db.session.get(Parcel, busy_parcel).push_status == "pending"
    assert f"push-parcel-{busy_parcel}" in scheduled_retries(app), "deferred, not failed"
    job = Job.fetch(f"push-parcel-{busy_parcel}", connection=redis_connection())
    assert job.retries_left == 6, "a deferral uses up none of the job's retries"
    assert usage_calls(devstore, busy) == {"FulfillmentCreate": 1}, "one throttled call"

    # Its throttle over (the recorded wait expires on its own), the push goes out, once.
    with app.app_context():
        wait_for(lambda: throttle.throttled_for(busy) == 0, timeout=20)
    bucket.available = bucket.maximum
    run_due_retries(app)
    drain()
    db.session.expire_all()
    assert db.session.get(Parcel, busy_parcel).push_status == "pushed"
    assert len(devstore_order(devstore, busy, order_id(busy_order))["fulfillments"]) == 1


def test_a_job_of_a_throttled_shop_waits_without_calling_shopify(
    app, devstore, two_retailers, drain
):
    busy, quiet = two_retailers
    (busy_order, busy_parcel), (_, quiet_parcel) = pushes_waiting(devstore, two_retailers, drain)
    with app.app_context():
        throttle.note_throttled(busy, 30)  # another worker's call was told to wait 30 s
    devstore.control.delete("/_devstore/usage")

    started = time.monotonic()
    drain()

    assert time.monotonic() - started < 15, "no worker sat out the 30 s"
    assert usage_calls(devstore, busy) == {}, "nothing sent while the shop is throttled"
    db.session.expire_all()
    assert db.session.get(Parcel, busy_parcel).push_status == "pending"
    assert f"push-parcel-{busy_parcel}" in scheduled_retries(app)
    assert db.session.get(Parcel, quiet_parcel).push_status == "pushed"
    assert not devstore_order(devstore, busy, order_id(busy_order))["fulfillments"]


def test_a_push_is_one_mutation_and_its_echo_reads_nothing_back(
    app, devstore, two_retailers, drain
):
    retailer, _ = two_retailers
    supplier_order, parcel_id = shipped_and_waiting_for_push(devstore, retailer, drain)
    devstore.control.delete("/_devstore/usage")

    drain()  # the push
    wait_for(lambda: deliveries_settled(devstore, retailer), timeout=15)
    drain()  # its echoes: fulfillments/create, orders/fulfilled, orders/updated

    db.session.expire_all()
    assert db.session.get(Parcel, parcel_id).push_status == "pushed"
    assert usage_calls(devstore, retailer) == {"FulfillmentCreate": 1}
    assert len(devstore_order(devstore, retailer, order_id(supplier_order))["fulfillments"]) == 1


def test_tracking_changed_while_its_push_runs_is_sent_after_it_once(
    app,
    devstore,
    two_retailers,
    drain,
    start_worker,  # noqa: F811
):
    retailer, _ = two_retailers
    supplier_order, parcel_id = shipped_and_waiting_for_push(devstore, retailer, drain)
    connection = redis_connection()

    with late_answers(devstore, retailer, 3):  # the push's fulfillmentCreate takes 3 s
        start_worker()
        job_id = f"push-parcel-{parcel_id}"
        wait_for(lambda: Job.fetch(job_id, connection=connection).get_status() == "started", 30)
        parcel = db.session.get(Parcel, parcel_id)
        for number in ("1Z999AA2", "1Z999AA3"):  # corrected twice, mid-push
            shipments.update_tracking(
                parcel, shipments.Tracking("tracked", number, "UPS", TRACKING.url)
            )
            db.session.commit()
        # Which job carries the last correction depends on timing (a follow-up behind the
        # running push, or the push itself re-enqueued once it finished): what must hold is the
        # outcome below, whatever the timing.

        def sent_last() -> bool:
            db.session.expire_all()
            parcel = db.session.get(Parcel, parcel_id)
            return (parcel.pushed_tracking or {}).get("number") == "1Z999AA3"

        wait_for(sent_last, timeout=60)
    (fulfillment,) = devstore_order(devstore, retailer, order_id(supplier_order))["fulfillments"]
    assert fulfillment["tracking"]["number"] == "1Z999AA3", "the last correction wins"
    assert db.session.get(Parcel, parcel_id).push_status == "pushed"
