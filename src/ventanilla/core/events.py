"""Domain events: services emit them after commit; subscribers (notifications, webhooks, SLA) react.

Subscribers must be quick: anything slow enqueues a Celery task or writes an outbox row.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from django.db import transaction

logger = logging.getLogger(__name__)
Handler = Callable[[str, dict[str, Any]], None]
_subscribers: dict[str, list[Handler]] = defaultdict(list)


def subscribe(event: str) -> Callable[[Handler], Handler]:
    def decorator(handler: Handler) -> Handler:
        _subscribers[event].append(handler)
        return handler

    return decorator


def emit(event: str, **payload: Any) -> None:
    """Deliver ``event`` to subscribers once the surrounding transaction commits (never on rollback)."""

    def deliver() -> None:
        for handler in [*_subscribers.get(event, ()), *_subscribers.get("*", ())]:
            try:
                handler(event, payload)
            except Exception:  # one broken subscriber must not break the others or the request
                logger.exception("event subscriber %r failed for %s", handler, event)

    transaction.on_commit(deliver)
