"""Domain errors carry a message fit to show a merchant."""

from __future__ import annotations


class DomainError(Exception):
    status = 400

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class NotInstalled(DomainError):
    status = 401


class NotFound(DomainError):
    status = 404
