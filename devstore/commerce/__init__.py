"""A store's commerce state and the moves Shopify allows on it.

Plain functions over the document store, used by the GraphQL resolvers and by the control
routes alike, so a supplier acting through the devstore CLI and an app calling a mutation go
through the same rules. Fulfillment-order transitions follow Shopify (reference §4.5); an
illegal move raises UserError with Shopify's wording, which resolvers turn into userErrors.

One module per resource (common, shops, orders, fulfillment_orders, fulfillments, refunds,
webhook_subscriptions, seed); this package is their public face: callers, devstore's and
Relay's tests alike, use `commerce.NAME`.
"""

from devstore.commerce import order_edits
from devstore.commerce.common import (
    PLANS,
    NotFound,
    UserError,
    app_id,
    gid,
    money,
    now_iso,
    parse_gid,
)
from devstore.commerce.fo_moves import (
    merge_fulfillment_orders,
    move_fulfillment_order,
    split_fulfillment_order,
)
from devstore.commerce.fulfillment_orders import (
    SERVICE_RESPONSES,
    accept_cancellation_request,
    accept_fulfillment_request,
    cancel_fulfillment_order,
    fulfillment_orders_of,
    get_fulfillment_order,
    reject_cancellation_request,
    reject_fulfillment_request,
    submit_cancellation_request,
    submit_fulfillment_request,
)
from devstore.commerce.fulfillments import (
    create_fulfillment,
    fulfill_fulfillment_order,
    fulfillments_of,
    update_tracking,
)
from devstore.commerce.holds import hold_fulfillment_order, release_hold
from devstore.commerce.orders import (
    DEFAULT_ADDRESS,
    cancel_order,
    create_order,
    delete_order,
    get_order,
    list_orders,
    mark_paid,
    order_shop,
    update_order,
)
from devstore.commerce.refunds import create_refund, refundable_amount, suggest_refund
from devstore.commerce.schedules import (
    advance_clock,
    open_fulfillment_order,
    reschedule_fulfillment_order,
)
from devstore.commerce.seed import seed_orders
from devstore.commerce.shops import (
    SAMPLE_PRODUCTS,
    add_location,
    create_fulfillment_service,
    create_variant,
    ensure_shop,
    fulfillment_services_of,
    locations_of,
    stock_skus_at,
    stocked_locations,
    update_fulfillment_service,
    variant_by_sku,
)
from devstore.commerce.webhook_subscriptions import (
    create_webhook_subscription,
    delete_webhook_subscription,
)

__all__ = [
    "DEFAULT_ADDRESS",
    "PLANS",
    "SAMPLE_PRODUCTS",
    "SERVICE_RESPONSES",
    "NotFound",
    "UserError",
    "accept_cancellation_request",
    "accept_fulfillment_request",
    "add_location",
    "advance_clock",
    "app_id",
    "cancel_fulfillment_order",
    "cancel_order",
    "delete_order",
    "create_fulfillment",
    "fulfill_fulfillment_order",
    "create_fulfillment_service",
    "update_fulfillment_service",
    "create_order",
    "create_refund",
    "create_variant",
    "create_webhook_subscription",
    "delete_webhook_subscription",
    "ensure_shop",
    "fulfillment_orders_of",
    "fulfillment_services_of",
    "fulfillments_of",
    "get_fulfillment_order",
    "get_order",
    "gid",
    "hold_fulfillment_order",
    "list_orders",
    "locations_of",
    "mark_paid",
    "merge_fulfillment_orders",
    "money",
    "move_fulfillment_order",
    "now_iso",
    "order_edits",
    "open_fulfillment_order",
    "order_shop",
    "parse_gid",
    "refundable_amount",
    "suggest_refund",
    "reject_cancellation_request",
    "reject_fulfillment_request",
    "release_hold",
    "reschedule_fulfillment_order",
    "seed_orders",
    "split_fulfillment_order",
    "stock_skus_at",
    "stocked_locations",
    "submit_cancellation_request",
    "submit_fulfillment_request",
    "update_order",
    "update_tracking",
    "variant_by_sku",
]
