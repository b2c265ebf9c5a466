"""Suppliers, their SKU mappings and the CSV import: parse, one domain call, render."""

from __future__ import annotations

from flask import Blueprint, g, request, url_for

from blueprints._locale import requested_locale
from blueprints._render import redirect_after_action, refused, render
from blueprints.embedded import shop_required
from domain.errors import DomainError, InvalidInput, NotFound
from domain.payments import shipping
from domain.payments import terms as payment_terms
from domain.suppliers import directory as suppliers
from domain.suppliers import sku_import, sku_mappings

bp = Blueprint("suppliers", __name__, url_prefix="/suppliers")
NOTICES = ("created", "saved", "deleted")


def _after_post(endpoint: str, done: str, **values):
    return redirect_after_action(url_for(endpoint, **values), done)


def _notice() -> str | None:
    done = request.args.get("done")
    return done if done in NOTICES else None


@bp.get("")
@shop_required
def index():
    return render(
        "suppliers/index.html",
        rows=suppliers.overview(g.shop),
        unmapped=sku_mappings.unmapped_skus(g.shop, limit=5),
        sample=sku_import.sample(),
        notice=_notice(),
    )


@bp.get("/new")
@shop_required
def new():
    return render("suppliers/form.html", supplier=None, values=suppliers.blank(g.shop), errors={})


@bp.post("")
@shop_required
def create():
    try:
        supplier = suppliers.create(g.shop, request.form)
    except InvalidInput as exc:
        body = render(
            "suppliers/form.html",
            "suppliers/_form.html",
            supplier=None,
            values=request.form,
            errors=exc.errors,
        )
        return refused(body, exc)
    return _after_post("suppliers.show", "created", supplier_id=supplier.id)


@bp.get("/<int:supplier_id>")
@shop_required
def show(supplier_id: int):
    return render("suppliers/show.html", **_sku_panel(supplier_id, notice=_notice()))


@bp.get("/<int:supplier_id>/edit")
@shop_required
def edit(supplier_id: int):
    supplier = suppliers.get(g.shop, supplier_id)
    return render(
        "suppliers/form.html",
        supplier=supplier,
        values=suppliers.values_of(supplier),
        errors={},
        open_orders=suppliers.row(g.shop, supplier).open_orders,
    )


@bp.post("/<int:supplier_id>")
@shop_required
def update(supplier_id: int):
    try:
        suppliers.update_supplier(g.shop, supplier_id, request.form)
    except InvalidInput as exc:
        supplier = suppliers.get(g.shop, supplier_id)
        body = render(
            "suppliers/form.html",
            "suppliers/_form.html",
            supplier=supplier,
            values=request.form,
            errors=exc.errors,
            open_orders=suppliers.row(g.shop, supplier).open_orders,
        )
        return refused(body, exc)
    return _after_post("suppliers.show", "saved", supplier_id=supplier_id)


@bp.post("/<int:supplier_id>/delete")
@shop_required
def delete(supplier_id: int):
    try:
        suppliers.delete(g.shop, supplier_id)
    except NotFound:
        raise
    except DomainError as exc:
        supplier = suppliers.get(g.shop, supplier_id)
        body = render(
            "suppliers/form.html",
            "suppliers/_delete.html",
            supplier=supplier,
            values=suppliers.values_of(supplier),
            errors={},
            delete_error=exc.message,
            open_orders=suppliers.row(g.shop, supplier).open_orders,
        )
        return refused(body, exc)
    return _after_post("suppliers.index", "deleted")


# -- SKU mappings ---------------------------------------------------------------------------


def _sku_panel(supplier_id: int, **extra) -> dict:
    supplier = suppliers.get(g.shop, supplier_id)
    editing = request.args.get("edit", type=int)
    return {
        "row": suppliers.row(g.shop, supplier),
        "supplier": supplier,
        "mappings": sku_mappings.mappings_of(g.shop, supplier),
        "unmapped": sku_mappings.unmapped_skus(g.shop),
        "editing": extra.pop("editing", editing),
        "form_errors": {},
        "form_values": {},
        **_payments_context(supplier),
        **extra,
    }


def _render_panel(supplier_id: int, **extra):
    return render(
        "suppliers/show.html", "suppliers/_sku_panel.html", **_sku_panel(supplier_id, **extra)
    )


@bp.get("/<int:supplier_id>/skus")
@shop_required
def sku_panel(supplier_id: int):
    return _render_panel(supplier_id)


def _mapping_action(supplier_id: int, action, *, editing=None):
    try:
        change = action()
    except InvalidInput as exc:
        body = _render_panel(
            supplier_id, editing=editing, form_errors=exc.errors, form_values=request.form
        )
        return refused(body, exc)
    return _render_panel(supplier_id, editing=None, sku_notice=sku_mappings.describe(change))


@bp.post("/<int:supplier_id>/skus")
@shop_required
def add_mapping(supplier_id: int):
    return _mapping_action(
        supplier_id, lambda: sku_mappings.add(g.shop, supplier_id, request.form), editing="new"
    )


@bp.post("/<int:supplier_id>/skus/<int:mapping_id>")
@shop_required
def edit_mapping(supplier_id: int, mapping_id: int):
    return _mapping_action(
        supplier_id,
        lambda: sku_mappings.edit(g.shop, supplier_id, mapping_id, request.form),
        editing=mapping_id,
    )


@bp.post("/<int:supplier_id>/skus/<int:mapping_id>/delete")
@shop_required
def remove_mapping(supplier_id: int, mapping_id: int):
    return _mapping_action(
        supplier_id, lambda: sku_mappings.remove(g.shop, supplier_id, mapping_id)
    )


@bp.post("/import")
@shop_required
def import_csv():
    try:
        report = sku_import.import_csv(g.shop, sku_import.read_upload(request.files.get("file")))
    except sku_import.CsvRejected as exc:
        return refused(_overview(import_report=None, import_error=exc), exc)
    return _overview(import_report=report, import_error=None)


def _overview(**context) -> str:
    return render(
        "suppliers/index.html",
        "suppliers/_overview.html",
        rows=suppliers.overview(g.shop),
        unmapped=sku_mappings.unmapped_skus(g.shop, limit=5),
        sample=sku_import.sample(),
        notice=None,
        **context,
    )


# -- payment terms and shipping prices ------------------------------------------------------


def _payments_context(supplier) -> dict:
    """What the payment terms card and the shipping prices editor show, before any change."""
    locale = requested_locale()
    return {
        "terms_values": payment_terms.values_of(supplier),
        "terms_errors": {},
        "terms_notice": False,
        "card_connected": payment_terms.card_connected(supplier),
        "paid_through_relay": payment_terms.paid_through_relay(supplier),
        "why_not_payable": payment_terms.why_not_payable(supplier),
        "zones": shipping.zones_of(supplier),
        "rate_editing": request.args.get("edit_rate", type=int),
        "rate_errors": {},
        "rate_values": shipping.blank(),
        "rate_notice": None,
        "shipping_values": shipping.values_of,
        "country_name": lambda code: shipping.country_name(code, locale),
    }


@bp.post("/<int:supplier_id>/payment-terms")
@shop_required
def update_terms(supplier_id: int):
    try:
        payment_terms.update_terms(g.shop, supplier_id, request.form)
    except InvalidInput as exc:
        body = _render_terms(
            supplier_id,
            terms_values=payment_terms.form_values(request.form),
            terms_errors=exc.errors,
        )
        return refused(body, exc)
    return _render_terms(supplier_id, terms_notice=True)


def _render_terms(supplier_id: int, **extra):
    return render(
        "suppliers/show.html", "suppliers/_payment_terms.html", **_sku_panel(supplier_id, **extra)
    )


def _render_rates(supplier_id: int, **extra):
    return render(
        "suppliers/show.html", "suppliers/_shipping_rates.html", **_sku_panel(supplier_id, **extra)
    )


@bp.get("/<int:supplier_id>/shipping-rates")
@shop_required
def shipping_rates(supplier_id: int):
    return _render_rates(supplier_id)


def _rate_action(supplier_id: int, action, *, editing=None):
    try:
        notice = action()
    except InvalidInput as exc:
        body = _render_rates(
            supplier_id, rate_editing=editing, rate_errors=exc.errors, rate_values=request.form
        )
        return refused(body, exc)
    return _render_rates(supplier_id, rate_editing=None, rate_notice=notice)


@bp.post("/<int:supplier_id>/shipping-rates")
@shop_required
def add_rate(supplier_id: int):
    return _rate_action(
        supplier_id,
        lambda: shipping.describe("added", shipping.add_rate(g.shop, supplier_id, request.form)),
        editing="new",
    )


@bp.post("/<int:supplier_id>/shipping-rates/<int:rate_id>")
@shop_required
def edit_rate(supplier_id: int, rate_id: int):
    return _rate_action(
        supplier_id,
        lambda: shipping.describe(
            "saved", shipping.edit_rate(g.shop, supplier_id, rate_id, request.form)
        ),
        editing=rate_id,
    )


@bp.post("/<int:supplier_id>/shipping-rates/<int:rate_id>/delete")
@shop_required
def remove_rate(supplier_id: int, rate_id: int):
    return _rate_action(supplier_id, lambda: shipping.remove_rate(g.shop, supplier_id, rate_id))
