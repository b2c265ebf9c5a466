"""Thin views. Each blueprint module exposes `bp`; register_blueprints imports and registers
each one, in order (as Flask's tutorial does), and answers a refusal no view answered."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

MAX_ROW_ID = 2**31 - 1  # the id columns are INTEGER: a larger id names no row


class RowIdConverter(IntegerConverter):
    """`<int:...>` in Relay's routes: an id past the INTEGER range is a 404, not a database
    error (PostgreSQL refuses to compare an int4 column with it)."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ROW_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


def register_blueprints(app: Flask) -> None:
    from blueprints import (
        assets,
        auth,
        cancellations,
        embedded,
        fulfillment,
        health,
        jobs_status,
        ledger,
        mail_log,
        messages,
        notifications,
        orders,
        payment_methods,
        payment_webhooks,
        payments,
        portal,
        portal_messages,  # noqa: F401  (adds its routes to the portal blueprint)
        portal_notifications,  # noqa: F401  (its routes are the portal's)
        refunds,
        settings,
        suppliers,
        webhooks,
    )
    from blueprints._render import refusal_page
    from domain.errors import DomainError

    app.url_map.converters["int"] = RowIdConverter
    for module in (
        assets,  # first: its after_request (compression) runs last
        health,
        auth,
        embedded,
        webhooks,
        payment_webhooks,
        orders,
        fulfillment,
        payments,
        payment_methods,
        refunds,
        messages,
        ledger,
        suppliers,
        settings,
        jobs_status,
        notifications,
        mail_log,
        portal,
        cancellations,
    ):
        app.register_blueprint(module.bp)
    app.register_error_handler(DomainError, refusal_page)
