"""The only package that speaks to Shopify (OAuth, ID tokens, webhooks, Admin GraphQL)."""
