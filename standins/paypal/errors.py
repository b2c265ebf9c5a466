"""PayPal's error bodies: name, message, debug_id, details[].issue and an information link."""

# ruff: noqa: E501 (PayPal's messages, verbatim)
from __future__ import annotations

import secrets

NAMES = {
    400: ("INVALID_REQUEST", "Request is not well-formed, syntactically incorrect, or violates schema."),
    401: ("AUTHENTICATION_FAILURE", "Authentication failed due to invalid authentication credentials or a missing Authorization header."),
    403: ("NOT_AUTHORIZED", "Authorization failed due to insufficient permissions."),
    404: ("RESOURCE_NOT_FOUND", "The specified resource does not exist."),
    422: ("UNPROCESSABLE_ENTITY", "The requested action could not be performed, semantically incorrect, or failed business validation."),
}  # fmt: skip


class PayPalError(Exception):
    """Raised by a handler; rendered as PayPal renders its errors."""

    def __init__(self, status: int, issue: str, description: str, field: str | None = None):
        super().__init__(issue)
        self.status, self.issue, self.description, self.field = status, issue, description, field

    def body(self, api: str = "orders/v2") -> dict:
        name, message = NAMES.get(self.status, ("INTERNAL_SERVER_ERROR", "An internal error."))
        detail = {"issue": self.issue, "description": self.description}
        if self.field:
            detail["field"] = self.field
        return {
            "name": name,
            "message": message,
            "debug_id": secrets.token_hex(7),
            "details": [detail],
            "links": [
                {
                    "href": f"https://developer.paypal.com/docs/api/{api}/#error-{self.issue}",
                    "rel": "information_link",
                    "method": "GET",
                }
            ],
        }


def unprocessable(issue: str, description: str, field: str | None = None) -> PayPalError:
    return PayPalError(422, issue, description, field)


def invalid(issue: str, description: str, field: str | None = None) -> PayPalError:
    return PayPalError(400, issue, description, field)
