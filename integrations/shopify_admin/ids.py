"""Shopify's global ids: `gid://shopify/Order/123` names an object of a kind by its REST id."""

from __future__ import annotations

PREFIX = "gid://shopify/"


def gid(kind: str, legacy_id: object) -> str:
    """The global id REST payloads leave out (`order_id: 123` is gid("Order", 123))."""
    return f"{PREFIX}{kind}/{legacy_id}"


def kind_of(global_id: str) -> str:
    """The object kind a global id names ("LineItem"); "" for anything else."""
    return global_id.split("/")[3] if global_id.count("/") >= 4 else ""
