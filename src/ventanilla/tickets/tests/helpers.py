"""Small helpers shared by the ticket domain tests (not fixtures: imported explicitly)."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

import pytest

from ventanilla.core.errors import DomainError
from ventanilla.core.models import ChangeLogEntry
from ventanilla.tickets.models import Attachment, Comment, Ticket, TicketLink, TimelineEntry


@contextlib.contextmanager
def refused(code: str, error: type[DomainError] = DomainError) -> Iterator[Any]:
    """Expect a domain refusal with this stable ``code`` and prove nothing was half-written."""
    before = counts()
    with pytest.raises(error) as info:
        yield info
    assert info.value.code == code, f"expected {code!r}, got {info.value.code!r}: {info.value}"
    assert counts() == before, "a refused operation wrote something"


def counts() -> dict[str, int]:
    return {
        model.__name__: model.objects.count()
        for model in (Ticket, Comment, Attachment, TicketLink, TimelineEntry, ChangeLogEntry)
    }


def kinds(ticket: Ticket) -> list[str]:
    return list(TimelineEntry.objects.filter(ticket=ticket).order_by("id").values_list("kind", flat=True))


def fresh(ticket: Ticket) -> Ticket:
    return Ticket.objects.get(pk=ticket.pk)
