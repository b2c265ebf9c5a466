"""What the domain refuses, by kind, each with a message fit to show a merchant (or supplier).

The kinds say why, never how to answer: views map them to HTTP in one place
(blueprints/_render.py), jobs log or record them.
"""

from __future__ import annotations

from flask_babel import gettext
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
    if getattr(exc, "retryable", None) is True:  # a payment provider unreachable, say
        return True
    return isinstance(exc, TRANSIENT_INFRASTRUCTURE_ERRORS)


class DomainError(Exception):
    """Refused; nothing was changed. Raise one of the kinds below."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class InvalidInput(DomainError):
    """What was sent is wrong (a form field, a quantity, a file). `errors` holds the form
    fields at fault, {field name: message}, so a form shows them all together."""

    def __init__(self, message: str | None = None, *, errors: dict[str, str] | None = None):
        super().__init__(message or gettext("Please fix the highlighted fields."))
        self.errors = errors or {}


class WrongState(DomainError):
    """Not possible now: the order (request, balance entry) is in a state the rules do not
    allow this from, e.g. a status the transition tables (domain/states.py) do not move."""


class NotFound(DomainError):
    """No such thing in this shop (or for this supplier)."""


class NotInstalled(DomainError):
    """Relay has no working access to the store: not installed, or its token was refused."""


class StoreUnreachable(DomainError):
    """Shopify could not be reached or did not confirm; trying again later may work."""
