"""Paying suppliers through Relay: their payment terms, shipping prices and what a payment costs."""
