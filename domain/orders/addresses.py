"""Changing where an order ships. Allowed until a supplier has it (Syncee: "once the orders are
paid for and forwarded, you will not be able to make any changes on them - such as the
shipping address"); refused after that with who to contact. The store is the source of truth:
Shopify is updated first, then Relay's copy."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from babel.core import Locale, UnknownLocaleError
from flask_babel import gettext as _
from sqlalchemy import select

from domain import states
from domain.errors import InvalidInput, NotFound, WrongState
from domain.models.orders import Order, SupplierOrder
from domain.orders import timeline
from domain.orders.timeline import N_, EventKind
from domain.shop import tokens
from domain.transaction import unit_of_work
from extensions import db
from integrations.shopify_admin.errors import ShopifyUserError
from integrations.shopify_admin.gateway import orders as orders_gateway
from integrations.shopify_admin.order_shapes import PostalAddress

FIELDS = (
    "name",
    "company",
    "address1",
    "address2",
    "city",
    "province_code",  # MailingAddressInput's provinceCode (its province is deprecated)
    "zip",
    "country_code",
    "phone",
)
REQUIRED = ("name", "address1", "city", "country_code")
# The form's labels, named in its error messages.
LABELS = {
    "name": N_("Name"),
    "company": N_("Company"),
    "address1": N_("Address"),
    "address2": N_("Apartment, suite, etc."),
    "city": N_("City"),
    "province_code": N_("State / province code"),
    "zip": N_("Postal code"),
    "country_code": N_("Country"),
    "phone": N_("Phone"),
}
LOCKED = (*states.WITH_SUPPLIER, "shipped", "cancellation_requested")


# CLDR territories that are not countries an address can be in.
NOT_COUNTRIES = frozenset(("EU", "EZ", "UN", "QO", "XA", "XB", "ZZ"))


@lru_cache(maxsize=8)
def _country_names(locale: str) -> dict[str, str]:
    try:
        names = Locale.parse(locale.replace("-", "_")).territories
    except (UnknownLocaleError, ValueError):
        names = Locale.parse("en").territories
    return {
        code: name
        for code, name in names.items()
        if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES
    }


def country_choices(locale: str) -> list[tuple[str, str]]:
    """(ISO code, name in the locale's language) for the address form's select, by name."""
    names = _country_names(locale)
    return sorted(names.items(), key=lambda item: strxfrm_key(item[1]))


def strxfrm_key(name: str) -> str:
    """Sorts "Égypte" with the E's and "Ázsia" with the A's: accents do not come last."""
    return unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().casefold()


def why_locked(order: Order) -> str | None:
    sent = [so for so in order.supplier_orders if so.status in LOCKED]
    if sent:
        return _(
            "This order was already sent to %(supplier)s: the address can no longer be changed "
            "in Relay. Contact the supplier to change it.",
            supplier=", ".join(so.supplier.name for so in sent if so.supplier),
        )
    if order.cancelled_at is not None:
        return _("This order is cancelled.")
    return None


@dataclass(frozen=True)
class SupplierContact:
    """Who can still change the address once a supplier has the order, and how to reach it."""

    supplier_order_id: int
    name: str
    email: str | None
    website: str | None
    store: str | None


def who_to_contact(order: Order) -> list[SupplierContact]:
    """The suppliers holding the order, with what Relay knows to reach them, shown beside the
    refusal of why_locked (with a button to the order's conversation with each, in the drawer)."""
    return [
        SupplierContact(
            supplier_order_id=so.id,
            name=so.supplier.name,
            email=so.supplier.contact_email,
            website=so.supplier.website_url,
            store=so.supplier.store_domain,
        )
        for so in order.supplier_orders
        if so.status in LOCKED and so.supplier is not None
    ]


def validated(form) -> dict:
    """The address from a form, trimmed; a field error as InvalidInput naming it."""
    address = {key: (form.get(key) or "").strip() or None for key in FIELDS}
    for key in REQUIRED:
        if not address[key]:
            raise InvalidInput(_("Fill in %(field)s.", field=_(LABELS[key]).lower()))
    for key, value in address.items():
        if value and len(value) > 255:
            raise InvalidInput(_("%(field)s is too long.", field=_(LABELS[key])))
    code = address["country_code"].upper()
    if code not in _country_names("en"):
        raise InvalidInput(_("Choose a country from the list."))
    address["country_code"] = code
    return address


@unit_of_work
def change_shipping_address(shop, order_id: int, form) -> Order:
    order = db.session.scalar(
        select(Order).where(Order.id == order_id, Order.shop_id == shop.id).with_for_update()
    )
    if order is None:
        raise NotFound(_("That order does not exist in this store."))
    # Lock the supplier orders too: a forward job waiting on them sees the new address.
    db.session.scalars(
        select(SupplierOrder).where(SupplierOrder.order_id == order.id).with_for_update()
    ).all()
    locked = why_locked(order)
    if locked:
        raise WrongState(locked)
    address = validated(form)
    try:
        orders_gateway.update_shipping_address(
            tokens.admin_client(shop), order.shopify_gid, PostalAddress.from_fields(address)
        )
    except ShopifyUserError as exc:
        raise InvalidInput(_("Shopify refused the address: %(reason)s", reason=str(exc))) from exc
    stored = {**(order.shipping_address or {}), **address}
    if address["province_code"] != (order.shipping_address or {}).get("province_code"):
        stored["province"] = None  # Shopify names the new region; the next sync brings it
    order.shipping_address = stored
    timeline.record(
        order,
        EventKind.ADDRESS_CHANGED,
        N_("Shipping address changed"),
        actor="merchant",
        city=address["city"],
    )
    return order


def address_lines(address) -> list[str]:
    """A postal address as Relay prints it (drawer, portal, packing slip, mail to a supplier):
    one line per part, `zip city, province` together; a part the store did not give is left
    out, never printed as "None". `address`: the stored dict (or an object with those names)."""
    if not address:
        return []

    def part(key: str) -> str:
        value = address.get(key) if isinstance(address, dict) else getattr(address, key, None)
        return str(value).strip() if value is not None else ""

    name = part("name") or " ".join(filter(None, (part("first_name"), part("last_name"))))
    place = " ".join(filter(None, (part("zip"), part("city"))))
    region = part("province") or part("province_code")
    if region:
        place = f"{place}, {region}" if place else region
    lines = (name, part("company"), part("address1"), part("address2"), place)
    return [line for line in (*lines, part("country") or part("country_code")) if line]
