"""Full-text search over tickets, behind one small interface so an external engine can be added later.

Callers pass an already permission-restricted queryset; search only narrows it further.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet


def search_tickets(queryset: QuerySet[Any], query: str) -> QuerySet[Any]:
    """Tickets of ``queryset`` matching ``query`` (number, title, description, comments)."""
    query = (query or "").strip()
    if not query:
        return queryset
    from ventanilla.tickets.models import Ticket

    pk = Ticket.pk_from_number(query)
    if pk is not None:
        return queryset.filter(pk=pk)
    return queryset.filter(
        Q(title__icontains=query) | Q(description__icontains=query) | Q(comments__body__icontains=query)
    ).distinct()
