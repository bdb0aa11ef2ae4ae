"""Full-text search over tickets, behind one small interface so an external engine can be added later.

Callers pass an already permission-restricted queryset (``restrict(Ticket.objects..., user, "view")``
plus any other filters); search only narrows it further and orders it by relevance, then newest first.

What is searched: the ticket number (``INC-000123``, ``000123``, ``123``), title, description and comments.
Internal notes are searched only for staff-side users: a customer never finds a ticket through the words
of a note, even one on a ticket they may see. Tell the function who searches with ``user=`` (the
request's user); without it the acting user of the request context is used, and with no one known
internal notes are left out (fail closed).

Backends (see :mod:`.schema` and docs/adr/0002-search.md): PostgreSQL full-text search in Spanish and
English; when the words match nothing (typos), unknown words are also read as their closest words of a
dictionary of title words (pg_trgm). SQLite FTS5 with prefix matching of word stems.

Plans (PostgreSQL, 1M tickets; docs/development/performance.md): one EXPLAIN (planning only, ≈ 2 ms)
estimates how many tickets of the caller's queryset match. A selective match is *fenced*
(``pk = ANY(ARRAY(SELECT id FROM <caller's queryset> WHERE <match>))``, see :class:`.expressions.IdFence`),
so it is always found through the indexes, whatever the planner guesses; common words are left to
PostgreSQL's newest-first walk of the ids, which meets a page of matches soon — or, in a page newest first
whose walk would be long, to a look at the newest ids only (:class:`.expressions.NewestWindow`: one more
query, ``max(id)``). The fence is built from
the queryset the caller passed, i.e. after ``restrict()``: the ids in it are the caller's. When the
planner would build a bitmap of a big restriction (an agent's teams) to AND with a few thousand matches,
the fence takes *candidates first*: the caller's queryset narrowed to the ids that match among all
tickets, so the restriction is tested on those rows only.

Paging: the relevance order suits a first page ("top N") and only ranks the newest ``RANK_WINDOW``
matches (``COMMON_RANK_WINDOW`` for common words). Keyset (cursor) pagination on ``-id`` re-orders by
id, which is fine: the match is a filter, so pages stay consistent and cheap; only the order within the
result differs. Pass ``order=False`` when paging by id (no rank is computed then).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Case, F, FloatField, Max, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL

from ventanilla.core.context import current_actor

from .expressions import (
    IdFence,
    NewestOrAll,
    NewestWindow,
    TestedAfter,
    TicketMatch,
    TicketRank,
    TitleSimilar,
    TypoMatch,
    movable_where,
)
from .query import ParsedQuery, parse, parse_number
from .schema import SEARCH_INDEXES, rebuild

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
# PostgreSQL, selective matches: when the planner means to AND the match's bitmap with a bigger bitmap of
# the caller's restriction (an agent's team: 150k tickets at 1M, 30-70 ms to build), look the match up
# among all tickets first and apply the restriction to those ids only, if it expects at most this many.
CANDIDATE_MAX_ESTIMATE = 10_000
# Typo fallback: at most this many matches of the corrected words, newest first...
FUZZY_WINDOW = 50
# ... looked for first among the newest this many tickets when the words are likely common (a bounded walk:
# 25k rows ≈ 25 ms at worst; the newest 50 of a word in 1 of 500 visible tickets lie within ≈ 13k).
FUZZY_RECENT_IDS = 25_000
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
    # One EXPLAIN: the visible matches; for typos also how many titles are close to the query and how
    # many tickets the caller's queryset holds (how big its restriction is). That last one is planned
    # with a LIMIT (its estimate is read below the Limit node): planned whole, a branch of 150k+ rows
    # makes PostgreSQL weigh parallel plans for the UNION and costs 3 ms more planning at 1M tickets.
    extra = [similar, queryset.order_by().values("pk")[:1]] if similar is not None else []
    estimates = plan_estimates(matches, *extra)
    if estimates[0].rows > FENCE_MAX_ESTIMATE:
        # Common words: a page of them lies among the newest tickets. No typo fallback: the words did
        # match. Pages newest first look in a window of the newest ids first (NewestWindow), else walk.
        common = _newest_first(queryset, parsed, internal, estimates[0].rows)
        if not order:
            return queryset.filter(common)
        return _newest_ranked(queryset, queryset.filter(common), parsed, internal, COMMON_RANK_WINDOW)
    # Selective: fence the match (see IdFence), built from the caller's restricted, filtered queryset;
    # the outer query keeps the caller's filters too, so the fence can only narrow them. Typos are looked
    # for only when the words match nothing the user may see (a second InitPlan, run only then): the
    # words are read with their closest title words (TypoMatch), the newest FUZZY_WINDOW such matches.
    # Many titles close to the query: first a walk of the newest FUZZY_RECENT_IDS ids; else, or when
    # that walk finds fewer, a bitmap of all of them.
    fallback: Any = None
    if fuzzy:
        typo = TypoMatch(parsed.terms, internal)
        if estimates[2].rows > CANDIDATE_MAX_ESTIMATE:
            # A big restriction (an agent's teams): candidates first, as for the words below.
            fallback = queryset.filter(IdFence(_all_tickets(queryset).filter(typo)))
        else:
            fallback = queryset.filter(typo)
        if estimates[1].rows > FENCE_MAX_ESTIMATE:
            table = queryset.model._meta.db_table  # a model constant, not input
            floor = RawSQL(f"(SELECT max(id) FROM {table}) - %s", [FUZZY_RECENT_IDS])  # noqa: S608, S611
            # The typo test after the restriction's (``last``): only tickets the user sees pay for it.
            per_row = TypoMatch(parsed.terms, internal, last=True)
            fallback = NewestOrAll(queryset.filter(per_row, pk__gt=floor), fallback, FUZZY_WINDOW)
    if estimates[0].candidates_first:
        # Candidates first: the restriction is tested on the rows that match among all tickets only,
        # instead of being built as a bitmap over every ticket it allows. Where the caller's WHERE can
        # move (an agent's teams: plain columns), it is a filter of the rows the text bitmap fetches
        # anyway (TestedAfter: one heap visit per candidate); else (a customer's watcher subquery) the
        # caller's queryset narrowed to the matching ids (an InitPlan of text indexes only, then a
        # primary-key probe per candidate). Either way the ids that can come out of the fence pass the
        # caller's conditions, and the outer query applies them again.
        text = _text_condition(parsed, internal)
        if movable_where(queryset.query):
            matches = _all_tickets(queryset).filter(text, TestedAfter(queryset.query.where))
        else:
            matches = queryset.filter(IdFence(_all_tickets(queryset).filter(text)))
    fenced = queryset.filter(IdFence(matches, fallback=fallback, window=RANK_WINDOW if order else None))
    return _ranked(fenced, parsed, internal, fuzzy) if order else fenced


def _all_tickets(queryset: QuerySet[Any]) -> QuerySet[Any]:
    """Every ticket, unrestricted: only ever used inside a fence of the caller's queryset (candidates)."""
    return queryset.model._base_manager.using(queryset.db).all()


def _newest_first(queryset: QuerySet[Any], parsed: ParsedQuery, internal: bool, estimate: float) -> Q:
    """The match of common words, for pages newest first: see :class:`.expressions.NewestWindow`."""
    indexed = _text_condition(parsed, internal)
    # The test after the restriction's (``last``) for the walk: only visible tickets pay for it.
    walked = _text_condition(parsed, internal, last=True)
    newest_id = _all_tickets(queryset).aggregate(newest=Max("pk"))["newest"]
    if not newest_id:
        return walked
    return Q(NewestWindow(indexed, walked, newest_id=newest_id, density=estimate / newest_id))


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
    if connections[queryset.db].vendor == "postgresql":
        # ``id = ANY(ARRAY(…))`` rather than ``id IN (…)``: planned as a semi-join, the window's rows were
        # joined to their requester by a sequential scan of the users per row (``printers`` by
        # relevance at 1M: 50 × 1,000 users, 5 ms of a 12 ms query); as an array, by primary key.
        return _ranked(queryset.filter(IdFence(newest)), parsed, internal, fuzzy=False)
    return _ranked(queryset.filter(pk__in=newest), parsed, internal, fuzzy=False)


def _ranked(result: QuerySet[Any], parsed: ParsedQuery, internal: bool, fuzzy: bool) -> QuerySet[Any]:
    rank: Any = TicketRank(parsed.terms, internal, fuzzy=fuzzy) if parsed.terms else Value(0.0)
    if parsed.number is not None:
        rank = rank + Case(
            When(pk=parsed.number, then=Value(NUMBER_BONUS)), default=Value(0.0), output_field=FloatField()
        )
    return result.annotate(search_rank=rank).order_by(F("search_rank").desc(), "-id")


@dataclass(frozen=True)
class PlanEstimate:
    """What PostgreSQL's planner expects of one queryset (see :func:`plan_estimates`)."""

    rows: float
    # (match rows, other rows) when the plan ANDs the text indexes' bitmap with another index's bitmap.
    intersection: tuple[float, float] | None = None

    @property
    def candidates_first(self) -> bool:
        """Cheaper to test the restriction on the matching tickets than to build its bitmap.

        The planner over-estimates multi-word matches (2.5-8x: each word's Spanish and English stems
        are counted as independent), so it often prefers the restriction's bitmap where reading the
        few hundred matching rows would be cheaper. It is asked no more than this: that plan shape,
        with a bounded match and a restriction bigger than the match.
        """
        if self.intersection is None:
            return False
        text, other = self.intersection
        return text <= CANDIDATE_MAX_ESTIMATE and other > text


def plan_estimates(*querysets: QuerySet[Any]) -> list[PlanEstimate]:
    """PostgreSQL's plans for each queryset: one EXPLAIN (planning only, nothing executed).

    A sliced queryset (``values("pk")[:n]``) is planned with its LIMIT, and its estimate is the rows
    below the LIMIT: the size of a big queryset, without the planning a big UNION branch costs.
    """
    parts = [qs if qs.query.is_sliced else qs.order_by().values("pk") for qs in querysets]
    combined = parts[0].union(*parts[1:], all=True).order_by() if len(parts) > 1 else parts[0]
    try:
        sql, params = combined.query.sql_with_params()
    except EmptyResultSet:
        return [PlanEstimate(0.0)] * len(parts)
    with connections[combined.db].cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    root = (json.loads(plan) if isinstance(plan, str) else plan)[0]["Plan"]
    children = root.get("Plans", []) if root.get("Node Type") == "Append" else []
    if len(parts) > 1 and len(children) == len(parts):
        return [_plan_estimate(child) for child in children]
    return [_plan_estimate(root)] * len(parts)


def estimated_rows(*querysets: QuerySet[Any]) -> list[float]:
    """PostgreSQL's estimates of how many rows each queryset returns: one EXPLAIN, nothing executed."""
    return [estimate.rows for estimate in plan_estimates(*querysets)]


def _plan_estimate(plan: dict[str, Any]) -> PlanEstimate:
    if plan.get("Node Type") == "Limit" and plan.get("Plans"):
        plan = plan["Plans"][0]  # a sliced queryset: the rows it would hold without its LIMIT
    intersection = None
    for node in _nodes(plan):
        if node.get("Node Type") != "BitmapAnd":
            continue
        text = [c["Plan Rows"] for c in node.get("Plans", []) if _uses_index(c, SEARCH_INDEXES)]
        other = [c["Plan Rows"] for c in node.get("Plans", []) if not _uses_index(c, SEARCH_INDEXES)]
        if text and other:
            intersection = (float(min(text)), float(min(other)))
    return PlanEstimate(float(plan["Plan Rows"]), intersection)


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


def _uses_index(plan: dict[str, Any], names: frozenset[str]) -> bool:
    return any(node.get("Index Name") in names for node in _nodes(plan))


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
