"""devstore's routes, one blueprint per part of what it serves (devstore.server assembles them):

- admin_api: the Admin GraphQL API and bulk operation result files
- oauth: authorization-code grant, token exchange, access scopes
- admin: the store admin's pages (orders, an order, fulfillment-order actions)
- admin_fulfill: the admin's "Fulfill items" page (quantities per line, tracking)
- apps: embedded apps in the admin, the install hit, App Bridge's stand-in
- control, control_orders, control_apps: the /_devstore JSON routes the CLI and tests drive
"""
