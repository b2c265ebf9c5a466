"""Domain errors carry a message fit to show a merchant."""

from __future__ import annotations

from redis.exceptions import RedisError
from sqlalchemy.exc import OperationalError

from integrations.shopify_admin.errors import ShopifyError

# Failures of the machinery, not of the work's input (a lost connection, a lock wait that ran
# out): the same work succeeds once they pass.
TRANSIENT_INFRASTRUCTURE_ERRORS = (OperationalError, RedisError, OSError)


def is_outage(exc: BaseException) -> bool:
    """Will the same work succeed later by itself? Shopify unreachable, 5xx or throttling, and
    blips of our own database, Redis or network are outages; anything else (Shopify's refusal,
    bad data, a bug) fails the same way every time."""
    if isinstance(exc, ShopifyError):
        return exc.retryable
    return isinstance(exc, TRANSIENT_INFRASTRUCTURE_ERRORS)


class DomainError(Exception):
    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotInstalled(DomainError):
    status = 401


class NotFound(DomainError):
    status = 404
