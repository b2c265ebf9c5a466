"""Which domain function handles which webhook topic.

Modules register with @handles("orders/create"); jobs.webhooks dispatches through here. A topic
nobody handles is recorded and acknowledged, never an error: Shopify would retry it forever.
"""

from __future__ import annotations

from collections.abc import Callable

Handler = Callable[[str, dict, object], None]
_HANDLERS: dict[str, list[Handler]] = {}


def handles(*topics: str) -> Callable[[Handler], Handler]:
    def register(func: Handler) -> Handler:
        for topic in topics:
            _HANDLERS.setdefault(topic, []).append(func)
        return func

    return register


def handlers_for(topic: str) -> list[Handler]:
    return list(_HANDLERS.get(topic, []))


# Topics that must be processed even for a shop that has uninstalled Relay.
ALWAYS_PROCESSED = {"customers/data_request", "customers/redact", "shop/redact", "app/uninstalled"}
