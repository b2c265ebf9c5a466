"""Webhooks: a delivery from Shopify, verified at the boundary (integrations/shopify_admin/
webhooks.py), is stored once per X-Shopify-Webhook-Id and queued (`intake`); a job runs the
handlers the topic table names (`topics`); one that cannot succeed however often it is retried
is set aside for the merchant (`parking`)."""
