"""The generic change log (cross-cutting, so it listens to model signals).

Services that write with a conditional ``UPDATE`` (which fires no signal) call :func:`record` themselves.
"""

from __future__ import annotations

import datetime
import decimal
import uuid
from collections.abc import Sequence
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save

from .bulk import append_rows
from .context import current_actor, current_request_id
from .models import ChangeAction, ChangeLogEntry, ChangeLoggedModel


def _plain(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.fields.files.FieldFile):
        return value.name or None
    return value


def serialize(instance: models.Model) -> dict[str, Any]:
    exclude = set(getattr(instance, "changelog_exclude", ()))
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if field.name in exclude:
            continue
        data[field.attname] = _plain(getattr(instance, field.attname))
    return data


def record(
    instance: models.Model,
    action: str,
    before: dict[str, Any] | None,
    after: dict[str, Any] | None,
    *,
    defer: list[ChangeLogEntry] | None = None,
) -> ChangeLogEntry | None:
    """Log one change; ``defer``: append the unsaved entry there for the caller to insert with others."""
    if action == ChangeAction.UPDATE and before is not None and after is not None:
        changed = {k for k in after if before.get(k) != after.get(k)} - {"updated_at"}
        if not changed:
            return None
        before = {k: before.get(k) for k in changed}
        after = {k: after[k] for k in changed}
    made = entry(instance, action, before, after)
    if defer is not None:
        defer.append(made)
    else:
        made.save(force_insert=True)
    return made


def record_created(instances: Sequence[models.Model]) -> None:
    """One "create" entry per instance, written in one statement (services that insert in bulk)."""
    append_rows(
        ChangeLogEntry,
        [entry(instance, ChangeAction.CREATE, None, serialize(instance)) for instance in instances],
    )


def entry(
    instance: models.Model, action: str, before: dict[str, Any] | None, after: dict[str, Any] | None
) -> ChangeLogEntry:
    """An unsaved entry by the acting user of the current request (or task)."""
    return ChangeLogEntry(
        actor_id=getattr(current_actor(), "pk", None),
        request_id=current_request_id(),
        action=action,
        content_type=ContentType.objects.get_for_model(instance, for_concrete_model=True),
        object_id=str(instance.pk),
        object_repr=str(instance)[:200],
        before=before,
        after=after,
    )


def _on_pre_save(sender: type[models.Model], instance: models.Model, raw: bool, **kw: Any) -> None:
    """Without a snapshot (Django admin, a plain ``save()``) read the stored row so the entry has a before."""
    if raw or getattr(sender, "changelog_by_service", False) or instance._state.adding:
        return
    if getattr(instance, "_prechange_snapshot", None) is None:
        stored = sender._base_manager.filter(pk=instance.pk).first()
        if stored is not None:
            instance._prechange_snapshot = serialize(stored)  # type: ignore[attr-defined]


def _on_save(sender: type[models.Model], instance: models.Model, created: bool, raw: bool, **kw: Any) -> None:
    if raw or getattr(sender, "changelog_by_service", False):
        return
    after = serialize(instance)
    if created:
        record(instance, ChangeAction.CREATE, None, after)
    else:
        before = getattr(instance, "_prechange_snapshot", None)
        record(instance, ChangeAction.UPDATE, before, after)
    instance._prechange_snapshot = after  # type: ignore[attr-defined]


def _on_delete(sender: type[models.Model], instance: models.Model, **kw: Any) -> None:
    record(instance, ChangeAction.DELETE, serialize(instance), None)


def connect_signals() -> None:
    from django.apps import apps

    for model in apps.get_models():
        if issubclass(model, ChangeLoggedModel):
            pre_save.connect(
                _on_pre_save, sender=model, dispatch_uid=f"changelog-presave-{model._meta.label}"
            )
            post_save.connect(_on_save, sender=model, dispatch_uid=f"changelog-save-{model._meta.label}")
            post_delete.connect(_on_delete, sender=model, dispatch_uid=f"changelog-del-{model._meta.label}")
