"""SKU mappings: which supplier ships a SKU, under which supplier SKU, at what cost.

Every change re-routes the open orders holding the SKU (domain.orders.rerouting) in the same
transaction, so the grid never shows an order split by a mapping that no longer exists.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import distinct, exists, func, select

from domain.errors import NotFound
from domain.models.orders import LineItem, Supplier, SupplierOrder, VariantMapping
from domain.models.shop import Shop
from domain.orders import rerouting
from domain.suppliers import directory as suppliers
from domain.transaction import unit_of_work
from domain.validation import Collector, FieldError, currency, money
from extensions import db

UNMAPPED_SHOWN = 50
WAITING_SCANNED = 1000


def sku(raw, *, required: bool = True, label: str = "") -> str | None:
    """SKUs are matched exactly as the store sends them: only the ends are trimmed."""
    value = str(raw or "").strip()
    if not value:
        if required:
            raise FieldError(_("%(label)s is required.", label=label or _("SKU")))
        return None
    if len(value) > 255:
        raise FieldError(_("Keep it under %(n)s characters.", n=255))
    return value


@dataclass
class Change:
    """What a mapping change did, for the notice above the table."""

    message: str
    reroute: rerouting.RerouteReport = field(default_factory=rerouting.RerouteReport)


@dataclass
class UnmappedSku:
    sku: str
    title: str
    orders: int  # waiting orders holding it


@dataclass
class UnmappedList:
    rows: list[UnmappedSku]
    total: int


def mappings_of(shop: Shop, supplier: Supplier) -> list[VariantMapping]:
    return db.session.scalars(
        select(VariantMapping)
        .where(VariantMapping.shop_id == shop.id, VariantMapping.supplier_id == supplier.id)
        .order_by(VariantMapping.sku)
    ).all()


def unmapped_skus(shop: Shop, limit: int = UNMAPPED_SHOWN) -> UnmappedList:
    """SKUs of items waiting for a supplier that no mapping routes, most frequent first.

    Read from the latest WAITING_SCANNED orders waiting for a supplier, so the page costs the
    same in a store with 100,000 orders (a scan of every line item took seconds there)."""
    waiting = (
        select(SupplierOrder.order_id)
        .where(SupplierOrder.shop_id == shop.id, SupplierOrder.status == "unassigned")
        .order_by(SupplierOrder.id.desc())
        .limit(WAITING_SCANNED)
        .subquery()
    )
    orders = func.count(distinct(LineItem.order_id))
    rows = db.session.execute(
        select(LineItem.sku, orders, func.max(LineItem.title))
        .join(waiting, waiting.c.order_id == LineItem.order_id)
        .where(
            LineItem.supplier_id.is_(None),
            LineItem.sku.is_not(None),
            LineItem.sku != "",
            ~exists().where(VariantMapping.shop_id == shop.id, VariantMapping.sku == LineItem.sku),
        )
        .group_by(LineItem.sku)
        .order_by(orders.desc(), LineItem.sku)
    ).all()
    return UnmappedList(
        [UnmappedSku(sku=sku_, title=title, orders=n) for sku_, n, title in rows[:limit]],
        len(rows),
    )


def _mapping(shop: Shop, supplier: Supplier, mapping_id: int) -> VariantMapping:
    found = db.session.scalar(
        select(VariantMapping).where(
            VariantMapping.shop_id == shop.id,
            VariantMapping.supplier_id == supplier.id,
            VariantMapping.id == mapping_id,
        )
    )
    if found is None:
        raise NotFound(_("That SKU mapping no longer exists."))
    return found


def _parse(shop: Shop, supplier: Supplier, form, *, existing: VariantMapping | None) -> dict:
    c = Collector()
    value = c.take("sku", sku, form.get("sku"), label=_("SKU"))
    c.take("supplier_sku", sku, form.get("supplier_sku"), required=False)
    cost_currency = c.take(
        "cost_currency", currency, form.get("cost_currency"), default=supplier.currency
    )
    c.take("cost", money, form.get("cost"), cost_currency)
    if value:
        taken = db.session.scalar(
            select(VariantMapping).where(
                VariantMapping.shop_id == shop.id, VariantMapping.sku == value
            )
        )
        if taken is not None and taken is not existing:
            if taken.supplier_id == supplier.id:
                c.fail("sku", _("%(sku)s is already in this list.", sku=value))
            else:
                c.fail(
                    "sku",
                    _(
                        "%(sku)s is routed to %(supplier)s. Remove it there first, or move it "
                        "with a CSV import.",
                        sku=value,
                        supplier=taken.supplier.name,
                    ),
                )
    c.raise_if_any()
    return c.values


def _rerouted(shop: Shop, skus: set[str], message: str) -> Change:
    return Change(message, rerouting.reroute_skus(shop.id, skus))


@unit_of_work
def add(shop: Shop, supplier_id: int, form) -> Change:
    supplier = suppliers.get(shop, supplier_id)
    values = _parse(shop, supplier, form, existing=None)
    db.session.add(VariantMapping(shop_id=shop.id, supplier_id=supplier.id, **values))
    db.session.flush()
    return _rerouted(
        shop,
        {values["sku"]},
        _("%(sku)s now goes to %(supplier)s.", sku=values["sku"], supplier=supplier.name),
    )


@unit_of_work
def edit(shop: Shop, supplier_id: int, mapping_id: int, form) -> Change:
    supplier = suppliers.get(shop, supplier_id)
    mapping = _mapping(shop, supplier, mapping_id)
    values = _parse(shop, supplier, form, existing=mapping)
    old_sku = mapping.sku
    for key, value in values.items():
        setattr(mapping, key, value)
    db.session.flush()
    return _rerouted(shop, {old_sku, mapping.sku}, _("%(sku)s saved.", sku=mapping.sku))


@unit_of_work
def remove(shop: Shop, supplier_id: int, mapping_id: int) -> Change:
    supplier = suppliers.get(shop, supplier_id)
    mapping = _mapping(shop, supplier, mapping_id)
    removed = mapping.sku
    db.session.delete(mapping)
    db.session.flush()
    return _rerouted(
        shop,
        {removed},
        _("%(sku)s no longer goes to %(supplier)s.", sku=removed, supplier=supplier.name),
    )


def describe(change: Change) -> str:
    """The notice: what changed, and what happened to the orders holding the SKU."""
    parts = [change.message]
    r = change.reroute
    if r.orders:
        parts.append(
            ngettext("%(num)d open order re-routed.", "%(num)d open orders re-routed.", r.orders)
        )
    if r.follow_ups:
        parts.append(
            _(
                "Already sent to that supplier, so the items make a follow-up part to request: "
                "%(orders)s.",
                orders=", ".join(sorted(set(r.follow_ups))[:10]),
            )
        )
    return " ".join(parts)
