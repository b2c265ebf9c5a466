"""The supplier's own store (channel `store`): Relay places the retailer's order there, the way
Shopify Collective creates the order in the supplier's store."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from integrations.shopify_admin.client import AdminClient
from integrations.shopify_admin.order_shapes import PostalAddress, mailing_address_input


@dataclass(frozen=True)
class PlacedLine:
    sku: str | None
    title: str
    quantity: int
    unit_cost: Decimal | None


def find_order_by_tag(client: AdminClient, tag: str) -> str | None:
    """The gid of an order already placed under this reference tag (a retried job finds it)."""
    nodes = client.execute("OrdersByTag", {"query": f"tag:{tag}"})["orders"]["nodes"]
    return nodes[0]["id"] if nodes else None


def place_order(
    client: AdminClient,
    *,
    reference_tag: str,
    retailer_reference: str,
    lines: list[PlacedLine],
    currency: str,
    shipping_address: PostalAddress | None,
    paid: bool,
) -> str:
    order: dict = {
        "currency": currency,
        "tags": ["relay", reference_tag],
        "poNumber": retailer_reference,
        "note": f"Dropship order {retailer_reference}, placed by Relay. Ship to the address below.",
        "sourceIdentifier": reference_tag,
        "financialStatus": "PAID" if paid else "PENDING",
        "lineItems": [
            {
                "sku": line.sku,
                "title": line.title,
                "quantity": line.quantity,
                **(
                    {
                        "priceSet": {
                            "shopMoney": {"amount": str(line.unit_cost), "currencyCode": currency}
                        }
                    }
                    if line.unit_cost is not None
                    else {}
                ),
            }
            for line in lines
        ],
    }
    if shipping_address is not None:
        order["shippingAddress"] = mailing_address_input(shipping_address)
    payload = client.mutate("SupplierOrderCreate", {"order": order}, "orderCreate")
    return payload["order"]["id"]


def reduce_quantities(
    client: AdminClient, order_gid: str, wanted: dict[str, int], staff_note: str
) -> list[tuple[str, int, int]]:
    """Bring the order's lines down to `wanted` units per SKU with one order edit (begin, set
    each quantity, commit); lines already at or under it are left alone, and nothing is
    committed when none needs changing, so running it again changes nothing. Returns (sku,
    was, now) per line changed. Raises ShopifyUserError when the store refuses (units already
    fulfilled are not editable)."""
    begun = client.mutate("OrderEditBegin", {"id": order_gid}, "orderEditBegin")
    calculated = begun["calculatedOrder"]
    left = dict(wanted)
    changes = []
    for node in calculated["lineItems"]["nodes"]:
        sku = node.get("sku")
        if sku not in left:
            continue
        keep = min(node["quantity"], left[sku])
        left[sku] -= keep
        if keep < node["quantity"]:
            client.mutate(
                "OrderEditSetQuantity",
                {"id": calculated["id"], "lineItemId": node["id"], "quantity": keep},
                "orderEditSetQuantity",
            )
            changes.append((sku, node["quantity"], keep))
    if changes:
        client.mutate(
            "OrderEditCommit", {"id": calculated["id"], "staffNote": staff_note}, "orderEditCommit"
        )
    return changes
