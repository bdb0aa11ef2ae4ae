"""Many rows in one statement through UNNEST, where Django does not do it that way.

Django inserts many rows with one array per column (``INSERT … SELECT * FROM UNNEST(…)``) on PostgreSQL,
except for models with a field that has its own placeholder, such as ``BinaryField``: those get one
``VALUES`` tuple per row, a query of thousands of placeholders that the driver re-parses each time (half
the cost of storing a batch of mail). And ``bulk_update`` builds a ``CASE`` per column and row, which
cost more than the rest of a batch of mail. These write the UNNEST way on PostgreSQL; other databases
get Django's ``bulk_create`` and one ``UPDATE`` per row sent with ``executemany``.

Rows that nobody reads back by primary key in the same transaction (change log, timeline, outbox) go in
with ``COPY`` through :func:`append_rows`: the driver formats them in C, where an ``INSERT`` has every
value quoted into the statement by Python (half the cost of a change-log entry).
"""

from __future__ import annotations

import time
from typing import Any, cast

from django.db import DEFAULT_DB_ALIAS, connections, models


def bulk_insert(model: type[models.Model], objs: list[Any]) -> None:
    """Insert new ``objs`` of ``model`` and set their primary keys (like ``bulk_create``, no signals)."""
    connection = _connection()
    if connection.vendor != "postgresql" or len(objs) < 2:
        model._default_manager.bulk_create(objs)
        return
    fields, rows = _new_rows(model, objs, connection)
    columns = [list(column) for column in zip(*rows, strict=True)]
    quote = connection.ops.quote_name
    names = ", ".join(quote(str(f.column)) for f in fields)
    arrays = ", ".join(_array(f, connection) for f in fields)
    table = quote(model._meta.db_table)
    pk = quote(str(model._meta.pk.column))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({names}) SELECT * FROM UNNEST({arrays}) RETURNING {pk}",  # noqa: S608 - names only
            columns,
        )
        for obj, (value,) in zip(objs, cursor.fetchall(), strict=True):
            obj.pk = value
            obj._state.adding = False
            obj._state.db = "default"


def append_rows(model: type[models.Model], objs: list[Any]) -> None:
    """Insert new ``objs`` of ``model`` without reading their primary keys back (no signals).

    The objects keep ``pk = None``: for rows that are only appended, such as log entries. One ``COPY`` on
    PostgreSQL (shown in the query log like any statement, so query-count tests see it), ``bulk_create``
    elsewhere.
    """
    connection = _connection()
    if connection.vendor != "postgresql" or len(objs) < 2:
        model._default_manager.bulk_create(objs)
        return
    fields, rows = _new_rows(model, objs, connection)
    quote = connection.ops.quote_name
    sql = f"COPY {quote(model._meta.db_table)} ({', '.join(quote(str(f.column)) for f in fields)}) FROM STDIN"
    started = time.monotonic()
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        for row in rows:
            copy.write_row(row)
    if connection.queries_logged:
        connection.queries_log.append(
            {"sql": f"{sql} -- {len(rows)} rows", "time": f"{time.monotonic() - started:.3f}"}
        )


def bulk_update(model: type[models.Model], objs: list[Any], names: list[str]) -> None:
    """Write the fields ``names`` of saved ``objs`` (their current values), one statement on PostgreSQL."""
    if not objs:
        return
    connection = _connection()
    fields = [cast("models.Field[Any, Any]", model._meta.get_field(name)) for name in names]
    pk = cast("models.Field[Any, Any]", model._meta.pk)
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    rows = [
        [f.get_db_prep_save(getattr(obj, f.attname), connection) for f in fields] + [obj.pk] for obj in objs
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            columns = [quote(str(f.column)) for f in [*fields, pk]]
            assign = ", ".join(f"{c} = v.{c}" for c in columns[:-1])
            arrays = ", ".join(_array(f, connection) for f in [*fields, pk])
            cursor.execute(
                f"UPDATE {table} SET {assign} FROM UNNEST({arrays}) AS v({', '.join(columns)}) "  # noqa: S608
                f"WHERE {table}.{columns[-1]} = v.{columns[-1]}",
                [list(column) for column in zip(*rows, strict=True)],
            )
        else:
            assign = ", ".join(f"{quote(str(f.column))} = %s" for f in fields)
            cursor.executemany(f"UPDATE {table} SET {assign} WHERE {quote(str(pk.column))} = %s", rows)  # noqa: S608 - names only


def _new_rows(model: type[models.Model], objs: list[Any], connection: Any) -> tuple[list[Any], list[Any]]:
    """The columns of a new row of ``model`` (all but the primary key) and each object's values for them,
    as the database stores them (``auto_now_add`` and defaults applied, as ``save()`` would)."""
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    rows = [[f.get_db_prep_save(f.pre_save(obj, add=True), connection) for f in fields] for obj in objs]
    return fields, rows


def _connection() -> Any:
    """The default connection itself: ``django.db.connection`` is a proxy that looks the connection up in a
    context-local store at every attribute, and field preparation reads it for every value."""
    return connections[DEFAULT_DB_ALIAS]


def _array(field: Any, connection: Any) -> str:
    """A placeholder for an array of the column's values (no length: ``varchar[]``, not ``varchar(50)[]``)."""
    return f"%s::{str(field.db_type(connection)).split('(')[0]}[]"
