"""`flask --app app init-db` makes the schema and keeps it current with Alembic: a new database
gets every table and the newest stamp; one made before Relay used Alembic is stamped and
upgraded with its rows kept; running it again changes nothing; and the models match what it
made on both engines, so `alembic revision --autogenerate` writes only what someone changed.
Money made with two decimals gets a third (revision 0003) and keeps its amounts."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from functools import partial

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Numeric, inspect, select, text

import schema
from domain.models.orders import Order
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


def model_differences(app) -> list:
    """What `alembic revision --autogenerate` would write against this database."""
    from extensions import db

    with app.app_context(), db.engine.connect() as connection:
        context = MigrationContext.configure(
            connection,
            opts={
                "include_object": partial(
                    schema.include_in_migrations, dialect=connection.dialect.name
                ),
                "compare_type": schema.compare_type,
            },
        )
        assert context.dialect.name in ("postgresql", "sqlite")
        return compare_metadata(context, db.metadata)


def test_the_models_match_the_schema_init_db_made(fresh_app):
    init_db(fresh_app)
    assert model_differences(fresh_app) == []


MONEY_BEFORE_0003 = (
    ("orders", "total"),
    ("line_items", "unit_price"),
    ("variant_mappings", "cost"),
)


@contextmanager
def money_with_two_decimals():
    """The models as they were before revision 0003: three money columns were Numeric(14, 2)."""
    from extensions import db

    columns = [db.metadata.tables[table].c[name] for table, name in MONEY_BEFORE_0003]
    types = [column.type for column in columns]
    for column in columns:
        column.type = Numeric(14, 2)
    try:
        yield
    finally:
        for column, type_ in zip(columns, types, strict=True):
            column.type = type_


def add_order(app, gid: str, total: Decimal) -> None:
    from extensions import db

    with app.app_context():
        shop = db.session.scalar(select(Shop).where(Shop.domain == "kwd.myshopify.com"))
        if shop is None:
            shop = Shop(domain="kwd.myshopify.com")
            db.session.add(shop)
            db.session.flush()
        now = datetime.now(UTC)
        db.session.add(
            Order(
                shop_id=shop.id,
                shopify_gid=gid,
                name=gid.rsplit("/", 1)[1],
                created_at=now,
                shopify_updated_at=now,
                financial_status="PAID",
                store_status="UNFULFILLED",
                currency="KWD",
                total=total,
            )
        )
        db.session.commit()


def order_totals(app) -> dict[str, Decimal]:
    from extensions import db

    with app.app_context():
        return dict(db.session.execute(select(Order.shopify_gid, Order.total)).all())


def test_money_made_with_two_decimals_gets_a_third_and_keeps_its_amounts(fresh_app):
    from extensions import db

    with fresh_app.app_context():
        with money_with_two_decimals():
            db.create_all()
        with db.engine.begin() as connection:
            command.stamp(schema.alembic_config(connection), "0002")
    add_order(fresh_app, "gid://shopify/Order/1", Decimal("12.34"))

    assert init_db(fresh_app) == "database upgraded"
    assert revision_and_tables(fresh_app)[0] == head()
    assert model_differences(fresh_app) == []
    add_order(fresh_app, "gid://shopify/Order/2", Decimal("12.345"))
    assert order_totals(fresh_app) == {
        "gid://shopify/Order/1": Decimal("12.34"),
        "gid://shopify/Order/2": Decimal("12.345"),
    }
    assert init_db(fresh_app) == "database upgraded"  # again: nothing left to change
    assert model_differences(fresh_app) == []


SORTS_BEFORE_0011 = {"created": "created_at", "name": "name", "total": "total"}


def test_a_database_at_0010_gets_the_covering_sort_indexes_and_matches_the_models(fresh_app):
    """Revision 0011 (issue 18): the grid's sort indexes carry the search text and filters."""
    from extensions import db

    init_db(fresh_app)
    with fresh_app.app_context(), db.engine.begin() as connection:
        for short, column in SORTS_BEFORE_0011.items():  # the indexes 0010's models declared
            connection.execute(text(f"DROP INDEX ix_orders_shop_{short}_q"))
            connection.execute(
                text(f"CREATE INDEX ix_orders_shop_{short} ON orders (shop_id, {column}, id)")
            )
        connection.execute(text("UPDATE alembic_version SET version_num = '0010'"))
    assert model_differences(fresh_app) != []  # the test starts from the old indexes

    assert init_db(fresh_app) == "database upgraded"
    assert revision_and_tables(fresh_app)[0] == head()
    with fresh_app.app_context(), db.engine.connect() as connection:
        names = {index["name"] for index in inspect(connection).get_indexes("orders")}
    assert {f"ix_orders_shop_{short}_q" for short in SORTS_BEFORE_0011} <= names
    assert not {f"ix_orders_shop_{short}" for short in SORTS_BEFORE_0011} & names
    assert model_differences(fresh_app) == []
