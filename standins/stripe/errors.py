"""Stripe's error bodies, as the official SDKs parse them: {"error": {type, code, message,
param, ...}} with the HTTP status that picks the SDK's exception class."""

from __future__ import annotations

from localstripe.errors import UserError


def stripe_error(
    status: int,
    message: str,
    *,
    code: str | None = None,
    error_type: str = "invalid_request_error",
    **extra,
) -> UserError:
    contents = {"message": message, **extra}
    if code:
        contents["code"] = code
    error = UserError(status, message, contents)
    error.body["error"]["type"] = error_type
    return error


def resource_missing(kind: str, object_id: str, *, param: str | None = None) -> UserError:
    """Stripe answers 404 for an object in the URL, 400 for one named in a parameter."""
    status = 400 if param else 404
    extra = {"param": param} if param else {}
    return stripe_error(status, f"No such {kind}: '{object_id}'", code="resource_missing", **extra)


def account_invalid(account_id: str) -> UserError:
    return stripe_error(
        403,
        "The provided key does not have access to account "
        f"'{account_id}' (or that account does not exist). "
        "Application access may have been revoked.",
        code="account_invalid",
    )
