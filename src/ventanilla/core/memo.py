"""Settings-like rows read on every write (mailboxes, the priority matrix): shared cache plus a copy kept
in the process for a second.

The shared cache makes an edit visible to every process at once; the copy saves the cache round trip
(and the unpickling) that a batch of mail or an import would otherwise pay for each ticket. An edit made
in this process forgets the copy at once; other processes see it within ``ttl`` seconds.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, ClassVar

from django.core.cache import cache


class SharedMemo:
    instances: ClassVar[list[SharedMemo]] = []

    def __init__(self, key: str, load: Callable[[], Any], *, timeout: int = 300, ttl: float = 1.0) -> None:
        self.key, self.load, self.timeout, self.ttl = key, load, timeout, ttl
        self._value: Any = None
        self._at = float("-inf")
        SharedMemo.instances.append(self)

    def get(self) -> Any:
        now = time.monotonic()
        if now - self._at < self.ttl:
            return self._value
        value = cache.get(self.key)
        if value is None:
            value = self.load()
            cache.set(self.key, value, self.timeout)
        self._value, self._at = value, now
        return value

    def forget(self) -> None:
        """After an edit: this process and, through the shared cache, every other one reload."""
        self._value, self._at = None, float("-inf")
        cache.delete(self.key)

    @classmethod
    def forget_local(cls) -> None:
        """Drop every process-local copy (tests, after clearing the cache)."""
        for memo in cls.instances:
            memo._value, memo._at = None, float("-inf")
