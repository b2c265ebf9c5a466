"""The steps of the money-loop property (tests/property/test_money_loop.py), each driven as a
person would through Relay's domain actions and the stand-ins: paying a supplier (card, a
declined card then 4242, PayPal approved, PayPal abandoned then a card, automatic with a saved
card that works or declines), cancelling (merchant before or after forwarding, the supplier
accepting), shipping, refunding (Relay's form, the Shopify admin's refund mirrored by webhook)
and paying out. A step that does not apply to the part's state changes nothing and says so."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import select

from devstore import commerce
from domain.cancellations import lifecycle
from domain.errors import DomainError
from domain.fulfillment import requesting, shipments
from domain.models.orders import Order, SupplierOrder
from domain.models.payments import SavedPaymentMethod
from domain.models.refunds import Refund
from domain.money import line_money, refund_checks, refunds, supplier_ledger
from domain.money.amounts import round_to_currency
from domain.payments import checkout
from extensions import db
from tests.integration import stripe_flows
from tests.integration.payment_flows import approve_at_paypal, confirm_card, token_of
from tests.integration.test_cancellations import ask
from tests.integration.test_fulfillment import shop_row
from tests.integration.test_webhooks import wait_for

BACK = {"return_url": "http://relay.test/back", "cancel_url": "http://relay.test/cancel"}
AUTOMATIC = ("auto", "auto_declined")


@dataclass
class Loop:
    """One example: the shop, its order and, per supplier key, the part and how it is paid."""

    domain: str
    devstore: object
    stripe_standin: object
    drain: object
    order_id: int = 0
    parts: dict[str, int] = field(default_factory=dict)  # "takes"/"keeps" -> supplier order
    methods: dict[str, str] = field(default_factory=dict)
    log: list[str] = field(default_factory=list)

    @property
    def shop(self):
        return shop_row(self.domain)

    def part(self, who: str) -> SupplierOrder:
        db.session.expire_all()
        return db.session.get(SupplierOrder, self.parts[who])

    def order(self) -> Order:
        db.session.expire_all()
        return db.session.get(Order, self.order_id)

    def settle(self) -> None:
        """Jobs (forwarding, take-backs, cancellations pushed to the store) and webhooks."""
        self.drain()
        self.drain()
        db.session.expire_all()


def use_saved_card(shop_id: int, declining: bool) -> None:
    """The merchant's saved card for automatic payment: one that works or one that declines."""
    for saved in db.session.scalars(
        select(SavedPaymentMethod).where(SavedPaymentMethod.shop_id == shop_id)
    ):
        saved.status = "active" if (saved.label == "declines") == declining else "removed"
    db.session.commit()


def save_cards(shop_id: int, stripe_standin) -> None:
    for number, label in (
        (stripe_flows.VISA, "works"),
        (stripe_flows.DECLINES_AFTER_ATTACH, "declines"),
    ):
        customer, setup = stripe_flows.save_card(stripe_standin, number)
        db.session.add(
            SavedPaymentMethod(
                shop_id=shop_id,
                kind="card",
                status="removed",
                label=label,
                stripe_customer_id=customer,
                stripe_payment_method_id=setup.payment_method_id,
            )
        )
    db.session.commit()


def request_parts(loop: Loop) -> None:
    order = loop.order()
    requesting.request_fulfillment(list(order.supplier_orders), actor="merchant")
    db.session.commit()
    loop.settle()


# -- paying -----------------------------------------------------------------------------------


def pay(loop: Loop, who: str) -> str:
    part = loop.part(who)
    if part.supplier_paid_at is not None or part.status == "cancelled":
        return "nothing to pay"
    method = loop.methods[who]
    if method == "auto":
        return "charged automatically"  # the forward job charged it when it was requested
    if method in ("card", "auto_declined"):
        _card(loop, part, [stripe_flows.VISA])
    elif method == "card_declined":
        _card(loop, part, [stripe_flows.INSUFFICIENT_FUNDS, stripe_flows.VISA])
    elif method == "paypal":
        _paypal(loop, part, action="pay")
    else:  # paypal_abandoned: back from PayPal without paying, then paid by card
        _paypal(loop, part, action="cancel")
        _card(loop, loop.part(who), [stripe_flows.VISA])
    loop.settle()
    return f"paid ({method})"


def pay_while_cancelled(loop: Loop, who: str) -> str:
    """The card checkout is open when the merchant cancels the unsent part at once; the tab
    still confirms the card: the money moved, so the supplier owes it back."""
    part = loop.part(who)
    if part.supplier_paid_at is not None or part.status not in ("scheduled", "ready"):
        return "skipped: not an unpaid, unsent part"
    payment_id = checkout.start(loop.shop, [part.id], "card", {})
    checkout.begin(loop.shop, payment_id, **BACK)
    ask(part, scope="supplier", refund=True, restock=True)
    loop.settle()
    confirm_card(loop.stripe_standin, checkout.payment_of(loop.shop, payment_id), stripe_flows.VISA)
    assert checkout.finish(loop.shop, payment_id).status == "succeeded"
    loop.settle()
    return f"cancelled, then paid by the open checkout ({loop.part(who).status})"


def _card(loop: Loop, part: SupplierOrder, numbers: list[str]) -> None:
    payment_id = checkout.start(loop.shop, [part.id], "card", {})
    checkout.begin(loop.shop, payment_id, **BACK)
    for number in numbers:
        payment = checkout.payment_of(loop.shop, payment_id)
        confirm_card(loop.stripe_standin, payment, number)
        payment = checkout.finish(loop.shop, payment_id)
        wanted = "succeeded" if number == stripe_flows.VISA else "requires_action"
        assert payment.status == wanted, f"card {number[-4:]}: {payment.status}"


def _paypal(loop: Loop, part: SupplierOrder, *, action: str) -> None:
    payment_id = checkout.start(loop.shop, [part.id], "paypal", {})
    outcome = checkout.begin(loop.shop, payment_id, **BACK)
    token = token_of(approve_at_paypal(outcome.approve_url, action=action))
    if action == "pay":
        assert checkout.paypal_approved(token).status == "succeeded"
    else:
        assert checkout.paypal_abandoned(token).status == "cancelled"


# -- cancelling and shipping ------------------------------------------------------------------


def cancel(loop: Loop, who: str, by: str) -> str:
    """by: "merchant" (at once before forwarding; after it, asked and cancelled automatically
    once the supplier let the days pass) or "supplier" (asked, the supplier accepts)."""
    part = loop.part(who)
    forwarded = part.status not in ("ready", "scheduled", "on_hold", "awaiting_payment")
    if by == "supplier" and (not forwarded or part.status not in ("requested", "in_progress")):
        return "skipped: not with the supplier"
    try:
        request = ask(part, scope="supplier", refund=True, restock=True)
        if request.status == "requested" and by == "supplier":
            lifecycle.accept(loop.part(who), by="supplier", actor_name="Supplier")
        elif request.status == "requested":
            lifecycle.auto_cancel(request, why="overdue")
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        return f"refused: {exc.message}"
    loop.settle()
    wait_for(lambda: loop.settle() or loop.part(who).status == "cancelled", timeout=15)
    return f"cancelled by {by} ({'after' if forwarded else 'before'} forwarding)"


def cancel_in_admin(loop: Loop, who: str) -> str:
    """The merchant cancels the whole order in the Shopify admin, refunding and restocking:
    Relay hears it by webhook and cancels both parts (Shopify refuses once a part shipped)."""
    order = loop.order()
    number = int(order.shopify_gid.rsplit("/", 1)[1])
    answer = loop.devstore.control.post(
        f"/_devstore/shops/{loop.domain}/orders/{number}/cancel",
        json={"reason": "CUSTOMER", "refund": True, "restock": True},
    )
    if answer.status_code >= 400:
        return f"skipped: Shopify refused ({answer.status_code})"
    wait_for(lambda: loop.settle() or loop.order().cancelled_at is not None, timeout=15)
    loop.settle()
    return "order cancelled in the admin: " + ", ".join(
        f"{w} {loop.part(w).status}" for w in loop.parts
    )


def ship_one(loop: Loop, who: str) -> str:
    line = _line(loop, who)
    part = loop.part(who)
    try:
        if part.status == "requested":
            shipments.supplier_accepts(part)
        shipments.record_shipment(
            part, shipments.Tracking("tracked", "1Z1", "UPS"), quantities={line.id: 1}
        )
        db.session.commit()
    except DomainError as exc:
        db.session.rollback()
        return f"refused: {exc.message}"
    loop.settle()
    return "one unit shipped"


# -- refunding and paying out -----------------------------------------------------------------


def _line(loop: Loop, who: str):
    part = loop.part(who)
    return next(li for li in part.order.line_items if li.supplier_id == part.supplier_id)


def refund_in_relay(loop: Loop, who: str) -> str:
    """Relay's refund form: one unit of this supplier's line, at what it was paid."""
    order, line = loop.order(), _line(loop, who)
    context = refunds.context_of(loop.shop, order)
    capped = refund_checks.refundable_of(order, shipping_paid=Decimal(0), context=context)
    state = capped.line(line.id)
    left = line.bought_quantity - sum(
        rl.quantity for r in _recorded(order) for rl in r.lines if rl.line_item_id == line.id
    )
    if left <= 0 or state.amount_left <= 0:
        return "skipped: nothing left to refund"
    amount = round_to_currency(state.amount_left / left, capped.currency)
    seen = len(
        db.session.scalars(
            select(Refund.id).where(
                Refund.order_id == order.id, Refund.status.in_(refund_checks.SPENT)
            )
        ).all()
    )
    form = {
        "key": refunds.new_key(),
        "seen": str(seen),
        "mode": "partial",
        f"qty-{line.id}": "1",
        f"amount-{line.id}": str(amount),
    }
    try:
        refunds.create_refund(loop.shop, order.id, form)
    except DomainError as exc:
        db.session.rollback()
        return f"refused: {getattr(exc, 'errors', None) or exc.message}"
    loop.settle()
    return "refunded one unit in Relay"


def refund_in_admin(loop: Loop, who: str) -> str:
    """The Shopify admin's refund of one unit, mirrored into Relay by refunds/create."""
    order, line = loop.order(), _line(loop, who)
    before = len(_recorded(order))
    try:
        commerce.create_refund(
            loop.devstore.store,
            loop.domain,
            int(order.shopify_gid.rsplit("/", 1)[1]),
            refund_line_items=[
                {
                    "line_item_id": int(line.shopify_gid.rsplit("/", 1)[1]),
                    "quantity": 1,
                    "restock_type": "NO_RESTOCK",
                }
            ],
            currency=line_money.refund_currency(order),
        )
    except commerce.UserError:
        return "skipped: Shopify has nothing left to refund"
    wait_for(lambda: loop.settle() or len(_recorded(loop.order())) == before + 1, timeout=15)
    loop.settle()
    return "refunded one unit in the admin"


def _recorded(order) -> list[Refund]:
    return list(
        db.session.scalars(
            select(Refund).where(Refund.order_id == order.id, Refund.status == "recorded")
        )
    )


def payout(loop: Loop, who: str) -> str:
    part = loop.part(who)
    try:
        if part.supplier.pays_automatically:
            done = supplier_ledger.release_due_payouts(loop.shop, now=_far_future())
            db.session.commit()
        else:
            done = supplier_ledger.record_payout(loop.shop, part.supplier_id, who="Merchant")
    except DomainError as exc:
        db.session.rollback()
        return f"refused: {exc.message}"
    loop.settle()
    return f"paid out {done}"


def _far_future():
    from datetime import timedelta

    from domain.clock import utcnow

    return utcnow() + timedelta(days=365)


STEPS = {
    "pay": pay,
    "pay_while_cancelled": pay_while_cancelled,
    "cancel_merchant": lambda loop, who: cancel(loop, who, "merchant"),
    "cancel_supplier": lambda loop, who: cancel(loop, who, "supplier"),
    "cancel_admin": cancel_in_admin,
    "ship": ship_one,
    "refund_relay": refund_in_relay,
    "refund_admin": refund_in_admin,
    "payout": payout,
}
