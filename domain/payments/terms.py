"""A supplier's payment terms, set by the merchant on the supplier's page: the VAT it adds and
whether that applies to this shop, whether refunded customers' shares may be taken back from
its payments, and the methods it takes through Relay (card on its own connected Stripe
account, PayPal with it as payee). Non auto-order (manual) suppliers are paid on their own
website: Relay takes no payment for them."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _

from domain.models.orders import Supplier
from domain.models.shop import Shop
from domain.suppliers import directory
from domain.transaction import unit_of_work
from domain.validation import Collector, FieldError, email
from extensions import db

METHODS = ("card", "paypal")
MAX_VAT = Decimal("100")
CHECKED = ("on", "1", "true", "yes")


def card_connected(supplier: Supplier) -> bool:
    """The supplier finished Stripe Connect onboarding: charges can be made on its account."""
    return bool(supplier.stripe_account_id) and bool(supplier.stripe_charges_enabled)


def paid_through_relay(supplier: Supplier) -> bool:
    """Auto-order suppliers may be paid through Relay; manual ones on their own website."""
    return supplier.channel != "manual"


def methods_available(supplier: Supplier) -> list[str]:
    """The methods a merchant may pay this supplier with through Relay now, in display order:
    switched on by the merchant and connected by the supplier."""
    if not paid_through_relay(supplier):
        return []
    methods = []
    if supplier.accepts_card and card_connected(supplier):
        methods.append("card")
    if supplier.accepts_paypal and supplier.paypal_email:
        methods.append("paypal")
    return methods


def why_not_payable(supplier: Supplier) -> str | None:
    """Why this supplier cannot be paid through Relay, as a sentence; None when it can."""
    if not paid_through_relay(supplier):
        return _(
            "%(name)s is a non auto-order supplier: you pay it on its own website, not through "
            "Relay.",
            name=supplier.name,
        )
    if methods_available(supplier):
        return None
    if supplier.accepts_card and not card_connected(supplier):
        return _(
            "%(name)s takes cards, but its Stripe account is not connected yet: the supplier "
            "connects Stripe from its payment setup link.",
            name=supplier.name,
        )
    return _(
        "%(name)s takes no payment method through Relay yet: turn on card or PayPal in its "
        "payment terms.",
        name=supplier.name,
    )


def values_of(supplier: Supplier) -> dict:
    """What the payment terms form shows for a saved supplier."""
    return {
        "vat_rate": _plain(supplier.vat_rate) if supplier.vat_rate is not None else "",
        "vat_applies": supplier.vat_applies,
        "refunds_taken_back": supplier.refunds_taken_back,
        "accepts_card": supplier.accepts_card,
        "accepts_paypal": supplier.accepts_paypal,
        "paypal_email": supplier.paypal_email or "",
    }


def form_values(form) -> dict:
    """What was typed, shown again beside the errors (checkboxes read as booleans)."""
    return {
        "vat_rate": str(form.get("vat_rate") or ""),
        "vat_applies": _checked(form, "vat_applies"),
        "refunds_taken_back": _checked(form, "refunds_taken_back"),
        "accepts_card": _checked(form, "accepts_card"),
        "accepts_paypal": _checked(form, "accepts_paypal"),
        "paypal_email": str(form.get("paypal_email") or ""),
    }


def _plain(rate: Decimal) -> str:
    """20.00 -> "20", 5.50 -> "5.5": how a person types a rate."""
    return format(rate.normalize(), "f")


def _checked(form, name: str) -> bool:
    return str(form.get(name) or "").strip().lower() in CHECKED


def vat_rate(raw) -> Decimal | None:
    """A percentage from 0 to 100 with at most two decimals; "5,5" is read as 5.5."""
    value = str(raw or "").strip().replace(" ", "").removesuffix("%")
    if not value:
        return None
    if "," in value and "." not in value:
        value = value.replace(",", ".")
    try:
        rate = Decimal(value)
    except InvalidOperation:
        raise FieldError(_("Enter the VAT rate as a percentage, like 20 or 5.5.")) from None
    if not rate.is_finite():
        raise FieldError(_("Enter the VAT rate as a percentage, like 20 or 5.5."))
    if rate < 0 or rate > MAX_VAT:
        raise FieldError(_("A VAT rate is between 0 and 100."))
    if rate != rate.quantize(Decimal("0.01")):
        raise FieldError(_("Use at most two decimals for the VAT rate."))
    return rate.quantize(Decimal("0.01"))


def _parse(supplier: Supplier, form) -> dict:
    c = Collector()
    rate = c.take("vat_rate", vat_rate, form.get("vat_rate"))
    c.values["vat_applies"] = _checked(form, "vat_applies")
    c.values["refunds_taken_back"] = _checked(form, "refunds_taken_back")
    if c.values["vat_applies"] and rate is None and "vat_rate" not in c.errors:
        c.fail("vat_rate", _("Enter the VAT rate the supplier adds, or untick “VAT applies”."))
    if paid_through_relay(supplier):
        _parse_methods(c, supplier, form)
    elif _checked(form, "accepts_card") or _checked(form, "accepts_paypal"):
        c.fail(
            "methods",
            _("Non auto-order suppliers are paid on their own website: Relay takes no payment."),
        )
    c.raise_if_any()
    return c.values


def _parse_methods(c: Collector, supplier: Supplier, form) -> None:
    card = _checked(form, "accepts_card")
    paypal = _checked(form, "accepts_paypal")
    paypal_email = c.take("paypal_email", email, form.get("paypal_email"))
    if card and not card_connected(supplier):
        c.fail(
            "accepts_card",
            _(
                "Card payments need the supplier's Stripe account, which is not connected yet: "
                "the supplier connects Stripe from its payment setup link."
            ),
        )
    if paypal and not paypal_email and "paypal_email" not in c.errors:
        c.fail("paypal_email", _("Enter the PayPal email address the supplier is paid at."))
    c.values["accepts_card"] = card
    c.values["accepts_paypal"] = paypal
    if "paypal_email" in c.values:
        c.values["paypal_email"] = paypal_email


@unit_of_work
def update_terms(shop: Shop, supplier_id: int, form) -> Supplier:
    """Save the payment terms from the supplier page's form; InvalidInput lists each field at
    fault and saves nothing. Saving the same form twice changes nothing the second time."""
    supplier = directory.get(shop, supplier_id)
    values = _parse(supplier, form)
    for key, value in values.items():
        setattr(supplier, key, value)
    db.session.flush()
    return supplier
