"""Thin views. Each blueprint module exposes `bp`; register_blueprints wires them in order."""

from __future__ import annotations

import importlib

from flask import Flask

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
    for module_name in BLUEPRINT_MODULES:
        module = importlib.import_module(module_name)
        app.register_blueprint(module.bp)
