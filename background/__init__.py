"""Background work, the low home every layer may use: declaring a job beside its function, and
enqueueing it (now, at a time, once, after the transaction commits).

    @background(queue=PUSH, job_id="forward-{0}", label=_l("Forward an order to its supplier"))
    def forward(supplier_order_id: int) -> str: ...

    forward.after_commit(supplier_order.id, shop_id=shop.id, at=forward_at)

A job is a domain function that takes ids and is idempotent; its policy (queue, retry, timeout,
job id) is declared once, on it, and it is enqueued by reference (RQ records its dotted path).
The worker that runs jobs (app context, which errors retry) is `jobs/`, one layer up.
"""

from background.after_commit import defer, try_enqueue
from background.declare import (
    MAIL,
    PUSH,
    QUEUE_ORDER,
    SYNC,
    TRANSIENT_RETRY,
    BackgroundJob,
    background,
)

__all__ = [
    "MAIL",
    "PUSH",
    "QUEUE_ORDER",
    "SYNC",
    "TRANSIENT_RETRY",
    "BackgroundJob",
    "background",
    "defer",
    "try_enqueue",
]
