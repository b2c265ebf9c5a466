"""The orders connection and ordersCount: Shopify's search terms and sort keys over orders."""

from __future__ import annotations

import re

from devstore import search
from devstore.resolvers.common import Context, connection
from devstore.resolvers.views.orders import order_view

_TERM = re.compile(r'(\w+):(>=|<=|>|<)?("[^"]*"|\S+)')

_SORT_KEYS = {
    "ID": "id",
    "CREATED_AT": "created_at",
    "UPDATED_AT": "updated_at",
    "PROCESSED_AT": "processed_at",
    "ORDER_NUMBER": "number",
}


def _date_matches(have: str, op: str, value: str) -> bool:
    wanted = value.replace("+00:00", "Z")
    comparisons = {
        ">": have > wanted,
        ">=": have >= wanted,
        "<": have < wanted,
        "<=": have <= wanted,
        "": have[: len(wanted)] == wanted,
    }
    return comparisons[op or ""]


def _state(order: dict) -> str:
    return "cancelled" if order["cancelled_at"] else "closed" if order["closed_at"] else "open"


def _term_matches(order: dict, field: str, op: str, value: str) -> bool:
    if field in ("updated_at", "created_at", "processed_at"):
        return _date_matches(order[field], op, value)
    if field == "financial_status":
        return order["financial_status"] == value.lower()
    if field == "name":
        return order["name"].lstrip("#") == value.lstrip("#")
    if field == "tag":
        return value.lower() in {t.lower() for t in order.get("tags") or []}
    if field == "status":
        return value.lower() in (_state(order), "any")
    if field == "test":
        return bool(order.get("test")) == (value.lower() == "true")
    if field == "id" and value.isdigit():
        return order["id"] == int(value)
    # Like Shopify, unknown search terms are ignored rather than rejected.
    return True


def order_matches(order: dict, query: str | None) -> bool:
    """One run of terms (implicitly ANDed) against one order."""
    if not query:
        return True
    return all(
        _term_matches(order, field, op, raw.strip('"')) for field, op, raw in _TERM.findall(query)
    )


def _matches(order: dict, query: str | None) -> bool:
    """Shopify's search syntax (AND, OR, NOT, grouping) over the order terms above."""
    return search.matches(order, query, order_matches)


def orders(
    ctx: Context, *, query=None, sortKey="ID", reverse=False, savedSearchId=None, **page
) -> dict:
    field = _SORT_KEYS.get(sortKey or "ID", "id")
    found = [o for o in ctx.store.peek("order", shop=ctx.shop) if _matches(o, query)]
    found.sort(key=lambda o: (o[field], o["id"]), reverse=bool(reverse))
    return connection(found, lambda o: order_view(ctx, o), **page)


def orders_count(ctx: Context, *, query=None, limit=10_000, savedSearchId=None) -> dict:
    """Count with Shopify's cap: over `limit` answers the limit as AT_LEAST; null: no cap."""
    count = sum(1 for o in ctx.store.peek("order", shop=ctx.shop) if _matches(o, query))
    if limit is not None and count > limit:
        return {"__typename": "Count", "count": limit, "precision": "AT_LEAST"}
    return {"__typename": "Count", "count": count, "precision": "EXACT"}
