"""POST /admin/api/{version}/graphql.json: validate against Shopify's real schema, charge the
cost bucket, execute against devstore's state.

Objects are exposed as "views": dicts keyed by GraphQL field name whose values are plain data
or callables taking (info, **arguments). A field a view does not carry is not emulated and
answers a clear error instead of a silent null.
"""

from __future__ import annotations

import logging

from graphql import (
    GraphQLError,
    GraphQLResolveInfo,
    execute,
    parse,
    validate,
)
from graphql.error import GraphQLSyntaxError

from devstore import commerce, cost
from devstore.resolvers.common import Context
from devstore.resolvers.root import root
from devstore.schema import admin_schema

log = logging.getLogger("devstore.graphql")

NOT_EMULATED = "NOT_EMULATED"


def _field_resolver(parent, info: GraphQLResolveInfo, **args):
    name = info.field_name
    if isinstance(parent, dict):
        if name in parent:
            value = parent[name]
            return value(info, **args) if callable(value) else value
        raise GraphQLError(
            f"{info.parent_type.name}.{name} is not emulated by devstore",
            extensions={"code": NOT_EMULATED},
        )
    return getattr(parent, name, None)


def _type_resolver(value, info, abstract_type):
    return value.get("__typename") if isinstance(value, dict) else None


def _shape_error(error: GraphQLError, default_code: str) -> dict:
    shaped = {"message": error.message}
    if error.locations:
        shaped["locations"] = [{"line": loc.line, "column": loc.column} for loc in error.locations]
    if error.path:
        shaped["path"] = list(error.path)
    original = error.original_error
    if isinstance(original, commerce.NotFound):
        shaped["extensions"] = {"code": "RESOURCE_NOT_FOUND"}
    elif error.extensions:
        shaped["extensions"] = dict(error.extensions)
    else:
        shaped["extensions"] = {"code": default_code}
    return shaped


def execute_request(
    store,
    *,
    shop: str,
    client_id: str,
    plan: str,
    body: dict,
    throttle: bool = True,
    base_url: str | None = None,
) -> tuple[int, dict]:
    """Run one GraphQL request for an app on a shop: (HTTP status, JSON body)."""
    schema = admin_schema()
    query = body.get("query")
    if not isinstance(query, str) or not query.strip():
        return 400, {"errors": {"query": "Required parameter missing or invalid"}}
    variables = body.get("variables") or {}
    if not isinstance(variables, dict):
        return 400, {"errors": {"variables": "must be an object"}}
    try:
        document = parse(query)
    except GraphQLSyntaxError as exc:
        return 200, {"errors": [_shape_error(exc, "PARSE_ERROR")]}
    validation_errors = validate(schema, document)
    if validation_errors:
        return 200, {
            "errors": [_shape_error(e, "GRAPHQL_VALIDATION_FAILED") for e in validation_errors]
        }

    requested = cost.requested_cost(schema, document, variables, body.get("operationName"))
    bucket = cost.bucket_for(client_id, shop, plan)
    if requested > cost.MAX_QUERY_COST:
        return 200, {
            "errors": [
                {
                    "message": f"Query cost is {requested}, which exceeds the single query "
                    f"max cost limit ({cost.MAX_QUERY_COST}).",
                    "extensions": {
                        "code": "MAX_COST_EXCEEDED",
                        "cost": requested,
                        "maxCost": cost.MAX_QUERY_COST,
                    },
                }
            ],
            "extensions": {"cost": bucket.report(requested, None)},
        }
    if throttle and not bucket.take(requested):
        return 200, {
            "errors": [
                {
                    "message": "Throttled",
                    "extensions": {
                        "code": "THROTTLED",
                        "documentation": "https://shopify.dev/api/usage/rate-limits",
                    },
                }
            ],
            "extensions": {"cost": bucket.report(requested, None)},
        }

    context = Context(store=store, shop=shop, client_id=client_id)
    if base_url:
        context.base_url = base_url
    result = execute(
        schema,
        document,
        root_value=root(context),
        variable_values=variables,
        operation_name=body.get("operationName"),
        field_resolver=_field_resolver,
        type_resolver=_type_resolver,
        context_value=context,
    )
    actual = cost.actual_cost(
        schema, document, result.data, variables, body.get("operationName"), requested
    )
    if throttle:
        bucket.refund(requested - actual)
    payload: dict = {}
    if result.errors:
        coded = [
            _shape_error(e, "INVALID_VARIABLE" if "Variable" in e.message else "INTERNAL")
            for e in result.errors
        ]
        for error, shaped in zip(result.errors, coded, strict=True):
            if shaped["extensions"]["code"] == "INTERNAL" and error.original_error:
                log.exception("resolver failed", exc_info=error.original_error)
        payload["errors"] = coded
    payload["data"] = result.data
    payload["extensions"] = {"cost": bucket.report(requested, actual)}
    return 200, payload
