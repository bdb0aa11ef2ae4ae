"""Query expressions over the hidden search index, usable in ``filter()``/``annotate()``/``order_by()``.

They reference the ticket table through a resolved ``pk`` column, so they keep working when Django
re-aliases the table (joins, subqueries such as ``pk__in=search_tickets(...)``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import BooleanField, Expression, F, FloatField

from .query import fts5_match, pg_tsquery

# FTS5 columns a customer may search: internal notes are left out.
PUBLIC_COLUMNS = ("title", "description", "comments")
# Trigram similarity (pg_trgm's word_similarity, operator ``<%``) finds titles despite typos.
TRIGRAM_WEIGHT = 0.05


class _SearchExpression(Expression):
    def __init__(
        self, terms: tuple[str, ...], include_internal: bool, fuzzy: bool = True, pk: Any = None
    ) -> None:
        super().__init__(output_field=self.output_field_class())
        self.terms = terms
        self.include_internal = include_internal
        self.fuzzy = fuzzy
        self.pk = pk if pk is not None else F("pk")

    output_field_class: Any = BooleanField

    def get_source_expressions(self) -> list[Any]:
        return [self.pk]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        (self.pk,) = exprs

    def _table(self, compiler: Any, connection: Any) -> tuple[str, str, list[Any]]:
        pk_sql, pk_params = compiler.compile(self.pk)
        alias = pk_sql.rsplit(".", 1)[0]  # '"tickets_ticket"' or 'U0'
        return alias, pk_sql, list(pk_params)

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:  # type: ignore[override]
        raise NotImplementedError(f"ticket search is not available on {connection.vendor}")

    def _fuzzy_text(self) -> str:
        return " ".join(self.terms)


class TicketMatch(_SearchExpression):
    """True for tickets whose indexed text matches every term (or, on PostgreSQL, whose title is close)."""

    conditional = True
    output_field_class = BooleanField

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        alias, _pk, _pk_params = self._table(compiler, connection)
        tsquery, params = pg_tsquery(self.terms)
        parts = [f"{alias}.search_public @@ ({tsquery})"]
        all_params: list[Any] = list(params)
        if self.include_internal:
            parts.append(f"{alias}.search_notes @@ ({tsquery})")
            all_params += params
        if self.fuzzy:
            parts.append(f"%s <%% {alias}.title")
            all_params.append(self._fuzzy_text())
        return "(" + " OR ".join(parts) + ")", all_params

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
