"""Shopify's bulk export of orders: start it, ask how it is doing, read its JSONL result.

The export runs at Shopify and costs a handful of points whatever the store's size (the
mutation 10, each status check 1), against ~13 points per order for paginated pages. Its result
is a JSONL file at a signed URL (no access token): one line per order, and one per line item
carrying `__parentId`. Relay asks for `groupObjects: false` (Shopify's default, faster and less
likely to time out), so a line item may come long after its order: the file is spilled to a
temporary SQLite database and read back order by order, in constant memory whatever its size.
"""

from __future__ import annotations

import json
import sqlite3
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import httpx
from graphql import StringValueNode, parse, print_ast
from graphql.language import NullValueNode, Visitor, visit

from integrations.shopify_admin import ids
from integrations.shopify_admin.client import QUERIES, AdminClient
from integrations.shopify_admin.errors import ShopifyTransportError, ShopifyUserError
from integrations.shopify_admin.order_shapes import ShopifyOrder, order_from_graphql

FINISHED = ("COMPLETED", "FAILED", "CANCELED", "EXPIRED")
DOWNLOAD_TIMEOUT = httpx.Timeout(60.0, connect=10.0)
# Child lines go back under their order in the GraphQL shape order_from_graphql reads.
CHILD_CONNECTIONS = {"LineItem": "lineItems"}


@dataclass(frozen=True)
class BulkOperation:
    gid: str
    status: str
    error_code: str | None = None
    object_count: int = 0
    root_object_count: int = 0
    url: str | None = None
    partial_data_url: str | None = None

    @property
    def finished(self) -> bool:
        return self.status in FINISHED


def _operation(node: dict) -> BulkOperation:
    return BulkOperation(
        gid=node["id"],
        status=node["status"],
        error_code=node.get("errorCode"),
        object_count=int(node.get("objectCount") or 0),
        root_object_count=int(node.get("rootObjectCount") or 0),
        url=node.get("url"),
        partial_data_url=node.get("partialDataUrl"),
    )


@cache
def bulk_document(name: str) -> str:
    """queries/bulk/<Name>.graphql: a query run as a bulk operation."""
    return (QUERIES / "bulk" / f"{name}.graphql").read_text()


class _BindVariables(Visitor):
    """Replace $variables by literals and drop their definitions: bulk queries take none."""

    def __init__(self, values: dict):
        super().__init__()
        self.values = values

    def enter_variable_definition(self, node, *_):
        return self.REMOVE

    def enter_variable(self, node, *_):
        value = self.values.get(node.name.value)
        return NullValueNode() if value is None else StringValueNode(value=str(value))


def bound_document(name: str, variables: dict) -> str:
    return print_ast(visit(parse(bulk_document(name)), _BindVariables(variables)))


def start_orders_export(client: AdminClient, query: str | None) -> BulkOperation:
    """Start exporting the orders matching `query` (Shopify search syntax); ShopifyUserError
    when Shopify refuses (e.g. OPERATION_IN_PROGRESS)."""
    document = bound_document("OrdersExport", {"query": query})
    payload = client.mutate("BulkOperationRunQuery", {"query": document}, "bulkOperationRunQuery")
    if not payload.get("bulkOperation"):
        raise ShopifyUserError([{"message": "Shopify did not start the bulk export"}])
    return _operation(payload["bulkOperation"])


def bulk_operation(client: AdminClient, gid: str) -> BulkOperation | None:
    node = client.execute("BulkOperation", {"id": gid})["bulkOperation"]
    return _operation(node) if node else None


def exported_shopify_orders(url: str) -> Iterator[ShopifyOrder]:
    """Every order of a finished export, in the file's order."""
    for node in exported_orders(url):
        yield order_from_graphql(node)


def exported_orders(url: str) -> Iterator[dict]:
    """Every order of a finished export, in the file's order, shaped like an OrdersPage node
    (`lineItems: {nodes: [...]}`). Downloads the whole file before the first order: with
    ungrouped objects an order's last line item may be the file's last line."""
    with tempfile.TemporaryDirectory(prefix="relay-bulk-") as folder:
        db = sqlite3.connect(Path(folder) / "export.sqlite3")
        try:
            _spill(url, db)
            yield from _assembled(db)
        finally:
            db.close()


def _spill(url: str, db: sqlite3.Connection) -> None:
    db.execute("CREATE TABLE roots (seq INTEGER PRIMARY KEY, body TEXT)")
    db.execute("CREATE TABLE children (parent TEXT, seq INTEGER, body TEXT)")
    try:
        with httpx.stream("GET", url, timeout=DOWNLOAD_TIMEOUT, follow_redirects=True) as response:
            if response.status_code != 200:
                raise ShopifyTransportError(f"the bulk export file answered {response.status_code}")
            for seq, line in enumerate(response.iter_lines()):
                if not line.strip():
                    continue
                parent = json.loads(line).get("__parentId")
                if parent is None:
                    db.execute("INSERT INTO roots VALUES (?, ?)", (seq, line))
                else:
                    db.execute("INSERT INTO children VALUES (?, ?, ?)", (parent, seq, line))
    except httpx.HTTPError as exc:
        raise ShopifyTransportError(f"{type(exc).__name__} downloading the bulk export") from exc
    db.execute("CREATE INDEX children_by_parent ON children (parent, seq)")
    db.commit()


def _assembled(db: sqlite3.Connection) -> Iterator[dict]:
    for (body,) in db.execute("SELECT body FROM roots ORDER BY seq"):
        node = json.loads(body)
        for field in CHILD_CONNECTIONS.values():
            node[field] = {"nodes": []}
        children = db.execute(
            "SELECT body FROM children WHERE parent = ? ORDER BY seq", (node["id"],)
        )
        for (child_body,) in children:
            child = json.loads(child_body)
            child.pop("__parentId")
            field = CHILD_CONNECTIONS.get(ids.kind_of(child.get("id", "")))
            if field:
                node[field]["nodes"].append(child)
        yield node
