"""Pay now: the merchant pays one supplier for one or more of its orders, by card (on the
supplier's own Stripe account, confirmed in the page with Stripe's own card field: card data
never touches Relay) or by PayPal (approved at PayPal). A paid order is sent at once, or when
the hold window is over.

Two tabs or a double click pay once: starting a payment locks the supplier orders, and an
order already in a payment in progress gets that payment back (the same intent / PayPal order,
whose idempotency key is the row's own), never a second one."""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from domain import states
from domain.clock import aware, utcnow
from domain.errors import InvalidInput, NotFound, WrongState
from domain.fulfillment import forwarding, requesting
from domain.models.orders import Supplier, SupplierOrder
from domain.models.payments import SupplierPayment, SupplierPaymentItem
from domain.models.shop import Shop
from domain.payments import payment_rows, providers, quote, rates, settle, terms
from domain.transaction import atomic, unit_of_work
from extensions import db

METHOD_NAMES = {"card": "card", "paypal": "PayPal"}
# One checkout pays at most this many orders (a bulk "all matching the filter" included).
MAX_ORDERS = 500


@dataclass(frozen=True)
class Selection:
    supplier: Supplier
    supplier_orders: list[SupplierOrder]


def select_orders(shop: Shop, supplier_order_ids: list[int], *, lock: bool = False) -> Selection:
    """The supplier orders to pay, all of one supplier, none paid, all payable."""
    ids = sorted(set(supplier_order_ids))
    if not ids:
        raise InvalidInput(_("Choose the orders to pay for."))
    query = (
        select(SupplierOrder)
        .where(SupplierOrder.shop_id == shop.id, SupplierOrder.id.in_(ids))
        .options(selectinload(SupplierOrder.order), selectinload(SupplierOrder.supplier))
        .order_by(SupplierOrder.id)
    )
    rows = list(db.session.scalars(query.with_for_update() if lock else query))
    if len(rows) != len(ids):
        raise NotFound(_("Some of these orders are not in this store."))
    suppliers = {so.supplier_id for so in rows}
    if None in suppliers or len(suppliers) > 1:
        names = sorted({so.supplier.name if so.supplier else _("no supplier") for so in rows})
        raise InvalidInput(
            _("Pay one supplier at a time: these orders go to %(names)s.", names=", ".join(names))
        )
    for supplier_order in rows:
        _require_payable(supplier_order)
    supplier = rows[0].supplier
    if not payment_rows.methods_ready(supplier):
        raise WrongState(terms.why_not_payable(supplier))
    return Selection(supplier, rows)


def _require_payable(supplier_order: SupplierOrder) -> None:
    name = supplier_order.order.name
    if supplier_order.supplier_paid_at is not None:
        raise WrongState(_("%(order)s is already paid.", order=name))
    if supplier_order.status not in states.PAYABLE:
        raise WrongState(
            _(
                "%(order)s is “%(status)s”: it cannot be paid.",
                order=name,
                status=_(states.STATUSES[supplier_order.status].label),
            )
        )


@dataclass(frozen=True)
class CheckoutPage:
    supplier: Supplier
    quote: object
    methods: list[str]
    rate: object | None
    rate_problem: str | None
    shop_currency: str
    shop_total: object | None
    in_progress: SupplierPayment | None


def checkout_page(shop: Shop, supplier_order_ids: list[int], shipping: dict[int, int]):
    selection = select_orders(shop, supplier_order_ids)
    priced = quote.quote(shop, selection.supplier, selection.supplier_orders, shipping)
    shop_currency = shop.currency or priced.currency
    rate, rate_problem = payment_rows.locked_rate(priced.currency, shop_currency)
    return CheckoutPage(
        supplier=selection.supplier,
        quote=priced,
        methods=payment_rows.methods_ready(selection.supplier),
        rate=rate,
        rate_problem=rate_problem,
        shop_currency=shop_currency,
        shop_total=rates.convert(priced.total, rate) if rate else None,
        in_progress=_live_payment([so.id for so in selection.supplier_orders]),
    )


def _live_payment(supplier_order_ids: list[int]) -> SupplierPayment | None:
    return db.session.scalars(
        select(SupplierPayment)
        .join(SupplierPaymentItem)
        .where(
            SupplierPaymentItem.supplier_order_id.in_(supplier_order_ids),
            SupplierPayment.status.in_(settle.LIVE),
        )
        .order_by(SupplierPayment.id.desc())
    ).first()


@unit_of_work
def start(shop: Shop, supplier_order_ids: list[int], method: str, shipping: dict[int, int]) -> int:
    """The payment row for this selection (an existing one in progress for the same orders and
    method, or a new one): its id. Nothing is charged yet."""
    selection = select_orders(shop, supplier_order_ids, lock=True)
    supplier = selection.supplier
    if method not in payment_rows.methods_ready(supplier):
        raise WrongState(
            _(
                "%(supplier)s no longer takes payment by %(method)s through Relay. Choose "
                "another way to pay.",
                supplier=supplier.name,
                method=METHOD_NAMES.get(method, method),
            )
        )
    ids = [so.id for so in selection.supplier_orders]
    live = _live_payment(ids)
    if live is not None:
        same = {i.supplier_order_id for i in live.items} == set(ids) and live.method == method
        if same:
            return live.id
        names = ", ".join(i.order_name for i in live.items)
        raise WrongState(
            _(
                "A payment for %(orders)s is already in progress. Finish or cancel it first.",
                orders=names,
            )
        )
    priced = quote.quote(shop, supplier, selection.supplier_orders, shipping)
    if not priced.payable:
        problems = [part.problem for part in priced.unpayable if part.problem]
        raise InvalidInput(
            priced.supplier_problem or " ".join(problems) or _("Nothing to pay for.")
        )
    return payment_rows.new_payment(shop, supplier, priced, method=method, automatic=False).id


def payment_of(shop: Shop, payment_id: int) -> SupplierPayment:
    payment = db.session.get(SupplierPayment, payment_id)
    if payment is None or payment.shop_id != shop.id:
        raise NotFound(_("No such payment."))
    return payment


def begin(shop: Shop, payment_id: int, *, return_url: str, cancel_url: str) -> providers.Outcome:
    """Ask the provider for the payment (after the row is committed). Again for the same row
    (a second tab, a reload): the same intent or PayPal order comes back."""
    payment = payment_of(shop, payment_id)
    if payment.status == "succeeded":
        return providers.Outcome(status=providers.SUCCEEDED, reference=payment.provider_reference)
    if payment.status not in settle.LIVE:
        raise WrongState(_("This payment is over; start a new one from the orders."))
    if payment.method == "card":
        outcome = providers.begin_card(payment)
    elif payment.provider_reference:
        outcome = providers.current(payment)
    else:
        outcome = providers.begin_paypal(payment, return_url=return_url, cancel_url=cancel_url)
    _record(payment.id, outcome)
    return outcome


def finish(shop: Shop, payment_id: int) -> SupplierPayment:
    """The browser is back from confirming the card (or 3-D Secure): Stripe's word, read now."""
    payment = payment_of(shop, payment_id)
    if payment.status != "succeeded" and payment.provider_reference:
        _record(payment.id, providers.current(payment))
    return payment_of(shop, payment_id)


def paypal_approved(paypal_order_id: str) -> SupplierPayment:
    """The payer approved at PayPal and came back: capture (once), record, send."""
    payment = _by_reference("paypal", paypal_order_id)
    if payment.status in settle.LIVE:
        _record(payment.id, providers.capture_paypal(payment))
    return db.session.get(SupplierPayment, payment.id)


@unit_of_work
def paypal_abandoned(paypal_order_id: str) -> SupplierPayment:
    payment = _by_reference("paypal", paypal_order_id)
    locked = settle.lock(payment.id)
    if locked.status in settle.LIVE:
        settle.cancel(locked)
    return locked


def _by_reference(provider: str, reference: str) -> SupplierPayment:
    payment = db.session.scalars(
        select(SupplierPayment).where(
            SupplierPayment.provider == provider, SupplierPayment.provider_reference == reference
        )
    ).first()
    if payment is None:
        raise NotFound(_("No such payment."))
    return payment


def _record(payment_id: int, outcome: providers.Outcome) -> None:
    with atomic():
        payment = settle.lock(payment_id)
        send_paid(settle.record(payment, outcome))


def send_paid(released: list[SupplierOrder]) -> None:
    """Paid: sent at once, or once the hold window is over (requested first if it was not)."""
    for supplier_order in released:
        if supplier_order.status == "scheduled":
            at = max(aware(supplier_order.forward_at) or utcnow(), utcnow())
            forwarding.forward.after_commit(
                supplier_order.id, at=at, shop_id=supplier_order.shop_id
            )
        elif states.can("request_fulfillment", supplier_order.status):
            requesting.request_fulfillment([supplier_order], actor="relay")


def parts_to_pay(shop: Shop, order_ids: list[int], supplier_id: int | None) -> list[int]:
    """Bulk Pay now: the selected orders' unpaid parts for one supplier (a selection of
    several suppliers' orders is refused: requesting.ONE_SUPPLIER_ACTIONS)."""
    with atomic():
        parts = requesting.supplier_orders_for_bulk(shop, order_ids, supplier_id, "pay_now")
        payable = [
            so.id
            for so in parts
            if so.supplier_id is not None
            and so.supplier_paid_at is None
            and so.status in states.PAYABLE
        ]
    if not payable:
        raise WrongState(_("None of the selected orders has anything left to pay this supplier."))
    return payable
