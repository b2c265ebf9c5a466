"""Webhook payloads for fulfillment orders rearranged, held and scheduled (moved, split,
merged, fulfillment holds, rescheduled), REST-shaped as Shopify sends them (see payloads)."""

from __future__ import annotations

from devstore.payloads import example


def _gid(kind: str, doc_id: int) -> str:
    return f"gid://shopify/{kind}/{doc_id}"


def _brief(fo: dict) -> dict:
    return {"id": _gid("FulfillmentOrder", fo["id"]), "status": fo["status"].lower()}


def _located(fo: dict) -> dict:
    return {**_brief(fo), "assigned_location_id": _gid("Location", fo["location_id"])}


def _line_inputs(wanted: dict[int, int]) -> list[dict]:
    return [
        {"id": _gid("FulfillmentOrderLineItem", line_id), "quantity": qty}
        for line_id, qty in wanted.items()
    ]


def fo_moved(original: dict, moved: dict, source_id: int, requested: dict | None) -> dict:
    """fulfillment_orders/moved; the requested line items are those the mutation named (an
    empty list when it moved the whole fulfillment order)."""
    return {
        "original_fulfillment_order": _located(original),
        "moved_fulfillment_order": _located(moved),
        "destination_location_id": _gid("Location", moved["location_id"]),
        "fulfillment_order_line_items_requested": _line_inputs(requested or {}),
        "source_location": {"id": _gid("Location", source_id)},
    }


def fo_split(fo: dict, remaining: dict, line_items: list[dict]) -> dict:
    """fulfillment_orders/split. No replacement: devstore splits only splittable ones."""
    return {
        "split_line_items": [
            {"id": li["id"], "quantity": int(li["quantity"])} for li in line_items
        ],
        "fulfillment_order": _brief(fo),
        "remaining_fulfillment_order": _brief(remaining),
        "replacement_fulfillment_order": None,
    }


def fo_merged(target: dict, merged: list[tuple[dict, dict[int, int]]]) -> dict:
    """fulfillment_orders/merged: numeric ids in merge_intents, as Shopify's example has."""
    return {
        "merge_intents": [
            {
                "fulfillment_order_id": fo["id"],
                "fulfillment_order_line_items": [
                    {"id": line_id, "quantity": qty} for line_id, qty in wanted.items()
                ],
            }
            for fo, wanted in merged
        ],
        "fulfillment_order_merges": {"fulfillment_order": _brief(target)},
    }


def hold(hold_doc: dict) -> dict:
    """A FulfillmentHold as the REST payloads show it. A hold the merchant placed in the admin
    keeps the example's app (Shopify's admin is an app too). The payload goes to every
    subscribed app alike, so held_by_requesting_app is false."""
    example_app = example("fulfillment_holds/added")["fulfillment_hold"]["held_by_app"]
    return {
        "id": _gid("FulfillmentHold", hold_doc["id"]),
        "reason": hold_doc["reason"].lower(),
        "reason_notes": hold_doc.get("reason_notes") or "",
        "held_by_requesting_app": False,
        "handle": hold_doc.get("handle") or "",
        "held_by_app": {"id": _gid("App", hold_doc["app_id"])}
        if hold_doc.get("app_id")
        else example_app,
    }


def hold_event(topic: str, fo: dict, hold_payload: dict) -> dict:
    """fulfillment_holds/added and fulfillment_holds/released."""
    return {
        "fulfillment_order": {"id": _gid("FulfillmentOrder", fo["id"])},
        "fulfillment_hold": hold_payload,
    }


def placed_on_hold(fo: dict, created: dict, remaining: dict | None, line_items) -> dict:
    """fulfillment_orders/placed_on_hold: the fulfillment order with every hold on it, the
    hold just created, and (a hold on some units) the remaining fulfillment order."""
    payload = example("fulfillment_orders/placed_on_hold")
    payload["fulfillment_order"] = {
        **_brief(fo),
        "fulfillment_holds": [hold(h) for h in fo["holds"]],
    }
    payload["created_fulfillment_hold"] = created
    if remaining:  # else the example's stays: the inferred schema has no null for it
        payload["remaining_fulfillment_order"] = _brief(remaining)
    payload["held_fulfillment_order_line_items"] = [
        {"id": li["id"], "quantity": int(li["quantity"])} for li in line_items or []
    ] or [
        {"id": _gid("FulfillmentOrderLineItem", line["id"]), "quantity": line["remaining_quantity"]}
        for line in fo["line_items"]
    ]
    return payload


def fo_status(fo: dict) -> dict:
    """fulfillment_orders/hold_released and scheduled_fulfillment_order_ready."""
    return {"fulfillment_order": _brief(fo)}


def rescheduled(fo: dict) -> dict:
    return {"fulfillment_order": {**_brief(fo), "fulfill_at": fo["fulfill_at"]}}
