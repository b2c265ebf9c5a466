"""The French and Hungarian catalogs: every message translated (each plural form too), none
left fuzzy, each keeping its msgid's %(placeholders)s, plural forms as CLDR counts them, and
the same messages as the template scripts/i18n.sh extracted."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

TRANSLATIONS = Path(__file__).resolve().parents[2] / "translations"
PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")
# CLDR: French "one" is 0 and 1, Hungarian "one" is 1; both have one and other.
PLURAL_FORMS = {"fr": "nplurals=2; plural=(n > 1);", "hu": "nplurals=2; plural=(n != 1);"}


def catalog(name: str):
    path = TRANSLATIONS / (f"{name}/LC_MESSAGES/messages.po" if name != "pot" else "messages.pot")
    with path.open("rb") as f:
        return read_po(f)


def entries(language: str):
    return [m for m in catalog(language) if m.id]


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


@pytest.mark.parametrize("language", ["fr", "hu"])
def test_every_message_is_translated_and_none_is_fuzzy(language):
    messages = entries(language)
    assert len(messages) > 500
    untranslated = [m.id for m in messages if not all(m.string if m.pluralizable else [m.string])]
    fuzzy = [m.id for m in messages if m.fuzzy]
    assert untranslated == [] and fuzzy == []


@pytest.mark.parametrize("language", ["fr", "hu"])
def test_translations_keep_the_msgids_placeholders(language):
    wrong = []
    for m in entries(language):
        if m.pluralizable:
            singular, plural = m.id
            # A singular form may say "one" in words instead of %(num)d; nothing else may go.
            for index, form in enumerate(m.string):
                source = placeholders(singular if index == 0 else plural)
                if not placeholders(form) >= source - ({"num"} if index == 0 else set()):
                    wrong.append((m.id, form))
                if placeholders(form) - placeholders(singular) - placeholders(plural):
                    wrong.append((m.id, form))
        elif placeholders(m.string) != placeholders(m.id):
            wrong.append((m.id, m.string))
    assert wrong == []


@pytest.mark.parametrize("language", ["fr", "hu"])
def test_plural_forms_follow_cldr(language):
    po = catalog(language)
    assert po.plural_forms == PLURAL_FORMS[language]
    for m in entries(language):
        if m.pluralizable:
            assert len(m.string) == po.num_plurals, m.id


@pytest.mark.parametrize("language", ["fr", "hu"])
def test_the_catalog_holds_exactly_the_extracted_messages(language):
    extracted = {(m.context, m.id) for m in catalog("pot") if m.id}
    translated = {(m.context, m.id) for m in entries(language)}
    assert translated == extracted


@pytest.fixture(scope="module")
def relay_app():
    from app import create_app

    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})


@pytest.mark.parametrize(
    ("stored", "shown"),
    [
        ("Out of stock", "Rupture de stock"),  # one of Relay's reasons, N_-marked
        ("Out of stock: back in May", "Rupture de stock\u00a0: back in May"),  # with a note
        ("Already 100% packed, 50% shipped", "Already 100% packed, 50% shipped"),  # free text
        ("Thanks: see you", "Thanks: see you"),
        ("Shopify admin", "Admin Shopify"),  # who acted, stored in English
        ("Merchant", "Marchand"),
    ],
)
def test_stored_reasons_are_translated_when_relay_wrote_them_and_free_text_is_kept(
    relay_app, stored, shown
):
    from flask import render_template_string

    with relay_app.test_request_context("/?locale=fr"):
        assert render_template_string("{{ reason|translated }}", reason=stored) == shown


@pytest.mark.parametrize(
    ("locale", "shown"),
    [
        ("en", "Mug Co has 2 open orders, so it cannot be deleted yet."),
        ("fr", "Mug Co a 2 commandes ouvertes\u00a0: il ne peut donc pas encore être supprimé."),
        ("hu", "A beszállítónak (Mug Co) 2 nyitott rendelése van, ezért még nem törölhető."),
    ],
)
def test_template_plurals_fill_in_every_placeholder(relay_app, locale, shown):
    from flask import render_template_string

    template = (
        '{{ ngettext("%(name)s has %(num)d open order, so it cannot be deleted yet. Finish or '
        'cancel it first, or map its SKUs to another supplier.", "%(name)s has %(num)d open '
        "orders, so it cannot be deleted yet. Finish or cancel them first, or map its SKUs to "
        'another supplier.", count, name=name) }}'
    )
    with relay_app.test_request_context(f"/?locale={locale}"):
        assert render_template_string(template, count=2, name="Mug Co").startswith(shown)


@pytest.mark.parametrize(
    ("locale", "shown"),
    [
        ("en", "Store status is now partially fulfilled"),
        ("fr", "Statut dans la boutique\u00a0: partiellement traité"),
        ("hu", "Áruházi állapot mostantól: részben teljesítve"),
    ],
)
def test_a_timeline_line_shows_the_stores_status_in_the_admins_language(relay_app, locale, shown):
    from types import SimpleNamespace

    from domain.orders.timeline import render_message

    event = SimpleNamespace(
        message="Store status is now %(status)s", data={"status": "partially fulfilled"}
    )
    with relay_app.test_request_context(f"/?locale={locale}"):
        assert render_message(event) == shown


@pytest.mark.parametrize(
    ("locale", "shown"),
    [("en", "Dec 9, 2026"), ("fr", "9 déc. 2026"), ("hu", "2026. dec. 9.")],
)
def test_a_timeline_date_is_written_the_locales_way(relay_app, locale, shown):
    from types import SimpleNamespace

    from domain.orders.timeline import render_message

    event = SimpleNamespace(
        message="Cancellation requested from %(supplier)s; if it has not shipped by %(date)s, it "
        "is cancelled automatically",
        data={"supplier": "Mug Co", "date": "2026-12-09"},
    )
    with relay_app.test_request_context(f"/?locale={locale}"):
        assert shown in render_message(event)


def messages_and_translations(language: str):
    """(msgid, text) for every msgid and every translated form of the language's catalog."""
    for m in entries(language):
        for text in (m.id if m.pluralizable else (m.id,)) + tuple(
            m.string if m.pluralizable else (m.string,)
        ):
            yield m.id, text


# A currency code glued to its figures or to a placeholder: "HUF100", "EUR%(amount)s".
GLUED_MONEY = re.compile(r"\b[A-Z]{3}(?:\d|%\()|(?:\d|\)[sd])[A-Z]{3}\b")


@pytest.mark.parametrize("language", ["fr", "hu"])
def test_no_message_glues_a_currency_code_to_money(language):
    glued = [text for _, text in messages_and_translations(language) if GLUED_MONEY.search(text)]
    assert glued == []


def french_forms():
    for m in entries("fr"):
        yield from (m.string if m.pluralizable else (m.string,))


def test_french_uses_guillemets_not_english_quotes():
    """French quotes with « » (a non-breaking space inside), never "…" or “…”."""
    wrong = [text for text in french_forms() if re.search(r"[\"“”]", text)]
    assert wrong == []


def test_french_puts_a_non_breaking_space_before_double_punctuation():
    """« raison : », « Annuler ? »: a (narrow) no-break space before : ; ? !, never a plain
    space (which can wrap the sign onto its own line) or none."""
    wrong = []
    for text in french_forms():
        bare = re.sub(r"https?://\S+", "", text)
        if re.search(r"(?<![\u00a0\u202f])[:;?!](?=\s|$|\))", bare):
            wrong.append(text)
    assert wrong == []


# Names Relay interpolates: "de %(supplier)s" reads "de Atelier Lin" where French elides
# ("d'Atelier Lin"); a wording such as "du fournisseur %(supplier)s" avoids the problem.
NAMES = "supplier|store|name|item|t|zone|customer|shop"


def test_french_never_puts_de_before_an_interpolated_name():
    wrong = [
        text
        for text in french_forms()
        if re.search(rf"\b[dD]e %\(({NAMES})\)s", text)
        or re.search(r"\b[dD]e [AEIOUÉÈH][a-zé]", text)
    ]
    assert wrong == []
