"""Shopify's GraphQL cost model: calculated query cost and a leaky bucket per (app, shop).

Scalars and enums cost 0, objects 1, connections 2 + first/last × the cost of one node,
mutations 10 (reference §6). The requested cost is reserved up front and the difference to
the actual cost (connections sized by what was returned) is refunded.
"""

from __future__ import annotations

import threading
import time

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLObjectType,
    GraphQLSchema,
    InlineFragmentNode,
    OperationDefinitionNode,
    get_named_type,
    is_leaf_type,
    value_from_ast_untyped,
)

from devstore.commerce import PLANS

MAX_QUERY_COST = 1000
MUTATION_COST = 10


def _operation(document, operation_name):
    ops = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if operation_name:
        ops = [op for op in ops if op.name and op.name.value == operation_name]
    return ops[0] if ops else None


def _fragments(document):
    return {d.name.value: d for d in document.definitions if d.kind == "fragment_definition"}


def _size(node: FieldNode, variables: dict) -> int | None:
    for argument in node.arguments or ():
        if argument.name.value in ("first", "last"):
            value = value_from_ast_untyped(argument.value, variables)
            if isinstance(value, int):
                return value
    return None


def _selection_cost(
    schema, parent_type, selection_set, variables, fragments, data=None, actual=False
) -> int:
    total = 0
    if selection_set is None:
        return 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            total += _field_cost(schema, parent_type, selection, variables, fragments, data, actual)
        else:
            if isinstance(selection, FragmentSpreadNode):
                fragment = fragments.get(selection.name.value)
                if fragment is None:
                    continue
                type_name, sub = fragment.type_condition.name.value, fragment.selection_set
            else:
                assert isinstance(selection, InlineFragmentNode)
                type_name = (
                    selection.type_condition.name.value
                    if selection.type_condition
                    else parent_type.name
                )
                sub = selection.selection_set
            target = schema.type_map.get(type_name, parent_type)
            if not isinstance(target, GraphQLObjectType):
                target = parent_type
            total += _selection_cost(schema, target, sub, variables, fragments, data, actual)
    return total


def _field_cost(schema, parent_type, node, variables, fragments, data, actual) -> int:
    name = node.name.value
    if name.startswith("__") or not hasattr(parent_type, "fields"):
        return 0
    field = parent_type.fields.get(name)
    if field is None:
        return 0
    named = get_named_type(field.type)
    if is_leaf_type(named):
        return 0
    key = node.alias.value if node.alias else name
    value = data.get(key) if isinstance(data, dict) else None
    if named.name.endswith("Connection") and hasattr(named, "fields"):
        node_type = get_named_type(named.fields["nodes"].type) if "nodes" in named.fields else named
        selections = _node_selections(node)
        if actual:
            return 2 + _returned_nodes_cost(
                schema, node_type, selections, variables, fragments, value
            )
        per_node = max(
            [1]
            + [
                1 + _selection_cost(schema, node_type, inner, variables, fragments)
                for _, inner in selections
            ]
        )
        return 2 + (_size(node, variables) or 1) * per_node
    if actual:
        if value is None:
            return 0
        items = value if isinstance(value, list) else [value]
        return sum(
            1
            + _selection_cost(schema, named, node.selection_set, variables, fragments, item, actual)
            for item in items
        )
    child = _selection_cost(schema, named, node.selection_set, variables, fragments)
    if _is_list(field.type):
        return (_size(node, variables) or 1) * (1 + child)
    return 1 + child


def _node_selections(node: FieldNode) -> list[tuple[str, object]]:
    """(response key, selection set of one node) for a connection's `nodes` and `edges.node`."""
    found = []
    for sub in node.selection_set.selections if node.selection_set else ():
        if not isinstance(sub, FieldNode) or sub.name.value not in ("nodes", "edges"):
            continue
        key = sub.alias.value if sub.alias else sub.name.value
        inner = sub.selection_set
        if sub.name.value == "edges":
            inner_nodes = [
                s for s in inner.selections if isinstance(s, FieldNode) and s.name.value == "node"
            ]
            if not inner_nodes:
                continue
            node_key = inner_nodes[0].alias.value if inner_nodes[0].alias else "node"
            found.append((f"{key}.{node_key}", inner_nodes[0].selection_set))
        else:
            found.append((key, inner))
    return found


def _returned_nodes_cost(schema, node_type, selections, variables, fragments, value) -> int:
    """Actual cost of the nodes a connection returned: each node 1 plus what was selected in it,
    nested connections sized by what they returned (a node selected through both `nodes` and
    `edges` is charged once, at the dearer selection)."""
    if not isinstance(value, dict):
        return 0
    per_item: dict[int, int] = {}
    for key, inner in selections:
        outer, _, node_key = key.partition(".")
        items = value.get(outer) or []
        if node_key:
            items = [edge.get(node_key) if isinstance(edge, dict) else None for edge in items]
        for index, item in enumerate(items):
            cost = 1 + _selection_cost(
                schema, node_type, inner, variables, fragments, item, actual=True
            )
            per_item[index] = max(per_item.get(index, 0), cost)
    return sum(per_item.values())


def _is_list(gql_type) -> bool:
    inner = getattr(gql_type, "of_type", None)
    if type(gql_type).__name__ == "GraphQLList":
        return True
    return _is_list(inner) if inner is not None else False


def requested_cost(
    schema: GraphQLSchema, document, variables: dict, operation_name: str | None
) -> int:
    op = _operation(document, operation_name)
    if op is None:
        return 0
    fragments = _fragments(document)
    if op.operation.value == "mutation":
        # Shopify charges a mutation 10 whatever its payload selects (recorded responses:
        # bulkOperationRunQuery, bulkOperationCancel with full payloads, 10 requested and actual).
        return MUTATION_COST * len(op.selection_set.selections)
    return max(
        1, _selection_cost(schema, schema.query_type, op.selection_set, variables, fragments)
    )


def actual_cost(
    schema: GraphQLSchema,
    document,
    data,
    variables: dict,
    operation_name: str | None,
    requested: int,
) -> int:
    op = _operation(document, operation_name)
    if op is None or data is None or op.operation.value == "mutation":
        return requested
    fragments = _fragments(document)
    return min(
        requested,
        max(
            1,
            _selection_cost(
                schema, schema.query_type, op.selection_set, variables, fragments, data, actual=True
            ),
        ),
    )


class Bucket:
    """`clock` (monotonic seconds) is a seam: a test can let time pass only when it says so."""

    def __init__(self, restore_rate: float, maximum: float, clock=time.monotonic):
        self.restore_rate = restore_rate
        self.maximum = maximum
        self.available = maximum
        self.clock = clock
        self.updated = clock()
        self.lock = threading.Lock()

    def set_clock(self, clock, available: float) -> None:
        """From now on leak by `clock`, starting with `available` points."""
        with self.lock:
            self.clock, self.updated, self.available = clock, clock(), available

    def _leak(self) -> None:
        now = self.clock()
        self.available = min(
            self.maximum, self.available + (now - self.updated) * self.restore_rate
        )
        self.updated = now

    def take(self, amount: int) -> bool:
        with self.lock:
            self._leak()
            if amount > self.available:
                return False
            self.available -= amount
            return True

    def refund(self, amount: int) -> None:
        with self.lock:
            self._leak()
            self.available = min(self.maximum, self.available + max(0, amount))

    def report(self, requested: int, actual: int | None) -> dict:
        with self.lock:
            self._leak()
            return {
                "requestedQueryCost": requested,
                "actualQueryCost": actual,
                "throttleStatus": {
                    "maximumAvailable": float(self.maximum),
                    "currentlyAvailable": int(self.available),
                    "restoreRate": float(self.restore_rate),
                },
            }


_buckets: dict[tuple[str, str], Bucket] = {}
_buckets_lock = threading.Lock()


def bucket_for(client_id: str, shop: str, plan: str) -> Bucket:
    limits = PLANS.get(plan, PLANS["standard"])
    with _buckets_lock:
        bucket = _buckets.get((client_id, shop))
        if bucket is None or bucket.restore_rate != limits["restore_rate"]:
            bucket = Bucket(limits["restore_rate"], limits["bucket"])
            _buckets[(client_id, shop)] = bucket
        return bucket


def reset_buckets() -> None:
    with _buckets_lock:
        _buckets.clear()
