"""Running the raw SQL of database objects Django does not model (triggers, functions, FTS tables)."""

from __future__ import annotations

from typing import Any


def run_statements(connection: Any, statements: list[str]) -> None:
    with connection.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)
