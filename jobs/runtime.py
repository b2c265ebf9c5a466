"""One Flask app per worker process, so jobs run with config, db session and app context."""

from __future__ import annotations

import functools

from rq import get_current_job

from integrations.shopify_admin.errors import ShopifyError

_app = None


def app():
    global _app
    if _app is None:
        from app import create_app

        _app = create_app()
    return _app


def set_app(flask_app) -> None:
    global _app
    _app = flask_app


def job(func):
    """Run inside the app context; let only retryable Shopify errors escape (RQ retries them).

    Anything else is a permanent failure for this input: it is logged on the job (visible in
    the failed registry only if it escapes), so we re-raise non-Shopify bugs too — those are
    ours to fix, and a failed job in the registry is how we see them."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with app().app_context():
            from extensions import db

            try:
                return func(*args, **kwargs)
            except ShopifyError as exc:
                db.session.rollback()
                if exc.retryable:
                    raise
                return {"failed": str(exc)}
            except Exception:
                db.session.rollback()
                # A bug or bad data: the same input fails the same way, so skip RQ's retries
                # and land in the failed registry (the failed-jobs page) at once.
                current = get_current_job()
                if current is not None:
                    current.retries_left = 0
                raise
            finally:
                db.session.remove()

    return wrapper
