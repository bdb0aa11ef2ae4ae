"""Ticket numbers written by the database in the INSERT itself (``INC-000123``).

The number's digits are the primary key, which the database only knows while inserting. Assigning it in
Python meant a second statement (``UPDATE … SET number``) for every new ticket; a trigger sets it in the
same statement, and the service computes the identical value with :meth:`Ticket.format_number` once the
primary key is back. A number set explicitly (renumbering after a type change, imports) is left alone.

Changing the prefixes or the digit count needs a new migration that calls :func:`install` again.
"""

from __future__ import annotations

from typing import Any

from ventanilla.core.sql import run_statements

from .choices import NUMBER_DIGITS, NUMBER_PREFIX

_PG_PREFIX = " ".join(f"WHEN '{t.value}' THEN '{p}'" for t, p in NUMBER_PREFIX.items())
_SQLITE_PREFIX = _PG_PREFIX

PG_INSTALL = [
    f"""
    CREATE OR REPLACE FUNCTION ventanilla_ticket_number() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF NEW.number IS NULL THEN
            -- lpad would cut numbers longer than the padding; Python's format widens them instead.
            NEW.number := (CASE NEW.type {_PG_PREFIX} END) || '-' ||
                CASE WHEN length(NEW.id::text) >= {NUMBER_DIGITS} THEN NEW.id::text
                     ELSE lpad(NEW.id::text, {NUMBER_DIGITS}, '0') END;
        END IF;
        RETURN NEW;
    END $$
    """,
    "DROP TRIGGER IF EXISTS ticket_number ON tickets_ticket",
    "CREATE TRIGGER ticket_number BEFORE INSERT ON tickets_ticket "
    "FOR EACH ROW EXECUTE FUNCTION ventanilla_ticket_number()",
]

PG_UNINSTALL = [
    "DROP TRIGGER IF EXISTS ticket_number ON tickets_ticket",
    "DROP FUNCTION IF EXISTS ventanilla_ticket_number()",
]

# SQLite cannot change NEW in a BEFORE trigger; an AFTER trigger's UPDATE runs inside the same statement.
SQLITE_TRIGGER = (  # module constants only, nothing from outside
    "CREATE TRIGGER IF NOT EXISTS ticket_number_ai AFTER INSERT ON tickets_ticket "  # noqa: S608
    "WHEN new.number IS NULL BEGIN "
    f"UPDATE tickets_ticket SET number = (CASE new.type {_SQLITE_PREFIX} END) || '-' || "
    f"printf('%0{NUMBER_DIGITS}d', new.id) WHERE id = new.id; END"
)
SQLITE_BACKFILL = (
    f"UPDATE tickets_ticket SET number = (CASE type {_SQLITE_PREFIX} END) || '-' || "  # noqa: S608
    f"printf('%0{NUMBER_DIGITS}d', id) WHERE number IS NULL"
)


def install(connection: Any) -> None:
    if connection.vendor == "postgresql":
        run_statements(connection, PG_INSTALL)
    elif connection.vendor == "sqlite":
        run_statements(connection, [SQLITE_TRIGGER])


def uninstall(connection: Any) -> None:
    if connection.vendor == "postgresql":
        run_statements(connection, PG_UNINSTALL)
    elif connection.vendor == "sqlite":
        run_statements(connection, ["DROP TRIGGER IF EXISTS ticket_number_ai"])


def ensure_trigger(connection: Any) -> None:
    """SQLite drops a table's triggers when a migration rebuilds the table: put this one back."""
    if connection.vendor != "sqlite":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'tickets_ticket'")
        if cursor.fetchone() is None:
            return
        cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = 'ticket_number_ai'")
        if cursor.fetchone() is not None:
            return
    run_statements(connection, [SQLITE_TRIGGER, SQLITE_BACKFILL])
