"""The supplier side of the money.

Relay *pays* a supplier for an order (SupplierOrder.supplier_paid_at: automatically when it is
forwarded to a pay_mode=auto supplier, else the merchant's "Mark supplier paid"). The supplier
is *paid out* when that money is released to it for good (supplier_paid_out_at): for
automatic-payment suppliers `payout_delay_days` after its part shipped (the sweep calls
`release_due_payouts`), for manual-payment suppliers when the merchant records a payout.

A refund of a supplier's items before the payout means the supplier owes back its share: one
ledger entry per supplier per refund, at the supplier's cost (VariantMapping.cost) in the
proportion refunded of what the customer paid for the line (after its discounts, with its tax
unless prices include it: domain.money.line_money), so a discounted line refunded in full
gives back the whole cost, and refunding a line's tax takes nothing more from the supplier.
At cost, because the supplier was paid its cost, not the retail price:
asking it for the refunded retail amount would claim the merchant's margin from it too (when
no cost is mapped, the line's discounted price in the shop's currency, in the same proportion,
is the only figure there is, and the entry says so). Cumulative rounding: each refund owes
round(cost x refunded so far / paid) minus what the earlier refunds already owed, so the
shares of a line never add up to more than its cost.

The entry settles by itself (deducted from the next payout: `automatic`) when both sides pay
through Relay: the supplier pays automatically and is on Relay (channel store or portal).
Otherwise it is `pending` until the merchant marks the money received. Suppliers never paid
owe nothing; a supplier already paid out is settled outside Relay (refunds are refused).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from domain.clock import aware, utcnow
from domain.errors import NotFound, WrongState
from domain.models.orders import Supplier, SupplierOrder, VariantMapping
from domain.models.refunds import Refund, RefundLine, SupplierLedgerEntry
from domain.money import line_money, part_costs
from domain.money.amounts import round_to_currency
from domain.orders import timeline
from domain.orders.timeline import N_, EventKind
from domain.payments import take_back
from domain.shop.settings import settings_of
from domain.transaction import unit_of_work
from extensions import db

ZERO = Decimal("0")
ON_RELAY = ("store", "portal")


def settles_automatically(supplier: Supplier) -> bool:
    return supplier.pay_mode == "auto" and supplier.channel in ON_RELAY


def why_paid_out(supplier_order: SupplierOrder) -> str | None:
    """The refusal shown when a refund touches a supplier order already paid out."""
    if supplier_order.supplier_paid_out_at is None:
        return None
    return _(
        "%(supplier)s was paid out for this order on %(date)s, so Relay cannot take a refund "
        "of its items back any more. Settle it with the supplier first, then refund the "
        "customer from the Shopify admin.",
        supplier=supplier_order.supplier.name if supplier_order.supplier else "?",
        date=aware(supplier_order.supplier_paid_out_at).strftime("%Y-%m-%d"),
    )


def owed_share(
    cost: Decimal, price: Decimal, refunded_before: Decimal, refunded_now: Decimal, currency
) -> Decimal:
    """The supplier's share of `refunded_now` of units the customer paid `price` for and that
    cost `cost` (the same units: one, or the whole line), given `refunded_before` already
    refunded on that line (telescoping)."""
    if price <= 0:
        return ZERO
    after = round_to_currency(cost * (refunded_before + refunded_now) / price, currency)
    before = round_to_currency(cost * refunded_before / price, currency)
    return after - before


def record_refund(refund: Refund) -> list[SupplierLedgerEntry]:
    """Write what each paid (not paid-out) supplier owes back for this refund. Call under the
    order's lock, once the refund is recorded; a second call adds nothing."""
    if db.session.scalar(
        select(SupplierLedgerEntry.id).where(SupplierLedgerEntry.refund_id == refund.id)
    ):
        return []
    order = refund.order
    owed, basis = _owed_back(refund)
    entries = []
    for (so_id, currency), amount in owed.items():
        so = db.session.get(SupplierOrder, so_id)
        # A part cancelled after it was paid already owes back its cancelled items.
        cap = part_costs.still_owed_cap(so, currency)
        amount = amount if cap is None else min(amount, cap)
        if amount <= 0:
            continue
        automatic = settles_automatically(so.supplier)
        entry = SupplierLedgerEntry(
            shop_id=refund.shop_id,
            supplier_id=so.supplier_id,
            supplier_order_id=so.id,
            refund_id=refund.id,
            kind="refund",
            amount=amount,
            currency=currency,
            status="automatic" if automatic else "pending",
            basis=basis[(so_id, currency)],
        )
        db.session.add(entry)
        db.session.flush()
        take_back.plan(entry)  # paid through Relay and allowed: taken back from the payment
        entries.append(entry)
        timeline.record(
            order,
            EventKind.SUPPLIER_OWES,
            N_("%(supplier)s owes %(amount)s back for this refund; deducted from its next payout")
            if automatic
            else N_("%(supplier)s owes %(amount)s back for this refund; to settle by hand"),
            supplier=so.supplier.name,
            amount=timeline.money(amount, currency),
        )
    return entries


def _owed_back(refund: Refund) -> tuple[dict[tuple[int, str], Decimal], dict[tuple[int, str], str]]:
    """What each paid supplier order owes back for the refund's lines, per (supplier order,
    currency), and on what basis: its cost, the refunded amount, or mixed."""
    by_part = {(so.supplier_id, so.part): so for so in refund.order.supplier_orders}
    owed: dict[tuple[int, str], Decimal] = defaultdict(lambda: ZERO)
    basis: dict[tuple[int, str], str] = {}
    for rl in refund.lines:
        line = rl.line_item
        so = by_part.get((line.supplier_id, line.part)) if line.supplier_id else None
        if so is None or so.supplier_paid_at is None or so.supplier_paid_out_at is not None:
            continue  # never paid: owes nothing; paid out: settled outside Relay
        mapping = db.session.scalar(
            select(VariantMapping).where(
                VariantMapping.shop_id == refund.shop_id, VariantMapping.sku == line.sku
            )
        )
        before = _refunded_before(rl)
        paid = line_money.line_paid(line)  # in the refund currency, as rl.amount is
        if mapping is not None and mapping.cost is not None:
            currency = mapping.cost_currency or so.supplier.currency or refund.currency
            cost = mapping.cost * line.bought_quantity  # as `paid` counts every unit bought
            share = owed_share(cost, paid, before, rl.amount, currency)
            how = "cost"
        else:
            # The line's discounted price in shop money (no tax: the supplier never had it).
            currency, how = refund.order.currency, "refunded_amount"
            price = line_money.discounted_total(line, shop=True)
            share = owed_share(price, paid, before, rl.amount, currency)
        key = (so.id, currency)
        owed[key] += share
        basis[key] = how if basis.get(key, how) == how else "mixed"
    return owed, basis


def _refunded_before(refund_line: RefundLine) -> Decimal:
    """What earlier recorded refunds took from this line (the telescoping base)."""
    amounts = db.session.scalars(
        select(RefundLine.amount)
        .join(Refund, Refund.id == RefundLine.refund_id)
        .where(
            RefundLine.line_item_id == refund_line.line_item_id,
            Refund.status == "recorded",
            Refund.id != refund_line.refund_id,
            Refund.recorded_at.is_not(None),
        )
    )
    return sum(amounts, ZERO)


# -- settling -------------------------------------------------------------------------------


@unit_of_work
def mark_received(shop, entry_id: int, *, who: str) -> SupplierLedgerEntry:
    entry = db.session.scalar(
        select(SupplierLedgerEntry)
        .where(SupplierLedgerEntry.id == entry_id, SupplierLedgerEntry.shop_id == shop.id)
        .with_for_update()
    )
    if entry is None:
        raise NotFound(_("That balance entry does not exist in this store."))
    if entry.status == "settled":
        raise WrongState(_("That amount was already marked received."))
    if entry.status == "automatic":
        raise WrongState(
            _("That amount is deducted from the supplier's next payout; nothing to mark.")
        )
    entry.status, entry.settled_at, entry.settled_by = "settled", utcnow(), who
    timeline.record(
        entry.supplier_order.order,
        EventKind.SUPPLIER_REFUND_RECEIVED,
        N_("%(amount)s received back from %(supplier)s"),
        actor="merchant",
        actor_name=who,
        supplier=entry.supplier.name,
        amount=timeline.money(entry.amount, entry.currency),
    )
    return entry


def _pay_out(supplier_orders: list[SupplierOrder], *, who: str, actor: str) -> int:
    now = utcnow()
    for so in supplier_orders:
        so.supplier_paid_out_at = now
        timeline.record(
            so.order,
            EventKind.SUPPLIER_PAID_OUT,
            N_("%(supplier)s paid out for this order"),
            actor=actor,
            actor_name=who,
            supplier=so.supplier.name,
        )
    return len(supplier_orders)


def _settle_automatic(shop_id: int, supplier_id: int, who: str) -> int:
    entries = list(
        db.session.scalars(
            select(SupplierLedgerEntry).where(
                SupplierLedgerEntry.shop_id == shop_id,
                SupplierLedgerEntry.supplier_id == supplier_id,
                SupplierLedgerEntry.status == "automatic",
            )
        )
    )
    now = utcnow()
    for entry in entries:
        entry.status, entry.settled_at, entry.settled_by = "settled", now, who
    return len(entries)


def payable_out(shop_id: int, supplier_id: int):
    """Supplier orders paid and not yet paid out, oldest first (locked)."""
    return (
        select(SupplierOrder)
        .where(
            SupplierOrder.shop_id == shop_id,
            SupplierOrder.supplier_id == supplier_id,
            SupplierOrder.supplier_paid_at.is_not(None),
            SupplierOrder.supplier_paid_out_at.is_(None),
        )
        .order_by(SupplierOrder.id)
        .with_for_update()
    )


@unit_of_work
def record_payout(shop, supplier_id: int, *, who: str) -> int:
    """A manual-payment supplier was paid out by the merchant: everything paid so far is
    released to it. Returns how many supplier orders that covered."""
    supplier = db.session.scalar(
        select(Supplier).where(Supplier.id == supplier_id, Supplier.shop_id == shop.id)
    )
    if supplier is None:
        raise NotFound(_("That supplier does not exist in this store."))
    if supplier.pays_automatically:
        raise WrongState(
            _(
                "%(supplier)s is paid automatically; Relay pays it out %(days)d days after it "
                "ships.",
                supplier=supplier.name,
                days=settings_of(shop).payout_delay_days,
            )
        )
    orders = list(db.session.scalars(payable_out(shop.id, supplier.id)))
    if not orders:
        raise WrongState(
            _(
                "Nothing to pay out: %(supplier)s has no paid orders waiting.",
                supplier=supplier.name,
            )
        )
    return _pay_out(orders, who=who, actor="merchant")


def release_due_payouts(shop, *, now=None) -> int:
    """The sweep: automatic-payment suppliers are paid out `payout_delay_days` after their
    part of the order shipped; what they owe back is deducted from that payout (settled)."""
    now = now or utcnow()
    due_before = now - timedelta(days=settings_of(shop).payout_delay_days)
    due = list(
        db.session.scalars(
            select(SupplierOrder)
            .join(Supplier, Supplier.id == SupplierOrder.supplier_id)
            .where(
                SupplierOrder.shop_id == shop.id,
                Supplier.pay_mode == "auto",
                SupplierOrder.status == "shipped",
                SupplierOrder.supplier_paid_at.is_not(None),
                SupplierOrder.supplier_paid_out_at.is_(None),
                SupplierOrder.status_changed_at <= due_before,
            )
            .order_by(SupplierOrder.id)
            .with_for_update(of=SupplierOrder, skip_locked=True)
        )
    )
    if not due:
        return 0
    paid = _pay_out(due, who=N_("Relay (payout delay)"), actor="relay")
    for supplier_id in sorted({so.supplier_id for so in due}):
        supplier = db.session.get(Supplier, supplier_id)
        if settles_automatically(supplier):
            _settle_automatic(shop.id, supplier_id, N_("Deducted from the payout"))
    return paid


# -- the balances page ----------------------------------------------------------------------


@dataclass
class SupplierBalance:
    supplier: Supplier
    # currency -> amount
    pending: dict[str, Decimal] = field(default_factory=dict)
    automatic: dict[str, Decimal] = field(default_factory=dict)
    settled: dict[str, Decimal] = field(default_factory=dict)
    entries: list[SupplierLedgerEntry] = field(default_factory=list)
    awaiting_payout: int = 0  # supplier orders paid, not yet paid out

    @property
    def settles_automatically(self) -> bool:
        return settles_automatically(self.supplier)

    @property
    def owes(self) -> bool:
        return bool(self.pending or self.automatic)


def balances(shop, *, entries_per_supplier: int = 20) -> list[SupplierBalance]:
    suppliers = list(
        db.session.scalars(
            select(Supplier).where(Supplier.shop_id == shop.id).order_by(Supplier.name)
        )
    )
    result = {s.id: SupplierBalance(s) for s in suppliers}
    entries = db.session.scalars(
        select(SupplierLedgerEntry)
        .where(SupplierLedgerEntry.shop_id == shop.id)
        .options(selectinload(SupplierLedgerEntry.supplier_order).selectinload(SupplierOrder.order))
        .order_by(SupplierLedgerEntry.id.desc())
    )
    for entry in entries:
        balance = result.get(entry.supplier_id)
        if balance is None:
            continue
        totals = getattr(balance, entry.status)
        totals[entry.currency] = totals.get(entry.currency, ZERO) + entry.amount
        if len(balance.entries) < entries_per_supplier:
            balance.entries.append(entry)
    waiting = db.session.execute(
        select(SupplierOrder.supplier_id, SupplierOrder.id).where(
            SupplierOrder.shop_id == shop.id,
            SupplierOrder.supplier_paid_at.is_not(None),
            SupplierOrder.supplier_paid_out_at.is_(None),
        )
    )
    for supplier_id, _id in waiting:
        if supplier_id in result:
            result[supplier_id].awaiting_payout += 1
    return list(result.values())
