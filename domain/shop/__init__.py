"""Shop & installation: OAuth install and token exchange, access tokens (refresh, encryption at
rest), uninstall, the shop's Relay settings, and the GDPR/CCPA compliance requests (their
webhooks, with app/uninstalled, in `lifecycle_webhooks`)."""
