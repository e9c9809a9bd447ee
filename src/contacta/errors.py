"""Domain errors that entry points turn into clear answers (HTTP 4xx JSON, CLI exit codes)."""

from __future__ import annotations


class DomainError(Exception):
    """A request the domain refuses; `field` names the input at fault (or "" for none)."""

    status_code = 400

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFoundError(DomainError):
    status_code = 404


class ForbiddenError(DomainError):
    status_code = 403


class ConflictError(DomainError):
    status_code = 409
