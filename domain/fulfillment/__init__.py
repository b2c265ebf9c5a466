"""Fulfillment: a paid order reaches the right supplier (after the fraud-hold window), and the
supplier's parcels reach the store and the customer.

requesting     Request Fulfillment, hold, release, pay supplier (grid, bulk, auto-place)
actions        the merchant's buttons, offered only when the transition tables allow them
incoming       the same requests made with Shopify's own admin button
forwarding     the job that sends a supplier order on, through its channel (`channels`)
fulfillment_orders  the store's fulfillment orders holding a supplier order's items
shipments      what the supplier reports: accepted, declined, parcels with tracking
supplier_store_events  the same, reported by a supplier's own Shopify store
tracking_push  the job that turns each parcel into a fulfillment in the store
packing_slips  the supplier's view of the items, and the packing slip
recovery       re-enqueue what a lost job left half-done
hooks          reactions to order sync (auto-place, address changed after forwarding)
schedules      scheduled deliveries (subscriptions, pre-orders): only what is due is sent
schedule_events  a delivery Shopify opens or reschedules: forwarded, or sent on its own
store_holds    holds placed in Shopify (reason, notes), followed and released in Relay
"""
