"""The database schema: made, and kept current, by `flask --app app init-db`.

- No tables yet: every table from the models (`create_all`, which also makes the search index
  of domain/models/order_search.py), stamped at the newest migration.
- Tables but no Alembic stamp (made before Relay used Alembic): stamped at the baseline, then
  upgraded, so the revisions after it run.
- Under Alembic: upgraded to the newest revision.
Then `create_all` once more: it only adds what is missing, and fills SQLite's search index on a
database made before that index existed. Safe to run on every start.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import Float, Numeric, inspect

from domain.models.order_search import FTS_TABLE
from extensions import db

ROOT = Path(__file__).resolve().parent
BASELINE = "0001"


def include_in_migrations(obj, name, type_, reflected, compare_to, *, dialect: str) -> bool:
    """What autogenerate compares: not what order_search.py makes by hand (SQLite's FTS5 table
    and its shadow tables), nor an index declared for another engine (`.ddl_if(dialect=...)`,
    like PostgreSQL's trigram index)."""
    if type_ == "table" and name is not None and name.startswith(FTS_TABLE):
        return False
    only_on = getattr(getattr(obj, "_ddl_if", None), "dialect", None)
    return only_on is None or only_on == dialect


def compare_type(context, inspected_column, metadata_column, inspected, metadata) -> bool | None:
    """What autogenerate calls a type change: Alembic's own comparison (None), except a
    Numeric's precision and scale on SQLite, which keeps any number whatever a column declares
    (revision 0003 widens money columns on PostgreSQL only)."""
    decimal = [isinstance(t, Numeric) and not isinstance(t, Float) for t in (inspected, metadata)]
    if context.dialect.name == "sqlite" and all(decimal):
        return False
    return None


def alembic_config(connection=None) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["connection"] = connection
    return config


def current_revision(connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def init_db() -> str:
    """Make or upgrade the schema; says what it did."""
    with db.engine.begin() as connection:
        config = alembic_config(connection)
        revision = current_revision(connection)
        if revision is None and not inspect(connection).get_table_names():
            db.metadata.create_all(connection)
            command.stamp(config, "head")
            return "created"
        if revision is None:
            command.stamp(config, BASELINE)
        command.upgrade(config, "head")
    db.create_all()
    return "upgraded"
