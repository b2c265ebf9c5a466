"""Webhooks: a delivery from Shopify is verified, stored once per X-Shopify-Webhook-Id and
queued (`intake`); a job processes it through the topic table (`topics`); one that cannot
succeed however often it is retried is set aside for the merchant (`parking`)."""
