"""Plumbing: keep the SQLite search triggers in place after migrations (see schema.ensure_triggers)."""

from __future__ import annotations

from typing import Any

from django.db import connections
from django.db.models.signals import post_migrate


def _ensure_triggers(sender: Any, using: str = "default", **kwargs: Any) -> None:
    from .schema import ensure_triggers

    ensure_triggers(connections[using])


def connect() -> None:
    post_migrate.connect(_ensure_triggers, dispatch_uid="ventanilla.search.ensure_triggers")
