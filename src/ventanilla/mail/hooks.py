"""The ticket services call these, one line each, inside their transaction (ARCHITECTURE §3.5, §3.7).

So a notification's outbox row commits together with the change it reports, or not at all.
"""

from __future__ import annotations

from typing import Any


def tickets_created(tickets: list[Any], *, actor: Any) -> None:
    from .outbound import on_tickets_created

    on_tickets_created(tickets, actor=actor)


def comments_added(items: list[tuple[Any, Any]]) -> None:
    from .outbound import on_comments_added

    on_comments_added([(ticket, comment, None) for ticket, comment in items])


def status_changed(ticket: Any, *, old: str, new: str, actor: Any) -> None:
    from .outbound import on_status_changed

    on_status_changed(ticket, old=old, new=new, actor=actor)
