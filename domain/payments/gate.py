"""Whether a supplier order must be paid through Relay before it is sent (the seeds: "once the
payment is done, the supplier receives your order"). Pure reads: the forward job asks it."""

from __future__ import annotations

from domain.models.orders import Supplier, SupplierOrder
from domain.payments import terms

ON_RELAY = ("store", "portal")


def takes_payment_through_relay(supplier: Supplier | None) -> bool:
    """An auto-order supplier with at least one way to be paid through Relay now. Manual
    suppliers are paid on their own website; others are paid outside Relay ("Mark paid")."""
    return supplier is not None and bool(terms.methods_available(supplier))


def must_pay_first(supplier_order: SupplierOrder) -> bool:
    """Not sent until paid: the supplier takes payment through Relay, or pays automatically
    (pay_mode auto moves money for real, so without a way to pay it cannot be sent unpaid)."""
    supplier = supplier_order.supplier
    if supplier is None or supplier_order.supplier_paid_at is not None:
        return False
    return takes_payment_through_relay(supplier) or (
        supplier.pays_automatically and supplier.channel in ON_RELAY
    )
