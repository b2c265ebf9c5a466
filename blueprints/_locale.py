"""Which language a request is answered in: the admin's `locale` parameter (Shopify appends it
to every app load; app.js forwards it on htmx requests as X-Relay-Locale), else the browser's
Accept-Language (supplier portal pages), else English."""

from __future__ import annotations

from flask import g, has_request_context, request
from flask_babel import get_translations, gettext

SUPPORTED_LOCALES = ("en", "fr", "hu")


def requested_locale() -> str:
    """The raw locale asked for (e.g. "fr-CA"): money and dates are formatted with it."""
    if not has_request_context():
        return "en"  # jobs write English; the timeline translates when it is shown
    return (
        g.get("locale")
        or request.args.get("locale")
        or request.headers.get("X-Relay-Locale")
        or request.accept_languages.best_match(SUPPORTED_LOCALES)
        or "en"
    )


def translation_locale() -> str:
    """The catalog to use: the requested language if Relay speaks it, else English."""
    language = requested_locale().replace("_", "-").split("-")[0].lower()
    return language if language in SUPPORTED_LOCALES else "en"


def memoized_gettext(string: str) -> str:
    """Templates look up the same few labels hundreds of times per page (a badge per row):
    translate each once per request. Jinja fills in %(placeholders)s itself afterwards."""
    cache = g.setdefault("relay_translations", {})
    translated = cache.get(string)
    if translated is None:
        translated = cache[string] = gettext(string)
    return translated


# Jinja's newstyle gettext fills in %(num)s and every other placeholder itself, so templates
# get catalog lookups only: Flask-Babel's ngettext would format with num alone (KeyError on
# "%(name)s has %(num)d open orders").
def template_ngettext(singular: str, plural: str, num: int) -> str:
    return get_translations().ungettext(singular, plural, num)


def template_pgettext(context: str, string: str) -> str:
    return get_translations().upgettext(context, string)


def template_npgettext(context: str, singular: str, plural: str, num: int) -> str:
    return get_translations().unpgettext(context, singular, plural, num)


def translated_stored(text: str | None) -> str | None:
    """A stored reason or problem: one of Relay's English messages (N_-marked where it is
    written), the same followed by ": " and someone's note ("Out of stock: back in May"), or
    free text, shown as it is. Unlike `_`, it never %-formats, since free text may hold a "%"."""
    if not text:
        return text
    translated = memoized_gettext(text)
    if translated != text:
        return translated
    label, sep, note = text.partition(": ")
    if sep and label and memoized_gettext(label) != label:
        return gettext("%(reason)s: %(note)s", reason=memoized_gettext(label), note=note)
    return text
