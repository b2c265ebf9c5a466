"""The settings page's form over domain.shop.settings: every field checked at once, so the
page shows each message beside its field; nothing is saved unless all are valid."""

from __future__ import annotations

from dataclasses import asdict, fields

from flask_babel import gettext as _

from domain.errors import InvalidInput
from domain.models.shop import Shop
from domain.notices import recipients
from domain.shop import settings as shop_settings
from domain.shop.settings import ShopSettings
from domain.transaction import unit_of_work


def current(shop: Shop) -> dict:
    return {**asdict(shop_settings.settings_of(shop)), "contact_email": shop.contact_email or ""}


def _contact_email(form, errors: dict) -> str | None:
    """Where the merchant's mails go (Shop.contact_email): empty means none."""
    value = str(form.get("contact_email") or "").strip()
    if value and not recipients.is_email(value):
        errors["contact_email"] = _("Enter an email address like name@example.com.")
    return value or None


def _submitted(form, current: dict) -> dict:
    values = {}
    for f in fields(ShopSettings):
        if f.name.startswith("notify_") and "notifications_shown" not in form:
            values[f.name] = "on" if current[f.name] else ""  # a post without that section
        elif f.type in ("bool", bool):
            # An unticked checkbox is simply absent from the post.
            values[f.name] = "on" if form.get(f.name) in ("on", "1", "true") else ""
        elif f.name in form:
            values[f.name] = str(form[f.name]).strip()
        else:  # a field the form does not show keeps its value
            values[f.name] = str(current[f.name])
    return values


@unit_of_work
def save(shop: Shop, form) -> ShopSettings:
    values = _submitted(form, current(shop))
    errors = {}
    email = _contact_email(form, errors) if "contact_email" in form else shop.contact_email
    for name, raw in values.items():
        try:
            shop_settings.validated({name: raw})
        except InvalidInput as exc:
            errors[name] = exc.message
    if errors:
        raise InvalidInput(errors=errors)
    new = shop_settings.validated(values)
    shop_settings.save(shop, new)
    shop.contact_email = email
    return new
