"""Domain errors carry a stable machine-readable code and a human message (translated)."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A refused operation. ``code`` is stable API contract; ``message`` is for people."""

    code = "invalid"
    http_status = 400

    def __init__(self, message: Any, *, code: str | None = None, field: str | None = None, **extra: Any):
        super().__init__(str(message))
        self.message = message
        if code:
            self.code = code
        self.field = field
        self.extra = extra


class ValidationFailed(DomainError):
    code = "invalid"
    http_status = 400


class Conflict(DomainError):
    """The object is not in a state that allows the operation (illegal transition, lost race...)."""

    code = "conflict"
    http_status = 409


class NotPermitted(DomainError):
    code = "permission_denied"
    http_status = 403


class NotFound(DomainError):
    code = "not_found"
    http_status = 404
