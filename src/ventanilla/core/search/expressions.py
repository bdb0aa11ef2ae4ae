"""Query expressions over the hidden search index, usable in ``filter()``/``annotate()``/``order_by()``.

They reference the ticket table through a resolved ``pk`` column, so they keep working when Django
re-aliases the table (joins, subqueries such as ``pk__in=search_tickets(...)``).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from contextvars import ContextVar
from typing import Any

from django.core.exceptions import FullResultSet
from django.db.models import BooleanField, Expression, F, FloatField, Q, QuerySet, Subquery
from django.db.models.expressions import Col, Ref
from django.db.models.lookups import LessThan, LessThanOrEqual
from django.db.models.sql import Query
from django.db.models.sql.where import AND
from django.utils.tree import Node

from .query import fts5_match, pg_corrected_tsquery, pg_tsquery
from .schema import WALK_INDEX_COLUMNS

# FTS5 columns a customer may search: internal notes are left out.
PUBLIC_COLUMNS = ("title", "description", "comments")
# Trigram similarity (pg_trgm's word_similarity, operator ``<%``) finds titles despite typos.
TRIGRAM_WEIGHT = 0.05
# The ticket row a walk's text test reads (see _SearchExpression._condition).
PROBE_ALIAS = "ventanilla_probe"


class _PostgreSQLOnly(Expression):
    """An expression with SQL for PostgreSQL only (``as_postgresql``); elsewhere it refuses to compile."""

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        raise NotImplementedError(f"{type(self).__name__} is PostgreSQL only, not {connection.vendor}")


class _SearchExpression(Expression):
    def __init__(
        self,
        terms: tuple[str, ...],
        include_internal: bool,
        fuzzy: bool = True,
        pk: Any = None,
        *,
        last: bool = False,
    ) -> None:
        super().__init__(output_field=self.output_field_class())
        self.terms = terms
        self.include_internal = include_internal
        self.fuzzy = fuzzy
        self.pk = pk if pk is not None else F("pk")
        self.last = last

    output_field_class: Any = BooleanField

    def get_source_expressions(self) -> list[Any]:
        return [self.pk]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        (self.pk,) = exprs

    def _table(self, compiler: Any, connection: Any) -> tuple[str, str, list[Any]]:
        """The alias to read the text columns under, the row's id as SQL, and its parameters."""
        pk_sql, pk_params = compiler.compile(self.pk)
        # The row's own alias ('"tickets_ticket"', 'U0'), or the probe's.
        probed = self.last and walks_index_only(compiler.query)
        alias = PROBE_ALIAS if probed else pk_sql.rsplit(".", 1)[0]
        return alias, pk_sql, list(pk_params)

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        raise NotImplementedError(f"ticket search is not available on {connection.vendor}")

    def _fuzzy_text(self) -> str:
        return " ".join(self.terms)

    def _condition(self, sql: str, compiler: Any, alias: str, pk_sql: str) -> str:
        # ``last`` (PostgreSQL conditions): wrapped in a scalar subselect, the test is evaluated after
        # the row's other conditions. PostgreSQL orders plain conditions by declared cost, and ``@@``
        # and ``<%`` claim to be cheap while they cost microseconds a row (a detoasted vector, a
        # title's trigrams); so where rows are walked newest first, only those that passed the
        # permission restriction pay for it. The subselect also hides the test's selectivity from the
        # planner: use it only where the plan is already decided (an ``ORDER BY id LIMIT`` walk).
        # Where the walk's other conditions can be read from the walk index (walks_index_only), the
        # subselect reads the text from the row it probes by id, so the walk itself stays index-only and
        # only visible rows cost a heap visit.
        # ``alias`` and ``pk_sql`` come from _table, which chose the probe's alias for such a walk.
        if not self.last:
            return f"({sql})"
        if alias != PROBE_ALIAS:
            return f"(SELECT {sql})"
        meta = self.pk.target.model._meta  # type: ignore[union-attr]  # resolved: a Col of the ticket table
        table, pk = compiler.quote_name(meta.db_table), compiler.quote_name(meta.pk.column)
        probe = f"{table} {PROBE_ALIAS} WHERE {PROBE_ALIAS}.{pk} = {pk_sql}"
        return f"(SELECT {sql} FROM {probe})"  # noqa: S608 (model constants and compiled SQL, no input)


class TicketMatch(_SearchExpression):
    """True for tickets whose indexed text matches every term (or, on PostgreSQL, whose title is close)."""

    conditional = True
    output_field_class = BooleanField

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        alias, pk_sql, _pk_params = self._table(compiler, connection)
        tsquery, params = pg_tsquery(self.terms)
        parts = [f"{alias}.search_public @@ ({tsquery})"]
        all_params: list[Any] = list(params)
        if self.include_internal:
            parts.append(f"{alias}.search_notes @@ ({tsquery})")
            all_params += params
        if self.fuzzy:
            parts.append(f"%s <%% {alias}.title")
            all_params.append(self._fuzzy_text())
        return self._condition(" OR ".join(parts), compiler, alias, pk_sql), all_params

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        _alias, pk_sql, pk_params = self._table(compiler, connection)
        columns = None if self.include_internal else PUBLIC_COLUMNS
        match = fts5_match(self.terms, columns=columns)
        return (
            f"{pk_sql} IN (SELECT rowid FROM ticket_search_fts WHERE ticket_search_fts MATCH %s)",  # noqa: S608
            [*pk_params, match],
        )


class TicketRank(_SearchExpression):
    """Relevance (higher is better) of a ticket already known to match."""

    output_field_class = FloatField

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        alias, _pk, _pk_params = self._table(compiler, connection)
        tsquery, params = pg_tsquery(self.terms)
        vector = (
            f"coalesce({alias}.search_notes, {alias}.search_public)"
            if self.include_internal
            else f"{alias}.search_public"
        )
        sql = f"ts_rank({vector}, ({tsquery}))"
        all_params: list[Any] = list(params)
        if self.fuzzy:
            sql += f" + {TRIGRAM_WEIGHT} * word_similarity(%s, {alias}.title)"
            all_params.append(self._fuzzy_text())
        return f"({sql})", all_params

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        # Tiers, not bm25: a correlated bm25() lookup re-runs the MATCH for every row (≈ 0.3 s for 1,000
        # hits), while each IN list below is computed once per query. Ties are broken by newest first.
        _alias, pk_sql, pk_params = self._table(compiler, connection)
        in_fts = "IN (SELECT rowid FROM ticket_search_fts WHERE ticket_search_fts MATCH %s)"
        title = fts5_match(self.terms, columns=("title",))
        description = fts5_match(self.terms, columns=("title", "description"))
        return (
            f"(CASE WHEN {pk_sql} {in_fts} THEN 2.0 WHEN {pk_sql} {in_fts} THEN 1.0 ELSE 0.0 END)",
            [*pk_params, title, *pk_params, description],
        )


class TitleSimilar(_SearchExpression):
    """True for tickets whose title is close to the query (pg_trgm word similarity).

    Searches only ask the planner for its estimate (how many titles are close: is a typo likely one of a
    common word?); testing it on every title costs ~20 µs a row, so typos are matched by
    :class:`TypoMatch` instead.
    """

    conditional = True
    output_field_class = BooleanField

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        alias, pk_sql, _pk_params = self._table(compiler, connection)
        return self._condition(f"%s <%% {alias}.title", compiler, alias, pk_sql), [self._fuzzy_text()]


class TypoMatch(_SearchExpression):
    """True for tickets matching the terms read with typo corrections (PostgreSQL, see pg_corrected_tsquery).

    The GIN-indexable form, ``search_public @@ q OR search_notes @@ q``, also in walks (``last``): tested
    row by row it is cheaper than ``coalesce(search_notes, search_public) @@ q`` — the public vector is
    short and usually decides, the notes vector is NULL on most tickets — 11 ms instead of 15 ms for the
    newest 25,000 ids at 1M tickets (2026-12-07).
    """

    conditional = True
    output_field_class = BooleanField

    def __init__(self, terms: tuple[str, ...], include_internal: bool, *, last: bool = False) -> None:
        super().__init__(terms, include_internal, fuzzy=False, last=last)

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        alias, pk_sql, _pk_params = self._table(compiler, connection)
        tsquery, params = pg_corrected_tsquery(self.terms)
        if not self.include_internal:
            return self._condition(f"{alias}.search_public @@ {tsquery}", compiler, alias, pk_sql), list(
                params
            )
        return (
            self._condition(
                f"{alias}.search_public @@ {tsquery} OR {alias}.search_notes @@ {tsquery}",
                compiler,
                alias,
                pk_sql,
            ),
            [*params, *params],
        )


class NewestOrAll(_PostgreSQLOnly):
    """Id array (PostgreSQL): ``recent``'s ids if it finds ``size`` of them, else all of ``everything``'s.

    ``recent`` is a cheap, bounded look (a walk of the newest ids) and ``everything`` the complete one
    (a bitmap of every match); PostgreSQL evaluates ``everything`` only when ``recent`` comes short, so
    common matches cost the walk and rare ones the bitmap, without an estimate to choose between them.
    Both querysets must be built from the caller's restricted queryset; ids come out newest first.
    """

    output_field = BooleanField()  # never selected: only compiled inside IdFence

    def __init__(self, recent: QuerySet[Any], everything: QuerySet[Any], size: int) -> None:
        super().__init__()
        self.recent: Any = Subquery(recent.order_by("-pk").values("pk")[:size])
        self.everything: Any = Subquery(everything.order_by("-pk").values("pk"))
        self.size = size

    def get_source_expressions(self) -> list[Any]:
        return [self.recent, self.everything]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        self.recent, self.everything = exprs

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        recent, everything = compiler.compile(self.recent), compiler.compile(self.everything)
        return enough_or_else(recent, everything, self.size, alias="r")


def enough_or_else(
    first: tuple[str, Any], fallback: tuple[str, Any], size: int, *, alias: str
) -> tuple[str, list[Any]]:
    """An id array (PostgreSQL): ``first``'s ids if there are ``size`` of them, else ``fallback``'s.

    Both are ``(SELECT id …)`` subqueries as SQL and parameters; ``alias`` (a constant) names ``first``'s
    array in the SQL. ``fallback`` is an InitPlan PostgreSQL runs only when its branch of the CASE is
    taken; OFFSET 0 keeps ``first``'s array one computation however often it is referenced.
    """
    (first_sql, first_params), (fallback_sql, fallback_params) = first, fallback
    sql = (
        f"(SELECT CASE WHEN cardinality({alias}.ids) >= %s THEN {alias}.ids ELSE ARRAY{fallback_sql} END"  # noqa: S608
        f" FROM (SELECT ARRAY{first_sql} AS ids OFFSET 0) {alias})"
    )
    return sql, [size, *fallback_params, *first_params]


class IdFence(_PostgreSQLOnly):
    """``pk = ANY(ARRAY(SELECT id FROM <ids>))`` (PostgreSQL): membership in a set computed on its own.

    PostgreSQL runs an uncorrelated ``ARRAY(SELECT …)`` once, as an InitPlan, planned without the outer
    query's ``ORDER BY id LIMIT n``; so a text match inside it is found through its indexes (bitmap
    scans) and never by walking the primary key in the hope of meeting ``n`` matches soon. The outer
    query then fetches those ids through the primary key. ``ids`` (and ``fallback``) must be built from
    the caller's permission-restricted queryset: the fence decides which rows can come out.

    ``fallback`` (a queryset, with its own ordering and slice) is used only when ``ids`` is empty: a
    ``COALESCE`` of two InitPlans, the second one runs only if the first found nothing. With ``window``
    only the ``window`` highest ids are kept: sorted in the subquery, not limited there, since a LIMIT
    would tempt the planner into the id walk again. A sliced ``ids`` (``values("pk")[:n]``, already
    ordered) is taken as it is: a window of ids chosen by its own plan.
    """

    conditional = True
    output_field = BooleanField()

    def __init__(
        self,
        ids: QuerySet[Any],
        *,
        fallback: QuerySet[Any] | NewestOrAll | None = None,
        window: int | None = None,
        pk: Any = None,
    ) -> None:
        super().__init__()
        if not ids.query.is_sliced:  # a sliced one (``values("pk")[:n]``) keeps its own order
            ids = (ids.order_by("-pk") if window is not None else ids.order_by()).values("pk")
        self.ids: Any = Subquery(ids)
        self.fallback: Any = fallback
        if isinstance(fallback, QuerySet):
            if window is not None and not fallback.query.is_sliced:
                fallback = fallback.order_by("-pk")
            self.fallback = Subquery(fallback.values("pk"))
        self.window = window
        self.pk = pk if pk is not None else F("pk")

    def get_source_expressions(self) -> list[Any]:
        return [self.pk, self.ids] + ([self.fallback] if self.fallback is not None else [])

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        self.pk, self.ids, *rest = exprs
        self.fallback = rest[0] if rest else None

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        pk_sql, params = compiler.compile(self.pk)
        params = list(params)
        ids_sql, ids_params = compiler.compile(self.ids)  # "(SELECT …)"
        array = f"ARRAY{ids_sql}"
        params += ids_params
        if self.fallback is not None:
            fallback_sql, fallback_params = compiler.compile(self.fallback)
            if not isinstance(self.fallback, NewestOrAll):  # a subquery (resolved to its Query)
                fallback_sql = f"ARRAY{fallback_sql}"
            array = f"COALESCE(NULLIF({array}, '{{}}'), {fallback_sql})"
            params += fallback_params
        if self.window is not None:
            array = f"({array})[1:%s]"
            params.append(self.window)
        return f"{pk_sql} = ANY({array})", params


class TestedAfter(_PostgreSQLOnly):
    """A queryset's WHERE as a condition PostgreSQL tests on each row it reads, never through an index.

    ``(SELECT (<where>))``: a scalar subselect the planner cannot turn into index scans, so in a bitmap
    scan of the text indexes the caller's restriction is a filter on the rows the bitmap fetches anyway
    (candidates first: the few hundred matching rows) rather than a bitmap of every row it allows.
    Only for a WHERE that :func:`movable_where` accepts: the base table's own columns and no subqueries
    (moved into another query, a subquery's reference to the outer row would be relabelled wrongly).
    """

    conditional = True
    output_field = BooleanField()

    def __init__(self, where: Any) -> None:
        super().__init__()
        self.where = where

    def get_source_expressions(self) -> list[Any]:
        return [self.where]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        (self.where,) = exprs

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        try:
            sql, params = compiler.compile(self.where)
        except FullResultSet:  # no condition at all (someone who sees every ticket)
            return "TRUE", []
        return (f"(SELECT ({sql}))", list(params)) if sql else ("TRUE", [])


def movable_where(query: Query) -> bool:
    """Whether ``query``'s WHERE means the same moved into another query of the same table (TestedAfter)."""
    return _columns_only_of(query, query.base_table) and not any(
        isinstance(node, Query) for node in _expressions(query.where)
    )


# While NewestWindow compiles its inner copies of the query it sits in, it compiles there as one of its
# plain conditions: "indexed" for the window (a bitmap of the text indexes), "walked" for the full walk.
_INNER_FORM: ContextVar[str | None] = ContextVar("ventanilla_search_inner_form", default=None)


class NewestWindow(_PostgreSQLOnly):
    """A text condition that, in a page of newest tickets, first looks among the newest ids (PostgreSQL).

    A page of a common word — ``ORDER BY id DESC LIMIT n`` — is found by PostgreSQL walking the primary
    key from the newest ticket and reading each row until ``n`` match: for an agent of one team of eight
    and a word in one ticket of a hundred, ≈ 20,000 rows at 1M tickets, most of them neither visible nor
    matching. When the query this condition is compiled into is such a page, the condition becomes
    ``id = ANY(<that same query, among the newest ids only>)``: with a literal id range the planner
    ANDs the text indexes' bitmap with the range and reads only the matching rows in it. If the window
    holds ``n`` rows they are the page (every other row is older); if not, the same query without the
    window (the walk) gives it. Both inner queries are the outer query's own conditions — restriction,
    filters and keyset cursor included —, so they can only return rows the query returns anyway.

    The window spans ``WINDOW_SAFETY`` times the ids expected to hold ``n`` matches, from ``density``
    (the planner's estimate of matches per id, which runs up to 2.5 times too high for words whose
    Spanish and English stems differ). Where a walk is expected to find the page within ``MIN_WALK`` ids
    it walks: the text indexes' bitmap of a word that common costs as much (``impresora``: 30,000
    tickets at 1M, 7–9 ms), and the walk, a page of ids of its own, reads who may see each row from the
    walk index (:func:`walks_index_only`: 5–6 ms). Compiled anywhere else (a count, another order, a
    query that filters through joins), it is the ``indexed`` condition.
    """

    conditional = True
    output_field = BooleanField()
    WINDOW_SAFETY = 3.0
    MIN_WALK = 10_000
    # Pages bigger than this are not windowed (API pages are at most 200 rows; a rank window is 50).
    MAX_PAGE = 500

    def __init__(self, indexed: Q, walked: Q, *, newest_id: int, density: float) -> None:
        super().__init__()
        self.indexed: Any = indexed
        self.walked: Any = walked
        self.newest_id = newest_id
        self.density = density

    def get_source_expressions(self) -> list[Any]:
        return [self.indexed, self.walked]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        self.indexed, self.walked = exprs

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        form = _INNER_FORM.get()
        if form is not None:
            return compiler.compile(self.indexed if form == "indexed" else self.walked)
        query = compiler.query
        limit = _newest_page_limit(query)
        if limit is None or limit > self.MAX_PAGE or not _columns_only_of(query, query.base_table):
            return compiler.compile(self.indexed)
        walk = limit / max(self.density, 1e-9)  # the ids a walk is expected to read for the page
        width = math.ceil(self.WINDOW_SAFETY * walk)
        if walk < self.MIN_WALK or width >= self.newest_id:
            # A short walk is cheaper than any bitmap. Fenced as a page of ids of its own, it can walk
            # the walk index (index-only, see walks_index_only) where the page itself needs whole rows.
            ids_sql, params = _inner_page(compiler, "walked", limit, None)
            return f"{_pk_sql(compiler)} = ANY(ARRAY{ids_sql})", params
        # Below a keyset cursor (``id < n``, a later page) the window starts at the cursor.
        top = min(self.newest_id, _id_ceiling(query) or self.newest_id)
        window_page = _inner_page(compiler, "indexed", limit, top - width)
        walked_page = _inner_page(compiler, "walked", limit, None)
        ids_sql, params = enough_or_else(window_page, walked_page, limit, alias="w")
        # COALESCE makes the scalar subquery an array expression (``ANY((SELECT …))`` would be ANY(set)).
        return f"{_pk_sql(compiler)} = ANY(COALESCE({ids_sql}, '{{}}'))", params


def walks_index_only(query: Query) -> bool:
    """Whether a walk of ``query`` can test every condition but the text from the walk index alone.

    True where the rows walked are ids only — an inner page of :class:`NewestWindow` (compiled under
    its ``walked`` form) or a ``values("pk")`` subquery such as the typo walk — and the WHERE reads only
    the base table's ``WALK_INDEX_COLUMNS`` (the permission rules' columns, a keyset cursor) outside
    subqueries. Then PostgreSQL can walk ``ticket_walk_idx`` backward without a heap visit for the rows
    the caller may not see (a subquery reading another column of the row only makes it choose a plain
    walk: the result is the same).
    """
    selects_ids = _INNER_FORM.get() == "walked" or (
        tuple(query.values_select) == ("pk",) and not query.annotation_select
    )
    return selects_ids and _columns_only_of(query, query.base_table, WALK_INDEX_COLUMNS)


def _newest_page_limit(query: Query) -> int | None:
    """``n`` when ``query`` is a plain ``ORDER BY id DESC LIMIT n`` (offset included), else None."""
    if query.combinator or query.distinct or query.group_by or query.extra_order_by:
        return None
    if query.high_mark is None:
        return None
    ordering = query.order_by or (query.get_meta().ordering if query.default_ordering else None) or ()
    if tuple(ordering) not in (("-id",), ("-pk",)):
        return None
    return int(query.high_mark)


def _id_ceiling(query: Query) -> int | None:
    """The lowest ``id < n`` / ``id <= n`` bound the WHERE requires of every row (a keyset cursor), if any."""
    if query.where.connector != AND or query.where.negated:
        return None
    pk = query.get_meta().pk.column
    bounds = [
        int(child.rhs)
        for child in query.where.children
        if isinstance(child, (LessThan, LessThanOrEqual))
        and isinstance(child.lhs, Col)
        and child.lhs.alias == query.base_table
        and child.lhs.target.column == pk
        and isinstance(child.rhs, int)
    ]
    return min(bounds, default=None)


def _columns_only_of(query: Query, alias: str, columns: frozenset[str] | None = None) -> bool:
    """Whether the WHERE reads only the base table's own columns (``columns`` of them, if given).

    The inner queries reuse the WHERE as compiled for the outer query, under the base table's alias; a
    condition on a joined table or on a select alias would not mean the same there. Subqueries are not
    looked into.
    """
    return all(_reads_only(node, alias, columns) for node in _expressions(query.where))


def _reads_only(node: Any, alias: str, columns: frozenset[str] | None) -> bool:
    if isinstance(node, Ref):
        return False
    if not isinstance(node, Col):
        return True
    return node.alias == alias and (columns is None or node.target.column in columns)


def _expressions(node: Any) -> Iterator[Any]:
    """``node`` and every expression under it (WHERE nodes, lookups, functions); subqueries stay opaque."""
    yield node
    if isinstance(node, Node):
        children = node.children
    elif isinstance(node, Query) or not hasattr(node, "get_source_expressions"):
        return
    else:
        children = node.get_source_expressions()
    for child in children:
        yield from _expressions(child)


def _pk_sql(compiler: Any) -> str:
    qn = compiler.quote_name
    return f"{qn(compiler.query.base_table)}.{qn(compiler.query.get_meta().pk.column)}"


def _inner_page(compiler: Any, form: str, limit: int, floor: int | None) -> tuple[str, list[Any]]:
    """``(SELECT id FROM <table> WHERE <the query's WHERE> [AND id > floor] ORDER BY id DESC LIMIT n)``."""
    query = compiler.query
    token = _INNER_FORM.set(form)
    try:
        where_sql, params = compiler.compile(query.where)
    finally:
        _INNER_FORM.reset(token)
    table, alias = query.get_meta().db_table, query.base_table
    qn = compiler.quote_name
    source = qn(table) if alias == table else f"{qn(table)} {qn(alias)}"
    pk = _pk_sql(compiler)
    conditions = [f"({where_sql})"]
    params = list(params)
    if floor is not None:
        # A literal, not a parameter PostgreSQL would have to guess: the range's size decides the plan.
        conditions.append(f"{pk} > {int(floor)}")
    sql = f"(SELECT {pk} FROM {source} WHERE {' AND '.join(conditions)} ORDER BY {pk} DESC LIMIT %s)"  # noqa: S608
    return sql, [*params, limit]
