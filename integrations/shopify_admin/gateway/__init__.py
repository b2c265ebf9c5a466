"""Domain verbs ↔ GraphQL operations, one module per area."""
