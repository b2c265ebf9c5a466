"""Refreshing the exchange rates every few hours (a chain of one job: each run schedules the
next, with a fixed job id, so there is only ever one waiting). Armed at worker start and when
Redis came back without its data (jobs/worker.py, jobs/outbox.py).

The ECB publishes once a working day around 16:00 CET; reading every 4 hours keeps Relay's last
successful read well inside the 48 hours after which rates count as stale, with room for a
day of the source being down."""

from __future__ import annotations

import logging
from datetime import timedelta

from flask_babel import lazy_gettext as _l

from background import SYNC, background, queues
from domain.payments import rates

log = logging.getLogger("relay.jobs.rates")
REFRESH_INTERVAL = timedelta(hours=4)
# After a failed read: sooner, so one blip does not cost four hours.
RETRY_INTERVAL = timedelta(minutes=20)


# No RQ retries: a failed read re-arms itself sooner (RETRY_INTERVAL) instead.
@background(queue=SYNC, job_id="exchange-rates", label=_l("Refresh exchange rates"), retry=None)
def refresh() -> str:
    try:
        daily = rates.refresh_rates()
    except rates.RatesUnavailable as exc:
        log.warning("exchange rates not refreshed: %s", exc)
        schedule(RETRY_INTERVAL)
        return f"not refreshed ({exc}); next try in {RETRY_INTERVAL}"
    schedule(REFRESH_INTERVAL)
    return f"{len(daily.per_euro)} rates of {daily.date} from {daily.source}"


def schedule(after: timedelta) -> None:
    """The next refresh (the same job id: a reschedule, never a second)."""
    refresh.enqueue(delay=after.total_seconds())


def arm() -> bool:
    """At worker start: refresh now unless the chain is already waiting or running."""
    if is_scheduled():
        return False
    return refresh.enqueue_once() is not None


def is_scheduled() -> bool:
    """The chain's next run is in the scheduled registry. Its status cannot tell: the run that
    scheduled it shares its id, and RQ marks that run "finished" after it returned."""
    return refresh.job_id() in queues.queue(SYNC).scheduled_job_registry
