"""The order's note in the store (the merchant's "Notes" card in the Shopify admin): read it,
and write it whole (orderUpdate replaces the note; the caller appends)."""

from __future__ import annotations

from integrations.shopify_admin.client import AdminClient


class OrderGone(LookupError):
    """The order no longer exists in the store."""


def order_note(client: AdminClient, order_gid: str) -> str:
    """The order's current note ("" when it has none); OrderGone when the order is gone."""
    node = client.execute("OrderNote", {"id": order_gid})["order"]
    if node is None:
        raise OrderGone(order_gid)
    return node.get("note") or ""


def set_order_note(client: AdminClient, order_gid: str, note: str) -> None:
    """Replace the order's note. Raises ShopifyUserError with Shopify's userErrors."""
    client.mutate("OrderNoteUpdate", {"id": order_gid, "note": note}, "orderUpdate")
