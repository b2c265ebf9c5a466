"""A supplier's mail settings (issue 16): the language of the mail Relay sends it and whether
it gets one daily digest instead of a mail per order. Edited by the merchant (supplier form)
and by the supplier itself (the portal's Email settings)."""

from __future__ import annotations

from flask_babel import gettext as _

from domain.models.orders import Supplier
from domain.notices.recipients import LANGUAGES
from domain.transaction import unit_of_work
from domain.validation import Collector, choice
from extensions import db

LANGUAGE_NAMES = {"en": "English", "fr": "Français", "hu": "Magyar"}


def parse(c: Collector, form) -> None:
    """language and daily_digest into the collector's values (the supplier form uses it too)."""
    c.take("language", choice, form.get("language") or "en", LANGUAGES, label=_("language"))
    c.values["daily_digest"] = form.get("daily_digest") in ("1", "on", "true")


@unit_of_work
def save(supplier_id: int, form) -> Supplier:
    """The portal's Email settings form."""
    supplier = db.session.get(Supplier, supplier_id, with_for_update=True)
    c = Collector()
    parse(c, form)
    c.raise_if_any()
    supplier.language = c.values["language"]
    supplier.daily_digest = c.values["daily_digest"]
    return supplier
