"""Errors the service layer raises; the API maps each to an HTTP status."""

from __future__ import annotations

from backorder.domain.errors import DomainError


class NotFoundError(DomainError):
    """The thing asked for does not exist (HTTP 404)."""


class ConflictError(DomainError):
    """The request conflicts with what is stored, e.g. a duplicate id (HTTP 409)."""


class InvalidInputError(DomainError):
    """A field of the request is not acceptable (HTTP 422); `field` names it."""

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        super().__init__(f"{field}: {message}")
