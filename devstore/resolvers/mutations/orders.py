"""Order mutations: orderCreate, orderUpdate and orderCancel."""

from __future__ import annotations

from functools import partial

from devstore import commerce
from devstore.commerce import gid, parse_gid
from devstore.resolvers.common import Context
from devstore.resolvers.views.orders import order_view


def _address(address: dict) -> dict:
    """A MailingAddressInput as devstore stores an address."""
    return {
        "first_name": address.get("firstName"),
        "last_name": address.get("lastName"),
        "company": address.get("company"),
        "address1": address.get("address1"),
        "address2": address.get("address2"),
        "city": address.get("city"),
        "province": address.get("province"),
        "province_code": address.get("provinceCode"),
        "zip": address.get("zip"),
        "country": address.get("country"),
        "country_code": address.get("countryCode"),
        "phone": address.get("phone"),
    }


def _line_item(line: dict) -> dict:
    return {
        "variant_id": parse_gid(line["variantId"], "ProductVariant")
        if line.get("variantId")
        else None,
        "sku": line.get("sku"),
        "quantity": line["quantity"],
        "title": line.get("title"),
        "vendor": line.get("vendor"),
        "price": (line.get("priceSet") or {}).get("shopMoney", {}).get("amount"),
        # requiresShipping is not read: the schema defaults it to false, so an omitted one
        # cannot be told from an explicit false, and orderCreate's lines have always shipped.
        "gift_card": line.get("giftCard"),
    }


def create(ctx, order, options=None):
    address = order.get("shippingAddress") or None
    if address:
        address = _address(address)
    upsert = (order.get("customer") or {}).get("toUpsert") or {}
    status = (order.get("financialStatus") or "PENDING").lower()
    doc = commerce.create_order(
        ctx.store,
        ctx.shop,
        line_items=[_line_item(li) for li in order.get("lineItems") or []],
        customer={
            "first_name": upsert.get("firstName") or (address or {}).get("first_name"),
            "last_name": upsert.get("lastName") or (address or {}).get("last_name"),
            "email": order.get("email") or upsert.get("email"),
        },
        shipping_address=address,
        currency=order.get("currency"),
        financial_status="paid" if status == "paid" else "pending",
        note=order.get("note"),
        tags=order.get("tags"),
        po_number=order.get("poNumber"),
        source_name=order.get("sourceName") or "relay",
        app_client_id=ctx.client_id,
        test=bool(order.get("test")),
    )
    return {"order": order_view(ctx, doc), "userErrors": []}


def _updated_address(address: dict) -> dict:
    # orderUpdate, unlike orderCreate, takes the country code for a missing country name.
    return {**_address(address), "country": address.get("country") or address.get("countryCode")}


def update(ctx, input):
    address = input.get("shippingAddress")
    doc = commerce.update_order(
        ctx.store,
        ctx.shop,
        parse_gid(input["id"], "Order"),
        shipping_address=address and _updated_address(address),
        note=input.get("note"),
        tags=input.get("tags"),
    )
    return {"order": order_view(ctx, doc), "userErrors": []}


def cancel(
    ctx,
    orderId,
    reason,
    restock,
    refund=None,
    refundMethod=None,
    notifyCustomer=None,
    staffNote=None,
):
    wants_refund = bool(refund) or bool((refundMethod or {}).get("originalPaymentMethodsRefund"))
    result = commerce.cancel_order(
        ctx.store,
        ctx.shop,
        parse_gid(orderId, "Order"),
        reason=reason,
        restock=restock,
        refund=wants_refund,
        notify_customer=bool(notifyCustomer),
        staff_note=staffNote,
    )
    return {
        "job": {"__typename": "Job", "id": gid("Job", result["job_id"]), "done": True},
        "orderCancelUserErrors": [],
        "userErrors": [],
    }


def fields(ctx: Context) -> dict:
    return {
        "orderCancel": partial(cancel, ctx),
        "orderCreate": partial(create, ctx),
        "orderUpdate": partial(update, ctx),
    }
