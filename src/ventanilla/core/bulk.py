"""Bulk INSERT through UNNEST for models Django will not insert that way.

Django inserts many rows with one array per column (``INSERT … SELECT * FROM UNNEST(…)``) on PostgreSQL,
except for models with a field that has its own placeholder, such as ``BinaryField``: those get one
``VALUES`` tuple per row, a query of thousands of placeholders that the driver re-parses each time (half
the cost of storing a batch of mail). This writes such rows the UNNEST way; other databases get Django's
``bulk_create``.
"""

from __future__ import annotations

from typing import Any

from django.db import connection, models


def bulk_insert(model: type[models.Model], objs: list[Any]) -> None:
    """Insert new ``objs`` of ``model`` and set their primary keys (like ``bulk_create``, no signals)."""
    if connection.vendor != "postgresql" or len(objs) < 2:
        model._default_manager.bulk_create(objs)
        return
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    columns = []
    for field in fields:
        values = [field.get_db_prep_save(field.pre_save(obj, add=True), connection) for obj in objs]
        columns.append(values)
    quote = connection.ops.quote_name
    names = ", ".join(quote(str(f.column)) for f in fields)
    arrays = ", ".join(f"%s::{str(f.db_type(connection)).split('(')[0]}[]" for f in fields)
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
