"""Relay's bulk-export documents pass Shopify's bulk rules, and its JSONL reader puts every
line item back under its order whatever the file's order (groupObjects: false)."""

import json
import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server
from werkzeug.wrappers import Response

from devstore import bulk as devstore_bulk
from integrations.shopify_admin.errors import ShopifyTransportError
from integrations.shopify_admin.gateway import bulk

BULK_QUERIES = Path(bulk.QUERIES) / "bulk"


@pytest.mark.parametrize("path", sorted(BULK_QUERIES.glob("*.graphql")), ids=lambda p: p.stem)
def test_bulk_documents_are_valid_bulk_queries(path):
    text = bulk.bound_document(path.stem, {"query": 'financial_status:paid OR name:"#1001"'})
    document, errors = devstore_bulk.validate_query(text)
    assert errors == [] and document is not None
    assert "$" not in text and 'name:\\"#1001\\"' in text


@pytest.fixture
def served():
    """A local file server standing in for the signed storage URL."""
    content = {"body": "", "status": 200}

    def app(environ, start_response):
        return Response(content["body"], status=content["status"])(environ, start_response)

    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield content, f"http://127.0.0.1:{server.server_port}/bulk-1-final?Signature=x"
    server.shutdown()


def line(**fields):
    return json.dumps(fields).replace("/", "\\/")


def test_line_items_find_their_order_wherever_they_are_in_the_file(served):
    content, url = served
    content["body"] = "\n".join(
        [
            line(id="gid://shopify/Order/1", name="#1001"),
            line(id="gid://shopify/Order/2", name="#1002"),
            line(id="gid://shopify/LineItem/22", sku="B", __parentId="gid://shopify/Order/2"),
            line(id="gid://shopify/Order/3", name="#1003"),
            line(id="gid://shopify/LineItem/11", sku="A", __parentId="gid://shopify/Order/1"),
            line(id="gid://shopify/LineItem/12", sku="C", __parentId="gid://shopify/Order/1"),
            "",
        ]
    )
    orders = list(bulk.exported_orders(url))
    assert [o["name"] for o in orders] == ["#1001", "#1002", "#1003"]
    assert [li["sku"] for li in orders[0]["lineItems"]["nodes"]] == ["A", "C"]
    assert orders[1]["lineItems"]["nodes"] == [{"id": "gid://shopify/LineItem/22", "sku": "B"}]
    assert orders[2]["lineItems"] == {"nodes": []}


def test_an_unreadable_result_file_is_a_retryable_transport_error(served):
    content, url = served
    content["status"] = 403
    with pytest.raises(ShopifyTransportError):
        list(bulk.exported_orders(url))
