"""Thin views. Each blueprint module exposes `bp`; register_blueprints wires them in order."""

from __future__ import annotations

import importlib

from flask import Flask
from werkzeug.routing import IntegerConverter

MAX_ROW_ID = 2**31 - 1  # the id columns are INTEGER: a larger id names no row


class RowIdConverter(IntegerConverter):
    """`<int:...>` in Relay's routes: an id past the INTEGER range is a 404, not a database
    error (PostgreSQL refuses to compare an int4 column with it)."""

    def __init__(self, map, fixed_digits=0, min=None, max=MAX_ROW_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max, signed=signed)


# Modules are added here as capabilities land; a missing one is a programming error.
BLUEPRINT_MODULES = [
    "blueprints.health",
    "blueprints.auth",
    "blueprints.embedded",
    "blueprints.webhooks",
    "blueprints.orders",
    "blueprints.fulfillment",
    "blueprints.refunds",
    "blueprints.ledger",
    "blueprints.suppliers",
    "blueprints.settings",
    "blueprints.jobs_status",
    "blueprints.portal",
    "blueprints.cancellations",
]


def register_blueprints(app: Flask) -> None:
    app.url_map.converters["int"] = RowIdConverter
    for module_name in BLUEPRINT_MODULES:
        module = importlib.import_module(module_name)
        app.register_blueprint(module.bp)
