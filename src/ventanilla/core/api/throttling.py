"""API throttles on the shared counters of :mod:`ventanilla.core.ratelimit` (rates: ``RATE_LIMITS``).

DRF's own throttles keep a list of timestamps per client and rewrite it on every request (lost updates
between processes, lists as long as the rate); these count atomically instead. A refused request answers
``429 {"code": "throttled", "detail": …}`` with ``Retry-After`` (DRF's ``Throttled`` through our handler).
"""

from __future__ import annotations

from typing import Any

from rest_framework.permissions import SAFE_METHODS
from rest_framework.throttling import BaseThrottle

from ventanilla.core import ratelimit


class _CounterThrottle(BaseThrottle):
    scope = ""

    def __init__(self) -> None:
        self._wait = 0

    def identity(self, request: Any) -> str | None:
        """Whose counter this request adds to; None: this throttle does not apply."""
        raise NotImplementedError

    def allow_request(self, request: Any, view: Any) -> bool:
        identity = self.identity(request)
        if identity is None:
            return True
        self._wait = ratelimit.hit((self.scope, identity), request=request)
        return not self._wait

    def wait(self) -> float | None:
        return float(self._wait) if self._wait else None


def _authenticated(request: Any) -> bool:
    return bool(request.user and request.user.is_authenticated)


class AnonThrottle(_CounterThrottle):
    """Requests without credentials, per client address (``RATE_LIMIT_API_ANON``)."""

    scope = "api-anon"

    def identity(self, request: Any) -> str | None:
        return None if _authenticated(request) else ratelimit.ip_identity(request)


class UserThrottle(_CounterThrottle):
    """Every request of a signed-in user or token, all their tokens together (``RATE_LIMIT_API_USER``)."""

    scope = "api-user"

    def identity(self, request: Any) -> str | None:
        return ratelimit.user_identity(request.user.pk) if _authenticated(request) else None


class WriteThrottle(_CounterThrottle):
    """Writes (POST, PATCH, DELETE) of a user: a runaway script cannot flood the desk with tickets."""

    scope = "api-write"

    def identity(self, request: Any) -> str | None:
        if request.method in SAFE_METHODS or not _authenticated(request):
            return None
        return ratelimit.user_identity(request.user.pk)
