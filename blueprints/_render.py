"""The one place that reads request.htmx: a full page for a document load, the partial for htmx.

Views call `render(page, partial, **context)`. A page template includes its partial, so both
paths render the same markup for the swapped element.
"""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode, urlsplit

from flask import g, make_response, redirect, render_template
from htmx_flask import request
from werkzeug.datastructures import MultiDict


def is_htmx_request() -> bool:
    return bool(request.htmx)


def current_page_args() -> MultiDict:
    """The query of the page an htmx request was sent from (its HX-Current-URL), e.g. the grid's
    filters behind a drawer; empty for a document load."""
    url = request.htmx.current_url if is_htmx_request() else None
    return MultiDict(parse_qsl(urlsplit(url).query)) if url else MultiDict()


def render(page_template: str, partial_template: str | None = None, **context) -> str:
    if partial_template is not None and is_htmx_request() and not request.htmx.boosted:
        return render_template(partial_template, **context)
    return render_template(page_template, **context)


def redirect_after_post(path: str, params: dict):
    """After a successful form post. htmx: HX-Location loads `path` into the page and pushes it
    to history (the next request gets its token from app.js). A plain post: 303 with the
    post's own fresh id_token added, so the load needs no App Bridge bounce."""
    if is_htmx_request():
        response = make_response("", 200)
        response.headers["HX-Location"] = f"{path}?{urlencode(params)}"
        return response
    token = getattr(g, "id_token", None)
    query = urlencode({**params, **({"id_token": token} if token else {})})
    return redirect(f"{path}?{query}", 303)
