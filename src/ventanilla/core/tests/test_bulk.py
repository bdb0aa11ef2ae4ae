"""core.bulk: many rows in one statement, with the same values Django's own writes would store."""

from __future__ import annotations

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ventanilla.core.bulk import append_rows, bulk_update
from ventanilla.core.models import ChangeAction, ChangeLogEntry
from ventanilla.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def _entries(n: int) -> list[ChangeLogEntry]:
    kind = ContentType.objects.get_for_model(Ticket)
    return [
        ChangeLogEntry(
            action=ChangeAction.UPDATE,
            content_type=kind,
            object_id=str(i),
            object_repr=f"tab\there, new\nline, back\\slash, quote ' and ñ {i}",
            before={"status": "new", "list": [1, None, "x"]} if i % 2 else None,
            after={"status": "assigned", "when": "2026-11-29T10:00:00+00:00", "nested": {"a": i}},
        )
        for i in range(n)
    ]


def test_append_rows_stores_what_bulk_create_stores_in_one_statement():
    written = _entries(5)
    with CaptureQueriesContext(connection) as queries:
        append_rows(ChangeLogEntry, written)
    assert len(queries.captured_queries) == 1  # counted like any statement, COPY included
    by_object = {e.object_id: e for e in ChangeLogEntry.objects.all()}
    assert sorted(by_object) == [str(i) for i in range(5)]
    for i, original in enumerate(written):
        stored = by_object[str(i)]
        assert stored.object_repr == original.object_repr  # tabs, newlines and backslashes survive COPY
        assert stored.before == original.before  # JSON null vs SQL NULL kept apart
        assert stored.after == original.after
        assert abs(stored.created_at - timezone.now()) < datetime.timedelta(minutes=1)  # auto_now_add


def test_append_rows_with_one_row_or_none():
    append_rows(ChangeLogEntry, [])
    append_rows(ChangeLogEntry, _entries(1))
    assert ChangeLogEntry.objects.count() == 1


def test_bulk_update_writes_each_row_its_own_values(personas):
    from ventanilla.testing.factories import make_ticket

    tickets = [make_ticket(personas.customer_a, title=f"T{i}") for i in range(3)]
    for i, ticket in enumerate(tickets):
        ticket.title = f"renamed {i} 'quoted'"
    with CaptureQueriesContext(connection) as queries:
        bulk_update(Ticket, tickets, ["title"])
    if connection.vendor == "postgresql":
        assert len(queries.captured_queries) == 1
    assert [t.title for t in Ticket.objects.filter(pk__in=[t.pk for t in tickets]).order_by("pk")] == [
        f"renamed {i} 'quoted'" for i in range(3)
    ]
