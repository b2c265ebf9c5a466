"""How a backfill fetches a store's orders, and what its progress bar says."""

import pytest

from domain.models.orders import SyncRun
from domain.orders.sync_runs import choose_method

STANDARD = {"maximumAvailable": 2000.0, "currentlyAvailable": 2000, "restoreRate": 100.0}
PLUS = {"maximumAvailable": 20000.0, "currentlyAvailable": 20000, "restoreRate": 1000.0}


@pytest.mark.parametrize(
    "throttle,last_paged,first_bulk", [(STANDARD, 318, 319), (PLUS, 4461, 4462)]
)
def test_bulk_export_is_chosen_once_pages_would_take_longer(throttle, last_paged, first_bulk):
    assert choose_method(0, throttle) == "pages"
    assert choose_method(last_paged, throttle) == "pages"
    assert choose_method(first_bulk, throttle) == "bulk"
    assert choose_method(10_000, throttle) == "bulk"


def test_progress_follows_the_phase_of_the_run():
    run = SyncRun(status="queued", estimated_total=None)
    assert (run.phase, run.percent) == ("queued", None)
    run.status = "running"
    assert (run.phase, run.percent) == ("counting", None)
    run.method, run.estimated_total, run.exported = "bulk", 400, 100
    assert (run.phase, run.percent) == ("exporting", 25)
    run.exported, run.orders_seen = 400, 1
    assert (run.phase, run.percent) == ("importing", 0)
    run.orders_seen = 399
    assert run.percent == 99
    run.method, run.orders_seen = "pages", 450  # more orders arrived during the run
    assert (run.phase, run.percent) == ("importing", 100)
    run.estimated_total = 0
    assert run.percent == 100
    run.status = "done"
    assert (run.phase, run.percent) == ("ended", None)


def test_pages_wait_only_for_what_the_bucket_still_lacks():
    from integrations.shopify_admin.gateway.orders import _bucket_shortfall_seconds

    after_page = {
        "requestedQueryCost": 927,
        "actualQueryCost": 327,
        "throttleStatus": {
            "maximumAvailable": 2000.0,
            "currentlyAvailable": 600,
            "restoreRate": 100.0,
        },
    }
    assert _bucket_shortfall_seconds(None, 0) == 0
    assert _bucket_shortfall_seconds(after_page, 0) == pytest.approx(3.27)
    assert _bucket_shortfall_seconds(after_page, 1.0) == pytest.approx(2.27)  # refilled meanwhile
    assert _bucket_shortfall_seconds(after_page, 10.0) == 0
