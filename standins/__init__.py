"""Stand-ins of third-party services for development and tests (never imported by the app)."""
