"""The settings page's form over domain.shop.settings: every field checked at once, so the
page shows each message beside its field; nothing is saved unless all are valid."""

from __future__ import annotations

from dataclasses import asdict, fields

from domain.errors import InvalidInput
from domain.models.shop import Shop
from domain.shop import settings as shop_settings
from domain.shop.settings import ShopSettings
from domain.transaction import unit_of_work


def current(shop: Shop) -> dict:
    return asdict(shop_settings.settings_of(shop))


def _submitted(form, current: dict) -> dict:
    values = {}
    for f in fields(ShopSettings):
        if f.type in ("bool", bool):
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
    for name, raw in values.items():
        try:
            shop_settings.validated({name: raw})
        except InvalidInput as exc:
            errors[name] = exc.message
    if errors:
        raise InvalidInput(errors=errors)
    new = shop_settings.validated(values)
    shop_settings.save(shop, new)
    return new
