"""Stand-ins for the payment services Relay talks to, each run as a separate process in
development and tests. They never import the app (import-linter checks it)."""
