"""Which language a request is answered in: the admin's `locale` parameter (Shopify appends it
to every app load; app.js forwards it on htmx requests as X-Relay-Locale), else the browser's
Accept-Language (supplier portal pages), else English."""

from __future__ import annotations

from flask import g, has_request_context, request
from flask_babel import gettext

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
