"""Generic writes for reference data (organisations, teams, services...): validate, save, log.

Domain objects with a lifecycle (tickets, changes...) have their own verbs in their app's services.
"""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import ValidationError
from django.db import models, transaction

from .context import acting_as
from .errors import ValidationFailed

M = TypeVar("M", bound=models.Model)


def validation_message(exc: ValidationError) -> str:
    if hasattr(exc, "message_dict"):
        return "; ".join(
            f"{k}: {' '.join(v)}" if k != "__all__" else " ".join(v) for k, v in exc.message_dict.items()
        )
    return " ".join(exc.messages)


def save_reference[M: models.Model](instance: M, *, actor: Any, m2m: dict[str, Any] | None = None) -> M:
    """Validate and save ``instance`` (new or changed) and its many-to-many values, atomically."""
    with acting_as(actor), transaction.atomic():
        try:
            instance.full_clean()
        except ValidationError as exc:
            raise ValidationFailed(
                validation_message(exc), code="invalid", errors=getattr(exc, "message_dict", None)
            ) from exc
        instance.save()
        for name, values in (m2m or {}).items():
            getattr(instance, name).set(values)
    return instance


def update_reference[M: models.Model](
    instance: M, changes: dict[str, Any], *, actor: Any, m2m: dict[str, Any] | None = None
) -> M:
    if hasattr(instance, "snapshot"):
        instance.snapshot()
    for field, value in changes.items():
        setattr(instance, field, value)
    return save_reference(instance, actor=actor, m2m=m2m)


def delete_reference(instance: models.Model, *, actor: Any) -> None:
    from django.db.models import ProtectedError

    from .errors import Conflict

    with acting_as(actor), transaction.atomic():
        try:
            instance.delete()
        except ProtectedError as exc:
            raise Conflict(
                f"{instance} is still in use and cannot be deleted; deactivate it instead.", code="in_use"
            ) from exc
