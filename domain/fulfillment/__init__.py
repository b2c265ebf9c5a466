"""Fulfillment: a paid order reaches the right supplier (after the fraud-hold window), and the
supplier's parcels reach the store and the customer.

requests   Request Fulfillment, hold, release, pay supplier (grid, bulk, auto-place)
incoming   the same requests made with Shopify's own admin button
forwarding the job that sends a supplier order on, through its channel (channels)
shipments  what the supplier reports: accepted, declined, parcels with tracking
tracking_push  the job that turns each parcel into a fulfillment in the store
hooks      reactions to order sync (auto-place, address changed after forwarding)
"""
