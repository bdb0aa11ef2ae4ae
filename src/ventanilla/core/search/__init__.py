"""Full-text search over tickets, behind one small interface so an external engine can be added later.

Callers pass an already permission-restricted queryset (``restrict(Ticket.objects..., user, "view")``
plus any other filters); search only narrows it further and orders it by relevance, then newest first.

What is searched: the ticket number (``INC-000123``, ``000123``, ``123``), title, description and comments.
Internal notes are searched only for staff-side users: a customer never finds a ticket through the words
of a note, even one on a ticket they may see. Tell the function who searches with ``user=`` (the
request's user); without it the acting user of the request context is used, and with no one known
internal notes are left out (fail closed).

Backends (see :mod:`.schema` and docs/adr/0002-search.md): PostgreSQL full-text search in Spanish and
English, with trigram similarity on titles when the words match nothing (typos); SQLite FTS5 with
prefix matching of word stems.

Plans (PostgreSQL, 1M tickets; docs/development/performance.md): one EXPLAIN (planning only, ≈ 2 ms)
estimates how many tickets of the caller's queryset match. A selective match is *fenced*
(``pk = ANY(ARRAY(SELECT id FROM <caller's queryset> WHERE <match>))``, see :class:`.expressions.IdFence`),
so it is always found through the indexes, whatever the planner guesses; common words are left to
PostgreSQL's newest-first walk of the ids, which meets a page of matches soon. The fence is built from
the queryset the caller passed, i.e. after ``restrict()``: never from all tickets.

Paging: the relevance order suits a first page ("top N") and only ranks the newest ``RANK_WINDOW``
matches (``COMMON_RANK_WINDOW`` for common words). Keyset (cursor) pagination on ``-id`` re-orders by
id, which is fine: the match is a filter, so pages stay consistent and cheap; only the order within the
result differs. Pass ``order=False`` when paging by id (no rank is computed then).
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Case, F, FloatField, Q, QuerySet, Value, When

from ventanilla.core.context import current_actor

from .expressions import IdFence, TicketMatch, TicketRank, TitleSimilar
from .query import ParsedQuery, parse, parse_number
from .schema import rebuild

__all__ = ["index_ticket", "parse", "parse_number", "rebuild_index", "search_tickets"]

# Relevance is computed for at most this many matches (the newest); older ones are not ranked.
RANK_WINDOW = 500
# An exact ticket-number hit ranks above any text match.
NUMBER_BONUS = 1000.0
# Trigram matching needs a few letters to mean anything, and it is the costliest part of a query.
MIN_FUZZY_LENGTH = 4
# PostgreSQL: fence the match when the planner expects at most this many visible matches; above it the
# words are common and walking the ids newest first meets a page of matches within a few thousand rows.
FENCE_MAX_ESTIMATE = 2000
# Typo fallback: at most this many close titles, newest first.
FUZZY_WINDOW = 50
# Relevance for common words ranks only this many newest matches (found by that walk: cost ∝ window).
COMMON_RANK_WINDOW = 50


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
    if queryset.query.is_empty():
        return queryset
    matches = queryset.filter(_text_condition(parsed, internal))
    if connections[queryset.db].vendor != "postgresql":
        return _newest_ranked(queryset, matches, parsed, internal, RANK_WINDOW) if order else matches
    fuzzy = parsed.number is None and sum(len(t) for t in parsed.terms) >= MIN_FUZZY_LENGTH
    similar = queryset.filter(TitleSimilar(parsed.terms, internal)) if fuzzy else None
    estimates = estimated_rows(matches, *([similar] if similar is not None else []))
    if estimates[0] > FENCE_MAX_ESTIMATE:
        # Common words: walking the ids newest first meets a page of matches within a few thousand rows,
        # and the planner does that on its own. No typo fallback: the words did match.
        if not order:
            return matches
        walked = queryset.filter(_text_condition(parsed, internal, last=True))
        return _newest_ranked(queryset, walked, parsed, internal, COMMON_RANK_WINDOW)
    # Selective: fence the match (see IdFence), built from the caller's restricted, filtered queryset;
    # the outer query keeps the caller's filters too, so the fence can only narrow them. Titles close
    # to the query (typos) are looked for only when the words match nothing the user may see: all of
    # them when few, else the newest FUZZY_WINDOW found by walking the ids.
    if similar is not None and estimates[1] > FENCE_MAX_ESTIMATE:
        similar = queryset.filter(TitleSimilar(parsed.terms, internal, last=True)).order_by("-id")
        similar = similar[:FUZZY_WINDOW]
    fenced = queryset.filter(IdFence(matches, fallback=similar, window=RANK_WINDOW if order else None))
    return _ranked(fenced, parsed, internal, fuzzy) if order else fenced


def _text_condition(parsed: ParsedQuery, internal: bool, *, last: bool = False) -> Q:
    condition = Q()
    if parsed.terms:
        condition |= Q(TicketMatch(parsed.terms, internal, fuzzy=False, last=last))
    if parsed.number is not None:
        condition |= Q(pk=parsed.number)
    return condition


def _newest_ranked(
    queryset: QuerySet[Any], matches: QuerySet[Any], parsed: ParsedQuery, internal: bool, window: int
) -> QuerySet[Any]:
    """Relevance among the newest ``window`` matches (ranking every hit of a common word costs seconds)."""
    newest = matches.order_by("-id").values("pk")[:window]
    return _ranked(queryset.filter(pk__in=newest), parsed, internal, fuzzy=False)


def _ranked(result: QuerySet[Any], parsed: ParsedQuery, internal: bool, fuzzy: bool) -> QuerySet[Any]:
    rank: Any = TicketRank(parsed.terms, internal, fuzzy=fuzzy) if parsed.terms else Value(0.0)
    if parsed.number is not None:
        rank = rank + Case(
            When(pk=parsed.number, then=Value(NUMBER_BONUS)), default=Value(0.0), output_field=FloatField()
        )
    return result.annotate(search_rank=rank).order_by(F("search_rank").desc(), "-id")


def estimated_rows(*querysets: QuerySet[Any]) -> list[float]:
    """PostgreSQL's estimates of how many rows each queryset returns: one EXPLAIN, nothing executed."""
    parts = [qs.order_by().values("pk") for qs in querysets]
    combined = parts[0].union(*parts[1:], all=True).order_by() if len(parts) > 1 else parts[0]
    try:
        sql, params = combined.query.sql_with_params()
    except EmptyResultSet:
        return [0.0] * len(parts)
    with connections[combined.db].cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    root = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
    children = root.get("Plans", []) if root.get("Node Type") == "Append" else []
    if len(parts) > 1 and len(children) == len(parts):
        return [float(child["Plan Rows"]) for child in children]
    return [float(root["Plan Rows"])] * len(parts)


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
