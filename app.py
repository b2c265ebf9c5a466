"""Relay: route a store's orders to the suppliers who ship them.

`flask --app app run` for development; `gunicorn 'app:create_app()'` in production.
"""

from __future__ import annotations

from flask import Flask

from blueprints import register_blueprints
from blueprints._locale import (
    memoized_gettext,
    requested_locale,
    template_ngettext,
    template_npgettext,
    template_pgettext,
    translated_stored,
    translation_locale,
)
from config import VAR_DIR, apply_secret_policy, load_config
from domain.orders.addresses import address_lines
from extensions import babel, db, htmx


def create_app(test_config: dict | None = None) -> Flask:
    app = Flask(__name__)
    app.config.from_mapping(load_config())
    if test_config:
        app.config.from_mapping(test_config)
    apply_secret_policy(app.config)
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # A database restarted under a running process: a pooled connection it killed is noticed
    # (one round trip on checkout) and replaced, instead of failing the request that got it.
    app.config.setdefault("SQLALCHEMY_ENGINE_OPTIONS", {"pool_pre_ping": True})

    db.init_app(app)
    htmx.init_app(app)
    babel.init_app(app, locale_selector=translation_locale)
    app.jinja_env.globals["get_locale"] = translation_locale
    app.jinja_env.filters["translated"] = translated_stored
    app.jinja_env.filters["address_lines"] = address_lines  # never "None" for a missing part
    app.jinja_env.add_extension("jinja2.ext.loopcontrols")  # {% continue %} in action loops
    app.jinja_env.install_gettext_callables(
        gettext=memoized_gettext,
        ngettext=template_ngettext,
        pgettext=template_pgettext,
        npgettext=template_npgettext,
        newstyle=True,
    )

    import background.after_commit  # noqa: F401  (commit first, enqueue second)
    import domain.models  # noqa: F401  (registers every model on db.metadata)

    register_blueprints(app)

    from domain.money.amounts import format_money

    @app.template_filter("money")
    def money(amount, currency):
        return format_money(amount, currency, requested_locale())

    @app.cli.command("init-db")
    def init_db() -> None:
        """Create the tables, or upgrade them to the newest migration (idempotent)."""
        import schema

        print(f"database {schema.init_db()}")

    @app.cli.command("refresh-shop-setup")
    def refresh_shop_setup() -> None:
        """After a deploy that adds webhook topics or changes the fulfillment service: run
        every installed shop's setup again (idempotent: only what is missing is created)."""
        from domain.shop import installation

        print(f"setup queued for {installation.refresh_every_shop()} shops")

    return app
