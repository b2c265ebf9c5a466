"""`flask --app app init-db` makes the schema and keeps it current with Alembic: a new database
gets every table and the newest stamp; one made before Relay used Alembic is stamped and
upgraded with its rows kept; running it again changes nothing; and the models match what it
made on both engines, so `alembic revision --autogenerate` writes only what someone changed."""

from __future__ import annotations

from functools import partial

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import inspect, text

import schema
from domain.models.shop import Shop
from tests.conftest import fresh_postgres_database


@pytest.fixture(params=[pytest.param("postgresql", marks=pytest.mark.postgresql), "sqlite"])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'relay.sqlite3'}"
        return
    with fresh_postgres_database() as url:
        yield url


@pytest.fixture
def fresh_app(empty_database):
    """Relay on the empty database; its connections closed before the database is dropped."""
    from app import create_app
    from extensions import db

    fresh = create_app({"SQLALCHEMY_DATABASE_URI": empty_database, "TESTING": True})
    yield fresh
    with fresh.app_context():
        db.session.remove()
        db.engine.dispose()


def shop_domains(app) -> list[str]:
    from extensions import db

    with app.app_context():
        return list(db.session.scalars(text("SELECT domain FROM shops")))


def head() -> str:
    return ScriptDirectory.from_config(schema.alembic_config()).get_current_head()


def revision_and_tables(app) -> tuple[str | None, set[str]]:
    from extensions import db

    with app.app_context(), db.engine.connect() as connection:
        return schema.current_revision(connection), set(inspect(connection).get_table_names())


def init_db(app) -> str:
    result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    return result.output.strip()


def test_a_new_database_gets_every_table_and_the_newest_stamp_and_a_rerun_changes_nothing(
    fresh_app,
):
    from extensions import db

    assert init_db(fresh_app) == "database created"
    revision, tables = revision_and_tables(fresh_app)
    assert revision == head()
    assert {t.name for t in db.metadata.sorted_tables} <= tables

    with fresh_app.app_context():
        db.session.add(Shop(domain="kept.myshopify.com"))
        db.session.commit()
    assert init_db(fresh_app) == "database upgraded"
    assert revision_and_tables(fresh_app) == (revision, tables)
    assert shop_domains(fresh_app) == ["kept.myshopify.com"]


def test_a_database_made_before_alembic_is_stamped_and_keeps_its_rows(fresh_app):
    from extensions import db

    with fresh_app.app_context():
        db.create_all()  # what init-db did before Relay used Alembic
        db.session.add(Shop(domain="old.myshopify.com"))
        db.session.commit()
    assert revision_and_tables(fresh_app)[0] is None

    assert init_db(fresh_app) == "database upgraded"
    assert revision_and_tables(fresh_app)[0] == head()
    assert shop_domains(fresh_app) == ["old.myshopify.com"]


def test_the_models_match_the_schema_init_db_made(fresh_app):
    from extensions import db

    init_db(fresh_app)
    with fresh_app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "include_object": partial(
                    schema.include_in_migrations, dialect=connection.dialect.name
                ),
                "compare_type": True,
            },
        )
        assert compare_metadata(context, db.metadata) == []
        assert context.dialect.name in ("postgresql", "sqlite")
