"""Bulk operations (queries), as Shopify runs them: `bulkOperationRunQuery`, `bulkOperation(id:)`,
`currentBulkOperation`, `bulkOperationCancel`, a JSONL result behind a signed URL, and the
`bulk_operations/finish` webhook.

An operation is a document (kind "bulk_operation"). The mutation validates the query with
Shopify's bulk rules and answers CREATED; a runner thread then moves it to RUNNING, executes the
query against devstore's state with pagination ignored (`first` does not apply inside a bulk
query), writes the JSONL at `Settings.bulk_objects_per_second` while objectCount and
rootObjectCount grow, and ends COMPLETED, FAILED (`Settings.bulk_failure`) or CANCELED.

JSONL: one line per object; children of a nested connection carry `__parentId`. With
`groupObjects: true` each object's children follow it directly. Without (the 2026-07 default)
devstore writes roots in batches of BATCH and each batch's children after it, so a child always
comes after its parent but rarely right after it: readers must not rely on adjacency.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import secrets
import tempfile
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    get_named_type,
    parse,
    validate,
)
from graphql.error import GraphQLSyntaxError

from devstore import events, payloads
from devstore.commerce import gid, now_iso, parse_gid
from devstore.schema import admin_schema

log = logging.getLogger("devstore.bulk")

KIND = "bulk_operation"
MAX_CONCURRENT_QUERIES = 5  # per app and shop, from API version 2026-01
MAX_CONNECTIONS = 5
MAX_DEPTH = 2
BATCH = 50  # roots written before their children when objects are not grouped
URL_LIFETIME = timedelta(days=7)
IN_FLIGHT = ("CREATED", "RUNNING", "CANCELING")
ERROR_CODES = ("ACCESS_DENIED", "INTERNAL_SERVER_ERROR", "TIMEOUT")


# -- validation: Shopify's bulk-query rules, with its wording -------------------------------


def _invalid(message: str) -> dict:
    return {"field": ["query"], "message": message, "code": "INVALID"}


def _syntax_message(error: GraphQLSyntaxError) -> str:
    text = error.message.removeprefix("Syntax Error: ").rstrip(".")
    if "<EOF>" in text:
        return "syntax error, unexpected end of file"
    return "syntax error, " + text[:1].lower() + text[1:]


def _validation_message(error: GraphQLError) -> str:
    # graphql-core: "Cannot query field 'x' on type 'Order'." Shopify (graphql-ruby):
    # "Field 'x' doesn't exist on type 'Order'".
    message = error.message
    if message.startswith("Cannot query field "):
        name = message.split("'")[1]
        type_name = message.split("'")[3]
        return f"Field '{name}' doesn't exist on type '{type_name}'"
    return message.rstrip(".")


def _fields(selection_set, fragments) -> list[FieldNode]:
    """The fields of a selection set, through fragment spreads and inline fragments."""
    out = []
    for selection in selection_set.selections if selection_set else ():
        if isinstance(selection, FieldNode):
            out.append(selection)
        elif isinstance(selection, InlineFragmentNode):
            out.extend(_fields(selection.selection_set, fragments))
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value in fragments:
            out.extend(_fields(fragments[selection.name.value].selection_set, fragments))
    return out


def _is_connection(field_type) -> bool:
    named = get_named_type(field_type)
    return named.name.endswith("Connection") and "edges" in getattr(named, "fields", {})


def _is_list(field_type) -> bool:
    while hasattr(field_type, "of_type"):
        if type(field_type).__name__ == "GraphQLList":
            return True
        field_type = field_type.of_type
    return False


def _edge_node(field: FieldNode, fragments) -> FieldNode | None:
    for edges in _fields(field.selection_set, fragments):
        if edges.name.value == "edges":
            for node in _fields(edges.selection_set, fragments):
                if node.name.value == "node":
                    return node
    return None


def _selects_id(node: FieldNode, fragments) -> bool:
    return any(
        f.name.value == "id" and f.alias is None for f in _fields(node.selection_set, fragments)
    )


class _Rules:
    """Walk a valid query and collect what Shopify's bulk validator refuses."""

    def __init__(self, schema, fragments):
        self.schema = schema
        self.fragments = fragments
        self.connections = 0
        self.too_deep = False
        self.in_list = False
        self.via_nodes: list[str] = []
        self.without_id: list[str] = []

    def walk(self, parent_type, selection_set, depth, in_list, parent_connection, parent_has_id):
        for field in _fields(selection_set, self.fragments):
            definition = getattr(parent_type, "fields", {}).get(field.name.value)
            if definition is None:
                continue
            named = get_named_type(definition.type)
            if _is_connection(definition.type):
                self.connections += 1
                self.too_deep |= depth + 1 > MAX_DEPTH
                self.in_list |= in_list
                if parent_connection and not parent_has_id:
                    self.without_id.append(parent_connection)
                if any(
                    f.name.value == "nodes" for f in _fields(field.selection_set, self.fragments)
                ):
                    self.via_nodes.append(field.name.value)
                node = _edge_node(field, self.fragments)
                if node is not None:
                    node_type = get_named_type(named.fields["edges"].type).fields["node"].type
                    self.walk(
                        get_named_type(node_type),
                        node.selection_set,
                        depth + 1,
                        False,
                        field.name.value,
                        _selects_id(node, self.fragments),
                    )
            elif field.selection_set is not None:
                self.walk(
                    named,
                    field.selection_set,
                    depth,
                    in_list or _is_list(definition.type),
                    parent_connection,
                    parent_has_id,
                )


def validate_query(text: str):
    """(document, []) for a query Shopify would run in bulk, else (None, userErrors)."""
    if not text or not text.strip():
        return None, [_invalid("Invalid bulk query: syntax error, unexpected end of file")]
    try:
        document = parse(text)
    except GraphQLSyntaxError as exc:
        return None, [_invalid(f"Invalid bulk query: {_syntax_message(exc)}")]
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if any(op.operation.value != "query" for op in operations):
        return None, [_invalid("Invalid operation type. Only `query` operations are supported.")]
    schema = admin_schema()
    problems = validate(schema, document)
    if problems:
        return None, [_invalid(f"Invalid bulk query: {_validation_message(e)}") for e in problems]
    fragments = {d.name.value: d for d in document.definitions if d.kind == "fragment_definition"}
    top = _fields(operations[0].selection_set, fragments)
    errors = []
    if any(f.name.value in ("node", "nodes") for f in top):
        errors.append(_invalid("Bulk queries cannot contain a top level `node` field."))
    rules = _Rules(schema, fragments)
    rules.walk(schema.query_type, operations[0].selection_set, 0, False, None, True)
    if rules.connections == 0:
        errors.append(_invalid("Bulk queries must contain at least one connection."))
    if rules.via_nodes:
        names = ", ".join(f"'{n}'" for n in dict.fromkeys(rules.via_nodes))
        errors.append(
            _invalid(
                "All connection fields in a bulk query must select their contents using "
                "'edges' > 'node', e.g: 'products { edges { node {'. Selecting via 'nodes' is "
                f"not supported. Invalid connection fields: {names}."
            )
        )
    if rules.connections > MAX_CONNECTIONS:
        errors.append(_invalid("Bulk queries cannot contain more than 5 connections."))
    if rules.too_deep:
        errors.append(
            _invalid("Bulk queries cannot contain connections with a nesting depth greater than 2.")
        )
    if rules.without_id:
        errors.append(
            _invalid(
                "The parent 'node' field for a nested connection must select the 'id' field "
                "without an alias and must be of 'ID' return type. Connection fields without "
                f"'id': {', '.join(dict.fromkeys(rules.without_id))}."
            )
        )
    if rules.in_list:
        errors.append(
            _invalid(
                "Queries that contain a connection field within a list field are not "
                "currently supported."
            )
        )
    if len(top) > 1 and not errors:
        errors.append(_invalid("Bulk queries must contain exactly one top-level field."))
    return (None, errors) if errors else (document, [])


# -- the GraphQL face -----------------------------------------------------------------------


def _count(value: int) -> str:
    return str(value)  # UnsignedInt64 is serialised as a string


def view(ctx, doc: dict) -> dict:
    return {
        "__typename": "BulkOperation",
        "id": gid("BulkOperation", doc["id"]),
        "status": doc["status"],
        "type": doc["type"],
        "errorCode": doc["error_code"],
        "createdAt": doc["created_at"],
        "completedAt": doc["completed_at"],
        "objectCount": _count(doc["object_count"]),
        "rootObjectCount": _count(doc["root_object_count"]),
        "fileSize": _count(doc["file_size"]) if doc["file_size"] is not None else None,
        "url": signed_url(ctx.base_url, doc, doc["result_key"]),
        "partialDataUrl": signed_url(ctx.base_url, doc, doc["partial_key"]),
        "query": doc["query"],
    }


def _operations(ctx, kind: str = "QUERY") -> list[dict]:
    return [
        d
        for d in ctx.store.peek(KIND, shop=ctx.shop)
        if d["client_id"] == ctx.client_id and d["type"] == kind
    ]


def _by_gid(ctx, value: str) -> dict | None:
    doc = ctx.store.get(KIND, parse_gid(value, "BulkOperation"))
    if doc is None or doc["shop"] != ctx.shop or doc["client_id"] != ctx.client_id:
        return None
    return doc


def query_fields(ctx) -> dict:
    def bulk_operation(info, id):
        doc = _by_gid(ctx, id)
        return doc and view(ctx, doc)

    def current(info, type="QUERY"):
        docs = _operations(ctx, type)
        return view(ctx, max(docs, key=lambda d: d["id"])) if docs else None

    return {"bulkOperation": bulk_operation, "currentBulkOperation": current}


def mutation_fields(ctx) -> dict:
    def run_query(info, query, groupObjects=False):
        document, errors = validate_query(query)
        if not errors:
            running = [d for d in _operations(ctx) if d["status"] in IN_FLIGHT]
            if len(running) >= MAX_CONCURRENT_QUERIES:
                ids = ", ".join(gid("BulkOperation", d["id"]) for d in running)
                errors = [
                    {
                        "field": None,
                        "message": "A bulk query operation for this app and shop is already "
                        f"in progress: {ids}.",
                        "code": "OPERATION_IN_PROGRESS",
                    }
                ]
        if errors:
            return {"bulkOperation": None, "userErrors": errors}
        doc = create(ctx.store, ctx.shop, ctx.client_id, query, bool(groupObjects))
        return {"bulkOperation": view(ctx, doc), "userErrors": []}

    def cancel(info, id):
        try:
            doc = _by_gid(ctx, id)
        except Exception:  # noqa: BLE001 - a malformed id is "does not exist" here
            doc = None
        if doc is None:
            error = {"field": ["id"], "message": "Bulk operation does not exist"}
            return {"bulkOperation": None, "userErrors": [error]}
        with ctx.store.transaction():
            doc = ctx.store.get(KIND, doc["id"])
            if doc["status"] not in IN_FLIGHT:
                message = f"A bulk operation cannot be canceled when it is {doc['status'].lower()}"
                return {
                    "bulkOperation": view(ctx, doc),
                    "userErrors": [{"field": None, "message": message}],
                }
            doc["status"] = "CANCELING"
            ctx.store.put(KIND, doc["id"], doc, shop=doc["shop"])
        Runner.wake()
        return {"bulkOperation": view(ctx, doc), "userErrors": []}

    return {"bulkOperationRunQuery": run_query, "bulkOperationCancel": cancel}


def create(store, shop: str, client_id: str, query: str, group_objects: bool) -> dict:
    with store.transaction():
        op_id = store.next_id(KIND, start=7_747_884_000_001)
        doc = {
            "id": op_id,
            "shop": shop,
            "client_id": client_id,
            "type": "QUERY",
            "status": "CREATED",
            "error_code": None,
            "query": query,
            "group_objects": group_objects,
            "created_at": now_iso(),
            "completed_at": None,
            "object_count": 0,
            "root_object_count": 0,
            "file_size": None,
            "result_key": None,
            "partial_key": None,
            "url_secret": secrets.token_hex(16),
        }
        store.put(KIND, op_id, doc, shop=shop)
    Runner.wake()
    return doc


# -- signed result URLs (a real one is a signed storage.googleapis.com URL) -----------------


def _signature(doc: dict, key: str, expires: int) -> str:
    message = f"{key}\n{expires}".encode()
    return hmac.new(doc["url_secret"].encode(), message, hashlib.sha256).hexdigest()


def _expires(doc: dict) -> int:
    finished = datetime.fromisoformat(
        (doc["completed_at"] or doc["created_at"]).replace("Z", "+00:00")
    )
    return int((finished + URL_LIFETIME).timestamp())


def signed_url(base_url: str, doc: dict, key: str | None) -> str | None:
    if not key:
        return None
    expires = _expires(doc)
    return (
        f"{base_url.rstrip('/')}/storage/bulk-operation-outputs/{key}?Expires={expires}"
        f"&Signature={_signature(doc, key, expires)}"
        "&response-content-type=application%2Fjsonl"
    )


def result_file(store, key: str, expires: str, signature: str) -> tuple[int, Path | str]:
    """(200, path) for a valid signed request, else (status, GCS-style error code)."""
    doc = next((d for d in store.peek(KIND) if key in (d["result_key"], d["partial_key"])), None)
    if doc is None:
        return 404, "NoSuchKey"
    if not expires.isdigit() or not hmac.compare_digest(
        _signature(doc, key, int(expires)), signature or ""
    ):
        return 403, "SignatureDoesNotMatch"
    if int(expires) < time.time():
        return 400, "ExpiredToken"
    return 200, results_dir(store) / f"{key}.jsonl"


def results_dir(store) -> Path:
    if getattr(store, "results_dir", None) is None:
        base = getattr(store, "path", None)
        store.results_dir = (
            Path(base).parent / "bulk-operation-outputs"
            if base
            else Path(tempfile.mkdtemp(prefix="devstore-bulk-"))
        )
        store.results_dir.mkdir(parents=True, exist_ok=True)
    return store.results_dir


# -- running an operation -------------------------------------------------------------------


def _split(parent_type, selection_set, data, fragments) -> tuple[dict, list]:
    """Copy one object without its nested connections; return those as (type, node field,
    edges) to be written as child lines."""
    line, nested = {}, []
    fields = {
        (f.alias.value if f.alias else f.name.value): f for f in _fields(selection_set, fragments)
    }
    for key, value in data.items():
        field = fields.get(key)
        definition = field and getattr(parent_type, "fields", {}).get(field.name.value)
        if definition is None:
            line[key] = value
            continue
        named = get_named_type(definition.type)
        if _is_connection(definition.type):
            node = _edge_node(field, fragments)
            node_type = get_named_type(named.fields["edges"].type).fields["node"].type
            edges = (value or {}).get("edges") or []
            nested.append((get_named_type(node_type), node, [e["node"] for e in edges]))
        elif isinstance(value, dict) and field.selection_set is not None:
            line[key], deeper = _split(named, field.selection_set, value, fragments)
            nested.extend(deeper)
        else:
            line[key] = value
    return line, nested


def _lines(schema, document, data, group_objects: bool):
    """Yield (line, is_root) in Shopify's JSONL order for the executed bulk query."""
    fragments = {d.name.value: d for d in document.definitions if d.kind == "fragment_definition"}
    operation = next(d for d in document.definitions if isinstance(d, OperationDefinitionNode))
    (root_field,) = _fields(operation.selection_set, fragments)[:1]
    key = root_field.alias.value if root_field.alias else root_field.name.value
    definition = schema.query_type.fields[root_field.name.value]
    node_type = get_named_type(
        get_named_type(get_named_type(definition.type).fields["edges"].type).fields["node"].type
    )
    node = _edge_node(root_field, fragments)
    roots = [edge["node"] for edge in ((data or {}).get(key) or {}).get("edges") or []]

    def object_and_children(item_type, node_field, item, parent_id):
        line, nested = _split(item_type, node_field.selection_set, item, fragments)
        if parent_id is not None:
            line["__parentId"] = parent_id
        children = []
        for child_type, child_node, child_items in nested:
            for child in child_items:
                children.extend(object_and_children(child_type, child_node, child, item.get("id")))
        return [line, *children]

    size = 1 if group_objects else BATCH  # grouped: each object's children right after it
    for start in range(0, len(roots), size):
        batch = [object_and_children(node_type, node, r, None) for r in roots[start : start + size]]
        yield from ((lines[0], True) for lines in batch)
        yield from ((child, False) for lines in batch for child in lines[1:])


def _encode(line: dict) -> str:
    # Shopify's JSONL escapes forward slashes ("gid:\/\/shopify\/Order\/1"); a '/' can only
    # occur inside a JSON string, so replacing it is safe.
    return json.dumps(line, separators=(",", ":"), ensure_ascii=False).replace("/", "\\/")


def _execute(store, doc: dict):
    from graphql import execute

    from devstore import graphql_api
    from devstore.resolvers.common import UNBOUNDED_CONNECTIONS, Context
    from devstore.resolvers.root import root

    schema = admin_schema()
    document = parse(doc["query"])
    ctx = Context(store=store, shop=doc["shop"], client_id=doc["client_id"])
    token = UNBOUNDED_CONNECTIONS.set(True)
    try:
        result = execute(
            schema,
            document,
            root_value=root(ctx),
            field_resolver=graphql_api._field_resolver,
            type_resolver=graphql_api._type_resolver,
            context_value=ctx,
        )
    finally:
        UNBOUNDED_CONNECTIONS.reset(token)
    if result.errors:
        raise RuntimeError("; ".join(e.message for e in result.errors))
    return schema, document, result.data


def _save(store, doc: dict, **changes) -> dict:
    with store.transaction():
        current = store.get(KIND, doc["id"])
        current.update(changes)
        store.put(KIND, current["id"], current, shop=current["shop"])
        return current


def _claim(store, doc: dict) -> dict | None:
    """Take a waiting operation (CREATED -> RUNNING) unless another runner took it first."""
    with store.transaction():
        current = store.get(KIND, doc["id"])
        if current is None or current["status"] != doc["status"]:
            return None
        if current["status"] == "CREATED":
            current["status"] = "RUNNING"
            store.put(KIND, current["id"], current, shop=current["shop"])
        return current


def run(store, doc: dict, settings) -> dict:
    """Run one claimed (RUNNING) operation to its end; returns the final document."""
    key = f"{secrets.token_hex(12)}-final"
    path = results_dir(store) / f"{key}.jsonl"
    rate = float(getattr(settings, "bulk_objects_per_second", 0) or 0)
    failure = getattr(settings, "bulk_failure", "") or ""
    started = time.monotonic()
    objects = roots = 0
    try:
        schema, document, data = _execute(store, doc)
        lines = list(_lines(schema, document, data, doc["group_objects"]))
        if failure == "ACCESS_DENIED" or (failure and not lines):
            raise _Failed(failure)  # denied before anything is read
        with path.open("w", encoding="utf-8") as out:
            for index, (line, is_root) in enumerate(lines):
                if failure and index >= len(lines) // 2:
                    raise _Failed(failure)
                out.write(_encode(line) + "\n")
                objects += 1
                roots += is_root
                if objects % 100 == 0:
                    out.flush()
                    doc = _save(store, doc, object_count=objects, root_object_count=roots)
                    if doc["status"] == "CANCELING":
                        return _finish(store, doc, "CANCELED", path, None, objects, roots)
                    if rate:
                        time.sleep(max(0.0, objects / rate - (time.monotonic() - started)))
        if rate:
            time.sleep(max(0.0, objects / rate - (time.monotonic() - started)))
    except _Failed as failed:
        return _finish(store, doc, "FAILED", path, None, objects, roots, failed.code, partial=key)
    except Exception:
        log.exception("bulk operation %s failed", doc["id"])
        return _finish(
            store, doc, "FAILED", path, None, objects, roots, "INTERNAL_SERVER_ERROR", partial=key
        )
    if store.get(KIND, doc["id"])["status"] == "CANCELING":
        return _finish(store, doc, "CANCELED", path, None, objects, roots)
    return _finish(store, doc, "COMPLETED", path, key if objects else None, objects, roots)


class _Failed(Exception):
    def __init__(self, code: str):
        super().__init__(code)
        self.code = code if code in ERROR_CODES else "INTERNAL_SERVER_ERROR"


def _finish(store, doc, status, path, key, objects, roots, error_code=None, partial=None):
    size = path.stat().st_size if path.exists() else 0
    if not key and not (partial and objects):
        path.unlink(missing_ok=True)
    with store.transaction():
        doc = store.get(KIND, doc["id"])
        doc.update(
            status=status,
            error_code=error_code,
            completed_at=now_iso(),
            object_count=objects,
            root_object_count=roots,
            file_size=size if key else None,
            result_key=key,
            partial_key=partial if partial and objects else None,
        )
        store.put(KIND, doc["id"], doc, shop=doc["shop"])
        events.emit(
            store,
            doc["shop"],
            "bulk_operations/finish",
            finish_payload(doc),
            client_id=doc["client_id"],
        )
    return doc


def finish_payload(doc: dict) -> dict:
    payload = payloads.example("bulk_operations/finish")
    payload.update(
        admin_graphql_api_id=gid("BulkOperation", doc["id"]),
        completed_at=doc["completed_at"],
        created_at=doc["created_at"],
        error_code=doc["error_code"].lower() if doc["error_code"] else None,
        status=doc["status"].lower(),
        type=doc["type"].lower(),
    )
    return payload


class Runner:
    """One background thread per server: runs CREATED operations in order, one at a time."""

    _wakeup = threading.Event()

    def __init__(self, store, settings):
        self.store = store
        self.settings = settings
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="devstore-bulk", daemon=True)

    @classmethod
    def wake(cls) -> None:
        cls._wakeup.set()

    def start(self) -> Runner:
        # Operations a previous process left running start over (Shopify would resume them).
        for doc in self.store.find(KIND, where=lambda d: d["status"] == "RUNNING"):
            _save(self.store, doc, status="CREATED")
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.wake()
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wakeup.clear()
            run_pending(self.store, self.settings)
            self._wakeup.wait(timeout=0.2)


def run_pending(store, settings) -> int:
    """Run every operation waiting to start (oldest first); the count it ran."""
    ran = 0
    for doc in sorted(
        store.find(KIND, where=lambda d: d["status"] in ("CREATED", "CANCELING")),
        key=lambda d: d["id"],
    ):
        try:
            claimed = _claim(store, doc)
            if claimed is None:
                continue
            if claimed["status"] == "CANCELING":
                _finish(store, claimed, "CANCELED", results_dir(store) / "none", None, 0, 0)
            else:
                run(store, claimed, settings)
            ran += 1
        except Exception:  # a runner bug must not kill the loop
            log.exception("bulk operation %s crashed the runner", doc["id"])
    return ran
