"""Quantities changed in the store (an order edit, a refund) after a part was sent to its
supplier: the supplier is told, through its channel, as address changes are.

Before a part is sent, nothing needs telling: the part's lines are the order's current
quantities when it is forwarded. After, the supplier works from what it was sent, so:
- portal: its page shows the order's current quantities, with the change beside them;
- store: the order Relay placed in the supplier's store is edited down to what the order holds
  now (orderEdit there) and gets a note and a tag saying so (`show_in_supplier_store`, a job:
  it speaks to another store);
- manual: the merchant is told to contact the supplier.
Every part changed gets a problem the merchant sees in the grid and an event on the timeline.
Units added to a line already sent are not asked of the supplier here: the merchant is told
(Shopify puts them on a fulfillment order of their own, still to request).
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l

from background import PUSH, background
from domain import states
from domain.models.orders import Order, SupplierOrder
from domain.orders import routing, timeline
from domain.orders.timeline import N_, EventKind
from domain.shop import shops, tokens
from domain.transaction import unit_of_work
from extensions import db
from integrations.shopify_admin.errors import ShopifyUserError
from integrations.shopify_admin.gateway import cancellations as store_orders
from integrations.shopify_admin.gateway import supplier_store

# Parts the supplier holds: sent and not over.
SENT = (*states.WITH_SUPPLIER, "cancellation_requested")
SUPPLIER_STORE_TAG = "relay-quantities-changed"


def sent_quantities(order: Order) -> dict[int, tuple[int, int]]:
    """{line id: (supplier order id, quantity)} for lines of parts already sent, before a sync
    changes them."""
    return {
        line.id: (part.id, line.quantity)
        for part in order.supplier_orders
        if part.status in SENT
        for line in part.line_items
    }


def tell_suppliers(order: Order, before: dict[int, tuple[int, int]]) -> None:
    """Compare the sent parts' lines with what they held before the sync; tell each supplier
    whose lines changed. A cancelled order's units are taken off by its cancellation, which
    tells the suppliers itself."""
    if order.cancelled_at is not None:
        return
    changed: dict[int, list[tuple[str, int, int]]] = {}
    sent: dict[int, dict[str, int]] = {}
    lines = {line.id: line for line in order.line_items}
    shipped = _shipped_units(order)
    for line_id, (part_id, was) in before.items():
        line = lines.get(line_id)
        done = shipped.get(line_id, 0)
        # Only units still to ship are news to the supplier: a refund of a unit that already
        # left in a parcel changes nothing it has to do.
        if line is not None and max(0, line.quantity - done) != max(0, was - done):
            changed.setdefault(part_id, []).append((line.title, was, line.quantity))
            sent.setdefault(part_id, {})[str(line_id)] = was
    for part in order.supplier_orders:
        if part.id in changed:
            _tell(order, part, changed[part.id], sent[part.id])


def _shipped_units(order: Order) -> dict[int, int]:
    """{line id: units in the parcels of the order's sent parts}."""
    shipped: dict[int, int] = {}
    for part in order.supplier_orders:
        if part.status in SENT:
            for parcel in part.parcels:
                for line in parcel.lines:
                    shipped[line.line_item_id] = shipped.get(line.line_item_id, 0) + line.quantity
    return shipped


def _describe(changes: list[tuple[str, int, int]]) -> str:
    return ", ".join(f"{title}: {was} → {now}" for title, was, now in changes)


def _tell(
    order: Order, part: SupplierOrder, changes: list[tuple[str, int, int]], was: dict[str, int]
) -> None:
    supplier = part.supplier
    channel = supplier.channel if supplier else "manual"
    added = any(now > was for _, was, now in changes)
    if added:
        part.problem = N_(
            "Items were added in the store after the order was sent: request them from the "
            "supplier separately."
        )
    elif channel == "manual":
        part.problem = N_(
            "Quantities changed in the store after the order was sent: cancel the items taken "
            "off on the supplier's website, or contact the supplier."
        )
    else:
        part.problem = N_(
            "Quantities changed in the store after the order was sent: the supplier was told."
        )
    timeline.record(
        order,
        EventKind.QUANTITIES_CHANGED_AFTER_FORWARD,
        _MESSAGES[channel],
        actor="shopify",
        supplier=supplier.name if supplier else "",
        changes=_describe(changes),
        supplier_order_id=part.id,
        sent_quantities=was,
    )
    if channel == "store" and part.supplier_reference:
        show_in_supplier_store.after_commit(part.id, shop_id=part.shop_id)


_MESSAGES = {
    "portal": N_(
        "Quantities changed in the store after the order was sent to %(supplier)s "
        "(%(changes)s): shown on the supplier's portal page"
    ),
    "store": N_(
        "Quantities changed in the store after the order was sent to %(supplier)s "
        "(%(changes)s): noted on the order in the supplier's store"
    ),  # and edited there (show_in_supplier_store)
    "manual": N_(
        "Quantities changed in the store after the order was sent to %(supplier)s "
        "(%(changes)s): cancel the items taken off on the supplier's website, or contact the "
        "supplier; Relay cannot change it there"
    ),
}


def changes_after_sent(part: SupplierOrder) -> list[str]:
    """The quantity changes made in the store after this part was sent, oldest first (what the
    supplier's portal page shows above the items)."""
    return [
        (event.data or {}).get("changes", "")
        for event in part.order.events
        if event.kind == EventKind.QUANTITIES_CHANGED_AFTER_FORWARD
        and (event.data or {}).get("supplier_order_id") == part.id
    ]


def cancelled_after_sent(part: SupplierOrder) -> dict[int, int]:
    """{line id: units taken off in the store (refunded or edited out) since the part was sent}:
    what the supplier was first sent of the line, less what the order holds now."""
    first_sent: dict[int, int] = {}
    for event in part.order.events:
        data = event.data or {}
        if (
            event.kind == EventKind.QUANTITIES_CHANGED_AFTER_FORWARD
            and data.get("supplier_order_id") == part.id
        ):
            for line_id, was in (data.get("sent_quantities") or {}).items():
                first_sent.setdefault(int(line_id), int(was))
    now = {line.id: line.quantity for line in part.line_items}
    return {
        line_id: was - now[line_id]
        for line_id, was in first_sent.items()
        if line_id in now and was > now[line_id]
    }


def ship_now_line(part: SupplierOrder) -> str:
    """What the supplier is to ship now, in its own SKUs, as one line of the note on the order
    placed in its store."""
    wanted = _wanted_in_supplier_store(part)
    items = "; ".join(f"{quantity} × {sku}" for sku, quantity in wanted.items())
    return f"QUANTITIES CHANGED by the retailer for {part.order.name}. Ship only: {items}."


def _wanted_in_supplier_store(part: SupplierOrder) -> dict[str, int]:
    """Units per SKU as Relay placed them in the supplier's store (its own SKUs where mapped),
    at what the order holds now."""
    mappings = routing.mappings_for(part.shop_id, {li.sku for li in part.line_items if li.sku})
    wanted: dict[str, int] = {}
    for line in part.line_items:
        mapping = mappings.get(line.sku)
        sku = mapping.supplier_sku if mapping and mapping.supplier_sku else line.sku
        if sku:
            wanted[sku] = wanted.get(sku, 0) + line.quantity
    return wanted


@background(
    queue=PUSH,
    job_id="quantities-to-supplier-store-{0}",
    label=_l("Tell a supplier's store that quantities changed"),
)
@unit_of_work
def show_in_supplier_store(supplier_order_id: int) -> str:
    """Bring the order placed in the supplier's store down to what the order holds now (an
    order edit there), and note it with a tag its staff can filter on. Reads the current
    quantities, so a retry or a later change brings the latest; a store that refuses the edit
    (units already fulfilled there) still gets the note. Run twice, it changes nothing."""
    part = db.session.get(SupplierOrder, supplier_order_id)
    if part is None or part.supplier is None or not part.supplier_reference:
        return "skipped: nothing placed in a supplier store"
    supplier_shop = shops.shop_by_domain(part.supplier.store_domain or "")
    if supplier_shop is None or not supplier_shop.is_installed:
        return "skipped: the supplier's store no longer runs Relay"
    client = tokens.admin_client(supplier_shop)
    state = store_orders.order_state(client, part.supplier_reference)
    if state is None or state.cancelled:
        return "skipped: the supplier-store order is gone or cancelled"
    line = ship_now_line(part)
    try:
        edited = supplier_store.reduce_quantities(
            client, part.supplier_reference, _wanted_in_supplier_store(part), line
        )
    except ShopifyUserError as exc:
        edited, line = [], f"{line} (The order could not be edited here: {exc})"
    if state.note and ship_now_line(part) in state.note:
        return f"edited {len(edited)} lines; already noted"
    note = f"{state.note}\n\n{line}" if state.note else line
    tags = list(dict.fromkeys([*state.tags, SUPPLIER_STORE_TAG]))
    store_orders.update_note_and_tags(client, part.supplier_reference, note, tags)
    return f"edited {len(edited)} lines; noted"
