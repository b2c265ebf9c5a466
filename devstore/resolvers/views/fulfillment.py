"""Views of fulfillment orders (with their holds and merchant requests), fulfillments and
fulfillment services."""

from __future__ import annotations

from devstore.commerce import app_id, gid
from devstore.resolvers.common import Context, connection

# Module, not names: order views point back at the fulfillment views.
from devstore.resolvers.views import locations, orders


def _supported_actions(status: str, request_status: str) -> list[dict]:
    supported = []
    if status == "OPEN" and request_status in ("UNSUBMITTED", "REJECTED"):
        supported = ["REQUEST_FULFILLMENT", "HOLD", "MOVE"]
    elif request_status == "SUBMITTED":
        supported = ["CANCEL_FULFILLMENT_ORDER"]
    elif status == "IN_PROGRESS" and request_status in ("ACCEPTED", "CANCELLATION_REJECTED"):
        supported = ["REQUEST_CANCELLATION", "CREATE_FULFILLMENT"]
    elif status == "ON_HOLD":
        supported = ["RELEASE_HOLD"]
    elif status == "SCHEDULED":
        supported = ["MARK_AS_OPEN", "HOLD", "MOVE"]
    return [{"action": a, "externalUrl": None} for a in supported]


def hold_view(ctx: Context, hold: dict) -> dict:
    return {
        "__typename": "FulfillmentHold",
        "id": gid("FulfillmentHold", hold["id"]),
        "reason": hold["reason"],
        "reasonNotes": hold.get("reason_notes"),
        "handle": hold.get("handle"),
        "displayReason": hold["reason"].replace("_", " ").title(),
        "heldByRequestingApp": hold.get("client_id") == ctx.client_id,
        "heldByApp": _app_view(ctx, hold.get("client_id")),
    }


def _app_view(ctx: Context, client_id: str | None) -> dict | None:
    """The app that placed a hold (null for the merchant's own, placed in the admin)."""
    app = ctx.store.get("app", client_id) if client_id else None
    if app is None:
        return None
    return {
        "__typename": "App",
        "id": gid("App", app_id(client_id)),
        "title": app["name"],
        "apiKey": client_id,
        "handle": "-".join(app["name"].lower().split()),
    }


def _destination(order: dict) -> dict | None:
    address = orders.address_view(order.get("shipping_address"))
    return address and {
        **{
            k: v
            for k, v in address.items()
            if k not in ("name", "formatted", "countryCodeV2", "provinceCode")
        },
        "__typename": "FulfillmentOrderDestination",
        "email": order.get("email"),
        "countryCode": order["shipping_address"].get("country_code"),
    }


def _assigned_location(fo: dict, location: dict) -> dict:
    return {
        "__typename": "FulfillmentOrderAssignedLocation",
        "name": location.get("name"),
        "location": {
            "__typename": "Location",
            "id": gid("Location", fo["location_id"]),
            "name": location.get("name"),
        },
    }


def _delivery_method_view(fo: dict) -> dict:
    """Shipped unless the order was placed for pickup or local delivery."""
    method = fo.get("delivery_method") or {"method_type": "SHIPPING", "presented_name": None}
    if isinstance(method, str):  # "NONE": lines that need no shipping (commerce.line_kinds)
        method = {"method_type": method, "presented_name": None}
    return {
        "__typename": "DeliveryMethod",
        "id": gid("DeliveryMethod", fo["id"]),
        "methodType": method["method_type"],
        "presentedName": method["presented_name"],
        "minDeliveryDateTime": None,
        "maxDeliveryDateTime": None,
        "serviceCode": None,
        "sourceReference": None,
        "additionalInformation": None,
        "brandedPromise": None,
    }


def _merchant_request_view(request: dict) -> dict:
    return {
        "__typename": "FulfillmentOrderMerchantRequest",
        "id": gid("FulfillmentOrderMerchantRequest", request["id"]),
        "kind": request["kind"],
        "message": request.get("message"),
        "requestOptions": request.get("request_options"),
        "responseData": None,
        "sentAt": request["sent_at"],
    }


def _fo_connections(ctx: Context, fo: dict, order: dict) -> dict:
    items = {i["id"]: i for i in order["line_items"]}
    return {
        "lineItems": lambda info, **args: connection(
            fo["line_items"],
            lambda li: {
                "__typename": "FulfillmentOrderLineItem",
                "id": gid("FulfillmentOrderLineItem", li["id"]),
                "totalQuantity": li["total_quantity"],
                "remainingQuantity": li["remaining_quantity"],
                "sku": items[li["line_item_id"]]["sku"],
                "productTitle": items[li["line_item_id"]]["title"],
                "requiresShipping": items[li["line_item_id"]]["requires_shipping"],
                "lineItem": orders.line_item_view(ctx, order, items[li["line_item_id"]]),
            },
            **args,
        ),
        "locationsForMove": lambda info, **args: locations.locations_for_move(
            ctx, fo, order, **args
        ),
        "merchantRequests": lambda info, **args: connection(
            [
                r
                for r in fo["merchant_requests"]
                if not args.get("kind") or r["kind"] == args.get("kind")
            ],
            _merchant_request_view,
            **args,
        ),
    }


def fulfillment_order_view(ctx: Context, fo: dict) -> dict:
    order = ctx.store.get("order", fo["order_id"])
    location = ctx.store.get("location", fo["location_id"]) or {}
    return {
        "__typename": "FulfillmentOrder",
        "id": gid("FulfillmentOrder", fo["id"]),
        "status": fo["status"],
        "requestStatus": fo["request_status"],
        "createdAt": fo["created_at"],
        "updatedAt": fo["updated_at"],
        "fulfillAt": fo.get("fulfill_at"),
        "deliveryMethod": _delivery_method_view(fo),
        "orderId": gid("Order", fo["order_id"]),
        "orderName": order["name"],
        "order": lambda info, **a: orders.order_view(ctx, order),
        "assignedLocation": _assigned_location(fo, location),
        "destination": _destination(order),
        "supportedActions": _supported_actions(fo["status"], fo["request_status"]),
        "fulfillmentHolds": [hold_view(ctx, h) for h in fo["holds"]],
        **_fo_connections(ctx, fo, order),
    }


def _tracking_info(tracking: dict) -> list[dict]:
    if not any(tracking.values()):
        return []
    return [
        {
            "__typename": "FulfillmentTrackingInfo",
            "company": tracking.get("company"),
            "number": tracking.get("number"),
            "url": tracking.get("url"),
        }
    ]


def fulfillment_view(ctx: Context, doc: dict) -> dict:
    order = ctx.store.get("order", doc["order_id"])
    items = {i["id"]: i for i in order["line_items"]}
    tracking = doc.get("tracking") or {}
    return {
        "__typename": "Fulfillment",
        "id": gid("Fulfillment", doc["id"]),
        "name": doc["name"],
        "status": doc["status"],
        "createdAt": doc["created_at"],
        "updatedAt": doc["updated_at"],
        "totalQuantity": sum(li["quantity"] for li in doc["line_items"]),
        "trackingInfo": lambda info, **args: _tracking_info(tracking),
        "order": lambda info, **a: orders.order_view(ctx, order),
        "fulfillmentLineItems": lambda info, **args: connection(
            doc["line_items"],
            lambda fl: {
                "__typename": "FulfillmentLineItem",
                "id": gid("FulfillmentLineItem", fl["fulfillment_order_line_item_id"]),
                "quantity": fl["quantity"],
                "lineItem": orders.line_item_view(ctx, order, items[fl["line_item_id"]]),
            },
            key=lambda fl: fl["fulfillment_order_line_item_id"],
            **args,
        ),
    }


def fulfillment_service_view(ctx: Context, fs: dict) -> dict:
    return {
        "__typename": "FulfillmentService",
        "id": gid("FulfillmentService", fs["id"]),
        "serviceName": fs["name"],
        "handle": fs["handle"],
        "callbackUrl": fs.get("callback_url"),
        "trackingSupport": fs["tracking_support"],
        "inventoryManagement": fs["inventory_management"],
        "requiresShippingMethod": False,
        "type": "THIRD_PARTY",
        "location": {
            "__typename": "Location",
            "id": gid("Location", fs["location_id"]),
            "name": fs["name"],
        },
    }
