"""One event told to one side: its board entry always, and its mail when there is someone to
mail (an address, the side's setting on) and a template. Both are written in the event's unit
of work with the same event key, so a replayed event tells nobody twice."""

from __future__ import annotations

from domain.models.notices import OutboundMail
from domain.models.orders import SupplierOrder
from domain.models.shop import Shop
from domain.notices import board, mail
from domain.notices.recipients import Recipient


def tell(
    shop: Shop,
    *,
    board_recipient: str,
    event_key: str,
    kind: str,
    message: str,
    params: dict,
    supplier_order: SupplierOrder | None = None,
    to: Recipient | None = None,
    template: str | None = None,
    context: dict | None = None,
    reply_to: str | None = None,
) -> OutboundMail | None:
    order_id = supplier_order.order_id if supplier_order is not None else None
    board.post(
        shop.id,
        recipient=board_recipient,
        event_key=event_key,
        kind=kind,
        message=message,
        params=params,
        order_id=order_id,
        supplier_order_id=supplier_order.id if supplier_order is not None else None,
    )
    if to is None or template is None:
        return None
    return mail.queue_mail(
        shop,
        event_key=event_key,
        kind=kind,
        to=to,
        template=template,
        context=context or {},
        reply_to=reply_to,
        order_id=order_id,
    )
