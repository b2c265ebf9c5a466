"""/_devstore control routes over a shop's orders: seed, list and place orders, pay and cancel
one, and act on a fulfillment order as the merchant or the fulfillment service."""

from __future__ import annotations

from flask import Blueprint, request

from devstore import commerce
from devstore.routes.common import get_store, ok

bp = Blueprint("control_orders", __name__)
# Opt-in money of a placed order (commerce/pricing.py).
PRICING = ("presentment_currency", "rate", "discount", "taxes", "duties")


@bp.post("/_devstore/shops/<shop>/seed")
def seed(shop):
    body = request.get_json(force=True)
    # An explicit "seed": the same orders in any shop; none: this shop's own mix.
    seed = body.get("seed")
    orders = commerce.seed_orders(
        get_store(),
        shop,
        int(body.get("orders", 10)),
        rng_seed=None if seed is None else int(seed),
        markets=bool(body.get("markets")),
        skus=body.get("skus"),
    )
    return ok({"created": len(orders), "order_ids": [o["id"] for o in orders]}, 201)


@bp.get("/_devstore/shops/<shop>/orders")
def orders(shop):
    store = get_store()
    return ok(
        [
            {
                **o,
                "fulfillment_orders": commerce.fulfillment_orders_of(store, shop, o["id"]),
                "fulfillments": commerce.fulfillments_of(store, shop, o["id"]),
            }
            for o in commerce.list_orders(store, shop)[: int(request.args.get("limit", 50))]
        ]
    )


@bp.post("/_devstore/shops/<shop>/orders")
def place_order(shop):
    body, store = request.get_json(force=True), get_store()
    order = commerce.create_order(
        store,
        shop,
        line_items=body["line_items"],
        customer=body.get("customer"),
        shipping_address=body.get("shipping_address"),
        currency=body.get("currency"),
        financial_status=body.get("financial_status", "paid"),
        note=body.get("note"),
        tags=body.get("tags"),
        shipping_price=body.get("shipping_price", "0.00"),
        test=bool(body.get("test")),
        schedule=body.get("schedule"),
        delivery=body.get("delivery"),
        pricing={k: body[k] for k in PRICING if k in body} or None,
    )
    return ok(
        {
            **order,
            "fulfillment_orders": commerce.fulfillment_orders_of(store, shop, order["id"]),
        },
        201,
    )


@bp.post("/_devstore/shops/<shop>/orders/<int:order_id>/pay")
def pay(shop, order_id):
    return ok(commerce.mark_paid(get_store(), shop, order_id))


@bp.post("/_devstore/shops/<shop>/orders/<int:order_id>/cancel")
def cancel(shop, order_id):
    """The store's staff cancels an order in its admin (as orderCancel: same guards)."""
    body = request.get_json(silent=True) or {}
    result = commerce.cancel_order(
        get_store(),
        shop,
        order_id,
        reason=body.get("reason", "OTHER"),
        restock=bool(body.get("restock", True)),
        refund=bool(body.get("refund", False)),
        notify_customer=bool(body.get("notify_customer", False)),
        staff_note=body.get("staff_note"),
    )
    return ok(result["order"])


@bp.post("/_devstore/shops/<shop>/orders/<int:order_id>/delete")
def delete(shop, order_id):
    """The store's staff deletes a cancelled or archived order in its admin (as orderDelete)."""
    return ok(commerce.delete_order(get_store(), shop, order_id))


@bp.post("/_devstore/shops/<shop>/orders/<int:order_id>/edit")
def edit(shop, order_id):
    """The store's staff edits an order in its admin: {"set": {line_id: qty}, "add": [{"sku",
    "quantity"}], "add_custom": [{"title", "price", "quantity", "requires_shipping"}],
    "notify_customer", "staff_note"}, one edit session committed at once."""
    body, store = request.get_json(silent=True) or {}, get_store()
    edits = commerce.order_edits
    with store.transaction():
        session = edits.begin_edit(store, shop, order_id)
        for line_id, quantity in (body.get("set") or {}).items():
            edits.set_quantity(store, shop, session["id"], int(line_id), int(quantity))
        for spec in body.get("add") or []:
            variant = commerce.variant_by_sku(store, shop, spec["sku"])
            if variant is None:
                raise commerce.UserError(f"Unknown SKU {spec['sku']}", field=["add", "sku"])
            edits.add_variant(
                store, shop, session["id"], variant["id"], int(spec.get("quantity", 1))
            )
        for spec in body.get("add_custom") or []:
            edits.add_custom_item(
                store,
                shop,
                session["id"],
                title=spec["title"],
                price=str(spec["price"]),
                quantity=int(spec.get("quantity", 1)),
                requires_shipping=bool(spec.get("requires_shipping", False)),
            )
        order = edits.commit_edit(
            store,
            shop,
            session["id"],
            notify_customer=bool(body.get("notify_customer")),
            staff_note=body.get("staff_note") or "",
        )
    return ok(
        {**order, "fulfillment_orders": commerce.fulfillment_orders_of(store, shop, order_id)}
    )


def _quantities(body: dict) -> dict[int, int] | None:
    """`fulfill`'s optional `line_items` ([{"id": fulfillment order line id, "quantity"}]):
    some lines or units now, the rest in a later parcel. None: all that remains."""
    lines = body.get("line_items")
    if not lines:
        return None
    try:
        return {int(li["id"]): int(li["quantity"]) for li in lines}
    except (KeyError, TypeError, ValueError) as exc:
        raise commerce.UserError(
            "line_items: [{id, quantity}] with whole numbers", field=["line_items"]
        ) from exc


@bp.post("/_devstore/shops/<shop>/fulfillments/<int:fulfillment_id>/tracking")
def update_tracking(shop, fulfillment_id):
    """The shop corrects a fulfillment's tracking (fulfillments/update follows)."""
    body = request.get_json(silent=True) or {}
    tracking = {k: body.get(k) for k in ("company", "number", "url")}
    return ok(
        commerce.update_tracking(
            get_store(), shop, fulfillment_id, tracking=tracking, notify_customer=False
        )
    )


@bp.post("/_devstore/shops/<shop>/fulfillment_orders/<int:fo_id>/<action>")
def fo_action(shop, fo_id, action):
    body, store = request.get_json(silent=True) or {}, get_store()
    tracking = {k: body.get(k) for k in ("company", "number", "url")}
    moves = {
        "request_fulfillment": lambda: commerce.submit_fulfillment_request(
            store, shop, fo_id, message=body.get("message")
        ),
        "accept": lambda: commerce.accept_fulfillment_request(
            store, shop, fo_id, message=body.get("message")
        ),
        "reject": lambda: commerce.reject_fulfillment_request(
            store, shop, fo_id, reason=body.get("reason"), message=body.get("message")
        ),
        "fulfill": lambda: commerce.fulfill_fulfillment_order(
            store,
            shop,
            fo_id,
            quantities=_quantities(body),
            tracking=tracking,
            notify_customer=bool(body.get("notify_customer")),
        ),
        "request_cancellation": lambda: commerce.submit_cancellation_request(
            store, shop, fo_id, message=body.get("message")
        ),
        "accept_cancellation": lambda: commerce.accept_cancellation_request(
            store, shop, fo_id, message=body.get("message")
        ),
        "reject_cancellation": lambda: commerce.reject_cancellation_request(
            store, shop, fo_id, message=body.get("message")
        ),
        # As the merchant, or (client_id) as an app, e.g. a fraud app holding the order.
        "hold": lambda: commerce.hold_fulfillment_order(
            store,
            shop,
            fo_id,
            reason=body.get("reason", "OTHER"),
            reason_notes=body.get("reason_notes") or body.get("message"),
            handle=body.get("handle") or "",
            client_id=body.get("client_id"),
        ),
        "release": lambda: commerce.release_hold(
            store, shop, fo_id, hold_ids=[int(i) for i in body.get("hold_ids") or []] or None
        ),
    }
    moves["open"] = lambda: commerce.open_fulfillment_order(store, shop, fo_id)
    moves["reschedule"] = lambda: commerce.reschedule_fulfillment_order(
        store, shop, fo_id, body["fulfill_at"]
    )
    if action not in moves:
        return ok({"error": f"unknown action {action}; one of {sorted(moves)}"}, 404)
    return ok(moves[action]())
