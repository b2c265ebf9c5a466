"""Scheduled fulfillment orders, as Shopify makes them for prepaid subscriptions and
pre-orders: one fulfillment order per delivery, SCHEDULED until its `fulfillAt`, then OPEN
(`fulfillmentOrderOpen`, or the time coming: devstore's clock is a control route), and
`fulfillmentOrderReschedule` to change the date."""

from __future__ import annotations

from datetime import datetime, timedelta

from devstore import events, fo_payloads
from devstore.commerce.common import UserError, now_iso
from devstore.commerce.fo_moves import add_units, take_lines
from devstore.commerce.fulfillment_orders import (
    get_fulfillment_order,
    new_fulfillment_order,
    save_fo,
)
from devstore.store import Store


def check_schedule(schedule: dict) -> tuple[int, int, int]:
    """(deliveries, days between them, days until the first) from an order's schedule."""
    deliveries = int(schedule.get("deliveries", 1))
    interval = int(schedule.get("interval_days", 30))
    first = int(schedule.get("first_in_days", 0))
    if deliveries < 1 or interval < 1 or first < 0:
        raise UserError("A schedule needs at least one delivery, days apart.", field=["schedule"])
    return deliveries, interval, first


def total_quantities(line_items: list[dict], schedule: dict | None) -> list[dict]:
    """A scheduled order's line specs give a quantity per delivery: the line holds them all."""
    if not schedule:
        return line_items
    deliveries = check_schedule(schedule)[0]
    return [{**s, "quantity": int(s.get("quantity", 1)) * deliveries} for s in line_items]


def _iso(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


def _parse(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def schedule_fulfillment_orders(
    store: Store, shop: str, order: dict, groups: list[tuple[int, list[dict]]], schedule: dict
) -> None:
    """One fulfillment order per delivery and location, each holding one delivery's units
    (a line's quantity is the deliveries' total). A delivery due at once is OPEN, later ones
    are SCHEDULED with their fulfill_at."""
    deliveries, interval, first = check_schedule(schedule)
    start = _parse(order["created_at"])
    for delivery in range(deliveries):
        due = start + timedelta(days=first + delivery * interval)
        status = "OPEN" if due <= start else "SCHEDULED"
        for location_id, items in groups:
            fo = new_fulfillment_order(
                store,
                shop,
                order["id"],
                location_id,
                [(i["id"], i["quantity"] // deliveries) for i in items],
                status=status,
            )
            fo["fulfill_at"] = _iso(due)
            save_fo(store, shop, fo)


def open_fulfillment_order(store: Store, shop: str, fo_id: int) -> dict:
    """fulfillmentOrderOpen: a scheduled fulfillment order becomes fulfillable now."""
    with store.transaction():
        fo = get_fulfillment_order(store, shop, fo_id)
        if fo["status"] != "SCHEDULED":
            raise UserError("Fulfillment order is not scheduled.", field=["id"])
        return _open(store, shop, fo)


def _open(store: Store, shop: str, fo: dict) -> dict:
    fo["status"] = "OPEN"
    fo = save_fo(store, shop, fo)
    events.emit(
        store,
        shop,
        "fulfillment_orders/scheduled_fulfillment_order_ready",
        fo_payloads.fo_status(fo),
    )
    return fo


def advance_clock(store: Store, shop: str, until: str | None = None) -> list[dict]:
    """The time passing: every scheduled fulfillment order due by `until` (now when not
    given) opens, as Shopify opens them when their fulfill_at comes."""
    limit = _parse(until or now_iso())
    with store.transaction():
        due = [
            fo
            for fo in store.find("fulfillment_order", shop=shop)
            if fo["status"] == "SCHEDULED" and _parse(fo["fulfill_at"]) <= limit
        ]
        return [_open(store, shop, fo) for fo in due]


def reschedule_fulfillment_order(store: Store, shop: str, fo_id: int, fulfill_at: str) -> dict:
    """fulfillmentOrderReschedule: a new fulfill_at for a scheduled fulfillment order; one of
    the same order and location already due then absorbs it (Shopify merges them)."""
    with store.transaction():
        fo = get_fulfillment_order(store, shop, fo_id)
        if fo["status"] != "SCHEDULED":
            raise UserError("Fulfillment order is not scheduled.", field=["id"])
        when = _iso(_parse(fulfill_at))
        twin = next(
            (
                other
                for other in store.find_by("fulfillment_order", "order_id", fo["order_id"], shop)
                if other["id"] != fo["id"]
                and other["status"] == "SCHEDULED"
                and other["location_id"] == fo["location_id"]
                and other.get("fulfill_at") == when
            ),
            None,
        )
        if twin is None:
            fo["fulfill_at"] = when
            result = save_fo(store, shop, fo)
        else:
            result = _absorb(store, shop, twin, fo)
        events.emit(store, shop, "fulfillment_orders/rescheduled", fo_payloads.rescheduled(result))
        return result


def _absorb(store: Store, shop: str, target: dict, fo: dict) -> dict:
    whole = {line["id"]: line["remaining_quantity"] for line in fo["line_items"]}
    for line_item_id, qty in take_lines(fo, whole):
        add_units(store, target, line_item_id, qty)
    fo["status"] = "CLOSED"
    save_fo(store, shop, fo)
    return save_fo(store, shop, target)
