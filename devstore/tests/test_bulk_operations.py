"""Bulk operations answer like Shopify's: the 2026-07 signature, the status lifecycle, JSONL
with __parentId behind a signed URL, userErrors for queries Shopify refuses, the finish webhook,
the cost of each call; plus ordersCount and the search syntax a filtered export uses."""

import json
import time
from pathlib import Path

import httpx
import jsonschema
import pytest

from devstore import bulk, commerce, graphql_api
from devstore.auth import Settings

from .conftest import CLIENT_ID, SHOP
from .test_oauth_and_delivery import exchange, id_token, register, wait_until

RUN = """mutation Run($query: String!) { bulkOperationRunQuery(query: $query) {
  bulkOperation { id status type errorCode objectCount rootObjectCount fileSize url partialDataUrl }
  userErrors { field message code } } }"""
RUN_GROUPED = RUN.replace("(query: $query)", "(query: $query, groupObjects: true)")
POLL = """query Poll($id: ID!) { bulkOperation(id: $id) { id status errorCode objectCount
  rootObjectCount fileSize url partialDataUrl completedAt } }"""
ORDERS = """{ orders(query: "financial_status:paid") { edges { node { id name
  customer { displayName } lineItems { edges { node { id sku quantity } } } } } } }"""
SCHEMAS = Path(__file__).resolve().parents[1] / "vendor/webhook-schemas/schemas/2026-07"


def run(store, query, variables=None, client_id=CLIENT_ID):
    status, body = graphql_api.execute_request(
        store,
        shop=SHOP,
        client_id=client_id,
        plan="standard",
        body={"query": query, "variables": variables or {}},
        base_url="http://devstore.test",
    )
    assert status == 200
    return body


def start(store, query=ORDERS, grouped=False):
    body = run(store, RUN_GROUPED if grouped else RUN, {"query": query})
    return body["data"]["bulkOperationRunQuery"], body["extensions"]["cost"]


def finish(store, payload):
    """Run the operation to its end. With a running server, its own bulk runner may have
    claimed the operation first (then run_pending finds nothing): wait for that run to end."""
    bulk.run_pending(store, Settings(bulk_objects_per_second=0))
    for _ in range(1200):  # generous: ends as soon as the operation does
        operation = run(store, POLL, {"id": payload["bulkOperation"]["id"]})["data"]
        if operation["bulkOperation"]["status"] not in ("CREATED", "RUNNING", "CANCELING"):
            return operation["bulkOperation"]
        time.sleep(0.05)
    raise AssertionError("the bulk operation never finished")


def result_lines(store, operation):
    key = operation["url"].split("/bulk-operation-outputs/")[1].split("?")[0]
    text = (bulk.results_dir(store) / f"{key}.jsonl").read_text()
    return text, [json.loads(line) for line in text.splitlines()]


def test_group_objects_is_optional_and_a_new_operation_is_created_empty(store):
    payload, cost = start(store)
    assert payload["userErrors"] == []
    operation = payload["bulkOperation"]
    assert operation["status"] == "CREATED" and operation["type"] == "QUERY"
    assert operation["objectCount"] == "0" and operation["rootObjectCount"] == "0"
    assert operation["fileSize"] is None and operation["url"] is None
    assert cost["requestedQueryCost"] == 10 and cost["actualQueryCost"] == 10


def test_a_completed_export_is_jsonl_with_children_after_their_parent(store):
    commerce.seed_orders(store, SHOP, 120, paid_ratio=1.0)
    payload, _ = start(store)
    operation = finish(store, payload)
    assert operation["status"] == "COMPLETED" and operation["completedAt"]
    text, lines = result_lines(store, operation)
    roots = [line for line in lines if "__parentId" not in line]
    children = [line for line in lines if "__parentId" in line]
    assert len(roots) == 120 and int(operation["rootObjectCount"]) == 120
    assert int(operation["objectCount"]) == len(lines)
    assert int(operation["fileSize"]) == len(text.encode())
    assert '"gid:\\/\\/shopify\\/Order\\/' in text, "Shopify escapes slashes in its JSONL"
    assert all("lineItems" not in root for root in roots), "connections become child lines"
    assert roots[0]["customer"]["displayName"], "plain objects stay inline"
    position = {line["id"]: index for index, line in enumerate(lines)}
    assert all(position[child["__parentId"]] < position[child["id"]] for child in children)
    assert any(position[child["id"]] != position[child["__parentId"]] + 1 for child in children), (
        "without groupObjects a child does not always follow its parent directly"
    )
    expected = {
        (f"gid://shopify/Order/{o['id']}", f"gid://shopify/LineItem/{li['id']}")
        for o in store.find("order", shop=SHOP)
        for li in o["line_items"]
    }
    assert {(c["__parentId"], c["id"]) for c in children} == expected


def test_grouped_objects_put_each_objects_children_right_after_it(store):
    commerce.seed_orders(store, SHOP, 60, paid_ratio=1.0)
    payload, _ = start(store, grouped=True)
    _, lines = result_lines(store, finish(store, payload))
    parent = None
    for line in lines:
        if "__parentId" in line:
            assert line["__parentId"] == parent
        else:
            parent = line["id"]


def test_the_result_url_needs_no_token_but_a_valid_signature(server):
    commerce.seed_orders(server.store, SHOP, 5, paid_ratio=1.0)
    payload, _ = start(server.store)
    operation = finish(server.store, payload)
    url = operation["url"].replace("http://devstore.test", server.url)
    response = httpx.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/jsonl")
    assert len(response.text.splitlines()) == int(operation["objectCount"])
    forged = httpx.get(url.replace("Signature=", "Signature=0"))
    assert forged.status_code == 403 and "SignatureDoesNotMatch" in forged.text


def test_status_moves_from_created_through_running_to_completed_over_http(server, receiver):
    register(server, receiver.url)
    token = exchange(server, id_token()).json()["access_token"]
    commerce.create_webhook_subscription(
        server.store, SHOP, client_id=CLIENT_ID, topic="BULK_OPERATIONS_FINISH", uri=receiver.url
    )
    commerce.seed_orders(server.store, SHOP, 40, paid_ratio=1.0)
    server.settings.bulk_objects_per_second = 200  # about half a second for ~110 objects
    graphql = f"/store/{SHOP}/admin/api/2026-07/graphql.json"
    headers = {"X-Shopify-Access-Token": token}
    body = server.client.post(
        graphql, json={"query": RUN, "variables": {"query": ORDERS}}, headers=headers
    ).json()
    gid = body["data"]["bulkOperationRunQuery"]["bulkOperation"]["id"]
    seen = []

    def poll():
        operation = server.client.post(
            graphql, json={"query": POLL, "variables": {"id": gid}}, headers=headers
        ).json()["data"]["bulkOperation"]
        seen.append((operation["status"], int(operation["objectCount"])))
        return operation["status"] == "COMPLETED"

    assert wait_until(poll, timeout=15)
    statuses = [status for status, _ in seen]
    assert "RUNNING" in statuses and statuses[-1] == "COMPLETED"
    running_counts = [count for status, count in seen if status == "RUNNING"]
    assert running_counts == sorted(running_counts), "objectCount only grows"
    current = server.client.post(
        graphql, json={"query": "{ currentBulkOperation { id status } }"}, headers=headers
    ).json()["data"]["currentBulkOperation"]
    assert current == {"id": gid, "status": "COMPLETED"}
    assert wait_until(lambda: receiver.requests)
    (delivery,) = receiver.requests
    assert delivery["headers"]["X-Shopify-Topic"] == "bulk_operations/finish"
    payload = json.loads(delivery["body"])
    jsonschema.validate(payload, json.loads((SCHEMAS / "bulk_operations/finish.json").read_text()))
    assert payload["admin_graphql_api_id"] == gid
    assert payload["status"] == "completed" and payload["type"] == "query"


@pytest.mark.parametrize(
    "query,message",
    [
        ("", "Invalid bulk query: syntax error, unexpected end of file"),
        ("{ shop { name } }", "Bulk queries must contain at least one connection."),
        (
            "{ orders { edges { node { idx } } } }",
            "Invalid bulk query: Field 'idx' doesn't exist on type 'Order'",
        ),
        (
            "{ orders { nodes { id } } }",
            "All connection fields in a bulk query must select their contents using 'edges' > "
            "'node', e.g: 'products { edges { node {'. Selecting via 'nodes' is not supported. "
            "Invalid connection fields: 'orders'.",
        ),
        (
            "{ orders { edges { node { name lineItems { edges { node { id } } } } } } }",
            "The parent 'node' field for a nested connection must select the 'id' field without "
            "an alias and must be of 'ID' return type. Connection fields without 'id': orders.",
        ),
        (
            'mutation { orderCancel(orderId: "gid://shopify/Order/1", reason: OTHER, '
            "restock: false) { job { id } } }",
            "Invalid operation type. Only `query` operations are supported.",
        ),
        (
            "{ orders { edges { node { id fulfillmentOrders { edges { node { id lineItems "
            "{ edges { node { id } } } } } } } } } }",
            "Bulk queries cannot contain connections with a nesting depth greater than 2.",
        ),
    ],
)
def test_queries_shopify_refuses_come_back_as_user_errors(store, query, message):
    payload, _ = start(store, query)
    assert payload["bulkOperation"] is None
    assert {"field": ["query"], "message": message, "code": "INVALID"} in payload["userErrors"]
    assert store.find("bulk_operation") == []


def test_a_sixth_concurrent_query_is_refused_with_the_five_in_progress(store):
    ids = [start(store)[0]["bulkOperation"]["id"] for _ in range(5)]
    payload, _ = start(store)
    assert payload["bulkOperation"] is None
    (error,) = payload["userErrors"]
    assert error["code"] == "OPERATION_IN_PROGRESS" and error["field"] is None
    assert error["message"] == (
        "A bulk query operation for this app and shop is already in progress: "
        + ", ".join(ids)
        + "."
    )
    other_app = run(store, RUN, {"query": ORDERS}, client_id="another-app")
    assert other_app["data"]["bulkOperationRunQuery"]["bulkOperation"]["status"] == "CREATED"


def test_cancel_and_failure_end_an_operation_with_their_status(store):
    commerce.seed_orders(store, SHOP, 30, paid_ratio=1.0)
    payload, _ = start(store)
    cancel = """mutation C($id: ID!) { bulkOperationCancel(id: $id) {
      bulkOperation { id status } userErrors { field message } } }"""
    body = run(store, cancel, {"id": payload["bulkOperation"]["id"]})
    assert body["data"]["bulkOperationCancel"]["bulkOperation"]["status"] == "CANCELING"
    assert finish(store, payload)["status"] == "CANCELED"
    again = run(store, cancel, {"id": payload["bulkOperation"]["id"]})["data"]
    assert again["bulkOperationCancel"]["userErrors"] == [
        {"field": None, "message": "A bulk operation cannot be canceled when it is canceled"}
    ]
    unknown = run(store, cancel, {"id": "gid://shopify/BulkOperation/1"})["data"]
    assert unknown["bulkOperationCancel"]["userErrors"][0]["message"] == (
        "Bulk operation does not exist"
    )

    payload, _ = start(store)
    bulk.run_pending(store, Settings(bulk_objects_per_second=0, bulk_failure="TIMEOUT"))
    failed = run(store, POLL, {"id": payload["bulkOperation"]["id"]})["data"]["bulkOperation"]
    assert failed["status"] == "FAILED" and failed["errorCode"] == "TIMEOUT"
    assert failed["url"] is None and failed["partialDataUrl"]


def test_operations_belong_to_the_app_that_ran_them(store):
    payload, _ = start(store)
    other = run(store, POLL, {"id": payload["bulkOperation"]["id"]}, client_id="another-app")
    assert other["data"]["bulkOperation"] is None
    mine = run(store, POLL, {"id": payload["bulkOperation"]["id"]})
    assert mine["data"]["bulkOperation"]["status"] == "CREATED"
    assert mine["extensions"]["cost"]["actualQueryCost"] == 1


def test_orders_count_honours_limit_and_search_syntax(store):
    commerce.seed_orders(store, SHOP, 30, paid_ratio=0.5)
    paid = sum(o["financial_status"] == "paid" for o in store.find("order"))
    body = run(
        store,
        """{ all: ordersCount(limit: null) { count precision }
             capped: ordersCount(limit: 10) { count precision }
             paid: ordersCount(query: "financial_status:paid") { count }
             either: ordersCount(query: "financial_status:paid OR financial_status:pending") {
               count }
             neither: ordersCount(query: "-financial_status:paid -financial_status:pending") {
               count }
             grouped: ordersCount(query: "(financial_status:paid OR name:1001) name:1001") { count }
        }""",
    )["data"]
    assert body["all"] == {"count": 30, "precision": "EXACT"}
    assert body["capped"] == {"count": 10, "precision": "AT_LEAST"}
    assert body["paid"]["count"] == paid and body["either"]["count"] == 30
    assert body["neither"]["count"] == 0 and body["grouped"]["count"] == 1


def test_actual_cost_sizes_nested_connections_by_what_they_returned(store):
    commerce.create_order(store, SHOP, line_items=[{"sku": "MUG-STN-SPK"}, {"sku": "BRS-LAMP"}])
    body = run(store, "{ orders(first: 5) { nodes { id lineItems(first: 10) { nodes { id } } } } }")
    cost = body["extensions"]["cost"]
    # requested: 2 + 5 x (1 + 2 + 10 x 1); actual: 2 + 1 x (1 + 2 + 2 x 1)
    assert cost["requestedQueryCost"] == 67 and cost["actualQueryCost"] == 7
