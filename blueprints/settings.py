"""The shop's Relay settings: parse, one domain call, render."""

from __future__ import annotations

from flask import Blueprint, g, request

from blueprints._render import refused, render
from blueprints.embedded import shop_required
from domain.errors import InvalidInput
from domain.shop import settings_form as shop_settings_form

bp = Blueprint("settings", __name__, url_prefix="/settings")


@bp.get("")
@shop_required
def index():
    return render(
        "settings/index.html", values=shop_settings_form.current(g.shop), errors={}, saved=False
    )


@bp.post("")
@shop_required
def save():
    try:
        shop_settings_form.save(g.shop, request.form)
    except InvalidInput as exc:
        body = render(
            "settings/index.html",
            "settings/_form.html",
            values=request.form,
            errors=exc.errors,
            saved=False,
        )
        return refused(body, exc)
    return render(
        "settings/index.html",
        "settings/_form.html",
        values=shop_settings_form.current(g.shop),
        errors={},
        saved=True,
    )
