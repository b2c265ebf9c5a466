"""Cancellations: requests made in Relay, by a supplier or in the Shopify admin (`intake`), what
can be cancelled and the merchant's choices (`rules`), the decisions by Shopify Collective's
rules (`lifecycle`), and carrying a decision out in the store (`push`)."""
