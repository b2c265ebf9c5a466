"""GraphQL views over devstore documents: root query and mutation fields.

A view is a dict keyed by GraphQL field name; values are data or callables (info, **args).
Fields absent from a view answer "not emulated by devstore" (see graphql_api).

- common: the request Context, Relay-style connections, money.
- views/: one module per resource (orders, fulfillment, shop), each turning documents into views.
- root: the root query fields, and the mutation fields (mutations/) beside them.
- mutations/: one module per resource; mutations/__init__ turns UserError into userErrors.
"""
