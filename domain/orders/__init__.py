"""Orders & sync: the store's orders mirrored into Relay (bulk backfill, sweeps, order webhooks),
split per supplier by SKU (`routing`, `rerouting`), shown in the grid with its counts, and each
order's timeline. Shipping-address changes live here too, and what the merchant changes in
Shopify after a part was sent (`store_changes`: fulfilled, cancelled, deleted)."""
