"""Sums inside timeline lines are formatted when shown, in the reader's locale, like the rest
of the page (issue 17): "34 Ft" and "9,90 €" in Hungarian and French, never "HUF34"; events
stored before that (English text) are shown the same way; quoted reasons use the language's
quotes."""

from __future__ import annotations

from decimal import Decimal

import pytest

from domain.models.orders import Order, OrderEvent
from domain.orders import timeline
from domain.orders.timeline import N_

NBSP = ("\u00a0", "\u202f")


@pytest.fixture(scope="module")
def relay_app():
    from app import create_app

    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def shown(app, locale: str, event: OrderEvent) -> str:
    with app.test_request_context(f"/?locale={locale}"):
        return timeline.render_message(event)


def paid(amount: str, currency: str) -> OrderEvent:
    return OrderEvent(
        message=N_("%(amount)s received back from %(supplier)s"),
        data={"amount": timeline.money(Decimal(amount), currency), "supplier": "Atelier Lin"},
    )


def plain(text: str) -> str:
    for space in NBSP:
        text = text.replace(space, " ")
    return text


def test_sums_are_shown_in_the_readers_locale(relay_app):
    assert plain(shown(relay_app, "hu", paid("34", "HUF"))).startswith("34 Ft ")
    assert plain(shown(relay_app, "fr", paid("9.90", "EUR"))).startswith("9,90 € ")
    assert shown(relay_app, "en", paid("9.90", "EUR")).startswith("€9.90 ")
    # A currency without a symbol in the locale keeps its code, apart from the figures.
    assert "HUF\u00a0100 " in shown(relay_app, "en", paid("100", "HUF"))


def test_the_stored_values_are_figures_not_text():
    event = paid("34", "HUF")
    assert event.data["amount"] == {"money": "34", "currency": "HUF"}


def test_events_stored_as_english_text_are_formatted_again(relay_app):
    legacy = OrderEvent(
        message=N_("%(amount)s received back from %(supplier)s"),
        data={"amount": "€9.90", "supplier": "Atelier Lin"},
        order=Order(currency="EUR"),
    )
    assert plain(shown(relay_app, "fr", legacy)).startswith("9,90 € ")
    coded = OrderEvent(
        message=N_("%(amount)s received back from %(supplier)s"),
        data={"amount": "HUF34.00", "supplier": "Atelier Lin"},
    )
    assert plain(shown(relay_app, "hu", coded)).startswith("34 Ft ")


def test_a_quoted_reason_uses_the_languages_quotes(relay_app):
    event = OrderEvent(
        message=N_("The store refused a cancellation step: %(reason)s"),
        data={"reason": "“Damaged”"},
    )
    assert "«\u00a0Damaged\u00a0»" in shown(relay_app, "fr", event)
    assert "„Damaged”" in shown(relay_app, "hu", event)
