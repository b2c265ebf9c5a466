"""What every resolver module shares: the request Context, connections and money."""

from __future__ import annotations

import base64
from contextvars import ContextVar
from dataclasses import dataclass
from decimal import Decimal

from graphql import GraphQLError

# Set while a bulk operation executes its query: connections return every item, since
# pagination arguments do not apply inside a bulk query.
UNBOUNDED_CONNECTIONS: ContextVar[bool] = ContextVar("unbounded_connections", default=False)


@dataclass
class Context:
    store: object
    shop: str
    client_id: str
    # Where this devstore is reached, for URLs it hands out (bulk operation results).
    base_url: str = "http://127.0.0.1:8765"


def money_bag(amount: str, currency: str) -> dict:
    money = {"amount": _shopify_decimal(amount), "currencyCode": currency}
    return {"__typename": "MoneyBag", "shopMoney": dict(money), "presentmentMoney": dict(money)}


def money_pair(shop: tuple[str, str], presentment: tuple[str, str]) -> dict:
    """A MoneyBag whose two amounts differ: (amount, currency) in shop and presentment money."""
    return {
        "__typename": "MoneyBag",
        "shopMoney": {"amount": _shopify_decimal(shop[0]), "currencyCode": shop[1]},
        "presentmentMoney": {
            "amount": _shopify_decimal(presentment[0]),
            "currencyCode": presentment[1],
        },
    }


def _shopify_decimal(amount: str) -> str:
    """Shopify serialises Decimal as e.g. "30.0" or "29.95"."""
    value = Decimal(amount)
    text = format(value.normalize(), "f")
    return text if "." in text else text + ".0"


def _cursor(doc_id: int) -> str:
    return base64.b64encode(f"devstore:{doc_id}".encode()).decode()


def _uncursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        raw = base64.b64decode(cursor.encode()).decode()
        return int(raw.split(":", 1)[1])
    except (ValueError, IndexError, UnicodeDecodeError) as exc:
        raise GraphQLError(
            f"Invalid cursor for current pagination sort: {cursor}",
            extensions={"code": "BAD_REQUEST"},
        ) from exc


def _check_page_size(first, last, unbounded: bool) -> None:
    if first is None and last is None:
        raise GraphQLError(
            "you must provide one of first or last", extensions={"code": "BAD_REQUEST"}
        )
    too_many = (first is not None and first > 250) or (last is not None and last > 250)
    if too_many and not unbounded:
        raise GraphQLError(
            "The maximum number of items that can be requested is 250",
            extensions={"code": "BAD_REQUEST"},
        )


def _index_of(docs: list, doc_id: int | None, key, default: int, offset: int) -> int:
    """Where the document with key `doc_id` stands (plus `offset`), else `default`."""
    if doc_id is not None:
        for index, doc in enumerate(docs):
            if key(doc) == doc_id:
                return index + offset
    return default


def connection(
    docs: list,
    view,
    *,
    first=None,
    last=None,
    after=None,
    before=None,
    reverse=False,
    key=lambda d: d["id"],
    **_unused,
) -> dict:
    """Relay-style pagination over an already ordered list (other arguments are filters the
    caller applied already, or sort options devstore does not distinguish)."""
    if reverse:
        docs = list(reversed(docs))
    unbounded = UNBOUNDED_CONNECTIONS.get()
    if unbounded:
        first, last, after, before = len(docs), None, None, None
    _check_page_size(first, last, unbounded)
    after_id, before_id = _uncursor(after), _uncursor(before)
    start = _index_of(docs, after_id, key, default=0, offset=1)
    end = _index_of(docs, before_id, key, default=len(docs), offset=0)
    window = docs[start:end]
    has_next = has_prev = False
    if first is not None:
        has_next = len(window) > first or end < len(docs)
        window = window[:first]
        has_prev = start > 0
    if last is not None:
        has_prev = len(window) > last or start > 0
        window = window[-last:] if last else []
        has_next = has_next or end < len(docs)
    nodes = [view(d) for d in window]
    edges = [{"cursor": _cursor(key(d)), "node": n} for d, n in zip(window, nodes, strict=True)]
    return {
        "nodes": nodes,
        "edges": edges,
        "pageInfo": {
            "hasNextPage": has_next,
            "hasPreviousPage": has_prev,
            "startCursor": edges[0]["cursor"] if edges else None,
            "endCursor": edges[-1]["cursor"] if edges else None,
        },
    }


def list_first(items: list, first=None, **_):
    return items[:first] if first is not None else items
