"""Relay's domain: what an order, a supplier order, a refund is, and the actions that change them.
No Flask request objects and no HTTP in here; Shopify is reached only through `integrations/`.

Grouped by capability (each package's docstring says what lives there):

    shop/           install, access tokens, settings, GDPR requests
    webhooks/       Shopify's deliveries: verified, stored once, processed by topic
    orders/         the store's orders mirrored (sync, webhooks), the grid, routing, timeline
    fulfillment/    supplier orders: request, hold, forward, answers, parcels, tracking
    cancellations/  cancellation requests, both ways, and their push to the store
    money/          refunds, supplier payouts, amounts per currency
    suppliers/      suppliers, SKU mappings, the supplier portal
    models/         the tables (one schema, shared by every capability)

Beside them, what every capability uses: `states` (the transition tables: the only place a
status changes), `errors`, `clock`, `validation`, `crypto`.
"""
