"""Supplier balances: what each supplier owes back from refunds, and settling it (Mark
received; Record payout for manual-payment suppliers). Parse, one domain call, render."""

from __future__ import annotations

from flask import Blueprint, g, request, url_for
from flask_babel import gettext as _

from blueprints._render import is_htmx_request, redirect_after_action, refused, render
from blueprints.embedded import shop_required
from domain.errors import DomainError
from domain.money import supplier_ledger
from domain.orders.timeline import N_
from domain.payments import balances as payment_balances
from domain.shop.settings import settings_of

bp = Blueprint("ledger", __name__, url_prefix="/balances")


def _page(*, notice: str | None = None, error: str | None = None) -> str:
    return render(
        "ledger/index.html",
        "ledger/_balances.html",
        balances=supplier_ledger.balances(g.shop),
        payment_figures=payment_balances.by_supplier(g.shop),
        payout_delay_days=settings_of(g.shop).payout_delay_days,
        notice=notice,
        error=error,
    )


@bp.get("")
@shop_required
def index():
    done = request.args.get("done")
    notice = {"received": _("Marked as received."), "payout": _("Payout recorded.")}.get(done)
    return _page(notice=notice)


def _after(action, done: str, message: str):
    try:
        action()
    except DomainError as exc:
        return refused(_page(error=exc.message), exc)
    if not is_htmx_request():
        return redirect_after_action(url_for("ledger.index"), done)
    return _page(notice=message)


@bp.post("/entries/<int:entry_id>/received")
@shop_required
def mark_received(entry_id: int):
    return _after(
        lambda: supplier_ledger.mark_received(g.shop, entry_id, who=N_("Merchant")),
        "received",
        _("Marked as received."),
    )


@bp.post("/suppliers/<int:supplier_id>/payout")
@shop_required
def record_payout(supplier_id: int):
    return _after(
        lambda: supplier_ledger.record_payout(g.shop, supplier_id, who=N_("Merchant")),
        "payout",
        _("Payout recorded."),
    )
