"""The suppliers' daily digest (issue 16): a chain of one job, like the exchange rates
(jobs/rates.py): each run sends the day's digests and schedules the next run for tomorrow at
SEND_AT (UTC), with a fixed job id, so there is only ever one waiting. Armed at worker start."""

from __future__ import annotations

from datetime import datetime, time, timedelta

from flask_babel import lazy_gettext as _l

from background import MAIL, background, queues
from domain.clock import utcnow
from domain.notices import supplier_digest

SEND_AT = time(7, 0)


@background(queue=MAIL, job_id="supplier-digests", label=_l("Send suppliers' daily digests"))
def send_digests() -> str:
    now = utcnow()
    results = supplier_digest.send_all(now.date())
    refresh_at = datetime.combine(now.date() + timedelta(days=1), SEND_AT, tzinfo=now.tzinfo)
    send_digests.enqueue(at=refresh_at)
    return ", ".join(f"{k}: {v}" for k, v in sorted(results.items())) or "no digest due"


def arm() -> bool:
    """At worker start: run now (a second run on the same day sends nothing) unless the chain
    is already waiting."""
    if send_digests.job_id() in queues.queue(MAIL).scheduled_job_registry:
        return False
    return send_digests.enqueue_once() is not None
