"""What a supplier charges to ship an order: destination zones (a name and the ISO countries it
covers; one zone with no countries is "the rest of the world") times methods, each with a price
per order and a price per extra item, in the supplier's currency. The cheapest method is what
automatic orders use (Syncee: "the cheapest shipping method is used automatically").

Each country is in at most one zone, so a destination's zone is never ambiguous: a zone that
names the country wins over the rest of the world."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache

from babel.core import Locale
from flask_babel import gettext as _
from sqlalchemy import func, select

from domain.errors import NotFound, WrongState
from domain.models.orders import Supplier
from domain.models.payments import ShippingRate
from domain.models.shop import Shop
from domain.money.amounts import round_to_currency
from domain.suppliers import directory
from domain.transaction import unit_of_work
from domain.validation import Collector, FieldError, money, text
from extensions import db

# CLDR's territories that are not countries an order ships to (unknown, groupings).
NOT_COUNTRIES = frozenset({"ZZ", "EU", "EZ", "UN", "QO", "XA", "XB"})


class NoShipping(WrongState):
    """The supplier has no shipping rate for the destination."""

    def __init__(self, supplier: Supplier, country_code: str | None):
        self.country_code = country_code
        if country_code:
            message = _(
                "%(name)s has no shipping rate to %(country)s: add one to its shipping prices.",
                name=supplier.name,
                country=country_code,
            )
        else:
            message = _("The order has no shipping address, so its shipping cannot be priced.")
        super().__init__(message)


@dataclass(frozen=True)
class ShippingOption:
    rate_id: int
    zone: str
    method: str
    per_order: Decimal
    per_extra_item: Decimal
    delivery_days: str | None
    currency: str


@lru_cache(maxsize=1)
def country_codes() -> frozenset[str]:
    """ISO 3166 alpha-2 codes Babel (CLDR) knows as territories."""
    return frozenset(
        code
        for code in Locale.parse("en").territories
        if len(code) == 2 and code.isalpha() and code not in NOT_COUNTRIES
    )


def country_name(code: str, locale: str = "en") -> str:
    try:
        names = Locale.parse(locale.replace("-", "_")).territories
    except (ValueError, TypeError):
        names = Locale.parse("en").territories
    return names.get(code, code)


def rates_of(supplier: Supplier) -> list[ShippingRate]:
    return list(
        db.session.scalars(
            select(ShippingRate)
            .where(
                ShippingRate.supplier_id == supplier.id, ShippingRate.shop_id == supplier.shop_id
            )
            .order_by(ShippingRate.position, ShippingRate.id)
        )
    )


def zones_of(supplier: Supplier) -> list[tuple[str, list[str], list[ShippingRate]]]:
    """The supplier's rates grouped by zone (named zones first, the rest of the world last):
    [(zone, countries, rates)]."""
    zones: dict[str, tuple[str, list[str], list[ShippingRate]]] = {}
    for rate in rates_of(supplier):
        key = rate.zone.lower()
        zones.setdefault(key, (rate.zone, list(rate.countries or []), []))[2].append(rate)
    return sorted(zones.values(), key=lambda zone: not zone[1])


def shipping_cost(option: ShippingOption, item_count: int) -> Decimal:
    """The price per order plus the price per extra item for every unit after the first."""
    extra = max(item_count - 1, 0)
    return option.per_order + option.per_extra_item * extra


def methods_for(supplier: Supplier, country_code: str | None) -> list[ShippingOption]:
    """The methods that ship to the country, cheapest first for a one-item order. A zone that
    names the country beats the rest of the world; none at all: []."""
    return options_among(rates_of(supplier), supplier.currency, country_code)


def options_among(
    rates: list[ShippingRate], currency: str, country_code: str | None
) -> list[ShippingOption]:
    """methods_for over rates already read (a quote of many orders reads them once)."""
    country = (country_code or "").strip().upper()
    if not country:
        return []
    named = [r for r in rates if country in (r.countries or [])]
    chosen = named or [r for r in rates if not r.countries]
    options = [_option(rate, currency) for rate in chosen]
    return sorted(options, key=lambda o: (o.per_order, o.per_extra_item, o.method.lower()))


def _option(rate: ShippingRate, currency: str) -> ShippingOption:
    return ShippingOption(
        rate_id=rate.id,
        zone=rate.zone,
        method=rate.method,
        per_order=round_to_currency(rate.per_order, currency),
        per_extra_item=round_to_currency(rate.per_extra_item or Decimal("0"), currency),
        delivery_days=rate.delivery_days,
        currency=currency,
    )


def default_method(supplier: Supplier, country_code: str | None, item_count: int) -> ShippingOption:
    """The cheapest method for this many items (what automatic orders use); NoShipping when
    nothing ships there."""
    options = methods_for(supplier, country_code)
    if not options:
        raise NoShipping(supplier, (country_code or "").strip().upper() or None)
    return cheapest(options, item_count)


def cheapest(options: list[ShippingOption], item_count: int) -> ShippingOption:
    """The option costing least for this many items (ties: by method name)."""
    return min(options, key=lambda o: (shipping_cost(o, max(item_count, 1)), o.method.lower()))


# -- the editor -----------------------------------------------------------------------------


def blank() -> dict:
    return {
        "zone": "",
        "countries": "",
        "method": "",
        "per_order": "",
        "per_extra_item": "",
        "delivery_days": "",
    }


def values_of(rate: ShippingRate) -> dict:
    """What the edit form shows: amounts with the currency's decimals (4.50, not 4.500)."""
    currency = rate.supplier.currency
    return {
        "zone": rate.zone,
        "countries": ", ".join(rate.countries or []),
        "method": rate.method,
        "per_order": round_to_currency(rate.per_order, currency),
        "per_extra_item": round_to_currency(rate.per_extra_item or Decimal("0"), currency),
        "delivery_days": rate.delivery_days or "",
    }


def countries(raw) -> list[str]:
    """ "de, AT fr" -> ["AT", "DE", "FR"]; empty: the rest of the world."""
    codes = sorted({c.upper() for c in str(raw or "").replace(",", " ").replace(";", " ").split()})
    unknown = [c for c in codes if c not in country_codes()]
    if unknown:
        raise FieldError(
            _(
                "Not a country code: %(codes)s. Use two-letter ISO codes such as DE, FR, US.",
                codes=", ".join(unknown[:5])[:60],
            )
        )
    return codes


def _amount(raw, currency: str, *, required: bool) -> Decimal:
    value = money(raw, currency)
    if value is None:
        if required:
            raise FieldError(_("Enter the price per order (0 for free shipping)."))
        return Decimal("0")
    return value


def _parse(supplier: Supplier, form, existing: ShippingRate | None) -> dict:
    c = Collector()
    zone = c.take("zone", text, form.get("zone"), required=True, max_length=64, label=_("Zone"))
    codes = c.take("countries", countries, form.get("countries"))
    method = c.take(
        "method", text, form.get("method"), required=True, max_length=64, label=_("Method")
    )
    c.take("per_order", _amount, form.get("per_order"), supplier.currency, required=True)
    c.take("per_extra_item", _amount, form.get("per_extra_item"), supplier.currency, required=False)
    c.take("delivery_days", text, form.get("delivery_days"), max_length=32)
    others = [r for r in rates_of(supplier) if existing is None or r.id != existing.id]
    if zone and codes is not None:
        _check_zone(c, others, zone, codes)
    if (
        zone
        and method
        and any(
            r.zone.lower() == zone.lower() and r.method.lower() == method.lower() for r in others
        )
    ):
        c.fail(
            "method",
            _("%(zone)s already has a method called “%(method)s”.", zone=zone, method=method),
        )
    c.raise_if_any()
    return c.values


def _check_zone(c: Collector, others: list[ShippingRate], zone: str, codes: list[str]) -> None:
    """A country is in one zone only; one zone is the rest of the world."""
    for rate in others:
        if rate.zone.lower() == zone.lower():
            continue
        if not codes and not rate.countries:
            c.fail(
                "countries",
                _(
                    "%(zone)s already covers the rest of the world; name this zone's countries.",
                    zone=rate.zone,
                ),
            )
            return
        taken = sorted(set(codes) & set(rate.countries or []))
        if taken:
            c.fail(
                "countries",
                _("Already in zone %(zone)s: %(codes)s.", zone=rate.zone, codes=", ".join(taken)),
            )
            return


def _save(supplier: Supplier, rate: ShippingRate, values: dict) -> ShippingRate:
    for key, value in values.items():
        setattr(rate, key, value)
    # A zone's countries are the zone's, not one method's: its other methods follow.
    for other in rates_of(supplier):
        if other.zone.lower() == rate.zone.lower() and other is not rate:
            other.countries = list(values["countries"])
    db.session.flush()
    return rate


def _rate(shop: Shop, supplier: Supplier, rate_id: int) -> ShippingRate:
    rate = db.session.scalar(
        select(ShippingRate).where(
            ShippingRate.id == rate_id,
            ShippingRate.supplier_id == supplier.id,
            ShippingRate.shop_id == shop.id,
        )
    )
    if rate is None:
        raise NotFound(_("That shipping rate does not exist for this supplier."))
    return rate


@unit_of_work
def add_rate(shop: Shop, supplier_id: int, form) -> ShippingRate:
    supplier = directory.get(shop, supplier_id)
    values = _parse(supplier, form, None)
    last = db.session.scalar(
        select(func.max(ShippingRate.position)).where(ShippingRate.supplier_id == supplier.id)
    )
    rate = ShippingRate(shop_id=shop.id, supplier_id=supplier.id, position=(last or 0) + 1)
    db.session.add(rate)
    return _save(supplier, rate, values)


@unit_of_work
def edit_rate(shop: Shop, supplier_id: int, rate_id: int, form) -> ShippingRate:
    supplier = directory.get(shop, supplier_id)
    rate = _rate(shop, supplier, rate_id)
    return _save(supplier, rate, _parse(supplier, form, rate))


@unit_of_work
def remove_rate(shop: Shop, supplier_id: int, rate_id: int) -> str:
    """Remove a rate and say so; removing one already gone is refused as not found."""
    supplier = directory.get(shop, supplier_id)
    rate = _rate(shop, supplier, rate_id)
    message = describe("removed", rate)
    db.session.delete(rate)
    db.session.flush()
    return message


def describe(change: str, rate: ShippingRate) -> str:
    """The notice shown after a change to a rate."""
    if change == "added":
        return _("Added %(method)s to %(zone)s.", method=rate.method, zone=rate.zone)
    if change == "removed":
        return _("Removed %(method)s from %(zone)s.", method=rate.method, zone=rate.zone)
    return _("Saved %(method)s for %(zone)s.", method=rate.method, zone=rate.zone)
