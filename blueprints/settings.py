"""The shop's Relay settings: parse, one domain call, render."""

from __future__ import annotations

from flask import Blueprint, g, request

from blueprints._render import refused, render
from blueprints.embedded import shop_required
from domain.errors import InvalidInput
from domain.notices import mail, recipients
from domain.shop import settings_form as shop_settings_form
from domain.shop.settings import LABELS

bp = Blueprint("settings", __name__, url_prefix="/settings")
NOTIFY_LABELS = {name: label for name, label in LABELS.items() if name.startswith("notify_")}


def _page(partial: str | None, values, errors: dict, saved: bool, test_result=None):
    return render(
        "settings/index.html",
        partial,
        values=values,
        errors=errors,
        saved=saved,
        shop=g.shop,
        notify_labels=NOTIFY_LABELS,
        test_result=test_result,
    )


@bp.get("")
@shop_required
def index():
    return _page(None, shop_settings_form.current(g.shop), {}, False)


@bp.post("")
@shop_required
def save():
    try:
        shop_settings_form.save(g.shop, request.form)
    except InvalidInput as exc:
        body = _page("settings/_form.html", request.form, exc.errors, False)
        return refused(body, exc)
    return _page("settings/_form.html", shop_settings_form.current(g.shop), {}, True)


@bp.post("/test-email")
@shop_required
def test_email():
    to = recipients.merchant(g.shop)
    result = "queued" if to.reachable and mail.send_test(g.shop, to) else "no_email"
    values = shop_settings_form.current(g.shop)
    return _page("settings/_test_email.html", values, {}, False, test_result=result)
