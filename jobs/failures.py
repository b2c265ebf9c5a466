"""Failed background jobs of one shop: what the failed-jobs page lists, and its Retry.

RQ keeps a job that raised (after its retries, see background.TRANSIENT_RETRY) in its queue's failed
registry for a week (failure_ttl). A job belongs to a shop through its meta: `shop_id`, or
`shop_domain` for webhook jobs (intake knows the domain, not the id). A job with neither is
never shown to a shop.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass, field
from datetime import datetime

from flask_babel import lazy_gettext as _l
from rq.exceptions import InvalidJobOperation, NoSuchJobError
from rq.job import Job

from background import QUEUE_ORDER, queues
from domain.error_text import without_secrets
from domain.webhooks import intake as webhook_intake
from domain.webhooks import parking as webhook_parking
from extensions import redis_connection

EXCEPTION_LINE = re.compile(r"[A-Za-z_][\w.]*(?::|$)")
LISTED_PER_QUEUE = 500  # newest failures looked at per queue; all expire after a week
SHOWN = 100

# Why it failed, for the exceptions whose meaning a merchant can act on.
ERROR_EXPLANATIONS = {
    "ShopifyTransportError": _l("Shopify could not be reached."),
    "ShopifyThrottled": _l("Shopify kept rate-limiting Relay."),
    "ShopifyAuthError": _l("Shopify refused Relay's access token; reinstall Relay."),
    "NotInstalled": _l("Relay is not installed on this store any more."),
}


@dataclass(frozen=True)
class FailedJob:
    id: str
    label: str
    explanation: str
    error: str
    failed_at: datetime | None


class RetryOutcome(enum.Enum):
    RETRIED = "retried"
    ALREADY_RETRIED = "already retried"
    NOT_FOUND = "not found"


RETRY_NOTICES = {
    RetryOutcome.RETRIED: _l("Retrying: the job is back in the queue."),
    RetryOutcome.ALREADY_RETRIED: _l(
        "This job is no longer failed: it was already retried or has expired."
    ),
    RetryOutcome.NOT_FOUND: _l("No such failed job for this store."),
}


@dataclass
class FailedJobsPage:
    jobs: list[FailedJob]
    outcome: RetryOutcome | None = None
    # Webhooks set aside whose failed job is no longer listed (Shopify refused, or the week
    # in the failed registry is over): still not re-run by themselves, so still shown.
    set_aside: list[webhook_parking.ParkedWebhook] = field(default_factory=list)

    @property
    def notice(self) -> str | None:
        return None if self.outcome is None else str(RETRY_NOTICES[self.outcome])


def page(shop, outcome: RetryOutcome | None = None) -> FailedJobsPage:
    jobs = failed_for_shop(shop)
    listed = {job.id for job in jobs}
    set_aside = [
        parked
        for parked in webhook_parking.parked_for_shop(shop)
        if f"webhook-{parked.id}" not in listed
    ]
    return FailedJobsPage(jobs=jobs, outcome=outcome, set_aside=set_aside)


def try_again_set_aside(shop, receipt_id: int) -> FailedJobsPage:
    done = webhook_intake.try_again_set_aside(shop, receipt_id)
    return page(shop, RetryOutcome.RETRIED if done else RetryOutcome.NOT_FOUND)


def failed_for_shop(shop) -> list[FailedJob]:
    """This shop's failed jobs, newest first; a webhook set aside says why in the merchant's
    words."""
    found = []
    for name in QUEUE_ORDER:
        registry = queues.queue(name).failed_job_registry
        # Scored by expiry, and every failure is kept as long: the newest failures come last.
        ids = registry.get_job_ids(0, LISTED_PER_QUEUE - 1, desc=True)
        found += [
            job
            for job in Job.fetch_many(ids, connection=registry.connection)
            if job is not None and _belongs_to(job, shop)
        ]
    found.sort(key=lambda job: job.ended_at.timestamp() if job.ended_at else 0, reverse=True)
    parked = {f"webhook-{p.id}": p.explanation for p in webhook_parking.parked_for_shop(shop)}
    return [_describe(job, parked.get(job.id)) for job in found[:SHOWN]]


def retry(shop, job_id: str) -> FailedJobsPage:
    """Put one of this shop's failed jobs back in its queue. Repeating it changes nothing: the
    job has left the failed registry, and requeue refuses a job that is not in it."""
    try:
        job = Job.fetch(job_id, connection=redis_connection())
    except (NoSuchJobError, ValueError):  # ValueError: not even a well-formed job id
        job = None
    if job is None or not _belongs_to(job, shop) or job.origin not in _queue_names():
        return page(shop, RetryOutcome.NOT_FOUND)
    try:
        queues.queue(_short_name(job.origin)).failed_job_registry.requeue(job)
        outcome = RetryOutcome.RETRIED
    except InvalidJobOperation:
        outcome = RetryOutcome.ALREADY_RETRIED
    return page(shop, outcome)


def _belongs_to(job: Job, shop) -> bool:
    meta = job.meta or {}
    return meta.get("shop_id") == shop.id or meta.get("shop_domain") == shop.domain


def _queue_names() -> dict[str, str]:
    return {queues.queue(name).name: name for name in QUEUE_ORDER}


def _short_name(full_name: str) -> str:
    return _queue_names()[full_name]


def _describe(job: Job, explanation: str | None = None) -> FailedJob:
    result = job.latest_result()
    error_type, error = _readable_error(result.exc_string if result is not None else None)
    return FailedJob(
        id=job.id,
        label=_label(job),
        explanation=explanation
        or str(ERROR_EXPLANATIONS.get(error_type, _l("Relay hit an error."))),
        error=error,
        failed_at=job.ended_at or (result.created_at if result is not None else None),
    )


def _label(job: Job) -> str:
    """What the job does, in the merchant's words, from its declaration beside its function;
    a job whose function is gone (renamed since it failed) shows its function name."""
    try:
        policy = getattr(job.func, "policy", None)
    except (ImportError, AttributeError, ValueError):
        policy = None
    if policy is not None:
        return str(policy.label)
    return (job.func_name or "").rsplit(".", 1)[-1].replace("_", " ")


def _readable_error(trace: str | None) -> tuple[str, str]:
    """A traceback's last line, without the module path: ("KeyError", "KeyError: 'sku'")."""
    # The exception's own line: a message may run over several (SQLAlchemy's do).
    lines = [line for line in without_secrets(trace).splitlines() if EXCEPTION_LINE.match(line)]
    if not lines:
        return "", ""
    name, _, message = lines[-1].partition(":")
    name = name.strip().rsplit(".", 1)[-1]
    return name, f"{name}: {message.strip()}" if message.strip() else name
