"""The one place that reads request.htmx: a full page for a document load, the partial for htmx.

Views call `render(page, partial, **context)`. A page template includes its partial, so both
paths render the same markup for the swapped element.
"""

from __future__ import annotations

from flask import render_template
from htmx_flask import request


def is_htmx_request() -> bool:
    return bool(request.htmx)


def render(page_template: str, partial_template: str | None = None, **context) -> str:
    if partial_template is not None and is_htmx_request() and not request.htmx.boosted:
        return render_template(partial_template, **context)
    return render_template(page_template, **context)
