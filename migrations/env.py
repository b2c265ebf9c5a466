"""Alembic environment: Relay's models and database, from the app's own config.

Used by `flask --app app init-db` (schema.py) and by the alembic CLI
(`alembic revision --autogenerate -m "..."`, `alembic upgrade head`).
"""

from __future__ import annotations

from functools import partial

from alembic import context

from schema import compare_type, include_in_migrations


def _run(connection) -> None:
    from extensions import db

    context.configure(
        connection=connection,
        target_metadata=db.metadata,
        include_object=partial(include_in_migrations, dialect=connection.dialect.name),
        render_as_batch=connection.dialect.name == "sqlite",  # SQLite alters by copying
        compare_type=compare_type,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_online() -> None:
    connection = context.config.attributes.get("connection")
    if connection is not None:  # called from init-db, inside the app
        _run(connection)
        return
    from app import create_app
    from extensions import db

    with create_app().app_context(), db.engine.connect() as connection:
        _run(connection)


if context.is_offline_mode():
    raise SystemExit("Relay's migrations run online: `alembic upgrade head` or `flask init-db`")
run_online()
