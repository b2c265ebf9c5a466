"""Process one stored webhook receipt through the topic registry; idempotent by receipt."""

from __future__ import annotations

import logging

from domain.webhooks import intake as webhook_intake
from jobs.runtime import job

log = logging.getLogger("relay.jobs.webhooks")


@job
def process_webhook(receipt_id: int) -> str:
    return webhook_intake.process(receipt_id)
