"""devstore's HTTP face: what Shopify serves under https://{shop}, an admin shell, the App
Bridge stand-in, and /_devstore control routes. See docs/devstore-contract.md.

The routes live in devstore/routes/, one blueprint per part; this module assembles them."""

from __future__ import annotations

from flask import Flask

from devstore import bulk
from devstore.auth import Settings
from devstore.delivery import Sender
from devstore.routes import (
    admin,
    admin_api,
    admin_fulfill,
    apps,
    control,
    control_apps,
    control_fo,
    control_orders,
    oauth,
)
from devstore.store import Store

BLUEPRINTS = (
    oauth.bp,
    admin_api.bp,
    admin.bp,
    admin_fulfill.bp,
    apps.bp,
    control.bp,
    control_orders.bp,
    control_fo.bp,
    control_apps.bp,
)


def create_app(
    store: Store, settings: Settings | None = None, *, start_sender: bool = True
) -> Flask:
    app = Flask(__name__)
    settings = settings or Settings()
    app.config["DEVSTORE_STORE"] = store
    app.config["DEVSTORE_SETTINGS"] = settings
    if start_sender:
        app.config["DEVSTORE_SENDER"] = Sender(store, settings).start()
        app.config["DEVSTORE_BULK_RUNNER"] = bulk.Runner(store, settings).start()
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    return app
