"""What can go wrong talking to Shopify, typed so jobs know what to retry."""

from __future__ import annotations


class ShopifyError(Exception):
    """Base class; `retryable` tells the job layer whether trying again can help."""

    retryable = False


class ShopifyTransportError(ShopifyError):
    """Network failure, timeout or 5xx: try again later."""

    retryable = True


class ShopifyThrottled(ShopifyError):
    """The cost bucket stayed empty longer than we were willing to wait."""

    retryable = True

    def __init__(self, message: str, retry_after: float = 1.0):
        super().__init__(message)
        self.retry_after = retry_after


class ShopifyAuthError(ShopifyError):
    """401/403: the token is invalid, expired or revoked (e.g. the app was uninstalled)."""


class ShopifyGraphQLError(ShopifyError):
    """Top-level GraphQL errors (invalid document, unknown id): a bug or bad data, not load."""

    def __init__(self, message: str, errors: list[dict]):
        super().__init__(message)
        self.errors = errors


class ShopifyRecordGone(ShopifyGraphQLError):
    """The record asked for is not in the store (deleted there, or never existed)."""

    def __init__(self, message: str):
        super().__init__(message, [])


class ShopifyUserError(ShopifyError):
    """A mutation's userErrors: Shopify refused the change; show it, don't retry."""

    def __init__(self, user_errors: list[dict]):
        self.user_errors = user_errors
        super().__init__("; ".join(e.get("message", "") for e in user_errors))


class OAuthFailure(ShopifyError):
    """The token endpoint refused a grant (bad code, invalid subject token, bad refresh)."""

    def __init__(self, error: str, description: str = ""):
        super().__init__(f"{error}: {description}" if description else error)
        self.error = error
