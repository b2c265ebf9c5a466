"""Order edit mutations: orderEditBegin, orderEditSetQuantity, orderEditAddVariant,
orderEditAddCustomItem and orderEditCommit (devstore.commerce.order_edits has the rules)."""

from __future__ import annotations

from functools import partial

from devstore.commerce import order_edits, parse_gid
from devstore.resolvers.common import Context
from devstore.resolvers.views.order_edits import (
    calculated_line_view,
    calculated_order_view,
    session_view,
)
from devstore.resolvers.views.orders import order_view


def _calculated(ctx: Context, session: dict, line_id: int | None = None) -> dict:
    payload = {
        "calculatedOrder": calculated_order_view(ctx, session),
        "orderEditSession": session_view(session),
        "userErrors": [],
    }
    if line_id is not None:
        payload["calculatedLineItem"] = calculated_line_view(ctx, session, line_id)
    return payload


def begin(ctx: Context, id):
    session = order_edits.begin_edit(
        ctx.store, ctx.shop, parse_gid(id, "Order"), app_client_id=ctx.client_id
    )
    return _calculated(ctx, session)


def set_quantity(ctx: Context, id, lineItemId, quantity, restock=None, locationId=None):
    line_id = parse_gid(lineItemId, "CalculatedLineItem")
    session = order_edits.set_quantity(
        ctx.store, ctx.shop, id, line_id, quantity, restock=bool(restock)
    )
    return _calculated(ctx, session, line_id)


def add_variant(ctx: Context, id, variantId, quantity, locationId=None, allowDuplicates=None):
    added = order_edits.add_variant(
        ctx.store,
        ctx.shop,
        id,
        parse_gid(variantId, "ProductVariant"),
        quantity,
        allow_duplicates=bool(allowDuplicates),
    )
    session = order_edits.get_session(ctx.store, ctx.shop, id)
    return _calculated(ctx, session, added["id"])


def add_custom_item(
    ctx: Context,
    id,
    title,
    price,
    quantity,
    requiresShipping=None,
    taxable=None,
    locationId=None,
):
    added = order_edits.add_custom_item(
        ctx.store,
        ctx.shop,
        id,
        title=title,
        price=price["amount"],
        quantity=quantity,
        requires_shipping=bool(requiresShipping),
    )
    session = order_edits.get_session(ctx.store, ctx.shop, id)
    return _calculated(ctx, session, added["id"])


def commit(ctx: Context, id, notifyCustomer=None, staffNote=None):
    order = order_edits.commit_edit(
        ctx.store, ctx.shop, id, notify_customer=bool(notifyCustomer), staff_note=staffNote or ""
    )
    return {
        "order": order_view(ctx, order),
        "successMessages": ["Order updated"],
        "userErrors": [],
    }


def fields(ctx: Context) -> dict:
    return {
        "orderEditBegin": partial(begin, ctx),
        "orderEditSetQuantity": partial(set_quantity, ctx),
        "orderEditAddVariant": partial(add_variant, ctx),
        "orderEditAddCustomItem": partial(add_custom_item, ctx),
        "orderEditCommit": partial(commit, ctx),
    }
