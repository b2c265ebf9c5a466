"""A stand-in of PayPal's REST API (OAuth, Orders v2, Payments v2, Vault v3, webhooks) for
development and tests: answers what the official `paypal-server-sdk` sends and parses, with
PayPal's status codes and error names. A separate process; it never imports the app.
See docs/paypal-standin.md."""
