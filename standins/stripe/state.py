"""What the stand-in keeps beside localstripe's own store: connected accounts, account links,
who owns each object (the platform or a connected account), idempotent results and webhook
endpoints. All in memory, like localstripe's store once its pickle file is switched off."""

from __future__ import annotations

import secrets
import string
from contextvars import ContextVar
from dataclasses import dataclass, field

# The account a request acts for (its Stripe-Account header); None is the platform.
current_account: ContextVar[str | None] = ContextVar("current_account", default=None)

UNKNOWN = object()


def random_id(prefix: str, length: int = 16) -> str:
    alphabet = string.ascii_letters + string.digits
    return prefix + "".join(secrets.choice(alphabet) for _ in range(length))


@dataclass
class Endpoint:
    url: str
    secret: str
    events: list[str] | None  # None: every event type


@dataclass
class State:
    accounts: dict[str, dict] = field(default_factory=dict)
    account_links: dict[str, dict] = field(default_factory=dict)
    owners: dict[str, str | None] = field(default_factory=dict)
    idempotent: dict[tuple[str | None, str], dict] = field(default_factory=dict)
    endpoints: dict[str, Endpoint] = field(default_factory=dict)
    deliveries: list[dict] = field(default_factory=list)

    def owner_of(self, object_id: str):
        """The account owning an object, None for the platform, UNKNOWN if never stored."""
        return self.owners.get(object_id, UNKNOWN)

    def clear_data(self) -> None:
        """Everything but the webhook endpoints (configuration, not data)."""
        self.accounts.clear()
        self.account_links.clear()
        self.owners.clear()
        self.idempotent.clear()
        self.deliveries.clear()


STATE = State()
