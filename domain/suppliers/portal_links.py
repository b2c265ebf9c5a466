"""Signing the supplier portal's magic links (see domain/suppliers/portal.py for what a link is
and how it is checked). A module of its own, with no other domain import, so the mail to
suppliers (domain/notices/to_suppliers.py) can sign one without importing the portal's pages."""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import current_app
from itsdangerous import TimestampSigner, URLSafeTimedSerializer

from domain.models.orders import Supplier

SALT = "relay.supplier-portal.v1"


class _ClockedSigner(TimestampSigner):
    """itsdangerous' timestamp signer, reading the time from `now` (a seam: tests sign a link
    as of 91 days ago without touching the process-wide clock)."""

    def __init__(self, *args, now: Callable[[], float] = time.time, **kwargs):
        super().__init__(*args, **kwargs)
        self.now = now

    def get_timestamp(self) -> int:
        return int(self.now())


def _serializer(now: Callable[[], float] = time.time) -> URLSafeTimedSerializer:
    # itsdangerous signs with the last key and verifies with any: oldest first.
    keys = list(reversed(current_app.config["PORTAL_LINK_SECRETS"]))
    return URLSafeTimedSerializer(
        keys, salt=SALT, signer=_ClockedSigner, signer_kwargs={"now": now}
    )


def link_token(supplier: Supplier, *, now: Callable[[], float] = time.time) -> str:
    """A link for the supplier, signed as of `now()` (seconds since the epoch)."""
    return _serializer(now).dumps({"s": supplier.id, "k": supplier.portal_key})
