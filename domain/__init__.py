"""Relay's domain: models, state tables, actions. No Flask request objects in here."""
