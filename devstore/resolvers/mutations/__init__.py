"""The mutation root fields, one module per resource. Each module's fields(ctx) maps a field
name to a function of the field's arguments; here each becomes a resolver whose UserError
comes back as the payload's userErrors."""

from __future__ import annotations

from devstore import bulk
from devstore.commerce import UserError
from devstore.resolvers.common import Context
from devstore.resolvers.mutations import (
    fo_moves,
    fulfillment_orders,
    fulfillment_services,
    fulfillments,
    order_edits,
    orders,
    refunds,
    webhooks,
)

RESOURCES = (
    fulfillment_orders,
    fo_moves,
    fulfillments,
    orders,
    order_edits,
    refunds,
    fulfillment_services,
    webhooks,
)


def _user_errors(exc: UserError) -> list[dict]:
    return [{"field": exc.field, "message": exc.message, "code": exc.code}]


def _null_payload(info, payload: dict) -> dict:
    """Every non-error field of a payload type is null when the mutation failed."""
    for name in (
        info.return_type.of_type.fields
        if hasattr(info.return_type, "of_type")
        else info.return_type.fields
    ):
        payload.setdefault(name, None)
    return payload


def _mutation(run):
    """Turn UserError into the payload's userErrors; NotFound propagates as a top-level error."""

    def resolver(info, **args):
        try:
            return run(**args)
        except UserError as exc:
            name = info.field_name
            key = "orderCancelUserErrors" if name == "orderCancel" else "userErrors"
            payload = {"userErrors": _user_errors(exc)}
            payload[key] = _user_errors(exc)
            return _null_payload(info, payload)

    return resolver


def mutations(ctx: Context) -> dict:
    fields = {
        name: _mutation(run) for resource in RESOURCES for name, run in resource.fields(ctx).items()
    }
    return {**fields, **bulk.mutation_fields(ctx)}
