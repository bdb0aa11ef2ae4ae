"""Who is acting and under which request: read by the change log, set by middleware, tasks and services."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

_actor: ContextVar[Any] = ContextVar("ventanilla_actor", default=None)
_request_id: ContextVar[str] = ContextVar("ventanilla_request_id", default="")


def current_actor() -> Any:
    return _actor.get()


def current_request_id() -> str:
    return _request_id.get()


@contextlib.contextmanager
def acting_as(actor: Any, request_id: str | None = None) -> Iterator[None]:
    """Attribute everything logged inside the block to ``actor`` (and a request id)."""
    token_a = _actor.set(actor if getattr(actor, "is_authenticated", False) else None)
    token_r = _request_id.set(request_id or _request_id.get() or uuid.uuid4().hex)
    try:
        yield
    finally:
        _actor.reset(token_a)
        _request_id.reset(token_r)
