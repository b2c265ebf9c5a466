"""Two payments, two badges that never read alike (issue 15): the customer's payment to the
store (Shopify's financial status, "Customer: …") and the merchant's payment to the supplier
("Supplier: …"). A bare "Awaiting payment" left a dropshipper guessing which one was meant.

Which supplier parts count as "Supplier: not paid" (the grid's filter, its count and the
row's badge agree on it, see `relay_pays`):
- the supplier is an auto-order one (channel store or portal): Relay can pay it; a manual
  supplier is paid on its own website, so the row does not nag about it (its drawer card
  still says whether it was marked paid);
- the part is payable (states.PAYABLE: the merchant decided to order from it, until it is
  over) and supplier_paid_at is not set. A part whose last payment failed is not paid either:
  it shows "Payment failed" with the reason instead.
"""

from __future__ import annotations

from flask_babel import gettext
from sqlalchemy import select

from domain import states
from domain.models.orders import Supplier, SupplierOrder
from domain.orders.timeline import N_

# Shopify's displayFinancialStatus -> (label, Polaris tone).
CUSTOMER_PAYMENT = {
    "PENDING": (N_("Customer: payment pending"), "attention"),
    "AUTHORIZED": (N_("Customer: authorized"), "info"),
    "PARTIALLY_PAID": (N_("Customer: partially paid"), "attention"),
    "PAID": (N_("Customer: paid"), "success"),
    "PARTIALLY_REFUNDED": (N_("Customer: partially refunded"), "neutral"),
    "REFUNDED": (N_("Customer: refunded"), "neutral"),
    "VOIDED": (N_("Customer: payment voided"), "critical"),
    "EXPIRED": (N_("Customer: payment expired"), "critical"),
}
# The row stays quiet about the customer's payment when it is settled.
CUSTOMER_PAYMENT_QUIET = ("PAID", "PARTIALLY_REFUNDED")

# supplier_payment() -> (label, Polaris tone).
SUPPLIER_PAYMENT = {
    "not_paid": (N_("Supplier: not paid"), "attention"),
    "paid": (N_("Supplier: paid"), "success"),
    "failed": (N_("Payment failed"), "critical"),
}
NOT_PAID = "not_paid"


def customer_payment(financial_status: str | None) -> tuple[str, str]:
    """(translated label, tone) of the customer's payment, e.g. "Customer: payment pending"."""
    status = (financial_status or "PENDING").upper()
    if status in CUSTOMER_PAYMENT:
        label, tone = CUSTOMER_PAYMENT[status]
        return gettext(label), tone
    words = status.replace("_", " ").lower()
    return gettext("Customer: %(status)s", status=words), "attention"


def relay_pays(supplier) -> bool:
    """Whether Relay pays this supplier (an auto-order one); manual suppliers are paid on their
    own website."""
    return supplier is not None and supplier.auto_order


def supplier_payment(supplier_order, *, relay_pays_only: bool = False) -> str | None:
    """ "paid", "failed", "not_paid", or None where the supplier's payment is not shown (no
        supplier; not payable and never paid; with relay_pays_only, a manual supplier). A part paid
    is "paid" whatever its status."""
    supplier = supplier_order.supplier
    if supplier is None or (relay_pays_only and not relay_pays(supplier)):
        return None
    if supplier_order.supplier_paid_at is not None:
        # Paid stays paid, also once cancelled: the money trail survives (what the supplier
        # owes back for a cancelled part is a ledger entry, domain.money.cancelled_parts).
        return "paid"
    if supplier_order.status not in states.PAYABLE:
        return None
    return "failed" if supplier_order.payment_failure else NOT_PAID


def supplier_payment_badge(supplier_order, *, relay_pays_only: bool = False) -> dict | None:
    """What the template shows: {"state", "label", "tone", "reason"}, or None."""
    state = supplier_payment(supplier_order, relay_pays_only=relay_pays_only)
    if state is None:
        return None
    label, tone = SUPPLIER_PAYMENT[state]
    reason = supplier_order.payment_failure if state == "failed" else None
    return {"state": state, "label": gettext(label), "tone": tone, "reason": reason}


def supplier_not_paid_conditions(shop_id: int) -> list:
    """The "Supplier: not paid" parts (payment_badges.supplier_payment's not_paid and failed,
    relay_pays_only) in SQL. The suppliers Relay pays come from a subquery on the shop's few
    suppliers, so the supplier orders are found on ix_supplier_orders_shop_supplier (shop,
    supplier, status) with no extra round trip."""
    relay_paid = select(Supplier.id).where(
        Supplier.shop_id == shop_id, Supplier.channel != "manual"
    )
    return [
        # Also inside the grid's EXISTS (correlated on the order): the shop leads the index.
        SupplierOrder.shop_id == shop_id,
        SupplierOrder.supplier_id.in_(relay_paid),
        SupplierOrder.status.in_(states.PAYABLE),
        SupplierOrder.supplier_paid_at.is_(None),
    ]
