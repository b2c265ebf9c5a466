"""The Jobs page's error detail (issue 17): never a database URL, credentials, SQL or its
parameters, whatever SQLAlchemy or psycopg put in the message; Relay's own messages shown in
the admin's language."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from domain.error_text import without_secrets
from jobs.failures import FailedJob, _readable_error

SQLALCHEMY_TRACE = """Traceback (most recent call last):
  File "/app/jobs/sync.py", line 10, in run
    session.execute(text("select 1"))
sqlalchemy.exc.OperationalError: (psycopg.OperationalError) connection failed: connection to \
server at "db.internal" (10.0.0.5), port 5432 failed: FATAL:  password authentication failed \
for user "relay" (postgresql+psycopg://relay:s3cret@db.internal:5432/relay_prod)
[SQL: SELECT orders.id FROM orders WHERE orders.email = %(email)s]
[parameters: {'email': 'anna@example.com'}]
(Background on this error at: https://sqlalche.me/e/20/e3q8)
"""


def test_a_database_url_and_its_credentials_are_hidden():
    name, shown = _readable_error(SQLALCHEMY_TRACE)
    assert name == "OperationalError"
    assert shown.startswith("OperationalError: (psycopg.OperationalError) connection failed")
    for secret in (
        "s3cret",
        "relay:",
        '"relay"',
        "db.internal",
        "10.0.0.5",
        "postgresql",
        "anna@",
        "SQL:",
    ):
        assert secret not in shown


@pytest.mark.parametrize(
    "text",
    [
        "could not connect: redis://:hunter2@cache:6379/0",
        "bad dsn: host=db.internal user=relay password=hunter2 dbname=relay",
        "https://relay:hunter2@example.com/hook failed",
    ],
)
def test_other_connection_strings_are_hidden(text):
    shown = without_secrets(text)
    assert "hunter2" not in shown and "[hidden]" in shown


def test_plain_errors_are_kept():
    assert without_secrets("KeyError: 'sku'") == "KeyError: 'sku'"


@pytest.fixture(scope="module")
def relay_app():
    from app import create_app

    return create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_relays_own_message_in_the_detail_is_translated(relay_app):
    from flask import render_template

    job = FailedJob("j1", "Sync", "Relay hit an error.", "DomainError: Out of stock", None)
    page = SimpleNamespace(notice=None, jobs=[job], set_aside=[], outcome=None)
    with relay_app.test_request_context("/?locale=fr"):
        html = render_template("jobs/_failed_jobs.html", page=page, embedded_query="")
    assert "DomainError: Rupture de stock" in html
