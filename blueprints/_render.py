"""What every view needs, and the one place that reads request.htmx.

- `render(page, partial, **context)`: a full page for a document load, the partial for htmx. A
  page template includes its partial, so both paths render the same markup for the swapped
  element.
- `toast`, `retarget_drawer`: the htmx headers beside a swap.
- `redirect_after_post` / `redirect_after_action`: after a successful form post.
- `embedded_params`: the admin's params that links and redirects keep.
- `error_status`, `refused`, `form_state`: one status convention for what the domain refuses
  (422 invalid input, 409 wrong state, 404 not found, ...), and the form shown again.
"""

from __future__ import annotations

import json
from urllib.parse import parse_qsl, urlencode, urlsplit

from flask import g, make_response, redirect, render_template
from htmx_flask import request
from werkzeug.datastructures import MultiDict

from domain.errors import (
    DomainError,
    InvalidInput,
    NotFound,
    NotInstalled,
    StoreUnreachable,
    WrongState,
)
from domain.suppliers.portal import ExpiredLink, InvalidLink

DRAWER = "#order-drawer"
EMBEDDED_PARAMS = ("embedded", "shop", "host", "locale")

# The HTTP status of each kind of refusal: the first kind the error is an instance of.
ERROR_STATUSES: tuple[tuple[type[DomainError], int], ...] = (
    (InvalidInput, 422),
    (WrongState, 409),
    (NotFound, 404),
    (ExpiredLink, 410),
    (InvalidLink, 403),
    (NotInstalled, 401),
    (StoreUnreachable, 503),
)
REFUSED = 400  # a DomainError of no kind above


def is_htmx_request() -> bool:
    return bool(request.htmx)


def current_page_args() -> MultiDict:
    """The query of the page an htmx request was sent from (its HX-Current-URL), e.g. the grid's
    filters behind a drawer; empty for a document load."""
    url = request.htmx.current_url if is_htmx_request() else None
    return MultiDict(parse_qsl(urlsplit(url).query)) if url else MultiDict()


def renders_partial() -> bool:
    """An htmx swap (not a boosted page load): render() answers with the partial."""
    return is_htmx_request() and not request.htmx.boosted


def render(page_template: str, partial_template: str | None = None, **context) -> str:
    if partial_template is not None and renders_partial():
        return render_template(partial_template, **context)
    return render_template(page_template, **context)


# -- htmx headers --------------------------------------------------------------------------


def toast(response, message: str, *, error: bool = False):
    """A short message beside the swap (static/app.js shows it as App Bridge's toast)."""
    response.headers["HX-Trigger"] = json.dumps(
        {"relay:toast": {"message": message, "error": error}}
    )
    return response


def retarget_drawer(response):
    """A form in the drawer asked to swap itself; the answer is the whole drawer (status,
    timeline), so htmx swaps that instead."""
    if is_htmx_request():
        response.headers["HX-Retarget"] = DRAWER
        response.headers["HX-Reswap"] = "outerHTML"
    return response


# -- after a successful post ---------------------------------------------------------------


def embedded_params(**extra) -> dict:
    """The admin's params (embedded, shop, host, locale) plus `extra`: links and pushed URLs
    keep them, so a reload bounces for a fresh token."""
    kept = {k: request.args[k] for k in EMBEDDED_PARAMS if request.args.get(k)}
    if "shop" not in kept and getattr(g, "shop", None) is not None:
        kept.update(embedded="1", shop=g.shop.domain)
    return {**kept, **extra}


def redirect_after_post(path: str, params: dict):
    """After a successful form post. htmx: HX-Location loads `path` into the page and pushes it
    to history (the next request gets its token from app.js). A plain post: 303 with the
    post's own fresh id_token added, so the load needs no App Bridge bounce."""
    if is_htmx_request():
        response = make_response("", 200)
        response.headers["HX-Location"] = f"{path}?{urlencode(params, doseq=True)}"
        return response
    token = getattr(g, "id_token", None)
    query = urlencode({**params, **({"id_token": token} if token else {})}, doseq=True)
    return redirect(f"{path}?{query}", 303)


def redirect_after_action(path: str, done: str):
    """After a successful action inside the admin: `path` again, told what was `done`."""
    return redirect_after_post(path, embedded_params(done=done))


# -- refusals ------------------------------------------------------------------------------


def error_status(exc: DomainError) -> int:
    return next((status for kind, status in ERROR_STATUSES if isinstance(exc, kind)), REFUSED)


def refused(body: str, exc: DomainError, *, with_toast: bool = False):
    """The form or drawer again after the domain refused. In the admin htmx swaps only 2xx
    answers, so htmx gets 200 (and the message as an error toast if asked); a plain post gets
    the refusal's status."""
    if not is_htmx_request():
        return make_response(body, error_status(exc))
    response = make_response(body)
    return toast(response, exc.message, error=True) if with_toast else response


def form_state(exc: DomainError, **extra) -> dict:
    """A refused form shown again: what was typed, each field's message, the message."""
    errors = exc.errors if isinstance(exc, InvalidInput) else {}
    return {"values": request.form, "errors": errors, "message": exc.message, **extra}


def refusal_page(exc: DomainError):
    """A refusal no view answered itself (e.g. an unknown id): the error page."""
    return render_template("error.html", message=exc.message), error_status(exc)
