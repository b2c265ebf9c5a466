"""Suppliers of one shop: the list with its counts, create/edit with validation, delete.

Every query is scoped by shop; a supplier id from another shop is simply not found.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from domain.errors import InvalidInput, NotFound, WrongState
from domain.models.orders import LineItem, Supplier, SupplierOrder, VariantMapping
from domain.models.shop import Shop
from domain.orders.timeline import N_, EventKind, record
from domain.suppliers import mail_settings
from domain.transaction import unit_of_work
from domain.validation import Collector, choice, currency, email, text, web_url
from extensions import db
from integrations.shopify_admin.urls import is_valid_shop_domain

# A supplier order is open until it is shipped or cancelled.
CLOSED_STATUSES = ("shipped", "cancelled")
FIELDS = (
    "name",
    "channel",
    "place_mode",
    "pay_mode",
    "website_url",
    "currency",
    "store_domain",
    "contact_email",
    "language",
    "daily_digest",
)


@dataclass
class SupplierRow:
    supplier: Supplier
    mapped_skus: int
    open_orders: int


def overview(shop: Shop) -> list[SupplierRow]:
    """Every supplier with its mapped-SKU and open-order counts: three queries in all."""
    suppliers = db.session.scalars(
        select(Supplier).where(Supplier.shop_id == shop.id).order_by(func.lower(Supplier.name))
    ).all()
    mapped = dict(
        db.session.execute(
            select(VariantMapping.supplier_id, func.count())
            .where(VariantMapping.shop_id == shop.id)
            .group_by(VariantMapping.supplier_id)
        ).all()
    )
    return [
        SupplierRow(s, mapped.get(s.id, 0), count)
        for s, count in zip(suppliers, _open_counts(shop, [s.id for s in suppliers]), strict=True)
    ]


def _open_counts(shop: Shop, supplier_ids: list[int]) -> list[int]:
    if not supplier_ids:
        return []
    counts = dict(
        db.session.execute(
            select(SupplierOrder.supplier_id, func.count())
            .where(
                SupplierOrder.shop_id == shop.id,
                SupplierOrder.supplier_id.in_(supplier_ids),
                SupplierOrder.status.not_in(CLOSED_STATUSES),
            )
            .group_by(SupplierOrder.supplier_id)
        ).all()
    )
    return [counts.get(i, 0) for i in supplier_ids]


def get(shop: Shop, supplier_id: int) -> Supplier:
    supplier = db.session.scalar(
        select(Supplier).where(Supplier.shop_id == shop.id, Supplier.id == supplier_id)
    )
    if supplier is None:
        raise NotFound(_("That supplier does not exist in this store."))
    return supplier


def row(shop: Shop, supplier: Supplier) -> SupplierRow:
    mapped = db.session.scalar(
        select(func.count())
        .select_from(VariantMapping)
        .where(VariantMapping.shop_id == shop.id, VariantMapping.supplier_id == supplier.id)
    )
    return SupplierRow(supplier, mapped, _open_counts(shop, [supplier.id])[0])


def blank(shop: Shop) -> dict:
    """What the "Add supplier" form starts with."""
    return {
        "name": "",
        "channel": "manual",
        "place_mode": "manual",
        "pay_mode": "manual",
        "website_url": "",
        "currency": shop.currency or "USD",
        "store_domain": "",
        "contact_email": "",
        "language": "en",
        "daily_digest": False,
    }


def values_of(supplier: Supplier) -> dict:
    values = {f: getattr(supplier, f) or "" for f in FIELDS}
    values["language"] = supplier.language or "en"
    return values


def _parse(shop: Shop, form, *, existing: Supplier | None) -> dict:
    c = Collector()
    name = c.take("name", text, form.get("name"), required=True, label=_("Name"))
    channel = c.take("channel", choice, form.get("channel"), Supplier.CHANNELS, label=_("channel"))
    place_mode = c.take(
        "place_mode", choice, form.get("place_mode"), Supplier.MODES, label=_("placing")
    )
    c.take("pay_mode", choice, form.get("pay_mode"), Supplier.MODES, label=_("paying"))
    website = c.take("website_url", web_url, form.get("website_url"))
    c.take("currency", currency, form.get("currency"))
    contact = c.take("contact_email", email, form.get("contact_email"))
    mail_settings.parse(c, form)
    c.values["store_domain"] = None
    _check_channel(c, shop, form, channel, place_mode, website, contact)
    _check_unique(c, shop, existing, name)
    c.raise_if_any()
    return c.values


def _check_channel(c: Collector, shop: Shop, form, channel, place_mode, website, contact) -> None:
    """What each channel needs: a website (manual), a store (store), an email (portal)."""
    if channel == "manual":
        if place_mode == "auto":
            c.fail(
                "place_mode",
                _(
                    "A non auto-order supplier is ordered on its own website by you, "
                    "so Relay cannot place its orders automatically."
                ),
            )
        if not website and "website_url" not in c.errors:
            c.fail(
                "website_url",
                _("Non auto-order suppliers need their website: the orders grid links to it."),
            )
    elif channel == "store":
        domain = str(form.get("store_domain") or "").strip().lower()
        if not domain:
            c.fail("store_domain", _("Enter the supplier's store, like supplier.myshopify.com."))
        elif not is_valid_shop_domain(domain):
            c.fail(
                "store_domain",
                _(
                    "“%(domain)s” is not a Shopify store domain (name.myshopify.com).",
                    domain=domain[:80],
                ),
            )
        elif domain == shop.domain:
            c.fail("store_domain", _("A store cannot be its own supplier."))
        else:
            c.values["store_domain"] = domain
    elif channel == "portal" and not contact and "contact_email" not in c.errors:
        c.fail(
            "contact_email",
            _("Portal suppliers sign in with a link sent to this address; it is required."),
        )


def _check_unique(c: Collector, shop: Shop, existing: Supplier | None, name) -> None:
    """No two of the shop's suppliers share a name (any case) or a store."""
    others = select(Supplier).where(Supplier.shop_id == shop.id)
    if existing is not None:
        others = others.where(Supplier.id != existing.id)
    if name and db.session.scalar(others.where(func.lower(Supplier.name) == name.lower()).limit(1)):
        c.fail("name", _("Another supplier is already called “%(name)s”.", name=name))
    domain = c.values.get("store_domain")
    if domain:
        taken = db.session.scalar(others.where(Supplier.store_domain == domain).limit(1))
        if taken is not None:
            c.fail(
                "store_domain",
                _("%(domain)s is already the store of %(name)s.", domain=domain, name=taken.name),
            )


def _save(supplier: Supplier, values: dict) -> Supplier:
    for key, value in values.items():
        setattr(supplier, key, value)
    try:
        db.session.flush()
    except IntegrityError:  # a concurrent save took the name between our check and flush
        raise InvalidInput(
            errors={
                "name": _("Another supplier is already called “%(name)s”.", name=values["name"])
            }
        ) from None
    return supplier


@unit_of_work
def create(shop: Shop, form) -> Supplier:
    values = _parse(shop, form, existing=None)
    supplier = Supplier(shop_id=shop.id)
    db.session.add(supplier)
    return _save(supplier, values)


@unit_of_work
def update_supplier(shop: Shop, supplier_id: int, form) -> Supplier:
    supplier = get(shop, supplier_id)
    values = _parse(shop, form, existing=supplier)
    return _save(supplier, values)


@unit_of_work
def delete(shop: Shop, supplier_id: int) -> str:
    """Delete a supplier with no open supplier orders; its SKU mappings go with it. Its shipped
    or cancelled orders stay, without a supplier, and their timelines say why."""
    supplier = get(shop, supplier_id)
    open_orders = _open_counts(shop, [supplier.id])[0]
    if open_orders:
        raise WrongState(
            ngettext(
                "%(name)s has %(num)d open order. Finish or cancel it before deleting "
                "the supplier, or map its SKUs to another supplier.",
                "%(name)s has %(num)d open orders. Finish or cancel them before deleting "
                "the supplier, or map its SKUs to another supplier.",
                open_orders,
                name=supplier.name,
            )
        )
    name = supplier.name
    past = db.session.scalars(
        select(SupplierOrder).where(
            SupplierOrder.shop_id == shop.id, SupplierOrder.supplier_id == supplier.id
        )
    ).all()
    for supplier_order in past:
        record(
            supplier_order.order,
            EventKind.SUPPLIER_DELETED,
            N_("Supplier %(name)s was deleted; its part of this order stays in the history."),
            actor="merchant",
            name=name,
        )
        supplier_order.supplier_id = None
    order_ids = [so.order_id for so in past]
    if order_ids:
        db.session.execute(
            update(LineItem)
            .where(LineItem.order_id.in_(order_ids), LineItem.supplier_id == supplier.id)
            .values(supplier_id=None)
        )
    db.session.execute(
        VariantMapping.__table__.delete().where(
            VariantMapping.shop_id == shop.id, VariantMapping.supplier_id == supplier.id
        )
    )
    db.session.delete(supplier)
    return name
