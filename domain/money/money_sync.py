"""An order's money read from Shopify when Relay lacks it: the GraphQL order pages have no
query cost left for per-line lists (discount allocations, tax lines, presentment prices), so
an order that came by backfill or sweep rather than by its orders/* webhooks (which carry
them) gets them here, once, before a refund is checked against them."""

from __future__ import annotations

import logging

from flask_babel import gettext as _
from sqlalchemy import select

from domain.errors import StoreUnreachable, WrongState
from domain.models.orders import Order
from domain.shop import tokens
from domain.transaction import unit_of_work
from extensions import db
from integrations.shopify_admin.errors import ShopifyError, ShopifyRecordGone
from integrations.shopify_admin.gateway import order_money as order_money_gateway

log = logging.getLogger("relay.refunds")


def lacks_money(order: Order) -> bool:
    return (
        order.presentment_currency is None
        or order.shipping_total is None
        or any(line.discounted_total is None for line in order.line_items)
    )


def ensure_money(shop, order: Order) -> None:
    """Read and store the order's money when some of it is missing (Shopify first, then one
    unit of work). Raises StoreUnreachable when Shopify cannot be asked."""
    if not lacks_money(order):
        return
    try:
        money = order_money_gateway.order_money(tokens.admin_client(shop), order.shopify_gid)
    except ShopifyRecordGone:
        # Deleted in the admin (or never there): retrying cannot help, so say so (409, not 503).
        raise WrongState(_("This order is no longer in Shopify; nothing was refunded.")) from None
    except ShopifyError as exc:
        log.warning("money of order %s: %s", order.id, exc)
        raise StoreUnreachable(
            _("Shopify could not be reached; nothing was refunded. Try again in a moment.")
        ) from None
    _store(shop, order.id, money)
    db.session.refresh(order)


@unit_of_work
def _store(shop, order_id: int, money: order_money_gateway.OrderMoney) -> None:
    order = db.session.scalar(
        select(Order).where(Order.id == order_id, Order.shop_id == shop.id).with_for_update()
    )
    if order is None:
        return
    for key in (
        "presentment_currency",
        "taxes_included",
        "presentment_total",
        "shipping_total",
        "presentment_shipping_total",
    ):
        value = getattr(money, key)
        if value is not None:
            setattr(order, key, value)
    lines = {line.shopify_gid: line for line in order.line_items}
    for line_money in money.lines:
        row = lines.get(line_money.gid)
        if row is None:
            continue
        for key in order_money_gateway.LINE_KEYS:
            value = getattr(line_money, key)
            if value is not None:
                setattr(row, key, value)
