"""The Mail log: the shop's outbound mails and "Send again". Thin: domain.notices.mail_log."""

from __future__ import annotations

from flask import Blueprint, g, make_response, request
from flask_babel import gettext as _

from blueprints._render import render, toast
from blueprints.embedded import shop_required
from domain.notices import mail_log

bp = Blueprint("mail_log", __name__, url_prefix="/mail")


@bp.app_context_processor
def mail_log_helpers() -> dict:
    return {
        "mail_filters": mail_log.FILTERS,
        "mail_status_label": mail_log.status_label,
        "mail_kind_label": mail_log.kind_label,
    }


def _page(args):
    page = mail_log.page(g.shop, args.get("status"), args.get("page", 1, type=int))
    return render("mail_log/index.html", "mail_log/_log.html", page=page)


@bp.get("")
@shop_required
def index():
    return _page(request.args)


@bp.post("/<int:mail_id>/send-again")
@shop_required
def send_again(mail_id: int):
    row = mail_log.send_again(g.shop, mail_id)
    response = make_response(_page(request.args))
    return toast(response, _("Sending again to %(email)s.", email=row.recipient))
