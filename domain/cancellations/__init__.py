"""Cancellations: requests made in Relay, by a supplier or in the Shopify admin (`intake`), the
rules and decisions (`lifecycle`, Shopify Collective's rules), and carrying a decision out in
the store (`push`)."""
