"""Full-text search over tickets, behind one small interface so an external engine can be added later.

Callers pass an already permission-restricted queryset (``restrict(Ticket.objects..., user, "view")``
plus any other filters); search only narrows it further and orders it by relevance, then newest first.

What is searched: the ticket number (``INC-000123``, ``000123``, ``123``), title, description and comments.
Internal notes are searched only for staff-side users: a customer never finds a ticket through the words
of a note, even one on a ticket they may see. Tell the function who searches with ``user=`` (the
request's user); without it the acting user of the request context is used, and with no one known
internal notes are left out (fail closed).

Backends (see :mod:`.schema` and docs/adr/0002-search.md): PostgreSQL full-text search in Spanish and
English plus trigram similarity on titles (typos); SQLite FTS5 with prefix matching of word stems.

Paging: the relevance order suits a first page ("top N") and only ranks the newest ``RANK_WINDOW``
matches. Keyset (cursor) pagination on ``-id`` re-orders by id, which is fine: the match is a filter,
so pages stay consistent and cheap; only the order within the result differs. Pass ``order=False``
when paging by id (no rank is computed then).
"""

from __future__ import annotations

from typing import Any

from django.db import connections
from django.db.models import Case, F, FloatField, Q, QuerySet, Value, When

from ventanilla.core.context import current_actor

from .expressions import TicketMatch, TicketRank
from .query import ParsedQuery, parse, parse_number
from .schema import rebuild

__all__ = ["index_ticket", "parse", "parse_number", "rebuild_index", "search_tickets"]

# Relevance is computed for at most this many matches (the newest); older ones are not ranked.
RANK_WINDOW = 500
# An exact ticket-number hit ranks above any text match.
NUMBER_BONUS = 1000.0
# Trigram matching needs a few letters to mean anything, and it is the costliest part of a query.
MIN_FUZZY_LENGTH = 4


def _sees_internal(user: Any) -> bool:
    if user is None:
        user = current_actor()
    return bool(
        user is not None
        and getattr(user, "is_authenticated", False)
        and getattr(user, "is_staff_side", False)
    )


def search_tickets(
    queryset: QuerySet[Any],
    query: str,
    *,
    user: Any = None,
    include_internal: bool | None = None,
    order: bool = True,
) -> QuerySet[Any]:
    """Tickets of ``queryset`` matching ``query`` (number, title, description, comments).

    ``include_internal`` overrides the user-based decision about internal notes. With ``order`` the
    result is sorted by relevance (``search_rank`` annotation) then newest first; without it the
    queryset's own ordering is kept (what keyset pagination needs anyway).
    """
    if not (query or "").strip():
        return queryset
    parsed: ParsedQuery = parse(query)
    if not parsed:
        return queryset.none()  # nothing searchable, e.g. only punctuation
    internal = _sees_internal(user) if include_internal is None else include_internal
    vendor = connections[queryset.db].vendor
    fuzzy = (
        vendor == "postgresql"
        and parsed.number is None
        and sum(len(t) for t in parsed.terms) >= MIN_FUZZY_LENGTH
    )
    condition = Q()
    if parsed.terms:
        condition |= Q(TicketMatch(parsed.terms, internal, fuzzy=fuzzy))
    if parsed.number is not None:
        condition |= Q(pk=parsed.number)
    result = queryset.filter(condition)
    if not order:
        return result
    # Rank only the newest RANK_WINDOW matches: ranking every hit of a common word costs seconds at 1M.
    window = result.order_by("-id").values("pk")[:RANK_WINDOW]
    result = queryset.filter(pk__in=window)
    rank: Any = TicketRank(parsed.terms, internal, fuzzy=fuzzy) if parsed.terms else Value(0.0)
    if parsed.number is not None:
        rank = rank + Case(
            When(pk=parsed.number, then=Value(NUMBER_BONUS)), default=Value(0.0), output_field=FloatField()
        )
    return result.annotate(search_rank=rank).order_by(F("search_rank").desc(), "-id")


def index_ticket(ticket_id: int) -> None:
    """Re-index one ticket now. Database triggers normally do this; for code that bypassed them."""
    from ventanilla.tickets.models import Ticket

    connection = connections[Ticket.objects.db]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT ventanilla_ticket_search_reindex(%s)", [ticket_id])
        elif connection.vendor == "sqlite":
            cursor.execute("DELETE FROM ticket_search_fts WHERE rowid = %s", [ticket_id])
            cursor.execute(
                "INSERT INTO ticket_search_fts (rowid, title, description, comments, notes) "
                "SELECT t.id, t.title, t.description, "
                "coalesce((SELECT group_concat(body, ' ') FROM tickets_comment c "
                "WHERE c.ticket_id = t.id AND c.public), ''), "
                "coalesce((SELECT group_concat(body, ' ') FROM tickets_comment c "
                "WHERE c.ticket_id = t.id AND NOT c.public), '') FROM tickets_ticket t WHERE t.id = %s",
                [ticket_id],
            )


def rebuild_index(using: str = "default") -> None:
    """Recompute the whole index (after a bulk load with triggers disabled, or to repair it)."""
    rebuild(connections[using])
